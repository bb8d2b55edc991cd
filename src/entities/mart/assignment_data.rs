//! `assignment_data`: Assigned portfolio per campaign × servicio × due date (DOMAIN §9.3).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "assignment_data")]
pub struct Model {
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(7))"
    )]
    pub periodo: String,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(100))"
    )]
    pub archivo: String,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(50))"
    )]
    pub cartera: String,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(20))"
    )]
    pub servicio: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub fecha_vencimiento: Date,
    pub fecha_corte: Option<Date>,
    pub clientes: i32,
    pub cuentas: i32,
    pub deuda_asig: f64,
    pub deuda_actual: f64,
    pub ticket_promedio: f64,
    pub fecha_procesamiento: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
