//! `GET /health` (the process is alive) and `GET /ready` (it can serve: database reachable,
//! migrations current; a cache outage only degrades it, since resolvers fail open).

use std::sync::Arc;

use axum::{Json, extract::State, http::StatusCode};
use serde::Serialize;

use super::AppState;
use crate::database;

pub async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

#[derive(Serialize)]
pub struct Readiness {
    /// `ready`, `degraded` (cache down: still serving) or `not_ready`.
    status: &'static str,
    database: Component,
    cache: Component,
    /// `hypertables`, `plain`, `not_applicable`, or `unknown` before migrations ran.
    timescaledb: &'static str,
    migrations: Migrations,
}

#[derive(Serialize)]
struct Component {
    kind: &'static str,
    ok: bool,
}

#[derive(Serialize)]
struct Migrations {
    current: bool,
    applied: usize,
    pending: usize,
}

pub async fn ready(State(state): State<Arc<AppState>>) -> (StatusCode, Json<Readiness>) {
    let db = &state.db;
    let (db_ping, cache_ping, migrations) = tokio::join!(
        db.ping(),
        state.views.backend().ping(),
        database::migration_state(db)
    );
    if let Err(error) = &db_ping {
        tracing::warn!(%error, "readiness: database unreachable");
    }
    if let Err(error) = &cache_ping {
        tracing::warn!(%error, "readiness: cache unreachable");
    }
    let migrations = migrations.ok();
    let timescaledb = match database::timescale_mode(db).await {
        Ok(Some(mode)) => mode.as_str(),
        _ => "unknown",
    };

    let current = migrations.is_some_and(|m| m.pending == 0);
    let status = match (db_ping.is_ok() && current, cache_ping.is_ok()) {
        (false, _) => "not_ready",
        (true, false) => "degraded",
        (true, true) => "ready",
    };
    let code = if status == "not_ready" {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    let readiness = Readiness {
        status,
        database: Component {
            kind: database::engine_name(db),
            ok: db_ping.is_ok(),
        },
        cache: Component {
            kind: state.views.backend().kind(),
            ok: cache_ping.is_ok(),
        },
        timescaledb,
        migrations: Migrations {
            current,
            applied: migrations.map_or(0, |m| m.applied),
            pending: migrations.map_or(0, |m| m.pending),
        },
    };
    (code, Json(readiness))
}
