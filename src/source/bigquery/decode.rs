//! BigQuery's JSON result cells (every value a string, NULL as null) → typed cells, by the
//! catalogue's source types.

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use gcp_bigquery_client::model::table_row::TableRow;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::{
    source::{Cell, Row, SourceError},
    tables::{SourceType, TableSpec},
};

pub fn rows(table: &TableSpec, rows: Vec<TableRow>) -> Result<Vec<Row>, SourceError> {
    rows.into_iter()
        .map(|row| {
            let values = super::cells(row);
            if values.len() != table.columns.len() {
                return Err(SourceError::Permanent(format!(
                    "{}: BigQuery returned {} columns, the catalogue has {}",
                    table.name,
                    values.len(),
                    table.columns.len()
                )));
            }
            Ok(table
                .columns
                .iter()
                .zip(values)
                .map(|(column, value)| cell(column.source_type, value))
                .collect())
        })
        .collect()
}

/// A value that does not parse as its type is passed on as text: the normaliser then rejects
/// the row with the value in the reason, instead of the whole read failing.
fn cell(source_type: SourceType, value: Option<Value>) -> Cell {
    let text = match value {
        None | Some(Value::Null) => return Cell::Null,
        Some(Value::String(text)) => text,
        Some(other) => other.to_string(),
    };
    let parsed = match source_type {
        SourceType::String => return Cell::Text(text),
        SourceType::Int64 => text.parse().ok().map(Cell::Int),
        SourceType::Float64 => text.parse().ok().map(Cell::Float),
        SourceType::Numeric => numeric(&text).map(Cell::Numeric),
        SourceType::Bool => match text.as_str() {
            "true" => Some(Cell::Bool(true)),
            "false" => Some(Cell::Bool(false)),
            _ => None,
        },
        SourceType::Date => NaiveDate::from_str(&text).ok().map(Cell::Date),
        SourceType::DateTime => NaiveDateTime::from_str(&text.replacen(' ', "T", 1))
            .ok()
            .map(Cell::DateTime),
        SourceType::Timestamp => timestamp(&text).map(Cell::Timestamp),
    };
    parsed.unwrap_or(Cell::Text(text))
}

fn numeric(text: &str) -> Option<Decimal> {
    Decimal::from_str(text)
        .or_else(|_| Decimal::from_scientific(text))
        .ok()
}

/// TIMESTAMP arrives as seconds since the epoch in scientific notation ("1.704103200123456E9");
/// decimal arithmetic keeps every microsecond that a float would round away.
fn timestamp(text: &str) -> Option<DateTime<chrono::Utc>> {
    let seconds = numeric(text)?;
    let micros = (seconds * Decimal::from(1_000_000)).round();
    DateTime::from_timestamp_micros(i64::try_from(micros).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Option<Value> {
        Some(Value::String(text.into()))
    }

    #[test]
    fn decodes_every_type_bigquery_sends() {
        assert_eq!(cell(SourceType::Int64, s("42")), Cell::Int(42));
        assert_eq!(cell(SourceType::Float64, s("1.0E20")), Cell::Float(1e20));
        assert_eq!(
            cell(SourceType::Numeric, s("12.34")),
            Cell::Numeric(Decimal::new(1234, 2))
        );
        assert_eq!(cell(SourceType::Bool, s("true")), Cell::Bool(true));
        assert_eq!(
            cell(SourceType::Date, s("2024-02-29")),
            Cell::Date(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())
        );
        let civil = NaiveDate::from_ymd_opt(2024, 2, 29)
            .unwrap()
            .and_hms_micro_opt(23, 59, 59, 500_000)
            .unwrap();
        assert_eq!(
            cell(SourceType::DateTime, s("2024-02-29T23:59:59.500000")),
            Cell::DateTime(civil)
        );
        assert_eq!(
            cell(SourceType::DateTime, s("2024-02-29 23:59:59.5")),
            Cell::DateTime(civil)
        );
        let Cell::Timestamp(instant) = cell(SourceType::Timestamp, s("1.704103200123456E9")) else {
            panic!()
        };
        assert_eq!(instant.timestamp_micros(), 1_704_103_200_123_456);
        assert_eq!(cell(SourceType::String, None), Cell::Null);
        assert_eq!(
            cell(SourceType::Int64, s("n/a")),
            Cell::Text("n/a".into()),
            "left for the normaliser to reject"
        );
    }
}
