//! `raw_homologacion_voicebot`: Bot result-code homologation (DOMAIN §5).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "raw_homologacion_voicebot")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub bot_management: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub bot_sub_management: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub bot_compromiso: String,
    #[sea_orm(column_type = "Text")]
    pub n1_homologado: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub n2_homologado: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub n3_homologado: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub contactabilidad_homologada: Option<String>,
    pub es_pdp_homologado: Option<bool>,
    pub peso_homologado: Option<i32>,
    pub extraction_timestamp: DateTimeUtc,
    pub extraction_id: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
