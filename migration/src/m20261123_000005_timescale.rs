//! TimescaleDB when the server offers it (DOMAIN §9.6): the time-series tables become hypertables
//! with their chunk intervals and retention policies. Otherwise the tables stay plain and the
//! application's maintenance job enforces retention. The outcome is recorded in `pulso_settings`
//! so that readiness and maintenance read one fact instead of probing the server again.

use sea_orm_migration::{
    prelude::*,
    sea_orm::{ConnectionTrait, DbBackend, Statement},
};

pub const SETTINGS_TABLE: &str = "pulso_settings";
pub const TIMESCALE_KEY: &str = "timescaledb";

/// How the time-series tables are stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimescaleMode {
    /// PostgreSQL with the extension: hypertables with retention policies.
    Hypertables,
    /// PostgreSQL without the extension: plain tables, retention by the maintenance job.
    Plain,
    /// SQLite (embedded mode): plain tables.
    NotApplicable,
}

impl TimescaleMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hypertables => "hypertables",
            Self::Plain => "plain",
            Self::NotApplicable => "not_applicable",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Hypertables, Self::Plain, Self::NotApplicable]
            .into_iter()
            .find(|mode| mode.as_str() == value)
    }
}

/// (table, time column, chunk interval, retention) per DOMAIN §9.6.
const HYPERTABLES: [(&str, &str, &str, &str); 5] = [
    ("dashboard_data", "fecha_foto", "7 days", "2 years"),
    ("evolution_data", "fecha_foto", "7 days", "2 years"),
    ("productivity_data", "fecha_foto", "7 days", "2 years"),
    ("operation_data", "fecha_foto", "1 day", "1 year"),
    ("etl_execution_log", "started_at", "1 month", "6 months"),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let mode = match manager.get_database_backend() {
            DbBackend::Postgres if timescale_loadable(db).await? => {
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS timescaledb")
                    .await?;
                for (table, column, chunk, retention) in HYPERTABLES {
                    db.execute_unprepared(&format!(
                        "SELECT create_hypertable('{table}', '{column}', \
                         chunk_time_interval => INTERVAL '{chunk}', migrate_data => true)"
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "SELECT add_retention_policy('{table}', INTERVAL '{retention}')"
                    ))
                    .await?;
                }
                TimescaleMode::Hypertables
            }
            DbBackend::Postgres => TimescaleMode::Plain,
            _ => TimescaleMode::NotApplicable,
        };
        let insert = Query::insert()
            .into_table(SETTINGS_TABLE)
            .columns(["key", "value"])
            .values_panic([TIMESCALE_KEY.into(), mode.as_str().into()])
            .to_owned();
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if recorded_mode(db).await? == Some(TimescaleMode::Hypertables) {
            // Hypertables cannot turn back into plain tables; they go when the mart and
            // control migrations drop them. Only the policies belong to this migration.
            for (table, ..) in HYPERTABLES {
                db.execute_unprepared(&format!(
                    "SELECT remove_retention_policy('{table}', if_exists => true)"
                ))
                .await?;
            }
        }
        let delete = Query::delete()
            .from_table(SETTINGS_TABLE)
            .and_where(Expr::col("key").eq(TIMESCALE_KEY))
            .to_owned();
        manager.exec_stmt(delete).await
    }
}

/// The extension is installed on the server and preloaded, so `CREATE EXTENSION` will succeed.
/// (A failing statement would abort the migration's transaction, so this is checked first.)
async fn timescale_loadable(db: &SchemaManagerConnection<'_>) -> Result<bool, DbErr> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') \
             AND current_setting('shared_preload_libraries') LIKE '%timescaledb%' AS loadable",
        ))
        .await?;
    Ok(row
        .map(|r| r.try_get::<bool>("", "loadable"))
        .transpose()?
        .unwrap_or(false))
}

/// The mode the `up` migration recorded, if any.
pub async fn recorded_mode<C: ConnectionTrait>(db: &C) -> Result<Option<TimescaleMode>, DbErr> {
    let select = Query::select()
        .column("value")
        .from(SETTINGS_TABLE)
        .and_where(Expr::col("key").eq(TIMESCALE_KEY))
        .to_owned();
    let row = db.query_one(&select).await?;
    Ok(row
        .map(|r| r.try_get::<String>("", "value"))
        .transpose()?
        .and_then(|value| TimescaleMode::parse(&value)))
}
