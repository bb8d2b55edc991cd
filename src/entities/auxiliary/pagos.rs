//! `aux_pagos`: Payments attributed to campaigns (DOMAIN §7.5).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "aux_pagos")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub archivo: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub nro_documento: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fecha_pago: Date,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "Decimal(Some((15, 2)))"
    )]
    pub monto_cancelado: Decimal,
    #[sea_orm(column_type = "Text")]
    pub cuenta: String,
    #[sea_orm(column_type = "Text")]
    pub cod_luna: String,
    pub esta_en_ventana: bool,
    pub es_pago_valido: bool,
    #[sea_orm(column_type = "Text")]
    pub motivo_rechazo: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
