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

/// The nine raw source tables (DOMAIN §5): source columns, lower-cased, plus load metadata.
fn tables() -> Vec<TableDef> {
    vec![
        TableDef::new("raw_calendario", |t| {
            t.col(text("archivo"))
                .col(text_null("tipo_cartera"))
                .col(date("fecha_apertura"))
                .col(date_null("fecha_cierre"))
                .col(date_null("fecha_trandeuda"))
                .col(date_null("fecha_cierre_planificada"))
                .col(integer_null("duracion_campana_dias_habiles"))
                .col(integer_null("anno_asignacion"))
                .col(text_null("periodo_asignacion"))
                .col(boolean_null("es_cartera_abierta"))
                .col(text_null("estado_cartera"))
                .col(text_null("rango_vencimiento"))
                .col(text_null("periodo_mes"))
                .col(text_null("tipo_ciclo_campana"))
                .col(text_null("categoria_duracion"))
                .col(date("periodo_date"))
                .load_metadata()
                .primary_key(Index::create().col("archivo").col("periodo_date"))
        })
        .indexed(&[&["fecha_apertura"]]),
        TableDef::new("raw_asignaciones", |t| {
            t.col(text("cod_luna"))
                .col(text("cuenta"))
                .col(text("archivo"))
                .col(date("fecha_asignacion"))
                .col(timestamp_with_time_zone_null("creado_el"))
                .col(text_null("cliente"))
                .col(text_null("telefono"))
                .col(text_null("dni"))
                .col(text_null("negocio"))
                .col(integer_null("cod_sistema"))
                .col(text_null("tramo_gestion"))
                .col(text_null("zona"))
                .col(text_null("campania_act"))
                .col(text_null("dias_sin_trafico"))
                .col(date_null("min_vto"))
                .col(date_null("fecha_corte"))
                .col(integer_null("decil_contacto"))
                .col(integer_null("decil_pago"))
                .col(integer_null("rango_renta"))
                .col(text_null("fraccionamiento"))
                .col(text_null("cuota_fracc_act"))
                .col(text_null("priorizado"))
                .col(text_null("inscripcion"))
                .col(text_null("incrementa_velocidad"))
                .col(text_null("detalle_dscto_futuro"))
                .col(text_null("cargo_fijo"))
                .col(text_null("estado_pc"))
                .col(text_null("tipo_linea"))
                .col(text_null("tipo_alta"))
                .col(text_null("motivo_rechazo"))
                .load_metadata()
                .primary_key(
                    Index::create()
                        .col("cod_luna")
                        .col("cuenta")
                        .col("archivo")
                        .col("fecha_asignacion"),
                )
        })
        .indexed(&[&["creado_el"], &["archivo", "cuenta"]]),
        TableDef::new("raw_trandeuda", |t| {
            t.col(text("cod_cuenta"))
                .col(text("nro_documento"))
                .col(text("archivo"))
                .col(date("fecha_proceso"))
                .col(date_null("fecha_vencimiento"))
                .col(decimal_len("monto_exigible", 15, 2))
                .col(timestamp_with_time_zone_null("creado_el"))
                .col(text_null("motivo_rechazo"))
                .load_metadata()
                .primary_key(
                    Index::create()
                        .col("cod_cuenta")
                        .col("nro_documento")
                        .col("archivo")
                        .col("fecha_proceso"),
                )
        })
        .indexed(&[&["creado_el"], &["fecha_proceso"], &["nro_documento"]]),
        TableDef::new("raw_pagos", |t| {
            t.col(text("nro_documento"))
                .col(date("fecha_pago"))
                .col(decimal_len("monto_cancelado", 15, 2))
                .col(text_null("cod_sistema"))
                .col(text("archivo"))
                .col(timestamp_with_time_zone_null("creado_el"))
                .col(text_null("motivo_rechazo"))
                .load_metadata()
                .primary_key(
                    Index::create()
                        .col("nro_documento")
                        .col("fecha_pago")
                        .col("monto_cancelado"),
                )
        })
        .indexed(&[&["creado_el"]]),
        TableDef::new("raw_voicebot_gestiones", |t| {
            t.col(text("uid"))
                .col(text_null("campaign_id"))
                .col(text_null("campaign_name"))
                .col(text_null("document"))
                .col(decimal_null("phone"))
                .col(timestamp_with_time_zone_null("date"))
                .col(text_null("management"))
                .col(text_null("sub_management"))
                .col(integer_null("weight"))
                .col(text_null("origin"))
                .col(text_null("compromiso"))
                .col(timestamp_with_time_zone_null("fecha_compromiso"))
                .col(text_null("observacion"))
                .col(text_null("project"))
                .col(text_null("client"))
                .col(integer_null("duracion"))
                .col(text_null("id_telephony"))
                .col(text_null("url_record_bot"))
                .load_metadata()
                .primary_key(Index::create().col("uid"))
        })
        .indexed(&[&["date"], &["document"]]),
        TableDef::new("raw_mibotair_gestiones", |t| {
            t.col(text("uid"))
                .col(text_null("campaign_id"))
                .col(text_null("campaign_name"))
                .col(text_null("document"))
                .col(decimal_null("phone"))
                .col(timestamp_with_time_zone_null("date"))
                .col(text_null("management"))
                .col(text_null("sub_management"))
                .col(integer_null("weight"))
                .col(text_null("origin"))
                .col(date_null("fecha_compromiso"))
                .col(text_null("n1"))
                .col(text_null("n2"))
                .col(text_null("n3"))
                .col(text_null("nombre_agente"))
                .col(text_null("correo_agente"))
                .col(decimal_len_null("monto_compromiso", 15, 2))
                .col(text_null("observacion"))
                .col(text_null("project"))
                .col(text_null("client"))
                .col(integer_null("duracion"))
                .col(text_null("extra"))
                .col(text_null("url"))
                .load_metadata()
                .primary_key(Index::create().col("uid"))
        })
        .indexed(&[&["date"], &["document"]]),
        TableDef::new("raw_homologacion_voicebot", |t| {
            t.col(text("bot_management"))
                .col(text("bot_sub_management"))
                .col(text("bot_compromiso"))
                .col(text_null("n1_homologado"))
                .col(text_null("n2_homologado"))
                .col(text_null("n3_homologado"))
                .col(text_null("contactabilidad_homologada"))
                .col(boolean_null("es_pdp_homologado"))
                .col(integer_null("peso_homologado"))
                .load_metadata()
                .primary_key(
                    Index::create()
                        .col("bot_management")
                        .col("bot_sub_management")
                        .col("bot_compromiso"),
                )
        }),
        TableDef::new("raw_homologacion_mibotair", |t| {
            t.col(text("n_1"))
                .col(text("n_2"))
                .col(text("n_3"))
                .col(text_null("management"))
                .col(integer_null("peso"))
                .col(text_null("contactabilidad"))
                .col(text_null("tipo_gestion"))
                .col(text_null("codigo_rpta"))
                .col(text_null("pdp"))
                .col(text_null("gestor"))
                .load_metadata()
                .primary_key(Index::create().col("n_1").col("n_2").col("n_3"))
        }),
        TableDef::new("raw_ejecutivos", |t| {
            t.col(text("correo_name"))
                .col(text("document"))
                .col(text_null("nombre"))
                .load_metadata()
                .primary_key(Index::create().col("correo_name"))
        }),
    ]
}
