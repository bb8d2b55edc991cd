//! `operation_data`: Interactions per Lima day × hour × canal × archivo (DOMAIN §9.4).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "operation_data")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fecha_foto: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub hora: i32,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(20))"
    )]
    pub canal: String,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(100))"
    )]
    pub archivo: String,
    pub total_gestiones: i32,
    pub total_pdp: i32,
    pub contactos_efectivos: i32,
    pub contactos_no_efectivos: i32,
    pub no_contactos: i32,
    pub peso_total: f64,
    pub tasa_contacto: f64,
    pub tasa_conversion: f64,
    pub fecha_procesamiento: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
