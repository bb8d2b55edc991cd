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
        self: &Arc<Self>,
        view: &str,
        args: &impl Serialize,
        load: F,
    ) -> Result<T, E>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let entry = entry_key(view, args);
        self.get_or_load_as::<Json<T>, E, _, _>(entry, || async { load().await.map(Json) })
            .await
            .map(|Json(value)| value)
    }

    /// [`Self::get_or_load`] for JSON text (a whole GraphQL answer) under an entry named
    /// beforehand with [`entry_key`]: stored and answered as it is, never parsed, so a hit
    /// costs a copy rather than a parse of the answer.
    pub async fn get_or_load_json<E, F, Fut>(
        self: &Arc<Self>,
        base: String,
        load: F,
    ) -> Result<String, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<String, E>>,
    {
        self.get_or_load_as::<JsonText, E, _, _>(base, || async { load().await.map(JsonText) })
            .await
            .map(|JsonText(text)| text)
    }

    /// The cached value of the entry `base`, or `load()`'s, stored for the next caller.
    ///
    /// A loaded value is written to the cache behind the answer, not before it: the caller
    /// does not wait for the write's round trip. Until the write has landed, the entry's
    /// flight keeps the value, so callers in between are answered from it rather than loading
    /// again.
    async fn get_or_load_as<T, E, F, Fut>(self: &Arc<Self>, base: String, load: F) -> Result<T, E>
    where
        T: Stored,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        let Some((generation, cached)) = self.available(self.cache.get_current(&base).await) else {
            return load().await;
        };
        let key = generation_key(&base, generation);
        if let Some(bytes) = cached {
            match T::from_bytes(bytes) {
                Ok(value) => {
                    self.stats.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(value);
                }
                // An entry written by another version of the API: replace it.
                Err(error) => tracing::debug!(%error, key, "unreadable cache entry"),
            }
        }

        let flight = {
            let mut flights = self.flights.lock().expect("flights lock");
            Arc::clone(flights.entry(key.clone()).or_default())
        };
        if let Some(bytes) = flight.get() {
            // Loaded a moment ago; its write to the cache is still under way.
            self.stats.hits.fetch_add(1, Ordering::Relaxed);
            return Ok(read_own(bytes));
        }
        self.stats.misses.fetch_add(1, Ordering::Relaxed);
        // The caller that runs the load keeps its value; the others read the flight's bytes.
        let mut own = None;
        let own_slot = &mut own;
        let loaded = flight
            .get_or_try_init(move || async move {
                self.stats.loads.fetch_add(1, Ordering::Relaxed);
                let value = load().await?;
                let bytes = value.to_bytes();
                *own_slot = Some(value);
                Ok(Arc::new(bytes))
            })
            .await
            .cloned();
        let bytes = match loaded {
            Ok(bytes) => bytes,
            Err(error) => {
                // Nothing to write: the next caller loads again.
                self.land(&key, &flight);
                return Err(error);
            }
        };
        match own {
            Some(value) => {
                let cache = Arc::clone(self);
                tokio::spawn(async move {
                    cache.available(cache.cache.set(&key, &bytes, cache.ttl).await);
                    cache.land(&key, &flight);
                });
                Ok(value)
            }
            None => Ok(read_own(&bytes)),
        }
    }

    /// Forgets `key`'s flight once its value is in the cache (or could not be loaded), unless a
    /// newer flight has replaced it.
    fn land(&self, key: &str, flight: &Flight) {
        let mut flights = self.flights.lock().expect("flights lock");
        if flights.get(key).is_some_and(|f| Arc::ptr_eq(f, flight)) {
            flights.remove(key);
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

/// How a value is kept in the cache: its bytes, and back.
trait Stored: Sized {
    fn to_bytes(&self) -> Vec<u8>;
    /// Fails on bytes another version of the API wrote.
    fn from_bytes(bytes: Vec<u8>) -> Result<Self, String>;
}

/// A view's value, kept as its JSON.
struct Json<T>(T);

impl<T: Serialize + DeserializeOwned> Stored for Json<T> {
    fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(&self.0).expect("view results serialise")
    }

    fn from_bytes(bytes: Vec<u8>) -> Result<Self, String> {
        serde_json::from_slice(&bytes)
            .map(Json)
            .map_err(|e| e.to_string())
    }
}

/// JSON text, kept as it is.
struct JsonText(String);

impl Stored for JsonText {
    fn to_bytes(&self) -> Vec<u8> {
        self.0.as_bytes().to_vec()
    }

    fn from_bytes(bytes: Vec<u8>) -> Result<Self, String> {
        String::from_utf8(bytes)
            .map(JsonText)
            .map_err(|e| e.to_string())
    }
}

/// A value this process stored, read back.
fn read_own<T: Stored>(bytes: &[u8]) -> T {
    T::from_bytes(bytes.to_vec()).expect("a value this process stored reads back")
}

/// The entry's name before its generation: the view and a digest of its normalised arguments.
pub fn entry_key(view: &str, args: &impl Serialize) -> String {
    let args = serde_json::to_vec(args).expect("view arguments serialise");
    let digest = Sha256::digest(&args);
    format!("view:{view}:{}", hex::encode(digest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::InProcessCache;

    fn cache() -> Arc<ViewCache> {
        Arc::new(ViewCache::new(
            Arc::new(InProcessCache::default()),
            Duration::from_secs(60),
        ))
    }

    #[tokio::test]
    async fn concurrent_misses_of_one_key_load_once() {
        let cache = cache();
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

    /// The in-process cache, with writes held until the test lets them through.
    struct HeldWrites {
        store: InProcessCache,
        gate: tokio::sync::Semaphore,
    }

    #[async_trait::async_trait]
    impl Cache for HeldWrites {
        fn kind(&self) -> &'static str {
            "held"
        }
        async fn ping(&self) -> Result<(), CacheError> {
            Ok(())
        }
        async fn get_current(&self, key: &str) -> Result<(u64, Option<Vec<u8>>), CacheError> {
            self.store.get_current(key).await
        }
        async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
            self.gate.acquire().await.expect("open gate").forget();
            self.store.set(key, value, ttl).await
        }
        async fn bump_generation(&self) -> Result<u64, CacheError> {
            self.store.bump_generation().await
        }
    }

    #[tokio::test]
    async fn an_answer_does_not_wait_for_its_write_and_is_not_loaded_twice_meanwhile() {
        let backend = Arc::new(HeldWrites {
            store: InProcessCache::default(),
            gate: tokio::sync::Semaphore::new(0),
        });
        let cache = Arc::new(ViewCache::new(backend.clone(), Duration::from_secs(60)));
        let load = |n: u32| move || async move { Ok::<_, ()>(n) };

        // Held writes would hold the answer too if it waited for its write.
        let first =
            tokio::time::timeout(Duration::from_secs(5), cache.get_or_load("v", &1, load(1)));
        assert_eq!(first.await, Ok(Ok(1)), "answered before the write");
        let key = entry_key("v", &1);
        assert_eq!(
            backend.get_current(&key).await.unwrap(),
            (0, None),
            "not written yet"
        );
        assert_eq!(
            cache.get_or_load("v", &1, load(2)).await,
            Ok(1),
            "from the flight"
        );

        backend.gate.add_permits(1);
        while !cache.flights.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        assert!(
            backend.get_current(&key).await.unwrap().1.is_some(),
            "written"
        );
        assert_eq!(
            cache.get_or_load("v", &1, load(3)).await,
            Ok(1),
            "from the cache"
        );
        let stats = &cache.stats;
        assert_eq!(
            [&stats.loads, &stats.misses, &stats.hits].map(|c| c.load(Ordering::SeqCst)),
            [1, 1, 2]
        );
    }

    #[tokio::test]
    async fn json_text_is_stored_and_answered_byte_for_byte() {
        let cache = cache();
        let answer = r#"{"data": {"x" :1}}"#.to_owned();
        let load = |text: String| move || async move { Ok::<_, ()>(text) };
        let first = cache.get_or_load_json("answer".into(), load(answer.clone()));
        assert_eq!(first.await, Ok(answer.clone()));
        while !cache.flights.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        let second = cache.get_or_load_json("answer".into(), load("other".into()));
        assert_eq!(second.await, Ok(answer), "from the cache, unparsed");
        assert_eq!(cache.stats.hits.load(Ordering::SeqCst), 1);
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
