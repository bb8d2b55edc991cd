//! Opening the database (SQLite file or PostgreSQL pool) and asking it about its schema.

use std::time::Duration;

use migration::{CHANGED_ROWS_INDEXED, Migrator, MigratorTrait, TimescaleMode, changed_rows_index};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, Statement,
    sqlx::sqlite::SqliteJournalMode,
};

use crate::{config::DatabaseConfig, transform::dialect::Dialect};

/// Opens the pool. PostgreSQL connections carry the statement timeout; SQLite runs in WAL mode
/// so the API keeps reading while the ETL writes.
pub async fn connect(config: &DatabaseConfig) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(config.url.expose());
    let statement_timeout = format!("{}s", config.statement_timeout_secs);
    options
        .max_connections(config.max_connections)
        .connect_timeout(Duration::from_secs(config.connect_timeout_secs))
        .acquire_timeout(Duration::from_secs(config.connect_timeout_secs))
        .sqlx_logging(false)
        .map_sqlx_postgres_opts(move |opts| {
            opts.options([("statement_timeout", statement_timeout.as_str())])
        })
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .busy_timeout(Duration::from_secs(30))
        });
    Database::connect(options).await
}

/// The pool the API reads through. On PostgreSQL it is a pool of its own, beside the ETL's
/// (`etl`): a run's statements then never hold the connections a request waits for, and the
/// connections the run's bursts opened never join the requests' rotation — the pool hands out
/// idle connections first-in first-out, so a request on a quiet API would otherwise wake a
/// backend that has been idle for a dozen requests, cold caches and all (the dashboard's SQL
/// took 1.29 ms that way against 0.87 ms on one warm connection). On SQLite the one pool serves
/// both: a file has a single writer, and a second pool on `sqlite::memory:` would open another
/// database.
pub async fn read_pool(
    config: &DatabaseConfig,
    etl: &DatabaseConnection,
) -> Result<DatabaseConnection, DbErr> {
    match etl.get_database_backend() {
        DbBackend::Postgres => connect(config).await,
        _ => Ok(etl.clone()),
    }
}

/// `sqlite` or `postgres`, as readiness and the CLI report it.
pub fn engine_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Postgres => "postgres",
        DbBackend::Sqlite => "sqlite",
        _ => "unsupported",
    }
}

/// Applied and pending migrations, read without creating anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MigrationState {
    pub applied: usize,
    pub pending: usize,
}

pub async fn migration_state(db: &DatabaseConnection) -> Result<MigrationState, DbErr> {
    let applied = Migrator::get_applied_migrations_read_only(db).await?.len();
    let pending = Migrator::get_pending_migrations_read_only(db).await?.len();
    Ok(MigrationState { applied, pending })
}

/// The storage mode the TimescaleDB migration recorded; `None` before it ran.
pub async fn timescale_mode(db: &DatabaseConnection) -> Result<Option<TimescaleMode>, DbErr> {
    migration::recorded_mode(db).await
}

/// Applies pending migrations. On PostgreSQL a session advisory lock makes replicas starting
/// together take turns: the first migrates, the others then find nothing pending.
pub async fn migrate_up(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Migrator::up(db, None).await;
    }
    let error = |e: sea_orm::sqlx::Error| DbErr::Custom(format!("migration lock: {e}"));
    let mut session = db
        .get_postgres_connection_pool()
        .acquire()
        .await
        .map_err(error)?;
    sea_orm::sqlx::query("SELECT pg_advisory_lock(hashtext('pulso:migrate'))")
        .execute(&mut *session)
        .await
        .map_err(error)?;
    let migrated = Migrator::up(db, None).await;
    let unlocked = sea_orm::sqlx::query("SELECT pg_advisory_unlock(hashtext('pulso:migrate'))")
        .execute(&mut *session)
        .await;
    if unlocked.is_err() {
        // Never hand a connection that may still hold the lock back to the pool.
        drop(session.detach());
    }
    migrated
}

/// Summarises the block ranges a load added to `table` in its BRIN index on `updated_at`, where
/// it has one (PostgreSQL's large raw tables, see the migration `touched_rows_indexes`). The
/// transform that follows reads the rows the load changed through that index, and a range not
/// yet summarised matches every such read: after a first load, the whole table would be read
/// each time, until autovacuum got to it. Reads the new ranges once (the pages just written).
pub async fn summarize_changed_rows<C: ConnectionTrait>(db: &C, table: &str) -> Result<(), DbErr> {
    if db.get_database_backend() != DbBackend::Postgres || !CHANGED_ROWS_INDEXED.contains(&table) {
        return Ok(());
    }
    let sql = format!(
        "SELECT brin_summarize_new_values('{}'::regclass) AS ranges",
        changed_rows_index(table)
    );
    db.execute_unprepared(&sql).await.map(drop)
}

/// Share of a table's rows a load or a transform step must write before the table's planner
/// statistics are refreshed: PostgreSQL's own autoanalyze threshold
/// (`autovacuum_analyze_scale_factor`).
const ANALYZE_SHARE: f64 = 0.1;

/// Fewer rows written than this move no plan, whatever their share: a day that arrives
/// rewrote 400 of dashboard_data's 2,500 rows, and analysing it again (16 ms) held up the one
/// step that reads it, at the end of the build.
const ANALYZE_MIN_ROWS: u64 = 1_000;

/// Whether `written` rows change the plans made on statistics that saw `known_rows`: a tenth of
/// them, and at least [`ANALYZE_MIN_ROWS`].
fn moves_plans(written: u64, known_rows: f64) -> bool {
    written >= ANALYZE_MIN_ROWS && written as f64 >= ANALYZE_SHARE * known_rows
}

/// Refreshes the planner statistics of `table` after a load or a transform step wrote
/// `written` of its rows (inserted, updated or deleted), when they are enough to change plans
/// ([`moves_plans`]), or any rows in a table never analysed. The transform steps that follow
/// plan their statements on them long before autovacuum would have analysed the table, and a
/// smaller change (one more day in a long history) moves no plan, so the cost of analysing —
/// seconds for a quarter of aux_gestiones — is not paid for it. Returns whether it analysed.
/// PostgreSQL only: SQLite plans without statistics.
pub async fn refresh_statistics<C: ConnectionTrait>(
    db: &C,
    table: &str,
    written: u64,
) -> Result<bool, DbErr> {
    analyse_when(db, table, written, |known_rows| {
        moves_plans(written, known_rows)
    })
    .await
}

/// Gives `table` its first planner statistics once a write put rows in it, and leaves later
/// changes to autovacuum: for a table that no later statement of the same load or build reads
/// (a mart the API alone reads), whose queries only need to know it is not empty. Re-analysing
/// a mart a day rewrites cost more than building it (0.2 s for productivity_data's 95,000 rows
/// against 0.3 s). Returns whether it analysed; PostgreSQL only.
pub async fn first_statistics<C: ConnectionTrait>(
    db: &C,
    table: &str,
    written: u64,
) -> Result<bool, DbErr> {
    analyse_when(db, table, written, |_| false).await
}

/// Analyses `table` after `written` rows changed when it was never analysed, or when `stale`
/// holds of the row count its last analysis saw.
async fn analyse_when<C: ConnectionTrait>(
    db: &C,
    table: &str,
    written: u64,
    stale: impl Fn(f64) -> bool,
) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    let Some(analyze) = Dialect::of(backend).analyze(&[table]) else {
        return Ok(false);
    };
    if written == 0 {
        return Ok(false);
    }
    // reltuples is the row count the last analyse (or vacuum) saw, -1 before the first one.
    let sql = format!(
        "SELECT CAST(reltuples AS DOUBLE PRECISION) AS n FROM pg_class WHERE oid = '{}'::regclass",
        table
    );
    let row = db
        .query_one_raw(Statement::from_string(backend, sql))
        .await?;
    let known_rows: f64 = match row {
        Some(row) => row.try_get("", "n")?,
        None => -1.0,
    };
    if known_rows >= 0.0 && !stale(known_rows) {
        return Ok(false);
    }
    db.execute_unprepared(&analyze).await?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::moves_plans;

    #[test]
    fn statistics_are_refreshed_for_a_tenth_of_the_rows_and_no_fewer_than_a_thousand() {
        assert!(moves_plans(1_000, 10_000.0), "a tenth");
        assert!(
            !moves_plans(999, 9_990.0),
            "a tenth, but too few rows to move a plan"
        );
        assert!(
            !moves_plans(1_000, 10_001.0),
            "a thousand rows, less than a tenth"
        );
        assert!(
            moves_plans(5_000, 0.0),
            "rows into a table analysed while empty"
        );
    }
}
