//! `aux_feriados`: Peru national holidays: configurable data, seeded for 2024–2027 (DOMAIN §2, §13.4).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "aux_feriados")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fecha: Date,
    #[sea_orm(column_type = "Text")]
    pub nombre: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
