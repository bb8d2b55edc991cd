//! The hand-made fixture: plain SQL INSERTs into the raw tables, the same text on both engines
//! (dates 'YYYY-MM-DD', instants RFC 3339 in UTC, booleans TRUE/FALSE, uuid as text).
//!
//! today = 2025-06-10 (Tuesday). Lima = UTC−5: a Lima civil time hh:mm is (hh+5):mm UTC.
//!
//! Campaigns
//! - A = …_Gestion_Temprana_20250605_5: tipo_cartera NULL → TEMPRANA from the archivo; window
//!   Thu 06-05 … Mon 06-09 (closed), with the weekend 06-07/06-08; fecha_trandeuda NULL.
//!   A second calendario row for A with an older periodo_date (other dates, 'OTRAS') is ignored.
//! - B = …_Gestion_AN_20250609_9: tipo_cartera 'Altas  Nuevas' → ALTAS_NUEVAS; window
//!   Mon 06-09 … today 06-10 (open); fecha_trandeuda 06-09.
//!
//! Accounts (cod_luna: cuenta servicio)
//! - A: 1001: C11 MOVIL, C12 FIJA · 1002: C21 FIJA (negocio NULL, cod_sistema 2; frac 'SI') ·
//!   1003: C31 MOVIL ('Móvil'; fraccionamiento 'NO' → not frac), C32 MOVIL (negocio NULL,
//!   cod_sistema 4) · 1004: C41 FIJA (archivo with '.TXT'; min_vto NULL).
//! - B: 1001: C13 MOVIL (the client with accounts in both campaigns) · 1005: C51 MOVIL
//!   ('movil'; cuota_fracc_act '3' → frac) · 1006: C61 FIJA (min_vto NULL, no due date) ·
//!   1007: C71 MOVIL (absent from every snapshot).
//! - Ignored: an older copy of C12 (creado_el earlier, says MOVIL), a rejected row (C81), an
//!   archivo absent from calendario (C91).
//!
//! Snapshots: 06-05 and 06-09 only (06-06 holds only a rejected row, so Fri 06-06 and Tue 06-10
//! are business days without a snapshot).

use pulso::lima;
use sea_orm::{ConnectionTrait, DatabaseConnection};

pub const A: &str = "Cartera_Agencia_Cobranding_Gestion_Temprana_20250605_5";
pub const B: &str = "Cartera_Agencia_Cobranding_Gestion_AN_20250609_9";

/// When the fixture was loaded (the raw tables' updated_at).
pub const LOADED_AT: &str = "2025-06-10T12:00:00+00:00";
const METADATA_COLUMNS: &str = "extraction_timestamp, extraction_id, created_at, updated_at";

fn metadata_values() -> String {
    format!("'{LOADED_AT}', '6f1c3a52-8d8e-4f7e-9a43-0c2b7d9e5a11', '{LOADED_AT}', '{LOADED_AT}'")
}

/// A text literal or NULL.
fn t(value: Option<&str>) -> String {
    value.map_or("NULL".into(), |v| format!("'{}'", v.replace('\'', "''")))
}

/// The UTC instant of a Lima civil time `YYYY-MM-DD HH:MM`, as a literal.
pub fn lima(civil: &str) -> String {
    let civil = chrono::NaiveDateTime::parse_from_str(civil, "%Y-%m-%d %H:%M").expect("civil time");
    format!("'{}'", lima::civil_to_utc(civil).to_rfc3339())
}

async fn insert(db: &DatabaseConnection, table: &str, columns: &str, values: &str) {
    let sql = format!(
        "INSERT INTO {table} ({columns}, {METADATA_COLUMNS}) VALUES ({values}, {})",
        metadata_values()
    );
    db.execute_unprepared(&sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[allow(clippy::too_many_arguments)]
async fn calendario(
    db: &DatabaseConnection,
    archivo: &str,
    tipo_cartera: Option<&str>,
    apertura: &str,
    cierre: Option<&str>,
    trandeuda: Option<&str>,
    periodo_asignacion: Option<&str>,
    periodo_date: &str,
) {
    insert(
        db,
        "raw_calendario",
        "archivo, tipo_cartera, fecha_apertura, fecha_cierre, fecha_trandeuda, \
         duracion_campana_dias_habiles, periodo_asignacion, periodo_date",
        &format!(
            "'{archivo}', {}, '{apertura}', {}, {}, 20, {}, '{periodo_date}'",
            t(tipo_cartera),
            t(cierre),
            t(trandeuda),
            t(periodo_asignacion)
        ),
    )
    .await;
}

#[derive(Default)]
struct Asignacion<'a> {
    cod_luna: &'a str,
    cuenta: &'a str,
    archivo: &'a str,
    fecha_asignacion: &'a str,
    creado_el: &'a str,
    negocio: Option<&'a str>,
    cod_sistema: i32,
    min_vto: Option<&'a str>,
    fraccionamiento: Option<&'a str>,
    cuota_fracc_act: Option<&'a str>,
    motivo_rechazo: Option<&'a str>,
}

async fn asignacion(db: &DatabaseConnection, a: Asignacion<'_>) {
    insert(
        db,
        "raw_asignaciones",
        "cod_luna, cuenta, archivo, fecha_asignacion, creado_el, negocio, cod_sistema, min_vto, \
         fraccionamiento, cuota_fracc_act, motivo_rechazo",
        &format!(
            "'{}', '{}', '{}', '{}', {}, {}, {}, {}, {}, {}, {}",
            a.cod_luna,
            a.cuenta,
            a.archivo,
            a.fecha_asignacion,
            lima(a.creado_el),
            t(a.negocio),
            a.cod_sistema,
            t(a.min_vto),
            t(a.fraccionamiento),
            t(a.cuota_fracc_act),
            t(a.motivo_rechazo)
        ),
    )
    .await;
}

#[allow(clippy::too_many_arguments)]
async fn trandeuda(
    db: &DatabaseConnection,
    cuenta: &str,
    documento: &str,
    archivo: &str,
    fecha_proceso: &str,
    vencimiento: Option<&str>,
    monto: &str,
    creado_el: &str,
    motivo_rechazo: Option<&str>,
) {
    insert(
        db,
        "raw_trandeuda",
        "cod_cuenta, nro_documento, archivo, fecha_proceso, fecha_vencimiento, monto_exigible, \
         creado_el, motivo_rechazo",
        &format!(
            "'{cuenta}', '{documento}', '{archivo}', '{fecha_proceso}', {}, {monto}, {}, {}",
            t(vencimiento),
            lima(creado_el),
            t(motivo_rechazo)
        ),
    )
    .await;
}

/// A payment as the raw UPSERT writes it: a re-delivery of the same key replaces the row.
pub async fn pago(
    db: &DatabaseConnection,
    documento: &str,
    fecha_pago: &str,
    monto: &str,
    archivo: &str,
    creado_el: &str,
    motivo_rechazo: Option<&str>,
) {
    let sql = format!(
        "INSERT INTO raw_pagos (nro_documento, fecha_pago, monto_cancelado, cod_sistema, archivo, \
         creado_el, motivo_rechazo, {METADATA_COLUMNS}) \
         VALUES ('{documento}', '{fecha_pago}', {monto}, '4', '{archivo}', {}, {}, {}) \
         ON CONFLICT (nro_documento, fecha_pago, monto_cancelado) DO UPDATE SET \
         archivo = excluded.archivo, creado_el = excluded.creado_el, \
         motivo_rechazo = excluded.motivo_rechazo, updated_at = excluded.updated_at",
        lima(creado_el),
        t(motivo_rechazo),
        metadata_values()
    );
    db.execute_unprepared(&sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn voicebot(
    db: &DatabaseConnection,
    uid: &str,
    document: &str,
    at: &str,
    management: &str,
    sub_management: Option<&str>,
    compromiso: Option<&str>,
) {
    insert(
        db,
        "raw_voicebot_gestiones",
        "uid, document, date, management, sub_management, compromiso, campaign_name, duracion",
        &format!(
            "'{uid}', '{document}', {}, '{management}', {}, {}, 'BOT_COBRANZA', 45",
            lima(at),
            t(sub_management),
            t(compromiso)
        ),
    )
    .await;
}

#[allow(clippy::too_many_arguments)]
async fn mibotair(
    db: &DatabaseConnection,
    uid: &str,
    document: &str,
    at: &str,
    (n1, n2, n3): (&str, &str, Option<&str>),
    correo: Option<&str>,
    nombre: Option<&str>,
    monto_compromiso: Option<&str>,
) {
    insert(
        db,
        "raw_mibotair_gestiones",
        "uid, document, date, n1, n2, n3, correo_agente, nombre_agente, monto_compromiso, \
         campaign_name, duracion",
        &format!(
            "'{uid}', '{document}', {}, '{n1}', '{n2}', {}, {}, {}, {}, 'CALL_COBRANZA', 300",
            lima(at),
            t(n3),
            t(correo),
            t(nombre),
            monto_compromiso.unwrap_or("NULL")
        ),
    )
    .await;
}

async fn homologacion_voicebot(
    db: &DatabaseConnection,
    key: (&str, &str, &str),
    contactabilidad: &str,
    pdp: bool,
    peso: i32,
) {
    insert(
        db,
        "raw_homologacion_voicebot",
        "bot_management, bot_sub_management, bot_compromiso, n1_homologado, \
         contactabilidad_homologada, es_pdp_homologado, peso_homologado",
        &format!(
            "'{}', '{}', '{}', '{}', '{contactabilidad}', {}, {peso}",
            key.0,
            key.1,
            key.2,
            key.0,
            if pdp { "TRUE" } else { "FALSE" }
        ),
    )
    .await;
}

async fn homologacion_mibotair(
    db: &DatabaseConnection,
    key: (&str, &str, &str),
    contactabilidad: &str,
    pdp: &str,
    peso: Option<i32>,
) {
    insert(
        db,
        "raw_homologacion_mibotair",
        "n_1, n_2, n_3, contactabilidad, pdp, peso",
        &format!(
            "'{}', '{}', '{}', '{contactabilidad}', '{pdp}', {}",
            key.0,
            key.1,
            key.2,
            peso.map_or("NULL".into(), |p| p.to_string())
        ),
    )
    .await;
}

async fn ejecutivo(db: &DatabaseConnection, correo: &str, document: &str, nombre: &str) {
    insert(
        db,
        "raw_ejecutivos",
        "correo_name, document, nombre",
        &format!("'{correo}', '{document}', '{nombre}'"),
    )
    .await;
}

#[rustfmt::skip]
pub async fn load(db: &DatabaseConnection) {
    // ---- calendario -----------------------------------------------------------------------
    calendario(db, A, None, "2025-06-05", Some("2025-06-09"), None, Some("2025-06"), "2025-06-01").await;
    // Older duplicate of A (§13.15: the latest periodo_date wins): ignored.
    calendario(db, A, Some("OTRAS"), "2025-05-20", None, None, Some("2025-05"), "2025-05-01").await;
    calendario(db, B, Some("Altas  Nuevas"), "2025-06-09", None, Some("2025-06-09"), None, "2025-06-01").await;

    // ---- asignaciones ---------------------------------------------------------------------
    let a_txt = format!("{A}.txt");
    let b_txt = format!("{B}.txt");
    let base_a = || Asignacion {
        archivo: &a_txt,
        fecha_asignacion: "2025-06-05",
        creado_el: "2025-06-05 07:00",
        ..Default::default()
    };
    let base_b = || Asignacion {
        archivo: &b_txt,
        fecha_asignacion: "2025-06-09",
        creado_el: "2025-06-09 07:00",
        ..Default::default()
    };
    let a_upper = format!("{A}.TXT");
    for row in [
        Asignacion { cod_luna: "1001", cuenta: "C11", negocio: Some("MOVIL"), cod_sistema: 4, min_vto: Some("2025-05-25"), ..base_a() },
        Asignacion { cod_luna: "1001", cuenta: "C12", negocio: Some("FIJA"), cod_sistema: 2, min_vto: Some("2025-05-25"), cuota_fracc_act: Some("0"), ..base_a() },
        // Older copy of C12 (one day earlier): the newest creado_el wins (§13.8).
        Asignacion { cod_luna: "1001", cuenta: "C12", negocio: Some("MOVIL"), cod_sistema: 4, min_vto: Some("2025-05-01"), fecha_asignacion: "2025-06-04", creado_el: "2025-06-04 07:00", ..base_a() },
        Asignacion { cod_luna: "1002", cuenta: "C21", negocio: None, cod_sistema: 2, min_vto: Some("2025-05-30"), fraccionamiento: Some("SI"), ..base_a() },
        Asignacion { cod_luna: "1003", cuenta: "C31", negocio: Some("Móvil"), cod_sistema: 4, min_vto: Some("2025-05-25"), fraccionamiento: Some("NO"), ..base_a() },
        Asignacion { cod_luna: "1003", cuenta: "C32", negocio: None, cod_sistema: 4, min_vto: Some("2025-05-30"), ..base_a() },
        Asignacion { cod_luna: "1004", cuenta: "C41", archivo: &a_upper, negocio: Some("FIJA"), cod_sistema: 2, ..base_a() },
        Asignacion { cod_luna: "1008", cuenta: "C81", negocio: Some("MOVIL"), cod_sistema: 4, motivo_rechazo: Some("Cuenta duplicada"), ..base_a() },
        Asignacion { cod_luna: "1009", cuenta: "C91", archivo: "Cartera_Desconocida_20250605_1.txt", negocio: Some("MOVIL"), cod_sistema: 4, ..base_a() },
        Asignacion { cod_luna: "1001", cuenta: "C13", negocio: Some("MOVIL"), cod_sistema: 4, min_vto: Some("2025-06-01"), ..base_b() },
        Asignacion { cod_luna: "1005", cuenta: "C51", negocio: Some("movil"), cod_sistema: 4, min_vto: Some("2025-06-01"), cuota_fracc_act: Some("3"), ..base_b() },
        Asignacion { cod_luna: "1006", cuenta: "C61", negocio: Some("FIJA"), cod_sistema: 2, ..base_b() },
        Asignacion { cod_luna: "1007", cuenta: "C71", negocio: Some("MOVIL"), cod_sistema: 4, min_vto: Some("2025-06-01"), ..base_b() },
    ] {
        asignacion(db, row).await;
    }

    // ---- trandeuda ------------------------------------------------------------------------
    let f0605 = "TRAN_DEUDA_0506_1.txt";
    let f0605b = "TRAN_DEUDA_0506_2.txt";
    let f0609 = "TRAN_DEUDA_0906_1.txt";
    let early = "2025-06-05 06:00";
    let later = "2025-06-05 06:30";
    let mon = "2025-06-09 06:00";
    for (cuenta, doc, file, day, vto, monto, creado, motivo) in [
        // Snapshot 06-05.
        ("C11", "D111", f0605, "2025-06-05", Some("2025-05-25"), "100.00", early, None),
        ("C11", "D112", f0605, "2025-06-05", Some("2025-05-25"), "50.00", early, None),
        ("C12", "D121", f0605, "2025-06-05", Some("2025-05-25"), "80.00", early, None),
        // D211 twice that day: the later copy (200.00) wins (§13.9).
        ("C21", "D211", f0605, "2025-06-05", Some("2025-05-30"), "190.00", early, None),
        ("C21", "D211", f0605b, "2025-06-05", Some("2025-05-30"), "200.00", later, None),
        ("C31", "D311", f0605, "2025-06-05", Some("2025-05-25"), "0.50", early, None),
        ("C32", "D321", f0605, "2025-06-05", Some("2025-05-30"), "-5.00", early, None),
        ("C32", "D322", f0605, "2025-06-05", Some("2025-05-30"), "30.00", early, None),
        ("C41", "D411", f0605, "2025-06-05", Some("2025-05-20"), "60.00", early, None),
        ("C41", "D412", f0605, "2025-06-05", Some("2025-05-10"), "999.00", early, Some("Monto invalido")),
        // 06-06: only a rejected row, so 06-06 is no snapshot day.
        ("C11", "D111", "TRAN_DEUDA_0606_1.txt", "2025-06-06", Some("2025-05-25"), "100.00", "2025-06-06 06:00", Some("Archivo corrupto")),
        // Snapshot 06-09 (C31 and C71 absent).
        ("C11", "D111", f0609, "2025-06-09", Some("2025-05-25"), "100.00", mon, None),
        ("C12", "D121", f0609, "2025-06-09", Some("2025-05-25"), "80.00", mon, None),
        ("C21", "D211", f0609, "2025-06-09", Some("2025-05-30"), "150.00", mon, None),
        ("C32", "D322", f0609, "2025-06-09", Some("2025-05-30"), "30.00", mon, None),
        ("C41", "D411", f0609, "2025-06-09", Some("2025-05-20"), "60.00", mon, None),
        ("C13", "D131", f0609, "2025-06-09", Some("2025-06-01"), "120.00", mon, None),
        ("C51", "D511", f0609, "2025-06-09", Some("2025-06-01"), "40.00", mon, None),
        ("C51", "D512", f0609, "2025-06-09", Some("2025-06-01"), "45.50", mon, None),
        ("C61", "D611", f0609, "2025-06-09", None, "300.00", mon, None),
    ] {
        trandeuda(db, cuenta, doc, file, day, vto, monto, creado, motivo).await;
    }

    // ---- pagos ----------------------------------------------------------------------------
    // P1: delivered in two daily files, same key → one raw row, counted once.
    pago(db, "D112", "2025-06-06", "50.00", "PAGOS_2025-06-06.txt", "2025-06-06 06:00", None).await;
    pago(db, "D112", "2025-06-06", "50.00", "PAGOS_2025-06-07.txt", "2025-06-07 06:00", None).await;
    // P2: before A's apertura.
    pago(db, "D211", "2025-06-04", "20.00", "PAGOS_2025-06-04.txt", "2025-06-04 06:00", None).await;
    // P3: after A's cierre.
    pago(db, "D311", "2025-06-10", "0.50", "PAGOS_2025-06-10.txt", "2025-06-10 06:00", None).await;
    // P4: non-positive.
    pago(db, "D121", "2025-06-09", "-10.00", "PAGOS_2025-06-09.txt", "2025-06-09 06:00", None).await;
    // P5, P6: B.
    pago(db, "D512", "2025-06-10", "45.50", "PAGOS_2025-06-10.txt", "2025-06-10 06:00", None).await;
    pago(db, "D131", "2025-06-09", "30.00", "PAGOS_2025-06-09.txt", "2025-06-09 06:00", None).await;
    // P7: a document never seen in trandeuda: unattributable.
    pago(db, "DXXX", "2025-06-09", "99.00", "PAGOS_2025-06-09.txt", "2025-06-09 06:00", None).await;
    // P8: rejected.
    pago(db, "D121", "2025-06-06", "10.00", "PAGOS_2025-06-06.txt", "2025-06-06 06:00", Some("Pago extornado")).await;
    // P9: dated after today.
    pago(db, "D611", "2025-06-12", "10.00", "PAGOS_2025-06-10.txt", "2025-06-10 06:00", None).await;
    // P10, P11: A.
    pago(db, "D211", "2025-06-06", "25.00", "PAGOS_2025-06-06.txt", "2025-06-06 06:00", None).await;
    pago(db, "D111", "2025-06-09", "10.00", "PAGOS_2025-06-09.txt", "2025-06-09 06:00", None).await;

    // ---- homologation and agents ----------------------------------------------------------
    homologacion_voicebot(db, ("NO CONTESTA", "", ""), "No contacto", false, 1).await;
    homologacion_voicebot(db, ("CUELGA", "", ""), "CONTACTO NO EFECTIVO", false, 2).await;
    homologacion_voicebot(db, ("CONTACTO EFECTIVO", "CLIENTE HABLA", ""), "Contacto Efectivo", false, 5).await;
    homologacion_voicebot(db, ("PDP", "PROMESA DE PAGO", "SI"), "Contacto_Efectivo", true, 10).await;
    homologacion_voicebot(db, ("BUZON DE VOZ", "", ""), "No Contacto", false, 1).await;
    homologacion_mibotair(db, ("Contacto_Efectivo", "PDP", "Promesa"), "Contacto Efectivo", "Sí", Some(8)).await;
    homologacion_mibotair(db, ("Contacto_Efectivo", "Cliente Habla", ""), "Contacto Efectivo", "NO", Some(4)).await;
    homologacion_mibotair(db, ("Contacto_No_Efectivo", "Tercero", ""), "Contacto No Efectivo", "NO", None).await;
    homologacion_mibotair(db, ("No_Contacto", "No Contesta", ""), "No contacto", "NO", Some(1)).await;
    ejecutivo(db, "ana@x.pe", "11111111", "Ana Pérez").await;
    ejecutivo(db, "beto@x.pe", "22222222", "Beto Ruiz").await;

    // ---- gestiones (Lima civil times) -----------------------------------------------------
    voicebot(db, "v1", "1001", "2025-06-05 09:15", "NO CONTESTA", None, None).await;
    voicebot(db, "v2", "1001", "2025-06-05 10:30", "CUELGA", None, None).await;
    voicebot(db, "v3", "1002", "2025-06-05 09:40", "REAGENDA", Some("X"), None).await; // unmatched
    voicebot(db, "v4", "1003", "2025-06-06 14:05", "CONTACTO EFECTIVO", Some("CLIENTE HABLA"), None).await;
    voicebot(db, "v5", "1003", "2025-06-07 10:00", "PDP", Some("PROMESA DE PAGO"), Some("SI")).await; // Saturday
    voicebot(db, "v6", "1006", "2025-06-10 10:10", "BUZON DE VOZ", None, None).await;
    voicebot(db, "v7", "9999", "2025-06-10 11:00", "NO CONTESTA", None, None).await; // unassigned
    voicebot(db, "v8", "1005", "2025-06-10 08:30", "NO CONTESTA", None, None).await;
    voicebot(db, "v9", "ABC", "2025-06-09 10:00", "NO CONTESTA", None, None).await; // non-numeric
    // 22:30 Lima on 06-05 is 03:30 UTC on 06-06: a Lima-day boundary.
    voicebot(db, "v10", "1003", "2025-06-05 22:30", "NO CONTESTA", None, None).await;
    let pdp = ("Contacto_Efectivo", "PDP", Some("Promesa"));
    let habla = ("Contacto_Efectivo", "Cliente Habla", None);
    mibotair(db, "m1", "1001", "2025-06-06 11:00", pdp, Some("ANA@X.PE"), Some("Ana P."), Some("100.00")).await;
    mibotair(db, "m2", "1002", "2025-06-09 15:10", ("Contacto_No_Efectivo", "Tercero", None), Some("beto@x.pe"), Some("Beto"), None).await;
    mibotair(db, "m3", "1001", "2025-06-09 16:20", ("No_Contacto", "No Contesta", None), Some("carla@x.pe"), Some("Carla M"), None).await; // not in ejecutivos
    mibotair(db, "m4", "1005", "2025-06-10 09:05", pdp, Some("ana@x.pe"), Some("Ana P."), Some("45.50")).await;
    mibotair(db, "m5", "1007", "2025-06-10 12:30", habla, None, None, Some("20.00")).await; // no agent at all
    mibotair(db, "m6", "1002", "2025-06-04 10:00", habla, Some("beto@x.pe"), Some("Beto"), None).await; // before every window
    mibotair(db, "m7", "1006", "2025-06-10 10:45", ("Otro", "Raro", None), Some("beto@x.pe"), Some("Beto"), None).await; // unmatched
}
