//! The resolver cache, behind one trait: Redis in production, an in-process store in the
//! embedded mode. Every call is bounded by a short timeout, so a slow cache behaves like an
//! absent one and the API keeps answering from the database (fail-open).

mod in_process;
mod redis_cache;

use std::sync::Arc;

pub use in_process::InProcessCache;
pub use redis_cache::RedisCache;

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
}

/// The cache the configuration asks for.
pub fn from_config(config: &CacheConfig) -> Result<Arc<dyn Cache>, CacheError> {
    Ok(match &config.redis_url {
        Some(url) => Arc::new(RedisCache::new(url, config.timeout())?),
        None => Arc::new(InProcessCache),
    })
}
