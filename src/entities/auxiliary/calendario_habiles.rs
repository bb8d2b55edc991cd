//! `aux_calendario_habiles`: Business-day calendar (DOMAIN §7.1).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "aux_calendario_habiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fecha: Date,
    pub es_dia_habil: bool,
    pub es_feriado: bool,
    #[sea_orm(column_type = "Text")]
    pub nombre_feriado: Option<String>,
    pub dia_semana: i32,
    pub dia_habil_del_mes: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
