//! `etlProgress(runId)`: a run's state as recorded so far, then its live events until it ends.
//! A subscriber that falls behind the bus is told (`lagged`) and sent the recorded state
//! again, so it never silently misses where the run stands.

use std::time::{Duration, Instant};

use async_graphql::{Context, ID, Result, SimpleObject, Subscription};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use tokio::sync::{broadcast::error::RecvError, mpsc};
use tokio_stream::{Stream, wrappers::ReceiverStream};
use uuid::Uuid;

use super::{ApiData, error::ApiError, guard::RequireRole};
use crate::{
    auth::Role,
    entities::control::etl_execution_log as log,
    pipeline::{ProgressEvent, bookkeeping::RUN_PIPELINE},
};

/// Events a slow websocket may have queued before the bus's own lag handling takes over.
const QUEUE: usize = 256;
/// How long a run id nobody has recorded yet may take to appear (a run just started on another
/// replica) before the subscription answers NOT_FOUND.
const APPEAR_WITHIN: Duration = Duration::from_secs(3);
/// After this long without a live event, the recorded state is checked: a run whose events
/// could not be relayed (Redis down) still ends its subscription.
const QUIET_CHECK: Duration = Duration::from_secs(5);

/// One progress event, flattened so that clients switch on `kind`: `snapshot` (recorded
/// state, one per table or step, and one for the run), `run_started`, `table_started`,
/// `page_extracted`, `batch_loaded`, `retrying`, `table_finished`, `table_failed`,
/// `stage_finished`, `stage_failed`, `lagged` (events were missed; a snapshot follows) and
/// `run_finished` (always the last).
#[derive(Clone, Debug, Default, SimpleObject)]
pub struct EtlProgressEvent {
    pub kind: String,
    pub run_id: ID,
    pub table: Option<String>,
    /// A transform step (`transform:dashboard_data`) or, in snapshots, a pipeline name.
    pub stage: Option<String>,
    pub status: Option<String>,
    pub mode: Option<String>,
    /// Rows of this page or batch, or a table's rows so far.
    pub rows: Option<f64>,
    pub rows_total: Option<f64>,
    pub inserted: Option<f64>,
    pub updated: Option<f64>,
    pub rejected: Option<f64>,
    pub rows_per_second: Option<f64>,
    pub duration_seconds: Option<f64>,
    pub attempt: Option<i32>,
    pub error: Option<String>,
    /// `run_started`: the tables the run will load.
    pub tables: Option<Vec<String>>,
    /// `lagged`: how many events were missed.
    pub missed: Option<f64>,
}

impl EtlProgressEvent {
    fn new(kind: &str, run_id: Uuid) -> Self {
        Self {
            kind: kind.into(),
            run_id: ID(run_id.to_string()),
            ..Self::default()
        }
    }
}

impl From<ProgressEvent> for EtlProgressEvent {
    fn from(event: ProgressEvent) -> Self {
        // Counts travel as Float: GraphQL's Int is 32-bit and a table's rows are not.
        let n = |v: u64| Some(v as f64);
        let run_id = event.run_id();
        match event {
            ProgressEvent::RunStarted { tables, .. } => Self {
                tables: Some(tables),
                ..Self::new("run_started", run_id)
            },
            ProgressEvent::TableStarted { table, mode, .. } => Self {
                table: Some(table),
                mode: Some(mode),
                ..Self::new("table_started", run_id)
            },
            ProgressEvent::PageExtracted { table, rows, .. } => Self {
                table: Some(table),
                rows: n(rows),
                ..Self::new("page_extracted", run_id)
            },
            ProgressEvent::BatchLoaded {
                table,
                rows,
                rows_total,
                inserted_total,
                updated_total,
                rejected_total,
                rows_per_second,
                ..
            } => Self {
                table: Some(table),
                rows: n(rows),
                rows_total: n(rows_total),
                inserted: n(inserted_total),
                updated: n(updated_total),
                rejected: n(rejected_total),
                rows_per_second: Some(rows_per_second),
                ..Self::new("batch_loaded", run_id)
            },
            ProgressEvent::Retrying {
                table,
                attempt,
                error,
                ..
            } => Self {
                table: Some(table),
                attempt: Some(i32::try_from(attempt).unwrap_or(i32::MAX)),
                error: Some(error),
                ..Self::new("retrying", run_id)
            },
            ProgressEvent::TableFinished {
                table,
                status,
                rows,
                inserted,
                updated,
                rejected,
                duration_seconds,
                ..
            } => Self {
                table: Some(table),
                status: Some(status),
                rows_total: n(rows),
                inserted: n(inserted),
                updated: n(updated),
                rejected: n(rejected),
                duration_seconds: Some(duration_seconds),
                ..Self::new("table_finished", run_id)
            },
            ProgressEvent::TableFailed { table, error, .. } => Self {
                table: Some(table),
                status: Some("failed".into()),
                error: Some(error),
                ..Self::new("table_failed", run_id)
            },
            ProgressEvent::StageFinished {
                stage,
                rows,
                duration_seconds,
                ..
            } => Self {
                stage: Some(stage),
                rows_total: n(rows),
                duration_seconds: Some(duration_seconds),
                ..Self::new("stage_finished", run_id)
            },
            ProgressEvent::StageFailed { stage, error, .. } => Self {
                stage: Some(stage),
                status: Some("failed".into()),
                error: Some(error),
                ..Self::new("stage_failed", run_id)
            },
            ProgressEvent::RunFinished {
                status,
                duration_seconds,
                ..
            } => Self {
                status: Some(status),
                duration_seconds: Some(duration_seconds),
                ..Self::new("run_finished", run_id)
            },
        }
    }
}

#[derive(Default)]
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// The progress of run `runId`, from its recorded state to its end.
    #[graphql(guard = "RequireRole(Role::Viewer)")]
    async fn etl_progress(
        &self,
        ctx: &Context<'_>,
        run_id: ID,
    ) -> Result<impl Stream<Item = EtlProgressEvent> + use<>> {
        let run_id = Uuid::parse_str(&run_id)
            .map_err(|_| ApiError::BadInput(format!("{:?} is not a run id", run_id.as_str())))?;
        let data = ApiData::of(ctx);
        // Listen before reading the recorded state, so nothing falls between the two. The
        // feed carries this replica's runs and, relayed, the other replicas'.
        let mut live = data.feed.subscribe();
        let mut recorded = snapshot(&data.db, run_id).await?;
        let deadline = Instant::now() + APPEAR_WITHIN;
        while recorded.is_empty() && data.runs.active() != Some(run_id) {
            if Instant::now() >= deadline {
                return Err(ApiError::NotFound(format!("no run {run_id}")).into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            recorded = snapshot(&data.db, run_id).await?;
        }
        let db = data.db.clone();
        let (sender, receiver) = mpsc::channel(QUEUE);
        tokio::spawn(async move {
            let finished = recorded.iter().any(|e| e.kind == "run_finished");
            for event in recorded {
                if sender.send(event).await.is_err() {
                    return;
                }
            }
            if finished {
                return;
            }
            loop {
                let event = tokio::select! {
                    () = sender.closed() => return,
                    event = live.recv() => event,
                    () = tokio::time::sleep(QUIET_CHECK) => {
                        // Quiet: if the run ended without us hearing it, say so and end.
                        let recorded = snapshot(&db, run_id).await.unwrap_or_default();
                        if recorded.iter().any(|e| e.kind == "run_finished") {
                            for event in recorded {
                                if sender.send(event).await.is_err() {
                                    return;
                                }
                            }
                            return;
                        }
                        continue;
                    }
                };
                let events = match event {
                    Ok(event) if event.run_id() == run_id => {
                        vec![EtlProgressEvent::from(event)]
                    }
                    Ok(_) => continue,
                    Err(RecvError::Lagged(missed)) => {
                        let mut resync = vec![EtlProgressEvent {
                            missed: Some(missed as f64),
                            ..EtlProgressEvent::new("lagged", run_id)
                        }];
                        resync.extend(snapshot(&db, run_id).await.unwrap_or_default());
                        resync
                    }
                    Err(RecvError::Closed) => return,
                };
                for event in events {
                    let last = event.kind == "run_finished";
                    if sender.send(event).await.is_err() || last {
                        return;
                    }
                }
            }
        });
        Ok(ReceiverStream::new(receiver))
    }
}

/// The run's recorded state: one `snapshot` per table or step row, one for the run, and
/// `run_finished` when the run has ended.
async fn snapshot(
    db: &DatabaseConnection,
    run_id: Uuid,
) -> Result<Vec<EtlProgressEvent>, ApiError> {
    let rows = log::Entity::find()
        .filter(log::Column::ExecutionId.eq(run_id))
        .order_by_asc(log::Column::Id)
        .all(db)
        .await?;
    let mut events = Vec::with_capacity(rows.len() + 1);
    let mut ended = None;
    for row in rows {
        let is_run_row = row.table_name.is_none() && row.pipeline_name == RUN_PIPELINE;
        if is_run_row && row.status != "running" {
            ended = Some(EtlProgressEvent {
                status: Some(row.status.clone()),
                duration_seconds: row.duration_seconds,
                ..EtlProgressEvent::new("run_finished", run_id)
            });
        }
        let count = |v: Option<i32>| v.map(f64::from);
        events.push(EtlProgressEvent {
            table: row.table_name,
            stage: Some(row.pipeline_name),
            status: Some(row.status),
            mode: row.extraction_mode,
            rows_total: count(row.records_extracted),
            inserted: count(row.records_inserted),
            updated: count(row.records_updated),
            rejected: count(row.records_skipped),
            duration_seconds: row.duration_seconds,
            error: row.error_message,
            ..EtlProgressEvent::new("snapshot", run_id)
        });
    }
    events.extend(ended);
    Ok(events)
}
