//! The resolver cache, behind one trait: Redis in production, an in-process store in the
//! embedded mode. Every call is bounded by a short timeout, so a slow cache behaves like an
//! absent one and the API keeps answering from the database (fail-open).
//!
//! Entries are keyed by the *data generation*: a counter bumped once whenever a run publishes
//! new mart rows. Readers put the current generation into every key, so after a refresh no
//! stale entry is ever read again; the TTL only reclaims the space of old generations. Since an
//! entry never changes within its generation, each Redis replica also keeps a near copy of the
//! current generation's entries, told of every bump through pub/sub (see `redis_cache`).

mod in_process;
mod redis_cache;
mod subscription;
mod views;
mod written;

use std::{sync::Arc, time::Duration};

pub use in_process::InProcessCache;
pub use redis_cache::RedisCache;
pub use subscription::RedisSubscription;
pub use views::{CacheStats, ViewCache, entry_key};

use crate::config::CacheConfig;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cache call timed out")]
    Timeout,
    #[error("cache unavailable: {0}")]
    Unavailable(String),
}

#[async_trait::async_trait]
pub trait Cache: Send + Sync {
    /// `in-process` or `redis`, as readiness reports it.
    fn kind(&self) -> &'static str;
    /// Answers when the cache can serve requests.
    async fn ping(&self) -> Result<(), CacheError>;
    /// The current data generation (0 before the first bump) and the entry `key` holds at it,
    /// read together (in at most one round trip). Entries live under
    /// `generation_key(key, generation)`.
    async fn get_current(&self, key: &str) -> Result<(u64, Option<Vec<u8>>), CacheError>;
    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError>;
    /// Moves every reader to a new generation: one atomic increment.
    async fn bump_generation(&self) -> Result<u64, CacheError>;
}

/// Where the entry `key` of `generation` is stored.
pub fn generation_key(key: &str, generation: u64) -> String {
    format!("{key}:g{generation}")
}

/// The generation a `generation_key` name is of.
fn generation_of(entry: &str) -> Option<u64> {
    entry.rsplit_once(":g")?.1.parse().ok()
}

/// The cache the configuration asks for.
pub fn from_config(config: &CacheConfig) -> Result<Arc<dyn Cache>, CacheError> {
    Ok(match &config.redis_url {
        Some(url) => Arc::new(RedisCache::new(url, config.timeout(), &config.namespace)?),
        None => Arc::new(InProcessCache::default()),
    })
}
