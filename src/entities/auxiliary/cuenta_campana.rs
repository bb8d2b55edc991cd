//! `aux_cuenta_campana`: Accounts of each campaign (DOMAIN §7.2).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "aux_cuenta_campana")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub archivo: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub cuenta: String,
    #[sea_orm(column_type = "Text")]
    pub cod_luna: String,
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub servicio: String,
    pub fecha_asignacion: Date,
    pub fecha_vencimiento: Option<Date>,
    pub es_frac: bool,
    #[sea_orm(column_type = "Decimal(Some((15, 2)))")]
    pub deuda_asig: Decimal,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
