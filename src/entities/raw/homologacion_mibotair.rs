//! `raw_homologacion_mibotair`: Human result-code homologation (DOMAIN §5).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "raw_homologacion_mibotair")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub n_1: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub n_2: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub n_3: String,
    #[sea_orm(column_type = "Text")]
    pub management: Option<String>,
    pub peso: Option<i32>,
    #[sea_orm(column_type = "Text")]
    pub contactabilidad: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub tipo_gestion: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub codigo_rpta: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub pdp: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub gestor: Option<String>,
    pub extraction_timestamp: DateTimeUtc,
    pub extraction_id: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
