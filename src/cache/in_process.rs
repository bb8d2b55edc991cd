//! The embedded mode's cache: lives and dies with the process, so it is always reachable. Also
//! the store of each Redis replica's near copy. Bounded: past `CAPACITY` entries or `BUDGET`
//! bytes of values, expired entries are dropped first, then those closest to expiring.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use super::{Cache, CacheError, generation_key};

const CAPACITY: usize = 10_000;
/// Bytes of values kept at most, so that a run of large answers cannot take the process's
/// memory; a value larger than this on its own is not kept.
const BUDGET: usize = 256 * 1024 * 1024;

pub struct InProcessCache {
    entries: Mutex<Entries>,
    generation: AtomicU64,
    capacity: usize,
    budget: usize,
}

impl Default for InProcessCache {
    fn default() -> Self {
        Self::bounded(CAPACITY, BUDGET)
    }
}

impl InProcessCache {
    fn bounded(capacity: usize, budget: usize) -> Self {
        Self {
            entries: Mutex::default(),
            generation: AtomicU64::new(0),
            capacity,
            budget,
        }
    }

    /// Moves to `generation` exactly — backwards too, when Redis lost its data — dropping the
    /// entries of the generation left.
    pub(super) fn follow(&self, generation: u64) {
        self.move_to(|_| generation);
    }

    /// Moves forward to `generation`, unless already there or past it.
    pub(super) fn advance(&self, generation: u64) {
        self.move_to(|current| current.max(generation));
    }

    fn move_to(&self, target: impl FnOnce(u64) -> u64) {
        let mut entries = self.entries.lock().expect("cache lock");
        let current = self.generation.load(Ordering::SeqCst);
        let generation = target(current);
        if generation != current {
            entries.clear();
            self.generation.store(generation, Ordering::SeqCst);
        }
    }
}

/// The values by key, with their expiry, and the bytes they hold.
#[derive(Default)]
struct Entries {
    values: HashMap<String, (Vec<u8>, Instant)>,
    bytes: usize,
}

impl Entries {
    fn clear(&mut self) {
        self.values.clear();
        self.bytes = 0;
    }

    fn insert(&mut self, key: String, value: Vec<u8>, expires: Instant) {
        self.bytes += value.len();
        if let Some((replaced, _)) = self.values.insert(key, (value, expires)) {
            self.bytes -= replaced.len();
        }
    }

    fn remove(&mut self, key: &str) {
        if let Some((removed, _)) = self.values.remove(key) {
            self.bytes -= removed.len();
        }
    }

    /// Makes room for one more value of `incoming` bytes.
    fn make_room(&mut self, incoming: usize, capacity: usize, budget: usize) {
        let full = |e: &Self| e.values.len() >= capacity || e.bytes + incoming > budget;
        if !full(self) {
            return;
        }
        let now = Instant::now();
        self.values.retain(|_, (_, expires)| *expires > now);
        self.bytes = self.values.values().map(|(value, _)| value.len()).sum();
        while full(self)
            && let Some(soonest) = self
                .values
                .iter()
                .min_by_key(|(_, (_, expires))| *expires)
                .map(|(key, _)| key.clone())
        {
            self.remove(&soonest);
        }
    }
}

#[async_trait::async_trait]
impl Cache for InProcessCache {
    fn kind(&self) -> &'static str {
        "in-process"
    }

    async fn ping(&self) -> Result<(), CacheError> {
        Ok(())
    }

    async fn get_current(&self, key: &str) -> Result<(u64, Option<Vec<u8>>), CacheError> {
        let entries = self.entries.lock().expect("cache lock");
        // Read under the entries' lock: a bump (which clears them) cannot fall in between.
        let generation = self.generation.load(Ordering::SeqCst);
        let value = entries
            .values
            .get(&generation_key(key, generation))
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(value, _)| value.clone());
        Ok((generation, value))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
        if value.len() > self.budget {
            return Ok(());
        }
        let mut entries = self.entries.lock().expect("cache lock");
        entries.make_room(value.len(), self.capacity, self.budget);
        entries.insert(key.to_owned(), value.to_vec(), Instant::now() + ttl);
        Ok(())
    }

    async fn bump_generation(&self) -> Result<u64, CacheError> {
        // Entries of older generations can never be read again.
        let mut entries = self.entries.lock().expect("cache lock");
        entries.clear();
        Ok(self.generation.fetch_add(1, Ordering::SeqCst) + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn held(cache: &InProcessCache) -> Vec<&'static str> {
        let mut held = Vec::new();
        for key in ["a", "b", "c", "d"] {
            if cache.get_current(key).await.unwrap().1.is_some() {
                held.push(key);
            }
        }
        held
    }

    #[tokio::test]
    async fn past_its_byte_budget_the_entries_closest_to_expiring_go_first() {
        let cache = InProcessCache::bounded(100, 10);
        let set = |key: &str, bytes: usize, secs: u64| {
            let key = generation_key(key, 0);
            let cache = &cache;
            async move {
                cache
                    .set(&key, &vec![0; bytes], Duration::from_secs(secs))
                    .await
                    .unwrap()
            }
        };
        set("a", 4, 30).await;
        set("b", 4, 10).await;
        assert_eq!(held(&cache).await, ["a", "b"]);
        set("c", 4, 20).await;
        assert_eq!(held(&cache).await, ["a", "c"], "b expired soonest");
        set("d", 11, 60).await;
        assert_eq!(
            held(&cache).await,
            ["a", "c"],
            "larger than the budget: not kept"
        );
        set("d", 10, 60).await;
        assert_eq!(held(&cache).await, ["d"]);
        assert_eq!(cache.entries.lock().unwrap().bytes, 10);
    }

    #[tokio::test]
    async fn past_its_capacity_the_entry_closest_to_expiring_goes() {
        let cache = InProcessCache::bounded(2, 1_000);
        for (key, secs) in [("a", 30), ("b", 10), ("c", 20)] {
            let key = generation_key(key, 0);
            cache
                .set(&key, b"v", Duration::from_secs(secs))
                .await
                .unwrap();
        }
        assert_eq!(held(&cache).await, ["a", "c"]);
    }
}
