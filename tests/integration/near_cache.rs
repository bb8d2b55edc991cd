//! The Redis cache's near copy, against the real Redis: a replica answers a repeated read
//! without a round trip, moves on when another replica's bump reaches it, sees its own bump at
//! once, and follows Redis back down when Redis lost its count.

use std::time::{Duration, Instant};

use pulso::{
    cache::{Cache, RedisCache, generation_key},
    config::SecretUrl,
};
use uuid::Uuid;

use crate::harness::redis_url;

const PATIENCE: Duration = Duration::from_secs(10);
const TTL: Duration = Duration::from_secs(60);

fn replica(namespace: &str) -> RedisCache {
    RedisCache::new(
        &SecretUrl::new(redis_url()),
        Duration::from_secs(1),
        namespace,
    )
    .unwrap()
}

type Read = (u64, Option<Vec<u8>>);

async fn redis() -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis_url())
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

/// Deletes the namespace's generation count, as a flush of Redis would.
async fn forget_generation(redis: &mut redis::aio::MultiplexedConnection, namespace: &str) {
    redis::cmd("DEL")
        .arg(format!("{namespace}:generation"))
        .exec_async(redis)
        .await
        .unwrap();
}

/// Reads `key` until what it reads satisfies `done`.
async fn read_until(cache: &RedisCache, key: &str, done: impl Fn(&Read) -> bool) -> Read {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let read = cache.get_current(key).await.unwrap();
        if done(&read) {
            return read;
        }
        assert!(Instant::now() < deadline, "still reading {read:?}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn a_replica_reads_near_until_a_bump_reaches_it() {
    let namespace = format!("pulso-test-{}", Uuid::new_v4().simple());
    let (a, b) = (replica(&namespace), replica(&namespace));
    b.set(&generation_key("k", 0), b"zero", TTL).await.unwrap();

    // Once a's watcher is subscribed, the entry b wrote is read from Redis once, then near.
    read_until(&a, "k", |_| a.near_hits() > 0).await;
    let hits = a.near_hits();
    assert_eq!(
        a.get_current("k").await.unwrap(),
        (0, Some(b"zero".to_vec()))
    );
    assert_eq!(a.near_hits(), hits + 1, "read near");

    // Another replica's bump: a moves on as soon as the announcement arrives.
    assert_eq!(b.bump_generation().await.unwrap(), 1);
    assert_eq!(read_until(&a, "k", |(g, _)| *g == 1).await, (1, None));

    // Its own bump is in force at once, before its announcement comes back.
    assert_eq!(a.bump_generation().await.unwrap(), 2);
    assert_eq!(a.get_current("k").await.unwrap(), (2, None));
    a.set(&generation_key("k", 2), b"two", TTL).await.unwrap();
    let hits = a.near_hits();
    assert_eq!(
        a.get_current("k").await.unwrap(),
        (2, Some(b"two".to_vec()))
    );
    assert_eq!(a.near_hits(), hits + 1, "its own write is near");

    // Redis loses the count (as on a flush): the next bump is 1 again, and a follows it down
    // instead of serving generation 2's entries on.
    let mut redis = redis().await;
    forget_generation(&mut redis, &namespace).await;
    assert_eq!(b.bump_generation().await.unwrap(), 1);
    assert_eq!(read_until(&a, "k", |(g, _)| *g == 1).await, (1, None));
    forget_generation(&mut redis, &namespace).await;
}

#[tokio::test]
async fn a_miss_asks_redis_only_when_a_write_of_the_entry_may_have_been_missed() {
    let namespace = format!("pulso-test-{}", Uuid::new_v4().simple());
    let (a, b) = (replica(&namespace), replica(&namespace));
    let mut redis = redis().await;
    // Written without an announcement, as before a replica subscribed.
    let unannounced = |key: &str| {
        redis::cmd("SET")
            .arg(format!("{namespace}:{key}"))
            .arg(key)
            .arg("EX")
            .arg(60)
            .to_owned()
    };
    for key in ["k:g0", "j:g0"] {
        unannounced(key).exec_async(&mut redis).await.unwrap();
    }

    // a subscribed in generation 0, whose earlier writes it cannot have heard of: its misses
    // ask Redis.
    read_until(&a, "k", |_| a.near_hits() > 0).await;
    assert_eq!(
        a.get_current("j").await.unwrap(),
        (0, Some(b"j:g0".to_vec()))
    );
    assert_eq!(a.known_misses(), 0);

    // A generation a saw begin: every write at it is announced after the bump, so a miss of an
    // entry nobody announced is answered without asking — even one Redis holds, written
    // behind the announcements' back.
    assert_eq!(b.bump_generation().await.unwrap(), 1);
    assert_eq!(read_until(&a, "k", |(g, _)| *g == 1).await, (1, None));
    unannounced("j:g1").exec_async(&mut redis).await.unwrap();
    let misses = a.known_misses();
    assert_eq!(a.get_current("j").await.unwrap(), (1, None));
    assert_eq!(a.known_misses(), misses + 1, "no round trip");

    // b's write is announced: a reads it from Redis once the announcement arrives.
    b.set(&generation_key("k", 1), b"one", TTL).await.unwrap();
    assert_eq!(
        read_until(&a, "k", |(_, value)| value.is_some()).await,
        (1, Some(b"one".to_vec()))
    );
    forget_generation(&mut redis, &namespace).await;
}
