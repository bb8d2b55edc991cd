//! Cache-aside for the dashboard views: key = view + normalised arguments + data generation.
//! Concurrent misses of one key run the query once (single flight). Any cache failure is
//! counted and then ignored: the view is answered from the database, and the cache is left
//! alone for a short cool-down so a dead Redis costs one timeout, not one per request.

use std::{
    collections::HashMap,
    future::Future,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use serde::{Serialize, de::DeserializeOwned};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::{Cache, CacheError, generation_key};

/// How long the cache is bypassed after it failed.
const COOL_DOWN: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
pub struct CacheStats {
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    pub errors: AtomicU64,
    /// Queries run against the database on behalf of the cache (one per single flight).
    pub loads: AtomicU64,
}

type Flight = Arc<OnceCell<Arc<Vec<u8>>>>;

pub struct ViewCache {
    cache: Arc<dyn Cache>,
    ttl: Duration,
    flights: Mutex<HashMap<String, Flight>>,
    bypass_until: Mutex<Option<Instant>>,
    pub stats: CacheStats,
}

impl ViewCache {
    pub fn new(cache: Arc<dyn Cache>, ttl: Duration) -> Self {
        Self {
            cache,
            ttl,
            flights: Mutex::default(),
            bypass_until: Mutex::default(),
            stats: CacheStats::default(),
        }
    }

    pub fn backend(&self) -> &Arc<dyn Cache> {
        &self.cache
    }

    /// The cached value of `view(args)`, or `load()`'s, stored for the next caller.
    pub async fn get_or_load<T, E, F, Fut>(
        &self,
        view: &str,
        args: &impl Serialize,
        load: F,
    ) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        self.get_or_load_at(entry_key(view, args), load).await
    }

    /// [`Self::get_or_load`] for an entry named beforehand with [`entry_key`] (so that the
    /// arguments it was named from need not outlive the load).
    pub async fn get_or_load_at<T, E, F, Fut>(&self, base: String, load: F) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let Some((generation, cached)) = self.available(self.cache.get_current(&base).await) else {
            return load().await;
        };
        let key = generation_key(&base, generation);
        if let Some(bytes) = cached {
            match serde_json::from_slice(&bytes) {
                Ok(value) => {
                    self.stats.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(value);
                }
                // An entry written by another version of the API: replace it.
                Err(error) => tracing::debug!(%error, key, "unreadable cache entry"),
            }
        }
        self.stats.misses.fetch_add(1, Ordering::Relaxed);

        let flight = {
            let mut flights = self.flights.lock().expect("flights lock");
            Arc::clone(flights.entry(key.clone()).or_default())
        };
        // The caller that runs the load keeps its value; the others read the flight's bytes.
        let mut own = None;
        let (own_slot, entry) = (&mut own, &key);
        let loaded = flight
            .get_or_try_init(move || async move {
                self.stats.loads.fetch_add(1, Ordering::Relaxed);
                let value = load().await?;
                let bytes = serde_json::to_vec(&value).expect("view results serialise");
                self.available(self.cache.set(entry, &bytes, self.ttl).await);
                *own_slot = Some(value);
                Ok(Arc::new(bytes))
            })
            .await
            .cloned();
        {
            let mut flights = self.flights.lock().expect("flights lock");
            if flights.get(&key).is_some_and(|f| Arc::ptr_eq(f, &flight)) {
                flights.remove(&key);
            }
        }
        let bytes = loaded?;
        match own {
            Some(value) => Ok(value),
            None => {
                Ok(serde_json::from_slice(&bytes)
                    .expect("a value this process serialised reads back"))
            }
        }
    }

    /// Publishes new mart rows to every reader: entries of older generations are never read
    /// again. A failure is logged; the TTL then bounds how long stale entries can live.
    pub async fn bump_generation(&self) {
        match self.cache.bump_generation().await {
            Ok(generation) => tracing::debug!(generation, "cache generation bumped"),
            Err(error) => {
                self.stats.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%error, "could not bump the cache generation");
            }
        }
    }

    /// `Some(value)` when the cache answered; `None` (counted, logged, cool-down started) when
    /// it failed or is cooling down.
    fn available<V>(&self, outcome: Result<V, CacheError>) -> Option<V> {
        let mut bypass = self.bypass_until.lock().expect("bypass lock");
        if bypass.is_some_and(|until| Instant::now() < until) {
            return None;
        }
        match outcome {
            Ok(value) => {
                *bypass = None;
                Some(value)
            }
            Err(error) => {
                self.stats.errors.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(%error, "cache unavailable; answering from the database");
                *bypass = Some(Instant::now() + COOL_DOWN);
                None
            }
        }
    }
}

/// The entry's name before its generation: the view and a digest of its normalised arguments.
pub fn entry_key(view: &str, args: &impl Serialize) -> String {
    let args = serde_json::to_vec(args).expect("view arguments serialise");
    let digest = Sha256::digest(&args);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("view:{view}:{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::InProcessCache;

    fn cache() -> ViewCache {
        ViewCache::new(Arc::new(InProcessCache::default()), Duration::from_secs(60))
    }

    #[tokio::test]
    async fn concurrent_misses_of_one_key_load_once() {
        let cache = Arc::new(cache());
        let calls = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (cache, calls) = (Arc::clone(&cache), Arc::clone(&calls));
                tokio::spawn(async move {
                    cache
                        .get_or_load("v", &("same", 1), || async {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Ok::<_, ()>(42_u32)
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.unwrap(), Ok(42));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_new_generation_is_never_served_an_old_entry() {
        let cache = cache();
        let first: Result<u32, ()> = cache.get_or_load("v", &1, || async { Ok(1) }).await;
        let cached: Result<u32, ()> = cache.get_or_load("v", &1, || async { Ok(2) }).await;
        cache.bump_generation().await;
        let fresh: Result<u32, ()> = cache.get_or_load("v", &1, || async { Ok(3) }).await;
        assert_eq!((first, cached, fresh), (Ok(1), Ok(1), Ok(3)));
        assert_eq!(cache.stats.hits.load(Ordering::SeqCst), 1);
    }
}
