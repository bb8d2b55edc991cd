//! `etl_watermarks`: Per-table extraction state and watermark (DOMAIN §6).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "etl_watermarks")]
pub struct Model {
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(100))"
    )]
    pub table_name: String,
    pub last_extracted_value: Option<DateTimeUtc>,
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub last_extraction_status: String,
    pub last_success_at: Option<DateTimeUtc>,
    pub records_extracted: Option<i32>,
    pub extraction_duration_seconds: Option<f64>,
    #[sea_orm(column_type = "Text")]
    pub error_message: Option<String>,
    pub extraction_id: Option<Uuid>,
    pub heartbeat_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "JsonBinary")]
    pub metadata: Option<Json>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
