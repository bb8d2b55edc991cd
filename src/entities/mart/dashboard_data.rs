//! `dashboard_data`: Dashboard KPIs per campaign × servicio × calendar day (DOMAIN §9.1).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "dashboard_data")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fecha_foto: Date,
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
    pub dia_gestion: i32,
    pub cuentas: i32,
    pub clientes: i32,
    pub cuentas_gestionadas: i32,
    pub cuentas_cd: i32,
    pub cuentas_ci: i32,
    pub cuentas_sc: i32,
    pub cuentas_sg: i32,
    pub cuentas_pdp: i32,
    pub cuentas_pagadoras: i32,
    pub cuentas_frac: i32,
    pub cuentas_pdp_frac: i32,
    pub total_gestiones: i32,
    pub gestiones_voicebot: i32,
    pub gestiones_call: i32,
    pub gestiones_efectivas: i32,
    pub deuda_asig: f64,
    pub deuda_act: f64,
    pub recupero: f64,
    pub pct_cober: f64,
    pub pct_contac: f64,
    pub pct_cd: f64,
    pub pct_ci: f64,
    pub pct_sc: f64,
    pub pct_conversion: f64,
    pub pct_efectividad: f64,
    pub pct_cierre: f64,
    pub inten: f64,
    pub fecha_procesamiento: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
