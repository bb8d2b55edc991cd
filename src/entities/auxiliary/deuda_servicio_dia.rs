//! `aux_deuda_servicio_dia`: per campaign × day × servicio, the accounts of the daily state
//! (aux_cuenta_estado_diario) and their snapshot debt summed, kept in step with it by its build;
//! the dashboard's deuda_act (DOMAIN §13.7).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "aux_deuda_servicio_dia")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub archivo_campana: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fecha_proceso: Date,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(20))"
    )]
    pub servicio: String,
    /// Daily-state rows (accounts) of the group.
    pub cuentas: i64,
    /// Their monto_exigible summed, in céntimos.
    pub deuda_centimos: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
