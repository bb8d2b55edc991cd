//! `/metrics` in the Prometheus text format: GraphQL requests and latency per operation, the
//! view cache's hits / misses / errors, database statements, and ETL rows per table and run
//! durations. A handful of counters and histograms does not need a metrics framework.

use std::{
    collections::BTreeMap,
    fmt::Write,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::sync::broadcast::error::RecvError;

use crate::{
    cache::CacheStats,
    pipeline::{ProgressBus, ProgressEvent},
};

/// Upper bounds (seconds) of the latency buckets: sub-millisecond cache hits to slow queries.
const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];
/// Upper bounds (seconds) of the run-duration buckets.
const RUN_BUCKETS: [f64; 8] = [1.0, 5.0, 15.0, 30.0, 60.0, 300.0, 900.0, 3600.0];
/// Operation names come from clients: past this many, new ones are counted as `other` so a
/// client cannot grow the metrics without bound.
const MAX_OPERATIONS: usize = 200;

#[derive(Default)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, bounds: &[f64], value: f64) {
        if self.counts.is_empty() {
            self.counts = vec![0; bounds.len()];
        }
        for (count, bound) in self.counts.iter_mut().zip(bounds) {
            if value <= *bound {
                *count += 1;
            }
        }
        self.sum += value;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str, bounds: &[f64]) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (count, bound) in self.counts.iter().zip(bounds) {
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{bound}\"}} {count}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

#[derive(Default)]
pub struct Metrics {
    /// (operation, outcome `ok` | `error`) → latency histogram; its count is the request total.
    requests: Mutex<BTreeMap<(String, &'static str), Histogram>>,
    db_statements: AtomicU64,
    db_errors: AtomicU64,
    etl_rows: Mutex<BTreeMap<String, u64>>,
    /// Run status → run-duration histogram.
    etl_runs: Mutex<BTreeMap<String, Histogram>>,
    /// The scheduler, maintenance and the cross-replica progress relay.
    service: ServiceMetrics,
}

/// What the service around the API does on its own: leadership, scheduled runs, maintenance
/// and the progress relay.
#[derive(Default)]
struct ServiceMetrics {
    leader: AtomicU64,
    ticks: AtomicU64,
    scheduled_runs: AtomicU64,
    stale_rows: AtomicU64,
    /// (job, status) → count.
    maintenance: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    /// Table → rows deleted by retention.
    retention_deleted: Mutex<BTreeMap<&'static str, u64>>,
    relay_published: AtomicU64,
    relay_received: AtomicU64,
    relay_errors: AtomicU64,
}

impl Metrics {
    pub fn record_request(&self, operation: &str, ok: bool, elapsed: Duration) {
        let outcome = if ok { "ok" } else { "error" };
        let mut requests = self.requests.lock().expect("metrics lock");
        let known = requests.contains_key(&(operation.to_owned(), outcome));
        let operation = if known || requests.len() < MAX_OPERATIONS {
            operation
        } else {
            "other"
        };
        requests
            .entry((operation.to_owned(), outcome))
            .or_default()
            .observe(&LATENCY_BUCKETS, elapsed.as_secs_f64());
    }

    /// Called by the database driver after every statement.
    pub fn record_statement(&self, failed: bool) {
        self.db_statements.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.db_errors.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn db_statements(&self) -> u64 {
        self.db_statements.load(Ordering::Relaxed)
    }

    fn record_event(&self, event: &ProgressEvent) {
        match event {
            ProgressEvent::TableFinished { table, rows, .. } => {
                *self
                    .etl_rows
                    .lock()
                    .expect("metrics lock")
                    .entry(table.clone())
                    .or_default() += rows;
            }
            ProgressEvent::RunFinished {
                status,
                duration_seconds,
                ..
            } => self
                .etl_runs
                .lock()
                .expect("metrics lock")
                .entry(status.clone())
                .or_default()
                .observe(&RUN_BUCKETS, *duration_seconds),
            _ => {}
        }
    }

    pub fn set_leader(&self, leading: bool) {
        self.service
            .leader
            .store(u64::from(leading), Ordering::Relaxed);
    }

    pub fn record_tick(&self) {
        self.service.ticks.fetch_add(1, Ordering::Relaxed);
    }

    pub fn record_scheduled_run(&self) {
        self.service.scheduled_runs.fetch_add(1, Ordering::Relaxed);
    }

    /// Watermark and log rows failed by a stale-run cleanup.
    pub fn record_stale(&self, rows: u64) {
        self.service.stale_rows.fetch_add(rows, Ordering::Relaxed);
    }

    pub fn record_maintenance(&self, job: &'static str, status: &'static str) {
        *self
            .service
            .maintenance
            .lock()
            .expect("metrics lock")
            .entry((job, status))
            .or_default() += 1;
    }

    pub fn record_retention(&self, table: &'static str, deleted: u64) {
        *self
            .service
            .retention_deleted
            .lock()
            .expect("metrics lock")
            .entry(table)
            .or_default() += deleted;
    }

    /// A progress event sent to other replicas (`Ok(true)`), received from one (`Ok(false)`),
    /// or lost on the way (`Err`).
    pub fn record_relay(&self, outcome: Result<bool, ()>) {
        let counter = match outcome {
            Ok(true) => &self.service.relay_published,
            Ok(false) => &self.service.relay_received,
            Err(()) => &self.service.relay_errors,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }

    fn render_service(&self, out: &mut String) {
        let service = &self.service;
        for (name, kind, help, value) in [
            (
                "pulso_scheduler_leader",
                "gauge",
                "1 while this replica holds the scheduler's leader lease.",
                &service.leader,
            ),
            (
                "pulso_scheduler_ticks_total",
                "counter",
                "Scheduler ticks this replica ran as the leader.",
                &service.ticks,
            ),
            (
                "pulso_scheduled_runs_total",
                "counter",
                "Runs the scheduler started on this replica.",
                &service.scheduled_runs,
            ),
            (
                "pulso_stale_rows_failed_total",
                "counter",
                "Watermark and execution-log rows failed by the stale-run cleanup.",
                &service.stale_rows,
            ),
            (
                "pulso_progress_relay_published_total",
                "counter",
                "Progress events sent to the other replicas.",
                &service.relay_published,
            ),
            (
                "pulso_progress_relay_received_total",
                "counter",
                "Progress events received from the other replicas.",
                &service.relay_received,
            ),
            (
                "pulso_progress_relay_errors_total",
                "counter",
                "Progress events that could not be relayed.",
                &service.relay_errors,
            ),
        ] {
            write_scalar(out, name, kind, help, value);
        }
        out.push_str("# HELP pulso_maintenance_runs_total Maintenance jobs by job and status.\n# TYPE pulso_maintenance_runs_total counter\n");
        for ((job, status), count) in service.maintenance.lock().expect("metrics lock").iter() {
            let _ = writeln!(
                out,
                "pulso_maintenance_runs_total{{job=\"{job}\",status=\"{status}\"}} {count}"
            );
        }
        out.push_str("# HELP pulso_retention_rows_deleted_total Rows deleted by retention, per table.\n# TYPE pulso_retention_rows_deleted_total counter\n");
        for (table, count) in service
            .retention_deleted
            .lock()
            .expect("metrics lock")
            .iter()
        {
            let _ = writeln!(
                out,
                "pulso_retention_rows_deleted_total{{table=\"{table}\"}} {count}"
            );
        }
    }

    /// Follows the progress bus for as long as it exists.
    pub fn follow(self: std::sync::Arc<Self>, bus: &ProgressBus) {
        let mut events = bus.subscribe();
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) => self.record_event(&event),
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "metrics missed progress events")
                    }
                    Err(RecvError::Closed) => break,
                }
            }
        });
    }

    pub fn render(&self, cache: &CacheStats) -> String {
        let mut out = String::new();
        out.push_str("# HELP pulso_graphql_request_duration_seconds GraphQL requests by operation and outcome.\n# TYPE pulso_graphql_request_duration_seconds histogram\n");
        for ((operation, outcome), histogram) in self.requests.lock().expect("metrics lock").iter()
        {
            let labels = format!("operation=\"{}\",outcome=\"{outcome}\"", escape(operation));
            histogram.render(
                &mut out,
                "pulso_graphql_request_duration_seconds",
                &labels,
                &LATENCY_BUCKETS,
            );
        }
        for (name, help, value) in [
            (
                "pulso_cache_hits_total",
                "View cache hits (views and stored answers).",
                &cache.hits,
            ),
            (
                "pulso_cache_misses_total",
                "View cache misses (views and stored answers).",
                &cache.misses,
            ),
            (
                "pulso_cache_errors_total",
                "Cache calls that failed or timed out (answered from the database).",
                &cache.errors,
            ),
            (
                "pulso_cache_loads_total",
                "View queries run on the database on behalf of the cache.",
                &cache.loads,
            ),
            (
                "pulso_db_statements_total",
                "SQL statements executed.",
                &self.db_statements,
            ),
            (
                "pulso_db_errors_total",
                "SQL statements that failed.",
                &self.db_errors,
            ),
        ] {
            write_scalar(&mut out, name, "counter", help, value);
        }
        out.push_str("# HELP pulso_etl_rows_total Rows loaded per source table.\n# TYPE pulso_etl_rows_total counter\n");
        for (table, rows) in self.etl_rows.lock().expect("metrics lock").iter() {
            let _ = writeln!(
                out,
                "pulso_etl_rows_total{{table=\"{}\"}} {rows}",
                escape(table)
            );
        }
        out.push_str("# HELP pulso_etl_run_duration_seconds ETL run durations by final status.\n# TYPE pulso_etl_run_duration_seconds histogram\n");
        for (status, histogram) in self.etl_runs.lock().expect("metrics lock").iter() {
            histogram.render(
                &mut out,
                "pulso_etl_run_duration_seconds",
                &format!("status=\"{}\"", escape(status)),
                &RUN_BUCKETS,
            );
        }
        self.render_service(&mut out);
        out
    }
}

/// Label values are client-chosen (operation names): escape what the format reserves.
/// One unlabelled metric with its HELP and TYPE lines.
fn write_scalar(out: &mut String, name: &str, kind: &str, help: &str, value: &AtomicU64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
        value.load(Ordering::Relaxed)
    );
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_labels_escaped() {
        let metrics = Metrics::default();
        metrics.record_request("dash\"board", true, Duration::from_millis(2));
        metrics.record_request("dash\"board", true, Duration::from_millis(30));
        let text = metrics.render(&CacheStats::default());
        let line = |le: &str| {
            format!(
                "pulso_graphql_request_duration_seconds_bucket{{operation=\"dash\\\"board\",outcome=\"ok\",le=\"{le}\"}}"
            )
        };
        assert!(text.contains(&format!("{} 0", line("0.001"))), "{text}");
        assert!(text.contains(&format!("{} 1", line("0.0025"))), "{text}");
        assert!(text.contains(&format!("{} 2", line("0.05"))), "{text}");
        assert!(text.contains(&format!("{} 2", line("+Inf"))), "{text}");
    }
}
