use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

/// On PostgreSQL, the three large aux tables become UNLOGGED: their writes skip the write-ahead
/// log. They hold only what the builds derive from the raw layer, and a month's build writes
/// 1.6 million of their rows: 1.5 GB of WAL, mostly full-page images of the index pages it
/// touches after each checkpoint that WAL volume itself triggers. Unlogged, the month built in
/// 22.8–24.0 s instead of 26.2–26.4 s (runs alternated on a slow 2-core machine).
///
/// The price: PostgreSQL empties an unlogged table after a crash, and a standby or a physical
/// backup holds none of its rows. [`MARKER`], an unlogged table of its own with one row put in
/// here, is emptied with them, so its row missing means they were: the next build then rebuilds
/// everything (`transform::build`), and the scheduler's leader starts that run at its next tick.
/// On SQLite nothing changes but the marker, which stays put.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The tables made unlogged.
pub const UNLOGGED: [&str; 3] = [
    "aux_gestiones",
    "aux_gestion_cuenta",
    "aux_cuenta_estado_diario",
];

/// The table whose one row says the [`UNLOGGED`] tables still hold what the builds wrote.
pub const MARKER: &str = "aux_unlogged_marker";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let postgres = manager.get_database_backend() == DbBackend::Postgres;
        if postgres {
            for table in UNLOGGED {
                db.execute_unprepared(&format!("ALTER TABLE {table} SET UNLOGGED"))
                    .await?;
            }
        }
        let unlogged = if postgres { "UNLOGGED " } else { "" };
        db.execute_unprepared(&format!(
            "CREATE {unlogged}TABLE {MARKER} (id INTEGER NOT NULL PRIMARY KEY)"
        ))
        .await?;
        db.execute_unprepared(&format!("INSERT INTO {MARKER} (id) VALUES (1)"))
            .await
            .map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!("DROP TABLE {MARKER}"))
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            for table in UNLOGGED {
                db.execute_unprepared(&format!("ALTER TABLE {table} SET LOGGED"))
                    .await?;
            }
        }
        Ok(())
    }
}
