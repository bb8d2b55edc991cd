//! `aux_gestion_cuenta`: Fan-out of each interaction to every account of the client in every open window (DOMAIN §7.4).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "aux_gestion_cuenta")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub archivo: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub cuenta: String,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(20))"
    )]
    pub canal: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub gestion_uid: String,
    #[sea_orm(column_type = "Text")]
    pub cod_luna: String,
    pub fecha_gestion: Date,
    #[sea_orm(column_type = "String(StringLen::N(30))")]
    pub contactabilidad: String,
    pub es_compromiso: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
