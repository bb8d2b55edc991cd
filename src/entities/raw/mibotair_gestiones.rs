//! `raw_mibotair_gestiones`: Call-center (human) interactions (DOMAIN §5 MA).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "raw_mibotair_gestiones")]
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
    pub fecha_compromiso: Option<Date>,
    #[sea_orm(column_type = "Text")]
    pub n1: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub n2: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub n3: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub nombre_agente: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub correo_agente: Option<String>,
    #[sea_orm(column_type = "Decimal(Some((15, 2)))")]
    pub monto_compromiso: Option<Decimal>,
    #[sea_orm(column_type = "Text")]
    pub observacion: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub project: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub client: Option<String>,
    pub duracion: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub extra: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub url: Option<String>,
    pub extraction_timestamp: DateTimeUtc,
    pub extraction_id: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
