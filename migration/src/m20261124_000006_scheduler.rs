use sea_orm_migration::{prelude::*, schema::*};

use crate::table_ext::{TableDef, create_tables, drop_tables};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, tables()).await
    }
}

/// The scheduler's shared state, one row per name: the `leader` lease (`holder`,
/// `expires_at`) that replicas compete for, and the last slot each periodic job ran for
/// (`last_run_at`), claimed with a compare-and-set so a slot runs once.
fn tables() -> Vec<TableDef> {
    vec![TableDef::new("pulso_scheduler", |t| {
        t.col(string_len("name", 100))
            .col(string_len_null("holder", 255))
            .col(timestamp_with_time_zone_null("expires_at"))
            .col(timestamp_with_time_zone_null("last_run_at"))
            .col(timestamp_with_time_zone_default_now("updated_at"))
            .primary_key(Index::create().col("name"))
    })]
}
