//! Subscriptions over websocket, in both protocols (graphql-transport-ws and the legacy
//! subscriptions-transport-ws, which calls itself `graphql-ws`). The caller authenticates in
//! the `connection_init` payload (`{"Authorization": "Bearer …"}`); the server pings every
//! `KEEPALIVE` so proxies keep idle connections open and dead peers are noticed.

use std::{future, str::FromStr, sync::Arc, time::Duration};

use async_graphql::{
    Data,
    futures_util::{SinkExt, StreamExt},
    http::{ALL_WEBSOCKET_PROTOCOLS, WebSocket, WebSocketProtocols, WsMessage},
};
use axum::{
    extract::{
        State,
        ws::{CloseFrame, Message, WebSocket as Socket, WebSocketUpgrade},
    },
    http::{HeaderMap, StatusCode, header::SEC_WEBSOCKET_PROTOCOL},
    response::{IntoResponse, Response},
};

use super::guard::Caller;
use crate::serve::AppState;

const KEEPALIVE: Duration = Duration::from_secs(15);
/// The close code of a server going away (RFC 6455 §7.4.1).
const GOING_AWAY: u16 = 1001;

/// `GET /graphql/ws`.
pub async fn websocket(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    upgrade: WebSocketUpgrade,
) -> Response {
    let protocol = headers
        .get(SEC_WEBSOCKET_PROTOCOL)
        .and_then(|value| value.to_str().ok())
        .and_then(|offered| {
            offered
                .split(',')
                .find_map(|p| WebSocketProtocols::from_str(p.trim()).ok())
        });
    let Some(protocol) = protocol else {
        return (
            StatusCode::BAD_REQUEST,
            "offer the graphql-transport-ws or graphql-ws websocket subprotocol",
        )
            .into_response();
    };
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .on_upgrade(move |socket| serve(socket, state, protocol))
}

async fn serve(socket: Socket, state: Arc<AppState>, protocol: WebSocketProtocols) {
    let (mut sink, stream) = socket.split();
    let input = stream
        .take_while(|message| future::ready(message.is_ok()))
        .filter_map(|message| {
            future::ready(match message {
                Ok(message @ (Message::Text(_) | Message::Binary(_))) => Some(message.into_data()),
                _ => None,
            })
        });
    let tokens = state.tokens.clone();
    let shutdown = state.shutdown.clone();
    let mut output = WebSocket::new(state.schema.clone(), input, protocol)
        .on_connection_init(move |payload| async move {
            let mut data = Data::default();
            data.insert(Caller::from_bearer(tokens.as_deref(), bearer(&payload)));
            Ok(data)
        })
        .map(|message| match message {
            WsMessage::Text(text) => Message::Text(text.into()),
            WsMessage::Close(code, reason) => Message::Close(Some(CloseFrame {
                code,
                reason: reason.into(),
            })),
        });
    let mut keepalive = tokio::time::interval(KEEPALIVE);
    keepalive.tick().await;
    loop {
        let message = tokio::select! {
            () = shutdown.cancelled() => {
                // Shutting down: tell the client, so it reconnects (to another replica).
                let _ = sink
                    .send(Message::Close(Some(CloseFrame {
                        code: GOING_AWAY,
                        reason: "server shutting down".into(),
                    })))
                    .await;
                break;
            }
            message = output.next() => match message {
                Some(message) => message,
                None => break,
            },
            _ = keepalive.tick() => {
                if protocol == WebSocketProtocols::SubscriptionsTransportWS
                    && sink.send(Message::Text(r#"{"type":"ka"}"#.into())).await.is_err()
                {
                    break;
                }
                Message::Ping(Default::default())
            }
        };
        if sink.send(message).await.is_err() {
            break;
        }
    }
}

/// The token in a `connection_init` payload: `Authorization`, `authorization` or `token`.
fn bearer(payload: &serde_json::Value) -> Option<&str> {
    ["Authorization", "authorization", "token"]
        .iter()
        .find_map(|key| payload.get(key)?.as_str())
}
