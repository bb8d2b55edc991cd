//! Redis, through one multiplexed connection that reconnects by itself. The connection is made
//! on first use rather than at start-up, so the API starts (degraded) while Redis is down.

use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;

use super::{Cache, CacheError};
use crate::config::SecretUrl;

pub struct RedisCache {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    timeout: Duration,
}

impl RedisCache {
    pub fn new(url: &SecretUrl, timeout: Duration) -> Result<Self, CacheError> {
        let client = redis::Client::open(url.expose()).map_err(|e| {
            CacheError::Unavailable(format!("invalid Redis URL {url}: {:?}", e.kind()))
        })?;
        Ok(Self {
            client,
            connection: OnceCell::new(),
            timeout,
        })
    }

    /// Runs one command within the timeout, connecting first if needed.
    async fn run<T: redis::FromRedisValue>(&self, command: &redis::Cmd) -> Result<T, CacheError> {
        let call = async {
            let connection = self
                .connection
                .get_or_try_init(|| {
                    let config = ConnectionManagerConfig::new()
                        .set_connection_timeout(Some(self.timeout))
                        .set_response_timeout(Some(self.timeout))
                        .set_number_of_retries(1);
                    self.client.get_connection_manager_with_config(config)
                })
                .await?;
            command.query_async::<T>(&mut connection.clone()).await
        };
        match tokio::time::timeout(self.timeout, call).await {
            Ok(result) => result.map_err(|e| CacheError::Unavailable(e.to_string())),
            Err(_) => Err(CacheError::Timeout),
        }
    }
}

#[async_trait::async_trait]
impl Cache for RedisCache {
    fn kind(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> Result<(), CacheError> {
        self.run::<String>(&redis::cmd("PING")).await.map(drop)
    }
}
