//! The transform layer against a hand-made fixture (see `fixture.rs`), on SQLite and
//! PostgreSQL: every KPI of every mart row is written out below with the reasoning, from the
//! DOMAIN rules.

mod check;
mod fixture;
mod harness;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use pulso::transform::{Scope, Touched, affected_scope, build};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use check::{Layout, Row, assert_rows, count, dump, row};
use fixture::{A, B, LOADED_AT};
use harness::{Engine, TestDb, on_both_engines};

on_both_engines!(
    fixture_pins_every_kpi,
    scoped_rebuilds_match_the_full_build,
    affected_scope_follows_the_load,
    a_new_snapshot_that_moves_a_payment_rebuilds_its_earlier_days,
    a_new_snapshot_that_moves_an_invalid_payment_rebuilds_nothing_earlier,
    a_late_payment_before_apertura_rebuilds_nothing_earlier,
    a_future_payment_counts_once_its_day_comes,
    a_rejected_latest_snapshot_row_gives_the_payment_back,
    a_dashboard_day_rebuilt_alone_is_the_full_builds_day,
    a_refresh_fills_empty_document_accounts,
    a_late_gestion_leaves_the_daily_state_of_its_day_as_built,
    a_late_gestion_rebuilds_only_its_clients_day,
    a_gestion_moved_to_another_client_leaves_its_old_day,
    a_gestion_that_loses_its_client_is_rebuilt,
    a_reassigned_account_moves_its_clients_archivo_principal,
    a_new_due_date_rebuilds_only_its_accounts_rows,
    an_account_that_leaves_its_campaign_takes_its_daily_state_along,
    a_shorter_window_moves_the_gestiones_of_its_last_days,
    a_homologation_change_reclassifies_the_open_campaigns_gestiones,
    a_late_snapshot_row_rebuilds_only_its_accounts_daily_state,
    days_without_daily_state_rows_are_built,
    a_scope_that_held_few_rows_is_replaced_whole,
    changed_assigned_debt_rebuilds_the_whole_window,
    a_campaign_closing_on_its_last_day_rebuilds_only_today,
    a_new_cartera_label_rebuilds_the_campaigns_earlier_days,
    a_rebuild_rewrites_only_the_rows_that_changed,
    a_changed_assignment_snapshot_rebuilds_its_campaigns_accounts,
    a_build_after_a_crash_rebuilds_the_emptied_unlogged_tables,
);

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn today() -> NaiveDate {
    date("2025-06-10")
}

async fn loaded(engine: Engine) -> TestDb {
    let db = TestDb::migrated(engine).await;
    fixture::load(&db.connection).await;
    db
}

async fn fixture_pins_every_kpi(engine: Engine) {
    let test_db = loaded(engine).await;
    let db = &test_db.connection;

    let reports = build(db, &Scope::everything(), today()).await.unwrap();
    let steps: Vec<_> = reports.iter().map(|r| (r.step, r.rows)).collect();
    assert_eq!(
        steps,
        [
            ("aux_calendario_habiles", 1096), // 2024-01-01 … 2026-12-31
            ("aux_documento_cuenta", 8),      // paid, not rejected, in trandeuda: all but DXXX
            ("aux_campana_dia", 7),           // A: 5 days, B: 2 days
            ("aux_cuenta_campana", 10),
            ("aux_gestiones", 17),
            ("aux_gestion_cuenta", 22),
            ("aux_pagos", 9),
            ("aux_cuenta_estado_diario", 38), // A: 6 accounts × 5 days, B: 4 × 2
            ("dashboard_data", 14),
            ("evolution_data", 10),
            ("assignment_data", 7),
            ("operation_data", 16),
            ("productivity_data", 8),
        ]
    );

    assert_everything(db).await;
    assert_invariants(db).await;

    // Rebuilding changes nothing.
    let before = dump_all(db).await;
    let again = build(db, &Scope::everything(), today()).await.unwrap();
    assert_eq!(
        again.iter().map(|r| r.rows).collect::<Vec<_>>(),
        reports.iter().map(|r| r.rows).collect::<Vec<_>>()
    );
    assert_eq!(dump_all(db).await, before);
}

/// A build's later steps are planned with statistics of the rows its earlier steps just wrote,
/// not of empty tables: every table it wrote has been analysed. (The fixture's tables are far
/// below autovacuum's threshold, so only the build can have done it. The raw tables are the
/// load's to analyse: `database::refresh_statistics`.)
#[tokio::test]
async fn a_build_leaves_current_planner_statistics_on_postgres() {
    let test_db = loaded(Engine::Postgres).await;
    let db = &test_db.connection;
    let reports = build(db, &Scope::everything(), today()).await.unwrap();
    for table in reports.iter().map(|r| r.step) {
        let sql = format!(
            "SELECT CAST(reltuples AS BIGINT) AS n FROM pg_class WHERE relname = '{table}'"
        );
        let estimated = count(db, &sql).await;
        let actual = count(db, &format!("SELECT COUNT(*) AS n FROM {table}")).await;
        assert_eq!(estimated, actual, "{table}: planner rows vs rows");
    }
}

async fn scoped_rebuilds_match_the_full_build(engine: Engine) {
    let test_db = loaded(engine).await;
    let db = &test_db.connection;
    build(db, &Scope::everything(), today()).await.unwrap();
    let full = dump_all(db).await;

    // Only the open campaign, only today.
    let today_only = Scope {
        campaigns: Some(vec![B.to_string()]),
        from: Some(today()),
        to: Some(today()),
        reassigned: None,
        touched: None,
    };
    build(db, &today_only, today()).await.unwrap();
    assert_eq!(dump_all(db).await, full);

    // A campaign without days: its whole window, and the gestión days it spans.
    let closed = Scope {
        campaigns: Some(vec![A.to_string()]),
        from: None,
        to: None,
        reassigned: None,
        touched: None,
    };
    build(db, &closed, today()).await.unwrap();
    assert_eq!(dump_all(db).await, full);

    // What a load calls for.
    let since: DateTime<Utc> = LOADED_AT.parse().unwrap();
    let scope = affected_scope(db, since, 7, today()).await.unwrap();
    build(db, &scope, today()).await.unwrap();
    assert_eq!(dump_all(db).await, full);
    assert_everything(db).await;
}

async fn affected_scope_follows_the_load(engine: Engine) {
    let test_db = loaded(engine).await;
    let db = &test_db.connection;
    let loaded_at: DateTime<Utc> = LOADED_AT.parse().unwrap();
    let both = [B, A]; // sorted: "…_AN_…" < "…_Temprana_…"

    // Everything was touched: the build starts at the earliest date a dated input carries, the
    // gestión m6 of 06-04 (the ignored calendario duplicate's apertura 05-20 selects campaigns
    // only: calendario reaches the days through aux_campana_dia, whose comparison widens the
    // build).
    let scope = affected_scope(db, loaded_at, 7, today()).await.unwrap();
    // Their asignaciones are new: every campaign's accounts are built. So are the
    // homologation tables: the open campaign's gestiones are classified again, every one.
    let first_snapshot = Some(date("2025-06-05"));
    let mut everything = load_scope(&both, date("2025-06-04"), &both, loaded_at, first_snapshot);
    everything.touched.as_mut().unwrap().reclassified = true;
    assert_eq!(scope, everything);

    // Nothing touched since: the open campaign only, and only today's rows move on.
    let later = loaded_at + chrono::Duration::hours(1);
    let scope = affected_scope(db, later, 7, today()).await.unwrap();
    assert_eq!(scope, load_scope(&[B], today(), &[], later, None));

    // One payment of 06-10 changed: the campaigns whose window meets [06-10 − 7 days of
    // lookback, today] (A's too), rebuilt from today; had the payment moved an earlier day,
    // aux_pagos's comparison would widen the build.
    db.execute_unprepared(&format!(
        "UPDATE raw_pagos SET updated_at = '{TOUCHED_AT}' WHERE nro_documento = 'D512'"
    ))
    .await
    .unwrap();
    let scope = affected_scope(db, later, 7, today()).await.unwrap();
    assert_eq!(scope, load_scope(&both, today(), &[], later, None));

    // A changed row of A's assignment snapshot (06-05): A's accounts are built again, not B's
    // (its assignment snapshot is 06-09, which the change cannot move).
    db.execute_unprepared(&format!(
        "UPDATE raw_trandeuda SET updated_at = '{TOUCHED_AT}' \
         WHERE nro_documento = 'D121' AND fecha_proceso = '2025-06-05'"
    ))
    .await
    .unwrap();
    let scope = affected_scope(db, later, 7, today()).await.unwrap();
    assert_eq!(
        scope,
        load_scope(&both, date("2025-06-05"), &[A], later, first_snapshot)
    );
}

/// The scope a load calls for: `campaigns` from `from`, the accounts of `reassigned` rebuilt,
/// the changes since `since`, whose first snapshot day is `first_snapshot`.
fn load_scope(
    campaigns: &[&str],
    from: NaiveDate,
    reassigned: &[&str],
    since: DateTime<Utc>,
    first_snapshot: Option<NaiveDate>,
) -> Scope {
    let names = |list: &[&str]| Some(list.iter().map(|c| c.to_string()).collect());
    Scope {
        campaigns: names(campaigns),
        from: Some(from),
        to: None,
        reassigned: names(reassigned),
        touched: Some(Touched {
            since,
            first_snapshot,
            reclassified: false,
        }),
    }
}

/// When the second load of the day arrived.
const TOUCHED_AT: &str = "2025-06-10T14:00:00+00:00";

/// The fixture loaded and fully built, with the rows that build left: the starting point of the
/// tests that change a raw row and rebuild incrementally.
async fn built(engine: Engine) -> (TestDb, Vec<Vec<String>>) {
    let test_db = loaded(engine).await;
    build(&test_db.connection, &Scope::everything(), today())
        .await
        .unwrap();
    let before = dump_all(&test_db.connection).await;
    (test_db, before)
}

/// Builds `scope` after the raw change of a test, then checks that it left exactly the rows a
/// full build gives, and that the change did move some rows (`before`). Returns how many
/// aux_cuenta_estado_diario rows the scope rebuilt: how far back it reached.
async fn assert_scope_catches_up(
    db: &DatabaseConnection,
    scope: &Scope,
    before: &[Vec<String>],
) -> u64 {
    let (built, incremental) = build_as_a_full_build_would(db, scope).await;
    assert_ne!(incremental, before, "the change moved no mart row");
    built["aux_cuenta_estado_diario"]
}

/// Builds `scope`, then checks that it left exactly the rows a full build gives. Returns how
/// many rows the scope rebuilt per table, and the rows it left.
async fn build_as_a_full_build_would(
    db: &DatabaseConnection,
    scope: &Scope,
) -> (BTreeMap<&'static str, u64>, Vec<Vec<String>>) {
    let reports = build(db, scope, today()).await.unwrap();
    let incremental = dump_all(db).await;
    assert_derived_tables_recount(db).await;
    build(db, &Scope::everything(), today()).await.unwrap();
    assert_eq!(incremental, dump_all(db).await);
    let built = reports.iter().map(|r| (r.step, r.rows)).collect();
    (built, incremental)
}

/// The tables a step keeps in step with its own rows hold what a count of those rows gives. A
/// full build after an incremental one does not tell: the rows they follow come out the same,
/// so it leaves them as they are.
async fn assert_derived_tables_recount(db: &DatabaseConnection) {
    use migration::{account_milestones, debt_sums, gestion_counts};
    for (table, columns, recount) in [
        (
            account_milestones::TABLE,
            account_milestones::COLUMNS,
            account_milestones::milestones_of("1 = 1"),
        ),
        (
            gestion_counts::TABLE,
            gestion_counts::COLUMNS,
            gestion_counts::counts_of("1 = 1", "1 = 1"),
        ),
        (
            debt_sums::TABLE,
            debt_sums::COLUMNS,
            debt_sums::sums_of("1 = 1"),
        ),
    ] {
        let kept = format!("SELECT {columns} FROM {table}");
        for (rows, lacking) in [(&kept, &recount), (&recount, &kept)] {
            let sql = format!(
                "SELECT COUNT(*) AS n FROM ( \
                    SELECT * FROM ({rows}) x EXCEPT SELECT * FROM ({lacking}) y \
                 ) differing"
            );
            assert_eq!(count(db, &sql).await, 0, "{table} against a recount: {sql}");
        }
    }
}

/// Loads a row of today's trandeuda snapshot listing `documento` under `cuenta`, and returns
/// the scope the load calls for: from today, since that is the only day its input is dated.
async fn list_in_todays_snapshot(
    db: &DatabaseConnection,
    cuenta: &str,
    documento: &str,
    monto: &str,
) -> Scope {
    let change = format!(
        "INSERT INTO raw_trandeuda (cod_cuenta, nro_documento, archivo, fecha_proceso, \
         fecha_vencimiento, monto_exigible, creado_el, motivo_rechazo, extraction_timestamp, \
         extraction_id, created_at, updated_at) VALUES ('{cuenta}', '{documento}', \
         'TRAN_DEUDA_1006_1.txt', '2025-06-10', '2025-05-25', {monto}, {creado}, NULL, \
         '{TOUCHED_AT}', '6f1c3a52-8d8e-4f7e-9a43-0c2b7d9e5a12', '{TOUCHED_AT}', '{TOUCHED_AT}')",
        creado = fixture::lima("2025-06-10 06:00"),
    );
    let scope = scope_after(db, &change).await;
    assert_eq!(scope.from, Some(today()));
    scope
}

async fn a_new_snapshot_that_moves_a_payment_rebuilds_its_earlier_days(engine: Engine) {
    let (test_db, before) = built(engine).await;
    let db = &test_db.connection;

    // Today's snapshot lists D112 under C12: the 06-06 payment P1 on it is now C12's, not
    // C11's (§7.5: the account of the document's latest snapshot), which changes A's days from
    // 06-06 although the only new input is dated 06-10.
    let scope = list_in_todays_snapshot(db, "C12", "D112", "50.00").await;
    let estado = assert_scope_catches_up(db, &scope, &before).await;
    // Only A goes back, and its daily state only until the next snapshot, which nets the
    // payment (06-06 has none that counts, §13.6: 06-09): A's 6 accounts on 06-06 … 06-08, and
    // B's 4 accounts on today alone.
    assert_eq!(estado, 6 * 3 + 4);
}

async fn a_new_snapshot_that_moves_an_invalid_payment_rebuilds_nothing_earlier(engine: Engine) {
    let (test_db, _) = built(engine).await;
    let db = &test_db.connection;

    // Today's snapshot lists D121 under C11 alone: its 06-09 payment of -10.00 (not valid, §7.5)
    // is now C11's, not C12's. No later step reads an invalid payment, so A's days stay as built.
    let scope = list_in_todays_snapshot(db, "C11", "D121", "80.00").await;
    let (built, _) = build_as_a_full_build_would(db, &scope).await;
    // The incremental rows equal a full build's, so these are also what the increment left.
    let moved = "SELECT COUNT(*) AS n FROM aux_pagos \
        WHERE nro_documento = 'D121' AND cuenta = 'C11' AND NOT es_pago_valido";
    assert_eq!(count(db, moved).await, 1, "the payment moved to C11");
    // B's 4 accounts on today only: A's 06-09 was not rebuilt for the invalid payment.
    assert_eq!(built["aux_cuenta_estado_diario"], 4);
}

/// A valid payment dated before its campaign opened is kept but never counted (§12): one that
/// arrives late moves no mart day.
async fn a_late_payment_before_apertura_rebuilds_nothing_earlier(engine: Engine) {
    let (test_db, _) = built(engine).await;
    let db = &test_db.connection;
    fixture::pago(
        db,
        "D111",
        "2025-06-03",
        "15.00",
        "PAGOS_2025-06-10.txt",
        "2025-06-10 06:00",
        None,
    )
    .await;
    let change = format!(
        "UPDATE raw_pagos SET updated_at = '{TOUCHED_AT}' \
         WHERE nro_documento = 'D111' AND fecha_pago = '2025-06-03'"
    );
    let scope = scope_after(db, &change).await;
    let (built, _) = build_as_a_full_build_would(db, &scope).await;
    let kept = "SELECT COUNT(*) AS n FROM aux_pagos WHERE nro_documento = 'D111' \
        AND fecha_pago = '2025-06-03' AND es_pago_valido AND NOT esta_en_ventana";
    assert_eq!(
        count(db, kept).await,
        1,
        "C11's payment before A's apertura"
    );
    // B's two servicios today only: A's days were not rebuilt back to the payment's.
    assert_eq!(built["dashboard_data"], 2);
}

/// A payment dated after the day it arrives is kept as future, and counts once its day comes
/// though nothing of it changed: the next day's build finds it by its date alone (here in A,
/// closed, whose days no longer move) and rebuilds only the payments that can have moved.
async fn a_future_payment_counts_once_its_day_comes(engine: Engine) {
    let test_db = loaded(engine).await;
    let db = &test_db.connection;
    let (arrived, counts) = ("2025-06-10 06:00", "2025-06-11");
    fixture::pago(
        db,
        "D111",
        counts,
        "15.00",
        "PAGOS_2025-06-10.txt",
        arrived,
        None,
    )
    .await;
    build(db, &Scope::everything(), today()).await.unwrap();
    let payment = |valid: &str| {
        format!(
            "SELECT COUNT(*) AS n FROM aux_pagos WHERE nro_documento = 'D111' \
             AND fecha_pago = '{counts}' AND {valid}"
        )
    };
    assert_eq!(count(db, &payment("NOT es_pago_valido")).await, 1);

    // The next day's load brings a payment of B's C51 dated that day.
    let tomorrow = date(counts);
    let loaded_at = "2025-06-11T14:00:00+00:00";
    fixture::pago(
        db,
        "D512",
        counts,
        "5.00",
        "PAGOS_2025-06-11.txt",
        "2025-06-11 06:00",
        None,
    )
    .await;
    db.execute_unprepared(&format!(
        "UPDATE raw_pagos SET updated_at = '{loaded_at}' \
         WHERE nro_documento = 'D512' AND fecha_pago = '{counts}'"
    ))
    .await
    .unwrap();
    let scope = affected_scope(db, loaded_at.parse().unwrap(), 7, tomorrow)
        .await
        .unwrap();
    let reports = build(db, &scope, tomorrow).await.unwrap();
    let incremental = dump_all(db).await;
    build(db, &Scope::everything(), tomorrow).await.unwrap();
    assert_eq!(incremental, dump_all(db).await);
    assert_eq!(count(db, &payment("es_pago_valido")).await, 1);
    // D512's two payments (its document changed), and those dated after the last valid one
    // (06-10): D111's, D512's new one and P9 (06-12). Not the other payments of A and B.
    let pagos = reports.iter().find(|r| r.step == "aux_pagos").unwrap();
    assert_eq!(pagos.rows, 4);
    // Of the assignment rows, B's two: A, closed before the days rebuilt, keeps its five.
    let assignment = reports
        .iter()
        .find(|r| r.step == "assignment_data")
        .unwrap();
    assert_eq!(assignment.rows, 2);
}

/// A late gestión dates the build back to its day, but the daily state reads no gestión.
async fn a_late_gestion_leaves_the_daily_state_of_its_day_as_built(engine: Engine) {
    // m2 (client 1002, 06-09) now reached the client: a direct contact on 06-09.
    let change = format!(
        "UPDATE raw_mibotair_gestiones SET n1 = 'Contacto_Efectivo', n2 = 'Cliente Habla', \
         updated_at = '{TOUCHED_AT}' WHERE uid = 'm2'"
    );
    let estado = rebuild_after(engine, &change, date("2025-06-09")).await;
    // Nothing: today's rows are built and read nothing that changed. From the gestión's day it
    // would be A's 6 accounts and B's 4 on 06-09, and B's 4 today.
    assert_eq!(estado, 0);
}

/// After a load, aux_gestiones is rebuilt for the (client, day) groups of the gestiones it
/// changed: the intento and archivo_principal of a gestión read no other client or day.
async fn a_late_gestion_rebuilds_only_its_clients_day(engine: Engine) {
    let (_db, built, moved) = built_after(
        engine,
        &format!(
            "UPDATE raw_mibotair_gestiones SET n1 = 'Contacto_Efectivo', n2 = 'Cliente Habla', \
             updated_at = '{TOUCHED_AT}' WHERE uid = 'm2'"
        ),
    )
    .await;
    assert!(moved);
    // m2 alone on client 1002's 06-09; the days 06-09 and today hold 9 gestiones. Its one
    // fan-out row, on C21 in A.
    assert_eq!(built["aux_gestiones"], 1);
    assert_eq!(built["aux_gestion_cuenta"], 1);
}

/// A gestión whose client changed leaves its old group: that group is rebuilt too, and the
/// gestión counts in its new client's day.
async fn a_gestion_moved_to_another_client_leaves_its_old_day(engine: Engine) {
    // m3 (client 1001, 06-09 16:20) turns out to be client 1002's, after m2 (15:10).
    let (test_db, built, moved) = built_after(
        engine,
        &format!(
            "UPDATE raw_mibotair_gestiones SET document = '1002', updated_at = '{TOUCHED_AT}' \
             WHERE uid = 'm3'"
        ),
    )
    .await;
    let db = &test_db.connection;
    assert!(moved);
    // m2 and m3 on 1002's 06-09; 1001 has no other gestión that day.
    assert_eq!(built["aux_gestiones"], 2);
    let m3 = "SELECT COUNT(*) AS n FROM aux_gestiones \
        WHERE gestion_uid = 'm3' AND cod_luna = '1002' AND intento = 2";
    assert_eq!(count(db, m3).await, 1);
}

/// A gestión whose document is gone still has its row, rebuilt with the gestiones of no client
/// of its day.
async fn a_gestion_that_loses_its_client_is_rebuilt(engine: Engine) {
    // v9 (06-09, document 'ABC', which matches no client) loses its document.
    let (test_db, built, _) = built_after(
        engine,
        &format!(
            "UPDATE raw_voicebot_gestiones SET document = NULL, updated_at = '{TOUCHED_AT}' \
             WHERE uid = 'v9'"
        ),
    )
    .await;
    let db = &test_db.connection;
    assert_eq!(built["aux_gestiones"], 1);
    let v9 =
        "SELECT COUNT(*) AS n FROM aux_gestiones WHERE gestion_uid = 'v9' AND cod_luna IS NULL";
    assert_eq!(count(db, v9).await, 1);
}

/// An account that moves to another client changes which campaigns hold both clients: the
/// gestiones of the client that left and of the one that came, and only theirs, are rebuilt
/// from the first day the campaign's accounts changed, although none of their rows did.
async fn a_reassigned_account_moves_its_clients_archivo_principal(engine: Engine) {
    // B's C71 now belongs to client 9999 (v7 today, unassigned so far) instead of 1007 (m5).
    let (test_db, built, moved) = built_after(
        engine,
        &format!(
            "UPDATE raw_asignaciones SET cod_luna = '9999', updated_at = '{TOUCHED_AT}' \
             WHERE cuenta = 'C71'"
        ),
    )
    .await;
    let db = &test_db.connection;
    // The two clients' gestiones from B's first day: m5 and v7; v7's fan-out row on C71.
    assert_eq!(built["aux_gestiones"], 2);
    assert_eq!(built["aux_gestion_cuenta"], 1);
    let principal = |uid: &str| {
        format!(
            "SELECT COUNT(*) AS n FROM aux_gestiones WHERE gestion_uid = '{uid}' \
             AND archivo_principal = '{B}'"
        )
    };
    assert_eq!(count(db, &principal("v7")).await, 1);
    assert_eq!(count(db, &principal("m5")).await, 0);
    assert!(moved);
}

/// An account whose assignment row is re-delivered rejected leaves its campaign: its
/// daily-state rows go, and no other account's row is rebuilt.
async fn an_account_that_leaves_its_campaign_takes_its_daily_state_along(engine: Engine) {
    let (test_db, built, moved) = built_after(
        engine,
        &format!(
            "UPDATE raw_asignaciones SET motivo_rechazo = 'Cuenta duplicada', \
             updated_at = '{TOUCHED_AT}' WHERE cuenta = 'C61'"
        ),
    )
    .await;
    assert!(moved);
    assert_eq!(built["aux_cuenta_estado_diario"], 0);
    let left = "SELECT COUNT(*) AS n FROM aux_cuenta_estado_diario WHERE cuenta = 'C61'";
    assert_eq!(count(&test_db.connection, left).await, 0);
}

/// A campaign whose window changes moves the gestiones of every client it held on the days
/// that changed, none of whose rows did.
async fn a_shorter_window_moves_the_gestiones_of_its_last_days(engine: Engine) {
    // A now closed on 06-07: m2 (client 1002, A's only, on 06-09) falls outside every window.
    let (test_db, _, moved) = built_after(
        engine,
        &format!(
            "UPDATE raw_calendario SET fecha_cierre = '2025-06-07', updated_at = '{TOUCHED_AT}' \
             WHERE archivo = '{A}' AND fecha_cierre = '2025-06-09'"
        ),
    )
    .await;
    let db = &test_db.connection;
    assert!(moved);
    let m2 = "SELECT COUNT(*) AS n FROM aux_gestiones \
        WHERE gestion_uid = 'm2' AND archivo_principal = 'GENERAL'";
    assert_eq!(count(db, m2).await, 1);
}

/// An account whose attributes change but not its client (a re-listed assignment with a new due
/// date) moves the campaign's marts and its own daily state, but no other account's, no gestión
/// and no fan-out row.
async fn a_new_due_date_rebuilds_only_its_accounts_rows(engine: Engine) {
    let (_db, built, moved) = built_after(
        engine,
        &format!(
            "UPDATE raw_asignaciones SET min_vto = '2025-06-03', updated_at = '{TOUCHED_AT}' \
             WHERE cuenta = 'C71'"
        ),
    )
    .await;
    assert!(moved);
    assert_eq!(built["aux_gestiones"], 0);
    assert_eq!(built["aux_gestion_cuenta"], 0);
    // C71's rows on B's two days: the daily state reads no other account's attributes (every
    // account of B would be 4 on each day).
    assert_eq!(built["aux_cuenta_estado_diario"], 2);
}

/// A homologation change reclassifies the gestiones of the open campaigns' days, every one of
/// them, although no gestión changed (§7.6: the closed campaigns' keep their classification
/// until a rebuild asks for it).
async fn a_homologation_change_reclassifies_the_open_campaigns_gestiones(engine: Engine) {
    let (test_db, _) = built(engine).await;
    let db = &test_db.connection;
    // "NO CONTESTA" (v7, v8 today; v9 on 06-09) becomes a contact without effect.
    let scope = scope_after(
        db,
        &format!(
            "UPDATE raw_homologacion_voicebot \
             SET contactabilidad_homologada = 'Contacto No Efectivo', \
             updated_at = '{TOUCHED_AT}' WHERE bot_management = 'NO CONTESTA'"
        ),
    )
    .await;
    assert!(scope.touched.is_some_and(|t| t.reclassified));
    let reports = build(db, &scope, today()).await.unwrap();
    // Every gestión of B's days, 06-09 and today.
    let gestiones = reports.iter().find(|r| r.step == "aux_gestiones").unwrap();
    assert_eq!(gestiones.rows, 9);
    let reclassified = "SELECT COUNT(*) AS n FROM aux_gestiones \
        WHERE gestion_uid IN ('v7', 'v8', 'v9') AND contactabilidad = 'CONTACTO_NO_EFECTIVO'";
    assert_eq!(count(db, reclassified).await, 3);
}

/// A changed row of a snapshot day that stays the snapshot day moves the debt of its account
/// only: the daily state is rebuilt for that account on the days that read that snapshot.
async fn a_late_snapshot_row_rebuilds_only_its_accounts_daily_state(engine: Engine) {
    // C21's document in the 06-09 snapshot now says 175.00 instead of 150.00.
    let change = format!(
        "UPDATE raw_trandeuda SET monto_exigible = 175.00, updated_at = '{TOUCHED_AT}' \
         WHERE nro_documento = 'D211' AND fecha_proceso = '2025-06-09'"
    );
    let estado = rebuild_after(engine, &change, date("2025-06-09")).await;
    // C21 (in A only) on 06-09, A's last day. From the snapshot's day for every account it
    // would be A's 6 accounts and B's 4 on 06-09, and B's 4 today.
    assert_eq!(estado, 1);
}

/// A day without daily-state rows (say, of a run that did not happen) is built whatever day
/// the scope starts from.
async fn days_without_daily_state_rows_are_built(engine: Engine) {
    let (test_db, before) = built(engine).await;
    let db = &test_db.connection;
    db.execute_unprepared(&format!(
        "DELETE FROM aux_cuenta_estado_diario \
         WHERE archivo_campana = '{B}' AND fecha_proceso = '2025-06-09'"
    ))
    .await
    .unwrap();
    // Nothing touched since the load: B from today.
    let later = LOADED_AT.parse::<DateTime<Utc>>().unwrap() + chrono::Duration::hours(1);
    let scope = affected_scope(db, later, 7, today()).await.unwrap();
    let (built, after) = build_as_a_full_build_would(db, &scope).await;
    assert_eq!(after, before);
    // B's 4 accounts on 06-09, the day without rows; today's rows stand.
    assert_eq!(built["aux_cuenta_estado_diario"], 4);
}

/// A scope that held a few rows against ten times as many built is replaced whole instead of
/// compared (`rewrite`): its rows come out as a full build's, and the derived debt sums with
/// them.
async fn a_scope_that_held_few_rows_is_replaced_whole(engine: Engine) {
    use migration::debt_sums;
    let (test_db, before) = built(engine).await;
    let db = &test_db.connection;
    let estado_rows_of_a =
        format!("SELECT COUNT(*) AS n FROM aux_cuenta_estado_diario WHERE archivo_campana = '{A}'");
    let a_rows = count(db, &estado_rows_of_a).await;
    // A's daily state is gone but for C11's first day, and the sums follow, as the step would
    // have kept them.
    for sql in [
        format!(
            "DELETE FROM aux_cuenta_estado_diario WHERE archivo_campana = '{A}' AND NOT ( \
                cuenta = 'C11' AND fecha_proceso = (SELECT MIN(e.fecha_proceso) \
                    FROM aux_cuenta_estado_diario e WHERE e.archivo_campana = '{A}'))"
        ),
        format!("DELETE FROM {}", debt_sums::TABLE),
        format!(
            "INSERT INTO {} ({}) {}",
            debt_sums::TABLE,
            debt_sums::COLUMNS,
            debt_sums::sums_of("1 = 1")
        ),
    ] {
        db.execute_unprepared(&sql).await.unwrap();
    }
    assert_eq!(count(db, &estado_rows_of_a).await, 1);
    let scope = Scope {
        campaigns: Some(vec![A.to_string()]),
        from: Some(date("2025-05-01")),
        ..Scope::everything()
    };
    let (built, after) = build_as_a_full_build_would(db, &scope).await;
    assert_eq!(after, before);
    assert!(a_rows >= 10, "{a_rows} rows: ten times the one held");
    assert_eq!(built["aux_cuenta_estado_diario"], a_rows as u64);
}

/// A document goes back to the account of an earlier snapshot when the rows of its latest one
/// are rejected on re-delivery (§7.5: only counted rows place it). A refresh reads the
/// documents it touched from their owner day on; this one has no counted row left there, so
/// its whole history is read.
async fn a_rejected_latest_snapshot_row_gives_the_payment_back(engine: Engine) {
    let (test_db, before) = built(engine).await;
    let db = &test_db.connection;
    let paid_by = |cuenta: &str| {
        format!(
            "SELECT COUNT(*) AS n FROM aux_pagos WHERE nro_documento = 'D112' AND cuenta = '{cuenta}'"
        )
    };
    assert_eq!(count(db, &paid_by("C11")).await, 1);
    let scope = list_in_todays_snapshot(db, "C12", "D112", "50.00").await;
    assert_scope_catches_up(db, &scope, &before).await;
    assert_eq!(count(db, &paid_by("C12")).await, 1);

    let redelivered: DateTime<Utc> = "2025-06-10T15:00:00+00:00".parse().unwrap();
    db.execute_unprepared(&format!(
        "UPDATE raw_trandeuda SET motivo_rechazo = 'Documento duplicado', \
         updated_at = '{}' WHERE nro_documento = 'D112' AND fecha_proceso = '2025-06-10'",
        redelivered.to_rfc3339()
    ))
    .await
    .unwrap();
    let scope = affected_scope(db, redelivered, 7, today()).await.unwrap();
    build_as_a_full_build_would(db, &scope).await;
    assert_eq!(count(db, &paid_by("C11")).await, 1);
}

/// The document accounts start empty (a database migrated from before they existed): the first
/// refresh looks every paid document up, although the load changed none of them.
async fn a_refresh_fills_empty_document_accounts(engine: Engine) {
    let (test_db, before) = built(engine).await;
    let db = &test_db.connection;
    let documents = "SELECT COUNT(*) AS n FROM aux_documento_cuenta";
    let owned = count(db, documents).await;
    assert!(owned > 0);
    db.execute_unprepared("DELETE FROM aux_documento_cuenta")
        .await
        .unwrap();
    let later: DateTime<Utc> = "2025-06-10T15:00:00+00:00".parse().unwrap();
    let scope = affected_scope(db, later, 7, today()).await.unwrap();
    assert_eq!(scope.touched.and_then(|t| t.first_snapshot), None);
    build(db, &scope, today()).await.unwrap();
    assert_eq!(count(db, documents).await, owned);
    assert_eq!(dump_all(db).await, before);
}

/// A dashboard day rebuilt without the days before it is the day a full build gives, whether
/// or not the rows of the day before stand: its gestión counts add up the campaign's day counts
/// (aux_gestiones_servicio_dia) from apertura.
async fn a_dashboard_day_rebuilt_alone_is_the_full_builds_day(engine: Engine) {
    let (test_db, full) = built(engine).await;
    let db = &test_db.connection;
    let day = |d: &str| Scope {
        campaigns: Some(vec![B.to_string()]),
        from: Some(date(d)),
        to: Some(date(d)),
        reassigned: None,
        touched: None,
    };
    build(db, &day("2025-06-10"), today()).await.unwrap();
    assert_eq!(dump_all(db).await, full);

    let gestiones = format!(
        "SELECT COALESCE(SUM(total_gestiones), 0) AS n FROM dashboard_data \
         WHERE archivo = '{B}' AND fecha_foto = '2025-06-09'"
    );
    assert!(count(db, &gestiones).await > 0, "B has gestiones on 06-09");
    db.execute_unprepared(&format!(
        "DELETE FROM dashboard_data WHERE archivo = '{B}' AND fecha_foto = '2025-06-09'"
    ))
    .await
    .unwrap();
    build(db, &day("2025-06-10"), today()).await.unwrap();
    build(db, &day("2025-06-09"), today()).await.unwrap();
    assert_eq!(dump_all(db).await, full);
}

/// A crash empties the unlogged aux tables and their marker (on PostgreSQL; here they are
/// emptied by hand, on both engines): the next build, asked only for today, rebuilds every row,
/// then puts the marker back.
async fn a_build_after_a_crash_rebuilds_the_emptied_unlogged_tables(engine: Engine) {
    use migration::unlogged_aux::{MARKER, UNLOGGED};
    let (test_db, full) = built(engine).await;
    let db = &test_db.connection;
    let fan_out = "aux_gestion_cuenta";
    let rows_in = |table: &str| format!("SELECT COUNT(*) AS n FROM {table}");
    let fan_out_rows = count(db, &rows_in(fan_out)).await;
    for table in UNLOGGED.into_iter().chain([MARKER]) {
        db.execute_unprepared(&format!("DELETE FROM {table}"))
            .await
            .unwrap();
    }
    let today_only = Scope {
        from: Some(today()),
        ..Scope::everything()
    };
    build(db, &today_only, today()).await.unwrap();
    assert_eq!(dump_all(db).await, full);
    assert_eq!(count(db, &rows_in(fan_out)).await, fan_out_rows);
    assert_eq!(count(db, &rows_in(MARKER)).await, 1);
    // With the marker back, a build for today leaves the earlier days as they are.
    let reports = build(db, &today_only, today()).await.unwrap();
    let built: BTreeMap<&str, u64> = reports.iter().map(|r| (r.step, r.rows)).collect();
    let gestiones = count(db, &rows_in("aux_gestiones")).await;
    assert!(built["aux_gestiones"] < u64::try_from(gestiones).unwrap());
}

/// On the built fixture, makes the raw `change` (touched at [`TOUCHED_AT`]), checks that the
/// load calls for a build from `from` and that the build catches up with a full one; returns
/// the daily-state rows it rebuilt (see [`assert_scope_catches_up`]).
async fn rebuild_after(engine: Engine, change: &str, from: NaiveDate) -> u64 {
    let (test_db, before) = built(engine).await;
    let db = &test_db.connection;
    let scope = scope_after(db, change).await;
    assert_eq!(scope.from, Some(from));
    assert_scope_catches_up(db, &scope, &before).await
}

/// On the built fixture, makes the raw `change` (touched at [`TOUCHED_AT`]) and builds the scope
/// the load calls for, checking that it leaves the rows a full build gives. Returns the
/// database, the rows each step built and whether any row moved.
async fn built_after(engine: Engine, change: &str) -> (TestDb, BTreeMap<&'static str, u64>, bool) {
    let (test_db, before) = built(engine).await;
    let scope = scope_after(&test_db.connection, change).await;
    let (built, after) = build_as_a_full_build_would(&test_db.connection, &scope).await;
    (test_db, built, after != before)
}

/// Makes the raw `change` (touched at [`TOUCHED_AT`]) and returns the scope the load calls for.
async fn scope_after(db: &DatabaseConnection, change: &str) -> Scope {
    db.execute_unprepared(change).await.unwrap();
    affected_scope(db, TOUCHED_AT.parse().unwrap(), 7, today())
        .await
        .unwrap()
}

/// [`rebuild_after`] touching B's calendario row (the open campaign, apertura 06-09) with
/// `set`: a build from today.
async fn rebuild_after_touching_campaign_b(engine: Engine, set: &str) -> u64 {
    let change = format!(
        "UPDATE raw_calendario SET {set}, updated_at = '{TOUCHED_AT}' WHERE archivo = '{B}'"
    );
    rebuild_after(engine, &change, today()).await
}

async fn a_campaign_closing_on_its_last_day_rebuilds_only_today(engine: Engine) {
    // B closes today: its calendario row changes, none of its earlier days do (the closing date
    // itself is in aux_campana_dia: some rows do move).
    let estado = rebuild_after_touching_campaign_b(engine, "fecha_cierre = '2025-06-10'").await;
    // None: the daily state reads nothing that changed (widened to B's apertura, it would have
    // rebuilt B's 4 accounts on both its days).
    assert_eq!(estado, 0);
}

async fn a_new_cartera_label_rebuilds_the_campaigns_earlier_days(engine: Engine) {
    // B's label now says TEMPRANA: every day of B changes cartera, also 06-09, before the
    // scope's `from` (today).
    let estado = rebuild_after_touching_campaign_b(engine, "tipo_cartera = 'Temprana'").await;
    // B's 4 accounts on 06-09 and today; A stays as it was.
    assert_eq!(estado, 4 * 2);
}

async fn changed_assigned_debt_rebuilds_the_whole_window(engine: Engine) {
    let (test_db, before) = built(engine).await;
    let db = &test_db.connection;

    // C12's document in A's assignment snapshot (06-05) now says 95.00: its deuda_asig moves
    // on every day of A, also those before the scope's `from`.
    db.execute_unprepared(
        "UPDATE raw_trandeuda SET monto_exigible = 95.00 \
         WHERE nro_documento = 'D121' AND fecha_proceso = '2025-06-05'",
    )
    .await
    .unwrap();
    let scope = Scope {
        campaigns: Some(vec![A.to_string()]),
        from: Some(date("2025-06-09")),
        to: None,
        reassigned: None,
        touched: None,
    };
    assert_scope_catches_up(db, &scope, &before).await;
}

/// The scope of a load rebuilds the accounts of the campaigns whose assignment snapshot the
/// load touched (A's, 06-05), and that is enough to catch up with a full build.
async fn a_changed_assignment_snapshot_rebuilds_its_campaigns_accounts(engine: Engine) {
    let (test_db, before) = built(engine).await;
    let db = &test_db.connection;
    let change = format!(
        "UPDATE raw_trandeuda SET monto_exigible = 95.00, updated_at = '{TOUCHED_AT}' \
         WHERE nro_documento = 'D121' AND fecha_proceso = '2025-06-05'"
    );
    let scope = scope_after(db, &change).await;
    assert_eq!(scope.reassigned, Some(vec![A.to_string()]));
    assert_scope_catches_up(db, &scope, &before).await;
}

/// The large aux tables compare the rows a build makes with those in its scope and write only
/// the differences: a rebuild that changes nothing rewrites nothing, and a changed snapshot
/// rewrites the one daily-state row it moved.
async fn a_rebuild_rewrites_only_the_rows_that_changed(engine: Engine) {
    let (test_db, before) = built(engine).await;
    let db = &test_db.connection;
    let every_day = Scope {
        campaigns: None,
        from: Some(date("2025-06-05")),
        to: None,
        reassigned: None,
        touched: None,
    };
    let places = row_places(db).await;
    build(db, &every_day, today()).await.unwrap();
    assert_eq!(dump_all(db).await, before);
    assert_eq!(
        row_places(db).await,
        places,
        "nothing changed, nothing rewritten"
    );

    // C21's document in the 06-09 snapshot now says 175.00 instead of 150.00: its daily state on
    // A's last day moves, and nothing else of these tables does.
    db.execute_unprepared(
        "UPDATE raw_trandeuda SET monto_exigible = 175.00 \
         WHERE nro_documento = 'D211' AND fecha_proceso = '2025-06-09'",
    )
    .await
    .unwrap();
    build(db, &every_day, today()).await.unwrap();
    let after = row_places(db).await;
    let moved: Vec<(&str, &String)> = after
        .iter()
        .filter(|(row, place)| places.get(*row) != Some(*place))
        .map(|((table, key), _)| (*table, key))
        .collect();
    let c21 = format!("2025-06-09|{A}|1002|C21|FIJA");
    assert_eq!(moved, [("aux_cuenta_estado_diario", &c21)]);
    assert_eq!(after.len(), places.len());
    let incremental = dump_all(db).await;
    assert_ne!(incremental, before);
    build(db, &Scope::everything(), today()).await.unwrap();
    assert_eq!(dump_all(db).await, incremental);
}

/// Where each row of the compared aux tables is stored (PostgreSQL's ctid, SQLite's rowid),
/// by table and key: a row a build did not rewrite is where it was.
async fn row_places(db: &DatabaseConnection) -> BTreeMap<(&'static str, String), String> {
    let place = match db.get_database_backend() {
        DbBackend::Postgres => "CAST(ctid AS TEXT)",
        _ => "CAST(rowid AS TEXT)",
    };
    let mut places = BTreeMap::new();
    for (table, key) in [
        ("aux_gestiones", "canal || '|' || gestion_uid"),
        (
            "aux_gestion_cuenta",
            "archivo || '|' || cuenta || '|' || canal || '|' || gestion_uid",
        ),
        (
            "aux_cuenta_estado_diario",
            "CAST(fecha_proceso AS TEXT) || '|' || archivo_campana || '|' || cod_luna || '|' || \
             cuenta || '|' || servicio",
        ),
        ("aux_documento_cuenta", "nro_documento"),
        (
            "aux_pagos",
            "archivo || '|' || nro_documento || '|' || CAST(fecha_pago AS TEXT) || '|' || \
             CAST(monto_cancelado AS TEXT)",
        ),
    ] {
        let sql = format!("SELECT {key} AS k, {place} AS p FROM {table}");
        let rows = db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap();
        for row in rows {
            places.insert(
                (table, row.try_get::<String>("", "k").unwrap()),
                row.try_get::<String>("", "p").unwrap(),
            );
        }
    }
    places
}

// ---------------------------------------------------------------------------------------------
// Expected rows
// ---------------------------------------------------------------------------------------------

const DASHBOARD: Layout = Layout {
    table: "dashboard_data",
    text: &["fecha_foto", "archivo", "cartera", "servicio"],
    ints: &[
        "dia_gestion",
        "cuentas",
        "clientes",
        "cuentas_gestionadas",
        "cuentas_cd",
        "cuentas_ci",
        "cuentas_sc",
        "cuentas_sg",
        "cuentas_pdp",
        "cuentas_pagadoras",
        "cuentas_frac",
        "cuentas_pdp_frac",
        "total_gestiones",
        "gestiones_voicebot",
        "gestiones_call",
        "gestiones_efectivas",
    ],
    money: &["deuda_asig", "deuda_act", "recupero"],
    pct: &[
        "pct_cober",
        "pct_contac",
        "pct_cd",
        "pct_ci",
        "pct_sc",
        "pct_conversion",
        "pct_efectividad",
        "pct_cierre",
        "inten",
    ],
};

/// Per account, the first day of each state in its campaign (fan-out of the gestiones, §7.4):
///
/// A (window 06-05 … 06-09; snapshot S = 06-05 for 06-05 … 06-08, 06-09 for 06-09)
/// - C11 MOVIL 1001: v1 06-05 NO_CONTACTO, v2 06-05 CI, m1 06-06 CD+PDP, m3 06-09 NC →
///   CI from 06-05, CD and PDP from 06-06; counted payments P1 06-06 50.00, P11 06-09 10.00.
/// - C12 FIJA 1001: the same gestiones → CI 06-05, CD+PDP 06-06; P4 (−10.00) is not valid.
/// - C21 FIJA 1002 frac: v3 06-05 SIN_CLASIFICAR (SC), m2 06-09 CI; P10 06-06 25.00 (P2 on
///   06-04 is before apertura). m6 (06-04) is outside the window.
/// - C31, C32 MOVIL 1003: v10 06-05 22:30 NC (SC), v4 06-06 CD, v5 06-07 (Sat) CD+PDP;
///   P3 (06-10) is after cierre.
/// - C41 FIJA 1004: nothing → SG all along.
///
/// deuda_asig (A: first snapshot ≥ apertura = 06-05): C11 100+50 = 150, C12 80, C21 200 (the
/// later copy), C31 0.50, C32 30 (−5.00 ignored), C41 60 (999 rejected) → MOVIL 180.50,
/// FIJA 340. debt on 06-09: C11 100, C12 80, C21 150, C31 0 (absent), C32 30, C41 60 →
/// MOVIL 130, FIJA 290.
///
/// B (window 06-09 … 06-10; fecha_trandeuda 06-09; S = 06-09 on both days)
/// - C13 MOVIL 1001: m3 06-09 NC → SC from 06-09; P6 06-09 30.00.
/// - C51 MOVIL 1005 frac: v8 06-10 NC, m4 06-10 CD+PDP; P5 06-10 45.50.
/// - C71 MOVIL 1007: m5 06-10 CD (no PDP); absent from the snapshot → debt 0.
/// - C61 FIJA 1006: v6 06-10 NC, m7 06-10 SIN_CLASIFICAR → SC from 06-10; P9 is future-dated.
///
/// deuda_asig = deuda_act: C13 120, C51 40+45.50 = 85.50, C71 0 → MOVIL 205.50; C61 300.
fn dashboard_rows() -> Vec<Row> {
    // ints: dia_gestion, cuentas, clientes, gestionadas, cd, ci, sc, sg, pdp, pagadoras, frac,
    //       pdp_frac, total_gestiones, voicebot, call, efectivas
    // money: deuda_asig, deuda_act, recupero
    // pct: cober, contac, cd, ci, sc, conversion, efectividad, cierre, inten
    vec![
        // A MOVIL {C11, C31, C32}, clientes {1001, 1003}, no frac.
        // 06-05: C11 CI (v2); C31, C32 SC (v10). gestiones v1, v2, v10 (all bot), none effective.
        //   cober 3/3; ci 1/3 = 33.33; sc 2/3 = 66.67; inten 3/3.
        row(
            &["2025-06-05", A, "TEMPRANA", "MOVIL"],
            &[1, 3, 2, 3, 0, 1, 2, 0, 0, 0, 0, 0, 3, 3, 0, 0],
            &[180.50, 180.50, 0.0],
            &[100.0, 0.0, 0.0, 33.33, 66.67, 0.0, 0.0, 0.0, 1.00],
        ),
        // 06-06: all three CD (m1, v4); PDP C11 (m1). gestiones + m1, v4 = 5 (4 bot, 1 call),
        //   effective m1, v4 = 2. P1 50 → C11 pays. contac 2/5 = 40; conversion 1/3 = 33.33;
        //   efectividad 1/3; cierre 50/180.5 = 27.70; inten 5/3 = 1.67.
        row(
            &["2025-06-06", A, "TEMPRANA", "MOVIL"],
            &[2, 3, 2, 3, 3, 0, 0, 0, 1, 1, 0, 0, 5, 4, 1, 2],
            &[180.50, 180.50, 50.0],
            &[100.0, 40.0, 100.0, 0.0, 0.0, 33.33, 33.33, 27.70, 1.67],
        ),
        // 06-07 (Sat): + v5 (CD+PDP for C31, C32) → PDP 3; 6 gestiones (5 bot), 3 effective.
        //   contac 3/6 = 50; conversion 3/3; efectividad 3/3; inten 6/3 = 2.
        row(
            &["2025-06-07", A, "TEMPRANA", "MOVIL"],
            &[2, 3, 2, 3, 3, 0, 0, 0, 3, 1, 0, 0, 6, 5, 1, 3],
            &[180.50, 180.50, 50.0],
            &[100.0, 50.0, 100.0, 0.0, 0.0, 100.0, 100.0, 27.70, 2.00],
        ),
        // 06-08 (Sun): nothing new; dia_gestion stays 2.
        row(
            &["2025-06-08", A, "TEMPRANA", "MOVIL"],
            &[2, 3, 2, 3, 3, 0, 0, 0, 3, 1, 0, 0, 6, 5, 1, 3],
            &[180.50, 180.50, 50.0],
            &[100.0, 50.0, 100.0, 0.0, 0.0, 100.0, 100.0, 27.70, 2.00],
        ),
        // 06-09: + m3 (call, NC) → 7 gestiones (5 bot, 2 call). P11 10 → recupero 60.
        //   deuda_act 100 + 0 + 30 = 130. contac 3/7 = 42.86; cierre 60/180.5 = 33.24;
        //   inten 7/3 = 2.33.
        row(
            &["2025-06-09", A, "TEMPRANA", "MOVIL"],
            &[3, 3, 2, 3, 3, 0, 0, 0, 3, 1, 0, 0, 7, 5, 2, 3],
            &[180.50, 130.0, 60.0],
            &[100.0, 42.86, 100.0, 0.0, 0.0, 100.0, 100.0, 33.24, 2.33],
        ),
        // A FIJA {C12, C21, C41}, clientes {1001, 1002, 1004}, frac {C21}.
        // 06-05: C12 CI (v2), C21 SC (v3), C41 SG. gestiones v1, v2, v3 (bot).
        //   cober 2/3 = 66.67; ci 33.33; sc 33.33; inten 3/2 = 1.5.
        row(
            &["2025-06-05", A, "TEMPRANA", "FIJA"],
            &[1, 3, 3, 2, 0, 1, 1, 1, 0, 0, 1, 0, 3, 3, 0, 0],
            &[340.0, 340.0, 0.0],
            &[66.67, 0.0, 0.0, 33.33, 33.33, 0.0, 0.0, 0.0, 1.50],
        ),
        // 06-06: C12 CD+PDP (m1); C21 still SC; P10 25 → C21 pays. gestiones + m1 = 4
        //   (3 bot, 1 call), 1 effective. contac 1/4 = 25; cd 33.33; conversion 1/1 = 100;
        //   efectividad 1/2 = 50; cierre 25/340 = 7.35; inten 4/2 = 2.
        row(
            &["2025-06-06", A, "TEMPRANA", "FIJA"],
            &[2, 3, 3, 2, 1, 0, 1, 1, 1, 1, 1, 0, 4, 3, 1, 1],
            &[340.0, 340.0, 25.0],
            &[66.67, 25.0, 33.33, 0.0, 33.33, 100.0, 50.0, 7.35, 2.00],
        ),
        row(
            &["2025-06-07", A, "TEMPRANA", "FIJA"],
            &[2, 3, 3, 2, 1, 0, 1, 1, 1, 1, 1, 0, 4, 3, 1, 1],
            &[340.0, 340.0, 25.0],
            &[66.67, 25.0, 33.33, 0.0, 33.33, 100.0, 50.0, 7.35, 2.00],
        ),
        row(
            &["2025-06-08", A, "TEMPRANA", "FIJA"],
            &[2, 3, 3, 2, 1, 0, 1, 1, 1, 1, 1, 0, 4, 3, 1, 1],
            &[340.0, 340.0, 25.0],
            &[66.67, 25.0, 33.33, 0.0, 33.33, 100.0, 50.0, 7.35, 2.00],
        ),
        // 06-09: C21 becomes CI (m2). gestiones + m2, m3 = 6 (3 bot, 3 call), 1 effective.
        //   deuda_act 80 + 150 + 60 = 290. contac 1/6 = 16.67; inten 6/2 = 3.
        row(
            &["2025-06-09", A, "TEMPRANA", "FIJA"],
            &[3, 3, 3, 2, 1, 1, 0, 1, 1, 1, 1, 0, 6, 3, 3, 1],
            &[340.0, 290.0, 25.0],
            &[66.67, 16.67, 33.33, 33.33, 0.0, 100.0, 50.0, 7.35, 3.00],
        ),
        // B MOVIL {C13, C51, C71}, clientes {1001, 1005, 1007}, frac {C51}.
        // 06-09: C13 SC (m3); C51, C71 SG. 1 gestión (call). P6 30 → C13 pays.
        //   cober 1/3 = 33.33; sc 33.33; cierre 30/205.5 = 14.60; inten 1/1.
        row(
            &["2025-06-09", B, "ALTAS_NUEVAS", "MOVIL"],
            &[1, 3, 3, 1, 0, 0, 1, 2, 0, 1, 1, 0, 1, 0, 1, 0],
            &[205.50, 205.50, 30.0],
            &[33.33, 0.0, 0.0, 0.0, 33.33, 0.0, 0.0, 14.60, 1.00],
        ),
        // 06-10: C51 CD+PDP (m4), C71 CD (m5), C13 SC. gestiones m3, v8, m4, m5 = 4 (1 bot,
        //   3 call), effective m4, m5. P5 45.50 → recupero 75.50, payers C13, C51.
        //   contac 2/4 = 50; cd 2/3 = 66.67; conversion 1/2 = 50; efectividad 1/3 = 33.33;
        //   cierre 75.5/205.5 = 36.74; inten 4/3 = 1.33.
        row(
            &["2025-06-10", B, "ALTAS_NUEVAS", "MOVIL"],
            &[2, 3, 3, 3, 2, 0, 1, 0, 1, 2, 1, 1, 4, 1, 3, 2],
            &[205.50, 205.50, 75.50],
            &[100.0, 50.0, 66.67, 0.0, 33.33, 50.0, 33.33, 36.74, 1.33],
        ),
        // B FIJA {C61}. 06-09: SG, nothing else; every denominator but cuentas is 0.
        row(
            &["2025-06-09", B, "ALTAS_NUEVAS", "FIJA"],
            &[1, 1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0],
            &[300.0, 300.0, 0.0],
            &[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        ),
        // 06-10: v6 (NC) and m7 (unmatched) → SC; 2 gestiones (1 bot, 1 call); inten 2/1.
        row(
            &["2025-06-10", B, "ALTAS_NUEVAS", "FIJA"],
            &[2, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 2, 1, 1, 0],
            &[300.0, 300.0, 0.0],
            &[100.0, 0.0, 0.0, 0.0, 100.0, 0.0, 0.0, 0.0, 2.00],
        ),
    ]
}

const EVOLUTION: Layout = Layout {
    table: "evolution_data",
    text: &["fecha_foto", "archivo", "cartera", "servicio"],
    ints: &[
        "dia_gestion",
        "dia_campana",
        "cuentas",
        "clientes",
        "cuentas_gestionadas",
        "cuentas_cd",
        "cuentas_ci",
        "cuentas_sc",
        "cuentas_sg",
        "cuentas_pdp",
        "cuentas_pagadoras",
        "total_gestiones",
        "gestiones_voicebot",
        "gestiones_call",
        "gestiones_efectivas",
    ],
    money: &["recupero", "deuda_asig", "deuda_act"],
    pct: &["pct_cober", "pct_contac", "pct_efectividad", "pct_cierre"],
};

/// evolution_data = the dashboard rows of business days (A: Thu 06-05, Fri 06-06, Mon 06-09;
/// B: 06-09, 06-10), with dia_campana = fecha − apertura + 1.
fn evolution_rows() -> Vec<Row> {
    let dia_campana = |fecha: &str, archivo: &str| -> Option<i64> {
        match (archivo == A, fecha) {
            (true, "2025-06-05") => Some(1),
            (true, "2025-06-06") => Some(2),
            (true, "2025-06-09") => Some(5),
            (false, "2025-06-09") => Some(1),
            (false, "2025-06-10") => Some(2),
            _ => None, // the weekend
        }
    };
    dashboard_rows()
        .into_iter()
        .filter_map(|r| {
            let dc = dia_campana(&r.text[0], &r.text[1])?;
            // dashboard ints: dia_gestion, cuentas, clientes, gestionadas, cd, ci, sc, sg, pdp,
            // pagadoras, frac, pdp_frac, total, voicebot, call, efectivas.
            let i = &r.ints;
            let ints = vec![
                i[0], dc, i[1], i[2], i[3], i[4], i[5], i[6], i[7], i[8], i[9], i[12], i[13],
                i[14], i[15],
            ];
            let money = vec![r.money[2], r.money[0], r.money[1]];
            // dashboard pct: cober, contac, cd, ci, sc, conversion, efectividad, cierre, inten.
            let pct = vec![r.pct[0], r.pct[1], r.pct[6], r.pct[7]];
            Some(Row {
                text: r.text,
                ints,
                money,
                pct,
            })
        })
        .collect()
}

const ASSIGNMENT: Layout = Layout {
    table: "assignment_data",
    text: &[
        "periodo",
        "archivo",
        "cartera",
        "servicio",
        "fecha_vencimiento",
        "fecha_corte",
    ],
    ints: &["clientes", "cuentas"],
    money: &["deuda_asig", "deuda_actual", "ticket_promedio"],
    pct: &[],
};

/// R = min(COALESCE(cierre, today), today): A 06-09 (S = 06-09, no counted payment after it up
/// to 06-09 → saldo = debt), B 06-10 (S = 06-09; P5 45.50 on 06-10 is after the snapshot → C51
/// saldo 85.50 − 45.50 = 40). fecha_vencimiento: min_vto, C41 the due date of D411 (05-20),
/// C61 none at all → apertura 06-09. periodo: A '2025-06'; B has none → month of apertura.
fn assignment_rows() -> Vec<Row> {
    vec![
        // C11 (150 / 100) + C31 (0.50 / 0): clients 1001, 1003; ticket 150.5 / 2.
        row(
            &[
                "2025-06",
                A,
                "TEMPRANA",
                "MOVIL",
                "2025-05-25",
                "2025-06-09",
            ],
            &[2, 2],
            &[150.50, 100.0, 75.25],
            &[],
        ),
        // C32: 30 / 30.
        row(
            &[
                "2025-06",
                A,
                "TEMPRANA",
                "MOVIL",
                "2025-05-30",
                "2025-06-09",
            ],
            &[1, 1],
            &[30.0, 30.0, 30.0],
            &[],
        ),
        // C41: 60 / 60.
        row(
            &["2025-06", A, "TEMPRANA", "FIJA", "2025-05-20", "2025-06-09"],
            &[1, 1],
            &[60.0, 60.0, 60.0],
            &[],
        ),
        // C12: 80 / 80 (P4 is not a valid payment).
        row(
            &["2025-06", A, "TEMPRANA", "FIJA", "2025-05-25", "2025-06-09"],
            &[1, 1],
            &[80.0, 80.0, 80.0],
            &[],
        ),
        // C21: assigned 200, snapshot 06-09 says 150.
        row(
            &["2025-06", A, "TEMPRANA", "FIJA", "2025-05-30", "2025-06-09"],
            &[1, 1],
            &[200.0, 150.0, 200.0],
            &[],
        ),
        // C13 120 / 120, C51 85.50 / 40, C71 0 / 0: 205.50 / 160; ticket 205.5 / 3 = 68.50.
        row(
            &[
                "2025-06",
                B,
                "ALTAS_NUEVAS",
                "MOVIL",
                "2025-06-01",
                "2025-06-10",
            ],
            &[3, 3],
            &[205.50, 160.0, 68.50],
            &[],
        ),
        // C61: 300 / 300 (P9 is future-dated).
        row(
            &[
                "2025-06",
                B,
                "ALTAS_NUEVAS",
                "FIJA",
                "2025-06-09",
                "2025-06-10",
            ],
            &[1, 1],
            &[300.0, 300.0, 300.0],
            &[],
        ),
    ]
}

const OPERATION: Layout = Layout {
    table: "operation_data",
    text: &["fecha_foto", "hora", "canal", "archivo"],
    ints: &[
        "total_gestiones",
        "total_pdp",
        "contactos_efectivos",
        "contactos_no_efectivos",
        "no_contactos",
    ],
    money: &["peso_total"],
    pct: &["tasa_contacto", "tasa_conversion"],
};

/// One row per (Lima day, Lima hour, canal, archivo_principal). archivo_principal: the campaign
/// holding the client whose window contains the day, latest apertura first — m3 (1001 on 06-09,
/// in A and B) goes to B; v9 ('ABC'), v7 (9999) and m6 (06-04, before A) to GENERAL.
/// peso from homologation: NO CONTESTA 1, CUELGA 2, CONTACTO EFECTIVO 5, PDP 10, BUZON 1;
/// human PDP 8, Cliente Habla 4, Tercero NULL → 1, No Contesta 1; unmatched 1.
#[rustfmt::skip]
fn operation_rows() -> Vec<Row> {
    // ints: total, pdp, ce, cne, nc · money: peso · pct: tasa_contacto, tasa_conversion
    vec![
        row(&["2025-06-04", "10", "CALL", "GENERAL"], &[1, 0, 1, 0, 0], &[4.0], &[100.0, 0.0]), // m6
        row(&["2025-06-05", "9", "VOICEBOT", A], &[2, 0, 0, 0, 2], &[2.0], &[0.0, 0.0]), // v1, v3
        row(&["2025-06-05", "10", "VOICEBOT", A], &[1, 0, 0, 1, 0], &[2.0], &[0.0, 0.0]), // v2
        row(&["2025-06-05", "22", "VOICEBOT", A], &[1, 0, 0, 0, 1], &[1.0], &[0.0, 0.0]), // v10
        row(&["2025-06-06", "11", "CALL", A], &[1, 1, 1, 0, 0], &[8.0], &[100.0, 100.0]), // m1
        row(&["2025-06-06", "14", "VOICEBOT", A], &[1, 0, 1, 0, 0], &[5.0], &[100.0, 0.0]), // v4
        row(&["2025-06-07", "10", "VOICEBOT", A], &[1, 1, 1, 0, 0], &[10.0], &[100.0, 100.0]), // v5
        row(&["2025-06-09", "10", "VOICEBOT", "GENERAL"], &[1, 0, 0, 0, 1], &[1.0], &[0.0, 0.0]), // v9
        row(&["2025-06-09", "15", "CALL", A], &[1, 0, 0, 1, 0], &[1.0], &[0.0, 0.0]), // m2
        row(&["2025-06-09", "16", "CALL", B], &[1, 0, 0, 0, 1], &[1.0], &[0.0, 0.0]), // m3
        row(&["2025-06-10", "8", "VOICEBOT", B], &[1, 0, 0, 0, 1], &[1.0], &[0.0, 0.0]), // v8
        row(&["2025-06-10", "9", "CALL", B], &[1, 1, 1, 0, 0], &[8.0], &[100.0, 100.0]), // m4
        row(&["2025-06-10", "10", "VOICEBOT", B], &[1, 0, 0, 0, 1], &[1.0], &[0.0, 0.0]), // v6
        row(&["2025-06-10", "10", "CALL", B], &[1, 0, 0, 0, 1], &[1.0], &[0.0, 0.0]), // m7
        row(&["2025-06-10", "11", "VOICEBOT", "GENERAL"], &[1, 0, 0, 0, 1], &[1.0], &[0.0, 0.0]), // v7
        row(&["2025-06-10", "12", "CALL", B], &[1, 0, 1, 0, 0], &[4.0], &[100.0, 0.0]), // m5
    ]
}

const PRODUCTIVITY: Layout = Layout {
    table: "productivity_data",
    text: &[
        "fecha_foto",
        "correo_agente",
        "archivo",
        "nombre_agente",
        "dni_agente",
        "equipo",
    ],
    ints: &["total_gestiones", "contactos_efectivos", "total_pdp"],
    money: &["peso_total", "monto_comprometido", "monto_recuperado"],
    pct: &["tasa_contacto", "tasa_conversion", "score_productividad"],
};

/// CALL gestiones per (day, agent, archivo_principal), plus credited payments: a counted payment
/// goes to the agent of the latest CALL PDP to the client in that campaign on or before the
/// payment day. P1 (C11, A, 06-06) → m1 (ana, 06-06); P11 (C11, A, 06-09) → m1 again, a row of
/// its own for ana on 06-09 in A without gestiones; P5 (C51, B, 06-10) → m4 (ana). P10 (C21)
/// and P6 (C13 in B) have no CALL PDP in their campaign: not credited. Everyone has ≤ 25 calls
/// a day: JUNIOR_TEAM. 'ANA@X.PE' matches ejecutivos case-insensitively; carla is not in
/// ejecutivos (name from mibotair, SIN_DNI); m5 has no correo and no name.
fn productivity_rows() -> Vec<Row> {
    let j = "JUNIOR_TEAM";
    // ints: total, ce, pdp · money: peso, comprometido, recuperado
    // pct: tasa_contacto, tasa_conversion, score = 0.40·total + 0.35·ce + 0.25·pdp
    vec![
        row(
            &[
                "2025-06-04",
                "beto@x.pe",
                "GENERAL",
                "Beto Ruiz",
                "22222222",
                j,
            ],
            &[1, 1, 0],
            &[4.0, 0.0, 0.0],
            &[100.0, 0.0, 0.75],
        ),
        row(
            &["2025-06-06", "ana@x.pe", A, "Ana Pérez", "11111111", j],
            &[1, 1, 1],
            &[8.0, 100.0, 50.0],
            &[100.0, 100.0, 1.0],
        ),
        row(
            &["2025-06-09", "ana@x.pe", A, "Ana Pérez", "11111111", j],
            &[0, 0, 0],
            &[0.0, 0.0, 10.0],
            &[0.0, 0.0, 0.0],
        ),
        row(
            &["2025-06-09", "beto@x.pe", A, "Beto Ruiz", "22222222", j],
            &[1, 0, 0],
            &[1.0, 0.0, 0.0],
            &[0.0, 0.0, 0.40],
        ),
        row(
            &["2025-06-09", "carla@x.pe", B, "Carla M", "SIN_DNI", j],
            &[1, 0, 0],
            &[1.0, 0.0, 0.0],
            &[0.0, 0.0, 0.40],
        ),
        row(
            &["2025-06-10", "ana@x.pe", B, "Ana Pérez", "11111111", j],
            &[1, 1, 1],
            &[8.0, 45.50, 45.50],
            &[100.0, 100.0, 1.0],
        ),
        row(
            &["2025-06-10", "beto@x.pe", B, "Beto Ruiz", "22222222", j],
            &[1, 0, 0],
            &[1.0, 0.0, 0.0],
            &[0.0, 0.0, 0.40],
        ),
        // m5: monto_compromiso 20 is not a PDP → comprometido 0.
        row(
            &["2025-06-10", "UNKNOWN", B, "UNKNOWN", "SIN_DNI", j],
            &[1, 1, 0],
            &[4.0, 0.0, 0.0],
            &[100.0, 0.0, 0.75],
        ),
    ]
}

const GESTIONES: Layout = Layout {
    table: "aux_gestiones",
    text: &[
        "canal",
        "gestion_uid",
        "fecha_gestion",
        "archivo_principal",
        "contactabilidad",
        "correo_agente",
        "nombre_agente",
        "documento_agente",
    ],
    ints: &[
        "hora",
        "intento",
        "peso",
        "CASE WHEN es_compromiso THEN 1 ELSE 0 END",
        "CASE WHEN es_contacto_efectivo THEN 1 ELSE 0 END",
    ],
    money: &["COALESCE(monto_compromiso, -1)"],
    pct: &[],
};

/// intento: 1001 on 06-05 v1 (09:15) then v2 (10:30); 1005 on 06-10 v8 (08:30) then m4 (09:05);
/// 1006 on 06-10 v6 (10:10) then m7 (10:45). monto_compromiso NULL (−1 here) for bots.
fn gestiones_rows() -> Vec<Row> {
    let bot = |uid: &str, day: &str, archivo: &str, c: &str, ints: &[i64]| {
        row(
            &["VOICEBOT", uid, day, archivo, c, "NULL", "VOICEBOT", "999"],
            ints,
            &[-1.0],
            &[],
        )
    };
    let ana = ["ana@x.pe", "Ana Pérez", "11111111"];
    let beto = ["beto@x.pe", "Beto Ruiz", "22222222"];
    let carla = ["carla@x.pe", "Carla M", "SIN_DNI"];
    let nobody = ["UNKNOWN", "UNKNOWN", "SIN_DNI"];
    let call = |uid: &str,
                day: &str,
                archivo: &str,
                c: &str,
                agent: [&str; 3],
                ints: &[i64],
                monto: f64| {
        row(
            &["CALL", uid, day, archivo, c, agent[0], agent[1], agent[2]],
            ints,
            &[monto],
            &[],
        )
    };
    let (nc, ci, cd, sin) = (
        "NO_CONTACTO",
        "CONTACTO_NO_EFECTIVO",
        "CONTACTO_EFECTIVO",
        "SIN_CLASIFICAR",
    );
    // ints: hora, intento, peso, es_compromiso, es_contacto_efectivo
    vec![
        bot("v1", "2025-06-05", A, nc, &[9, 1, 1, 0, 0]),
        bot("v2", "2025-06-05", A, ci, &[10, 2, 2, 0, 0]),
        bot("v3", "2025-06-05", A, sin, &[9, 1, 1, 0, 0]),
        bot("v4", "2025-06-06", A, cd, &[14, 1, 5, 0, 1]),
        bot("v5", "2025-06-07", A, cd, &[10, 1, 10, 1, 1]),
        bot("v6", "2025-06-10", B, nc, &[10, 1, 1, 0, 0]),
        bot("v7", "2025-06-10", "GENERAL", nc, &[11, 1, 1, 0, 0]),
        bot("v8", "2025-06-10", B, nc, &[8, 1, 1, 0, 0]),
        bot("v9", "2025-06-09", "GENERAL", nc, &[10, 1, 1, 0, 0]),
        bot("v10", "2025-06-05", A, nc, &[22, 1, 1, 0, 0]),
        call("m1", "2025-06-06", A, cd, ana, &[11, 1, 8, 1, 1], 100.0),
        call("m2", "2025-06-09", A, ci, beto, &[15, 1, 1, 0, 0], 0.0),
        call("m3", "2025-06-09", B, nc, carla, &[16, 1, 1, 0, 0], 0.0),
        call("m4", "2025-06-10", B, cd, ana, &[9, 2, 8, 1, 1], 45.50),
        call("m5", "2025-06-10", B, cd, nobody, &[12, 1, 4, 0, 1], 0.0),
        call(
            "m6",
            "2025-06-04",
            "GENERAL",
            cd,
            beto,
            &[10, 1, 4, 0, 1],
            0.0,
        ),
        call("m7", "2025-06-10", B, sin, beto, &[10, 2, 1, 0, 0], 0.0),
    ]
}

const CUENTAS: Layout = Layout {
    table: "aux_cuenta_campana",
    text: &[
        "archivo",
        "cuenta",
        "cod_luna",
        "servicio",
        "fecha_asignacion",
        "fecha_vencimiento",
    ],
    ints: &["CASE WHEN es_frac THEN 1 ELSE 0 END"],
    money: &["deuda_asig"],
    pct: &[],
};

fn cuentas_rows() -> Vec<Row> {
    let a = |c: &str, l: &str, s: &str, v: &str, frac: i64, deuda: f64| {
        row(&[A, c, l, s, "2025-06-05", v], &[frac], &[deuda], &[])
    };
    let b = |c: &str, l: &str, s: &str, v: &str, frac: i64, deuda: f64| {
        row(&[B, c, l, s, "2025-06-09", v], &[frac], &[deuda], &[])
    };
    vec![
        a("C11", "1001", "MOVIL", "2025-05-25", 0, 150.0),
        a("C12", "1001", "FIJA", "2025-05-25", 0, 80.0), // cuota '0' is not frac
        a("C21", "1002", "FIJA", "2025-05-30", 1, 200.0), // cod_sistema 2
        a("C31", "1003", "MOVIL", "2025-05-25", 0, 0.50), // 'Móvil'; 'NO' is not frac
        a("C32", "1003", "MOVIL", "2025-05-30", 0, 30.0), // cod_sistema 4
        a("C41", "1004", "FIJA", "2025-05-20", 0, 60.0), // due date from D411
        b("C13", "1001", "MOVIL", "2025-06-01", 0, 120.0),
        b("C51", "1005", "MOVIL", "2025-06-01", 1, 85.50), // 'movil', cuota '3'
        b("C61", "1006", "FIJA", "2025-06-09", 0, 300.0),  // no due date → apertura
        b("C71", "1007", "MOVIL", "2025-06-01", 0, 0.0),   // absent from the snapshot
    ]
}

/// Kept in step with the fan-out by its step (compared whole, so that a refresh that left it
/// behind the fan-out differs from a full build).
const HITOS: Layout = Layout {
    table: "aux_cuenta_hitos",
    text: &[
        "archivo",
        "cuenta",
        "primera_gestion",
        "primera_cd",
        "primera_cd_ci",
        "primera_pdp",
    ],
    ints: &[],
    money: &[],
    pct: &[],
};

/// Kept in step with the fan-out by its step, as `HITOS`.
const CONTEOS: Layout = Layout {
    table: "aux_gestiones_servicio_dia",
    text: &["archivo", "servicio", "fecha_gestion"],
    ints: &["total", "voicebot", "llamadas", "efectivas"],
    money: &[],
    pct: &[],
};

/// Kept in step with the daily state by its step, as `HITOS`.
const DEUDAS: Layout = Layout {
    table: "aux_deuda_servicio_dia",
    text: &["archivo_campana", "fecha_proceso", "servicio"],
    ints: &["cuentas", "deuda_centimos"],
    money: &[],
    pct: &[],
};

const DOCUMENTOS: Layout = Layout {
    table: "aux_documento_cuenta",
    text: &["nro_documento", "cod_cuenta", "fecha_proceso"],
    ints: &[],
    money: &[],
    pct: &[],
};

const PAGOS: Layout = Layout {
    table: "aux_pagos",
    text: &[
        "archivo",
        "nro_documento",
        "fecha_pago",
        "cuenta",
        "cod_luna",
        "motivo_rechazo",
    ],
    ints: &[
        "CASE WHEN esta_en_ventana THEN 1 ELSE 0 END",
        "CASE WHEN es_pago_valido THEN 1 ELSE 0 END",
    ],
    money: &["monto_cancelado"],
    pct: &[],
};

/// P7 (unknown document) and P8 (rejected) are absent; P1 is one row.
fn pagos_rows() -> Vec<Row> {
    vec![
        row(
            &[A, "D112", "2025-06-06", "C11", "1001", "NULL"],
            &[1, 1],
            &[50.0],
            &[],
        ),
        row(
            &[A, "D211", "2025-06-04", "C21", "1002", "NULL"],
            &[0, 1],
            &[20.0],
            &[],
        ),
        row(
            &[A, "D311", "2025-06-10", "C31", "1003", "NULL"],
            &[0, 1],
            &[0.50],
            &[],
        ),
        row(
            &[
                A,
                "D121",
                "2025-06-09",
                "C12",
                "1001",
                "Monto de pago no positivo",
            ],
            &[1, 0],
            &[-10.0],
            &[],
        ),
        row(
            &[A, "D211", "2025-06-06", "C21", "1002", "NULL"],
            &[1, 1],
            &[25.0],
            &[],
        ),
        row(
            &[A, "D111", "2025-06-09", "C11", "1001", "NULL"],
            &[1, 1],
            &[10.0],
            &[],
        ),
        row(
            &[B, "D512", "2025-06-10", "C51", "1005", "NULL"],
            &[1, 1],
            &[45.50],
            &[],
        ),
        row(
            &[B, "D131", "2025-06-09", "C13", "1001", "NULL"],
            &[1, 1],
            &[30.0],
            &[],
        ),
        row(
            &[
                B,
                "D611",
                "2025-06-12",
                "C61",
                "1006",
                "Fecha de pago futura",
            ],
            &[0, 0],
            &[10.0],
            &[],
        ),
    ]
}

const ESTADO: Layout = Layout {
    table: "aux_cuenta_estado_diario WHERE cuenta IN ('C11', 'C31', 'C51', 'C71')",
    text: &[
        "fecha_proceso",
        "archivo_campana",
        "cuenta",
        "fecha_snapshot",
        "estado_deuda",
        "motivo_no_gestionable",
    ],
    ints: &[],
    money: &["monto_exigible", "monto_saldo_actual"],
    pct: &[],
};

/// saldo = max(debt − counted payments with fecha_pago in (S(D), D], 0).
fn estado_rows() -> Vec<Row> {
    let con = ["CON_DEUDA", "Gestionable"];
    let min = ["DEUDA_MINIMA", "Deuda menor a 1 sol"];
    let sin = ["SIN_TRANDEUDA", "No está en trandeuda"];
    let r = |d: &str, a: &str, c: &str, s: &str, e: [&str; 2], m: [f64; 2]| {
        row(&[d, a, c, s, e[0], e[1]], &[], &m, &[])
    };
    vec![
        // C11: 150 on S = 06-05; P1 (06-06) lowers the saldo from 06-06 on; S = 06-09: 100, and
        // P11 (06-09) is not after it.
        r("2025-06-05", A, "C11", "2025-06-05", con, [150.0, 150.0]),
        r("2025-06-06", A, "C11", "2025-06-05", con, [150.0, 100.0]),
        r("2025-06-07", A, "C11", "2025-06-05", con, [150.0, 100.0]),
        r("2025-06-08", A, "C11", "2025-06-05", con, [150.0, 100.0]),
        r("2025-06-09", A, "C11", "2025-06-09", con, [100.0, 100.0]),
        // C31: 0.50 < 1, then absent from the 06-09 snapshot.
        r("2025-06-05", A, "C31", "2025-06-05", min, [0.50, 0.50]),
        r("2025-06-06", A, "C31", "2025-06-05", min, [0.50, 0.50]),
        r("2025-06-07", A, "C31", "2025-06-05", min, [0.50, 0.50]),
        r("2025-06-08", A, "C31", "2025-06-05", min, [0.50, 0.50]),
        r("2025-06-09", A, "C31", "2025-06-09", sin, [0.0, 0.0]),
        // C51: 85.50; on 06-10 (no snapshot) P5 45.50 → saldo 40.
        r("2025-06-09", B, "C51", "2025-06-09", con, [85.50, 85.50]),
        r("2025-06-10", B, "C51", "2025-06-09", con, [85.50, 40.0]),
        r("2025-06-09", B, "C71", "2025-06-09", sin, [0.0, 0.0]),
        r("2025-06-10", B, "C71", "2025-06-09", sin, [0.0, 0.0]),
    ]
}

const CAMPANA_DIA: Layout = Layout {
    table: "aux_campana_dia",
    text: &[
        "archivo",
        "fecha",
        "cartera",
        "fecha_apertura",
        "fecha_cierre",
    ],
    ints: &[
        "CASE WHEN es_dia_habil THEN 1 ELSE 0 END",
        "dia_campana",
        "dia_gestion",
    ],
    money: &[],
    pct: &[],
};

fn campana_dia_rows() -> Vec<Row> {
    let a = |d: &str, ints: &[i64]| {
        row(
            &[A, d, "TEMPRANA", "2025-06-05", "2025-06-09"],
            ints,
            &[],
            &[],
        )
    };
    let b = |d: &str, ints: &[i64]| {
        row(
            &[B, d, "ALTAS_NUEVAS", "2025-06-09", "NULL"],
            ints,
            &[],
            &[],
        )
    };
    vec![
        a("2025-06-05", &[1, 1, 1]),
        a("2025-06-06", &[1, 2, 2]),
        a("2025-06-07", &[0, 3, 2]),
        a("2025-06-08", &[0, 4, 2]),
        a("2025-06-09", &[1, 5, 3]),
        b("2025-06-09", &[1, 1, 1]),
        b("2025-06-10", &[1, 2, 2]),
    ]
}

const CALENDARIO: Layout = Layout {
    table: "aux_calendario_habiles WHERE fecha IN ('2025-06-09', '2025-06-10', '2025-06-29', \
            '2025-07-28', '2025-04-17', '2024-02-29')",
    text: &["fecha", "nombre_feriado"],
    ints: &[
        "CASE WHEN es_dia_habil THEN 1 ELSE 0 END",
        "CASE WHEN es_feriado THEN 1 ELSE 0 END",
        "dia_semana",
        "COALESCE(dia_habil_del_mes, 0)",
    ],
    money: &[],
    pct: &[],
};

fn calendario_rows() -> Vec<Row> {
    vec![
        // June 2025 business days: 2, 3, 4, 5, 6, 9, 10 → the 9th is the 6th, the 10th the 7th.
        row(&["2025-06-09", "NULL"], &[1, 0, 1, 6], &[], &[]),
        row(&["2025-06-10", "NULL"], &[1, 0, 2, 7], &[], &[]),
        row(
            &["2025-06-29", "San Pedro y San Pablo"],
            &[0, 1, 7, 0],
            &[],
            &[],
        ),
        row(&["2025-07-28", "Fiestas Patrias"], &[0, 1, 1, 0], &[], &[]),
        row(&["2025-04-17", "Jueves Santo"], &[0, 1, 4, 0], &[], &[]),
        // 2024-02-29 is a Thursday; February 2024 business days 1, 2, 5 … 29 → the 21st.
        row(&["2024-02-29", "NULL"], &[1, 0, 4, 21], &[], &[]),
    ]
}

async fn assert_everything(db: &DatabaseConnection) {
    assert_rows(db, &CALENDARIO, calendario_rows()).await;
    assert_rows(db, &CAMPANA_DIA, campana_dia_rows()).await;
    assert_rows(db, &CUENTAS, cuentas_rows()).await;
    assert_rows(db, &GESTIONES, gestiones_rows()).await;
    assert_rows(db, &PAGOS, pagos_rows()).await;
    assert_rows(db, &ESTADO, estado_rows()).await;
    assert_rows(db, &DASHBOARD, dashboard_rows()).await;
    assert_rows(db, &EVOLUTION, evolution_rows()).await;
    assert_rows(db, &ASSIGNMENT, assignment_rows()).await;
    assert_rows(db, &OPERATION, operation_rows()).await;
    assert_rows(db, &PRODUCTIVITY, productivity_rows()).await;
    // The fan-out: 2 + 2 + 1 + 2 + 2 + 2 + 2 + 1 + 3 (m3: A C11, A C12, B C13) + 1 + 1 + 1 + 1
    // + 1 rows.
    assert_eq!(
        count(db, "SELECT COUNT(*) AS n FROM aux_gestion_cuenta").await,
        22
    );
    assert_eq!(
        count(db, "SELECT COUNT(*) AS n FROM aux_cuenta_estado_diario").await,
        38
    );
}

async fn assert_invariants(db: &DatabaseConnection) {
    let pct_out = |cols: &[&str]| {
        cols.iter()
            .map(|c| format!("{c} < 0 OR {c} > 100"))
            .collect::<Vec<_>>()
            .join(" OR ")
    };
    let marts = [
        (
            "dashboard_data",
            format!(
                "cuentas_cd + cuentas_ci + cuentas_sc + cuentas_sg <> cuentas \
                 OR cuentas_gestionadas > cuentas OR cuentas_pdp_frac > cuentas_frac \
                 OR gestiones_voicebot + gestiones_call <> total_gestiones OR {}",
                pct_out(&[
                    "pct_cober",
                    "pct_contac",
                    "pct_cd",
                    "pct_ci",
                    "pct_sc",
                    "pct_conversion",
                    "pct_efectividad",
                    "pct_cierre",
                ])
            ),
        ),
        (
            "evolution_data",
            format!(
                "cuentas_cd + cuentas_ci + cuentas_sc + cuentas_sg <> cuentas \
                 OR cuentas_gestionadas > cuentas OR {}",
                pct_out(&["pct_cober", "pct_contac", "pct_efectividad", "pct_cierre"])
            ),
        ),
        (
            "operation_data",
            format!(
                "contactos_efectivos + contactos_no_efectivos + no_contactos <> total_gestiones \
                 OR {}",
                pct_out(&["tasa_contacto", "tasa_conversion"])
            ),
        ),
        (
            "productivity_data",
            pct_out(&["tasa_contacto", "tasa_conversion"]),
        ),
    ];
    for (table, broken) in marts {
        let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {broken}");
        assert_eq!(count(db, &sql).await, 0, "{table}: {broken}");
    }
    // Every gestión is in operation_data exactly once.
    assert_eq!(
        count(db, "SELECT SUM(total_gestiones) AS n FROM operation_data").await,
        count(db, "SELECT COUNT(*) AS n FROM aux_gestiones").await
    );
}

async fn dump_all(db: &DatabaseConnection) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for layout in [
        &CALENDARIO,
        &CAMPANA_DIA,
        &CUENTAS,
        &GESTIONES,
        &HITOS,
        &CONTEOS,
        &DOCUMENTOS,
        &PAGOS,
        &ESTADO,
        &DEUDAS,
        &DASHBOARD,
        &EVOLUTION,
        &ASSIGNMENT,
        &OPERATION,
        &PRODUCTIVITY,
    ] {
        out.push(dump(db, layout).await);
    }
    out
}
