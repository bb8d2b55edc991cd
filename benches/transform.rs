//! Transform benchmark (issue: "full aux + mart build of one synthetic month (≈25,000 accounts,
//! ≈400,000 gestiones) on PostgreSQL under 10 s; an incremental refresh after one new day of a
//! 90-day data set ≤ 5% of the full rebuild").
//!
//! In one run, against the PostgreSQL of `PULSO_BENCH_POSTGRES_URL` (default: the test server),
//! each in a fresh database dropped afterwards:
//! 1. two synthetic months are loaded into the raw layer and built, then the aux + mart rebuild
//!    of the second month (every row of its days, and the campaign-wide aux rows) is timed;
//! 2. a 90-day data set is loaded and fully built (timed: the baseline), one more day arrives,
//!    and the ETL run that loads it and rebuilds what it affected is timed; the transform part
//!    and the whole run are printed as ratios of the full rebuild.
//!
//!     cargo bench --bench transform -- [--accounts N] [--days N]

mod support;

use std::{sync::Arc, time::Instant};

use chrono::{Duration, NaiveDate};
use pulso::{
    config::{EtlConfig, LogConfig, TableOverride},
    lima,
    pipeline::{Pipeline, RunRequest, RunStatus, progress::ProgressBus},
    source::{
        Source,
        synthetic::{SyntheticProfile, SyntheticSource},
    },
    tables,
    transform::{self, Scope},
};
use sea_orm::ConnectionTrait;
use support::BenchDb;

const START: (i32, u32, u32) = (2025, 6, 1);

fn arg(name: &str, default: u32) -> u32 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.replace('_', "").parse().expect("a whole number"))
        .unwrap_or(default)
}

fn start() -> NaiveDate {
    NaiveDate::from_ymd_opt(START.0, START.1, START.2).unwrap()
}

/// A synthetic data set of `months`, seen in the evening of its `days`-th day. Keep `months`
/// fixed while `days` advances: a profile with more months is another data set, not a later
/// view of the same one.
fn source(accounts: u32, months: u32, days: u32) -> Arc<dyn Source> {
    let last = start() + Duration::days(i64::from(days) - 1);
    let profile = SyntheticProfile {
        seed: 3,
        start: start(),
        months,
        accounts_per_month: accounts,
        ..SyntheticProfile::default()
    };
    let as_of = lima::civil_to_utc(last.and_hms_opt(23, 0, 0).unwrap());
    Arc::new(SyntheticSource::new(profile, Some(as_of)))
}

/// Every table loads from the first synthetic day.
fn etl_config() -> EtlConfig {
    let mut config = EtlConfig::default();
    for table in tables::ALL {
        config.tables.insert(
            table.name.into(),
            TableOverride {
                initial_load_from: Some(start()),
                ..TableOverride::default()
            },
        );
    }
    config
}

fn pipeline(db: &BenchDb, source: Arc<dyn Source>) -> Pipeline {
    Pipeline::new(
        db.conn.clone(),
        &db.url,
        source,
        etl_config(),
        ProgressBus::default(),
    )
}

/// Rows of `from`: a table, optionally with a WHERE clause.
async fn count(db: &BenchDb, from: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM {from}");
    let statement = sea_orm::Statement::from_string(db.conn.get_database_backend(), sql);
    let row = db.conn.query_one_raw(statement).await.unwrap().unwrap();
    row.try_get("", "n").unwrap()
}

async fn load(pipeline: &Pipeline, raw_only: bool) -> pulso::pipeline::RunReport {
    let started = Instant::now();
    let report = pipeline
        .run(RunRequest {
            force: true,
            raw_only,
            ..RunRequest::default()
        })
        .await
        .unwrap();
    assert_eq!(report.status, RunStatus::Success, "{report:#?}");
    eprintln!(
        "  loaded {} raw rows in {:.1} s",
        report
            .tables
            .iter()
            .map(|t| t.counts.extracted)
            .sum::<u64>(),
        started.elapsed().as_secs_f64()
    );
    report
}

async fn timed_build(db: &BenchDb, scope: &Scope, today: NaiveDate) -> f64 {
    let started = Instant::now();
    let steps = transform::build(&db.conn, scope, today).await.unwrap();
    let seconds = started.elapsed().as_secs_f64();
    print_steps(&steps);
    seconds
}

fn print_steps(steps: &[transform::StepReport]) {
    for step in steps {
        eprintln!(
            "    {:<28} {:>9} rows {:>7.2} s",
            step.step, step.rows, step.seconds
        );
    }
}

#[tokio::main]
async fn main() {
    // The incremental run logs its scope and any widening: what decides its cost.
    pulso::telemetry::init(&LogConfig {
        level: "error,pulso::transform=info,pulso::pipeline::transform_stage=info".into(),
        ..LogConfig::default()
    });
    let accounts = arg("--accounts", 25_000);
    let days = arg("--days", 90);

    // The month is the second of a two-month data set: the first month of a data set ramps up
    // from nothing (its early days hold few open campaigns, about half a month's gestiones),
    // while from the second on, campaigns opened the month before are still being worked. The
    // data set is built whole first (untimed), then the month is built as
    // `pulso etl rebuild --from <its first day>` does: every row of its days, and the
    // campaign-wide aux rows. (On empty aux tables the build would find every campaign changed
    // and reach back over the first month too.) The large aux tables write only the rows that
    // changed, so the month is built twice: first with its rows of those tables gone (a month
    // built for the first time: the target's measure), then again over them as they are.
    let month_first_day = start() + Duration::days(30);
    eprintln!("1. one month, {accounts} accounts a month: loading the raw layer…");
    let month = BenchDb::create().await;
    let month_source = source(accounts, 2, 60);
    load(&pipeline(&month, Arc::clone(&month_source)), true).await;
    let in_month = format!(
        "date >= '{}'",
        lima::start_of_day(month_first_day).to_rfc3339()
    );
    let gestiones = count(&month, &format!("raw_voicebot_gestiones WHERE {in_month}")).await
        + count(&month, &format!("raw_mibotair_gestiones WHERE {in_month}")).await;
    transform::build(&month.conn, &Scope::everything(), month_source.today())
        .await
        .unwrap();
    for (table, day) in [
        ("aux_gestiones", "fecha_gestion"),
        ("aux_gestion_cuenta", "fecha_gestion"),
        ("aux_cuenta_estado_diario", "fecha_proceso"),
    ] {
        let sql = format!("DELETE FROM {table} WHERE {day} >= DATE '{month_first_day}'");
        month.conn.execute_unprepared(&sql).await.unwrap();
        let sql = format!("VACUUM ANALYZE {table}");
        month.conn.execute_unprepared(&sql).await.unwrap();
    }
    eprintln!("  aux + mart build of the month from {month_first_day} ({gestiones} gestiones):");
    let one_month = Scope {
        from: Some(month_first_day),
        ..Scope::everything()
    };
    let month_seconds = timed_build(&month, &one_month, month_source.today()).await;
    eprintln!("  the same again, over the rows just built:");
    let again_seconds = timed_build(&month, &one_month, month_source.today()).await;
    month.drop().await;
    println!(
        "build of one month ({accounts} accounts assigned, {gestiones} gestiones): \
         {month_seconds:.2} s — target < 10 s: {}",
        verdict(month_seconds < 10.0)
    );
    println!("the month built again over unchanged rows: {again_seconds:.2} s");

    eprintln!("2. {days} days, {accounts} accounts a month: loading and building…");
    let quarter = BenchDb::create().await;
    // Months enough for the day that arrives after the data set.
    let months = (days + 1).div_ceil(30);
    let quarter_source = source(accounts, months, days);
    load(&pipeline(&quarter, Arc::clone(&quarter_source)), false).await;
    eprintln!("  full rebuild (the baseline):");
    let full_seconds = timed_build(&quarter, &Scope::everything(), quarter_source.today()).await;
    eprintln!("  one more day arrives; incremental run:");
    let started = Instant::now();
    let report = load(
        &pipeline(&quarter, source(accounts, months, days + 1)),
        false,
    )
    .await;
    let run_seconds = started.elapsed().as_secs_f64();
    let incremental = report.transform_seconds;
    print_steps(&report.transform);
    quarter.drop().await;

    println!("full rebuild, {days} days:                     {full_seconds:.2} s (baseline)");
    println!(
        "incremental transform after one new day:      {incremental:.2} s = {:.1}% of the full \
         rebuild — target ≤ 5%: {}",
        100.0 * incremental / full_seconds,
        verdict(incremental <= 0.05 * full_seconds)
    );
    println!(
        "whole incremental run (extract + load + transform): {run_seconds:.2} s = {:.1}% of the \
         full rebuild",
        100.0 * run_seconds / full_seconds
    );
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT met" }
}
