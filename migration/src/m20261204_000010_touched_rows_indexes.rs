use sea_orm_migration::{prelude::*, sea_orm::DbBackend};

/// On PostgreSQL, a BRIN index on `updated_at` of the raw tables a load changes by the
/// thousand rows. After a load, the transform reads the rows it changed (`updated_at >=` the
/// run's start: the affected scope, the changed gestiones' groups, the touched documents) several
/// times per step; without an index each read went through the gestiones' day index over the
/// whole look-back window or scanned the table (a day that arrives on 90 days: about 0.3 s of
/// the gestiones step and of the fan-out each, and 0.3 s to find the affected scope). The rows
/// a load changes are mostly appended, so they sit in the table's last block ranges, which a
/// BRIN index (a few pages, next to nothing to maintain) singles out once each load has
/// summarised the ranges it added (`pulso::database::summarize_changed_rows`). SQLite has no
/// BRIN, and a B-tree would cost every load's writes for the small data sets SQLite serves:
/// none there.
#[derive(DeriveMigrationName)]
pub struct Migration;

/// The raw tables with a BRIN index on `updated_at` (on PostgreSQL).
pub const CHANGED_ROWS_INDEXED: [&str; 5] = [
    "raw_asignaciones",
    "raw_trandeuda",
    "raw_pagos",
    "raw_voicebot_gestiones",
    "raw_mibotair_gestiones",
];

/// The name of `table`'s BRIN index on `updated_at`.
pub fn changed_rows_index(table: &str) -> String {
    format!("ix_{table}_updated_at")
}

/// Runs `sql(table)` for each of the tables, on PostgreSQL only.
async fn on_postgres(
    manager: &SchemaManager<'_>,
    sql: impl Fn(&str) -> String,
) -> Result<(), DbErr> {
    if manager.get_database_backend() != DbBackend::Postgres {
        return Ok(());
    }
    for table in CHANGED_ROWS_INDEXED {
        manager
            .get_connection()
            .execute_unprepared(&sql(table))
            .await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, |table| {
            format!(
                "CREATE INDEX {} ON {table} USING brin (updated_at)",
                changed_rows_index(table)
            )
        })
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, |table| {
            format!("DROP INDEX {}", changed_rows_index(table))
        })
        .await
    }
}
