//! The schema migrates up, all the way down, and up again on both engines.

use migration::{Migrator, MigratorTrait, TimescaleMode};
use pulso::database;
use sea_orm::{ConnectionTrait, Statement};

use crate::harness::{Engine, TestDb, on_both_engines, query_strings, table_names};

/// Every table of DOMAIN.md, plus the schema's own bookkeeping.
const TABLES: [&str; 32] = [
    "assignment_data",
    "aux_calendario_habiles",
    "aux_campana_dia",
    "aux_cuenta_campana",
    "aux_cuenta_estado_diario",
    "aux_cuenta_hitos",
    "aux_deuda_servicio_dia",
    "aux_documento_cuenta",
    "aux_feriados",
    "aux_gestion_cuenta",
    "aux_gestiones",
    "aux_gestiones_servicio_dia",
    "aux_pagos",
    "aux_unlogged_marker",
    "dashboard_data",
    "etl_execution_log",
    "etl_watermarks",
    "evolution_data",
    "operation_data",
    "productivity_data",
    "pulso_scheduler",
    "pulso_settings",
    "raw_asignaciones",
    "raw_calendario",
    "raw_ejecutivos",
    "raw_homologacion_mibotair",
    "raw_homologacion_voicebot",
    "raw_mibotair_gestiones",
    "raw_pagos",
    "raw_trandeuda",
    "raw_voicebot_gestiones",
    "seaql_migrations",
];

on_both_engines!(
    up_down_up,
    holidays_are_seeded,
    timescale_mode_is_recorded,
    the_daily_state_drops_its_campaign_day_index,
    the_gestiones_indexes_are_leaner,
    the_changed_raw_rows_are_indexed_on_postgres,
    the_account_milestones_start_from_the_fan_out_built,
    the_gestion_counts_start_from_the_fan_out_built,
    the_assignment_rows_are_indexed_by_campaign,
    the_large_aux_tables_are_unlogged_on_postgres,
    the_debt_sums_start_from_the_daily_state_built
);

async fn up_down_up(engine: Engine) {
    let test_db = TestDb::create(engine).await;
    let db = test_db.connect().await;

    Migrator::up(&db, None).await.expect("up");
    assert_eq!(table_names(&db).await, TABLES);
    let state = database::migration_state(&db).await.unwrap();
    assert_eq!((state.applied, state.pending), (15, 0));

    Migrator::down(&db, None).await.expect("down to nothing");
    assert_eq!(table_names(&db).await, ["seaql_migrations"]);
    let state = database::migration_state(&db).await.unwrap();
    assert_eq!((state.applied, state.pending), (0, 15));

    Migrator::up(&db, None).await.expect("up again");
    assert_eq!(table_names(&db).await, TABLES);
}

/// aux_cuenta_estado_diario's (archivo_campana, fecha_proceso) index goes away with its
/// migration (the seventh, m20261201_000007) and comes back when it is undone.
async fn the_daily_state_drops_its_campaign_day_index(engine: Engine) {
    let test_db = TestDb::create(engine).await;
    let db = test_db.connect().await;
    let table = "aux_cuenta_estado_diario";
    let second = "ix_aux_cuenta_estado_diario_archivo_campana_fecha_proceso";
    Migrator::up(&db, None).await.expect("up");
    let after = indexes(&db, engine, table).await;
    assert!(!after.iter().any(|name| name == second), "{after:?}");

    undo_from(&db, 7).await;
    assert!(
        indexes(&db, engine, table)
            .await
            .iter()
            .any(|name| name == second)
    );
}

/// Migration 9: aux_gestion_cuenta's (archivo, fecha_gestion) index becomes
/// (fecha_gestion), and aux_gestiones' (cod_luna, fecha_gestion) index goes away on PostgreSQL,
/// which hash-joins its readers (SQLite keeps it); undone, both come back as they were.
async fn the_gestiones_indexes_are_leaner(engine: Engine) {
    let test_db = TestDb::create(engine).await;
    let db = test_db.connect().await;
    let client_day = "ix_aux_gestiones_cod_luna_fecha_gestion";
    let (campaign_day, day) = (
        "ix_aux_gestion_cuenta_archivo_fecha_gestion",
        "ix_aux_gestion_cuenta_fecha_gestion",
    );
    let has = |names: &[String], index: &str| names.iter().any(|name| name == index);

    Migrator::up(&db, None).await.expect("up");
    let gestiones = indexes(&db, engine, "aux_gestiones").await;
    let fan_out = indexes(&db, engine, "aux_gestion_cuenta").await;
    assert_eq!(has(&gestiones, client_day), engine == Engine::Sqlite);
    assert!(
        has(&fan_out, day) && !has(&fan_out, campaign_day),
        "{fan_out:?}"
    );

    undo_from(&db, 9).await;
    let gestiones = indexes(&db, engine, "aux_gestiones").await;
    let fan_out = indexes(&db, engine, "aux_gestion_cuenta").await;
    assert!(has(&gestiones, client_day), "{gestiones:?}");
    assert!(
        has(&fan_out, campaign_day) && !has(&fan_out, day),
        "{fan_out:?}"
    );
}

/// Migration 10: on PostgreSQL, BRIN indexes on updated_at of the raw tables a load
/// changes by the thousand rows; SQLite gets none. Undone, they go.
async fn the_changed_raw_rows_are_indexed_on_postgres(engine: Engine) {
    let test_db = TestDb::create(engine).await;
    let db = test_db.connect().await;
    let tables = [
        "raw_asignaciones",
        "raw_trandeuda",
        "raw_pagos",
        "raw_voicebot_gestiones",
        "raw_mibotair_gestiones",
    ];
    let changed_rows = |table: &str| format!("ix_{table}_updated_at");

    Migrator::up(&db, None).await.expect("up");
    for table in tables {
        let names = indexes(&db, engine, table).await;
        assert_eq!(
            names.contains(&changed_rows(table)),
            engine == Engine::Postgres,
            "{table}: {names:?}"
        );
    }
    if engine == Engine::Postgres {
        let sql = "SELECT indexdef AS name FROM pg_indexes WHERE indexname LIKE '%_updated_at'";
        let definitions = query_strings(&db, sql, "name").await;
        assert_eq!(definitions.len(), tables.len(), "{definitions:?}");
        assert!(
            definitions
                .iter()
                .all(|d| d.contains("USING brin (updated_at)")),
            "{definitions:?}"
        );
    }

    undo_from(&db, 10).await;
    for table in tables {
        let names = indexes(&db, engine, table).await;
        assert!(!names.contains(&changed_rows(table)), "{table}: {names:?}");
    }
}

/// Migration 11: aux_cuenta_hitos starts with the milestones of the fan-out already built, so
/// the first refresh after the upgrade counts every account as before it.
async fn the_account_milestones_start_from_the_fan_out_built(engine: Engine) {
    let (_test_db, db) = before_migration(engine, 11).await;
    // Account A1 of campaign X: a bot gestión, then a human contact with a promise; A2 of X
    // and B1 of Y: one non-contact each.
    let (t, f) = booleans(engine);
    let fan_out = format!(
        "INSERT INTO aux_gestion_cuenta (archivo, cuenta, canal, gestion_uid, cod_luna, \
         fecha_gestion, contactabilidad, es_compromiso) VALUES \
         ('X', 'A1', 'VOICEBOT', 'v1', 'L1', '2025-06-03', 'NO_CONTACTO', {f}), \
         ('X', 'A1', 'CALL', 'c1', 'L1', '2025-06-05', 'CONTACTO_EFECTIVO', {t}), \
         ('X', 'A1', 'CALL', 'c2', 'L1', '2025-06-04', 'CONTACTO_NO_EFECTIVO', {f}), \
         ('X', 'A2', 'VOICEBOT', 'v2', 'L2', '2025-06-06', 'SIN_CLASIFICAR', {f}), \
         ('Y', 'B1', 'VOICEBOT', 'v3', 'L3', '2025-06-02', 'NO_CONTACTO', {f})"
    );
    db.execute_unprepared(&fan_out).await.unwrap();

    Migrator::up(&db, None).await.expect("up again");
    let sql = "SELECT archivo || ' ' || cuenta || ' ' || CAST(primera_gestion AS TEXT) || ' ' || \
        COALESCE(CAST(primera_cd AS TEXT), '-') || ' ' || \
        COALESCE(CAST(primera_cd_ci AS TEXT), '-') || ' ' || \
        COALESCE(CAST(primera_pdp AS TEXT), '-') AS row \
        FROM aux_cuenta_hitos ORDER BY archivo, cuenta";
    assert_eq!(
        query_strings(&db, sql, "row").await,
        [
            "X A1 2025-06-03 2025-06-05 2025-06-04 2025-06-05",
            "X A2 2025-06-06 - - -",
            "Y B1 2025-06-02 - - -",
        ]
    );
}

/// Migration 12: aux_gestiones_servicio_dia starts with the counts of the fan-out
/// already built, each gestión counted once per campaign × servicio × day.
async fn the_gestion_counts_start_from_the_fan_out_built(engine: Engine) {
    let (_test_db, db) = before_migration(engine, 12).await;
    let (_, f) = booleans(engine);
    // Campaign X: client L1 with two MOVIL accounts and a FIJA one, client L2 with one MOVIL.
    let accounts = format!(
        "INSERT INTO aux_cuenta_campana (archivo, cuenta, cod_luna, servicio, fecha_asignacion, \
         fecha_vencimiento, es_frac, deuda_asig) VALUES \
         ('X', 'A1', 'L1', 'MOVIL', '2025-06-01', NULL, {f}, 10), \
         ('X', 'A2', 'L1', 'MOVIL', '2025-06-01', NULL, {f}, 10), \
         ('X', 'A3', 'L1', 'FIJA', '2025-06-01', NULL, {f}, 10), \
         ('X', 'B1', 'L2', 'MOVIL', '2025-06-01', NULL, {f}, 10)"
    );
    // L1's call c1 reaches its three accounts; L1's bot v1 and L2's call c2 the next day.
    let fan_out = format!(
        "INSERT INTO aux_gestion_cuenta (archivo, cuenta, canal, gestion_uid, cod_luna, \
         fecha_gestion, contactabilidad, es_compromiso) VALUES \
         ('X', 'A1', 'CALL', 'c1', 'L1', '2025-06-03', 'CONTACTO_EFECTIVO', {f}), \
         ('X', 'A2', 'CALL', 'c1', 'L1', '2025-06-03', 'CONTACTO_EFECTIVO', {f}), \
         ('X', 'A3', 'CALL', 'c1', 'L1', '2025-06-03', 'CONTACTO_EFECTIVO', {f}), \
         ('X', 'A1', 'VOICEBOT', 'v1', 'L1', '2025-06-04', 'NO_CONTACTO', {f}), \
         ('X', 'A2', 'VOICEBOT', 'v1', 'L1', '2025-06-04', 'NO_CONTACTO', {f}), \
         ('X', 'A3', 'VOICEBOT', 'v1', 'L1', '2025-06-04', 'NO_CONTACTO', {f}), \
         ('X', 'B1', 'CALL', 'c2', 'L2', '2025-06-04', 'CONTACTO_NO_EFECTIVO', {f})"
    );
    db.execute_unprepared(&accounts).await.unwrap();
    db.execute_unprepared(&fan_out).await.unwrap();

    Migrator::up(&db, None).await.expect("up again");
    let sql = "SELECT archivo || ' ' || servicio || ' ' || CAST(fecha_gestion AS TEXT) || ' ' || \
        CAST(total AS TEXT) || ' ' || CAST(voicebot AS TEXT) || ' ' || CAST(llamadas AS TEXT) \
        || ' ' || CAST(efectivas AS TEXT) AS row \
        FROM aux_gestiones_servicio_dia ORDER BY servicio, fecha_gestion";
    assert_eq!(
        query_strings(&db, sql, "row").await,
        [
            "X FIJA 2025-06-03 1 0 1 1",
            "X FIJA 2025-06-04 1 1 0 0",
            "X MOVIL 2025-06-03 1 0 1 1",
            "X MOVIL 2025-06-04 2 1 1 0",
        ]
    );
}

/// Migration 15: aux_deuda_servicio_dia starts with the accounts and the debt, in céntimos,
/// of the daily state already built, per campaign × day × servicio.
async fn the_debt_sums_start_from_the_daily_state_built(engine: Engine) {
    let (_test_db, db) = before_migration(engine, 15).await;
    let state = |day: &str, cuenta: &str, servicio: &str, debt: &str| {
        format!(
            "('{day}', 'X', 'L1', '{cuenta}', '{servicio}', NULL, NULL, {debt}, {debt}, NULL, \
             'CON_DEUDA', 'Gestionable')"
        )
    };
    let rows = [
        state("2025-06-03", "A1", "MOVIL", "10.10"),
        state("2025-06-03", "A2", "MOVIL", "0.20"),
        state("2025-06-03", "A3", "FIJA", "5"),
        state("2025-06-04", "A1", "MOVIL", "10.15"),
    ];
    let insert = format!(
        "INSERT INTO aux_cuenta_estado_diario (fecha_proceso, archivo_campana, cod_luna, cuenta, \
         servicio, fecha_asignacion, fecha_snapshot, monto_exigible, monto_saldo_actual, \
         fecha_vencimiento, estado_deuda, motivo_no_gestionable) VALUES {}",
        rows.join(", ")
    );
    db.execute_unprepared(&insert).await.unwrap();

    Migrator::up(&db, None).await.expect("up again");
    let sql = "SELECT archivo_campana || ' ' || CAST(fecha_proceso AS TEXT) || ' ' || servicio \
        || ' ' || CAST(cuentas AS TEXT) || ' ' || CAST(deuda_centimos AS TEXT) AS row \
        FROM aux_deuda_servicio_dia ORDER BY fecha_proceso, servicio";
    assert_eq!(
        query_strings(&db, sql, "row").await,
        [
            "X 2025-06-03 FIJA 1 500",
            "X 2025-06-03 MOVIL 2 1030",
            "X 2025-06-04 MOVIL 1 1015",
        ]
    );
}

/// Migration 13: the assignment rows are indexed by their campaign (the archivo without
/// its `.txt` suffix) on both engines. Undone, the index goes.
async fn the_assignment_rows_are_indexed_by_campaign(engine: Engine) {
    let test_db = TestDb::create(engine).await;
    let db = test_db.connect().await;
    Migrator::up(&db, None).await.expect("up");
    let index = migration::assignment_campaign::INDEX.to_string();
    assert!(
        indexes(&db, engine, "raw_asignaciones")
            .await
            .contains(&index)
    );
    undo_from(&db, 13).await;
    assert!(
        !indexes(&db, engine, "raw_asignaciones")
            .await
            .contains(&index)
    );
}

/// A fresh database migrated all the way up, then down to before migration `number`.
async fn before_migration(engine: Engine, number: usize) -> (TestDb, sea_orm::DatabaseConnection) {
    let test_db = TestDb::create(engine).await;
    let db = test_db.connect().await;
    Migrator::up(&db, None).await.expect("up");
    undo_from(&db, number).await;
    (test_db, db)
}

/// Undoes migration `number` (counted from 1 in `Migrator::migrations()`) and every later one.
async fn undo_from(db: &sea_orm::DatabaseConnection, number: usize) {
    let undone = Migrator::migrations().len() + 1 - number;
    let undone = u32::try_from(undone).expect("a few migrations");
    Migrator::down(db, Some(undone)).await.expect("down");
}

/// TRUE and FALSE as the engine spells them in an INSERT.
fn booleans(engine: Engine) -> (&'static str, &'static str) {
    match engine {
        Engine::Postgres => ("TRUE", "FALSE"),
        Engine::Sqlite => ("1", "0"),
    }
}

async fn indexes(db: &sea_orm::DatabaseConnection, engine: Engine, table: &str) -> Vec<String> {
    let sql = match engine {
        Engine::Postgres => {
            format!("SELECT indexname AS name FROM pg_indexes WHERE tablename = '{table}'")
        }
        Engine::Sqlite => {
            format!("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = '{table}'")
        }
    };
    query_strings(db, &sql, "name").await
}

async fn holidays_are_seeded(engine: Engine) {
    let test_db = TestDb::create(engine).await;
    let db = test_db.connect().await;
    Migrator::up(&db, None).await.expect("up");

    let sql = "SELECT COUNT(*) AS n, MIN(fecha) AS first, MAX(fecha) AS last FROM aux_feriados";
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .expect("one row");
    // 12 holidays a year (DOMAIN §2), seeded for 2024–2027.
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 48);
    let first: chrono::NaiveDate = row.try_get("", "first").unwrap();
    let last: chrono::NaiveDate = row.try_get("", "last").unwrap();
    assert_eq!(
        (first.to_string(), last.to_string()),
        ("2024-01-01".into(), "2027-12-25".into())
    );
}

async fn timescale_mode_is_recorded(engine: Engine) {
    let test_db = TestDb::create(engine).await;
    let db = test_db.connect().await;
    assert_eq!(
        database::timescale_mode(&db).await.ok().flatten(),
        None,
        "nothing recorded before migrating"
    );
    Migrator::up(&db, None).await.expect("up");

    let mode = database::timescale_mode(&db).await.unwrap();
    let expected = match engine {
        Engine::Sqlite => TimescaleMode::NotApplicable,
        // The CI server is plain PostgreSQL 15; with the extension preloaded this reads Hypertables.
        Engine::Postgres if timescale_available(&db).await => TimescaleMode::Hypertables,
        Engine::Postgres => TimescaleMode::Plain,
    };
    assert_eq!(mode, Some(expected));
}

async fn timescale_available(db: &sea_orm::DatabaseConnection) -> bool {
    let sql = "SELECT COUNT(*) AS n FROM pg_extension WHERE extname = 'timescaledb'";
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .expect("one row");
    row.try_get::<i64>("", "n").unwrap() == 1
}

/// Migration 14: on PostgreSQL the three large aux tables are unlogged, and the marker that a
/// crash empties with them is unlogged too; it starts with its row, on both engines. Undone,
/// the tables are logged again and the marker goes.
async fn the_large_aux_tables_are_unlogged_on_postgres(engine: Engine) {
    use migration::unlogged_aux::{MARKER, UNLOGGED};
    let test_db = TestDb::create(engine).await;
    let db = test_db.connect().await;
    let persistence = |tables: Vec<&str>| {
        let names: Vec<String> = tables.iter().map(|t| format!("'{t}'")).collect();
        format!(
            "SELECT relname || ' ' || CAST(relpersistence AS TEXT) AS name FROM pg_class \
             WHERE relname IN ({}) ORDER BY relname",
            names.join(", ")
        )
    };
    let mut tables = UNLOGGED.to_vec();
    tables.push(MARKER);
    tables.sort_unstable();
    Migrator::up(&db, None).await.expect("up");
    let sql = format!("SELECT CAST(id AS TEXT) AS name FROM {MARKER}");
    assert_eq!(query_strings(&db, &sql, "name").await, ["1"]);
    if engine == Engine::Postgres {
        let unlogged: Vec<String> = tables.iter().map(|t| format!("{t} u")).collect();
        assert_eq!(
            query_strings(&db, &persistence(tables.clone()), "name").await,
            unlogged
        );
    }
    undo_from(&db, 14).await;
    assert!(!table_names(&db).await.contains(&MARKER.to_string()));
    if engine == Engine::Postgres {
        let mut logged: Vec<String> = UNLOGGED.iter().map(|t| format!("{t} p")).collect();
        logged.sort_unstable();
        assert_eq!(
            query_strings(&db, &persistence(UNLOGGED.to_vec()), "name").await,
            logged
        );
    }
}
