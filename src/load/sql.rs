//! The upsert statement's two dialects, side by side: the only place the write path differs
//! between PostgreSQL and SQLite.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

use super::{LoadMeta, Rewrite, Written};
use crate::tables::TableSpec;

/// Written rows carry the batch's extraction time in `extraction_timestamp`, `created_at` and
/// `updated_at`, so the returned row tells what happened to it: created now → inserted;
/// `updated_at` equal to the extraction time → changed; otherwise only stamped (full refresh).
const OUTCOME: &str = "CASE WHEN created_at = extraction_timestamp THEN 'inserted' \
     WHEN updated_at = extraction_timestamp THEN 'updated' ELSE 'unchanged' END";

pub fn upsert(backend: DbBackend, table: &TableSpec, rewrite: Rewrite) -> String {
    let postgres = backend == DbBackend::Postgres;
    let raw = table.raw_table;
    let columns: Vec<&str> = table.raw_columns().collect();
    let column_list = columns.join(", ");
    let selected = if postgres {
        columns
            .iter()
            .map(|c| format!("r.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        columns
            .iter()
            .map(|c| format!("json_extract(j.value, '$.{c}')"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (metadata, rows) = if postgres {
        (
            "$2::timestamptz, $3::uuid, $2::timestamptz, $2::timestamptz",
            format!("json_populate_recordset(NULL::{raw}, $1::json) AS r"),
        )
    } else {
        ("?, ?, ?, ?", "json_each(?) AS j WHERE true".to_owned())
    };
    let non_key: Vec<&str> = columns
        .iter()
        .copied()
        .filter(|c| !table.primary_key.contains(c))
        .collect();
    let mut assignments: Vec<String> = non_key
        .iter()
        .copied()
        .chain(["extraction_timestamp", "extraction_id", "updated_at"])
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let mut conditions = Vec::new();
    let distinct = if postgres {
        "IS DISTINCT FROM"
    } else {
        "IS NOT"
    };
    let changed: Vec<String> = non_key
        .iter()
        .map(|c| format!("t.{c} {distinct} excluded.{c}"))
        .collect();
    let changed = format!("({})", changed.join(" OR "));
    match rewrite {
        Rewrite::Changed => conditions.push(changed.clone()),
        // Every row is stamped with this run's id, but `updated_at` moves only on a change.
        Rewrite::All => {
            let stamp = assignments
                .iter_mut()
                .find(|a| a.starts_with("updated_at"))
                .expect("updated_at is assigned");
            *stamp = format!(
                "updated_at = CASE WHEN {changed} THEN excluded.updated_at ELSE t.updated_at END"
            );
        }
    }
    if let Some(incremental) = table.incremental {
        // NULL sorts before every value: '-infinity' on PostgreSQL, '' among SQLite's texts.
        let oldest = if postgres { "'-infinity'" } else { "''" };
        let ordering = |side: &str| {
            let mut parts = vec![format!("COALESCE({side}.{incremental}, {oldest})")];
            parts.extend(table.tiebreak.iter().map(|c| format!("{side}.{c}")));
            format!("({})", parts.join(", "))
        };
        conditions.push(format!("{} >= {}", ordering("excluded"), ordering("t")));
    }
    let condition = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    let insert = format!(
        "INSERT INTO {raw} AS t ({column_list}, extraction_timestamp, extraction_id, created_at, updated_at) \
         SELECT {selected}, {metadata} FROM {rows} \
         ON CONFLICT ({key}) DO UPDATE SET {set}{condition} \
         RETURNING {OUTCOME} AS outcome",
        key = table.primary_key.join(", "),
        set = assignments.join(", "),
    );
    if postgres {
        format!(
            "WITH up AS ({insert}) SELECT COUNT(*) FILTER (WHERE outcome = 'inserted') AS inserted, \
             COUNT(*) FILTER (WHERE outcome = 'updated') AS updated FROM up"
        )
    } else {
        insert
    }
}

/// Bind values in the order each dialect's placeholders appear.
pub fn upsert_values(backend: DbBackend, document: String, meta: &LoadMeta) -> Vec<Value> {
    let (at, id) = (
        Value::from(meta.extracted_at),
        Value::from(meta.extraction_id),
    );
    match backend {
        DbBackend::Postgres => vec![Value::from(document), at, id],
        _ => vec![at.clone(), id, at.clone(), at, Value::from(document)],
    }
}

/// PostgreSQL counts in SQL; SQLite cannot wrap RETURNING in a CTE, so the rows are counted here.
pub async fn read_written<C: ConnectionTrait>(
    backend: DbBackend,
    db: &C,
    statement: Statement,
) -> Result<Written, DbErr> {
    if backend == DbBackend::Postgres {
        let row = db
            .query_one_raw(statement)
            .await?
            .expect("an aggregate returns one row");
        return Ok(Written {
            inserted: row.try_get::<i64>("", "inserted")? as u64,
            updated: row.try_get::<i64>("", "updated")? as u64,
        });
    }
    let mut written = Written::default();
    for row in db.query_all_raw(statement).await? {
        match row.try_get::<String>("", "outcome")?.as_str() {
            "inserted" => written.inserted += 1,
            "updated" => written.updated += 1,
            _ => {}
        }
    }
    Ok(written)
}

pub fn delete_not_loaded_by(backend: DbBackend, table: &TableSpec) -> String {
    let placeholder = if backend == DbBackend::Postgres {
        "$1"
    } else {
        "?"
    };
    format!(
        "DELETE FROM {} WHERE extraction_id <> {placeholder}",
        table.raw_table
    )
}
