//! The leader's housekeeping: failing stale runs (periodically, and at once when it takes
//! over from a replica that died), and — when TimescaleDB is absent — deleting rows past
//! DOMAIN §9.6's retention once a day, in bounded batches so no statement holds locks for
//! long. Both are recorded in the execution log (`pipeline_name = maintenance`) and counted on
//! `/metrics`.

use std::sync::Arc;

use chrono::{DateTime, Months, NaiveDate, Utc};
use migration::TimescaleMode;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, Value};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::Metrics;
use crate::{database, lima, pipeline::Pipeline, pipeline::bookkeeping};

/// A table's retention: rows whose `column` is before the cutoff go.
#[derive(Clone, Debug, PartialEq)]
pub struct Retention {
    pub table: &'static str,
    pub column: &'static str,
    pub cutoff: Cutoff,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cutoff {
    /// A DATE column (the marts' `fecha_foto`, a Lima day).
    Day(NaiveDate),
    /// A TIMESTAMPTZ column.
    Instant(DateTime<Utc>),
}

impl Cutoff {
    fn value(&self) -> Value {
        match self {
            Self::Day(day) => (*day).into(),
            Self::Instant(instant) => (*instant).into(),
        }
    }
}

/// DOMAIN §9.6 as of `now`: the time-series marts keep two years of `fecha_foto`,
/// `operation_data` one, the execution log six months of `started_at`.
pub fn retention(now: DateTime<Utc>) -> Vec<Retention> {
    let today = lima::to_civil(now).date();
    let years_ago = |n: u32| {
        Cutoff::Day(
            today
                .checked_sub_months(Months::new(12 * n))
                .expect("dates far from the calendar's end"),
        )
    };
    let mart = |table| Retention {
        table,
        column: "fecha_foto",
        cutoff: years_ago(2),
    };
    vec![
        mart("dashboard_data"),
        mart("evolution_data"),
        mart("productivity_data"),
        Retention {
            table: "operation_data",
            column: "fecha_foto",
            cutoff: years_ago(1),
        },
        Retention {
            table: "etl_execution_log",
            column: "started_at",
            cutoff: Cutoff::Instant(
                now.checked_sub_months(Months::new(6))
                    .expect("dates far from the calendar's end"),
            ),
        },
    ]
}

/// Retention is the application's job unless the tables are hypertables with policies.
pub async fn retention_applies(db: &DatabaseConnection) -> Result<bool, DbErr> {
    Ok(database::timescale_mode(db).await? != Some(TimescaleMode::Hypertables))
}

/// Deletes `rule`'s expired rows, at most `batch` per statement, until none is left or
/// `stop` is cancelled; returns how many went.
async fn prune(
    db: &DatabaseConnection,
    rule: &Retention,
    batch: u64,
    stop: &CancellationToken,
) -> Result<u64, DbErr> {
    let Retention { table, column, .. } = rule;
    let (backend, sql) = match db.get_database_backend() {
        DbBackend::Postgres => (
            DbBackend::Postgres,
            format!(
                "DELETE FROM {table} WHERE ctid IN \
                 (SELECT ctid FROM {table} WHERE {column} < $1 LIMIT {batch})"
            ),
        ),
        backend => (
            backend,
            format!(
                "DELETE FROM {table} WHERE rowid IN \
                 (SELECT rowid FROM {table} WHERE {column} < ? LIMIT {batch})"
            ),
        ),
    };
    let mut deleted = 0;
    loop {
        let statement = Statement::from_sql_and_values(backend, &sql, [rule.cutoff.value()]);
        let affected = db.execute_raw(statement).await?.rows_affected();
        deleted += affected;
        if affected < batch || stop.is_cancelled() {
            return Ok(deleted);
        }
        tokio::task::yield_now().await;
    }
}

/// Enforces every table's retention and records it: one execution-log row, and the deleted
/// rows per table on `/metrics`.
pub async fn enforce_retention(
    db: &DatabaseConnection,
    batch: u64,
    metrics: &Metrics,
    stop: &CancellationToken,
) -> Result<u64, DbErr> {
    let started = Utc::now();
    let rules = retention(started);
    let mut deleted = serde_json::Map::new();
    let mut total = 0;
    let mut failure = None;
    for rule in &rules {
        match prune(db, rule, batch, stop).await {
            Ok(n) => {
                metrics.record_retention(rule.table, n);
                deleted.insert(rule.table.into(), n.into());
                total += n;
            }
            Err(error) => {
                failure = Some(format!("{}: {error}", rule.table));
                break;
            }
        }
    }
    let cutoffs: serde_json::Map<String, serde_json::Value> = rules
        .iter()
        .map(|rule| {
            let cutoff = match &rule.cutoff {
                Cutoff::Day(day) => day.to_string(),
                Cutoff::Instant(instant) => instant.to_rfc3339(),
            };
            (rule.table.to_owned(), cutoff.into())
        })
        .collect();
    let status = if failure.is_some() {
        "failed"
    } else {
        "success"
    };
    metrics.record_maintenance("retention", status);
    let metadata =
        json!({ "job": "retention", "deleted": deleted, "cutoffs": cutoffs, "batch": batch });
    bookkeeping::log_maintenance(db, started, status, metadata, failure.clone()).await?;
    match failure {
        Some(error) => Err(DbErr::Custom(error)),
        None => {
            tracing::info!(deleted = total, "retention enforced");
            Ok(total)
        }
    }
}

/// Fails stale runs and tables; when it found any, records that in the execution log.
pub async fn cleanup_stale(
    db: &DatabaseConnection,
    pipeline: &Pipeline,
    metrics: &Arc<Metrics>,
) -> Result<(u64, u64), DbErr> {
    let started = Utc::now();
    let outcome = pipeline.cleanup_stale().await;
    let status = if outcome.is_ok() { "success" } else { "failed" };
    metrics.record_maintenance("stale_cleanup", status);
    match &outcome {
        Ok((tables, log_rows)) => {
            metrics.record_stale(tables + log_rows);
            if (*tables, *log_rows) != (0, 0) {
                let metadata =
                    json!({ "job": "stale_cleanup", "tables": tables, "log_rows": log_rows });
                bookkeeping::log_maintenance(db, started, status, metadata, None).await?;
            }
        }
        Err(error) => {
            let metadata = json!({ "job": "stale_cleanup" });
            bookkeeping::log_maintenance(db, started, status, metadata, Some(error.to_string()))
                .await?;
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_follow_domain_9_6() {
        // 2026-03-01 03:00 UTC is still 2026-02-28 in Lima.
        let now = "2026-03-01T03:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let rules = retention(now);
        let day = |s: &str| Cutoff::Day(s.parse().unwrap());
        let cutoffs: Vec<(&str, &str, Cutoff)> = rules
            .into_iter()
            .map(|r| (r.table, r.column, r.cutoff))
            .collect();
        assert_eq!(
            cutoffs,
            vec![
                ("dashboard_data", "fecha_foto", day("2024-02-28")),
                ("evolution_data", "fecha_foto", day("2024-02-28")),
                ("productivity_data", "fecha_foto", day("2024-02-28")),
                ("operation_data", "fecha_foto", day("2025-02-28")),
                (
                    "etl_execution_log",
                    "started_at",
                    Cutoff::Instant("2025-09-01T03:00:00Z".parse().unwrap())
                ),
            ]
        );
    }
}
