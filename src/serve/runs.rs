//! Runs started through the API: in the background, one at a time per process. A run asked
//! for while another is going returns the running one's id instead of loading twice; when a
//! run ends, the cache generation moves so no reader sees the marts of before it.

use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::{
    cache::ViewCache,
    pipeline::{Pipeline, RunRequest},
};

/// What a request to run got: a new run, or the one already going.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RunHandle {
    pub run_id: Uuid,
    pub already_running: bool,
}

struct ActiveRun {
    id: Uuid,
    cancel: CancellationToken,
}

pub struct Runs {
    pipeline: Pipeline,
    views: Arc<ViewCache>,
    active: Mutex<Option<ActiveRun>>,
}

impl Runs {
    pub fn new(pipeline: Pipeline, views: Arc<ViewCache>) -> Arc<Self> {
        Arc::new(Self {
            pipeline,
            views,
            active: Mutex::default(),
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
    pub fn start(self: &Arc<Self>, mut request: RunRequest) -> RunHandle {
        let mut active = self.active.lock().expect("runs lock");
        if let Some(run) = active.as_ref() {
            return RunHandle {
                run_id: run.id,
                already_running: true,
            };
        }
        let run_id = Uuid::new_v4();
        request.run_id = Some(run_id);
        *active = Some(ActiveRun {
            id: run_id,
            cancel: request.cancel.clone(),
        });
        drop(active);

        let runs = Arc::clone(self);
        tokio::spawn(async move {
            match runs.pipeline.run(request).await {
                Ok(report) => {
                    tracing::info!(%run_id, status = report.status.as_str(), "run finished")
                }
                Err(error) => tracing::error!(%run_id, %error, "run could not be recorded"),
            }
            runs.views.bump_generation().await;
            runs.active.lock().expect("runs lock").take();
        });
        RunHandle {
            run_id,
            already_running: false,
        }
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
}
