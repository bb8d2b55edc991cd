//! Redis, through one multiplexed connection that reconnects by itself. The connection is made
//! on first use rather than at start-up, so the API starts (degraded) while Redis is down.
//!
//! A repeated read costs no round trip: each replica keeps a *near copy* of the current
//! generation's entries. A bump is an INCR and a PUBLISH of the new generation in one script,
//! so a replica subscribed to the namespace's announcement channel learns of every bump as soon
//! as Redis delivers it, and an entry never changes within its generation. Every write is
//! announced on the same channel (a SET and a PUBLISH of the entry's name in one script), so a
//! miss of an entry nobody announced costs no round trip either (see `written`). The near copy
//! is used only while that subscription stands and Redis answers a heartbeat; the rest of the
//! time every read goes to Redis.

use std::{
    sync::{
        Arc, Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use async_graphql::futures_util::StreamExt;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use tokio::sync::OnceCell;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::{
    Cache, CacheError, InProcessCache, RedisSubscription, generation_key, generation_of,
    written::Written,
};
use crate::config::SecretUrl;

/// How often the watcher checks that Redis still answers.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// How long one answered heartbeat vouches for the near copy: a watcher that stops checking
/// (Redis silent, the task starved) stops the copy from being read within this time.
const LEASE: Duration = Duration::from_secs(3);
/// How long an entry read from Redis is kept near. Entries never change within a generation,
/// so this only bounds memory between bumps.
const NEAR_TTL: Duration = Duration::from_secs(60);

pub struct RedisCache {
    redis: Arc<Redis>,
    near: Arc<Near>,
    /// The watcher, started by the first read; dropping the cache stops it.
    watcher: OnceLock<DropGuard>,
}

impl RedisCache {
    pub fn new(url: &SecretUrl, timeout: Duration, namespace: &str) -> Result<Self, CacheError> {
        let client = redis::Client::open(url.expose()).map_err(|e| {
            CacheError::Unavailable(format!("invalid Redis URL {url}: {:?}", e.kind()))
        })?;
        Ok(Self {
            redis: Arc::new(Redis {
                client,
                connection: OnceCell::new(),
                timeout,
                namespace: namespace.to_owned(),
            }),
            near: Arc::new(Near::new()),
            watcher: OnceLock::new(),
        })
    }

    /// Reads answered from this replica's near copy, without a round trip to Redis.
    pub fn near_hits(&self) -> u64 {
        self.near.hits.load(Ordering::Relaxed)
    }

    /// Misses answered without a round trip: no replica announced a write of the entry.
    pub fn known_misses(&self) -> u64 {
        self.near.known_misses.load(Ordering::Relaxed)
    }

    fn start_watcher(&self) {
        self.watcher.get_or_init(|| {
            let stop = CancellationToken::new();
            tokio::spawn(watch(
                Arc::clone(&self.redis),
                Arc::clone(&self.near),
                stop.clone(),
            ));
            stop.drop_guard()
        });
    }
}

#[async_trait::async_trait]
impl Cache for RedisCache {
    fn kind(&self) -> &'static str {
        "redis"
    }

    async fn ping(&self) -> Result<(), CacheError> {
        self.redis
            .run::<String>(&redis::cmd("PING"))
            .await
            .map(drop)
    }

    async fn get_current(&self, key: &str) -> Result<(u64, Option<Vec<u8>>), CacheError> {
        self.start_watcher();
        if self.near.trusted() {
            let (generation, near) = self.near.entries.get_current(key).await?;
            if near.is_some() {
                self.near.hits.fetch_add(1, Ordering::Relaxed);
                return Ok((generation, near));
            }
            let entry = generation_key(key, generation);
            if self.near.written().absent(generation, &entry) {
                self.near.known_misses.fetch_add(1, Ordering::Relaxed);
                return Ok((generation, None));
            }
            let value: Option<Vec<u8>> = self
                .redis
                .run(redis::cmd("GET").arg(self.redis.key(&entry)))
                .await?;
            if let Some(value) = &value {
                self.near.entries.set(&entry, value, NEAR_TTL).await?;
            }
            return Ok((generation, value));
        }
        let (generation, value): (Option<u64>, Option<Vec<u8>>) =
            self.redis.on_generation(GET_CURRENT, key).await?;
        Ok((generation.unwrap_or(0), value))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), CacheError> {
        let seconds = ttl.as_secs().max(1);
        self.redis
            .run::<()>(
                redis::cmd("EVAL")
                    .arg(SET_ANNOUNCED)
                    .arg(2)
                    .arg(self.redis.key(key))
                    .arg(self.redis.key(ANNOUNCEMENTS))
                    .arg(value)
                    .arg(seconds)
                    .arg(format!("{WRITE_PREFIX}{key}")),
            )
            .await?;
        self.near.entries.set(key, value, ttl).await
    }

    async fn bump_generation(&self) -> Result<u64, CacheError> {
        let generation = self.redis.on_generation(BUMP, ANNOUNCEMENTS).await?;
        // In force here at once, before this replica's own message comes back.
        self.near.entries.advance(generation);
        self.near.written().begin(generation);
        Ok(generation)
    }
}

/// The connection and the namespace, shared with the watcher.
struct Redis {
    client: redis::Client,
    connection: OnceCell<ConnectionManager>,
    timeout: Duration,
    /// Prefix of every key and channel, so several deployments can share one Redis.
    namespace: String,
}

impl Redis {
    fn key(&self, key: &str) -> String {
        format!("{}:{key}", self.namespace)
    }

    /// Runs a script on the generation (`KEYS[1]`) and one other name of the namespace
    /// (`ARGV[1]`).
    async fn on_generation<T: redis::FromRedisValue>(
        &self,
        script: &str,
        name: &str,
    ) -> Result<T, CacheError> {
        self.run(
            redis::cmd("EVAL")
                .arg(script)
                .arg(1)
                .arg(self.key(GENERATION_KEY))
                .arg(self.key(name)),
        )
        .await
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

/// This replica's copy of the current generation and of the entries read or written at it.
struct Near {
    entries: InProcessCache,
    /// The entries Redis holds at the copy's generation, as far as announcements tell.
    written: Mutex<Written>,
    /// Start of the clock `trusted_until` counts on.
    clock: Instant,
    /// Milliseconds on `clock` until which the copy's generation is known current; 0 when it
    /// is not.
    trusted_until: AtomicU64,
    hits: AtomicU64,
    known_misses: AtomicU64,
}

impl Near {
    fn new() -> Self {
        Self {
            entries: InProcessCache::default(),
            written: Mutex::default(),
            clock: Instant::now(),
            trusted_until: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            known_misses: AtomicU64::new(0),
        }
    }

    fn written(&self) -> std::sync::MutexGuard<'_, Written> {
        self.written.lock().expect("written lock")
    }

    fn now(&self) -> u64 {
        self.clock.elapsed().as_millis() as u64
    }

    fn trusted(&self) -> bool {
        self.now() < self.trusted_until.load(Ordering::Acquire)
    }

    fn trust(&self) {
        let until = self.now() + LEASE.as_millis() as u64;
        self.trusted_until.store(until, Ordering::Release);
    }

    fn distrust(&self) {
        self.trusted_until.store(0, Ordering::Release);
    }
}

/// Keeps the near copy's generation current while subscribed to the announcement channel, and
/// withdraws it whenever the subscription or Redis is lost.
async fn watch(redis: Arc<Redis>, near: Arc<Near>, stop: CancellationToken) {
    let mut subscription =
        RedisSubscription::new(redis.client.clone(), redis.key(ANNOUNCEMENTS), stop.clone());
    while let Some(mut bumps) = subscription.next().await {
        // Read once subscribed: every bump from here on also arrives as a message.
        let mut announced = match redis
            .run::<Option<u64>>(redis::cmd("GET").arg(redis.key(GENERATION_KEY)))
            .await
        {
            Ok(generation) => generation.unwrap_or(0),
            Err(error) => {
                tracing::warn!(%error, "near cache off: cannot read the generation");
                continue;
            }
        };
        near.entries.follow(announced);
        // Entries may have been written at it before this subscription.
        near.written().join(announced);
        near.trust();
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        heartbeat.tick().await;
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                message = bumps.next() => match message.map(|m| m.get_payload::<String>()) {
                    Some(Ok(payload)) => match Announcement::read(&payload) {
                        // Bumps come in order. One above the last moves the copy forward
                        // (unless this replica's own bump got there first); one not above it
                        // means Redis lost the count and started again, so the copy follows.
                        Some(Announcement::Bump(generation)) => {
                            if generation > announced {
                                near.entries.advance(generation);
                                near.written().begin(generation);
                            } else {
                                near.entries.follow(generation);
                                near.written().join(generation);
                            }
                            announced = generation;
                        }
                        Some(Announcement::Write { generation, entry }) => {
                            near.written().record(generation, entry);
                        }
                        None => tracing::debug!(payload, "unreadable announcement ignored"),
                    },
                    Some(Err(_)) => tracing::debug!("unreadable announcement ignored"),
                    None => break,
                },
                _ = heartbeat.tick() => match redis.run::<String>(&redis::cmd("PING")).await {
                    Ok(_) => near.trust(),
                    Err(error) => {
                        tracing::warn!(%error, "near cache off: Redis does not answer");
                        break;
                    }
                },
            }
        }
        near.distrust();
        tracing::warn!(
            channel = subscription.channel(),
            "near cache off until subscribed again"
        );
    }
}

/// Shared by every replica using this Redis and namespace.
const GENERATION_KEY: &str = "generation";
/// Where every bump announces the new generation (its number) and every write its entry
/// (`WRITE_PREFIX` and the entry's name): one channel, so they arrive in the order Redis ran
/// them. Named for the bumps, which it carried first.
const ANNOUNCEMENTS: &str = "generation-bumps";
const WRITE_PREFIX: &str = "set ";

/// A message on the announcement channel.
#[derive(Debug, PartialEq)]
enum Announcement<'a> {
    Bump(u64),
    Write { generation: u64, entry: &'a str },
}

impl<'a> Announcement<'a> {
    fn read(payload: &'a str) -> Option<Self> {
        match payload.strip_prefix(WRITE_PREFIX) {
            Some(entry) => Some(Self::Write {
                generation: generation_of(entry)?,
                entry,
            }),
            None => payload.parse().ok().map(Self::Bump),
        }
    }
}

/// The generation and the entry at it, in one round trip (`generation_key`'s layout). A
/// missing entry is Lua `false`, which keeps the reply two long (a nil would end it).
const GET_CURRENT: &str = "local g = redis.call('GET', KEYS[1]) or '0' \
     return {g, redis.call('GET', ARGV[1] .. ':g' .. g)}";

/// One increment, announced in the same atomic step: subscribers see bumps in order.
const BUMP: &str = "local g = redis.call('INCR', KEYS[1]) \
     redis.call('PUBLISH', ARGV[1], g) return g";

/// One write (`KEYS[1]` = `ARGV[1]` for `ARGV[2]` seconds), announced (`ARGV[3]` on channel
/// `KEYS[2]`) in the same atomic step, after any bump that preceded it.
const SET_ANNOUNCED: &str = "redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) \
     redis.call('PUBLISH', KEYS[2], ARGV[3])";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn announcements_are_bumps_or_writes() {
        assert_eq!(Announcement::read("7"), Some(Announcement::Bump(7)));
        assert_eq!(
            Announcement::read("set view:dashboard:ab12:g7"),
            Some(Announcement::Write {
                generation: 7,
                entry: "view:dashboard:ab12:g7"
            })
        );
        assert_eq!(Announcement::read("set view:dashboard:ab12"), None);
        assert_eq!(Announcement::read("seven"), None);
    }
}
