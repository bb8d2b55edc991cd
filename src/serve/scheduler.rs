//! The scheduler inside `pulso serve`. Every replica runs this loop; every `heartbeat_secs` it
//! renews or tries to take the leader lease (`lease.rs`), and only the leader acts, every
//! `tick_secs`:
//!
//! 1. fails stale runs (at once on taking over, so a dead leader's run is cleaned up);
//! 2. once a day, when TimescaleDB is absent, enforces retention (in the background);
//! 3. when a crash emptied the unlogged aux tables, starts a run, whose build rebuilds them;
//! 4. at each slot of `dashboard_every_hours`, starts a forced refresh of every table;
//! 5. otherwise starts a scheduled run of the tables that are due — last success older than
//!    their refresh frequency, not running, and not failed within `retry_after_secs`.
//!
//! Runs go through `Runs` like the API's (`execution_type = scheduled`), so they are one at a
//! time per process and cancelled on shutdown; no scheduled run starts while any replica's run
//! is recorded as going, and the table locks keep a table from loading twice even if two
//! replicas briefly overlap. On shutdown the lease is released so another
//! replica takes over at its next heartbeat; a leader that dies is replaced once its lease
//! expires (`lease_secs`).

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use chrono::{DateTime, NaiveTime, Timelike, Utc};
use sea_orm::{DatabaseConnection, DbErr, EntityTrait};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::{Metrics, lease, maintenance, runs::Runs};
use crate::{
    config::{EtlConfig, SchedulerConfig},
    entities::control::etl_watermarks,
    lima,
    pipeline::{ExecutionType, RunRequest, bookkeeping, plan},
    tables::{self, TableSpec},
    transform,
};

/// The slot rows of the periodic jobs.
const DASHBOARD_JOB: &str = "dashboard_refresh";
const RETENTION_JOB: &str = "retention";

pub struct Scheduler {
    pub db: DatabaseConnection,
    pub runs: Arc<Runs>,
    pub metrics: Arc<Metrics>,
    pub config: SchedulerConfig,
    /// This replica's name in the lease.
    pub replica: String,
}

impl Scheduler {
    /// Runs the loop until `shutdown`, then gives the lease up.
    pub fn spawn(self, shutdown: CancellationToken) -> JoinHandle<()> {
        tokio::spawn(self.run(shutdown))
    }

    async fn run(self, shutdown: CancellationToken) {
        let lease = Duration::from_secs(self.config.lease_secs);
        let tick_every = Duration::from_secs(self.config.tick_secs);
        let mut heartbeat = tokio::time::interval(Duration::from_secs(self.config.heartbeat_secs));
        heartbeat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut leading = false;
        let mut next_tick = Instant::now();
        let mut retention: Option<JoinHandle<()>> = None;
        tracing::info!(replica = %self.replica, "scheduler started");
        loop {
            tokio::select! {
                () = shutdown.cancelled() => break,
                _ = heartbeat.tick() => {}
            }
            let held = match lease::now(&self.db).await {
                Ok(now) => lease::acquire(&self.db, lease::LEADER, &self.replica, lease, now).await,
                Err(error) => Err(error),
            };
            let now_leading = match held {
                Ok(held) => held,
                Err(error) => {
                    // Unsure whether the lease still holds: act as a follower until renewed.
                    tracing::warn!(%error, "cannot renew the scheduler lease");
                    false
                }
            };
            if now_leading && !leading {
                tracing::info!(replica = %self.replica, "became the scheduler's leader");
                next_tick = Instant::now();
            } else if leading && !now_leading {
                tracing::warn!(replica = %self.replica, "no longer the scheduler's leader");
            }
            leading = now_leading;
            self.metrics.set_leader(leading);
            if leading && Instant::now() >= next_tick && !shutdown.is_cancelled() {
                self.metrics.record_tick();
                if let Err(error) = self.tick(&mut retention, &shutdown).await {
                    tracing::warn!(%error, "scheduler tick failed");
                }
                next_tick = Instant::now() + tick_every;
            }
        }
        if let Some(job) = retention {
            job.abort();
        }
        self.metrics.set_leader(false);
        if leading {
            match lease::release(&self.db, lease::LEADER, &self.replica).await {
                Ok(()) => tracing::info!("scheduler lease released"),
                Err(error) => tracing::warn!(%error, "could not release the scheduler lease"),
            }
        }
    }

    async fn tick(
        &self,
        retention: &mut Option<JoinHandle<()>>,
        shutdown: &CancellationToken,
    ) -> Result<(), DbErr> {
        let pipeline = self.runs.pipeline();
        maintenance::cleanup_stale(&self.db, pipeline, &self.metrics).await?;
        let now = lease::now(&self.db).await?;

        if self.config.retention
            && retention.as_ref().is_none_or(JoinHandle::is_finished)
            && maintenance::retention_applies(&self.db).await?
            && lease::claim_slot(&self.db, RETENTION_JOB, day_slot(now), now, true).await?
        {
            let (db, metrics, batch) = (
                self.db.clone(),
                Arc::clone(&self.metrics),
                self.config.retention_batch,
            );
            let stop = shutdown.clone();
            *retention = Some(tokio::spawn(async move {
                if let Err(error) =
                    maintenance::enforce_retention(&db, batch, &metrics, &stop).await
                {
                    tracing::error!(%error, "retention failed");
                }
            }));
        }

        if self.runs.active().is_some() || bookkeeping::run_going(&self.db).await? {
            // One run at a time, here or on any replica (stale ones were just failed): what is
            // due now is still due at the next tick.
            return Ok(());
        }
        if !transform::unlogged_tables_intact(&self.db).await? {
            // A crash emptied the unlogged aux tables, which the operation view reads: the
            // run's build rebuilds them whole (`transform::build`). Unforced, it loads only the
            // tables that are due, and a failing source is not asked again every tick.
            self.start("the unlogged aux tables were emptied", Vec::new(), false);
            return Ok(());
        }
        if let Some(hours) = self.config.dashboard_every_hours
            && lease::claim_slot(&self.db, DASHBOARD_JOB, hours_slot(now, hours), now, false)
                .await?
        {
            self.start("dashboard refresh", Vec::new(), true);
            return Ok(());
        }
        let marks = etl_watermarks::Entity::find().all(&self.db).await?;
        let retry_after = Duration::from_secs(self.config.retry_after_secs);
        let due = due_tables(&marks, pipeline.config(), retry_after, now);
        if !due.is_empty() {
            // On a first start nothing is loaded and everything is due: the initial load.
            let why = if marks.iter().all(|m| m.last_success_at.is_none()) {
                "first start: nothing loaded yet"
            } else {
                "due tables"
            };
            self.start(why, due, false);
        }
        Ok(())
    }

    fn start(&self, why: &str, tables: Vec<&'static TableSpec>, force: bool) {
        let names: Vec<&str> = tables.iter().map(|t| t.name).collect();
        let request = RunRequest {
            tables,
            force,
            execution_type: ExecutionType::Scheduled,
            ..RunRequest::default()
        };
        match self.runs.start(request) {
            Ok(handle) if !handle.already_running => {
                self.metrics.record_scheduled_run();
                tracing::info!(
                    run_id = %handle.run_id,
                    why,
                    tables = ?names,
                    "scheduled run started; follow it with subscription {{ etlProgress(runId: \"{}\") }}",
                    handle.run_id
                );
            }
            Ok(handle) => {
                tracing::debug!(run_id = %handle.run_id, "a run is going; scheduling later")
            }
            Err(refused) => tracing::debug!(%refused, "scheduled run not started"),
        }
    }
}

/// The tables a scheduled tick loads: never loaded, or last success older than the refresh
/// frequency; not while running (here or on another replica); and not again within
/// `retry_after` of a failed or cancelled attempt.
pub fn due_tables(
    marks: &[etl_watermarks::Model],
    etl: &EtlConfig,
    retry_after: Duration,
    now: DateTime<Utc>,
) -> Vec<&'static TableSpec> {
    tables::ALL
        .into_iter()
        .filter(|table| {
            let Some(mark) = marks.iter().find(|m| m.table_name == table.name) else {
                return true;
            };
            let refresh =
                chrono::Duration::hours(i64::from(plan::settings(table, etl).refresh_hours));
            match mark.last_extraction_status.as_str() {
                "running" => false,
                _ if mark
                    .last_success_at
                    .is_some_and(|last| now < last + refresh) =>
                {
                    false
                }
                "failed" | "cancelled" => now >= mark.updated_at + retry_after,
                _ => true,
            }
        })
        .collect()
}

/// The start of the Lima day of `now`: the retention job's slot.
pub fn day_slot(now: DateTime<Utc>) -> DateTime<Utc> {
    lima::start_of_day(lima::to_civil(now).date())
}

/// The latest boundary at or before `now` of a schedule every `hours` hours from Lima midnight
/// (`hours` divides 24): 3 → 00:00, 03:00, 06:00 … Lima time, as cron's `0 */3 * * *` there.
pub fn hours_slot(now: DateTime<Utc>, hours: u32) -> DateTime<Utc> {
    let civil = lima::to_civil(now);
    let hour = civil.hour() - civil.hour() % hours.max(1);
    let start = NaiveTime::from_hms_opt(hour, 0, 0).expect("an hour of the day");
    lima::civil_to_utc(civil.date().and_time(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn slots_are_aligned_to_lima_time() {
        // 14:20 UTC is 09:20 in Lima: the 3-hour slot began at 09:00 Lima = 14:00 UTC.
        assert_eq!(
            hours_slot(utc("2026-03-01T14:20:00Z"), 3),
            utc("2026-03-01T14:00:00Z")
        );
        // 04:00 UTC is 23:00 the day before in Lima: slot 21:00 Lima = 02:00 UTC.
        assert_eq!(
            hours_slot(utc("2026-03-01T04:00:00Z"), 3),
            utc("2026-03-01T02:00:00Z")
        );
        assert_eq!(
            hours_slot(utc("2026-03-01T04:00:00Z"), 24),
            utc("2026-02-28T05:00:00Z")
        );
        assert_eq!(
            day_slot(utc("2026-03-01T04:59:59Z")),
            utc("2026-02-28T05:00:00Z")
        );
        assert_eq!(
            day_slot(utc("2026-03-01T05:00:00Z")),
            utc("2026-03-01T05:00:00Z")
        );
    }

    fn mark(
        table: &str,
        status: &str,
        success: Option<DateTime<Utc>>,
        updated: DateTime<Utc>,
    ) -> etl_watermarks::Model {
        etl_watermarks::Model {
            table_name: table.into(),
            last_extracted_value: None,
            last_extraction_status: status.into(),
            last_success_at: success,
            records_extracted: None,
            extraction_duration_seconds: None,
            error_message: None,
            extraction_id: None,
            heartbeat_at: None,
            metadata: None,
            created_at: updated,
            updated_at: updated,
        }
    }

    #[test]
    fn due_tables_follow_frequency_running_state_and_retry_delay() {
        let now = utc("2026-03-01T12:00:00Z");
        let hours = |h: i64| now - chrono::Duration::hours(h);
        let retry = Duration::from_secs(600);
        let etl = EtlConfig::default();
        let marks = vec![
            // 6-hour tables.
            mark("calendario", "success", Some(hours(1)), hours(1)),
            mark("asignaciones", "success", Some(hours(7)), hours(7)),
            mark("trandeuda", "running", Some(hours(7)), hours(0)),
            mark(
                "pagos",
                "failed",
                Some(hours(7)),
                now - chrono::Duration::minutes(5),
            ),
            mark("voicebot_gestiones", "failed", None, hours(1)),
            // 24-hour tables.
            mark("homologacion_voicebot", "success", Some(hours(7)), hours(7)),
            mark(
                "homologacion_mibotair",
                "cancelled",
                Some(hours(7)),
                hours(1),
            ),
        ];
        let due: Vec<&str> = due_tables(&marks, &etl, retry, now)
            .iter()
            .map(|t| t.name)
            .collect();
        assert_eq!(
            due,
            [
                "asignaciones",
                "voicebot_gestiones",
                "mibotair_gestiones",
                "ejecutivos"
            ]
        );
        // Everything is due before the first load.
        assert_eq!(due_tables(&[], &etl, retry, now).len(), 9);
    }
}
