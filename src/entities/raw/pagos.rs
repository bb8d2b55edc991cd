//! `raw_pagos`: Payments; the primary key is the de-duplication key (DOMAIN §5 pagos).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "raw_pagos")]
pub struct Model {
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
    pub cod_sistema: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub archivo: String,
    pub creado_el: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub motivo_rechazo: Option<String>,
    pub extraction_timestamp: DateTimeUtc,
    pub extraction_id: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
