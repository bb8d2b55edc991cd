//! `etl_execution_log`: One run-level row plus one row per table or build step of each run (DOMAIN §6).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "etl_execution_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub started_at: DateTimeUtc,
    pub execution_id: Uuid,
    #[sea_orm(column_type = "String(StringLen::N(255))")]
    pub pipeline_name: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub table_name: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub extraction_mode: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub execution_type: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub status: String,
    pub completed_at: Option<DateTimeUtc>,
    pub heartbeat_at: Option<DateTimeUtc>,
    pub duration_seconds: Option<f64>,
    pub window_start: Option<DateTimeUtc>,
    pub window_end: Option<DateTimeUtc>,
    pub watermark_before: Option<DateTimeUtc>,
    pub watermark_after: Option<DateTimeUtc>,
    pub records_extracted: Option<i32>,
    pub records_inserted: Option<i32>,
    pub records_updated: Option<i32>,
    pub records_skipped: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub error_message: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub stack_trace: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub source_query: Option<String>,
    #[sea_orm(column_type = "JsonBinary")]
    pub metadata: Option<Json>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
