//! `raw_voicebot_gestiones`: Voicebot (bot) interactions (DOMAIN §5 VB).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "raw_voicebot_gestiones")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub uid: String,
    #[sea_orm(column_type = "Text")]
    pub campaign_id: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub campaign_name: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub document: Option<String>,
    #[sea_orm(column_type = "Decimal(None)")]
    pub phone: Option<Decimal>,
    pub date: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub management: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub sub_management: Option<String>,
    pub weight: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub origin: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub compromiso: Option<String>,
    pub fecha_compromiso: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub observacion: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub project: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub client: Option<String>,
    pub duracion: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub id_telephony: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub url_record_bot: Option<String>,
    pub extraction_timestamp: DateTimeUtc,
    pub extraction_id: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
