//! The control tables (DOMAIN §6): `etl_watermarks`, one row per source table, and
//! `etl_execution_log`, one row per run plus one per table of the run.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use serde_json::json;
use uuid::Uuid;

use super::plan::{Plan, Settings};
use crate::entities::control::{etl_execution_log as log, etl_watermarks as marks};

pub const RUN_PIPELINE: &str = "etl_run";
pub const RAW_PIPELINE: &str = "raw_extraction";
/// Transform steps' rows: the aux builds, then the marts'.
pub const AUX_PIPELINE: &str = "aux_build";
pub const MART_PIPELINE: &str = "mart_build";
pub const STALE_MESSAGE: &str = "stale run: no heartbeat";
/// Maintenance jobs' rows (retention, stale-run cleanup) in the execution log.
pub const MAINTENANCE_PIPELINE: &str = "maintenance";

/// Rows a table load has handled so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Rows read from the source.
    pub extracted: u64,
    pub inserted: u64,
    pub updated: u64,
    /// Rows rejected by normalisation.
    pub rejected: u64,
}

fn int(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

pub async fn watermark<C: ConnectionTrait>(
    db: &C,
    table: &str,
) -> Result<Option<marks::Model>, DbErr> {
    marks::Entity::find_by_id(table.to_owned()).one(db).await
}

pub async fn start_run<C: ConnectionTrait>(
    db: &C,
    run_id: Uuid,
    execution_type: &str,
    metadata: serde_json::Value,
) -> Result<(), DbErr> {
    let now = Utc::now();
    log::Entity::insert(log::ActiveModel {
        id: NotSet,
        started_at: Set(now),
        execution_id: Set(run_id),
        pipeline_name: Set(RUN_PIPELINE.into()),
        execution_type: Set(Some(execution_type.into())),
        status: Set("running".into()),
        heartbeat_at: Set(Some(now)),
        metadata: Set(Some(metadata)),
        created_at: Set(now),
        ..blank_log()
    })
    .exec_without_returning(db)
    .await
    .map(drop)
}

pub async fn finish_run<C: ConnectionTrait>(
    db: &C,
    run_id: Uuid,
    status: &str,
    started: DateTime<Utc>,
    error: Option<String>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    log::Entity::update_many()
        .col_expr(log::Column::Status, Expr::value(status))
        .col_expr(log::Column::CompletedAt, Expr::value(now))
        .col_expr(log::Column::HeartbeatAt, Expr::value(now))
        .col_expr(
            log::Column::DurationSeconds,
            Expr::value(seconds_between(started, now)),
        )
        .col_expr(log::Column::ErrorMessage, Expr::value(error))
        .filter(log::Column::ExecutionId.eq(run_id))
        .filter(log::Column::TableName.is_null())
        .exec(db)
        .await
        .map(drop)
}

/// A table load about to start.
pub struct TableStart<'a> {
    pub run_id: Uuid,
    pub table: &'a str,
    pub plan: &'a Plan,
    pub settings: &'a Settings,
    pub execution_type: &'a str,
    pub source_query: String,
    pub force: bool,
    pub watermark_before: Option<DateTime<Utc>>,
}

/// Marks the table running in `etl_watermarks` and opens its execution-log row.
pub async fn start_table<C: ConnectionTrait>(db: &C, start: TableStart<'_>) -> Result<(), DbErr> {
    let TableStart {
        run_id,
        table,
        plan,
        settings,
        execution_type,
        source_query,
        force,
        watermark_before,
    } = start;
    let now = Utc::now();
    let metadata = json!({
        "mode": plan.mode.as_str(),
        "window_start": plan.range.from,
        "window_end": plan.range.until,
        "lookback_days": settings.lookback_days,
        "batch_size": settings.batch_size,
        "force": force,
    });
    marks::Entity::insert(marks::ActiveModel {
        table_name: Set(table.into()),
        last_extracted_value: NotSet,
        last_extraction_status: Set("running".into()),
        last_success_at: NotSet,
        records_extracted: Set(Some(0)),
        extraction_duration_seconds: Set(None),
        error_message: Set(None),
        extraction_id: Set(Some(run_id)),
        heartbeat_at: Set(Some(now)),
        metadata: Set(Some(metadata.clone())),
        created_at: Set(now),
        updated_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(marks::Column::TableName)
            .update_columns([
                marks::Column::LastExtractionStatus,
                marks::Column::RecordsExtracted,
                marks::Column::ExtractionDurationSeconds,
                marks::Column::ErrorMessage,
                marks::Column::ExtractionId,
                marks::Column::HeartbeatAt,
                marks::Column::Metadata,
                marks::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    log::Entity::insert(log::ActiveModel {
        started_at: Set(now),
        execution_id: Set(run_id),
        pipeline_name: Set(RAW_PIPELINE.into()),
        table_name: Set(Some(table.into())),
        extraction_mode: Set(Some(plan.mode.as_str().into())),
        execution_type: Set(Some(execution_type.into())),
        status: Set("running".into()),
        heartbeat_at: Set(Some(now)),
        window_start: Set(plan.range.from),
        window_end: Set(plan.range.until),
        watermark_before: Set(watermark_before),
        source_query: Set(Some(source_query)),
        metadata: Set(Some(metadata)),
        created_at: Set(now),
        ..blank_log()
    })
    .exec_without_returning(db)
    .await
    .map(drop)
}

/// After each committed batch, in its transaction: counts and heartbeats.
pub async fn heartbeat<C: ConnectionTrait>(
    db: &C,
    run_id: Uuid,
    table: &str,
    counts: Counts,
) -> Result<(), DbErr> {
    let now = Utc::now();
    table_log_update(counts)
        .col_expr(log::Column::HeartbeatAt, Expr::value(now))
        .filter(log::Column::ExecutionId.eq(run_id))
        .filter(log::Column::TableName.eq(table))
        .exec(db)
        .await?;
    log::Entity::update_many()
        .col_expr(log::Column::HeartbeatAt, Expr::value(now))
        .filter(log::Column::ExecutionId.eq(run_id))
        .filter(log::Column::TableName.is_null())
        .exec(db)
        .await?;
    marks::Entity::update_many()
        .col_expr(marks::Column::HeartbeatAt, Expr::value(now))
        .col_expr(
            marks::Column::RecordsExtracted,
            Expr::value(int(counts.extracted)),
        )
        .col_expr(marks::Column::UpdatedAt, Expr::value(now))
        .filter(marks::Column::TableName.eq(table))
        .exec(db)
        .await
        .map(drop)
}

/// How a table's load ended.
pub struct Ending<'a> {
    pub status: &'a str,
    pub counts: Counts,
    pub started: DateTime<Utc>,
    /// The watermark to store (success only; `None` keeps the current one).
    pub watermark: Option<DateTime<Utc>>,
    pub error: Option<String>,
    pub metadata: serde_json::Value,
}

/// Closes the table's log row and updates its watermark row; on success in the same
/// transaction as the last batch.
pub async fn finish_table<C: ConnectionTrait>(
    db: &C,
    run_id: Uuid,
    table: &str,
    ending: Ending<'_>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let duration = seconds_between(ending.started, now);
    let mut update = marks::Entity::update_many()
        .col_expr(
            marks::Column::LastExtractionStatus,
            Expr::value(ending.status),
        )
        .col_expr(
            marks::Column::RecordsExtracted,
            Expr::value(int(ending.counts.extracted)),
        )
        .col_expr(
            marks::Column::ExtractionDurationSeconds,
            Expr::value(duration),
        )
        .col_expr(
            marks::Column::ErrorMessage,
            Expr::value(ending.error.clone()),
        )
        .col_expr(marks::Column::HeartbeatAt, Expr::value(now))
        .col_expr(marks::Column::UpdatedAt, Expr::value(now));
    if ending.status == "success" {
        update = update.col_expr(marks::Column::LastSuccessAt, Expr::value(now));
    }
    if let Some(mark) = ending.watermark {
        update = update.col_expr(marks::Column::LastExtractedValue, Expr::value(mark));
    }
    update
        .filter(marks::Column::TableName.eq(table))
        .exec(db)
        .await?;
    let after = watermark(db, table)
        .await?
        .and_then(|m| m.last_extracted_value);
    table_log_update(ending.counts)
        .col_expr(log::Column::Status, Expr::value(ending.status))
        .col_expr(log::Column::CompletedAt, Expr::value(now))
        .col_expr(log::Column::HeartbeatAt, Expr::value(now))
        .col_expr(log::Column::DurationSeconds, Expr::value(duration))
        .col_expr(log::Column::WatermarkAfter, Expr::value(after))
        .col_expr(log::Column::ErrorMessage, Expr::value(ending.error))
        .col_expr(log::Column::Metadata, Expr::value(ending.metadata))
        .filter(log::Column::ExecutionId.eq(run_id))
        .filter(log::Column::TableName.eq(table))
        .exec(db)
        .await
        .map(drop)
}

/// Finished transform steps of a run, each with its own execution-log row: `(pipeline, step,
/// error)`. One statement for them all: a step a commit, each waiting for its flush, took 10 ms
/// of a day's one-second refresh.
pub async fn log_steps<'a, C: ConnectionTrait>(
    db: &C,
    run_id: Uuid,
    execution_type: &str,
    steps: impl IntoIterator<Item = (&'a str, &'a crate::transform::StepReport, Option<String>)>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    let rows: Vec<log::ActiveModel> = steps
        .into_iter()
        .map(|(pipeline, step, error)| log::ActiveModel {
            started_at: Set(super::transform_stage::started_before(step.seconds)),
            execution_id: Set(run_id),
            pipeline_name: Set(pipeline.into()),
            table_name: Set(Some(step.step.into())),
            execution_type: Set(Some(execution_type.into())),
            status: Set(if error.is_some() { "failed" } else { "success" }.into()),
            completed_at: Set(Some(now)),
            heartbeat_at: Set(Some(now)),
            duration_seconds: Set(Some(step.seconds)),
            records_inserted: Set(Some(int(step.rows))),
            error_message: Set(error),
            created_at: Set(now),
            ..blank_log()
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    log::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await
        .map(drop)
}

/// A run that is alive: moves its run row's heartbeat, so a long step without batches (the
/// transform) is not taken for a dead run by another replica's cleanup.
pub async fn touch_run<C: ConnectionTrait>(db: &C, run_id: Uuid) -> Result<(), DbErr> {
    log::Entity::update_many()
        .col_expr(log::Column::HeartbeatAt, Expr::value(Utc::now()))
        .filter(log::Column::ExecutionId.eq(run_id))
        .filter(log::Column::TableName.is_null())
        .filter(log::Column::Status.eq("running"))
        .exec(db)
        .await
        .map(drop)
}

/// Whether a run is recorded as going (on any replica sharing the database).
pub async fn run_going<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    let going = log::Entity::find()
        .filter(log::Column::PipelineName.eq(RUN_PIPELINE))
        .filter(log::Column::TableName.is_null())
        .filter(log::Column::Status.eq("running"))
        .count(db)
        .await?;
    Ok(going > 0)
}

/// Where the marts stand: when the latest run that carried every raw change before it into the
/// aux layer and the marts (a load run that transformed, or a full rebuild) began its transform
/// — its own loads had ended by then. Raw rows changed since then are what the next transform
/// must rebuild, including those of runs in between that loaded without transforming (raw-only,
/// failed or cancelled). `None`: no such run, everything is new.
pub async fn marts_current_as_of<C: ConnectionTrait>(
    db: &C,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    // Runs that ended well; the newest qualifying one is normally the first.
    let runs = log::Entity::find()
        .filter(log::Column::PipelineName.eq(RUN_PIPELINE))
        .filter(log::Column::TableName.is_null())
        .filter(log::Column::Status.is_in(["success", "partial_success"]))
        .order_by_desc(log::Column::StartedAt)
        .limit(200)
        .all(db)
        .await?;
    let Some(run) = runs
        .into_iter()
        .find(|run| run.metadata.as_ref().is_some_and(transformed_everything))
    else {
        return Ok(None);
    };
    let first_step = log::Entity::find()
        .filter(log::Column::ExecutionId.eq(run.execution_id))
        .filter(log::Column::PipelineName.eq(AUX_PIPELINE))
        .order_by_asc(log::Column::StartedAt)
        .one(db)
        .await?;
    Ok(Some(
        first_step.map_or(run.started_at, |step| step.started_at),
    ))
}

/// A run's metadata (see `Pipeline::run` and `Pipeline::rebuild`) says it rebuilt what changed.
fn transformed_everything(metadata: &serde_json::Value) -> bool {
    match metadata.get("rebuild") {
        Some(scope) => ["campaigns", "from", "to"]
            .iter()
            .all(|key| scope.get(key).is_none_or(serde_json::Value::is_null)),
        None => metadata.get("tables").is_some() && metadata["raw_only"] != true,
    }
}

/// One finished maintenance job (`metadata.job` names it) as a row of its own.
pub async fn log_maintenance<C: ConnectionTrait>(
    db: &C,
    started: DateTime<Utc>,
    status: &str,
    metadata: serde_json::Value,
    error: Option<String>,
) -> Result<(), DbErr> {
    let now = Utc::now();
    log::Entity::insert(log::ActiveModel {
        started_at: Set(started),
        execution_id: Set(Uuid::new_v4()),
        pipeline_name: Set(MAINTENANCE_PIPELINE.into()),
        execution_type: Set(Some("scheduled".into())),
        status: Set(status.into()),
        completed_at: Set(Some(now)),
        heartbeat_at: Set(Some(now)),
        duration_seconds: Set(Some(seconds_between(started, now))),
        error_message: Set(error),
        metadata: Set(Some(metadata)),
        created_at: Set(now),
        ..blank_log()
    })
    .exec_without_returning(db)
    .await
    .map(drop)
}

/// Sets a table's watermark (`None`: the next incremental run is an initial load).
pub async fn reset_watermark<C: ConnectionTrait>(
    db: &C,
    table: &str,
    to: Option<DateTime<Utc>>,
) -> Result<bool, DbErr> {
    let result = marks::Entity::update_many()
        .col_expr(marks::Column::LastExtractedValue, Expr::value(to))
        .col_expr(marks::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(marks::Column::TableName.eq(table))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Fails every table and run still `running` without a heartbeat since `stale_before`.
/// Returns how many watermark rows and log rows it failed.
pub async fn fail_stale<C: ConnectionTrait>(
    db: &C,
    stale_before: DateTime<Utc>,
) -> Result<(u64, u64), DbErr> {
    let now = Utc::now();
    let tables = marks::Entity::update_many()
        .col_expr(marks::Column::LastExtractionStatus, Expr::value("failed"))
        .col_expr(marks::Column::ErrorMessage, Expr::value(STALE_MESSAGE))
        .col_expr(marks::Column::UpdatedAt, Expr::value(now))
        .filter(marks::Column::LastExtractionStatus.eq("running"))
        .filter(
            marks::Column::HeartbeatAt
                .lt(stale_before)
                .or(marks::Column::HeartbeatAt.is_null()),
        )
        .exec(db)
        .await?;
    let runs = log::Entity::update_many()
        .col_expr(log::Column::Status, Expr::value("failed"))
        .col_expr(log::Column::ErrorMessage, Expr::value(STALE_MESSAGE))
        .col_expr(log::Column::CompletedAt, Expr::value(now))
        .filter(log::Column::Status.eq("running"))
        .filter(
            log::Column::HeartbeatAt
                .lt(stale_before)
                .or(log::Column::HeartbeatAt.is_null()),
        )
        .exec(db)
        .await?;
    Ok((tables.rows_affected, runs.rows_affected))
}

fn table_log_update(counts: Counts) -> sea_orm::UpdateMany<log::Entity> {
    log::Entity::update_many()
        .col_expr(
            log::Column::RecordsExtracted,
            Expr::value(int(counts.extracted)),
        )
        .col_expr(
            log::Column::RecordsInserted,
            Expr::value(int(counts.inserted)),
        )
        .col_expr(
            log::Column::RecordsUpdated,
            Expr::value(int(counts.updated)),
        )
        .col_expr(
            log::Column::RecordsSkipped,
            Expr::value(int(counts.rejected)),
        )
}

fn seconds_between(start: DateTime<Utc>, end: DateTime<Utc>) -> f64 {
    (end - start).num_microseconds().unwrap_or(0) as f64 / 1e6
}

/// A log row with every optional column unset.
fn blank_log() -> log::ActiveModel {
    log::ActiveModel {
        id: NotSet,
        started_at: NotSet,
        execution_id: NotSet,
        pipeline_name: NotSet,
        table_name: Set(None),
        extraction_mode: Set(None),
        execution_type: Set(None),
        status: NotSet,
        completed_at: Set(None),
        heartbeat_at: Set(None),
        duration_seconds: Set(None),
        window_start: Set(None),
        window_end: Set(None),
        watermark_before: Set(None),
        watermark_after: Set(None),
        records_extracted: Set(None),
        records_inserted: Set(None),
        records_updated: Set(None),
        records_skipped: Set(None),
        error_message: Set(None),
        stack_trace: Set(None),
        source_query: Set(None),
        metadata: Set(None),
        created_at: NotSet,
    }
}
