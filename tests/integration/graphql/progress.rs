//! A refresh started by a mutation runs in the background; its progress streams over both
//! websocket protocols from the first event to `run_finished`.

use pulso::config::SecretUrl;
use serde_json::{Value, json};

use super::{
    WsClient, admin, assert_whole_run, data, start_refresh, synthetic_app, viewer, wait_for_idle,
};
use crate::harness::{Engine, on_both_engines};

const PROGRESS: &str = "subscription($id: ID!) { etlProgress(runId: $id) { kind runId table stage status rowsTotal } }";

on_both_engines!(a_refresh_streams_its_progress_from_start_to_finish);

async fn a_refresh_streams_its_progress_from_start_to_finish(engine: Engine) {
    let app = synthetic_app(engine, |_| {}).await;
    let mut client = WsClient::connect(&app, "graphql-transport-ws", Some(&viewer())).await;
    let run_id = start_refresh(&app).await;

    // Asked again while it runs: the same run, nothing started twice.
    let again = data(
        app.graphql(
            Some(&admin()),
            "mutation { refreshDashboard { runId alreadyRunning } }",
            json!({}),
        )
        .await,
    );
    assert_eq!(again["refreshDashboard"]["runId"], run_id.as_str());
    assert_eq!(again["refreshDashboard"]["alreadyRunning"], true);

    client
        .subscribe("1", PROGRESS, json!({ "id": run_id }))
        .await;
    let events = collect(&mut client).await;
    // Subscribing right after the start, the client may first get part of the run as a
    // snapshot; either way every table's end is seen, live or recorded.
    assert_whole_run(&events, &run_id);

    // A subscriber arriving after the end gets the recorded run and its end.
    let mut late = WsClient::connect(&app, "graphql-transport-ws", Some(&viewer())).await;
    late.subscribe("2", PROGRESS, json!({ "id": run_id })).await;
    let replay = collect(&mut late).await;
    assert!(
        replay
            .iter()
            .any(|e| e["kind"] == "snapshot" && e["table"] == "pagos")
    );
    assert_eq!(replay.last().unwrap()["kind"], "run_finished");
    wait_for_idle(&app).await;
}

on_both_engines!(the_legacy_protocol_streams_progress_too);

async fn the_legacy_protocol_streams_progress_too(engine: Engine) {
    let app = synthetic_app(engine, |_| {}).await;
    let mut client = WsClient::connect(&app, "graphql-ws", Some(&viewer())).await;
    let run_id = start_refresh(&app).await;
    client
        .subscribe("1", PROGRESS, json!({ "id": run_id }))
        .await;
    let events = collect(&mut client).await;
    assert_eq!(events.last().unwrap()["kind"], "run_finished");
    assert_eq!(events.last().unwrap()["status"], "success");
    wait_for_idle(&app).await;
}

/// Redis carries progress between replicas; without it a replica's own subscribers still see
/// its runs live, and the status queries (from the database) stay right.
#[tokio::test]
async fn local_subscribers_get_the_whole_run_while_redis_is_down() {
    let app = synthetic_app(Engine::Postgres, |config| {
        config.cache.redis_url = Some(SecretUrl::new("redis://127.0.0.1:1"));
        config.cache.timeout_ms = 100;
    })
    .await;
    let mut client = WsClient::connect(&app, "graphql-transport-ws", Some(&viewer())).await;
    let run_id = start_refresh(&app).await;
    client
        .subscribe("1", PROGRESS, json!({ "id": run_id }))
        .await;
    let events = collect(&mut client).await;
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "table_finished" || e["kind"] == "snapshot"),
        "{events:?}"
    );
    assert_eq!(events.last().unwrap()["kind"], "run_finished");
    assert_eq!(events.last().unwrap()["status"], "success");
    wait_for_idle(&app).await;
    let status = data(
        app.graphql(
            Some(&viewer()),
            "{ etlStatus { lastRun { runId status } } }",
            json!({}),
        )
        .await,
    );
    assert_eq!(status["etlStatus"]["lastRun"]["runId"], run_id.as_str());
    assert_eq!(status["etlStatus"]["lastRun"]["status"], "success");
    assert!(app.counter("pulso_progress_relay_errors_total").await > 0.0);
}

/// Every event until the subscription completes.
async fn collect(client: &mut WsClient) -> Vec<Value> {
    let mut events = Vec::new();
    while let Some(payload) = client.next_payload().await {
        let payload = data(payload);
        events.push(payload["etlProgress"].clone());
    }
    events
}
