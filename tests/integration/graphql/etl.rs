//! The ETL through the API: status, configuration, the execution log as a cursor connection
//! (nested lookups batched by DataLoaders), and the operators' mutations.

use std::time::Duration;

use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::json;

use super::{admin, codes, data, start_refresh, synthetic_app, viewer, wait_for_idle};
use crate::harness::{Engine, on_both_engines, scalar};

const RUNS: &str = "query($first: Int, $after: String) {
    etlRuns(first: $first, after: $after) {
        pageInfo { hasNextPage hasPreviousPage }
        edges { cursor node { runId status steps { pipelineName tableName status table { tableName status } } } }
    }
}";

on_both_engines!(nested_run_lookups_cost_a_fixed_number_of_statements);

async fn nested_run_lookups_cost_a_fixed_number_of_statements(engine: Engine) {
    let app = synthetic_app(engine, |_| {}).await;
    for _ in 0..3 {
        start_refresh(&app).await;
        wait_for_idle(&app).await;
    }
    let before = app.counter("pulso_db_statements_total").await;
    let page = data(
        app.graphql(Some(&viewer()), RUNS, json!({ "first": 3 }))
            .await,
    );
    let statements = app.counter("pulso_db_statements_total").await - before;
    let edges = page["etlRuns"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 3);
    let steps: usize = edges
        .iter()
        .map(|e| e["node"]["steps"].as_array().unwrap().len())
        .sum();
    // 9 raw loads + aux and mart steps per run: dozens of nested rows…
    assert!(steps > 30, "{steps}");
    let tables = edges[0]["node"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["pipelineName"] == "raw_extraction")
        .inspect(|s| assert_eq!(s["table"]["tableName"], s["tableName"]))
        .count();
    assert_eq!(tables, 9);
    // …loaded with one statement for the page, one for all steps, one for all tables.
    assert!(
        statements <= 3.0,
        "{statements} statements for {steps} steps"
    );
}

on_both_engines!(runs_page_newest_first_by_cursor);

async fn runs_page_newest_first_by_cursor(engine: Engine) {
    let app = synthetic_app(engine, |_| {}).await;
    let mut started = Vec::new();
    for _ in 0..3 {
        started.push(start_refresh(&app).await);
        wait_for_idle(&app).await;
    }
    let token = viewer();
    let mut seen = Vec::new();
    let mut after = serde_json::Value::Null;
    loop {
        let page = data(
            app.graphql(Some(&token), RUNS, json!({ "first": 2, "after": after }))
                .await,
        );
        let runs = &page["etlRuns"];
        for edge in runs["edges"].as_array().unwrap() {
            seen.push(edge["node"]["runId"].as_str().unwrap().to_owned());
            after = edge["cursor"].clone();
        }
        if runs["pageInfo"]["hasNextPage"] == false {
            break;
        }
    }
    started.reverse();
    assert_eq!(seen, started);
}

on_both_engines!(operators_mutations_act_on_the_etl);

async fn operators_mutations_act_on_the_etl(engine: Engine) {
    let app = synthetic_app(engine, |_| {}).await;
    let admin = admin();
    let never = data(
        app.graphql(
            Some(&viewer()),
            r#"{ etlTable(name: "pagos") { status } }"#,
            json!({}),
        )
        .await,
    );
    assert_eq!(never["etlTable"]["status"], "never_run");
    let reset = app
        .graphql(
            Some(&admin),
            r#"mutation { resetWatermark(table: "pagos") { status } }"#,
            json!({}),
        )
        .await;
    assert_eq!(codes(&reset), ["NOT_FOUND"], "{reset}");

    let backfill = data(
        app.graphql(
            Some(&admin),
            r#"mutation { backfill(table: "pagos", from: "2025-06-02", to: "2025-06-04") { runId alreadyRunning } }"#,
            json!({}),
        )
        .await,
    );
    assert_eq!(backfill["backfill"]["alreadyRunning"], false);
    wait_for_idle(&app).await;
    let pagos = data(
        app.graphql(
            Some(&viewer()),
            r#"{ etlTable(name: "pagos") { status lastRunId } etlConfig { maxConcurrent tables { name primaryKey } } }"#,
            json!({}),
        )
        .await,
    );
    assert_eq!(pagos["etlTable"]["status"], "success", "{pagos}");
    assert_eq!(
        pagos["etlTable"]["lastRunId"],
        backfill["backfill"]["runId"]
    );
    assert_eq!(pagos["etlConfig"]["tables"].as_array().unwrap().len(), 9);

    let reset = data(
        app.graphql(
            Some(&admin),
            r#"mutation { resetWatermark(table: "pagos", to: "2025-06-01T00:00:00Z") { lastExtractedValue } }"#,
            json!({}),
        )
        .await,
    );
    assert_eq!(
        reset["resetWatermark"]["lastExtractedValue"]
            .as_str()
            .unwrap()
            .get(..10),
        Some("2025-06-01")
    );

    let backwards = app
        .graphql(
            Some(&admin),
            r#"mutation { backfill(table: "pagos", from: "2025-06-04", to: "2025-06-02") { runId } }"#,
            json!({}),
        )
        .await;
    assert_eq!(codes(&backwards), ["BAD_USER_INPUT"]);
    let cancel = app
        .graphql(
            Some(&admin),
            r#"mutation { cancelRun(id: "6d1f0e1e-2b1c-4c55-9a7e-0d6c2f3b4a10") }"#,
            json!({}),
        )
        .await;
    assert_eq!(codes(&cancel), ["NOT_FOUND"]);
}

/// A run that holds every connection of the ETL's pool does not hold up the API: its reads have
/// a pool of their own. Here the run loads one table at a time, on two connections: one holds
/// the table's advisory lock, the other waits on a lock the test holds on the raw tables. Status
/// queries still answer (sharing one pool, they failed after the 2 s acquire timeout).
#[tokio::test]
async fn a_run_holding_every_etl_connection_leaves_the_api_answering_on_postgres() {
    let app = synthetic_app(Engine::Postgres, |config| {
        config.database.max_connections = 2;
        config.database.connect_timeout_secs = 2;
        config.etl.max_concurrent = 1;
    })
    .await;
    let test_connection = app.db.connect().await;
    let lock = test_connection.begin().await.unwrap();
    let raw: Vec<&str> = pulso::tables::ALL.iter().map(|t| t.raw_table).collect();
    lock.execute_unprepared(&format!(
        "LOCK TABLE {} IN ACCESS EXCLUSIVE MODE",
        raw.join(", ")
    ))
    .await
    .unwrap();

    let run_id = start_refresh(&app).await;
    let waiting_on_the_lock = "SELECT CAST(COUNT(*) AS DOUBLE PRECISION) AS v FROM pg_stat_activity \
        WHERE datname = current_database() AND wait_event_type = 'Lock'";
    let mut waits = 0;
    while scalar(&test_connection, waiting_on_the_lock).await < 1.0 {
        waits += 1;
        assert!(waits < 200, "the run never reached the locked tables");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    for _ in 0..3 {
        let status = data(
            app.graphql(Some(&viewer()), "{ etlStatus { activeRunId } }", json!({}))
                .await,
        );
        assert_eq!(status["etlStatus"]["activeRunId"], run_id.as_str());
    }

    lock.rollback().await.unwrap();
    wait_for_idle(&app).await;
}
