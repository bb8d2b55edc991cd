//! Runs started through the API or the scheduler: in the background, one at a time per
//! process. A run asked for while another is going returns the running one's id instead of
//! loading twice; when a run ends, the cache generation moves so no reader sees the marts of
//! before it. While a run lives, its run row's heartbeat moves every `heartbeat` even between
//! batches, so only a dead process's runs ever look stale. On shutdown no new run starts and
//! the running one is cancelled after its batch in flight (`stop`).

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{
    cache::ViewCache,
    pipeline::{Pipeline, RunRequest, bookkeeping},
};

/// What a request to run got: a new run, or the one already going.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunHandle {
    pub run_id: Uuid,
    pub already_running: bool,
}

/// Why no run was started.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("the server is shutting down and starts no new runs; retry on another replica")]
    ShuttingDown,
}

struct ActiveRun {
    id: Uuid,
    cancel: CancellationToken,
}

pub struct Runs {
    pipeline: Pipeline,
    views: Arc<ViewCache>,
    active: Mutex<Option<ActiveRun>>,
    /// How often a running run's liveness heartbeat moves.
    heartbeat: Duration,
    stopping: CancellationToken,
    /// True while no run is going.
    idle: watch::Sender<bool>,
}

impl Runs {
    pub fn new(pipeline: Pipeline, views: Arc<ViewCache>, heartbeat: Duration) -> Arc<Self> {
        Arc::new(Self {
            pipeline,
            views,
            active: Mutex::default(),
            heartbeat,
            stopping: CancellationToken::new(),
            idle: watch::Sender::new(true),
        })
    }

    pub fn pipeline(&self) -> &Pipeline {
        &self.pipeline
    }

    /// The id of the run going on in this process, if any.
    pub fn active(&self) -> Option<Uuid> {
        self.active
            .lock()
            .expect("runs lock")
            .as_ref()
            .map(|run| run.id)
    }

    /// Starts `request` in the background and returns its id at once.
    pub fn start(self: &Arc<Self>, mut request: RunRequest) -> Result<RunHandle, Refused> {
        let mut active = self.active.lock().expect("runs lock");
        if self.stopping.is_cancelled() {
            return Err(Refused::ShuttingDown);
        }
        if let Some(run) = active.as_ref() {
            return Ok(RunHandle {
                run_id: run.id,
                already_running: true,
            });
        }
        let run_id = Uuid::new_v4();
        request.run_id = Some(run_id);
        *active = Some(ActiveRun {
            id: run_id,
            cancel: request.cancel.clone(),
        });
        self.idle.send_replace(false);
        drop(active);

        let runs = Arc::clone(self);
        tokio::spawn(async move {
            let alive = tokio::spawn(heartbeat(
                runs.pipeline.db().clone(),
                run_id,
                runs.heartbeat,
            ));
            match runs.pipeline.run(request).await {
                Ok(report) => {
                    tracing::info!(%run_id, status = report.status.as_str(), "run finished")
                }
                Err(error) => tracing::error!(%run_id, %error, "run could not be recorded"),
            }
            alive.abort();
            runs.views.bump_generation().await;
            runs.active.lock().expect("runs lock").take();
            runs.idle.send_replace(true);
        });
        Ok(RunHandle {
            run_id,
            already_running: false,
        })
    }

    /// Asks the run `id` to stop after its batch in flight; false when it is not running here.
    pub fn cancel(&self, id: Uuid) -> bool {
        match self.active.lock().expect("runs lock").as_ref() {
            Some(run) if run.id == id => {
                run.cancel.cancel();
                true
            }
            _ => false,
        }
    }

    /// Graceful stop: refuses new runs, cancels the running one (its batch in flight commits
    /// or rolls back; the watermark stays consistent) and waits for it to be recorded, for at
    /// most `grace`. True when no run is left going.
    pub async fn stop(&self, grace: Duration) -> bool {
        self.stopping.cancel();
        if let Some(run) = self.active.lock().expect("runs lock").as_ref() {
            tracing::info!(run_id = %run.id, "shutting down: cancelling the running run");
            run.cancel.cancel();
        }
        let mut idle = self.idle.subscribe();
        tokio::time::timeout(grace, idle.wait_for(|idle| *idle))
            .await
            .is_ok()
    }

    /// True once `stop` was called.
    pub fn stopping(&self) -> bool {
        self.stopping.is_cancelled()
    }
}

/// Moves the run row's heartbeat until aborted.
async fn heartbeat(db: sea_orm::DatabaseConnection, run_id: Uuid, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(error) = bookkeeping::touch_run(&db, run_id).await {
            tracing::warn!(%run_id, %error, "run heartbeat failed");
        }
    }
}
