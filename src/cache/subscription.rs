//! A Redis pub/sub channel followed for as long as the process wants it: subscribed again after
//! every lost connection, with a pause that grows while Redis stays away.

use std::time::Duration;

use redis::aio::PubSubStream;
use tokio_util::sync::CancellationToken;

/// First pause before subscribing again; it doubles up to `MAX_BACKOFF` while attempts fail.
const MIN_BACKOFF: Duration = Duration::from_millis(250);
/// Longest pause between two attempts, and longest wait for one.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

pub struct RedisSubscription {
    client: redis::Client,
    channel: String,
    shutdown: CancellationToken,
    backoff: Duration,
    subscribed_before: bool,
}

impl RedisSubscription {
    pub fn new(client: redis::Client, channel: String, shutdown: CancellationToken) -> Self {
        Self {
            client,
            channel,
            shutdown,
            backoff: MIN_BACKOFF,
            subscribed_before: false,
        }
    }

    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The channel's messages from a new subscription — at once the first time, after a pause
    /// when an earlier one was lost — or `None` once the process shuts down.
    pub async fn next(&mut self) -> Option<PubSubStream> {
        if self.subscribed_before {
            self.pause().await?;
        }
        loop {
            let attempt = tokio::select! {
                () = self.shutdown.cancelled() => return None,
                attempt = tokio::time::timeout(MAX_BACKOFF, async {
                    let mut pubsub = self.client.get_async_pubsub().await?;
                    pubsub.subscribe(&self.channel).await?;
                    Ok::<_, redis::RedisError>(pubsub)
                }) => attempt,
            };
            match attempt {
                Ok(Ok(pubsub)) => {
                    self.backoff = MIN_BACKOFF;
                    self.subscribed_before = true;
                    return Some(pubsub.into_on_message());
                }
                Ok(Err(error)) => {
                    tracing::warn!(channel = self.channel, %error, "cannot subscribe")
                }
                Err(_) => {
                    tracing::warn!(channel = self.channel, "cannot subscribe: Redis timed out")
                }
            }
            self.pause().await?;
            self.backoff = (self.backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// Waits out the current backoff; `None` when shut down meanwhile.
    async fn pause(&self) -> Option<()> {
        tokio::select! {
            () = self.shutdown.cancelled() => None,
            () = tokio::time::sleep(self.backoff) => Some(()),
        }
    }
}
