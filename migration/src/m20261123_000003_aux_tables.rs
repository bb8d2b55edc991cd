use sea_orm_migration::{prelude::*, schema::*};

use crate::table_ext::{TableDef, TableExt, create_tables, drop_tables};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await?;
        seed_holidays(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, tables()).await
    }
}

/// The aux layer (DOMAIN §7) and the holiday table it is derived from.
fn tables() -> Vec<TableDef> {
    vec![
        TableDef::new("aux_feriados", |t| {
            t.col(date("fecha"))
                .col(text("nombre"))
                .primary_key(Index::create().col("fecha"))
        }),
        TableDef::new("aux_calendario_habiles", |t| {
            t.col(date("fecha"))
                .col(boolean("es_dia_habil"))
                .col(boolean("es_feriado"))
                .col(text_null("nombre_feriado"))
                .col(integer("dia_semana"))
                .col(integer_null("dia_habil_del_mes"))
                .primary_key(Index::create().col("fecha"))
        }),
        TableDef::new("aux_campana_dia", |t| {
            t.col(text("archivo"))
                .col(date("fecha"))
                .col(string_len("cartera", 50))
                .col(date("fecha_apertura"))
                .col(date_null("fecha_cierre"))
                .col(boolean("es_dia_habil"))
                .col(integer("dia_campana"))
                .col(integer("dia_gestion"))
                .primary_key(Index::create().col("archivo").col("fecha"))
        }),
        TableDef::new("aux_cuenta_campana", |t| {
            t.col(text("archivo"))
                .col(text("cuenta"))
                .col(text("cod_luna"))
                .col(string_len("servicio", 20))
                .col(date("fecha_asignacion"))
                .col(date_null("fecha_vencimiento"))
                .col(boolean("es_frac"))
                .col(decimal_len("deuda_asig", 15, 2))
                .primary_key(Index::create().col("archivo").col("cuenta"))
        })
        .indexed(&[&["cod_luna"]]),
        TableDef::new("aux_cuenta_estado_diario", |t| {
            t.col(date("fecha_proceso"))
                .col(text("archivo_campana"))
                .col(text("cod_luna"))
                .col(text("cuenta"))
                .col(string_len("servicio", 20))
                .col(date_null("fecha_asignacion"))
                .col(date_null("fecha_snapshot"))
                .col(decimal_len("monto_exigible", 15, 2))
                .col(decimal_len("monto_saldo_actual", 15, 2))
                .col(date_null("fecha_vencimiento"))
                .col(string_len("estado_deuda", 20))
                .col(text("motivo_no_gestionable"))
                .primary_key(
                    Index::create()
                        .col("fecha_proceso")
                        .col("archivo_campana")
                        .col("cod_luna")
                        .col("cuenta")
                        .col("servicio"),
                )
        })
        .indexed(&[&["archivo_campana", "fecha_proceso"]]),
        TableDef::new("aux_gestiones", |t| {
            t.col(string_len("canal", 20))
                .col(text("gestion_uid"))
                .col(timestamp_with_time_zone("timestamp_gestion"))
                .col(date("fecha_gestion"))
                .col(integer("hora"))
                .col(text_null("cod_luna"))
                .col(text_null("campaign_name"))
                .col(text_null("correo_agente"))
                .col(text_null("nombre_agente"))
                .col(text_null("documento_agente"))
                .col(text_null("nivel_1"))
                .col(text_null("nivel_2"))
                .col(text_null("nivel_3"))
                .col(string_len("contactabilidad", 30))
                .col(integer("peso"))
                .col(boolean("es_contacto_efectivo"))
                .col(boolean("es_compromiso"))
                .col(decimal_len_null("monto_compromiso", 15, 2))
                .col(date_null("fecha_compromiso"))
                .col(integer_null("duracion"))
                .col(integer("intento"))
                .col(text("archivo_principal"))
                .primary_key(Index::create().col("canal").col("gestion_uid"))
        })
        .indexed(&[&["fecha_gestion"], &["cod_luna", "fecha_gestion"]]),
        TableDef::new("aux_gestion_cuenta", |t| {
            t.col(text("archivo"))
                .col(text("cuenta"))
                .col(string_len("canal", 20))
                .col(text("gestion_uid"))
                .col(text("cod_luna"))
                .col(date("fecha_gestion"))
                .col(string_len("contactabilidad", 30))
                .col(boolean("es_compromiso"))
                .primary_key(
                    Index::create()
                        .col("archivo")
                        .col("cuenta")
                        .col("canal")
                        .col("gestion_uid"),
                )
        })
        .indexed(&[&["archivo", "fecha_gestion"]]),
        TableDef::new("aux_pagos", |t| {
            t.col(text("archivo"))
                .col(text("nro_documento"))
                .col(date("fecha_pago"))
                .col(decimal_len("monto_cancelado", 15, 2))
                .col(text("cuenta"))
                .col(text("cod_luna"))
                .col(boolean("esta_en_ventana"))
                .col(boolean("es_pago_valido"))
                .col(text_null("motivo_rechazo"))
                .row_timestamps()
                .primary_key(
                    Index::create()
                        .col("archivo")
                        .col("nro_documento")
                        .col("fecha_pago")
                        .col("monto_cancelado"),
                )
        })
        .indexed(&[&["archivo", "fecha_pago"]]),
    ]
}

/// Holidays are data, seeded for the years the synthetic calendars span (DOMAIN §13.4).
const SEEDED_YEARS: std::ops::RangeInclusive<i32> = 2024..=2027;

async fn seed_holidays(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let mut insert = Query::insert();
    insert
        .into_table("aux_feriados")
        .columns(["fecha", "nombre"]);
    for year in SEEDED_YEARS {
        for (fecha, nombre) in crate::holidays::peru_national_holidays(year) {
            insert.values_panic([fecha.into(), nombre.into()]);
        }
    }
    manager.exec_stmt(insert).await
}
