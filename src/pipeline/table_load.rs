//! One table's load: claim it, plan it, stream pages through normalisation into UPSERT
//! batches, retry transient failures with exponential backoff, and record how it ended.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use sea_orm::{DbErr, TransactionTrait};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    Pipeline, ProgressEvent, Requested, RunRequest, TableReport,
    bookkeeping::{self, Counts, Ending, TableStart},
    locks,
    plan::{self, Plan, Settings},
};
use crate::{
    database,
    entities::control::etl_watermarks,
    extract::normalise::{self, Rejection},
    load::{self, LoadMeta, Rewrite},
    source::{Row, SourceError},
    tables::TableSpec,
};

/// Rejected rows kept as examples in the execution log.
const REJECTION_SAMPLES: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableStatus {
    Success,
    /// Its last success is younger than its refresh frequency.
    Skipped,
    /// Another load of the table holds it.
    AlreadyRunning,
    Failed,
    Cancelled,
}

impl TableStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Success => "success",
            Self::Skipped => "skipped",
            Self::AlreadyRunning => "already_running",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug)]
enum LoadError {
    Source(SourceError),
    Database(DbErr),
}

impl LoadError {
    fn is_transient(&self) -> bool {
        match self {
            Self::Source(SourceError::Transient(_)) => true,
            Self::Source(SourceError::Permanent(_)) => false,
            Self::Database(error) => matches!(error, DbErr::ConnectionAcquire(_) | DbErr::Conn(_)),
        }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Source(error) => write!(f, "{error}"),
            Self::Database(error) => write!(f, "database: {error}"),
        }
    }
}

impl From<SourceError> for LoadError {
    fn from(error: SourceError) -> Self {
        Self::Source(error)
    }
}

impl From<DbErr> for LoadError {
    fn from(error: DbErr) -> Self {
        Self::Database(error)
    }
}

/// The table's load within run `run_id`, from claim to release; never fails the run.
pub async fn run(
    pipeline: &Pipeline,
    run_id: Uuid,
    table: &'static TableSpec,
    request: &RunRequest,
) -> TableReport {
    let started = Instant::now();
    let report = |status: TableStatus, counts: Counts, error: Option<String>| TableReport {
        table: table.name,
        status,
        counts,
        error,
        duration_seconds: started.elapsed().as_secs_f64(),
    };
    let claim = match locks::try_claim(&pipeline.db, &pipeline.database_url, table.name).await {
        Ok(Some(claim)) => claim,
        Ok(None) => {
            let message = format!("{} is already being loaded by another run", table.name);
            publish_end(
                pipeline,
                run_id,
                table,
                TableStatus::AlreadyRunning,
                Counts::default(),
                0.0,
            );
            return report(
                TableStatus::AlreadyRunning,
                Counts::default(),
                Some(message),
            );
        }
        Err(error) => {
            return report(
                TableStatus::Failed,
                Counts::default(),
                Some(error.to_string()),
            );
        }
    };
    let mut load = TableLoad {
        pipeline,
        run_id,
        table,
        request,
        counts: Counts::default(),
        max_loaded: None,
        samples: Vec::new(),
        batches: 0,
    };
    let result = load.run().await;
    claim.release().await;
    match result {
        Ok(status) => report(status, load.counts, None),
        Err(error) => {
            pipeline.bus.publish(ProgressEvent::TableFailed {
                run_id,
                table: table.name.into(),
                error: error.to_string(),
            });
            report(TableStatus::Failed, load.counts, Some(error.to_string()))
        }
    }
}

/// Why a default-mode load is not needed yet, if it is not.
pub fn freshness_skip(
    mark: Option<&etl_watermarks::Model>,
    settings: &Settings,
    request: &RunRequest,
    now: DateTime<Utc>,
) -> Option<String> {
    if request.force || request.requested != Requested::Default {
        return None;
    }
    let last = mark?.last_success_at?;
    let fresh_until = last + chrono::Duration::hours(i64::from(settings.refresh_hours));
    (now < fresh_until).then(|| {
        format!(
            "fresh: last success {last}, refresh every {} h",
            settings.refresh_hours
        )
    })
}

struct TableLoad<'a> {
    pipeline: &'a Pipeline,
    run_id: Uuid,
    table: &'static TableSpec,
    request: &'a RunRequest,
    counts: Counts,
    /// The largest incremental value written so far.
    max_loaded: Option<DateTime<Utc>>,
    samples: Vec<Rejection>,
    batches: u64,
}

impl TableLoad<'_> {
    async fn run(&mut self) -> Result<TableStatus, LoadError> {
        let (db, config) = (&self.pipeline.db, &self.pipeline.config);
        let settings = plan::settings(self.table, config);
        let mark = bookkeeping::watermark(db, self.table.name).await?;
        if let Some(reason) = freshness_skip(mark.as_ref(), &settings, self.request, Utc::now()) {
            tracing::info!(table = self.table.name, %reason, "skipped");
            publish_end(
                self.pipeline,
                self.run_id,
                self.table,
                TableStatus::Skipped,
                self.counts,
                0.0,
            );
            return Ok(TableStatus::Skipped);
        }
        let before = mark.and_then(|m| m.last_extracted_value);
        let plan = plan::plan(
            self.table,
            self.request.requested,
            before,
            &settings,
            self.pipeline.source.today(),
        );
        let source_query = self.pipeline.source.describe(self.table, plan.range);
        let started = Utc::now();
        let execution_type = self.request.execution_type.as_str();
        bookkeeping::start_table(
            db,
            TableStart {
                run_id: self.run_id,
                table: self.table.name,
                plan: &plan,
                settings: &settings,
                execution_type,
                source_query,
                force: self.request.force,
                watermark_before: before,
            },
        )
        .await?;
        self.pipeline.bus.publish(ProgressEvent::TableStarted {
            run_id: self.run_id,
            table: self.table.name.into(),
            mode: plan.mode.as_str().into(),
            window_start: plan.range.from.map(|t| t.to_rfc3339()),
            window_end: plan.range.until.map(|t| t.to_rfc3339()),
        });

        let mut attempt = 1;
        let outcome = loop {
            match self.attempt(&plan, &settings, before, started).await {
                Err(error)
                    if error.is_transient()
                        && attempt < config.attempts
                        && !self.request.cancel.is_cancelled() =>
                {
                    let delay = Duration::from_millis(
                        config.backoff_base_ms.saturating_mul(1 << (attempt - 1)),
                    );
                    tracing::warn!(table = self.table.name, attempt, %error, ?delay, "retrying");
                    self.pipeline.bus.publish(ProgressEvent::Retrying {
                        run_id: self.run_id,
                        table: self.table.name.into(),
                        attempt,
                        delay_ms: delay.as_millis() as u64,
                        error: error.to_string(),
                    });
                    tokio::select! {
                        () = tokio::time::sleep(delay) => {}
                        () = self.request.cancel.cancelled() => {}
                    }
                    attempt += 1;
                }
                other => break other,
            }
        };
        let (status, error) = match outcome {
            Ok(status) => (status, None),
            Err(error) => (TableStatus::Failed, Some(error)),
        };
        if status != TableStatus::Success {
            // Success was recorded inside the last batch's transaction; the rest is recorded
            // here, leaving the watermark where it was.
            bookkeeping::finish_table(
                db,
                self.run_id,
                self.table.name,
                self.ending(
                    status.as_str(),
                    started,
                    None,
                    error.as_ref().map(ToString::to_string),
                ),
            )
            .await?;
        }
        if status == TableStatus::Success {
            self.refresh_statistics().await;
        }
        let duration = (Utc::now() - started).num_milliseconds() as f64 / 1000.0;
        match error {
            Some(error) => Err(error),
            None => {
                publish_end(
                    self.pipeline,
                    self.run_id,
                    self.table,
                    status,
                    self.counts,
                    duration,
                );
                Ok(status)
            }
        }
    }

    /// One pass over the source. Each batch commits on its own, except that the last one
    /// commits together with the new watermark and the success record (DOMAIN §6); a full
    /// refresh commits everything, and the deletion of absent rows, at once.
    async fn attempt(
        &mut self,
        plan: &Plan,
        settings: &Settings,
        before: Option<DateTime<Utc>>,
        started: DateTime<Utc>,
    ) -> Result<TableStatus, LoadError> {
        let db = &self.pipeline.db;
        let cancel = self.request.cancel.clone();
        self.counts.extracted = 0;
        self.counts.rejected = 0;
        self.samples.clear();
        let mut pages = self
            .pipeline
            .source
            .read(self.table, plan.range, settings.batch_size)
            .await?;
        let rewrite = if plan.replaces_content {
            Rewrite::All
        } else {
            Rewrite::Changed
        };
        let whole = if plan.replaces_content {
            Some(db.begin().await?)
        } else {
            None
        };

        let mut pending = pages.next().await;
        loop {
            let next = match &pending {
                Some(_) => tokio::select! {
                    next = pages.next() => next,
                    () = cancel.cancelled() => return Ok(TableStatus::Cancelled),
                },
                None => None,
            };
            // A full refresh writes everything in `whole`; otherwise each batch commits alone.
            let batch = if whole.is_some() {
                None
            } else {
                Some(db.begin().await?)
            };
            let tx = whole
                .as_ref()
                .or(batch.as_ref())
                .expect("one transaction is open");
            if let Some(page) = pending.take() {
                let write = self.write(tx, page?, rewrite);
                tokio::select! {
                    written = write => written?,
                    // Dropping the transaction rolls the batch in flight back.
                    () = cancel.cancelled() => return Ok(TableStatus::Cancelled),
                }
            }
            if next.is_none() {
                if plan.replaces_content {
                    load::delete_rows_not_loaded_by(tx, self.table, self.run_id).await?;
                }
                let watermark = plan
                    .moves_watermark
                    .then(|| before.max(self.max_loaded))
                    .flatten();
                bookkeeping::finish_table(
                    tx,
                    self.run_id,
                    self.table.name,
                    self.ending("success", started, watermark, None),
                )
                .await?;
                for transaction in [batch, whole].into_iter().flatten() {
                    transaction.commit().await?;
                }
                return Ok(TableStatus::Success);
            }
            bookkeeping::heartbeat(tx, self.run_id, self.table.name, self.counts).await?;
            if let Some(batch) = batch {
                batch.commit().await?;
            }
            if cancel.is_cancelled() {
                return Ok(TableStatus::Cancelled);
            }
            pending = next;
        }
    }

    /// Normalises a page and upserts what is valid.
    async fn write<C: sea_orm::ConnectionTrait>(
        &mut self,
        tx: &C,
        page: Vec<Row>,
        rewrite: Rewrite,
    ) -> Result<(), LoadError> {
        let started = Instant::now();
        self.counts.extracted += page.len() as u64;
        self.pipeline.bus.publish(ProgressEvent::PageExtracted {
            run_id: self.run_id,
            table: self.table.name.into(),
            rows: page.len() as u64,
        });
        let incremental = self
            .table
            .incremental
            .and_then(|name| self.table.raw_columns().position(|c| c == name));
        let mut accepted = Vec::with_capacity(page.len());
        for row in &page {
            match normalise::normalise(self.table, row) {
                Ok(raw) => {
                    if let Some(position) = incremental {
                        self.max_loaded =
                            self.max_loaded.max(normalise::instant_of(&raw[position]));
                    }
                    accepted.push(raw);
                }
                Err(rejection) => {
                    self.counts.rejected += 1;
                    if self.samples.len() < REJECTION_SAMPLES {
                        tracing::warn!(table = self.table.name, reason = %rejection.reason, row = %rejection.row, "row rejected");
                        self.samples.push(rejection);
                    }
                }
            }
        }
        let rows = normalise::keep_last_per_key(self.table, accepted);
        let meta = LoadMeta {
            extraction_id: self.run_id,
            extracted_at: Utc::now(),
        };
        let written = load::upsert(
            tx,
            self.table,
            &rows,
            &meta,
            rewrite,
            self.pipeline.config.rows_per_statement,
        )
        .await?;
        self.counts.inserted += written.inserted;
        self.counts.updated += written.updated;
        self.batches += 1;
        self.pipeline.bus.publish(ProgressEvent::BatchLoaded {
            run_id: self.run_id,
            table: self.table.name.into(),
            rows: rows.len() as u64,
            rows_total: self.counts.extracted,
            inserted_total: self.counts.inserted,
            updated_total: self.counts.updated,
            rejected_total: self.counts.rejected,
            rows_per_second: page.len() as f64 / started.elapsed().as_secs_f64().max(1e-9),
        });
        Ok(())
    }

    /// Statistics and the new rows' index summary for the transform that follows (see
    /// [`database::refresh_statistics`], [`database::summarize_changed_rows`]). The rows
    /// are loaded by now, so a failure only costs plan quality: it is logged, not raised.
    async fn refresh_statistics(&self) {
        let written = self.counts.inserted + self.counts.updated;
        if written > 0
            && let Err(error) =
                database::summarize_changed_rows(&self.pipeline.db, self.table.raw_table).await
        {
            tracing::warn!(table = self.table.name, %error, "could not summarise the new rows");
        }
        match database::refresh_statistics(&self.pipeline.db, self.table.raw_table, written).await {
            Ok(analysed) => {
                tracing::debug!(table = self.table.name, written, analysed, "statistics")
            }
            Err(error) => {
                tracing::warn!(table = self.table.name, %error, "could not refresh statistics")
            }
        }
    }

    fn ending(
        &self,
        status: &'static str,
        started: DateTime<Utc>,
        watermark: Option<DateTime<Utc>>,
        error: Option<String>,
    ) -> Ending<'static> {
        Ending {
            status,
            counts: self.counts,
            started,
            watermark,
            error,
            metadata: json!({ "batches": self.batches, "rejected_samples": self.samples, "force": self.request.force }),
        }
    }
}

fn publish_end(
    pipeline: &Pipeline,
    run_id: Uuid,
    table: &TableSpec,
    status: TableStatus,
    counts: Counts,
    duration_seconds: f64,
) {
    pipeline.bus.publish(ProgressEvent::TableFinished {
        run_id,
        table: table.name.into(),
        status: status.as_str().into(),
        rows: counts.extracted,
        inserted: counts.inserted,
        updated: counts.updated,
        rejected: counts.rejected,
        duration_seconds,
    });
}
