//! The large aux tables are UNLOGGED on PostgreSQL (see their migration): a crash empties them,
//! and with them the marker's one row. A build that finds the marker empty rebuilds everything,
//! whatever it was asked for, and puts the row back once it has.

use migration::unlogged_aux::MARKER;
use sea_orm::{ConnectionTrait, DbErr};

use super::count;

/// Whether the unlogged aux tables still hold what the builds wrote.
pub async fn intact<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    Ok(count(db, format!("SELECT COUNT(*) AS n FROM {MARKER}")).await? > 0)
}

/// Records that the unlogged aux tables hold a whole build again.
pub async fn mark_intact<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    db.execute_unprepared(&format!(
        "INSERT INTO {MARKER} (id) VALUES (1) ON CONFLICT (id) DO NOTHING"
    ))
    .await
    .map(drop)
}
