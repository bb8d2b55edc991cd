//! The ETL run continues into the aux layer and the marts: one pipeline, logged and announced
//! per step; SQLite and PostgreSQL build the same marts; invariants hold on a synthetic
//! quarter; a failing mart step leaves the published rows alone.

use std::sync::Arc;

use chrono::NaiveDate;
use pulso::{
    entities::{control::etl_execution_log, mart},
    pipeline::{ExecutionType, ProgressEvent, RunRequest, RunStatus},
    source::{
        Source,
        synthetic::{SyntheticProfile, SyntheticSource},
    },
    transform::Scope,
};
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, DatabaseConnection, EntityTrait, IdenStatic,
    Iterable, QueryFilter, Statement, sea_query::StringLen,
};

use crate::{
    etl::{etl_config, evening, forced, pipeline, synthetic},
    harness::{Engine, exec, migrated_db, on_both_engines, query_strings, scalar},
};

on_both_engines!(an_etl_run_continues_into_the_marts);

async fn an_etl_run_continues_into_the_marts(engine: Engine) {
    let (db, conn) = migrated_db(engine).await;
    let pipeline = pipeline(&db, &conn, synthetic(300, evening(12)), etl_config());
    let mut events = pipeline.bus().subscribe();
    let report = pipeline.run(forced()).await.unwrap();
    assert_eq!(report.status, RunStatus::Success, "{report:#?}");
    let steps: Vec<&str> = report.transform.iter().map(|s| s.step).collect();
    for mart in [
        "dashboard_data",
        "evolution_data",
        "assignment_data",
        "operation_data",
        "productivity_data",
    ] {
        assert!(steps.contains(&mart), "{steps:?}");
        let rows = query_strings(
            &conn,
            &format!("SELECT CAST(COUNT(*) AS TEXT) AS n FROM {mart}"),
            "n",
        )
        .await;
        assert_ne!(rows[0], "0", "{mart} is empty");
    }
    let logged = etl_execution_log::Entity::find()
        .filter(etl_execution_log::Column::ExecutionId.eq(report.run_id))
        .filter(etl_execution_log::Column::PipelineName.eq("mart_build"))
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(logged.len(), 5, "one log row per mart");
    assert!(logged.iter().all(|row| row.status == "success"));
    let mut stages = Vec::new();
    while let Ok(event) = events.try_recv() {
        if let ProgressEvent::StageFinished { stage, .. } = event {
            stages.push(stage);
        }
    }
    assert!(
        stages.contains(&"transform:dashboard_data".to_owned()),
        "{stages:?}"
    );
    assert!(
        stages.contains(&"transform:aux_gestiones".to_owned()),
        "{stages:?}"
    );
}

/// Every mart row as (key text, exact values, named float values), ordered by key.
type MartRows = Vec<(String, Vec<String>, Vec<(String, f64)>)>;

async fn mart_rows<E: EntityTrait>(conn: &DatabaseConnection) -> MartRows {
    let columns: Vec<(String, ColumnType)> = E::Column::iter()
        .map(|c| (c.as_str().to_owned(), c.def().get_column_type().clone()))
        .collect();
    let keys: Vec<String> = E::PrimaryKey::iter()
        .map(|k| {
            sea_orm::PrimaryKeyToColumn::into_column(k)
                .as_str()
                .to_owned()
        })
        .collect();
    let sql = format!(
        "SELECT * FROM {} ORDER BY {}",
        E::default().table_name(),
        keys.join(", ")
    );
    let rows = conn
        .query_all_raw(Statement::from_string(conn.get_database_backend(), sql))
        .await
        .unwrap();
    rows.iter()
        .map(|row| {
            let (mut exact, mut floats) = (Vec::new(), Vec::new());
            for (name, column_type) in &columns {
                match column_type {
                    ColumnType::Integer => exact.push(
                        row.try_get::<Option<i32>>("", name)
                            .unwrap()
                            .map_or("∅".into(), |v| v.to_string()),
                    ),
                    ColumnType::Double => {
                        floats.push((name.clone(), row.try_get::<f64>("", name).unwrap()))
                    }
                    ColumnType::Date => exact.push(
                        row.try_get::<Option<NaiveDate>>("", name)
                            .unwrap()
                            .map_or("∅".into(), |v| v.to_string()),
                    ),
                    ColumnType::String(StringLen::N(_)) | ColumnType::Text => exact.push(
                        row.try_get::<Option<String>>("", name)
                            .unwrap()
                            .unwrap_or_else(|| "∅".into()),
                    ),
                    // Processing timestamps differ between two builds by design.
                    _ => {}
                }
            }
            (
                exact[..keys.len().min(exact.len())].join("|"),
                exact,
                floats,
            )
        })
        .collect()
}

/// DOMAIN §13.2: values rounded to 2 dp after a division (percentages, rates, intensity, the
/// average ticket) may land on either side of a half-cent between engines, so they compare within
/// 0.01; sums of money compare within 1e-6.
fn tolerance(column: &str) -> f64 {
    let rounded_ratio = ["pct_", "tasa_", "inten", "ticket_"]
        .iter()
        .any(|p| column.starts_with(p));
    if rounded_ratio { 0.01 + 1e-9 } else { 1e-6 }
}

async fn assert_same_mart<E: EntityTrait>(left: &DatabaseConnection, right: &DatabaseConnection) {
    let (a, b) = (mart_rows::<E>(left).await, mart_rows::<E>(right).await);
    let table = E::default().table_name().to_owned();
    assert!(!a.is_empty(), "{table} is empty");
    assert_eq!(a.len(), b.len(), "{table}: row counts differ");
    for ((key, exact_a, floats_a), (_, exact_b, floats_b)) in a.iter().zip(&b) {
        assert_eq!(
            exact_a, exact_b,
            "{table} {key}: counters, keys or dates differ"
        );
        for ((column, x), (_, y)) in floats_a.iter().zip(floats_b) {
            let tolerance = tolerance(column);
            assert!(
                (x - y).abs() <= tolerance,
                "{table} {key} {column}: {x} vs {y}"
            );
        }
    }
}

on_both_engines!(the_next_day_rebuilds_what_a_full_rebuild_would);

/// The affected-window rebuild after one more day equals rebuilding everything.
async fn the_next_day_rebuilds_what_a_full_rebuild_would(engine: Engine) {
    let (db, conn) = migrated_db(engine).await;
    let first = pipeline(&db, &conn, synthetic(300, evening(12)), etl_config());
    assert_eq!(
        first.run(forced()).await.unwrap().status,
        RunStatus::Success
    );
    let next = pipeline(&db, &conn, synthetic(300, evening(13)), etl_config());
    let report = next.run(forced()).await.unwrap();
    assert_eq!(report.status, RunStatus::Success, "{report:#?}");
    let incremental = all_marts(&conn).await;
    let rebuilt = next
        .rebuild(Scope::everything(), ExecutionType::Manual)
        .await
        .unwrap();
    assert_eq!(rebuilt.status, RunStatus::Success);
    assert_eq!(all_marts(&conn).await, incremental);
}

on_both_engines!(a_day_loaded_without_transforming_is_rebuilt_by_the_next_run);

/// A run that loaded the raw layer but did not transform (here raw-only; a failed transform or
/// a cancelled run leave the same state) does not hide its changes from the next run.
async fn a_day_loaded_without_transforming_is_rebuilt_by_the_next_run(engine: Engine) {
    let (db, conn) = migrated_db(engine).await;
    let run = |day, raw_only| {
        let pipeline = pipeline(&db, &conn, synthetic(300, evening(day)), etl_config());
        async move {
            let request = RunRequest {
                raw_only,
                ..forced()
            };
            let report = pipeline.run(request).await.unwrap();
            assert_eq!(report.status, RunStatus::Success, "{report:#?}");
            pipeline
        }
    };
    run(12, false).await;
    run(13, true).await;
    let last = run(14, false).await;
    let incremental = all_marts(&conn).await;
    last.rebuild(Scope::everything(), ExecutionType::Manual)
        .await
        .unwrap();
    assert_eq!(all_marts(&conn).await, incremental);
}

on_both_engines!(a_homologation_change_rebuilds_the_open_campaigns_whole_windows);

/// DOMAIN §7.6: a homologation (or ejecutivos) change rebuilds the open campaigns over their
/// whole windows, not only the days whose fact rows changed. A mart row of an early day is
/// tampered with to see whether it was rebuilt.
async fn a_homologation_change_rebuilds_the_open_campaigns_whole_windows(engine: Engine) {
    let (db, conn) = migrated_db(engine).await;
    let pipeline = pipeline(&db, &conn, synthetic(300, evening(12)), etl_config());
    let run = || async {
        let report = pipeline.run(forced()).await.unwrap();
        assert_eq!(report.status, RunStatus::Success, "{report:#?}");
    };
    run().await;
    let early = "fecha_foto = '2025-06-05'";
    let built = deuda_asig(&conn, early).await;
    assert!(built > 0.0, "the open campaigns have rows on the early day");
    exec(
        &conn,
        &format!("UPDATE dashboard_data SET deuda_asig = deuda_asig + 1000 WHERE {early}"),
    )
    .await;
    let tampered = deuda_asig(&conn, early).await;

    // Nothing changed at the source: the early day is not rebuilt.
    run().await;
    assert_eq!(deuda_asig(&conn, early).await, tampered);

    // The raw copy of one mapping differs from the source, so the next load rewrites it, as it
    // would a mapping corrected at the source.
    exec(
        &conn,
        "UPDATE raw_homologacion_voicebot SET peso_homologado = peso_homologado + 1 \
         WHERE bot_management = (SELECT MIN(bot_management) FROM raw_homologacion_voicebot)",
    )
    .await;
    run().await;
    assert!(
        (deuda_asig(&conn, early).await - built).abs() < 1e-6,
        "the early day of the open campaigns was rebuilt"
    );
}

async fn deuda_asig(conn: &DatabaseConnection, filter: &str) -> f64 {
    let sql = format!(
        "SELECT CAST(SUM(deuda_asig) AS DOUBLE PRECISION) AS v FROM dashboard_data WHERE {filter}"
    );
    scalar(conn, &sql).await
}

async fn all_marts(conn: &DatabaseConnection) -> [MartRows; 5] {
    [
        mart_rows::<mart::dashboard_data::Entity>(conn).await,
        mart_rows::<mart::evolution_data::Entity>(conn).await,
        mart_rows::<mart::assignment_data::Entity>(conn).await,
        mart_rows::<mart::operation_data::Entity>(conn).await,
        mart_rows::<mart::productivity_data::Entity>(conn).await,
    ]
}

#[tokio::test]
async fn sqlite_and_postgres_build_identical_marts() {
    let source = synthetic(600, evening(30));
    let (sqlite_db, sqlite) = migrated_db(Engine::Sqlite).await;
    let (postgres_db, postgres) = migrated_db(Engine::Postgres).await;
    for (db, conn) in [(&sqlite_db, &sqlite), (&postgres_db, &postgres)] {
        let report = pipeline(db, conn, Arc::clone(&source), etl_config())
            .run(forced())
            .await
            .unwrap();
        assert_eq!(report.status, RunStatus::Success, "{report:#?}");
    }
    assert_same_mart::<mart::dashboard_data::Entity>(&sqlite, &postgres).await;
    assert_same_mart::<mart::evolution_data::Entity>(&sqlite, &postgres).await;
    assert_same_mart::<mart::assignment_data::Entity>(&sqlite, &postgres).await;
    assert_same_mart::<mart::operation_data::Entity>(&sqlite, &postgres).await;
    assert_same_mart::<mart::productivity_data::Entity>(&sqlite, &postgres).await;
}

#[tokio::test]
async fn invariants_hold_on_a_synthetic_quarter_and_rebuilding_changes_nothing() {
    let profile = SyntheticProfile {
        seed: 5,
        start: NaiveDate::from_ymd_opt(2025, 5, 1).unwrap(),
        months: 3,
        accounts_per_month: 400,
        ..SyntheticProfile::default()
    };
    let as_of = pulso::lima::start_of_day(NaiveDate::from_ymd_opt(2025, 8, 15).unwrap());
    let source: Arc<dyn Source> = Arc::new(SyntheticSource::new(profile, Some(as_of)));
    let (db, conn) = migrated_db(Engine::Postgres).await;
    let mut config = etl_config();
    for settings in config.tables.values_mut() {
        settings.initial_load_from = Some(NaiveDate::from_ymd_opt(2025, 4, 1).unwrap());
    }
    let pipeline = pipeline(&db, &conn, source, config);
    let report = pipeline.run(forced()).await.unwrap();
    assert_eq!(report.status, RunStatus::Success, "{report:#?}");

    let violations = |sql: &str| {
        let sql = format!("SELECT CAST(COUNT(*) AS TEXT) AS n FROM {sql}");
        let conn = conn.clone();
        async move { query_strings(&conn, &sql, "n").await[0].clone() }
    };
    for mart in ["dashboard_data", "evolution_data"] {
        let broken = violations(&format!(
            "{mart} WHERE cuentas_cd + cuentas_ci + cuentas_sc + cuentas_sg <> cuentas \
             OR cuentas_gestionadas > cuentas \
             OR pct_cober NOT BETWEEN 0 AND 100 OR pct_contac NOT BETWEEN 0 AND 100 \
             OR pct_efectividad NOT BETWEEN 0 AND 100 OR pct_cierre NOT BETWEEN 0 AND 100"
        ))
        .await;
        assert_eq!(broken, "0", "{mart} rows break an invariant");
    }
    let broken = violations(
        "dashboard_data WHERE pct_cd NOT BETWEEN 0 AND 100 OR pct_ci NOT BETWEEN 0 AND 100 \
         OR pct_sc NOT BETWEEN 0 AND 100 OR pct_conversion NOT BETWEEN 0 AND 100",
    )
    .await;
    assert_eq!(broken, "0");
    let broken = violations("operation_data WHERE tasa_contacto NOT BETWEEN 0 AND 100 OR tasa_conversion NOT BETWEEN 0 AND 100 \
         OR contactos_efectivos + contactos_no_efectivos + no_contactos <> total_gestiones").await;
    assert_eq!(broken, "0");
    // Recovered money never exceeds what the campaign's accounts actually paid.
    let broken = violations(
        "(SELECT d.archivo, MAX(d.recupero) AS recupero FROM dashboard_data d GROUP BY d.archivo) r \
         WHERE r.recupero > 1e-6 + (SELECT COALESCE(SUM(p.monto_cancelado), 0) FROM aux_pagos p \
                                    WHERE p.archivo = r.archivo AND p.es_pago_valido)",
    )
    .await;
    assert_eq!(broken, "0");

    let before = mart_rows::<mart::dashboard_data::Entity>(&conn).await;
    let rebuilt = pipeline
        .rebuild(Scope::everything(), ExecutionType::Manual)
        .await
        .unwrap();
    assert_eq!(rebuilt.status, RunStatus::Success);
    let again = pipeline
        .rebuild(Scope::everything(), ExecutionType::Manual)
        .await
        .unwrap();
    assert_eq!(again.status, RunStatus::Success);
    assert_eq!(
        mart_rows::<mart::dashboard_data::Entity>(&conn).await,
        before,
        "rebuilding changes nothing"
    );
    assert_eq!(
        rebuilt
            .transform
            .iter()
            .map(|s| (s.step, s.rows))
            .collect::<Vec<_>>(),
        again
            .transform
            .iter()
            .map(|s| (s.step, s.rows))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_failing_mart_step_keeps_the_published_rows() {
    let (db, conn) = migrated_db(Engine::Postgres).await;
    let pipeline = pipeline(&db, &conn, synthetic(300, evening(12)), etl_config());
    pipeline.run(forced()).await.unwrap();
    let published = mart_rows::<mart::dashboard_data::Entity>(&conn).await;
    // Any row the next build writes is now refused; the rows already there stay valid.
    conn.execute_unprepared(
        "ALTER TABLE dashboard_data ADD CONSTRAINT refuse_new_rows CHECK (fecha_procesamiento < '2000-01-01') NOT VALID",
    )
    .await
    .unwrap();
    let report = pipeline
        .rebuild(Scope::everything(), ExecutionType::Manual)
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Failed);
    assert_eq!(
        mart_rows::<mart::dashboard_data::Entity>(&conn).await,
        published,
        "the published rows are intact"
    );
    let failed = etl_execution_log::Entity::find()
        .filter(etl_execution_log::Column::ExecutionId.eq(report.run_id))
        .filter(etl_execution_log::Column::TableName.is_null())
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(failed.status, "failed");
    assert!(failed.error_message.unwrap().contains("dashboard_data"));
}
