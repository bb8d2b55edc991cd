//! Leadership and once-only slots through the database, so N replicas sharing one PostgreSQL
//! need nothing else: the `leader` row of `pulso_scheduler` is a lease that its holder renews
//! every heartbeat and anyone may take once it has expired; each periodic job's row records the
//! last slot it ran for, advanced with a compare-and-set so a slot runs once even if two
//! replicas briefly both believe they lead.
//!
//! Both are single `INSERT … ON CONFLICT DO UPDATE … WHERE` statements: atomic on PostgreSQL
//! (the conflicting row is locked and the condition re-checked) and on SQLite (one writer).
//! Time is the database's clock on PostgreSQL, so replicas' clocks need not agree.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Value};

/// The row replicas compete for.
pub const LEADER: &str = "leader";

/// `sql` with PostgreSQL placeholders (`$1`), rewritten to SQLite's numbered ones (`?1`).
fn statement<C: ConnectionTrait>(db: &C, sql: &str, values: Vec<Value>) -> Statement {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// The current time by the database's clock (PostgreSQL) or this process's (SQLite, where
/// there is only one process).
pub async fn now<C: ConnectionTrait>(db: &C) -> Result<DateTime<Utc>, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(Utc::now());
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT now() AS now",
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("SELECT now() returned no row".into()))?;
    row.try_get("", "now")
}

/// Takes or renews the lease `name` for `holder` until `now + lease`; true when `holder` holds
/// it afterwards. Fails (false) while another holder's lease has not expired.
pub async fn acquire<C: ConnectionTrait>(
    db: &C,
    name: &str,
    holder: &str,
    lease: Duration,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let expires = now + lease;
    let sql = "INSERT INTO pulso_scheduler (name, holder, expires_at, updated_at) \
               VALUES ($1, $2, $3, $4) \
               ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, \
               expires_at = excluded.expires_at, updated_at = excluded.updated_at \
               WHERE pulso_scheduler.holder = excluded.holder \
               OR pulso_scheduler.holder IS NULL \
               OR pulso_scheduler.expires_at IS NULL \
               OR pulso_scheduler.expires_at < excluded.updated_at";
    let values = vec![name.into(), holder.into(), expires.into(), now.into()];
    let result = db.execute_raw(statement(db, sql, values)).await?;
    Ok(result.rows_affected() == 1)
}

/// Gives the lease up (graceful stop), so another replica takes over at its next heartbeat
/// instead of waiting for the lease to expire.
pub async fn release<C: ConnectionTrait>(db: &C, name: &str, holder: &str) -> Result<(), DbErr> {
    let sql = "UPDATE pulso_scheduler SET holder = NULL, expires_at = NULL \
               WHERE name = $1 AND holder = $2";
    db.execute_raw(statement(db, sql, vec![name.into(), holder.into()]))
        .await
        .map(drop)
}

/// The current holder of `name` and when its lease ends, if anyone holds it.
pub async fn holder<C: ConnectionTrait>(
    db: &C,
    name: &str,
) -> Result<Option<(String, DateTime<Utc>)>, DbErr> {
    use sea_orm::EntityTrait;

    use crate::entities::control::scheduler;
    let row = scheduler::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?;
    Ok(row.and_then(|row| Some((row.holder?, row.expires_at?))))
}

/// Claims slot `slot` of job `name`: true exactly once per slot, for the first caller whose
/// slot is later than the recorded one. The first time a job is seen, the slot is recorded
/// and claimed only when `run_first` (a daily job runs at once; a fixed schedule waits for its
/// next boundary).
pub async fn claim_slot<C: ConnectionTrait>(
    db: &C,
    name: &str,
    slot: DateTime<Utc>,
    now: DateTime<Utc>,
    run_first: bool,
) -> Result<bool, DbErr> {
    // Records `slot` for `name`; `on_conflict` says what happens when a slot is recorded.
    let record = |on_conflict: &str| {
        let sql = format!(
            "INSERT INTO pulso_scheduler (name, last_run_at, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (name) {on_conflict}"
        );
        db.execute_raw(statement(
            db,
            &sql,
            vec![name.into(), slot.into(), now.into()],
        ))
    };
    if !run_first && record("DO NOTHING").await?.rows_affected() == 1 {
        return Ok(false);
    }
    let claimed = record(
        "DO UPDATE SET last_run_at = excluded.last_run_at, updated_at = excluded.updated_at \
         WHERE pulso_scheduler.last_run_at IS NULL \
         OR pulso_scheduler.last_run_at < excluded.last_run_at",
    )
    .await?;
    Ok(claimed.rows_affected() == 1)
}

#[cfg(test)]
mod tests {
    use migration::MigratorTrait;
    use sea_orm::Database;

    use super::*;

    async fn sqlite() -> (tempfile::TempDir, sea_orm::DatabaseConnection) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/lease.db?mode=rwc", dir.path().display());
        let db = Database::connect(&url).await.unwrap();
        migration::Migrator::up(&db, None).await.unwrap();
        (dir, db)
    }

    #[tokio::test]
    async fn one_holder_at_a_time_until_the_lease_expires_or_is_released() {
        let (_dir, db) = sqlite().await;
        let lease = Duration::from_secs(30);
        let t0 = Utc::now();
        assert!(acquire(&db, LEADER, "a", lease, t0).await.unwrap());
        assert!(!acquire(&db, LEADER, "b", lease, t0).await.unwrap());
        // The holder renews; the other keeps failing while the renewed lease lives.
        let t1 = t0 + Duration::from_secs(20);
        assert!(acquire(&db, LEADER, "a", lease, t1).await.unwrap());
        let t2 = t0 + Duration::from_secs(40);
        assert!(!acquire(&db, LEADER, "b", lease, t2).await.unwrap());
        assert_eq!(holder(&db, LEADER).await.unwrap().unwrap().0, "a");
        // "a" stops renewing: past its lease, "b" takes over and "a" cannot come back.
        let t3 = t1 + lease + Duration::from_secs(1);
        assert!(acquire(&db, LEADER, "b", lease, t3).await.unwrap());
        assert!(!acquire(&db, LEADER, "a", lease, t3).await.unwrap());
        // Released, it is free at once.
        release(&db, LEADER, "b").await.unwrap();
        assert_eq!(holder(&db, LEADER).await.unwrap(), None);
        assert!(acquire(&db, LEADER, "a", lease, t3).await.unwrap());
    }

    #[tokio::test]
    async fn a_slot_is_claimed_once() {
        let (_dir, db) = sqlite().await;
        let now = Utc::now();
        let slot = now - Duration::from_secs(60);
        // A fixed schedule seen for the first time waits for its next slot.
        assert!(
            !claim_slot(&db, "dashboard", slot, now, false)
                .await
                .unwrap()
        );
        assert!(
            !claim_slot(&db, "dashboard", slot, now, false)
                .await
                .unwrap()
        );
        let next = slot + Duration::from_secs(3 * 3600);
        assert!(
            claim_slot(&db, "dashboard", next, now, false)
                .await
                .unwrap()
        );
        assert!(
            !claim_slot(&db, "dashboard", next, now, false)
                .await
                .unwrap()
        );
        // A daily job runs the first time it is seen, then once per slot.
        assert!(claim_slot(&db, "retention", slot, now, true).await.unwrap());
        assert!(!claim_slot(&db, "retention", slot, now, true).await.unwrap());
        assert!(
            !claim_slot(&db, "retention", slot - Duration::from_secs(1), now, true)
                .await
                .unwrap()
        );
    }
}
