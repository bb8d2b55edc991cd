use sea_orm_migration::{prelude::*, schema::*, sea_orm::DbBackend};

use crate::table_ext::{TableDef, TableExt, create_tables, drop_tables};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables(manager.get_database_backend())).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, tables(manager.get_database_backend())).await
    }
}

/// ETL bookkeeping (DOMAIN §6) and the schema's own settings.
fn tables(backend: DbBackend) -> Vec<TableDef> {
    vec![
        TableDef::new("etl_watermarks", |t| {
            t.col(string_len("table_name", 100))
                .col(timestamp_with_time_zone_null("last_extracted_value"))
                .col(string_len("last_extraction_status", 20))
                .col(timestamp_with_time_zone_null("last_success_at"))
                .col(integer_null("records_extracted"))
                .col(double_null("extraction_duration_seconds"))
                .col(text_null("error_message"))
                .col(uuid_null("extraction_id"))
                .col(timestamp_with_time_zone_null("heartbeat_at"))
                .col(json_binary_null("metadata"))
                .row_timestamps()
                .primary_key(Index::create().col("table_name"))
        }),
        TableDef::new("etl_execution_log", |t| {
            match backend {
                // SQLite auto-increments only a lone `INTEGER PRIMARY KEY`; `id` alone is unique
                // there, which keeps (id, started_at) unique as well.
                DbBackend::Sqlite => t.col(big_integer("id").auto_increment().primary_key()),
                // TimescaleDB needs the partitioning column in every unique key (DOMAIN §6).
                _ => t
                    .col(big_integer("id").auto_increment())
                    .primary_key(Index::create().col("id").col("started_at")),
            }
            .col(timestamp_with_time_zone_default_now("started_at"))
            .col(uuid("execution_id"))
            .col(string_len("pipeline_name", 255))
            .col(string_len_null("table_name", 100))
            .col(string_len_null("extraction_mode", 20))
            .col(string_len_null("execution_type", 20))
            .col(string_len("status", 50))
            .col(timestamp_with_time_zone_null("completed_at"))
            .col(timestamp_with_time_zone_null("heartbeat_at"))
            .col(double_null("duration_seconds"))
            .col(timestamp_with_time_zone_null("window_start"))
            .col(timestamp_with_time_zone_null("window_end"))
            .col(timestamp_with_time_zone_null("watermark_before"))
            .col(timestamp_with_time_zone_null("watermark_after"))
            .col(integer_null("records_extracted"))
            .col(integer_null("records_inserted"))
            .col(integer_null("records_updated"))
            .col(integer_null("records_skipped"))
            .col(text_null("error_message"))
            .col(text_null("stack_trace"))
            .col(text_null("source_query"))
            .col(json_binary_null("metadata"))
            .col(timestamp_with_time_zone_default_now("created_at"))
        })
        .indexed(&[
            &["execution_id"],
            &["table_name", "started_at"],
            &["status"],
        ]),
        TableDef::new("pulso_settings", |t| {
            t.col(string_len("key", 100))
                .col(text("value"))
                .col(timestamp_with_time_zone_default_now("updated_at"))
                .primary_key(Index::create().col("key"))
        }),
    ]
}
