//! Starting `pulso serve`: it waits for a database that comes up late; a first start on an empty
//! database loads the dashboard's data in the background; `/` and
//! `GET /graphql` serve the frontend build when there is one, and say how to make one when
//! there is not.

use std::path::Path;

use std::time::{Duration, Instant};

use pulso::serve::Application;
use serde_json::json;

use crate::{
    graphql::{data, synthetic_app, viewer},
    harness::{
        Engine, TestApp, TestDb, admin_execute, on_both_engines, query_strings, spawn_app,
        test_config,
    },
};

mod a_database_that_comes_up_late_is_waited_for {
    use super::*;

    #[tokio::test]
    async fn postgres() {
        let db = TestDb::create(Engine::Postgres).await;
        let name = db.postgres_name().unwrap().to_owned();
        admin_execute(&format!("DROP DATABASE \"{name}\"")).await;
        let mut config = test_config(&db);
        config.server.wait_for_database_secs = 60;
        let comes_up = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(800)).await;
            admin_execute(&format!("CREATE DATABASE \"{name}\"")).await;
        });
        let app = Application::build(&config)
            .await
            .expect("waits, then starts");
        comes_up.await.unwrap();
        drop(app);

        // One that never comes: a clear error once the wait is over.
        let mut config = test_config(&db);
        config.database.url = pulso::config::SecretUrl::new("postgres://postgres@127.0.0.1:1/none");
        config.server.wait_for_database_secs = 1;
        let started = std::time::Instant::now();
        let error = Application::build(&config)
            .await
            .err()
            .expect("no database");
        assert!(started.elapsed() >= std::time::Duration::from_millis(500));
        assert!(
            error.to_string().to_lowercase().contains("connect"),
            "{error}"
        );
    }
}

on_both_engines!(a_first_start_loads_the_dashboard_in_the_background);

/// Nothing configured but the database: the scheduler finds every table due and loads them, so
/// the dashboard answers without anyone asking; once loaded, nothing is due again.
async fn a_first_start_loads_the_dashboard_in_the_background(engine: Engine) {
    let app = scheduled_app(engine, None).await;
    let nodes = finished_runs(&app).await;
    assert_eq!(
        nodes,
        json!([{ "status": "success", "executionType": "scheduled" }])
    );
    let dashboard = data(
        app.graphql(
            Some(&viewer()),
            "{ dashboard { segmentoData { cuentas } total { cuentas } } }",
            json!({}),
        )
        .await,
    );
    assert!(dashboard["dashboard"]["total"]["cuentas"].as_i64().unwrap() > 0);
    assert!(
        !dashboard["dashboard"]["segmentoData"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // A few more ticks: everything is fresh, so no second load starts.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(finished_runs(&app).await, nodes);
}

on_both_engines!(the_dashboard_schedule_forces_one_refresh_per_slot);

/// With `scheduler.dashboard_every_hours`, a new slot (3-hour slots from Lima midnight) forces a
/// refresh of every table once; a schedule first seen mid-slot waits for the next boundary,
/// like cron. The boundary is simulated by moving the recorded slot back three hours.
async fn the_dashboard_schedule_forces_one_refresh_per_slot(engine: Engine) {
    use pulso::entities::control::scheduler;
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};

    let app = scheduled_app(engine, Some(3)).await;
    // The first tick records the slot and loads what is due (nothing forced).
    let first = finished_runs(&app).await;
    assert_eq!(first.as_array().unwrap().len(), 1, "{first}");
    let conn = app.db.connect().await;
    let forced_flags = || async {
        query_strings(
            &conn,
            "SELECT COALESCE(CAST(metadata AS TEXT), '') AS m FROM etl_execution_log \
             WHERE table_name = 'pagos' ORDER BY id",
            "m",
        )
        .await
        .iter()
        .map(|m| m.replace(' ', "").contains("\"force\":true"))
        .collect::<Vec<bool>>()
    };
    assert_eq!(forced_flags().await, [false]);

    let recorded = scheduler::Entity::find_by_id("dashboard_refresh")
        .one(&conn)
        .await
        .unwrap()
        .expect("the schedule's slot is recorded");
    let previous_slot = recorded.last_run_at.map(|t| t - chrono::Duration::hours(3));
    let mut rewound: scheduler::ActiveModel = recorded.into();
    rewound.last_run_at = Set(previous_slot);
    rewound.update(&conn).await.unwrap();

    let deadline = Instant::now() + Duration::from_secs(120);
    let both = loop {
        let runs = finished_runs(&app).await;
        if runs.as_array().unwrap().len() == 2 {
            break runs;
        }
        assert!(Instant::now() < deadline, "no scheduled refresh: {runs}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        both,
        json!([
            { "status": "success", "executionType": "scheduled" },
            { "status": "success", "executionType": "scheduled" }
        ])
    );
    assert_eq!(forced_flags().await, [false, true]);

    // Later ticks in the same slot start nothing.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(finished_runs(&app).await, both);
    conn.close().await.unwrap();
}

/// A synthetic app whose scheduler leads and ticks every second.
async fn scheduled_app(engine: Engine, dashboard_every_hours: Option<u32>) -> TestApp {
    synthetic_app(engine, |config| {
        config.scheduler.enabled = true;
        config.scheduler.heartbeat_secs = 1;
        config.scheduler.tick_secs = 1;
        config.scheduler.dashboard_every_hours = dashboard_every_hours;
    })
    .await
}

/// The runs on record once at least one exists and none is running (status, execution type).
async fn finished_runs(app: &TestApp) -> serde_json::Value {
    let runs = "{ etlRuns(first: 10) { nodes { status executionType } } }";
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let nodes =
            data(app.graphql(Some(&viewer()), runs, json!({})).await)["etlRuns"]["nodes"].clone();
        let done = nodes
            .as_array()
            .is_some_and(|n| !n.is_empty() && n.iter().all(|run| run["status"] != "running"));
        if done {
            return nodes;
        }
        assert!(Instant::now() < deadline, "no finished run: {nodes}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_frontend_build_is_served_at_the_root_and_graphiql_from_it() {
    let build = tempfile::tempdir().unwrap();
    write(build.path(), "index.html", "<div id=root>pulso app</div>");
    write(
        build.path(),
        "graphiql.html",
        "<div id=graphiql>offline</div>",
    );
    write(build.path(), "assets/app.js", "console.log('pulso')");
    let dir = build.path().to_owned();
    let app = spawn_app(Engine::Sqlite, move |config| config.server.app_dir = dir).await;

    let root = app.get("/").await;
    assert_eq!(root.status(), 200);
    assert!(root.text().await.unwrap().contains("pulso app"));
    let script = app.get("/assets/app.js").await;
    assert_eq!(script.status(), 200);
    assert!(
        script.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(app.get("/assets/missing.js").await.status(), 404);
    let graphiql = app.get("/graphql").await.text().await.unwrap();
    assert!(graphiql.contains("offline"), "{graphiql}");
    // Queries still go to POST on the same path.
    let typename = app
        .graphql(Some(&viewer()), "{ __typename }", json!({}))
        .await;
    assert_eq!(typename["data"]["__typename"], "Query");
}

#[tokio::test]
async fn without_a_build_the_root_says_how_to_make_one() {
    let empty = tempfile::tempdir().unwrap();
    let dir = empty.path().to_owned();
    let app = spawn_app(Engine::Sqlite, move |config| config.server.app_dir = dir).await;

    let root = app.get("/").await.text().await.unwrap();
    assert!(root.contains("npm run build"), "{root}");
    let graphiql = app.get("/graphql").await;
    assert_eq!(graphiql.status(), 200);
    assert!(graphiql.text().await.unwrap().contains("graphiql"));
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}
