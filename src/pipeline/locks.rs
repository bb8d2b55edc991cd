//! One load per table at a time: a process-wide claim for loads in this process, plus a
//! PostgreSQL session advisory lock for loads in other processes sharing the database. The lock
//! lives on a connection held for the whole load; if the process dies, the server drops the
//! session and the lock with it.

use std::{
    collections::HashSet,
    sync::{LazyLock, Mutex},
};

use sea_orm::{
    DatabaseConnection, DbBackend, DbErr,
    sqlx::{Postgres, pool::PoolConnection},
};

/// Claims held by this process, by database URL and table.
static LOCAL: LazyLock<Mutex<HashSet<String>>> = LazyLock::new(Default::default);

/// The right to load one table; give it back with `release`.
pub struct Claim {
    key: String,
    table: String,
    session: Option<PoolConnection<Postgres>>,
}

/// Claims `table` unless another load of it is running (here or in another process).
pub async fn try_claim(
    db: &DatabaseConnection,
    database_url: &str,
    table: &str,
) -> Result<Option<Claim>, DbErr> {
    let key = format!("{database_url}#{table}");
    if !LOCAL.lock().expect("lock set").insert(key.clone()) {
        return Ok(None);
    }
    let mut claim = Claim {
        key,
        table: table.to_owned(),
        session: None,
    };
    if db.get_database_backend() == DbBackend::Postgres {
        let pool = db.get_postgres_connection_pool();
        let mut session = pool.acquire().await.map_err(sqlx_error)?;
        let locked: bool = sea_orm::sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtext($1))")
            .bind(lock_name(table))
            .fetch_one(&mut *session)
            .await
            .map_err(sqlx_error)?;
        if !locked {
            return Ok(None); // dropping `claim` gives the local claim back
        }
        claim.session = Some(session);
    }
    Ok(Some(claim))
}

/// How many tables can load at once on `db`'s pool. On PostgreSQL each load holds one
/// connection for its advisory lock and takes another for its batches, and one more stays free
/// for the run's own bookkeeping: with more loads than that, claims would hold the connections
/// their batches wait for, until the acquire timeout failed them all.
pub fn loads_the_pool_allows(db: &DatabaseConnection) -> usize {
    if db.get_database_backend() != DbBackend::Postgres {
        return usize::MAX;
    }
    let connections = db
        .get_postgres_connection_pool()
        .options()
        .get_max_connections() as usize;
    (connections.saturating_sub(1) / 2).max(1)
}

impl Claim {
    pub async fn release(mut self) {
        if let Some(mut session) = self.session.take() {
            let unlocked = sea_orm::sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
                .bind(lock_name(&self.table))
                .execute(&mut *session)
                .await;
            if unlocked.is_err() {
                // Never return a connection that may still hold the lock to the pool.
                drop(session.detach());
            }
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        // Dropped without `release` (a panic, a cancelled task): closing the session frees the
        // advisory lock on the server.
        if let Some(session) = self.session.take() {
            drop(session.detach());
        }
        LOCAL.lock().expect("lock set").remove(&self.key);
    }
}

fn lock_name(table: &str) -> String {
    format!("pulso:etl:{table}")
}

fn sqlx_error(error: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Custom(format!("table lock: {error}"))
}
