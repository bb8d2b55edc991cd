//! After the raw loads, the aux layer and the marts the run touched are rebuilt (DOMAIN §7.6),
//! with an execution-log row and a progress event per step.

use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use super::{Pipeline, ProgressEvent, bookkeeping};
use crate::{
    tables::{self, TableSpec},
    transform::{self, Scope, StepReport},
};

/// The look-back that widens a rebuild: the fact tables' (calendario's long look-back exists to
/// re-read closing dates, not to widen rebuilds).
fn rebuild_lookback(pipeline: &Pipeline, loaded: &[&'static TableSpec]) -> u32 {
    loaded
        .iter()
        .filter(|t| t.incremental.is_some() && t.name != tables::CALENDARIO.name)
        .map(|t| super::plan::settings(t, &pipeline.config).lookback_days)
        .max()
        .unwrap_or(0)
}

async fn affected_scope(
    pipeline: &Pipeline,
    loaded: &[&'static TableSpec],
    today: chrono::NaiveDate,
) -> Result<Scope, sea_orm::DbErr> {
    // No run has made the marts current yet (the first run, or every run since failed): every
    // raw row may be new to them, and the full rebuild builds them all at once, where the
    // incremental path reads every row as touched and looks each change up on its own.
    let Some(since) = bookkeeping::marts_current_as_of(&pipeline.db).await? else {
        return Ok(Scope::everything());
    };
    transform::affected_scope(
        &pipeline.db,
        since,
        rebuild_lookback(pipeline, loaded),
        today,
    )
    .await
}

/// Rebuilds `scope`, or when `None`, what the raw changes since the marts were last current
/// affected.
pub async fn run(
    pipeline: &Pipeline,
    run_id: Uuid,
    execution_type: &str,
    scope: Option<Scope>,
    loaded: &[&'static TableSpec],
) -> Result<TransformReport, String> {
    let started = Instant::now();
    let today = pipeline.source.today();
    let scope = match scope {
        Some(scope) => scope,
        None => affected_scope(pipeline, loaded, today)
            .await
            .map_err(|e| format!("transform: {e}"))?,
    };
    // The campaign list can run to hundreds of names: the log gets its size, not the list.
    tracing::info!(
        campaigns = scope.campaigns.as_ref().map_or("all".to_owned(), |c| c.len().to_string()),
        from = ?scope.from,
        to = ?scope.to,
        "rebuilding the aux layer and the marts"
    );
    match transform::build(&pipeline.db, &scope, today).await {
        Ok(steps) => {
            let logged = bookkeeping::log_steps(
                &pipeline.db,
                run_id,
                execution_type,
                steps
                    .iter()
                    .map(|step| (pipeline_of(step.step), step, None)),
            )
            .await;
            if let Err(error) = logged {
                tracing::warn!(%error, "could not log the transform steps");
            }
            for step in &steps {
                pipeline.bus.publish(ProgressEvent::StageFinished {
                    run_id,
                    stage: format!("transform:{}", step.step),
                    rows: step.rows,
                    duration_seconds: step.seconds,
                });
            }
            Ok(TransformReport {
                scope: Some(scope),
                steps,
                seconds: started.elapsed().as_secs_f64(),
            })
        }
        Err(error) => {
            let message = error.to_string();
            let failed = StepReport {
                step: "transform",
                rows: 0,
                seconds: 0.0,
            };
            let _ = bookkeeping::log_steps(
                &pipeline.db,
                run_id,
                execution_type,
                [(bookkeeping::MART_PIPELINE, &failed, Some(message.clone()))],
            )
            .await;
            pipeline.bus.publish(ProgressEvent::StageFailed {
                run_id,
                stage: "transform".into(),
                error: message.clone(),
            });
            Err(message)
        }
    }
}

/// `aux_build` for the aux tables, `mart_build` for the marts (DOMAIN §6's pipeline names).
fn pipeline_of(step: &str) -> &'static str {
    if step.starts_with("aux_") {
        bookkeeping::AUX_PIPELINE
    } else {
        bookkeeping::MART_PIPELINE
    }
}

/// What a transform stage rebuilt, and its wall time.
#[derive(Debug, Default)]
pub struct TransformReport {
    /// The scope rebuilt; `None` when the stage did not run.
    pub scope: Option<Scope>,
    pub steps: Vec<StepReport>,
    pub seconds: f64,
}

/// When a step finished, give or take: reports carry durations, the log wants instants.
pub fn started_before(seconds: f64) -> DateTime<Utc> {
    Utc::now() - Duration::milliseconds((seconds * 1000.0) as i64)
}
