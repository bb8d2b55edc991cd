//! The auth matrix: no token / viewer / admin × query / mutation / subscription.

use serde_json::json;

use super::{WsClient, admin, codes, synthetic_app, viewer};
use crate::harness::{Engine, on_both_engines};

on_both_engines!(queries_need_a_viewer_and_mutations_an_admin);

async fn queries_need_a_viewer_and_mutations_an_admin(engine: Engine) {
    let app = synthetic_app(engine, |_| {}).await;
    let query = "{ etlStatus { tables { tableName status } } }";
    let mutation = "mutation { cleanupStale { tables logRows } }";
    let (viewer, admin) = (viewer(), admin());
    let forged = format!("{}x", &admin[..admin.len() - 1]);
    for (token, expected_query, expected_mutation) in [
        (None, "UNAUTHENTICATED", "UNAUTHENTICATED"),
        (Some(forged.as_str()), "UNAUTHENTICATED", "UNAUTHENTICATED"),
        (Some(viewer.as_str()), "", "FORBIDDEN"),
        (Some(admin.as_str()), "", ""),
    ] {
        let answered = app.graphql(token, query, json!({})).await;
        assert_eq!(codes(&answered).join(","), expected_query, "{answered}");
        if expected_query.is_empty() {
            assert_eq!(
                answered["data"]["etlStatus"]["tables"]
                    .as_array()
                    .unwrap()
                    .len(),
                9
            );
        }
        let answered = app.graphql(token, mutation, json!({})).await;
        assert_eq!(codes(&answered).join(","), expected_mutation, "{answered}");
        if expected_mutation.is_empty() {
            assert_eq!(answered["data"]["cleanupStale"]["tables"], 0);
        }
    }
}

on_both_engines!(subscriptions_authenticate_in_connection_init);

async fn subscriptions_authenticate_in_connection_init(engine: Engine) {
    let app = synthetic_app(engine, |_| {}).await;
    let unknown_run = uuid::Uuid::new_v4().to_string();
    let subscription = "subscription($id: ID!) { etlProgress(runId: $id) { kind } }";
    for (token, expected) in [
        (None, "UNAUTHENTICATED"),
        (Some(viewer()), "NOT_FOUND"),
        (Some(admin()), "NOT_FOUND"),
    ] {
        let mut client = WsClient::connect(&app, "graphql-transport-ws", token.as_deref()).await;
        client
            .subscribe("1", subscription, json!({ "id": unknown_run }))
            .await;
        let payload = client.next_payload().await.expect("an answer");
        assert_eq!(codes(&payload), [expected], "{payload}");
    }
}
