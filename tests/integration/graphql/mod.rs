//! The GraphQL API end to end: over HTTP and websocket, against a served app with its own
//! database (both engines) and, where it matters, the real Redis.

mod auth;
mod cache;
mod errors;
mod etl;
mod progress;
mod schema_file;
mod views;

use std::time::Duration;

use async_graphql::futures_util::{SinkExt, StreamExt};
use pulso::{auth::Role, config::Config};
use serde_json::{Value, json};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::{
    etl::{day, etl_config, evening},
    harness::{Engine, TestApp, spawn_app, token},
};

/// An app serving a small synthetic month (150 accounts, the source's today 2025-06-12).
pub async fn synthetic_app(engine: Engine, customize: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app(engine, |config| {
        config.source.synthetic.start = Some(day(1));
        config.source.synthetic.months = 1;
        config.source.synthetic.accounts_per_month = 150;
        config.source.synthetic.as_of = Some(evening(12));
        config.etl = etl_config();
        customize(config);
    })
    .await
}

pub fn viewer() -> String {
    token(Role::Viewer)
}

pub fn admin() -> String {
    token(Role::Admin)
}

/// The `extensions.code` of each error of a response.
pub fn codes(response: &Value) -> Vec<String> {
    response["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `response.data`, failing the test with the errors when there are any.
pub fn data(response: Value) -> Value {
    assert!(response.get("errors").is_none(), "{response:#}");
    response["data"].clone()
}

/// Starts a dashboard refresh as admin and returns its run id.
pub async fn start_refresh(app: &TestApp) -> String {
    let started = data(
        app.graphql(
            Some(&admin()),
            "mutation { refreshDashboard(force: true) { runId alreadyRunning } }",
            json!({}),
        )
        .await,
    );
    started["refreshDashboard"]["runId"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The tables whose end a progress stream showed: live (`table_finished`) or in a snapshot
/// of the recorded state.
fn tables_ended(events: &[Value]) -> std::collections::BTreeSet<&str> {
    events
        .iter()
        .filter(|e| {
            e["kind"] == "table_finished"
                || (e["kind"] == "snapshot"
                    && e["stage"] == "raw_extraction"
                    && e["status"] != "running")
        })
        .map(|e| e["table"].as_str().unwrap())
        .collect()
}

/// The checks a complete progress stream of `run_id` passes: only its events, ending in a
/// successful `run_finished`, every table's end seen (live or in a snapshot) and the dashboard
/// mart's build announced. Returns the events' kinds for further checks.
pub fn assert_whole_run<'a>(events: &'a [Value], run_id: &str) -> Vec<&'a str> {
    let kinds: Vec<&str> = events.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert!(events.iter().all(|e| e["runId"] == run_id));
    assert_eq!(kinds.last(), Some(&"run_finished"), "{kinds:?}");
    assert_eq!(events.last().unwrap()["status"], "success");
    assert_eq!(tables_ended(events).len(), 9, "{kinds:?}");
    assert!(
        events
            .iter()
            .any(|e| e["kind"] == "stage_finished" && e["stage"] == "transform:dashboard_data"),
        "{kinds:?}"
    );
    kinds
}

/// Waits until no run is active (the refresh started by the test has ended).
pub async fn wait_for_idle(app: &TestApp) {
    for _ in 0..600 {
        let status = data(
            app.graphql(Some(&viewer()), "{ etlStatus { activeRunId } }", json!({}))
                .await,
        );
        if status["etlStatus"]["activeRunId"].is_null() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the run did not finish within a minute");
}

/// A websocket GraphQL client speaking either protocol.
pub struct WsClient {
    socket: WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>,
    legacy: bool,
}

impl WsClient {
    /// Connects with `protocol` (`graphql-transport-ws` or the legacy `graphql-ws`) and
    /// sends `connection_init` with the token, if any.
    pub async fn connect(app: &TestApp, protocol: &str, token: Option<&str>) -> Self {
        let mut request = app.ws_url().into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_str(protocol).unwrap(),
        );
        let (socket, response) = connect_async(request).await.expect("websocket connects");
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            protocol,
            "the server speaks the protocol offered"
        );
        let mut client = Self {
            socket,
            legacy: protocol == "graphql-ws",
        };
        let payload = token.map_or(
            json!({}),
            |t| json!({ "Authorization": format!("Bearer {t}") }),
        );
        client
            .send(json!({ "type": "connection_init", "payload": payload }))
            .await;
        let ack = client.next_message().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        client
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("send");
    }

    /// The next protocol message (keep-alives skipped), within ten seconds.
    pub async fn next_message(&mut self) -> Value {
        loop {
            let message = tokio::time::timeout(Duration::from_secs(10), self.socket.next())
                .await
                .expect("a message within 10 s")
                .expect("the socket is open")
                .expect("a frame");
            if let Message::Text(text) = message {
                let value: Value = serde_json::from_str(&text).expect("JSON message");
                if value["type"] != "ka" {
                    return value;
                }
            }
        }
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.legacy { "start" } else { "subscribe" };
        self.send(json!({ "id": id, "type": kind, "payload": { "query": query, "variables": variables } }))
            .await;
    }

    /// The next `next`/`data` payload, or `None` when the subscription completed.
    pub async fn next_payload(&mut self) -> Option<Value> {
        let message = self.next_message().await;
        match message["type"].as_str() {
            Some("next" | "data") => Some(message["payload"].clone()),
            Some("complete") => None,
            Some("error") => Some(json!({ "errors": message["payload"] })),
            _ => panic!("unexpected message {message}"),
        }
    }
}
