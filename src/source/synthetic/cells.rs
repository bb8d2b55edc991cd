//! Small helpers to build typed cells.

use crate::source::Cell;
use crate::tables::TableSpec;

pub fn text(value: &str) -> Cell {
    Cell::Text(value.to_owned())
}

pub fn optional(value: Option<&str>) -> Cell {
    value.map_or(Cell::Null, text)
}

/// A PEN amount in cents as BigQuery's FLOAT64 (the division is exact to the nearest double).
pub fn money(cents: i64) -> Cell {
    Cell::Float(cents as f64 / 100.0)
}

/// Position of a catalogue column, for the few cells patched after a row is built.
pub fn index_of(table: &TableSpec, column: &str) -> usize {
    table
        .columns
        .iter()
        .position(|c| c.name == column)
        .unwrap_or_else(|| panic!("{} has no column {column}", table.name))
}
