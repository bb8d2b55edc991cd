//! `raw_ejecutivos`: Call-center agents (DOMAIN §5 ejecutivos).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "raw_ejecutivos")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub correo_name: String,
    #[sea_orm(column_type = "Text")]
    pub document: String,
    #[sea_orm(column_type = "Text")]
    pub nombre: Option<String>,
    pub extraction_timestamp: DateTimeUtc,
    pub extraction_id: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
