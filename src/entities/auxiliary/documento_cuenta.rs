//! `aux_documento_cuenta`: The account each paid document belongs to (DOMAIN §7.5): the one of
//! its latest trandeuda snapshot, on the day `fecha_proceso`.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "aux_documento_cuenta")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub nro_documento: String,
    #[sea_orm(column_type = "Text")]
    pub cod_cuenta: String,
    pub fecha_proceso: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
