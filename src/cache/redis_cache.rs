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
    /// Prefix of every key, so several deployments can share one Redis.
    namespace: String,
}

impl RedisCache {
    pub fn new(url: &SecretUrl, timeout: Duration, namespace: &str) -> Result<Self, CacheError> {
        let client = redis::Client::open(url.expose()).map_err(|e| {
            CacheError::Unavailable(format!("invalid Redis URL {url}: {:?}", e.kind()))
        })?;
        Ok(Self {
            client,
            connection: OnceCell::new(),
            timeout,
            namespace: namespace.to_owned(),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.namespace)
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

    async fn get_current(&self, key: &str) -> Result<(u64, Option<Vec<u8>>), CacheError> {
        let (generation, value): (Option<u64>, Option<Vec<u8>>) = self
            .run(
                redis::cmd("EVAL")
                    .arg(GET_CURRENT)
                    .arg(1)
                    .arg(self.key(GENERATION_KEY))
                    .arg(self.key(key)),
            )
            .await?;
        Ok((generation.unwrap_or(0), value))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
        let seconds = ttl.as_secs().max(1);
        self.run::<()>(
            redis::cmd("SET")
                .arg(self.key(key))
                .arg(value)
                .arg("EX")
                .arg(seconds),
        )
        .await
    }

    async fn bump_generation(&self) -> Result<u64, CacheError> {
        self.run(redis::cmd("INCR").arg(self.key(GENERATION_KEY)))
            .await
    }
}

/// Shared by every replica using this Redis and namespace.
const GENERATION_KEY: &str = "generation";

/// The generation and the entry at it, in one round trip (`generation_key`'s layout). A
/// missing entry is Lua `false`, which keeps the reply two long (a nil would end it).
const GET_CURRENT: &str = "local g = redis.call('GET', KEYS[1]) or '0' \
     return {g, redis.call('GET', ARGV[1] .. ':g' .. g)}";
