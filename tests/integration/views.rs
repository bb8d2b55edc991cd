//! The dashboard API's read models (`pulso::views`) on a small hand-made set of mart and aux
//! rows whose every output value is computed by hand in the comments, on both engines; argument
//! errors; the GraphQL type names; and a smoke run over the synthetic pipeline.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use pulso::views::{
    Dimension, IconStatus, ValueType, ViewError,
    assignment::{self, AssignmentArgs},
    dashboard::{self, DashboardArgs, DashboardFilters, DataRow},
    evolution::{self, EvolutionArgs, EvolutionMetricName},
    operation::{self, OperationArgs},
    productivity::{self, AgentDailyPerformance, ProductivityArgs},
};
use sea_orm::DatabaseConnection;

use crate::{
    etl::{self, etl_config, evening, forced, pipeline, synthetic},
    harness::{Engine, exec, migrated_db, on_both_engines},
};

fn june(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, d).unwrap()
}

/// Friday 2025-06-20.
fn today() -> NaiveDate {
    june(20)
}

/// Campaign A: TEMPRANA, open, due day 5. B: ALTAS_NUEVAS (by name), closed on 06-15, due day
/// 13. C: TEMPRANA of May, closed, due day 1 (same due-day group as A), planned length unknown.
const A: &str = "Cartera_Agencia_Cobranding_Gestion_Temprana_20250602_5";
const B: &str = "Cartera_Agencia_Cobranding_Gestion_AN_20250602_13";
const C: &str = "Cartera_Agencia_Cobranding_Gestion_Temprana_20250505_1";

async fn insert_campaigns(conn: &DatabaseConnection) {
    exec(
        conn,
        &format!(
            "INSERT INTO raw_calendario (archivo, tipo_cartera, fecha_apertura, fecha_cierre,
                duracion_campana_dias_habiles, periodo_asignacion, periodo_date,
                extraction_timestamp, extraction_id) VALUES
            ('{A}', 'TEMPRANA', '2025-06-02', NULL, 20, '2025-06', '2025-06-01', '2025-06-20T00:00:00+00:00', '00000000-0000-0000-0000-000000000001'),
            ('{B}', NULL, '2025-06-02', '2025-06-15', 10, '2025-06', '2025-06-01', '2025-06-20T00:00:00+00:00', '00000000-0000-0000-0000-000000000001'),
            ('{C}', 'TEMPRANA', '2025-05-05', '2025-05-30', NULL, '2025-05', '2025-05-01', '2025-06-20T00:00:00+00:00', '00000000-0000-0000-0000-000000000001')"
        ),
    )
    .await;
}

/// Counters of one dashboard/evolution row: cuentas, cd, ci, sc, sg, pdp, pagadoras,
/// total_gestiones, deuda_asig, deuda_act, recupero (cuentas_gestionadas = cuentas − sg).
type Counts = (i32, i32, i32, i32, i32, i32, i32, i32, f64, f64, f64);

fn counter_values(c: Counts) -> String {
    let (cuentas, cd, ci, sc, sg, pdp, pag, gest, asig, act, rec) = c;
    format!(
        "{cuentas}, {}, {cd}, {ci}, {sc}, {sg}, {pdp}, {pag}, {gest}, {asig}, {act}, {rec}",
        cuentas - sg
    )
}

const COUNTER_COLUMNS: &str = "cuentas, cuentas_gestionadas, cuentas_cd, cuentas_ci, cuentas_sc, \
     cuentas_sg, cuentas_pdp, cuentas_pagadoras, total_gestiones, deuda_asig, deuda_act, recupero";

#[allow(clippy::too_many_arguments)]
async fn dashboard_row(
    conn: &DatabaseConnection,
    fecha: &str,
    archivo: &str,
    cartera: &str,
    servicio: &str,
    dia: i32,
    frac: (i32, i32),
    counts: Counts,
) {
    exec(
        conn,
        &format!(
            "INSERT INTO dashboard_data (fecha_foto, archivo, cartera, servicio, dia_gestion,
                cuentas_frac, cuentas_pdp_frac, {COUNTER_COLUMNS})
             VALUES ('{fecha}', '{archivo}', '{cartera}', '{servicio}', {dia}, {}, {}, {})",
            frac.0,
            frac.1,
            counter_values(counts)
        ),
    )
    .await;
}

async fn evolution_row(
    conn: &DatabaseConnection,
    fecha: &str,
    archivo: &str,
    cartera: &str,
    servicio: &str,
    dia: i32,
    counts: Counts,
) {
    exec(
        conn,
        &format!(
            "INSERT INTO evolution_data (fecha_foto, archivo, cartera, servicio, dia_gestion,
                {COUNTER_COLUMNS})
             VALUES ('{fecha}', '{archivo}', '{cartera}', '{servicio}', {dia}, {})",
            counter_values(counts)
        ),
    )
    .await;
}

// --- dashboard ---------------------------------------------------------------------------

const A_MOVIL: Counts = (100, 50, 25, 15, 10, 20, 20, 270, 10000.0, 8000.0, 500.0);
const A_FIJA: Counts = (50, 10, 10, 10, 20, 5, 5, 45, 5000.0, 4500.0, 100.0);
const B_MOVIL: Counts = (200, 100, 40, 40, 20, 30, 40, 400, 30000.0, 25000.0, 2000.0);
const C_FIJA: Counts = (10, 5, 0, 0, 5, 5, 5, 20, 1000.0, 500.0, 300.0);
/// Rows on days the cut-off never selects.
const NOISE: Counts = (1000, 0, 0, 0, 1000, 0, 0, 0, 9.0, 9.0, 9.0);

async fn dashboard_fixture(conn: &DatabaseConnection) {
    insert_campaigns(conn).await;
    dashboard_row(
        conn,
        "2025-06-20",
        A,
        "TEMPRANA",
        "MOVIL",
        15,
        (5, 2),
        A_MOVIL,
    )
    .await;
    dashboard_row(
        conn,
        "2025-06-20",
        A,
        "TEMPRANA",
        "FIJA",
        15,
        (0, 0),
        A_FIJA,
    )
    .await;
    dashboard_row(
        conn,
        "2025-06-19",
        A,
        "TEMPRANA",
        "MOVIL",
        14,
        (0, 0),
        NOISE,
    )
    .await;
    dashboard_row(
        conn,
        "2025-06-15",
        B,
        "ALTAS_NUEVAS",
        "MOVIL",
        10,
        (10, 3),
        B_MOVIL,
    )
    .await;
    dashboard_row(
        conn,
        "2025-06-14",
        B,
        "ALTAS_NUEVAS",
        "MOVIL",
        9,
        (0, 0),
        NOISE,
    )
    .await;
    dashboard_row(
        conn,
        "2025-05-30",
        C,
        "TEMPRANA",
        "FIJA",
        19,
        (1, 1),
        C_FIJA,
    )
    .await;
}

async fn dashboard(conn: &DatabaseConnection, args: DashboardArgs) -> dashboard::DashboardData {
    let query = args.resolve(today()).unwrap();
    dashboard::load(conn, &query).await.unwrap()
}

fn filters(cartera: &[&str], servicio: &[&str], periodo: &[&str]) -> Option<DashboardFilters> {
    let list = |v: &[&str]| Some(v.iter().map(|s| (*s).to_owned()).collect());
    Some(DashboardFilters {
        cartera: list(cartera),
        servicio: list(servicio),
        periodo: list(periodo),
    })
}

on_both_engines!(
    dashboard_groups_the_cutoff_rows_with_totals_and_statuses,
    dashboard_periodo_filters_select_campaigns,
    evolution_series_follow_dia_gestion,
    assignment_compares_two_months,
    operation_reports_one_day,
    productivity_ranks_agents_over_the_range,
);

async fn dashboard_groups_the_cutoff_rows_with_totals_and_statuses(engine: Engine) {
    let (_db, conn) = migrated_db(engine).await;
    dashboard_fixture(&conn).await;
    // Without a periodo, the cut-off 06-20 selects A only (B closed on 06-15, C in May), at
    // fecha_foto 06-20: A MOVIL + A FIJA.
    let data = dashboard(&conn, DashboardArgs::default()).await;
    // cuentas 150, gestionadas 120, cd 60, ci 35, sc 25, sg 30, pdp 25, pagadoras 25,
    // gestiones 315: cobertura 80.0, contacto 63.3 (warning < 70), cd 40.0, ci 23.3, sc 16.7,
    // cierre 16.7 (ok ≥ 15), inten 315 / 120 = 2.625 → 2.6 (ok ≥ 2).
    let temprana = DataRow {
        id: "TEMPRANA".into(),
        name: "Temprana".into(),
        status: IconStatus::Neutral,
        cuentas: 150,
        deuda_asig: 15000.0,
        deuda_act: 12500.0,
        porcentaje_cuentas: 100.0,
        porcentaje_deuda: 100.0,
        porcentaje_deuda_act: 100.0,
        porcentaje_deuda_status: IconStatus::Neutral,
        porcentaje_deuda_act_status: IconStatus::Neutral,
        cobertura: 80.0,
        contacto: 63.3,
        contacto_status: IconStatus::Warning,
        cd: 40.0,
        ci: 23.3,
        sc: 16.7,
        cierre: 16.7,
        cierre_status: IconStatus::Ok,
        inten: 2.6,
        inten_status: IconStatus::Ok,
        cd_count: 60,
        ci_count: 35,
        sc_count: 25,
        sg_count: 30,
        pdp_count: 25,
        frac_count: 5,
        pdp_frac_count: 2,
        fecha_asignacion: Some("2025-06-02".into()),
        fecha_cierre: None,
        dias_gestion: Some(15),
        dias_habiles: Some(20),
    };
    assert_eq!(data.segmento_data, vec![temprana.clone()]);
    let total = DataRow {
        id: "total".into(),
        name: "Total".into(),
        status: IconStatus::None,
        ..temprana.clone()
    };
    assert_eq!(data.total.row, total);
    // The cached JSON mirrors the API (camelCase, the totals row flattened) and reads back.
    let json = serde_json::to_value(&data).unwrap();
    assert_eq!(json["total"]["porcentajeCuentas"], 100.0);
    assert_eq!(json["segmentoData"][0]["contactoStatus"], "warning");
    assert_eq!(
        serde_json::from_value::<dashboard::DashboardData>(json).unwrap(),
        data
    );
    assert_eq!(data.integral_chart_data.len(), 1);
    let point = &data.integral_chart_data[0];
    assert_eq!(
        (point.name.as_str(), point.cobertura, point.contacto),
        ("Temprana", 80.0, 63.3)
    );
    assert_eq!(
        (
            point.contacto_directo,
            point.contacto_indirecto,
            point.tasa_de_cierre,
            point.intensidad
        ),
        (40.0, 23.3, 16.7, 2.6)
    );

    // negocioData: MOVIL (100 accounts) before FIJA (50); shares of the total.
    let [movil, fija] = &data.negocio_data[..] else {
        panic!("{:?}", data.negocio_data)
    };
    assert_eq!((movil.id.as_str(), movil.name.as_str()), ("MOVIL", "Móvil"));
    // 100 / 150, 10000 / 15000, 8000 / 12500; cobertura 90, contacto 75 (ok), cierre 20 (ok),
    // inten 270 / 90 = 3.0 (ok).
    assert_eq!(
        (
            movil.porcentaje_cuentas,
            movil.porcentaje_deuda,
            movil.porcentaje_deuda_act
        ),
        (66.7, 66.7, 64.0)
    );
    assert_eq!(
        (movil.cobertura, movil.contacto, movil.cierre, movil.inten),
        (90.0, 75.0, 20.0, 3.0)
    );
    assert_eq!(
        (
            movil.contacto_status,
            movil.cierre_status,
            movil.inten_status
        ),
        (IconStatus::Ok, IconStatus::Ok, IconStatus::Ok)
    );
    // FIJA: contacto 40 (warning), cierre 10 (warning), inten 45 / 30 = 1.5 (warning).
    assert_eq!((fija.id.as_str(), fija.name.as_str()), ("FIJA", "Fija"));
    assert_eq!(
        (
            fija.porcentaje_cuentas,
            fija.contacto,
            fija.cierre,
            fija.inten
        ),
        (33.3, 40.0, 10.0, 1.5)
    );
    assert_eq!(
        (fija.contacto_status, fija.cierre_status, fija.inten_status),
        (
            IconStatus::Warning,
            IconStatus::Warning,
            IconStatus::Warning
        )
    );

    // A servicio filter keeps only the FIJA rows.
    let only_fija = dashboard(
        &conn,
        DashboardArgs {
            filters: filters(&[], &["fija", "TODOS"], &[]),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(only_fija.total.row.cuentas, 50);
    assert_eq!(only_fija.negocio_data.len(), 1);

    // A cut-off before every campaign selects nothing: empty lists and a zero totals row.
    let empty = dashboard(
        &conn,
        DashboardArgs {
            fecha_corte: Some(june(1)),
            ..Default::default()
        },
    )
    .await;
    assert!(empty.segmento_data.is_empty() && empty.negocio_data.is_empty());
    assert_eq!(empty.total.row.cuentas, 0);
    assert_eq!(empty.total.row.cobertura, 0.0);
    assert_eq!(empty.total.row.fecha_asignacion, None);
}

async fn dashboard_periodo_filters_select_campaigns(engine: Engine) {
    let (_db, conn) = migrated_db(engine).await;
    dashboard_fixture(&conn).await;
    let with_periodo = |periodo: &[&str], dimension: Dimension| DashboardArgs {
        filters: filters(&[], &[], periodo),
        fecha_corte: None,
        dimensions: Some(vec![dimension, Dimension::Cartera]),
    };

    // ACTUAL = 2025-06: A at 06-20 and B at min(06-20, cierre 06-15) = 06-15.
    let actual = dashboard(&conn, with_periodo(&["ACTUAL"], Dimension::Cartera)).await;
    let ids: Vec<&str> = actual.segmento_data.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["ALTAS_NUEVAS", "TEMPRANA"], "cuentas 200 before 150");
    let altas = &actual.segmento_data[0];
    assert_eq!(altas.name, "Altas Nuevas");
    // 200 / 350 accounts; B is closed: its fechaCierre shows, its days are its own.
    assert_eq!(altas.porcentaje_cuentas, 57.1);
    assert_eq!(altas.fecha_cierre.as_deref(), Some("2025-06-15"));
    assert_eq!(
        (altas.dias_gestion, altas.dias_habiles),
        (Some(10), Some(10))
    );
    assert_eq!((altas.frac_count, altas.pdp_frac_count), (10, 3));
    assert_eq!(actual.segmento_data[1].porcentaje_cuentas, 42.9);
    let total = &actual.total.row;
    assert_eq!(total.cuentas, 350);
    assert_eq!(total.porcentaje_cuentas, 100.0);
    assert_eq!(total.fecha_cierre, None, "A is still open");
    assert_eq!(
        (total.dias_gestion, total.dias_habiles),
        (Some(15), Some(20))
    );

    // ANTERIOR = 2025-05: C only, at its closing day.
    let anterior = dashboard(&conn, with_periodo(&["ANTERIOR"], Dimension::Cartera)).await;
    assert_eq!(anterior.total.row.cuentas, 10);
    assert_eq!(
        anterior.total.row.dias_habiles, None,
        "C's length is unknown"
    );
    assert_eq!(
        anterior.total.row.fecha_cierre.as_deref(),
        Some("2025-05-30")
    );

    // ULTIMO_MES: opened in (05-21, 06-20] = A and B; an explicit month is the same as ACTUAL.
    let ultimo = dashboard(&conn, with_periodo(&["ULTIMO_MES"], Dimension::Cartera)).await;
    assert_eq!(ultimo.total.row.cuentas, 350);
    let month = dashboard(&conn, with_periodo(&["2025-06"], Dimension::Cartera)).await;
    assert_eq!(month, actual);

    // ULTIMOS_3_MESES by vencimiento: B (due 13) → GRUPO_9_13; A (due 5) and C (due 1) merge
    // into GRUPO_1_5: 160 accounts, pagadoras 30 → cierre 18.75 → 18.8, earliest apertura C's,
    // open because of A, max dia_gestion C's 19, max dias_habiles A's 20.
    let venc = dashboard(
        &conn,
        with_periodo(&["ULTIMOS_3_MESES"], Dimension::Vencimiento),
    )
    .await;
    let ids: Vec<&str> = venc.segmento_data.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(ids, ["GRUPO_9_13", "GRUPO_1_5"]);
    let g15 = &venc.segmento_data[1];
    assert_eq!((g15.cuentas, g15.cd_count, g15.cierre), (160, 65, 18.8));
    assert_eq!(g15.fecha_asignacion.as_deref(), Some("2025-05-05"));
    assert_eq!(g15.fecha_cierre, None);
    assert_eq!((g15.dias_gestion, g15.dias_habiles), (Some(19), Some(20)));
    assert_eq!(venc.total.row.cuentas, 360);
    assert_eq!(
        venc.negocio_data.len(),
        2,
        "negocioData ignores the dimension"
    );

    // A cartera filter on top of a periodo.
    let altas_only = dashboard(
        &conn,
        DashboardArgs {
            filters: filters(&["ALTAS_NUEVAS"], &[], &["ACTUAL"]),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(altas_only.total.row.cuentas, 200);
}

// --- evolution ---------------------------------------------------------------------------

async fn evolution_fixture(conn: &DatabaseConnection) {
    insert_campaigns(conn).await;
    let a_movil_19 = (100, 40, 20, 20, 20, 10, 10, 200, 10000.0, 9000.0, 400.0);
    let a_fija_19 = (50, 10, 5, 10, 25, 5, 5, 40, 5000.0, 4800.0, 100.0);
    let b_movil_13 = (200, 80, 40, 30, 50, 20, 30, 300, 30000.0, 26000.0, 1500.0);
    evolution_row(conn, "2025-06-19", A, "TEMPRANA", "MOVIL", 14, a_movil_19).await;
    evolution_row(conn, "2025-06-19", A, "TEMPRANA", "FIJA", 14, a_fija_19).await;
    evolution_row(conn, "2025-06-20", A, "TEMPRANA", "MOVIL", 15, A_MOVIL).await;
    evolution_row(
        conn,
        "2025-06-13",
        B,
        "ALTAS_NUEVAS",
        "MOVIL",
        10,
        b_movil_13,
    )
    .await;
    evolution_row(conn, "2025-05-29", C, "TEMPRANA", "FIJA", 18, C_FIJA).await;
    // Before the default range [05-21, 06-20].
    evolution_row(conn, "2025-05-05", C, "TEMPRANA", "FIJA", 1, NOISE).await;
}

/// (series name, [(day, value)]) of one metric.
fn series_of(metric: &evolution::EvolutionMetric) -> Vec<(String, Vec<(i32, f64)>)> {
    metric
        .series
        .iter()
        .map(|s| {
            (
                s.name.clone(),
                s.data.iter().map(|p| (p.day, p.value)).collect(),
            )
        })
        .collect()
}

async fn evolution_series_follow_dia_gestion(engine: Engine) {
    let (_db, conn) = migrated_db(engine).await;
    evolution_fixture(&conn).await;
    let load = |args: EvolutionArgs| {
        let conn = conn.clone();
        async move {
            let query = args.resolve(today()).unwrap();
            evolution::load(&conn, &query).await.unwrap()
        }
    };

    // Defaults: 30 days to today, by cartera, metrics in a fixed order.
    let metrics = load(EvolutionArgs::default()).await;
    let names: Vec<&str> = metrics.iter().map(|m| m.metric.as_str()).collect();
    assert_eq!(
        names,
        ["cobertura", "contacto", "cd", "ci", "cierre", "recupero"]
    );
    assert_eq!(metrics[0].value_type, ValueType::Percent);
    assert_eq!(metrics[5].value_type, ValueType::Currency);
    // cobertura: B day 10: 150 / 200; A day 14: (80 + 25) / 150; A day 15: 90 / 100; C day 18:
    // 5 / 10. Series sorted by key, points by day.
    assert_eq!(
        series_of(&metrics[0]),
        vec![
            ("Altas Nuevas".to_owned(), vec![(10, 75.0)]),
            (
                "Temprana".to_owned(),
                vec![(14, 70.0), (15, 90.0), (18, 50.0)]
            ),
        ]
    );
    // contacto day 14: (40 + 10 + 20 + 5) / 150 = 50; recupero sums money.
    assert_eq!(series_of(&metrics[1])[1].1[0], (14, 50.0));
    assert_eq!(
        series_of(&metrics[5])[1].1,
        vec![(14, 500.0), (15, 500.0), (18, 300.0)]
    );

    // By negocio, MOVIL only, metrics deduplicated and put in order.
    let movil = load(EvolutionArgs {
        servicio: Some("MOVIL".into()),
        metrics: Some(vec![
            EvolutionMetricName::Recupero,
            EvolutionMetricName::Cobertura,
            EvolutionMetricName::Recupero,
        ]),
        comparison_dimension: Some(Dimension::Negocio),
        ..Default::default()
    })
    .await;
    assert_eq!(movil.len(), 2);
    assert_eq!(
        series_of(&movil[0]),
        vec![("Móvil".to_owned(), vec![(10, 75.0), (14, 80.0), (15, 90.0)])]
    );
    assert_eq!(movil[1].metric, "recupero");
    assert_eq!(
        series_of(&movil[1])[0].1,
        vec![(10, 1500.0), (14, 400.0), (15, 500.0)]
    );

    // A cartera and a two-day range; intensidad = gestiones / gestionadas: day 14 240 / 105 =
    // 2.29 → 2.3, day 15 270 / 90 = 3.0; conversion = pdp / cd: day 14 15 / 50 = 30.
    let temprana = load(EvolutionArgs {
        cartera: Some("temprana".into()),
        fecha_inicio: Some(june(19)),
        fecha_fin: Some(june(20)),
        metrics: Some(vec![
            EvolutionMetricName::Intensidad,
            EvolutionMetricName::Conversion,
        ]),
        ..Default::default()
    })
    .await;
    assert_eq!(temprana[0].metric, "conversion");
    assert_eq!(series_of(&temprana[0])[0].1, vec![(14, 30.0), (15, 40.0)]);
    assert_eq!(temprana[1].value_type, ValueType::Number);
    assert_eq!(
        series_of(&temprana[1]),
        vec![("Temprana".to_owned(), vec![(14, 2.3), (15, 3.0)])]
    );

    // No rows in range: every metric with no series.
    let none = load(EvolutionArgs {
        fecha_inicio: Some(june(1)),
        fecha_fin: Some(june(2)),
        ..Default::default()
    })
    .await;
    assert!(none.iter().all(|m| m.series.is_empty()));
}

// --- assignment --------------------------------------------------------------------------

async fn assignment_fixture(conn: &DatabaseConnection) {
    let rows = [
        (
            "2025-06",
            A,
            "TEMPRANA",
            "MOVIL",
            "2025-06-05",
            80,
            100,
            10000.0,
        ),
        (
            "2025-06",
            A,
            "TEMPRANA",
            "FIJA",
            "2025-06-05",
            40,
            50,
            5000.0,
        ),
        (
            "2025-06",
            B,
            "ALTAS_NUEVAS",
            "MOVIL",
            "2025-06-13",
            150,
            200,
            30000.0,
        ),
        (
            "2025-05",
            C,
            "TEMPRANA",
            "FIJA",
            "2025-05-01",
            8,
            10,
            1000.0,
        ),
        (
            "2025-05",
            "Otra_20250505_7",
            "OTRAS",
            "FIJA",
            "2025-05-07",
            5,
            5,
            250.0,
        ),
        (
            "2025-04",
            "Vieja_20250405_7",
            "OTRAS",
            "FIJA",
            "2025-04-07",
            9,
            9,
            900.0,
        ),
    ];
    for (periodo, archivo, cartera, servicio, venc, clientes, cuentas, deuda) in rows {
        exec(
            conn,
            &format!(
                "INSERT INTO assignment_data (periodo, archivo, cartera, servicio,
                    fecha_vencimiento, clientes, cuentas, deuda_asig)
                 VALUES ('{periodo}', '{archivo}', '{cartera}', '{servicio}', '{venc}',
                    {clientes}, {cuentas}, {deuda})"
            ),
        )
        .await;
    }
}

async fn assignment_compares_two_months(engine: Engine) {
    let (_db, conn) = migrated_db(engine).await;
    assignment_fixture(&conn).await;
    let load = |args: AssignmentArgs| {
        let conn = conn.clone();
        async move {
            let query = args.resolve(today()).unwrap();
            assignment::load(&conn, &query).await.unwrap()
        }
    };

    // Defaults: June (today) against May (today − 30 d).
    let data = load(AssignmentArgs::default()).await;
    let kpis: Vec<(&str, f64, f64, f64, ValueType)> = data
        .kpis
        .iter()
        .map(|k| {
            (
                k.label.as_str(),
                k.valor_actual,
                k.valor_anterior,
                k.variacion,
                k.value_type,
            )
        })
        .collect();
    assert_eq!(
        kpis,
        vec![
            // 100 · (270 − 13) / 13 = 1976.92
            ("Total Clientes", 270.0, 13.0, 1976.9, ValueType::Number),
            // 100 · (350 − 15) / 15 = 2233.33
            ("Total Cuentas", 350.0, 15.0, 2233.3, ValueType::Number),
            (
                "Saldo Total Deuda",
                45000.0,
                1250.0,
                3500.0,
                ValueType::Currency
            ),
            // 45000 / 350 = 128.571 → 128.57; 1250 / 15 = 83.33; 100 · 45.24 / 83.33 = 54.29
            ("Ticket Promedio", 128.57, 83.33, 54.3, ValueType::Currency),
        ]
    );
    let composition: Vec<(&str, f64)> = data
        .composition_data
        .iter()
        .map(|c| (c.name.as_str(), c.value))
        .collect();
    assert_eq!(
        composition,
        [("Altas Nuevas", 30000.0), ("Temprana", 15000.0)],
        "OTRAS has no current rows"
    );
    let ids: Vec<&str> = data
        .detail_breakdown
        .iter()
        .map(|r| r.id.as_str())
        .collect();
    assert_eq!(ids, ["altas_nuevas", "temprana", "otras"]);
    let temprana = &data.detail_breakdown[1];
    assert_eq!(temprana.name, "Temprana");
    assert_eq!(
        (
            temprana.clientes_actual,
            temprana.clientes_anterior,
            temprana.cuentas_actual,
            temprana.cuentas_anterior
        ),
        (120, 8, 150, 10)
    );
    assert_eq!(
        (
            temprana.saldo_actual,
            temprana.saldo_anterior,
            temprana.ticket_promedio_actual,
            temprana.ticket_promedio_anterior
        ),
        (15000.0, 1000.0, 100.0, 100.0)
    );
    let otras = &data.detail_breakdown[2];
    assert_eq!(
        (
            otras.cuentas_actual,
            otras.saldo_actual,
            otras.ticket_promedio_actual
        ),
        (0, 0.0, 0.0),
        "no accounts: ticket 0"
    );

    // Only ALTAS_NUEVAS: nothing in May, so every variacion is 100.
    let altas = load(AssignmentArgs {
        cartera: Some("ALTAS_NUEVAS".into()),
        ..Default::default()
    })
    .await;
    assert!(
        altas
            .kpis
            .iter()
            .all(|k| k.valor_anterior == 0.0 && k.variacion == 100.0),
        "{:?}",
        altas.kpis
    );
    assert_eq!(altas.detail_breakdown.len(), 1);

    // Two empty months: every variacion is 0 and the lists are empty.
    let empty = load(AssignmentArgs {
        fecha_actual: Some(NaiveDate::from_ymd_opt(2025, 1, 15).unwrap()),
        fecha_anterior: Some(NaiveDate::from_ymd_opt(2024, 12, 15).unwrap()),
        cartera: None,
    })
    .await;
    assert!(empty.kpis.iter().all(|k| k.variacion == 0.0));
    assert!(empty.composition_data.is_empty() && empty.detail_breakdown.is_empty());

    // The same month twice: no change.
    let same = load(AssignmentArgs {
        fecha_actual: Some(june(20)),
        fecha_anterior: Some(june(1)),
        cartera: None,
    })
    .await;
    assert!(same.kpis.iter().all(|k| k.variacion == 0.0));
    assert_eq!(same.kpis[1].valor_anterior, 350.0);
}

// --- operation ---------------------------------------------------------------------------

async fn operation_fixture(conn: &DatabaseConnection) {
    // (fecha, hora, canal, archivo, gestiones, pdp, efectivos, no efectivos)
    let rows = [
        ("2025-06-20", 10, "VOICEBOT", A, 10000, 500, 2000, 1000),
        ("2025-06-20", 10, "CALL", A, 5000, 600, 1500, 500),
        ("2025-06-20", 14, "CALL", "GENERAL", 432, 32, 100, 32),
        ("2025-06-19", 10, "CALL", A, 999, 9, 100, 0),
    ];
    for (fecha, hora, canal, archivo, gestiones, pdp, ce, cne) in rows {
        exec(
            conn,
            &format!(
                "INSERT INTO operation_data (fecha_foto, hora, canal, archivo, total_gestiones,
                    total_pdp, contactos_efectivos, contactos_no_efectivos, no_contactos)
                 VALUES ('{fecha}', {hora}, '{canal}', '{archivo}', {gestiones}, {pdp}, {ce},
                    {cne}, {})",
                gestiones - ce - cne
            ),
        )
        .await;
    }
    // (canal, uid, fecha, hora, cod_luna, correo, nombre, efectivo, pdp, intento)
    let gestiones = [
        (
            "VOICEBOT",
            "v1",
            "2025-06-20",
            10,
            "'L1'",
            "NULL",
            "'VOICEBOT'",
            true,
            false,
            1,
        ),
        (
            "CALL",
            "c1",
            "2025-06-20",
            10,
            "'L1'",
            "'ana@x'",
            "'Ana'",
            true,
            true,
            2,
        ),
        (
            "VOICEBOT",
            "v2",
            "2025-06-20",
            11,
            "'L2'",
            "NULL",
            "'VOICEBOT'",
            true,
            true,
            1,
        ),
        (
            "CALL",
            "c2",
            "2025-06-20",
            15,
            "'L3'",
            "'ana@x'",
            "'Ana'",
            false,
            false,
            6,
        ),
        (
            "VOICEBOT",
            "v3",
            "2025-06-20",
            12,
            "NULL",
            "NULL",
            "'VOICEBOT'",
            false,
            false,
            1,
        ),
        (
            "CALL",
            "c0",
            "2025-06-19",
            9,
            "'L9'",
            "'bob@x'",
            "'Bob'",
            true,
            true,
            1,
        ),
    ];
    for (canal, uid, fecha, hora, luna, correo, nombre, efectivo, pdp, intento) in gestiones {
        exec(
            conn,
            &format!(
                "INSERT INTO aux_gestiones (canal, gestion_uid, timestamp_gestion, fecha_gestion,
                    hora, cod_luna, correo_agente, nombre_agente, contactabilidad, peso,
                    es_contacto_efectivo, es_compromiso, intento, archivo_principal)
                 VALUES ('{canal}', '{uid}', '{fecha}T15:00:00+00:00', '{fecha}', {hora}, {luna},
                    {correo}, {nombre}, 'X', 1, {}, {}, {intento}, 'GENERAL')",
                if efectivo { "TRUE" } else { "FALSE" },
                if pdp { "TRUE" } else { "FALSE" },
            ),
        )
        .await;
    }
    let fan_out = [
        (A, "cu1", "VOICEBOT", "v1", "2025-06-20"),
        (A, "cu1", "CALL", "c1", "2025-06-20"),
        (A, "cu2", "CALL", "c1", "2025-06-20"),
        (B, "cu1", "CALL", "c1", "2025-06-20"),
        (A, "cu9", "CALL", "c0", "2025-06-19"),
    ];
    for (archivo, cuenta, canal, uid, fecha) in fan_out {
        exec(
            conn,
            &format!(
                "INSERT INTO aux_gestion_cuenta (archivo, cuenta, canal, gestion_uid, cod_luna,
                    fecha_gestion, contactabilidad, es_compromiso)
                 VALUES ('{archivo}', '{cuenta}', '{canal}', '{uid}', 'L1', '{fecha}', 'X', FALSE)"
            ),
        )
        .await;
    }
}

async fn operation_reports_one_day(engine: Engine) {
    let (_db, conn) = migrated_db(engine).await;
    operation_fixture(&conn).await;
    let query = OperationArgs::default().resolve(today()).unwrap();
    let data = operation::load(&conn, &query).await.unwrap();

    // 06-20: 15 432 calls, 3 600 effective, 1 532 non-effective, 1 132 PDP; 3 distinct
    // clients (the gestión without cod_luna is no client); 3 distinct (archivo, cuenta).
    let kpis: Vec<(&str, &str)> = data
        .kpis
        .iter()
        .map(|k| (k.label.as_str(), k.value.as_str()))
        .collect();
    assert_eq!(
        kpis,
        [
            ("Total Llamadas", "15,432"),
            ("Tasa de Contacto", "33.3%"), // 5132 / 15432 = 33.26 %
            ("Contacto Directo", "23.3%"), // 3600 / 15432 = 23.33 %
            ("Tasa de Cierre", "31.4%"),   // 1132 / 3600 = 31.44 %
            ("Intensidad", "5144.0"),      // 15432 / 3
            ("Cuentas Gestionadas", "3"),
        ]
    );
    let channels: Vec<(&str, i32, i32, i32, i32, f64)> = data
        .channel_performance
        .iter()
        .map(|c| {
            (
                c.channel.as_str(),
                c.calls,
                c.effective_contacts,
                c.non_effective_contacts,
                c.pdp,
                c.cierre_rate,
            )
        })
        .collect();
    assert_eq!(
        channels,
        [
            ("Voicebot", 10000, 2000, 1000, 500, 25.0),
            ("Call Center", 5432, 1600, 532, 632, 39.5),
        ]
    );
    let hours: Vec<(&str, i32, i32, i32)> = data
        .hourly_performance
        .iter()
        .map(|h| {
            (
                h.hour.as_str(),
                h.effective_contacts,
                h.non_effective_contacts,
                h.pdp,
            )
        })
        .collect();
    assert_eq!(hours, [("10:00", 3500, 1500, 1100), ("14:00", 100, 32, 32)]);
    // Attempt 1: v1, v2 effective, v2 PDP → 50; attempt 2: c1 → 100; the sixth attempt falls
    // in bucket 5 with no effective gestión → 0.
    let attempts: Vec<(i32, f64)> = data
        .attempt_effectiveness
        .iter()
        .map(|a| (a.attempt, a.cierre_rate))
        .collect();
    assert_eq!(attempts, [(1, 50.0), (2, 100.0), (5, 0.0)]);
    let queues: Vec<(&str, i32, i32, i32, f64)> = data
        .queue_performance
        .iter()
        .map(|q| {
            (
                q.queue_name.as_str(),
                q.calls,
                q.effective_contacts,
                q.pdp,
                q.cierre_rate,
            )
        })
        .collect();
    assert_eq!(
        queues,
        [
            (A, 15000, 3500, 1100, 31.4),
            ("GENERAL", 432, 100, 32, 32.0)
        ]
    );

    // A day without activity: zero KPIs in their formats, empty lists.
    let quiet = OperationArgs {
        fecha: Some(june(1)),
    }
    .resolve(today())
    .unwrap();
    let quiet = operation::load(&conn, &quiet).await.unwrap();
    let values: Vec<&str> = quiet.kpis.iter().map(|k| k.value.as_str()).collect();
    assert_eq!(values, ["0", "0.0%", "0.0%", "0.0%", "0.0", "0"]);
    assert!(quiet.channel_performance.is_empty() && quiet.queue_performance.is_empty());
}

// --- productivity ------------------------------------------------------------------------

async fn productivity_fixture(conn: &DatabaseConnection) {
    operation_fixture(conn).await;
    // (fecha, correo, archivo, nombre, dni, gestiones, efectivos, pdp, recuperado)
    let rows = [
        ("2025-06-18", "ana@x", A, "'Ana'", "'111'", 40, 10, 4, 100.0),
        ("2025-06-20", "ana@x", A, "'Ana'", "'111'", 20, 5, 0, 0.0),
        (
            "2025-06-20",
            "ana@x",
            "GENERAL",
            "'Ana'",
            "'111'",
            10,
            5,
            1,
            50.5,
        ),
        ("2025-06-18", "bob@x", A, "'Bob'", "'222'", 60, 20, 6, 0.0),
        ("2025-06-19", "carl@x", B, "'Carl'", "NULL", 0, 0, 0, 80.0),
        (
            "2025-06-17",
            "bob@x",
            A,
            "'Bob'",
            "'222'",
            500,
            500,
            500,
            0.0,
        ),
    ];
    for (fecha, correo, archivo, nombre, dni, gestiones, ce, pdp, monto) in rows {
        exec(
            conn,
            &format!(
                "INSERT INTO productivity_data (fecha_foto, correo_agente, archivo, nombre_agente,
                    dni_agente, total_gestiones, contactos_efectivos, total_pdp, monto_recuperado)
                 VALUES ('{fecha}', '{correo}', '{archivo}', {nombre}, {dni}, {gestiones}, {ce},
                    {pdp}, {monto})"
            ),
        )
        .await;
    }
}

/// (id, name, calls, direct, commitments, recovered, closing, conversion, rank, quartile)
type RankingTuple<'a> = (&'a str, &'a str, i32, i32, i32, f64, f64, f64, i32, i32);
type HeatmapDays = BTreeMap<String, Option<AgentDailyPerformance>>;

fn cell(g: i32, ce: i32, pdp: i32) -> Option<AgentDailyPerformance> {
    let non_zero = |v: i32| (v != 0).then_some(v);
    Some(AgentDailyPerformance {
        gestiones: non_zero(g),
        contactos_efectivos: non_zero(ce),
        compromisos: non_zero(pdp),
    })
}

async fn productivity_ranks_agents_over_the_range(engine: Engine) {
    let (_db, conn) = migrated_db(engine).await;
    productivity_fixture(&conn).await;
    let load = |agente: Option<&str>| {
        let conn = conn.clone();
        let args = ProductivityArgs {
            fecha_inicio: Some(june(18)),
            fecha_fin: Some(june(20)),
            agente: agente.map(str::to_owned),
        };
        async move {
            let query = args.resolve(today()).unwrap();
            productivity::load(&conn, &query).await.unwrap()
        }
    };
    let data = load(None).await;

    // Days k = 1 (06-18), 2 (06-19), 3 (06-20).
    let daily: Vec<(Option<i32>, i32, i32, Option<f64>)> = data
        .daily_trend
        .iter()
        .map(|p| (p.day, p.llamadas, p.compromisos, p.recupero))
        .collect();
    assert_eq!(
        daily,
        [
            (Some(1), 100, 10, Some(100.0)),
            (Some(2), 0, 0, Some(80.0)),
            (Some(3), 30, 1, Some(50.5)),
        ]
    );
    // Hours 07–20 from operation_data CALL: 10 h = 5000 (06-20) + 999 (06-19), 14 h = 432.
    assert_eq!(data.hourly_trend.len(), 14);
    assert_eq!(data.hourly_trend[0].hour.as_deref(), Some("07:00"));
    let busy: Vec<(&str, i32, i32)> = data
        .hourly_trend
        .iter()
        .filter(|p| p.llamadas > 0)
        .map(|p| (p.hour.as_deref().unwrap_or(""), p.llamadas, p.compromisos))
        .collect();
    assert_eq!(busy, [("10:00", 5999, 609), ("14:00", 432, 32)]);
    assert!(
        data.hourly_trend
            .iter()
            .all(|p| p.recupero.is_none() && p.day.is_none())
    );

    // Ana 70 / 20 / 5 → score 36.25; Bob 60 / 20 / 6 → 32.5; Carl 0 (payments only).
    // Quartiles of 3 agents: ceil(4/3) = 2, ceil(8/3) = 3, 4.
    let ranking: Vec<RankingTuple> = data
        .agent_ranking
        .iter()
        .map(|r| {
            (
                r.id.as_str(),
                r.agent_name.as_str(),
                r.calls,
                r.direct_contacts,
                r.commitments,
                r.amount_recovered,
                r.closing_rate,
                r.commitment_conversion,
                r.rank,
                r.quartile,
            )
        })
        .collect();
    assert_eq!(
        ranking,
        [
            ("ana@x", "Ana", 70, 20, 5, 150.5, 7.1, 25.0, 1, 2),
            ("bob@x", "Bob", 60, 20, 6, 0.0, 10.0, 30.0, 2, 3),
            ("carl@x", "Carl", 0, 0, 0, 80.0, 0.0, 0.0, 3, 4),
        ]
    );

    let heatmap: Vec<(&str, &str, HeatmapDays)> = data
        .agent_heatmap
        .iter()
        .map(|h| (h.id.as_str(), h.dni.as_str(), h.daily_performance.0.clone()))
        .collect();
    let days = |cells: [Option<AgentDailyPerformance>; 3]| {
        cells
            .into_iter()
            .enumerate()
            .map(|(i, c)| ((i + 1).to_string(), c))
            .collect::<BTreeMap<_, _>>()
    };
    assert_eq!(
        heatmap,
        [
            (
                "ana@x",
                "111",
                days([cell(40, 10, 4), None, cell(30, 10, 1)])
            ),
            ("bob@x", "222", days([cell(60, 20, 6), None, None])),
            ("carl@x", "SIN_DNI", days([None, cell(0, 0, 0), None])),
        ]
    );
    // The Record is a JSON object keyed by the day index, null on days without a row.
    let json = serde_json::to_value(&data.agent_heatmap[1]).unwrap();
    assert_eq!(
        json["dailyPerformance"]["1"],
        serde_json::json!({"gestiones": 60, "contactosEfectivos": 20, "compromisos": 6})
    );
    assert!(json["dailyPerformance"]["2"].is_null());

    // One agent by name: only her rows; the hourly trend from her gestiones (c1 at 10 h with
    // a PDP, c2 at 15 h).
    let ana = load(Some(" Ana ")).await;
    assert_eq!(ana.agent_ranking.len(), 1);
    assert_eq!(
        (ana.agent_ranking[0].rank, ana.agent_ranking[0].quartile),
        (1, 4)
    );
    let busy: Vec<(&str, i32, i32)> = ana
        .hourly_trend
        .iter()
        .filter(|p| p.llamadas > 0)
        .map(|p| (p.hour.as_deref().unwrap_or(""), p.llamadas, p.compromisos))
        .collect();
    assert_eq!(busy, [("10:00", 1, 1), ("15:00", 1, 0)]);
    let by_correo = load(Some("bob@x")).await;
    assert_eq!(
        by_correo.agent_ranking[0].calls, 60,
        "06-17 is out of range"
    );
}

// --- arguments ---------------------------------------------------------------------------

fn bad_input<T: std::fmt::Debug>(result: Result<T, ViewError>) -> String {
    match result {
        Err(ViewError::BadInput(message)) => message,
        other => panic!("expected BadInput, got {other:?}"),
    }
}

#[test]
fn bad_arguments_are_bad_input() {
    let reversed = EvolutionArgs {
        fecha_inicio: Some(june(10)),
        fecha_fin: Some(june(9)),
        ..Default::default()
    };
    assert!(bad_input(reversed.resolve(today())).contains("fechaFin"));
    let too_long = ProductivityArgs {
        fecha_inicio: Some(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap()),
        fecha_fin: Some(june(1)),
        agente: None,
    };
    assert!(bad_input(too_long.resolve(today())).contains("366"));
    let unknown_cartera = DashboardArgs {
        filters: filters(&["VIP"], &[], &[]),
        ..Default::default()
    };
    assert!(bad_input(unknown_cartera.resolve(today())).contains("VIP"));
    let unknown_servicio = EvolutionArgs {
        servicio: Some("TV".into()),
        ..Default::default()
    };
    bad_input(unknown_servicio.resolve(today()));
    let unknown_periodo = DashboardArgs {
        filters: filters(&[], &[], &["2025-13"]),
        ..Default::default()
    };
    bad_input(unknown_periodo.resolve(today()));
    let reversed_months = AssignmentArgs {
        fecha_actual: Some(june(1)),
        fecha_anterior: Some(june(2)),
        cartera: None,
    };
    bad_input(reversed_months.resolve(today()));
    // Exactly MAX_RANGE_DAYS days is accepted.
    let longest = ProductivityArgs {
        fecha_inicio: Some(NaiveDate::from_ymd_opt(2024, 6, 20).unwrap()),
        fecha_fin: Some(june(20)),
        agente: None,
    };
    assert!(longest.resolve(today()).is_ok());
}

#[test]
fn equal_requests_resolve_to_equal_queries() {
    let a = DashboardArgs {
        filters: filters(&["OTRAS", "temprana", "TODAS"], &["TODOS"], &[]),
        fecha_corte: None,
        dimensions: Some(vec![Dimension::Cartera, Dimension::Periodo]),
    };
    let b = DashboardArgs {
        filters: filters(&["TEMPRANA", "OTRAS", "OTRAS"], &[], &[]),
        fecha_corte: Some(today()),
        dimensions: None,
    };
    assert_eq!(a.resolve(today()).unwrap(), b.resolve(today()).unwrap());
    // The defaults of the other views.
    let evolution = EvolutionArgs::default().resolve(today()).unwrap();
    assert_eq!(
        (evolution.fecha_inicio, evolution.fecha_fin),
        (NaiveDate::from_ymd_opt(2025, 5, 21).unwrap(), today())
    );
    let productivity = ProductivityArgs::default().resolve(today()).unwrap();
    assert_eq!(
        (productivity.fecha_inicio, productivity.fecha_fin),
        (NaiveDate::from_ymd_opt(2025, 5, 22).unwrap(), today())
    );
}

#[test]
fn graphql_types_carry_the_api_names() {
    struct Query;
    #[async_graphql::Object]
    impl Query {
        async fn dashboard(&self) -> Option<dashboard::DashboardData> {
            None
        }
        async fn evolution(&self) -> Vec<evolution::EvolutionMetric> {
            Vec::new()
        }
        async fn assignment(&self) -> Option<assignment::AssignmentAnalysisData> {
            None
        }
        async fn operation(&self) -> Option<operation::OperationDayAnalysisData> {
            None
        }
        async fn productivity(&self) -> Option<productivity::ProductivityData> {
            None
        }
        async fn filters(&self) -> pulso::views::filters::FilterOptions {
            pulso::views::filters::filter_options()
        }
    }
    let schema = async_graphql::Schema::build(
        Query,
        async_graphql::EmptyMutation,
        async_graphql::EmptySubscription,
    )
    .finish();
    let sdl = schema.sdl();
    for expected in [
        "type TotalRow {",
        "type DataRow {",
        "porcentajeDeudaActStatus: IconStatus!",
        "fechaCierre: String",
        "type AssignmentKPI {",
        "type OperationDayKPI {",
        "dailyPerformance: JSON!",
        "enum IconStatus {",
        "\tok\n",
        "enum ValueType {",
        "\tpercent\n",
        "type IntegralChartDataPoint {",
        "tasaDeCierre: Float!",
    ] {
        assert!(sdl.contains(expected), "{expected:?} missing from\n{sdl}");
    }
    let total_row = sdl.split("type TotalRow {").nth(1).unwrap_or_default();
    assert!(total_row.contains("porcentajeCuentas: Float!"));
    assert_eq!(pulso::views::filters::filter_options().cartera.len(), 5);
}

// --- synthetic smoke ---------------------------------------------------------------------

on_both_engines!(every_view_has_data_on_the_synthetic_pipeline);

async fn every_view_has_data_on_the_synthetic_pipeline(engine: Engine) {
    let (db, conn) = migrated_db(engine).await;
    let report = pipeline(&db, &conn, synthetic(300, evening(12)), etl_config())
        .run(forced())
        .await
        .unwrap();
    assert_eq!(report.status, pulso::pipeline::RunStatus::Success);
    let today = etl::day(12);

    let query = DashboardArgs::default().resolve(today).unwrap();
    let data = dashboard::load(&conn, &query).await.unwrap();
    assert!(!data.segmento_data.is_empty() && data.total.row.cuentas > 0);

    let query = EvolutionArgs::default().resolve(today).unwrap();
    let metrics = evolution::load(&conn, &query).await.unwrap();
    assert!(metrics.iter().all(|m| !m.series.is_empty()));

    let query = AssignmentArgs::default().resolve(today).unwrap();
    let data = assignment::load(&conn, &query).await.unwrap();
    assert!(!data.composition_data.is_empty() && data.kpis[1].valor_actual > 0.0);

    let query = OperationArgs::default().resolve(today).unwrap();
    let data = operation::load(&conn, &query).await.unwrap();
    assert!(!data.channel_performance.is_empty() && !data.attempt_effectiveness.is_empty());

    let query = ProductivityArgs::default().resolve(today).unwrap();
    let data = productivity::load(&conn, &query).await.unwrap();
    assert!(!data.agent_ranking.is_empty() && !data.daily_trend.is_empty());
}
