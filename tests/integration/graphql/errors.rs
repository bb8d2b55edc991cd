//! Bad input gets a stable code, never a panic or an internal message.

use serde_json::json;

use super::{codes, synthetic_app, viewer};
use crate::harness::{Engine, on_both_engines};

on_both_engines!(every_error_carries_a_stable_code);

async fn every_error_carries_a_stable_code(engine: Engine) {
    let app = synthetic_app(engine, |config| config.api.max_depth = 4).await;
    let token = viewer();
    let cases = [
        ("{ etlStatus { tables ", json!({}), "GRAPHQL_PARSE_FAILED"),
        ("{ noSuchField }", json!({}), "GRAPHQL_VALIDATION_FAILED"),
        (
            "{ etlRuns { edges { node { steps { table { status } } } } } }",
            json!({}),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "query($d: Date) { dashboard(fechaCorte: $d) { total { cuentas } } }",
            json!({ "d": "2025-13-01" }),
            "BAD_USER_INPUT",
        ),
        (
            r#"{ evolution(fechaInicio: "2025-06-10", fechaFin: "2025-06-01") { metric } }"#,
            json!({}),
            "BAD_USER_INPUT",
        ),
        (
            r#"{ productivity(fechaInicio: "2023-01-01", fechaFin: "2025-06-01") { agentRanking { id } } }"#,
            json!({}),
            "BAD_USER_INPUT",
        ),
        (
            r#"{ dashboard(filters: { cartera: ["NO_EXISTE"] }) { total { cuentas } } }"#,
            json!({}),
            "BAD_USER_INPUT",
        ),
        (
            "{ etlRuns(first: 1000) { edges { cursor } } }",
            json!({}),
            "BAD_USER_INPUT",
        ),
        (
            r#"{ etlRuns(after: "x'; DROP TABLE raw_pagos; --") { edges { cursor } } }"#,
            json!({}),
            "BAD_USER_INPUT",
        ),
        (
            r#"{ etlTable(name: "no_such_table") { status } }"#,
            json!({}),
            "NOT_FOUND",
        ),
    ];
    for (query, variables, expected) in cases {
        let answered = app.graphql(Some(&token), query, variables).await;
        assert_eq!(codes(&answered), [expected], "{query}: {answered}");
        let message = answered["errors"][0]["message"].as_str().unwrap();
        for leak in ["SELECT", "sqlx", "error returned from database"] {
            assert!(!message.contains(leak), "{query}: {message}");
        }
    }
}

#[tokio::test]
async fn a_query_over_the_complexity_limit_is_rejected_before_it_runs() {
    let app = synthetic_app(Engine::Sqlite, |config| config.api.max_complexity = 10).await;
    let answered = app
        .graphql(
            Some(&viewer()),
            "{ dashboard { total { cuentas deudaAsig cdCount ciCount scCount sgCount } segmentoData { id cuentas } negocioData { id cuentas } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        codes(&answered),
        ["GRAPHQL_VALIDATION_FAILED"],
        "{answered}"
    );
    let message = answered["errors"][0]["message"].as_str().unwrap();
    assert!(message.to_lowercase().contains("complex"), "{message}");
    // Within the limit, the same view answers.
    let small = app
        .graphql(
            Some(&viewer()),
            "{ dashboard { total { cuentas } } }",
            json!({}),
        )
        .await;
    assert!(small.get("errors").is_none(), "{small}");
}
