//! Progress across replicas. The pipeline publishes on this process's bus; subscribers listen
//! to a *feed* bus that carries this process's events and, with Redis configured, every other
//! replica's, relayed through one Redis pub/sub channel per namespace.
//!
//! Local events reach the feed at once, whatever Redis does: they are copied to the feed by
//! one task and handed to a separate publisher (a bounded queue, dropped when full), so a slow
//! or dead Redis never delays or blocks local subscribers. Every message carries the replica
//! that produced it, and a replica ignores its own. One publisher connection per replica
//! publishes in bus order and Redis delivers one channel in publish order, so a subscriber on
//! any replica sees a run's events in the order they happened. Events lost while Redis is down
//! are not replayed; the subscription resolver falls back to the recorded state (PostgreSQL).
//!
//! Without Redis (the embedded mode) the feed is the local bus itself.

use std::{sync::Arc, time::Duration};

use async_graphql::futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast::error::RecvError, mpsc};
use tokio_util::sync::CancellationToken;

use super::Metrics;
use crate::{
    cache::RedisSubscription,
    config::CacheConfig,
    pipeline::{ProgressBus, ProgressEvent},
};

/// Events waiting for the Redis publisher; past this, new ones are dropped (and counted).
const OUTBOX: usize = 4096;

#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    /// The replica whose pipeline produced the event.
    origin: String,
    event: ProgressEvent,
}

/// The channel of a namespace's progress events.
pub fn channel(namespace: &str) -> String {
    format!("{namespace}:progress")
}

/// Starts relaying and returns the bus subscribers should listen to.
pub fn start(
    local: &ProgressBus,
    cache: &CacheConfig,
    replica: &str,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
) -> ProgressBus {
    let Some(url) = &cache.redis_url else {
        return local.clone();
    };
    let client = match redis::Client::open(url.expose()) {
        Ok(client) => client,
        Err(error) => {
            tracing::warn!(%url, kind = ?error.kind(), "progress relay off: invalid Redis URL");
            return local.clone();
        }
    };
    let feed = ProgressBus::default();
    let channel = channel(&cache.namespace);
    let (outbox, queued) = mpsc::channel(OUTBOX);
    tokio::spawn(forward(
        local.clone(),
        feed.clone(),
        outbox,
        replica.to_owned(),
        Arc::clone(&metrics),
    ));
    tokio::spawn(publish(
        client.clone(),
        channel.clone(),
        queued,
        cache.timeout(),
        Arc::clone(&metrics),
    ));
    tokio::spawn(receive(
        RedisSubscription::new(client, channel, shutdown.clone()),
        feed.clone(),
        replica.to_owned(),
        metrics,
        shutdown,
    ));
    feed
}

/// Local events: to the feed at once, and to the publisher's queue.
async fn forward(
    local: ProgressBus,
    feed: ProgressBus,
    outbox: mpsc::Sender<String>,
    replica: String,
    metrics: Arc<Metrics>,
) {
    let mut events = local.subscribe();
    loop {
        match events.recv().await {
            Ok(event) => {
                feed.publish(event.clone());
                let envelope = Envelope {
                    origin: replica.clone(),
                    event,
                };
                let message = serde_json::to_string(&envelope).expect("events serialise");
                if outbox.try_send(message).is_err() {
                    metrics.record_relay(Err(()));
                }
            }
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "progress relay fell behind the local bus");
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// Publishes queued events in order, each bounded by the cache timeout.
async fn publish(
    client: redis::Client,
    channel: String,
    mut queued: mpsc::Receiver<String>,
    timeout: Duration,
    metrics: Arc<Metrics>,
) {
    let mut connection: Option<ConnectionManager> = None;
    while let Some(message) = queued.recv().await {
        let sent = tokio::time::timeout(timeout, async {
            if connection.is_none() {
                let config = ConnectionManagerConfig::new()
                    .set_connection_timeout(Some(timeout))
                    .set_response_timeout(Some(timeout))
                    .set_number_of_retries(1);
                connection = Some(client.get_connection_manager_with_config(config).await?);
            }
            let connection = connection.as_mut().expect("connected above");
            redis::cmd("PUBLISH")
                .arg(&channel)
                .arg(&message)
                .query_async::<i64>(connection)
                .await
        })
        .await;
        match sent {
            Ok(Ok(_)) => metrics.record_relay(Ok(true)),
            Ok(Err(error)) => {
                metrics.record_relay(Err(()));
                tracing::debug!(%error, "progress event not relayed");
            }
            Err(_) => {
                metrics.record_relay(Err(()));
                tracing::debug!("progress event not relayed: Redis timed out");
            }
        }
    }
}

/// Other replicas' events, onto the feed; resubscribes with backoff when Redis goes away.
async fn receive(
    mut subscription: RedisSubscription,
    feed: ProgressBus,
    replica: String,
    metrics: Arc<Metrics>,
    shutdown: CancellationToken,
) {
    while let Some(mut messages) = subscription.next().await {
        let channel = subscription.channel();
        tracing::info!(channel, "relaying progress from other replicas");
        loop {
            let message = tokio::select! {
                () = shutdown.cancelled() => return,
                message = messages.next() => message,
            };
            let Some(message) = message else { break };
            let envelope = message
                .get_payload::<String>()
                .ok()
                .and_then(|payload| serde_json::from_str::<Envelope>(&payload).ok());
            match envelope {
                Some(envelope) if envelope.origin == replica => {}
                Some(envelope) => {
                    metrics.record_relay(Ok(false));
                    feed.publish(envelope.event);
                }
                None => tracing::debug!("unreadable progress message ignored"),
            }
        }
        tracing::warn!(channel, "progress relay disconnected from Redis");
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn envelopes_round_trip() {
        let event = ProgressEvent::BatchLoaded {
            run_id: Uuid::new_v4(),
            table: "pagos".into(),
            rows: 10,
            rows_total: 20,
            inserted_total: 5,
            updated_total: 1,
            rejected_total: 0,
            rows_per_second: 2.5,
        };
        let text = serde_json::to_string(&Envelope {
            origin: "a".into(),
            event: event.clone(),
        })
        .unwrap();
        let back: Envelope = serde_json::from_str(&text).unwrap();
        assert_eq!((back.origin.as_str(), back.event), ("a", event));
    }
}
