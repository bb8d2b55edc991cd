//! The BigQuery source against a real emulator seeded from the synthetic generator: identical
//! raw tables either way (with pagination), a read that dies midway, and permanent errors.

use std::sync::Arc;

use pulso::{
    config::BigQueryConfig,
    pipeline::{ProgressEvent, Requested, RunStatus, TableStatus},
    source::{Source, SourceError, bigquery::BigQuerySource, synthetic::Generator},
    tables,
};

use crate::{
    emulator::Emulator,
    etl::{
        all_fingerprints, count, etl_config, evening, forced, only, pipeline, profile,
        source_row_count, synthetic,
    },
    harness::{Engine, migrated_db, on_both_engines},
};

const ACCOUNTS: u32 = 400;

async fn seeded_emulator() -> Emulator {
    let emulator = Emulator::start().await;
    let sys_users = Generator::new(profile(ACCOUNTS)).sys_user_rows();
    emulator
        .seed(&*synthetic(ACCOUNTS, evening(9)), &sys_users)
        .await;
    emulator
}

async fn bigquery(config: &BigQueryConfig) -> Arc<dyn Source> {
    Arc::new(
        BigQuerySource::connect(config)
            .await
            .expect("emulator client"),
    )
}

on_both_engines!(bigquery_and_synthetic_sources_load_identical_raw_tables);

async fn bigquery_and_synthetic_sources_load_identical_raw_tables(engine: Engine) {
    let emulator = seeded_emulator().await;
    let (synthetic_db, synthetic_conn) = migrated_db(engine).await;
    let report = pipeline(
        &synthetic_db,
        &synthetic_conn,
        synthetic(ACCOUNTS, evening(9)),
        etl_config(),
    )
    .run(forced())
    .await
    .unwrap();
    assert_eq!(report.status, RunStatus::Success, "{report:#?}");

    let (bigquery_db, bigquery_conn) = migrated_db(engine).await;
    let mut config = etl_config();
    for settings in config.tables.values_mut() {
        settings.batch_size = Some(97); // many result pages per table
    }
    let report = pipeline(
        &bigquery_db,
        &bigquery_conn,
        bigquery(&emulator.config()).await,
        config,
    )
    .run(forced())
    .await
    .unwrap();
    assert_eq!(report.status, RunStatus::Success, "{report:#?}");
    assert!(
        report.tables.iter().any(|t| t.counts.extracted > 97 * 2),
        "pagination was exercised: {report:#?}"
    );

    let (from_synthetic, from_bigquery) = (
        all_fingerprints(&synthetic_conn).await,
        all_fingerprints(&bigquery_conn).await,
    );
    for ((table, synthetic_rows), bigquery_rows) in
        tables::ALL.iter().zip(&from_synthetic).zip(&from_bigquery)
    {
        assert!(!synthetic_rows.is_empty(), "{} is empty", table.name);
        assert_eq!(
            synthetic_rows, bigquery_rows,
            "{} differs between the sources",
            table.name
        );
    }
}

#[tokio::test]
async fn bigquery_read_dying_midway_keeps_the_watermark_and_a_rerun_completes() {
    let mut emulator = seeded_emulator().await;
    let (db, conn) = migrated_db(Engine::Postgres).await;
    let mut config = etl_config();
    config.tables.get_mut("trandeuda").unwrap().batch_size = Some(50);
    let table = &tables::TRANDEUDA;
    let source = bigquery(&emulator.config()).await;

    let run = pipeline(&db, &conn, Arc::clone(&source), config.clone());
    let mut events = run.bus().subscribe();
    let running = tokio::spawn(async move {
        run.run(only(&tables::TRANDEUDA, Requested::Default))
            .await
            .unwrap()
    });
    while !matches!(
        events.recv().await.unwrap(),
        ProgressEvent::BatchLoaded { .. }
    ) {}
    emulator.stop(); // the source dies after the first committed batch
    let failed = running.await.unwrap();
    assert_eq!(failed.tables[0].status, TableStatus::Failed, "{failed:#?}");
    assert!(
        failed.tables[0]
            .error
            .as_deref()
            .unwrap()
            .contains("unreachable"),
        "{failed:#?}"
    );
    let loaded = count(&conn, table).await;
    let expected = source_row_count(&*synthetic(ACCOUNTS, evening(9)), table).await;
    assert!(
        loaded > 0 && loaded < expected,
        "committed batches stay: {loaded} of {expected}"
    );
    let mark = pulso::pipeline::bookkeeping::watermark(&conn, "trandeuda")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            mark.last_extracted_value,
            mark.last_extraction_status.as_str()
        ),
        (None, "failed")
    );

    emulator.restart().await;
    let rerun = pipeline(&db, &conn, source, config)
        .run(only(table, Requested::Default))
        .await
        .unwrap();
    assert_eq!(rerun.status, RunStatus::Success, "{rerun:#?}");
    assert_eq!(
        count(&conn, table).await,
        expected,
        "none lost, none duplicated"
    );
}

#[tokio::test]
async fn bigquery_missing_table_fails_that_table_only() {
    let emulator = seeded_emulator().await;
    let (db, conn) = migrated_db(Engine::Postgres).await;
    let mut bigquery_config = emulator.config();
    bigquery_config.sources.insert(
        "pagos".into(),
        "SELECT * FROM `{dataset}.no_such_table`".into(),
    );
    let request = pulso::pipeline::RunRequest {
        tables: vec![&tables::PAGOS, &tables::EJECUTIVOS],
        force: true,
        ..Default::default()
    };
    let report = pipeline(&db, &conn, bigquery(&bigquery_config).await, etl_config())
        .run(request)
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::PartialSuccess, "{report:#?}");
    let pagos = &report.tables[0];
    assert_eq!(pagos.status, TableStatus::Failed);
    assert!(
        pagos.error.as_deref().unwrap().contains("404"),
        "{pagos:#?}"
    );
    assert!(
        pagos.duration_seconds < 5.0,
        "permanent errors are not retried"
    );
    assert_eq!(report.tables[1].status, TableStatus::Success);
}

#[tokio::test]
async fn bigquery_without_credentials_says_what_to_set() {
    let error = BigQuerySource::connect(&BigQueryConfig::default())
        .await
        .err()
        .expect("no credentials");
    let SourceError::Permanent(message) = error else {
        panic!("{error:?}")
    };
    assert!(
        message.contains("GOOGLE_APPLICATION_CREDENTIALS"),
        "{message}"
    );

    let config = BigQueryConfig {
        credentials_path: Some("/nonexistent/key.json".into()),
        ..BigQueryConfig::default()
    };
    let error = BigQuerySource::connect(&config)
        .await
        .err()
        .expect("unreadable key");
    assert!(
        error.to_string().contains("/nonexistent/key.json"),
        "{error}"
    );
}
