use sea_orm_migration::{prelude::*, schema::*};

use crate::table_ext::{TableDef, TableExt, create_tables, drop_tables};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, tables()).await
    }
}

/// The five dashboard marts (DOMAIN §9): base counters beside the percentages, so any
/// aggregate over several rows is recomputed from counters.
fn tables() -> Vec<TableDef> {
    vec![
        TableDef::new("dashboard_data", |t| {
            t.col(date("fecha_foto"))
                .col(string_len("archivo", 100))
                .col(string_len("cartera", 50))
                .col(string_len("servicio", 20))
                .col(integer("dia_gestion"))
                .counters(&[
                    "cuentas",
                    "clientes",
                    "cuentas_gestionadas",
                    "cuentas_cd",
                    "cuentas_ci",
                    "cuentas_sc",
                    "cuentas_sg",
                    "cuentas_pdp",
                    "cuentas_pagadoras",
                    "cuentas_frac",
                    "cuentas_pdp_frac",
                    "total_gestiones",
                    "gestiones_voicebot",
                    "gestiones_call",
                    "gestiones_efectivas",
                ])
                .measures(&[
                    "deuda_asig",
                    "deuda_act",
                    "recupero",
                    "pct_cober",
                    "pct_contac",
                    "pct_cd",
                    "pct_ci",
                    "pct_sc",
                    "pct_conversion",
                    "pct_efectividad",
                    "pct_cierre",
                    "inten",
                ])
                .mart_timestamps()
                .check(Expr::cust("servicio IN ('MOVIL', 'FIJA')"))
                .check(Expr::cust(
                    "cuentas_cd + cuentas_ci + cuentas_sc + cuentas_sg = cuentas",
                ))
                .primary_key(
                    Index::create()
                        .col("fecha_foto")
                        .col("archivo")
                        .col("cartera")
                        .col("servicio"),
                )
        })
        .indexed(&[&["cartera", "fecha_foto"], &["servicio", "fecha_foto"]]),
        TableDef::new("evolution_data", |t| {
            t.col(date("fecha_foto"))
                .col(string_len("archivo", 100))
                .col(string_len("cartera", 50))
                .col(string_len("servicio", 20))
                .col(integer("dia_gestion"))
                .col(integer_null("dia_campana"))
                .counters(&[
                    "cuentas",
                    "clientes",
                    "cuentas_gestionadas",
                    "cuentas_cd",
                    "cuentas_ci",
                    "cuentas_sc",
                    "cuentas_sg",
                    "cuentas_pdp",
                    "cuentas_pagadoras",
                    "total_gestiones",
                    "gestiones_voicebot",
                    "gestiones_call",
                    "gestiones_efectivas",
                ])
                .measures(&[
                    "recupero",
                    "deuda_asig",
                    "deuda_act",
                    "pct_cober",
                    "pct_contac",
                    "pct_efectividad",
                    "pct_cierre",
                ])
                .mart_timestamps()
                .check(Expr::cust("servicio IN ('MOVIL', 'FIJA')"))
                .check(Expr::cust(
                    "cuentas_cd + cuentas_ci + cuentas_sc + cuentas_sg = cuentas",
                ))
                .primary_key(
                    Index::create()
                        .col("fecha_foto")
                        .col("archivo")
                        .col("cartera")
                        .col("servicio"),
                )
        })
        .indexed(&[&["cartera", "fecha_foto"], &["servicio", "fecha_foto"]]),
        TableDef::new("assignment_data", |t| {
            t.col(string_len("periodo", 7))
                .col(string_len("archivo", 100))
                .col(string_len("cartera", 50))
                .col(string_len("servicio", 20))
                .col(date("fecha_vencimiento"))
                .col(date_null("fecha_corte"))
                .counters(&["clientes", "cuentas"])
                .measures(&["deuda_asig", "deuda_actual", "ticket_promedio"])
                .mart_timestamps()
                .check(Expr::cust("servicio IN ('MOVIL', 'FIJA')"))
                .primary_key(
                    Index::create()
                        .col("periodo")
                        .col("archivo")
                        .col("cartera")
                        .col("servicio")
                        .col("fecha_vencimiento"),
                )
        })
        .indexed(&[&["periodo", "cartera"]]),
        TableDef::new("operation_data", |t| {
            t.col(date("fecha_foto"))
                .col(integer("hora"))
                .col(string_len("canal", 20))
                .col(string_len("archivo", 100).default("GENERAL"))
                .counters(&[
                    "total_gestiones",
                    "total_pdp",
                    "contactos_efectivos",
                    "contactos_no_efectivos",
                    "no_contactos",
                ])
                .measures(&["peso_total", "tasa_contacto", "tasa_conversion"])
                .mart_timestamps()
                .check(Expr::cust("hora BETWEEN 0 AND 23"))
                .primary_key(
                    Index::create()
                        .col("fecha_foto")
                        .col("hora")
                        .col("canal")
                        .col("archivo"),
                )
        }),
        TableDef::new("productivity_data", |t| {
            t.col(date("fecha_foto"))
                .col(string_len("correo_agente", 100))
                .col(string_len("archivo", 100).default("GENERAL"))
                .col(string_len_null("nombre_agente", 100))
                .col(string_len_null("dni_agente", 20))
                .col(string_len_null("equipo", 50))
                .counters(&["total_gestiones", "contactos_efectivos", "total_pdp"])
                .measures(&[
                    "peso_total",
                    "monto_comprometido",
                    "monto_recuperado",
                    "tasa_contacto",
                    "tasa_conversion",
                    "score_productividad",
                ])
                .mart_timestamps()
                .primary_key(
                    Index::create()
                        .col("fecha_foto")
                        .col("correo_agente")
                        .col("archivo"),
                )
        })
        .indexed(&[&["correo_agente", "fecha_foto"]]),
    ]
}
