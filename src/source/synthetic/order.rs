//! The read order of DOMAIN §6 (`TableSpec::order_by`) applied to generated rows: NULLs first,
//! then values in their natural order.

use std::cmp::Ordering;

use crate::source::{Cell, Row};
use crate::tables::TableSpec;

/// Where an ordering column's value comes from.
#[derive(Clone, Copy)]
enum SortKey {
    Column(usize),
    /// A derived date (fecha_proceso, fecha_asignacion): the date part of a DATETIME column.
    DateOf(usize),
}

/// Total order on cells of one column. Different variants only meet when one is NULL; the
/// variant rank keeps the order total anyway.
pub fn compare_cells(a: &Cell, b: &Cell) -> Ordering {
    match (a, b) {
        (Cell::Int(x), Cell::Int(y)) => x.cmp(y),
        (Cell::Float(x), Cell::Float(y)) => x.total_cmp(y),
        (Cell::Numeric(x), Cell::Numeric(y)) => x.cmp(y),
        (Cell::Text(x), Cell::Text(y)) => x.cmp(y),
        (Cell::Bool(x), Cell::Bool(y)) => x.cmp(y),
        (Cell::Date(x), Cell::Date(y)) => x.cmp(y),
        (Cell::DateTime(x), Cell::DateTime(y)) => x.cmp(y),
        (Cell::Timestamp(x), Cell::Timestamp(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

fn rank(cell: &Cell) -> u8 {
    match cell {
        Cell::Null => 0,
        Cell::Int(_) => 1,
        Cell::Float(_) => 2,
        Cell::Numeric(_) => 3,
        Cell::Text(_) => 4,
        Cell::Bool(_) => 5,
        Cell::Date(_) => 6,
        Cell::DateTime(_) => 7,
        Cell::Timestamp(_) => 8,
    }
}

fn sort_keys(table: &TableSpec) -> Vec<SortKey> {
    let position = |name: &str| table.columns.iter().position(|c| c.name == name);
    table
        .order_by()
        .into_iter()
        .map(|name| match (position(name), table.date_of) {
            (Some(index), _) => SortKey::Column(index),
            (None, Some(date_of)) if date_of.name == name => {
                SortKey::DateOf(position(date_of.from).expect("date_of.from is a source column"))
            }
            _ => panic!("{}: order column {name} is not a column", table.name),
        })
        .collect()
}

fn compare_key(key: SortKey, a: &Row, b: &Row) -> Ordering {
    match key {
        SortKey::Column(index) => compare_cells(&a[index], &b[index]),
        SortKey::DateOf(index) => compare_cells(&date_part(&a[index]), &date_part(&b[index])),
    }
}

fn date_part(cell: &Cell) -> Cell {
    match cell {
        Cell::DateTime(civil) => Cell::Date(civil.date()),
        _ => Cell::Null,
    }
}

/// Sorts rows in the table's read order (stable: equal keys keep their generation order).
pub fn sort_rows(table: &TableSpec, rows: &mut [Row]) {
    let keys = sort_keys(table);
    rows.sort_by(|a, b| {
        keys.iter()
            .map(|&key| compare_key(key, a, b))
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
}

/// Whether rows are in the table's read order.
#[cfg(test)]
pub fn is_sorted(table: &TableSpec, rows: &[Row]) -> bool {
    let keys = sort_keys(table);
    rows.windows(2).all(|pair| {
        keys.iter()
            .map(|&key| compare_key(key, &pair[0], &pair[1]))
            .find(|o| o.is_ne())
            .is_none_or(|o| o.is_lt())
    })
}
