//! `/health` and `/ready` over HTTP, with the in-process cache, real Redis, and Redis down.

use serde_json::Value;

use crate::harness::{Engine, on_both_engines, redis_url, spawn_app};

on_both_engines!(health_and_readiness, not_ready_while_migrations_are_pending);

async fn health_and_readiness(engine: Engine) {
    let app = spawn_app(engine, |_| {}).await;

    let health = app.get("/health").await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.json::<Value>().await.unwrap()["status"], "ok");

    let ready = app.get("/ready").await;
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    let (kind, timescale) = match engine {
        Engine::Sqlite => ("sqlite", "not_applicable"),
        Engine::Postgres => ("postgres", "plain"),
    };
    assert_eq!(
        body["database"],
        serde_json::json!({ "kind": kind, "ok": true })
    );
    assert_eq!(
        body["cache"],
        serde_json::json!({ "kind": "in-process", "ok": true })
    );
    assert_eq!(body["timescaledb"], timescale);
    assert_eq!(
        body["migrations"],
        serde_json::json!({ "current": true, "applied": 15, "pending": 0 })
    );
}

async fn not_ready_while_migrations_are_pending(engine: Engine) {
    let app = spawn_app(engine, |config| config.server.auto_migrate = false).await;

    let ready = app.get("/ready").await;
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "not_ready");
    assert_eq!(
        body["migrations"],
        serde_json::json!({ "current": false, "applied": 0, "pending": 15 })
    );
    // Liveness does not depend on the schema.
    assert_eq!(app.get("/health").await.status(), 200);
}

#[tokio::test]
async fn ready_with_redis() {
    let app = spawn_app(Engine::Postgres, |config| {
        config.cache.redis_url = Some(pulso::config::SecretUrl::new(redis_url()));
    })
    .await;

    let body: Value = app.get("/ready").await.json().await.unwrap();
    assert_eq!(body["status"], "ready");
    assert_eq!(
        body["cache"],
        serde_json::json!({ "kind": "redis", "ok": true })
    );
}

#[tokio::test]
async fn degraded_but_serving_when_redis_is_unreachable() {
    let app = spawn_app(Engine::Postgres, |config| {
        // Nothing listens on port 1: the cache is down, the service must still answer.
        config.cache.redis_url = Some(pulso::config::SecretUrl::new("redis://127.0.0.1:1"));
    })
    .await;

    let ready = app.get("/ready").await;
    assert_eq!(ready.status(), 200);
    let body: Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "degraded");
    assert_eq!(
        body["cache"],
        serde_json::json!({ "kind": "redis", "ok": false })
    );
    assert_eq!(body["database"]["ok"], true);
}
