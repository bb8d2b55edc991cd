//! The ETL engine end to end with the synthetic source, on both engines: incremental runs,
//! idempotence, late rows and the look-back window, backfill and full refresh, one load per
//! table, stale-run cleanup and the progress events.

use std::{collections::BTreeSet, sync::Arc};

use chrono::{DateTime, NaiveDate, Utc};
use pulso::{
    config::{EtlConfig, TableOverride},
    entities::control::{etl_execution_log, etl_watermarks},
    lima,
    pipeline::{
        Pipeline, ProgressBus, ProgressEvent, Requested, RunRequest, RunStatus, TableStatus,
    },
    source::{
        ReadRange, Source,
        synthetic::{SyntheticProfile, SyntheticSource},
    },
    tables::{self, TableSpec},
    transform::Scope,
};
use sea_orm::{
    ColumnTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, EntityTrait,
    QueryFilter,
};

use crate::harness::{Engine, TestDb, migrated_db, on_both_engines, query_strings, scalar};

pub fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, d).unwrap()
}

/// 23:00 Lima on that day of June 2025.
pub fn evening(d: u32) -> DateTime<Utc> {
    lima::civil_to_utc(day(d).and_hms_opt(23, 0, 0).unwrap())
}

pub fn profile(accounts_per_month: u32) -> SyntheticProfile {
    SyntheticProfile {
        seed: 11,
        start: day(1),
        months: 1,
        accounts_per_month,
        ..SyntheticProfile::default()
    }
}

pub fn synthetic(accounts_per_month: u32, as_of: DateTime<Utc>) -> Arc<dyn Source> {
    Arc::new(SyntheticSource::new(
        profile(accounts_per_month),
        Some(as_of),
    ))
}

/// Short retries, and loads from the first day of the synthetic data.
pub fn etl_config() -> EtlConfig {
    let mut config = EtlConfig {
        backoff_base_ms: 10,
        ..EtlConfig::default()
    };
    for table in tables::ALL {
        config.tables.insert(
            table.name.into(),
            TableOverride {
                initial_load_from: Some(day(1)),
                ..TableOverride::default()
            },
        );
    }
    config
}

pub fn pipeline(
    db: &TestDb,
    conn: &DatabaseConnection,
    source: Arc<dyn Source>,
    config: EtlConfig,
) -> Pipeline {
    Pipeline::new(
        conn.clone(),
        &db.url,
        source,
        config,
        ProgressBus::default(),
    )
}

pub fn forced() -> RunRequest {
    RunRequest {
        force: true,
        ..RunRequest::default()
    }
}

pub fn only(table: &'static TableSpec, requested: Requested) -> RunRequest {
    RunRequest {
        tables: vec![table],
        requested,
        force: true,
        ..RunRequest::default()
    }
}

pub async fn count(conn: &DatabaseConnection, table: &TableSpec) -> usize {
    query_strings(
        conn,
        &format!(
            "SELECT CAST(COUNT(*) AS TEXT) AS n FROM {}",
            table.raw_table
        ),
        "n",
    )
    .await[0]
        .parse()
        .unwrap()
}

/// Every row's source columns as text, in key order: equal fingerprints, equal content.
pub async fn fingerprint(conn: &DatabaseConnection, table: &TableSpec) -> Vec<String> {
    let columns: Vec<String> = table
        .raw_columns()
        .map(|c| format!("COALESCE(CAST({c} AS TEXT), '∅')"))
        .collect();
    let sql = format!(
        "SELECT {} AS row FROM {} ORDER BY {}",
        columns.join(" || '|' || "),
        table.raw_table,
        table.primary_key.join(", ")
    );
    query_strings(conn, &sql, "row").await
}

/// The rows `source` holds for `table`, after normalisation and one copy per key.
pub async fn source_row_count(source: &dyn Source, table: &'static TableSpec) -> usize {
    use pulso::extract::normalise::{keep_last_per_key, normalise};
    let mut pages = source
        .read(table, ReadRange::default(), 10_000)
        .await
        .unwrap();
    let mut rows = Vec::new();
    while let Some(page) = pages.next().await {
        rows.extend(
            page.unwrap()
                .iter()
                .filter_map(|row| normalise(table, row).ok()),
        );
    }
    keep_last_per_key(table, rows).len()
}

async fn watermark(conn: &DatabaseConnection, table: &TableSpec) -> Option<DateTime<Utc>> {
    etl_watermarks::Entity::find_by_id(table.name.to_owned())
        .one(conn)
        .await
        .unwrap()?
        .last_extracted_value
}

on_both_engines!(
    incremental_runs_load_what_is_new_and_rerunning_changes_nothing,
    late_rows_inside_the_look_back_load_and_older_ones_need_a_backfill,
    backfill_keeps_the_watermark_and_full_refresh_replaces_the_table,
    a_table_being_loaded_is_not_loaded_twice,
    stale_runs_are_failed_by_the_cleanup,
    progress_events_follow_the_run,
);

async fn incremental_runs_load_what_is_new_and_rerunning_changes_nothing(engine: Engine) {
    let (db, conn) = migrated_db(engine).await;
    let first = pipeline(&db, &conn, synthetic(300, evening(10)), etl_config())
        .run(forced())
        .await
        .unwrap();
    assert_eq!(first.status, RunStatus::Success, "{first:#?}");
    assert!(
        first.tables.iter().all(|t| t.counts.inserted > 0),
        "every table gets rows: {first:#?}"
    );
    assert_eq!(
        first.transform_scope,
        Some(Scope::everything()),
        "with no marts built yet, the first run builds everything"
    );
    if engine == Engine::Postgres {
        for table in tables::ALL {
            let sql = format!(
                "SELECT CAST(reltuples AS DOUBLE PRECISION) AS v FROM pg_class \
                 WHERE relname = '{}'",
                table.raw_table
            );
            assert_eq!(
                scalar(&conn, &sql).await,
                count(&conn, table).await as f64,
                "{}: statistics refreshed by its first load",
                table.name
            );
        }
    }
    let before: Vec<Vec<String>> = all_fingerprints(&conn).await;

    let again = pipeline(&db, &conn, synthetic(300, evening(10)), etl_config())
        .run(forced())
        .await
        .unwrap();
    assert_eq!(again.status, RunStatus::Success);
    assert!(
        again
            .transform_scope
            .as_ref()
            .is_some_and(|scope| scope.touched.is_some()),
        "a later run rebuilds what its load changed: {:?}",
        again.transform_scope
    );
    for table in &again.tables {
        assert_eq!(
            (table.counts.inserted, table.counts.updated),
            (0, 0),
            "{} changed on an identical re-run",
            table.table
        );
    }
    assert_eq!(
        all_fingerprints(&conn).await,
        before,
        "an identical re-run leaves every table as it was"
    );

    let mark = watermark(&conn, &tables::PAGOS)
        .await
        .expect("pagos has a watermark");
    let later = pipeline(&db, &conn, synthetic(300, evening(13)), etl_config())
        .run(forced())
        .await
        .unwrap();
    assert_eq!(later.status, RunStatus::Success);
    let pagos = later.tables.iter().find(|t| t.table == "pagos").unwrap();
    assert!(pagos.counts.inserted > 0, "three more days of payments");
    // The incremental read starts a look-back (7 days) before the previous watermark.
    let logged = etl_execution_log::Entity::find()
        .filter(etl_execution_log::Column::ExecutionId.eq(later.run_id))
        .filter(etl_execution_log::Column::TableName.eq("pagos"))
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(logged.window_start, Some(mark - chrono::Duration::days(7)));
    assert_eq!(logged.watermark_before, Some(mark));
    assert!(logged.watermark_after.unwrap() > mark);
    assert_eq!(logged.status, "success");
    assert_eq!(
        count(&conn, &tables::PAGOS).await,
        source_row_count(&*synthetic(300, evening(13)), &tables::PAGOS).await
    );
}

pub async fn all_fingerprints(conn: &DatabaseConnection) -> Vec<Vec<String>> {
    let mut all = Vec::new();
    for table in tables::ALL {
        all.push(fingerprint(conn, table).await);
    }
    all
}

async fn late_rows_inside_the_look_back_load_and_older_ones_need_a_backfill(engine: Engine) {
    let (db, conn) = migrated_db(engine).await;
    let mut config = etl_config();
    for table in tables::ALL {
        config.tables.get_mut(table.name).unwrap().lookback_days = Some(1);
    }
    let table = &tables::VOICEBOT_GESTIONES;
    pipeline(&db, &conn, synthetic(3000, evening(16)), config.clone())
        .run(only(table, Requested::Default))
        .await
        .unwrap();
    let first_mark = watermark(&conn, table).await.unwrap();
    let source = synthetic(3000, evening(28));
    pipeline(&db, &conn, Arc::clone(&source), config.clone())
        .run(only(table, Requested::Default))
        .await
        .unwrap();

    // Interactions that arrived after the first run but are dated before its look-back
    // window are not read by an incremental run.
    let loaded: BTreeSet<String> =
        query_strings(&conn, "SELECT uid FROM raw_voicebot_gestiones", "uid")
            .await
            .into_iter()
            .collect();
    let mut pages = source
        .read(table, ReadRange::default(), 10_000)
        .await
        .unwrap();
    let mut missing = Vec::new();
    while let Some(page) = pages.next().await {
        for row in page.unwrap() {
            let (pulso::source::Cell::Text(uid), Some(date)) = (&row[0], row[5].instant()) else {
                continue;
            };
            if !loaded.contains(uid) {
                missing.push(date);
            }
        }
    }
    assert!(
        !missing.is_empty(),
        "the synthetic data has interactions arriving late"
    );
    let window_start = first_mark - chrono::Duration::days(1);
    assert!(
        missing.iter().all(|date| *date < window_start),
        "only rows older than the look-back are missed"
    );

    let mark = watermark(&conn, table).await;
    let backfill = Requested::Backfill {
        from: day(1),
        to: day(30),
    };
    let report = pipeline(&db, &conn, Arc::clone(&source), config)
        .run(only(table, backfill))
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Success);
    assert_eq!(
        count(&conn, table).await,
        source_row_count(&*source, table).await,
        "the backfill recovers them"
    );
    assert_eq!(
        watermark(&conn, table).await,
        mark,
        "a backfill never moves the watermark"
    );
}

async fn backfill_keeps_the_watermark_and_full_refresh_replaces_the_table(engine: Engine) {
    let (db, conn) = migrated_db(engine).await;
    let source = synthetic(300, evening(12));
    pipeline(&db, &conn, Arc::clone(&source), etl_config())
        .run(forced())
        .await
        .unwrap();
    let mark = watermark(&conn, &tables::PAGOS).await;
    let backfill = only(
        &tables::PAGOS,
        Requested::Backfill {
            from: day(1),
            to: day(3),
        },
    );
    let report = pipeline(&db, &conn, Arc::clone(&source), etl_config())
        .run(backfill)
        .await
        .unwrap();
    assert_eq!(report.tables[0].status, TableStatus::Success);
    assert!(report.tables[0].counts.extracted > 0);
    assert_eq!(watermark(&conn, &tables::PAGOS).await, mark);

    conn.execute_unprepared(
        "INSERT INTO raw_ejecutivos (correo_name, document, nombre, extraction_timestamp, extraction_id, created_at, updated_at) \
         SELECT 'gone@cobranzas.pe', 'SIN DNI', 'Ya no está', extraction_timestamp, extraction_id, created_at, updated_at \
         FROM raw_ejecutivos LIMIT 1",
    )
    .await
    .unwrap();
    let refresh = pipeline(&db, &conn, Arc::clone(&source), etl_config())
        .run(only(&tables::EJECUTIVOS, Requested::Default))
        .await
        .unwrap();
    assert_eq!(refresh.status, RunStatus::Success);
    assert_eq!(
        count(&conn, &tables::EJECUTIVOS).await,
        source_row_count(&*source, &tables::EJECUTIVOS).await
    );
    let names = query_strings(
        &conn,
        "SELECT correo_name FROM raw_ejecutivos",
        "correo_name",
    )
    .await;
    assert!(
        !names.contains(&"gone@cobranzas.pe".to_owned()),
        "rows absent from the source are deleted"
    );
    assert_eq!(
        watermark(&conn, &tables::EJECUTIVOS).await,
        None,
        "dimensions keep no watermark"
    );
}

async fn a_table_being_loaded_is_not_loaded_twice(engine: Engine) {
    let (db, conn) = migrated_db(engine).await;
    let mut config = etl_config();
    config.tables.get_mut("trandeuda").unwrap().batch_size = Some(50);
    let first = pipeline(&db, &conn, synthetic(3000, evening(20)), config.clone());
    let mut events = first.bus().subscribe();
    let running = tokio::spawn(async move {
        first
            .run(only(&tables::TRANDEUDA, Requested::Default))
            .await
            .unwrap()
    });
    loop {
        if let ProgressEvent::BatchLoaded { .. } = events.recv().await.unwrap() {
            break;
        }
    }
    let second = pipeline(&db, &conn, synthetic(3000, evening(20)), config)
        .run(only(&tables::TRANDEUDA, Requested::Default))
        .await
        .unwrap();
    assert_eq!(second.tables[0].status, TableStatus::AlreadyRunning);
    assert!(
        second.tables[0]
            .error
            .as_deref()
            .unwrap()
            .contains("already being loaded")
    );
    assert_eq!(second.status, RunStatus::Failed);
    let first = running.await.unwrap();
    assert_eq!(
        first.status,
        RunStatus::Success,
        "the first load is undisturbed"
    );
}

async fn stale_runs_are_failed_by_the_cleanup(engine: Engine) {
    let (db, conn) = migrated_db(engine).await;
    let pipeline = pipeline(&db, &conn, synthetic(300, evening(5)), etl_config());
    // A load that was killed an hour ago: running, last heartbeat long past.
    let (dead, alive) = (Utc::now() - chrono::Duration::hours(1), Utc::now());
    for (table, heartbeat) in [("pagos", dead), ("trandeuda", alive)] {
        etl_watermarks::Entity::insert(etl_watermarks::ActiveModel {
            table_name: sea_orm::Set(table.into()),
            last_extraction_status: sea_orm::Set("running".into()),
            heartbeat_at: sea_orm::Set(Some(heartbeat)),
            created_at: sea_orm::Set(heartbeat),
            updated_at: sea_orm::Set(heartbeat),
            ..Default::default()
        })
        .exec_without_returning(&conn)
        .await
        .unwrap();
    }
    assert_eq!(pipeline.cleanup_stale().await.unwrap(), (1, 0));
    let pagos = etl_watermarks::Entity::find_by_id("pagos".to_owned())
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            pagos.last_extraction_status.as_str(),
            pagos.error_message.as_deref()
        ),
        ("failed", Some("stale run: no heartbeat"))
    );
    let trandeuda = etl_watermarks::Entity::find_by_id("trandeuda".to_owned())
        .one(&conn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        trandeuda.last_extraction_status, "running",
        "a live load is left alone"
    );
}

async fn progress_events_follow_the_run(engine: Engine) {
    let (db, conn) = migrated_db(engine).await;
    let pipeline = pipeline(&db, &conn, synthetic(300, evening(5)), etl_config());
    let mut events = pipeline.bus().subscribe();
    let report = pipeline
        .run(only(&tables::PAGOS, Requested::Default))
        .await
        .unwrap();
    let mut kinds = Vec::new();
    while let Ok(event) = events.try_recv() {
        assert_eq!(event.run_id(), report.run_id);
        kinds.push(
            serde_json::to_value(&event).unwrap()["event"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(kinds.first().map(String::as_str), Some("run_started"));
    assert_eq!(kinds.last().map(String::as_str), Some("run_finished"));
    let position = |kind: &str| {
        kinds
            .iter()
            .position(|k| k == kind)
            .unwrap_or_else(|| panic!("no {kind} in {kinds:?}"))
    };
    assert!(position("table_started") < position("page_extracted"));
    assert!(position("page_extracted") < position("batch_loaded"));
    assert!(position("batch_loaded") < position("table_finished"));
}

#[tokio::test]
async fn the_advisory_lock_keeps_other_processes_out_on_postgres() {
    let (db, conn) = migrated_db(Engine::Postgres).await;
    // Another process holding the table's lock, as a second replica would.
    let other = db.connect().await;
    let mut holder = other
        .get_postgres_connection_pool()
        .acquire()
        .await
        .unwrap();
    sea_orm::sqlx::query("SELECT pg_advisory_lock(hashtext('pulso:etl:ejecutivos'))")
        .execute(&mut *holder)
        .await
        .unwrap();

    let blocked = pipeline(&db, &conn, synthetic(300, evening(5)), etl_config())
        .run(only(&tables::EJECUTIVOS, Requested::Default))
        .await
        .unwrap();
    assert_eq!(blocked.tables[0].status, TableStatus::AlreadyRunning);

    sea_orm::sqlx::query("SELECT pg_advisory_unlock(hashtext('pulso:etl:ejecutivos'))")
        .execute(&mut *holder)
        .await
        .unwrap();
    let free = pipeline(&db, &conn, synthetic(300, evening(5)), etl_config())
        .run(only(&tables::EJECUTIVOS, Requested::Default))
        .await
        .unwrap();
    assert_eq!(free.tables[0].status, TableStatus::Success);
}

/// A pool too small for the configured concurrency (each loading table holds one connection for
/// its advisory lock and takes another for its batches) makes the run load fewer tables at once,
/// instead of letting claims hold the connections their batches wait for until every acquire
/// timed out.
#[tokio::test]
async fn a_small_pool_loads_fewer_tables_at_once_instead_of_stalling_on_postgres() {
    let (db, _conn) = migrated_db(Engine::Postgres).await;
    let mut options = ConnectOptions::new(db.url.clone());
    options
        .max_connections(3)
        .acquire_timeout(std::time::Duration::from_secs(2));
    let small = Database::connect(options).await.unwrap();
    let config = EtlConfig {
        max_concurrent: 3,
        ..etl_config()
    };
    let report = pipeline(&db, &small, synthetic(300, evening(10)), config)
        .run(forced())
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Success, "{report:#?}");
}
