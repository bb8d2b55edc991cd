//! Raw-load benchmark (issue: "load ≥ 0.6 × raw COPY, ≥ 150,000 rows/s; extraction peak RSS
//! < 100 MB"). In one run, against the PostgreSQL of `PULSO_BENCH_POSTGRES_URL` (default: the
//! test server), it loads N synthetic trandeuda rows through the engine's path (normalise,
//! de-duplicate, UPSERT in committed batches) into a fresh raw_trandeuda, then the same rows
//! with a plain `COPY` into an empty copy of the table, and prints both rates and their ratio.
//! A child process then extracts 2,000,000 synthetic rows and reports its peak RSS.
//!
//!     cargo bench --bench load -- [--rows N] [--extract-rows N] [--rows-per-statement N]

mod support;

use std::{process::Command, time::Instant};

use chrono::{NaiveDate, Utc};
use pulso::{
    extract::normalise::{RawRow, RawValue, keep_last_per_key, normalise},
    lima,
    load::{LoadMeta, Rewrite, upsert},
    source::{
        ReadRange, Row, Source,
        synthetic::{SyntheticProfile, SyntheticSource},
    },
    tables::{TRANDEUDA, TableSpec},
};
use sea_orm::{ConnectionTrait, DatabaseConnection, TransactionTrait};
use support::BenchDb;

const BATCH: usize = 100_000;

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(|v| v.replace('_', "").parse().expect("a whole number"))
        .unwrap_or(default)
}

/// A synthetic profile with enough accounts for `rows` trandeuda rows in one month.
fn source_for(rows: usize) -> SyntheticSource {
    // About two documents per account on each of ~21 business days.
    let accounts = (rows / 40).max(1000) as u32;
    let profile = SyntheticProfile {
        seed: 1,
        start: NaiveDate::from_ymd_opt(2025, 6, 1).unwrap(),
        months: 2,
        accounts_per_month: accounts,
        ..SyntheticProfile::default()
    };
    SyntheticSource::new(
        profile,
        Some(lima::start_of_day(
            NaiveDate::from_ymd_opt(2025, 8, 1).unwrap(),
        )),
    )
}

async fn read(source: &SyntheticSource, table: &'static TableSpec, limit: usize) -> Vec<Row> {
    let mut pages = source
        .read(table, ReadRange::default(), BATCH)
        .await
        .unwrap();
    let mut rows = Vec::with_capacity(limit);
    while let Some(page) = pages.next().await {
        rows.extend(page.unwrap());
        if rows.len() >= limit {
            rows.truncate(limit);
            break;
        }
    }
    rows
}

#[tokio::main]
async fn main() {
    if std::env::args().any(|a| a == "--extract-only") {
        return extract_only(arg("--extract-only", 2_000_000)).await;
    }
    let rows_wanted = arg("--rows", 1_000_000);
    let rows_per_statement = arg("--rows-per-statement", 1_000);
    let bench_db = BenchDb::create().await;
    let db = &bench_db.conn;

    eprintln!("generating {rows_wanted} trandeuda rows…");
    let cells = read(&source_for(rows_wanted), &TRANDEUDA, rows_wanted).await;
    let rows = cells.len();
    eprintln!("loading {rows} rows ({rows_per_statement} rows per statement)…");

    let started = Instant::now();
    let mut normalised: Vec<RawRow> = Vec::with_capacity(rows);
    let meta = LoadMeta {
        extraction_id: uuid::Uuid::new_v4(),
        extracted_at: Utc::now(),
    };
    for page in cells.chunks(BATCH) {
        let batch = keep_last_per_key(
            &TRANDEUDA,
            page.iter()
                .filter_map(|row| normalise(&TRANDEUDA, row).ok())
                .collect(),
        );
        let tx = db.begin().await.unwrap();
        upsert(
            &tx,
            &TRANDEUDA,
            &batch,
            &meta,
            Rewrite::Changed,
            rows_per_statement,
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        normalised.extend(batch);
    }
    let engine = started.elapsed().as_secs_f64();

    let started = Instant::now();
    copy(db, &normalised, &meta).await;
    let copy_seconds = started.elapsed().as_secs_f64();

    let (engine_rate, copy_rate) = (rows as f64 / engine, rows as f64 / copy_seconds);
    println!("engine load path : {rows} rows in {engine:.2} s = {engine_rate:>10.0} rows/s");
    println!("raw COPY baseline: {rows} rows in {copy_seconds:.2} s = {copy_rate:>10.0} rows/s");
    println!(
        "ratio engine/COPY: {:.2} (target ≥ 0.60)   engine rate target ≥ 150000 rows/s: {}",
        engine_rate / copy_rate,
        if engine_rate >= 150_000.0 {
            "met"
        } else {
            "NOT met"
        }
    );

    bench_db.drop().await;

    let extract_rows = arg("--extract-rows", 2_000_000);
    let output = Command::new(std::env::current_exe().unwrap())
        .args(["--extract-only", &extract_rows.to_string()])
        .output()
        .expect("the extraction child runs");
    print!("{}", String::from_utf8_lossy(&output.stdout));
}

/// The same rows with `COPY … FROM STDIN` into an empty copy of the table, indexes included.
async fn copy(db: &DatabaseConnection, rows: &[RawRow], meta: &LoadMeta) {
    db.execute_unprepared("CREATE TABLE copy_trandeuda (LIKE raw_trandeuda INCLUDING ALL)")
        .await
        .unwrap();
    let columns: Vec<&str> = TRANDEUDA.raw_columns().collect();
    let mut text = String::with_capacity(rows.len() * 160);
    let now = Utc::now().to_rfc3339();
    for row in rows {
        for value in row {
            match value {
                RawValue::Null => text.push_str("\\N"),
                RawValue::Text(s) => text.push_str(
                    &s.replace('\\', "\\\\")
                        .replace('\t', "\\t")
                        .replace('\n', "\\n"),
                ),
                RawValue::Date(d) => text.push_str(&d.to_string()),
                RawValue::Timestamp(t) => text.push_str(&t.to_rfc3339()),
                RawValue::Int(i) => text.push_str(&i.to_string()),
                RawValue::Decimal(d) => text.push_str(&d.to_string()),
                RawValue::Bool(b) => text.push_str(if *b { "t" } else { "f" }),
            }
            text.push('\t');
        }
        text.push_str(&format!(
            "{}\t{}\t{now}\t{now}\n",
            meta.extracted_at.to_rfc3339(),
            meta.extraction_id
        ));
    }
    let mut connection = db.get_postgres_connection_pool().acquire().await.unwrap();
    let statement = format!(
        "COPY copy_trandeuda ({}, extraction_timestamp, extraction_id, created_at, updated_at) FROM STDIN",
        columns.join(", ")
    );
    let mut sink = connection.copy_in_raw(&statement).await.unwrap();
    sink.send(text.as_bytes()).await.unwrap();
    sink.finish().await.unwrap();
}

/// Reads `rows` synthetic rows page by page, keeping none, and reports the peak RSS.
async fn extract_only(rows: usize) {
    let baseline = rss_kib("VmRSS");
    let source = source_for(rows);
    let started = Instant::now();
    let mut pages = source
        .read(&TRANDEUDA, ReadRange::default(), BATCH)
        .await
        .unwrap();
    let mut seen = 0;
    while let Some(page) = pages.next().await {
        seen += page.unwrap().len();
        if seen >= rows {
            break;
        }
    }
    let peak = rss_kib("VmHWM");
    println!(
        "extraction       : {seen} rows in {:.2} s, peak RSS {:.1} MB (baseline {:.1} MB; target < 100 MB): {}",
        started.elapsed().as_secs_f64(),
        peak as f64 / 1024.0,
        baseline as f64 / 1024.0,
        if peak < 100 * 1024 { "met" } else { "NOT met" }
    );
}

fn rss_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|line| line.starts_with(field))
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|kib| kib.parse().ok())
        .unwrap_or(0)
}
