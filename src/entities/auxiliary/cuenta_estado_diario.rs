//! `aux_cuenta_estado_diario`: Each campaign account's debt state per calendar day (DOMAIN §7.3).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "aux_cuenta_estado_diario")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fecha_proceso: Date,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub archivo_campana: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub cod_luna: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub cuenta: String,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(20))"
    )]
    pub servicio: String,
    pub fecha_asignacion: Option<Date>,
    pub fecha_snapshot: Option<Date>,
    #[sea_orm(column_type = "Decimal(Some((15, 2)))")]
    pub monto_exigible: Decimal,
    #[sea_orm(column_type = "Decimal(Some((15, 2)))")]
    pub monto_saldo_actual: Decimal,
    pub fecha_vencimiento: Option<Date>,
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub estado_deuda: String,
    #[sea_orm(column_type = "Text")]
    pub motivo_no_gestionable: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
