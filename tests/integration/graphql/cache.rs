//! Cache-aside views: a repeated query is a hit; a run moves the data generation so the next
//! query reads the database; with Redis down every query is still answered.

use pulso::config::SecretUrl;
use serde_json::json;
use uuid::Uuid;

use super::{admin, codes, data, start_refresh, synthetic_app, viewer, wait_for_idle};
use crate::harness::{Engine, on_both_engines, redis_url};

const DASHBOARD: &str =
    r#"{ dashboard(fechaCorte: "2025-06-05") { total { cuentas deudaAsig } } }"#;

on_both_engines!(a_repeated_query_is_a_hit_until_a_run_publishes);

/// PostgreSQL runs with the real Redis (in a namespace of its own), SQLite with the
/// in-process cache: the same behaviour behind the same trait.
async fn a_repeated_query_is_a_hit_until_a_run_publishes(engine: Engine) {
    let app = synthetic_app(engine, |config| {
        if engine == Engine::Postgres {
            config.cache.redis_url = Some(SecretUrl::new(redis_url()));
            config.cache.namespace = format!("pulso-test-{}", Uuid::new_v4().simple());
        }
    })
    .await;
    start_refresh(&app).await;
    wait_for_idle(&app).await;
    let token = viewer();

    let first = data(app.graphql(Some(&token), DASHBOARD, json!({})).await);
    let deuda = first["dashboard"]["total"]["deudaAsig"].as_f64().unwrap();
    assert!(
        first["dashboard"]["total"]["cuentas"].as_i64().unwrap() > 0,
        "{first}"
    );
    let (hits, misses) = (
        app.counter("pulso_cache_hits_total").await,
        app.counter("pulso_cache_misses_total").await,
    );
    let second = data(app.graphql(Some(&token), DASHBOARD, json!({})).await);
    assert_eq!(second, first);
    assert_eq!(app.counter("pulso_cache_hits_total").await, hits + 1.0);
    assert_eq!(app.counter("pulso_cache_misses_total").await, misses);

    // The marts change behind the cache's back: the cached answer stands…
    let conn = app.db.connect().await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &conn,
        "UPDATE dashboard_data SET deuda_asig = deuda_asig + 1000 WHERE fecha_foto = '2025-06-05'",
    )
    .await
    .unwrap();
    let cached = data(app.graphql(Some(&token), DASHBOARD, json!({})).await);
    assert_eq!(cached, first);

    // …until a run ends and moves the generation (a homologation reload does not rebuild
    // 2025-06-05, so the query must now see the changed rows).
    data(
        app.graphql(
            Some(&admin()),
            r#"mutation { refreshTable(name: "homologacion_voicebot", force: true) { runId } }"#,
            json!({}),
        )
        .await,
    );
    wait_for_idle(&app).await;
    let fresh = data(app.graphql(Some(&token), DASHBOARD, json!({})).await);
    assert!(
        fresh["dashboard"]["total"]["deudaAsig"].as_f64().unwrap() > deuda,
        "{fresh}"
    );
}

on_both_engines!(only_view_answers_are_stored_and_only_for_their_role);

/// A view-only query's whole answer is stored: the repeat is one hit and no view lookup. It is
/// served only to a caller whose token carries the same role; a query that also asks for live
/// ETL state is executed every time.
async fn only_view_answers_are_stored_and_only_for_their_role(engine: Engine) {
    let app = synthetic_app(engine, |_| {}).await;
    start_refresh(&app).await;
    wait_for_idle(&app).await;
    let hits = || app.counter("pulso_cache_hits_total");
    let misses = || app.counter("pulso_cache_misses_total");

    let first = data(app.graphql(Some(&viewer()), DASHBOARD, json!({})).await);
    let (h, m) = (hits().await, misses().await);
    let again = data(app.graphql(Some(&viewer()), DASHBOARD, json!({})).await);
    assert_eq!(again, first);
    assert_eq!(
        (hits().await, misses().await),
        (h + 1.0, m),
        "one hit, the answer"
    );

    // No token: not the stored answer but the error.
    let anonymous = app.graphql(None, DASHBOARD, json!({})).await;
    assert_eq!(codes(&anonymous), ["UNAUTHENTICATED"], "{anonymous}");

    // Another role: its own entry (a miss of the answer, then a hit of the view).
    let (h, m) = (hits().await, misses().await);
    let as_admin = data(app.graphql(Some(&admin()), DASHBOARD, json!({})).await);
    assert_eq!(as_admin, first);
    assert_eq!((hits().await, misses().await), (h + 1.0, m + 1.0));

    // Views and live state together: never stored, so the repeat misses the answer (and is
    // executed, its view a hit).
    let mixed = r#"{ dashboard(fechaCorte: "2025-06-05") { total { cuentas } } etlStatus { activeRunId } }"#;
    let first_mixed = data(app.graphql(Some(&viewer()), mixed, json!({})).await);
    let (h, m) = (hits().await, misses().await);
    let again_mixed = data(app.graphql(Some(&viewer()), mixed, json!({})).await);
    assert_eq!(again_mixed, first_mixed);
    assert_eq!((hits().await, misses().await), (h + 1.0, m + 1.0));
}

on_both_engines!(queries_are_answered_while_redis_is_down);

async fn queries_are_answered_while_redis_is_down(engine: Engine) {
    // Nothing listens on port 1: every cache call fails fast, as with a stopped Redis.
    let app = synthetic_app(engine, |config| {
        config.cache.redis_url = Some(SecretUrl::new("redis://127.0.0.1:1"));
    })
    .await;
    start_refresh(&app).await;
    wait_for_idle(&app).await;
    for _ in 0..3 {
        let answered = data(app.graphql(Some(&viewer()), DASHBOARD, json!({})).await);
        assert!(answered["dashboard"]["total"]["cuentas"].as_i64().unwrap() > 0);
    }
    assert!(app.counter("pulso_cache_errors_total").await >= 1.0);
    let ready: serde_json::Value = app.get("/ready").await.json().await.unwrap();
    assert_eq!(ready["status"], "degraded", "{ready}");
}
