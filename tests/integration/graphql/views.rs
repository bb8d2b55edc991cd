//! Every dashboard view over HTTP on a loaded synthetic month, its figures cross-checked
//! against sums taken directly from the marts.

use serde_json::{Value, json};

use super::{data, start_refresh, synthetic_app, viewer, wait_for_idle};
use crate::harness::{Engine, on_both_engines, scalar};

fn sum(rows: &Value, field: &str) -> f64 {
    rows.as_array()
        .unwrap()
        .iter()
        .map(|row| row[field].as_f64().unwrap())
        .sum()
}

on_both_engines!(every_view_answers_from_the_marts);

async fn every_view_answers_from_the_marts(engine: Engine) {
    let app = synthetic_app(engine, |_| {}).await;
    start_refresh(&app).await;
    wait_for_idle(&app).await;
    let db = app.db.connect().await;
    let token = viewer();
    let ask = |query: &'static str| {
        let (app, token) = (&app, &token);
        async move { data(app.graphql(Some(token), query, json!({})).await) }
    };

    // Dashboard at the source's today (2025-06-12): every open campaign's rows of that day.
    let dashboard = ask(
        "{ dashboard { total { id cuentas deudaAsig cdCount ciCount scCount sgCount porcentajeCuentas }
           segmentoData { id cuentas porcentajeCuentas } negocioData { id cuentas }
           integralChartData { name cobertura } } }",
    )
    .await["dashboard"]
        .clone();
    let total = &dashboard["total"];
    let cuentas = scalar(
        &db,
        "SELECT CAST(SUM(cuentas) AS DOUBLE PRECISION) AS v FROM dashboard_data WHERE fecha_foto = '2025-06-12'",
    )
    .await;
    assert!(cuentas > 0.0);
    assert_eq!(total["id"], "total");
    assert_eq!(total["cuentas"].as_f64().unwrap(), cuentas);
    assert_eq!(total["porcentajeCuentas"].as_f64().unwrap(), 100.0);
    let parts: f64 = ["cdCount", "ciCount", "scCount", "sgCount"]
        .iter()
        .map(|f| total[*f].as_f64().unwrap())
        .sum();
    assert_eq!(parts, cuentas, "cd + ci + sc + sg = cuentas");
    assert_eq!(sum(&dashboard["segmentoData"], "cuentas"), cuentas);
    assert_eq!(sum(&dashboard["negocioData"], "cuentas"), cuentas);
    assert!((sum(&dashboard["segmentoData"], "porcentajeCuentas") - 100.0).abs() < 0.05);
    assert_eq!(
        dashboard["integralChartData"].as_array().unwrap().len(),
        dashboard["segmentoData"].as_array().unwrap().len()
    );

    // Operation of one day: calls summed over channels = the mart's total.
    let operation = ask(
        r#"{ operation(fecha: "2025-06-11") { kpis { label value } channelPerformance { channel calls }
            hourlyPerformance { hour } queuePerformance { queueName calls } } }"#,
    )
    .await["operation"]
        .clone();
    let calls = scalar(
        &db,
        "SELECT CAST(SUM(total_gestiones) AS DOUBLE PRECISION) AS v FROM operation_data WHERE fecha_foto = '2025-06-11'",
    )
    .await;
    assert!(calls > 0.0);
    assert_eq!(sum(&operation["channelPerformance"], "calls"), calls);
    assert_eq!(sum(&operation["queuePerformance"], "calls"), calls);
    assert_eq!(operation["kpis"][0]["label"], "Total Llamadas");
    assert_eq!(
        operation["kpis"][0]["value"]
            .as_str()
            .unwrap()
            .replace(',', ""),
        format!("{calls}")
    );

    // Productivity over the month so far: the ranking's calls = the mart's.
    let productivity = ask(
        r#"{ productivity(fechaInicio: "2025-06-01", fechaFin: "2025-06-12") {
            agentRanking { id calls rank quartile } dailyTrend { day llamadas } agentHeatmap { id dailyPerformance } } }"#,
    )
    .await["productivity"]
        .clone();
    let agent_calls = scalar(
        &db,
        "SELECT CAST(SUM(total_gestiones) AS DOUBLE PRECISION) AS v FROM productivity_data \
         WHERE fecha_foto BETWEEN '2025-06-01' AND '2025-06-12'",
    )
    .await;
    assert!(agent_calls > 0.0);
    assert_eq!(sum(&productivity["agentRanking"], "calls"), agent_calls);
    assert_eq!(sum(&productivity["dailyTrend"], "llamadas"), agent_calls);
    assert_eq!(productivity["agentRanking"][0]["rank"], 1);

    // Assignment of the current month: Total Cuentas = the mart's accounts of 2025-06.
    let assignment = ask(
        r#"{ assignment(fechaActual: "2025-06-12") { kpis { label valorActual valueType } detailBreakdown { id cuentasActual } compositionData { name value } } }"#,
    )
    .await["assignment"]
        .clone();
    assert_eq!(assignment["kpis"][1]["label"], "Total Cuentas");
    let assigned = assignment["kpis"][1]["valorActual"].as_f64().unwrap();
    assert!(assigned > 0.0);
    assert_eq!(
        sum(&assignment["detailBreakdown"], "cuentasActual"),
        assigned
    );

    // Evolution: one series per cartera, points sorted by management day.
    let evolution = ask(
        r#"{ evolution(fechaInicio: "2025-06-01", fechaFin: "2025-06-12", metrics: [cobertura, recupero]) { metric valueType series { name data { day value } } } }"#,
    )
    .await["evolution"]
        .clone();
    assert_eq!(evolution[0]["metric"], "cobertura");
    assert_eq!(evolution[0]["valueType"], "percent");
    assert_eq!(evolution[1]["valueType"], "currency");
    for series in evolution[0]["series"].as_array().unwrap() {
        let days: Vec<i64> = series["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["day"].as_i64().unwrap())
            .collect();
        assert!(
            !days.is_empty() && days.windows(2).all(|w| w[0] < w[1]),
            "{days:?}"
        );
    }

    let filters =
        ask("{ filterOptions { cartera { value label } servicio { value } periodo { value } } }")
            .await;
    assert_eq!(filters["filterOptions"]["cartera"][0]["value"], "TODAS");
}
