//! The embedded mode's cache: lives and dies with the process, so it is always reachable.
//! Bounded: past `CAPACITY` entries, expired ones are dropped first, then the oldest.

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

#[derive(Default)]
pub struct InProcessCache {
    entries: Mutex<HashMap<String, (Vec<u8>, Instant)>>,
    generation: AtomicU64,
}

impl InProcessCache {
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
            .get(&generation_key(key, generation))
            .filter(|(_, expires)| *expires > Instant::now())
            .map(|(value, _)| value.clone());
        Ok((generation, value))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
        let mut entries = self.entries.lock().expect("cache lock");
        if entries.len() >= CAPACITY {
            let now = Instant::now();
            entries.retain(|_, (_, expires)| *expires > now);
            if entries.len() >= CAPACITY
                && let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, (_, expires))| *expires)
                    .map(|(key, _)| key.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(key.to_owned(), (value.to_vec(), Instant::now() + ttl));
        Ok(())
    }

    async fn bump_generation(&self) -> Result<u64, CacheError> {
        // Entries of older generations can never be read again.
        let mut entries = self.entries.lock().expect("cache lock");
        entries.clear();
        Ok(self.generation.fetch_add(1, Ordering::SeqCst) + 1)
    }
}
