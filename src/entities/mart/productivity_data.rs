//! `productivity_data`: Agent productivity per Lima day × agent × archivo (DOMAIN §9.5).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "productivity_data")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fecha_foto: Date,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(100))"
    )]
    pub correo_agente: String,
    #[sea_orm(
        primary_key,
        auto_increment = false,
        column_type = "String(StringLen::N(100))"
    )]
    pub archivo: String,
    #[sea_orm(column_type = "String(StringLen::N(100))")]
    pub nombre_agente: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(20))")]
    pub dni_agente: Option<String>,
    #[sea_orm(column_type = "String(StringLen::N(50))")]
    pub equipo: Option<String>,
    pub total_gestiones: i32,
    pub contactos_efectivos: i32,
    pub total_pdp: i32,
    pub peso_total: f64,
    pub monto_comprometido: f64,
    pub monto_recuperado: f64,
    pub tasa_contacto: f64,
    pub tasa_conversion: f64,
    pub score_productividad: f64,
    pub fecha_procesamiento: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
