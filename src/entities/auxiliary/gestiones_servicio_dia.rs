//! `aux_gestiones_servicio_dia`: per campaign × servicio × day, the distinct gestiones of the
//! campaign's fan-out (aux_gestion_cuenta), kept in step with it by the fan-out's build; the
//! dashboard adds them up to each day (DOMAIN §8).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "aux_gestiones_servicio_dia")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false, column_type = "Text")]
    pub archivo: String,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(20))"
    )]
    pub servicio: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fecha_gestion: Date,
    /// Distinct gestiones of either channel.
    pub total: i64,
    pub voicebot: i64,
    pub llamadas: i64,
    /// Those classified CONTACTO_EFECTIVO.
    pub efectivas: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
