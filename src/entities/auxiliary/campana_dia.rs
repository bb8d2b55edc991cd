//! `aux_campana_dia`: One row per campaign per calendar day of its window (DOMAIN §7.1).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "aux_campana_dia")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub archivo: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fecha: Date,
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub cartera: String,
    pub fecha_apertura: Date,
    pub fecha_cierre: Option<Date>,
    pub es_dia_habil: bool,
    pub dia_campana: i32,
    pub dia_gestion: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
