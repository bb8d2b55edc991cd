//! `raw_trandeuda`: Daily debt snapshot, one row per open document per debt file (DOMAIN §5 trandeuda).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "raw_trandeuda")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub cod_cuenta: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub nro_documento: String,
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub archivo: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fecha_proceso: Date,
    pub fecha_vencimiento: Option<Date>,
    #[sea_orm(column_type = "Decimal(Some((15, 2)))")]
    pub monto_exigible: Decimal,
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
