//! The ETL engine: runs source tables into the raw layer with bounded concurrency, one load per
//! table at a time, retries with backoff, the control tables kept current, and progress events
//! for anyone listening.

pub mod bookkeeping;
mod locks;
pub mod plan;
pub mod progress;
mod table_load;
mod transform_stage;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use serde::Serialize;
use serde_json::json;
use tokio::{sync::Semaphore, task::JoinSet};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub use plan::{Mode, Requested};
pub use progress::{ProgressBus, ProgressEvent};
pub use table_load::TableStatus;

use self::{bookkeeping::Counts, transform_stage::TransformReport};
use crate::{
    config::EtlConfig,
    source::{ReadRange, Source},
    tables::{self, TableSpec},
    transform::{Scope, StepReport},
};

/// Shared by every run: cheap to clone.
#[derive(Clone)]
pub struct Pipeline {
    db: DatabaseConnection,
    /// Identifies the database for the process-local table claims.
    database_url: Arc<str>,
    source: Arc<dyn Source>,
    config: Arc<EtlConfig>,
    bus: ProgressBus,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionType {
    #[default]
    Manual,
    Scheduled,
}

impl ExecutionType {
    fn as_str(self) -> &'static str {
        match self {
            Self::Manual => "manual",
            Self::Scheduled => "scheduled",
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct RunRequest {
    /// Empty: every table, in catalogue order.
    pub tables: Vec<&'static TableSpec>,
    pub requested: Requested,
    /// Load tables even when their last success is younger than their refresh frequency.
    pub force: bool,
    pub execution_type: ExecutionType,
    /// Stops the run after the batch in flight (which rolls back if it has not committed).
    pub cancel: CancellationToken,
    /// Load the raw layer only, without rebuilding the aux layer and the marts.
    pub raw_only: bool,
    /// The run's id, when the caller must know it before the run starts (the API returns it
    /// at once); a new one otherwise.
    pub run_id: Option<Uuid>,
    /// At most this many tables at a time, below the configured `etl.max_concurrent` (and what
    /// the pool allows: `locks::loads_the_pool_allows`).
    pub max_concurrent: Option<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Success,
    PartialSuccess,
    Failed,
    Cancelled,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::PartialSuccess => "partial_success",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct TableReport {
    pub table: &'static str,
    pub status: TableStatus,
    pub counts: Counts,
    pub error: Option<String>,
    pub duration_seconds: f64,
}

#[derive(Clone, Debug)]
pub struct RunReport {
    pub run_id: Uuid,
    pub status: RunStatus,
    pub tables: Vec<TableReport>,
    /// What the transform stage rebuilt (`None`: the stage did not run).
    pub transform_scope: Option<Scope>,
    /// The aux and mart steps rebuilt after the raw loads.
    pub transform: Vec<StepReport>,
    /// The transform stage's wall time (its steps overlap on PostgreSQL).
    pub transform_seconds: f64,
    pub duration_seconds: f64,
}

/// What a run would do for one table, without reading or writing (`--dry-run`).
#[derive(Clone, Debug, Serialize)]
pub struct PlannedTable {
    pub table: &'static str,
    pub mode: Mode,
    pub range: ReadRange,
    pub source_query: String,
    /// Why the table would be skipped, if it would.
    pub skip: Option<String>,
}

impl Pipeline {
    pub fn new(
        db: DatabaseConnection,
        database_url: &str,
        source: Arc<dyn Source>,
        config: EtlConfig,
        bus: ProgressBus,
    ) -> Self {
        Self {
            db,
            database_url: database_url.into(),
            source,
            config: Arc::new(config),
            bus,
        }
    }

    pub fn bus(&self) -> &ProgressBus {
        &self.bus
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn config(&self) -> &EtlConfig {
        &self.config
    }

    /// The day the source considers today: what runs plan against and views default to.
    pub fn today(&self) -> chrono::NaiveDate {
        self.source.today()
    }

    /// Runs the requested tables to the end and reports each one.
    pub async fn run(&self, request: RunRequest) -> Result<RunReport, DbErr> {
        let run_id = request.run_id.unwrap_or_else(Uuid::new_v4);
        let started = Utc::now();
        self.cleanup_stale().await?;
        let selected = selected_tables(&request);
        let names: Vec<String> = selected.iter().map(|t| t.name.to_owned()).collect();
        let metadata = json!({ "tables": names, "requested": format!("{:?}", request.requested), "force": request.force, "raw_only": request.raw_only });
        self.begin(run_id, request.execution_type, metadata, names)
            .await?;

        let concurrency = request
            .max_concurrent
            .map_or(self.config.max_concurrent, |n| {
                n.clamp(1, self.config.max_concurrent)
            })
            .min(locks::loads_the_pool_allows(&self.db));
        let permits = Arc::new(Semaphore::new(concurrency));
        let mut loads = JoinSet::new();
        for (order, table) in selected.iter().copied().enumerate() {
            // Permits are taken in catalogue order, so tables start in the order of DOMAIN §6.
            let permit = Arc::clone(&permits)
                .acquire_owned()
                .await
                .expect("the semaphore is never closed");
            let (pipeline, request) = (self.clone(), request.clone());
            loads.spawn(async move {
                let report = table_load::run(&pipeline, run_id, table, &request).await;
                drop(permit);
                (order, report)
            });
        }
        let mut reports: Vec<(usize, TableReport)> = Vec::with_capacity(selected.len());
        while let Some(joined) = loads.join_next().await {
            match joined {
                Ok(report) => reports.push(report),
                Err(panic) => tracing::error!(%panic, "a table load panicked"),
            }
        }
        reports.sort_by_key(|(order, _)| *order);
        let tables: Vec<TableReport> = reports.into_iter().map(|(_, report)| report).collect();

        let cancelled = request.cancel.is_cancelled();
        let mut status = run_status(&tables, cancelled);
        let mut failures: Vec<String> = tables
            .iter()
            .filter_map(|t| t.error.as_ref().map(|e| format!("{}: {e}", t.table)))
            .collect();
        let loaded: Vec<&'static TableSpec> = selected
            .iter()
            .zip(&tables)
            .filter(|(_, report)| report.status == TableStatus::Success)
            .map(|(table, _)| *table)
            .collect();
        let mut transform = TransformReport::default();
        if !request.raw_only && !cancelled && status != RunStatus::Failed {
            let execution_type = request.execution_type.as_str();
            match transform_stage::run(self, run_id, execution_type, None, &loaded).await {
                Ok(report) => transform = report,
                Err(error) => {
                    // The marts keep their previous rows: each step replaces its rows in one
                    // transaction, and the failed one rolled back.
                    status = RunStatus::Failed;
                    failures.push(error);
                }
            }
        }
        let error = (!failures.is_empty()).then(|| failures.join("; "));
        self.end(run_id, started, status, error, tables, transform)
            .await
    }

    /// Rebuilds the aux layer and the marts for `scope` as a run of its own (`pulso etl rebuild`).
    pub async fn rebuild(
        &self,
        scope: Scope,
        execution_type: ExecutionType,
    ) -> Result<RunReport, DbErr> {
        let run_id = Uuid::new_v4();
        let started = Utc::now();
        let metadata = json!({ "rebuild": { "campaigns": scope.campaigns, "from": scope.from, "to": scope.to } });
        self.begin(run_id, execution_type, metadata, Vec::new())
            .await?;
        let outcome =
            transform_stage::run(self, run_id, execution_type.as_str(), Some(scope), &[]).await;
        let (status, transform, error) = match outcome {
            Ok(transform) => (RunStatus::Success, transform, None),
            Err(error) => (RunStatus::Failed, TransformReport::default(), Some(error)),
        };
        self.end(run_id, started, status, error, Vec::new(), transform)
            .await
    }

    /// Records the run's start and announces it.
    async fn begin(
        &self,
        run_id: Uuid,
        execution_type: ExecutionType,
        metadata: serde_json::Value,
        tables: Vec<String>,
    ) -> Result<(), DbErr> {
        bookkeeping::start_run(&self.db, run_id, execution_type.as_str(), metadata).await?;
        self.bus
            .publish(ProgressEvent::RunStarted { run_id, tables });
        Ok(())
    }

    /// Records the run's end, announces it, and reports it.
    async fn end(
        &self,
        run_id: Uuid,
        started: DateTime<Utc>,
        status: RunStatus,
        error: Option<String>,
        tables: Vec<TableReport>,
        transform: TransformReport,
    ) -> Result<RunReport, DbErr> {
        bookkeeping::finish_run(&self.db, run_id, status.as_str(), started, error).await?;
        let duration_seconds = (Utc::now() - started).num_milliseconds() as f64 / 1000.0;
        self.bus.publish(ProgressEvent::RunFinished {
            run_id,
            status: status.as_str().into(),
            duration_seconds,
        });
        Ok(RunReport {
            run_id,
            status,
            tables,
            transform_scope: transform.scope,
            transform: transform.steps,
            transform_seconds: transform.seconds,
            duration_seconds,
        })
    }

    /// The plan of a run, table by table, touching nothing.
    pub async fn dry_run(&self, request: &RunRequest) -> Result<Vec<PlannedTable>, DbErr> {
        let mut planned = Vec::new();
        for table in selected_tables(request) {
            let settings = plan::settings(table, &self.config);
            let mark = bookkeeping::watermark(&self.db, table.name).await?;
            let skip = table_load::freshness_skip(mark.as_ref(), &settings, request, Utc::now());
            let plan = plan::plan(
                table,
                request.requested,
                mark.and_then(|m| m.last_extracted_value),
                &settings,
                self.source.today(),
            );
            planned.push(PlannedTable {
                table: table.name,
                mode: plan.mode,
                range: plan.range,
                source_query: self.source.describe(table, plan.range),
                skip,
            });
        }
        Ok(planned)
    }

    /// Fails tables and runs with no heartbeat for `etl.stale_after_secs` /
    /// `etl.stale_after_mins` (DOMAIN §6).
    pub async fn cleanup_stale(&self) -> Result<(u64, u64), DbErr> {
        let stale_before: DateTime<Utc> = Utc::now() - self.config.stale_after();
        let cleaned = bookkeeping::fail_stale(&self.db, stale_before).await?;
        if cleaned != (0, 0) {
            tracing::warn!(
                tables = cleaned.0,
                log_rows = cleaned.1,
                "failed stale runs (no heartbeat)"
            );
        }
        Ok(cleaned)
    }
}

fn selected_tables(request: &RunRequest) -> Vec<&'static TableSpec> {
    if request.tables.is_empty() {
        tables::ALL.to_vec()
    } else {
        // Keep the catalogue order whatever order the caller named them in.
        tables::ALL
            .into_iter()
            .filter(|t| request.tables.iter().any(|r| r.name == t.name))
            .collect()
    }
}

/// DOMAIN §6: success when every table that had to load did; failed when none did.
fn run_status(tables: &[TableReport], cancelled: bool) -> RunStatus {
    if cancelled {
        return RunStatus::Cancelled;
    }
    let failed = tables
        .iter()
        .filter(|t| matches!(t.status, TableStatus::Failed | TableStatus::AlreadyRunning))
        .count();
    match failed {
        0 => RunStatus::Success,
        n if n == tables.len() => RunStatus::Failed,
        _ => RunStatus::PartialSuccess,
    }
}
