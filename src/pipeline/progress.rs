//! Live progress of ETL runs, as typed events on an in-process broadcast bus. Publishing never
//! waits: a listener that falls behind loses the oldest events and is told so by the channel
//! (`RecvError::Lagged`), so no listener can stall or crash the pipeline.

use serde::{Deserialize, Serialize};
use tokio::sync::broadcast;
use uuid::Uuid;

/// How many events a slow listener may fall behind before it starts losing them.
const BUS_CAPACITY: usize = 4096;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ProgressEvent {
    RunStarted {
        run_id: Uuid,
        tables: Vec<String>,
    },
    TableStarted {
        run_id: Uuid,
        table: String,
        mode: String,
        window_start: Option<String>,
        window_end: Option<String>,
    },
    PageExtracted {
        run_id: Uuid,
        table: String,
        rows: u64,
    },
    BatchLoaded {
        run_id: Uuid,
        table: String,
        /// Rows of this batch (after de-duplication), and the table's totals so far.
        rows: u64,
        rows_total: u64,
        inserted_total: u64,
        updated_total: u64,
        rejected_total: u64,
        rows_per_second: f64,
    },
    Retrying {
        run_id: Uuid,
        table: String,
        attempt: u32,
        delay_ms: u64,
        error: String,
    },
    TableFinished {
        run_id: Uuid,
        table: String,
        /// `success`, `skipped` (fresh enough), `already_running` or `cancelled`.
        status: String,
        rows: u64,
        inserted: u64,
        updated: u64,
        rejected: u64,
        duration_seconds: f64,
    },
    TableFailed {
        run_id: Uuid,
        table: String,
        error: String,
    },
    /// A transform step (`transform:aux_gestiones`, `transform:dashboard_data`, …) is done.
    StageFinished {
        run_id: Uuid,
        stage: String,
        rows: u64,
        duration_seconds: f64,
    },
    StageFailed {
        run_id: Uuid,
        stage: String,
        error: String,
    },
    RunFinished {
        run_id: Uuid,
        status: String,
        duration_seconds: f64,
    },
}

impl ProgressEvent {
    pub fn run_id(&self) -> Uuid {
        match self {
            Self::RunStarted { run_id, .. }
            | Self::TableStarted { run_id, .. }
            | Self::PageExtracted { run_id, .. }
            | Self::BatchLoaded { run_id, .. }
            | Self::Retrying { run_id, .. }
            | Self::TableFinished { run_id, .. }
            | Self::TableFailed { run_id, .. }
            | Self::StageFinished { run_id, .. }
            | Self::StageFailed { run_id, .. }
            | Self::RunFinished { run_id, .. } => *run_id,
        }
    }
}

/// The bus: cheap to clone, shared by the pipeline and every listener.
#[derive(Clone)]
pub struct ProgressBus {
    sender: broadcast::Sender<ProgressEvent>,
}

impl Default for ProgressBus {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(BUS_CAPACITY).0,
        }
    }
}

impl ProgressBus {
    /// Publishes without waiting; with no listener the event is simply not kept.
    pub fn publish(&self, event: ProgressEvent) {
        let _ = self.sender.send(event);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<ProgressEvent> {
        self.sender.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(run_id: Uuid) -> ProgressEvent {
        ProgressEvent::RunFinished {
            run_id,
            status: "success".into(),
            duration_seconds: 0.0,
        }
    }

    #[tokio::test]
    async fn a_lagging_listener_is_told_and_never_blocks_the_publisher() {
        let bus = ProgressBus::default();
        let mut slow = bus.subscribe();
        let run_id = Uuid::new_v4();
        for _ in 0..BUS_CAPACITY + 10 {
            bus.publish(finished(run_id)); // never waits for `slow`
        }
        assert!(matches!(
            slow.recv().await,
            Err(broadcast::error::RecvError::Lagged(10))
        ));
        assert_eq!(slow.recv().await.unwrap().run_id(), run_id);
    }

    #[test]
    fn events_serialise_with_their_kind() {
        let run_id = Uuid::nil();
        let json = serde_json::to_value(finished(run_id)).unwrap();
        assert_eq!(json["event"], "run_finished");
        assert_eq!(json["status"], "success");
    }
}
