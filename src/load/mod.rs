//! The raw layer's write path: UPSERT by primary key, in statements of a bounded number of rows.
//!
//! Each statement carries its rows as one JSON document (`json_populate_recordset` on
//! PostgreSQL, `json_each` on SQLite), so there is one bind parameter whatever the batch size
//! and no per-engine bind limit to respect. An existing row is rewritten only when a value
//! changed and the incoming copy is not older than the stored one (by the incremental column,
//! then the tiebreak columns), so re-reading the look-back window writes nothing and a backfill
//! of old files never overwrites a newer copy (DOMAIN §13.10).

mod sql;

use chrono::{DateTime, SecondsFormat, Utc};
use sea_orm::{ConnectionTrait, DbErr, Statement, Value};
use serde::ser::{Serialize, SerializeMap, Serializer};
use uuid::Uuid;

use crate::{
    extract::normalise::{RawRow, RawValue},
    tables::TableSpec,
};

/// The load metadata every raw row carries (DOMAIN §5).
#[derive(Clone, Copy, Debug)]
pub struct LoadMeta {
    pub extraction_id: Uuid,
    pub extracted_at: DateTime<Utc>,
}

/// What a write did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub inserted: u64,
    pub updated: u64,
}

impl std::ops::AddAssign for Written {
    fn add_assign(&mut self, other: Self) {
        self.inserted += other.inserted;
        self.updated += other.updated;
    }
}

/// Which existing rows an upsert rewrites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rewrite {
    /// Only rows whose values changed (incremental loads).
    Changed,
    /// Every loaded row, so it carries this run's extraction id (full refresh, which then
    /// deletes the rows it did not load).
    All,
}

/// Upserts `rows` (unique per primary key) in statements of at most `rows_per_statement` rows.
pub async fn upsert<C: ConnectionTrait>(
    db: &C,
    table: &TableSpec,
    rows: &[RawRow],
    meta: &LoadMeta,
    rewrite: Rewrite,
    rows_per_statement: usize,
) -> Result<Written, DbErr> {
    let backend = db.get_database_backend();
    let sql = sql::upsert(backend, table, rewrite);
    let columns: Vec<&str> = table.raw_columns().collect();
    let mut written = Written::default();
    for chunk in rows.chunks(rows_per_statement.max(1)) {
        let document = serde_json::to_string(&JsonRows {
            columns: &columns,
            rows: chunk,
        })
        .map_err(|e| DbErr::Custom(format!("encoding rows: {e}")))?;
        let values = sql::upsert_values(backend, document, meta);
        let statement = Statement::from_sql_and_values(backend, sql.as_str(), values);
        written += sql::read_written(backend, db, statement).await?;
    }
    Ok(written)
}

/// Deletes the rows a full refresh did not load (they carry another extraction id).
pub async fn delete_rows_not_loaded_by<C: ConnectionTrait>(
    db: &C,
    table: &TableSpec,
    extraction_id: Uuid,
) -> Result<u64, DbErr> {
    let backend = db.get_database_backend();
    let statement = Statement::from_sql_and_values(
        backend,
        sql::delete_not_loaded_by(backend, table),
        [Value::from(extraction_id)],
    );
    Ok(db.execute_raw(statement).await?.rows_affected())
}

/// Rows as a JSON array of objects keyed by raw column name.
struct JsonRows<'a> {
    columns: &'a [&'a str],
    rows: &'a [RawRow],
}

impl Serialize for JsonRows<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.rows.iter().map(|row| JsonRow {
            columns: self.columns,
            row,
        }))
    }
}

struct JsonRow<'a> {
    columns: &'a [&'a str],
    row: &'a RawRow,
}

impl Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.columns.len()))?;
        for (column, value) in self.columns.iter().zip(self.row) {
            match value {
                RawValue::Null => map.serialize_entry(column, &())?,
                RawValue::Text(text) => map.serialize_entry(column, text)?,
                RawValue::Date(date) => map.serialize_entry(column, &date.to_string())?,
                // The text form sqlx uses for SQLite, so stored timestamps compare as text.
                RawValue::Timestamp(instant) => map.serialize_entry(
                    column,
                    &instant.to_rfc3339_opts(SecondsFormat::AutoSi, false),
                )?,
                RawValue::Int(int) => map.serialize_entry(column, int)?,
                // As a string: exact, and both engines parse it into their numeric type.
                RawValue::Decimal(amount) => map.serialize_entry(column, &amount.to_string())?,
                RawValue::Bool(flag) => map.serialize_entry(column, flag)?,
            }
        }
        map.end()
    }
}
