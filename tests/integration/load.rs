//! The raw write path on both engines: UPSERT by key, idempotent re-loads, the newest copy of a
//! payment wins whatever the load order, and a full refresh replaces the table's content.

use chrono::{NaiveDate, Utc};
use pulso::{
    database::{refresh_statistics, summarize_changed_rows},
    entities::raw::{ejecutivos, pagos},
    extract::normalise::{RawRow, normalise},
    load::{LoadMeta, Rewrite, Written, delete_rows_not_loaded_by, upsert},
    source::Cell,
    tables::{EJECUTIVOS, PAGOS},
};
use rust_decimal::Decimal;
use sea_orm::{EntityTrait, QueryOrder};
use uuid::Uuid;

use crate::harness::{Engine, migrated_db, on_both_engines, scalar};

fn meta() -> LoadMeta {
    LoadMeta {
        extraction_id: Uuid::new_v4(),
        extracted_at: Utc::now(),
    }
}

/// A payment of 50.00 on 2025-06-02, delivered in the file of `file_day` at 06:00 Lima.
fn payment(documento: &str, file_day: u32) -> RawRow {
    let civil = NaiveDate::from_ymd_opt(2025, 6, file_day)
        .unwrap()
        .and_hms_opt(6, 0, 0)
        .unwrap();
    normalise(
        &PAGOS,
        &vec![
            Cell::Text(documento.into()),
            Cell::Date(NaiveDate::from_ymd_opt(2025, 6, 2).unwrap()),
            Cell::Float(50.0),
            Cell::Text("4".into()),
            Cell::Text(format!("PAGOS_2025-06-{file_day:02}.txt")),
            Cell::DateTime(civil),
            Cell::Null,
        ],
    )
    .unwrap()
}

on_both_engines!(
    upsert_is_idempotent_and_the_newest_copy_wins,
    full_refresh_replaces_the_content,
    a_load_refreshes_statistics_once_it_wrote_enough_of_the_table
);

async fn upsert_is_idempotent_and_the_newest_copy_wins(engine: Engine) {
    let (_db, conn) = migrated_db(engine).await;
    let first = vec![payment("D1", 2), payment("D2", 2), payment("D3", 2)];

    // One row per statement exercises the chunking too.
    let written = upsert(&conn, &PAGOS, &first, &meta(), Rewrite::Changed, 2)
        .await
        .unwrap();
    assert_eq!(
        written,
        Written {
            inserted: 3,
            updated: 0
        }
    );
    let again = upsert(&conn, &PAGOS, &first, &meta(), Rewrite::Changed, 1000)
        .await
        .unwrap();
    assert_eq!(
        again,
        Written::default(),
        "re-loading the same rows writes nothing"
    );

    let newer = upsert(
        &conn,
        &PAGOS,
        &[payment("D1", 3)],
        &meta(),
        Rewrite::Changed,
        1000,
    )
    .await
    .unwrap();
    assert_eq!(
        newer,
        Written {
            inserted: 0,
            updated: 1
        }
    );
    let older = upsert(
        &conn,
        &PAGOS,
        &[payment("D1", 2)],
        &meta(),
        Rewrite::Changed,
        1000,
    )
    .await
    .unwrap();
    assert_eq!(
        older,
        Written::default(),
        "an older copy never overwrites a newer one"
    );

    let stored = pagos::Entity::find()
        .order_by_asc(pagos::Column::NroDocumento)
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0].archivo, "PAGOS_2025-06-03.txt");
    assert_eq!(stored[0].monto_cancelado, Decimal::new(5000, 2));
    assert_eq!(stored[0].cod_sistema.as_deref(), Some("4"));
    assert_eq!(
        stored[0].creado_el.unwrap().to_rfc3339(),
        "2025-06-03T11:00:00+00:00"
    );
    assert_eq!(stored[1].archivo, "PAGOS_2025-06-02.txt");
}

async fn full_refresh_replaces_the_content(engine: Engine) {
    let (_db, conn) = migrated_db(engine).await;
    let agent = |correo: &str, nombre: &str| {
        normalise(
            &EJECUTIVOS,
            &vec![
                Cell::Text(correo.into()),
                Cell::Text(nombre.into()),
                Cell::Text("SIN DNI".into()),
            ],
        )
        .unwrap()
    };
    let first = meta();
    let rows = [
        agent("a@x.pe", "Ana"),
        agent("b@x.pe", "Beto"),
        agent("c@x.pe", "Carla"),
    ];
    upsert(&conn, &EJECUTIVOS, &rows, &first, Rewrite::All, 1000)
        .await
        .unwrap();

    let second = meta();
    let rows = [agent("a@x.pe", "Ana"), agent("b@x.pe", "Alberto")];
    let written = upsert(&conn, &EJECUTIVOS, &rows, &second, Rewrite::All, 1000)
        .await
        .unwrap();
    assert_eq!(
        written,
        Written {
            inserted: 0,
            updated: 1
        },
        "Ana is unchanged, Beto became Alberto"
    );
    let deleted = delete_rows_not_loaded_by(&conn, &EJECUTIVOS, second.extraction_id)
        .await
        .unwrap();
    assert_eq!(deleted, 1);

    let stored = ejecutivos::Entity::find()
        .order_by_asc(ejecutivos::Column::CorreoName)
        .all(&conn)
        .await
        .unwrap();
    let names: Vec<_> = stored
        .iter()
        .map(|e| (e.correo_name.as_str(), e.nombre.as_deref()))
        .collect();
    assert_eq!(
        names,
        [("a@x.pe", Some("Ana")), ("b@x.pe", Some("Alberto"))]
    );
    assert!(
        stored
            .iter()
            .all(|e| e.extraction_id == second.extraction_id)
    );
}

async fn a_load_refreshes_statistics_once_it_wrote_enough_of_the_table(engine: Engine) {
    let (_db, conn) = migrated_db(engine).await;
    let payments = |from: u32, to: u32| -> Vec<RawRow> {
        (from..to).map(|i| payment(&format!("D{i}"), 2)).collect()
    };
    let load = |rows: Vec<RawRow>| {
        let conn = conn.clone();
        async move {
            let written = upsert(&conn, &PAGOS, &rows, &meta(), Rewrite::Changed, 100)
                .await
                .unwrap();
            refresh_statistics(&conn, PAGOS.raw_table, written.inserted + written.updated)
                .await
                .unwrap()
        }
    };
    let known_rows = || {
        scalar(
            &conn,
            "SELECT CAST(reltuples AS DOUBLE PRECISION) AS v FROM pg_class \
             WHERE relname = 'raw_pagos'",
        )
    };

    let first = load(payments(0, 40)).await;
    if engine == Engine::Sqlite {
        assert!(!first, "SQLite plans without statistics");
        return;
    }
    assert!(
        first,
        "a table never analysed is analysed after its first load"
    );
    assert_eq!(known_rows().await, 40.0);

    assert!(!load(payments(40, 43)).await, "3 rows of 40: plans stand");
    assert!(!load(payments(0, 43)).await, "nothing written: plans stand");
    assert_eq!(known_rows().await, 40.0);

    assert!(
        !load(payments(43, 47)).await,
        "4 more rows: a tenth of 40, too few to move a plan"
    );
    assert!(load(payments(47, 1_047)).await, "1,000 more rows");
    assert_eq!(known_rows().await, 1_047.0);
}

/// A load's new rows are summarised in raw_pagos' BRIN index on updated_at (PostgreSQL), so
/// that the transform's reads of the rows a load changed skip the ranges it filled; a table
/// without such an index is left alone.
#[tokio::test]
async fn a_load_summarises_the_ranges_it_filled() {
    let (_db, conn) = migrated_db(Engine::Postgres).await;
    let payments = |from: u32, to: u32| -> Vec<RawRow> {
        (from..to).map(|i| payment(&format!("D{i}"), 2)).collect()
    };
    // Counts the ranges no summary covers yet, by summarising them.
    let unsummarised = "SELECT CAST(brin_summarize_new_values( \
        'ix_raw_pagos_updated_at'::regclass) AS DOUBLE PRECISION) AS v";
    // 20,000 rows fill a few ranges of 128 pages.
    let load = |rows: Vec<RawRow>| {
        let conn = conn.clone();
        async move {
            upsert(&conn, &PAGOS, &rows, &meta(), Rewrite::Changed, 2000)
                .await
                .unwrap();
        }
    };

    load(payments(0, 20_000)).await;
    summarize_changed_rows(&conn, PAGOS.raw_table)
        .await
        .unwrap();
    assert_eq!(scalar(&conn, unsummarised).await, 0.0);

    load(payments(20_000, 40_000)).await;
    assert!(
        scalar(&conn, unsummarised).await > 0.0,
        "unsummarised, the ranges a load fills stay so"
    );
    summarize_changed_rows(&conn, "raw_calendario")
        .await
        .unwrap();
}
