//! `pulso etl …`: run loads, inspect and repair the ETL's state.

use std::{collections::HashMap, io::IsTerminal};

use chrono::{DateTime, NaiveDate, Utc};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use sea_orm::{DatabaseConnection, EntityTrait, QueryOrder};
use tokio::sync::broadcast::error::RecvError;

use crate::{
    Error, cache,
    config::Config,
    database,
    entities::control::etl_watermarks,
    lima,
    pipeline::{
        ExecutionType, Mode, Pipeline, ProgressBus, ProgressEvent, Requested, RunReport,
        RunRequest, RunStatus, bookkeeping, plan,
    },
    source,
    tables::{self, TableSpec},
    transform::Scope,
};

#[derive(Debug, clap::Subcommand)]
pub enum EtlCommand {
    /// Load source tables into the raw layer
    Run(RunArgs),
    /// Each table's watermark, last run and error
    Status,
    /// The source tables and their extraction settings
    ListTables,
    /// Fail runs that stopped sending heartbeats (crashed or killed loads)
    Cleanup,
    /// Rebuild the aux layer and the marts from the raw layer [default: everything]
    Rebuild {
        /// First day to rebuild (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        from: Option<NaiveDate>,
        /// Last day to rebuild (YYYY-MM-DD)
        #[arg(long, value_name = "DATE")]
        to: Option<NaiveDate>,
    },
    /// Set a table's watermark; without --to, the next incremental run is an initial load
    ResetWatermark {
        table: String,
        /// A date (00:00 Lima) or an RFC 3339 timestamp
        #[arg(long, value_name = "VALUE")]
        to: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Tables to load [default: all], comma-separated or repeated
    #[arg(long, value_delimiter = ',', value_name = "TABLE")]
    pub tables: Vec<String>,
    /// Extraction mode [default: each table's own]
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// Backfill start, inclusive (YYYY-MM-DD); implies --mode backfill
    #[arg(long, value_name = "DATE")]
    pub from: Option<NaiveDate>,
    /// Backfill end, inclusive (YYYY-MM-DD)
    #[arg(long, value_name = "DATE")]
    pub to: Option<NaiveDate>,
    /// Sliding-window length in days [default: the table's look-back]
    #[arg(long, value_name = "N")]
    pub days: Option<u32>,
    /// Show what would be read, touching nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Load tables even if they were refreshed recently
    #[arg(long)]
    pub force: bool,
    /// Load the raw layer only; do not rebuild the aux layer and the marts
    #[arg(long)]
    pub raw_only: bool,
}

/// Exit code of `etl run` when interrupted (128 + SIGINT), as shells expect.
const INTERRUPTED: u8 = 130;

pub async fn run(command: EtlCommand, config: &Config) -> Result<u8, Error> {
    if let EtlCommand::ListTables = command {
        list_tables(config);
        return Ok(0);
    }
    let db = database::connect(&config.database).await?;
    let schema = database::migration_state(&db).await?;
    if schema.pending > 0 {
        return Err(Error::Usage(format!(
            "the database schema is not current ({} pending migrations): run `pulso migrate up` first",
            schema.pending
        )));
    }
    let code = match command {
        EtlCommand::Run(args) => run_tables(args, config, &db).await?,
        EtlCommand::Status => status(&db).await.map(|()| 0)?,
        EtlCommand::Rebuild { from, to } => {
            if let (Some(from), Some(to)) = (from, to)
                && to < from
            {
                return Err(Error::Usage(format!("--to {to} is before --from {from}")));
            }
            let scope = Scope {
                from,
                to,
                ..Scope::everything()
            };
            let report = pipeline(config, &db)
                .await?
                .rebuild(scope, ExecutionType::Manual)
                .await?;
            announce_new_marts(config).await;
            print_report(&report);
            exit_code(report.status)
        }
        EtlCommand::Cleanup => {
            let (tables, log_rows) = pipeline(config, &db).await?.cleanup_stale().await?;
            println!("failed {tables} stale table(s) and {log_rows} stale log row(s)");
            0
        }
        EtlCommand::ResetWatermark { table, to } => {
            let table = table_named(&table)?;
            let to = to.as_deref().map(parse_instant).transpose()?;
            if !bookkeeping::reset_watermark(&db, table.name, to).await? {
                return Err(Error::Usage(format!(
                    "{} has never been loaded: nothing to reset",
                    table.name
                )));
            }
            match to {
                Some(to) => println!("{}: watermark set to {}", table.name, to.to_rfc3339()),
                None => println!(
                    "{}: watermark cleared; the next incremental run is an initial load",
                    table.name
                ),
            }
            0
        }
        EtlCommand::ListTables => unreachable!("answered above"),
    };
    db.close().await?;
    Ok(code)
}

async fn pipeline(config: &Config, db: &DatabaseConnection) -> Result<Pipeline, Error> {
    let source = source::from_config(&config.source).await?;
    Ok(Pipeline::new(
        db.clone(),
        config.database.url.expose(),
        source,
        config.etl.clone(),
        ProgressBus::default(),
    ))
}

async fn run_tables(args: RunArgs, config: &Config, db: &DatabaseConnection) -> Result<u8, Error> {
    let request = RunRequest {
        tables: args
            .tables
            .iter()
            .map(|name| table_named(name))
            .collect::<Result<_, _>>()?,
        requested: requested(&args)?,
        force: args.force,
        raw_only: args.raw_only,
        ..RunRequest::default()
    };
    let pipeline = pipeline(config, db).await?;
    if args.dry_run {
        for planned in pipeline.dry_run(&request).await? {
            let window = |t: Option<DateTime<Utc>>| t.map_or("…".to_owned(), |t| t.to_rfc3339());
            println!(
                "{:<22} {:<14} [{} .. {})  {}",
                planned.table,
                planned.mode.as_str(),
                window(planned.range.from),
                window(planned.range.until),
                planned.skip.unwrap_or(planned.source_query)
            );
        }
        return Ok(0);
    }
    let cancel = request.cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("interrupted: rolling back the batch in flight");
            cancel.cancel();
        }
    });
    let display = tokio::spawn(show_progress(pipeline.bus().clone()));
    let report = pipeline.run(request).await?;
    display.abort();
    announce_new_marts(config).await;
    print_report(&report);
    Ok(exit_code(report.status))
}

/// Moves the API's cache to a new data generation, as a run inside the server does, so that no
/// replica sharing the Redis serves an answer from before this command's marts. (Without
/// Redis the server's cache lives in its own process; its TTL bounds how long it lags.)
async fn announce_new_marts(config: &Config) {
    if config.cache.redis_url.is_none() {
        return;
    }
    let bumped = match cache::from_config(&config.cache) {
        Ok(cache) => cache.bump_generation().await,
        Err(error) => Err(error),
    };
    if let Err(error) = bumped {
        tracing::warn!(%error, "the API's cache was not told of the new marts");
    }
}

fn exit_code(status: RunStatus) -> u8 {
    match status {
        RunStatus::Success => 0,
        RunStatus::Cancelled => INTERRUPTED,
        RunStatus::PartialSuccess | RunStatus::Failed => 1,
    }
}

fn print_report(report: &RunReport) {
    for table in &report.tables {
        let c = table.counts;
        println!(
            "{:<22} {:<15} read {:>9}  inserted {:>9}  updated {:>9}  rejected {:>6}  {:>7.1} s{}",
            table.table,
            table.status.as_str(),
            c.extracted,
            c.inserted,
            c.updated,
            c.rejected,
            table.duration_seconds,
            table
                .error
                .as_ref()
                .map(|e| format!("  {e}"))
                .unwrap_or_default()
        );
    }
    for step in &report.transform {
        println!(
            "{:<22} rebuilt {:>9} rows  {:>7.2} s",
            step.step, step.rows, step.seconds
        );
    }
    if let Some(scope) = &report.transform_scope {
        // Steps overlap on PostgreSQL, so the stage takes less than their sum.
        println!(
            "transform stage ({scope}) {:.2} s",
            report.transform_seconds
        );
    }
    println!(
        "run {} {} in {:.1} s",
        report.run_id,
        report.status.as_str(),
        report.duration_seconds
    );
}

fn requested(args: &RunArgs) -> Result<Requested, Error> {
    let range = match (args.from, args.to) {
        (Some(from), Some(to)) if to < from => {
            return Err(Error::Usage(format!("--to {to} is before --from {from}")));
        }
        (Some(from), Some(to)) => Some((from, to)),
        (None, None) => None,
        _ => return Err(Error::Usage("a backfill needs both --from and --to".into())),
    };
    Ok(match (args.mode, range) {
        (None | Some(Mode::Backfill), Some((from, to))) => Requested::Backfill { from, to },
        (Some(Mode::Backfill), None) => {
            return Err(Error::Usage("--mode backfill needs --from and --to".into()));
        }
        (Some(_), Some(_)) => {
            return Err(Error::Usage(
                "--from/--to go with --mode backfill only".into(),
            ));
        }
        (None, None) => Requested::Default,
        (Some(Mode::Incremental), None) => Requested::Incremental,
        (Some(Mode::FullRefresh), None) => Requested::FullRefresh,
        (Some(Mode::SlidingWindow), None) => Requested::SlidingWindow { days: args.days },
    })
}

fn table_named(name: &str) -> Result<&'static TableSpec, Error> {
    tables::named(name).map_err(|unknown| Error::Usage(unknown.to_string()))
}

fn parse_instant(value: &str) -> Result<DateTime<Utc>, Error> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map(lima::start_of_day)
        .or_else(|_| DateTime::parse_from_rfc3339(value).map(|t| t.with_timezone(&Utc)))
        .map_err(|_| {
            Error::Usage(format!(
                "{value:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 timestamp"
            ))
        })
}

fn list_tables(config: &Config) {
    println!(
        "{:<22} {:<26} {:<13} {:<16} {:>8} {:>8} {:>9}",
        "table", "raw table", "mode", "incremental", "lookback", "batch", "refresh h"
    );
    for table in tables::ALL {
        let settings = plan::settings(table, &config.etl);
        let mode = table.mode.as_str();
        println!(
            "{:<22} {:<26} {:<13} {:<16} {:>8} {:>8} {:>9}",
            table.name,
            table.raw_table,
            mode,
            table.incremental.unwrap_or("-"),
            settings.lookback_days,
            settings.batch_size,
            settings.refresh_hours
        );
    }
}

async fn status(db: &DatabaseConnection) -> Result<(), Error> {
    let marks = etl_watermarks::Entity::find()
        .order_by_asc(etl_watermarks::Column::TableName)
        .all(db)
        .await?;
    let by_name: HashMap<&str, &etl_watermarks::Model> =
        marks.iter().map(|m| (m.table_name.as_str(), m)).collect();
    println!(
        "{:<22} {:<10} {:<26} {:<26} {:>9}  error",
        "table", "status", "watermark", "last success", "rows"
    );
    let time = |t: Option<DateTime<Utc>>| {
        t.map_or("-".to_owned(), |t| {
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        })
    };
    for table in tables::ALL {
        match by_name.get(table.name) {
            Some(mark) => println!(
                "{:<22} {:<10} {:<26} {:<26} {:>9}  {}",
                table.name,
                mark.last_extraction_status,
                time(mark.last_extracted_value),
                time(mark.last_success_at),
                mark.records_extracted.unwrap_or(0),
                mark.error_message.as_deref().unwrap_or("")
            ),
            None => println!("{:<22} {:<10}", table.name, "never"),
        }
    }
    Ok(())
}

/// A bar per table on a terminal (rows, rate, elapsed); plain log lines otherwise.
async fn show_progress(bus: ProgressBus) {
    let mut events = bus.subscribe();
    let terminal = std::io::stderr().is_terminal();
    let bars = MultiProgress::new();
    let style = ProgressStyle::with_template("{prefix:<22} {spinner} {msg} [{elapsed_precise}]")
        .unwrap_or_else(|_| ProgressStyle::default_spinner());
    let mut by_table: HashMap<String, ProgressBar> = HashMap::new();
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            Err(RecvError::Lagged(missed)) => {
                tracing::debug!(missed, "progress display fell behind");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        match (&event, terminal) {
            (ProgressEvent::TableStarted { table, mode, .. }, true) => {
                let bar = bars.add(
                    ProgressBar::new_spinner()
                        .with_style(style.clone())
                        .with_prefix(table.clone()),
                );
                bar.set_message(format!("{mode}: reading"));
                bar.enable_steady_tick(std::time::Duration::from_millis(200));
                by_table.insert(table.clone(), bar);
            }
            (
                ProgressEvent::BatchLoaded {
                    table,
                    rows_total,
                    inserted_total,
                    updated_total,
                    rows_per_second,
                    ..
                },
                true,
            ) => {
                if let Some(bar) = by_table.get(table) {
                    bar.set_message(format!(
                        "{rows_total} rows ({inserted_total} new, {updated_total} changed), {rows_per_second:.0} rows/s"
                    ));
                }
            }
            (
                ProgressEvent::TableFinished {
                    table,
                    status,
                    rows,
                    ..
                },
                true,
            ) => {
                if let Some(bar) = by_table.get(table) {
                    bar.finish_with_message(format!("{status}: {rows} rows"));
                }
            }
            (ProgressEvent::TableFailed { table, error, .. }, true) => {
                if let Some(bar) = by_table.get(table) {
                    bar.abandon_with_message(format!("failed: {error}"));
                }
            }
            (
                ProgressEvent::Retrying {
                    table,
                    attempt,
                    error,
                    ..
                },
                true,
            ) => {
                if let Some(bar) = by_table.get(table) {
                    bar.set_message(format!("retry {attempt}: {error}"));
                }
            }
            (
                ProgressEvent::StageFinished {
                    stage,
                    rows,
                    duration_seconds,
                    ..
                },
                true,
            ) => {
                let _ = bars.println(format!(
                    "{stage:<34} {rows:>9} rows  {duration_seconds:>6.2} s"
                ));
            }
            (_, true) => {}
            (event, false) => log_event(event),
        }
    }
}

fn log_event(event: &ProgressEvent) {
    match event {
        ProgressEvent::TableStarted {
            table,
            mode,
            window_start,
            ..
        } => {
            tracing::info!(
                table,
                mode,
                from = window_start.as_deref().unwrap_or("-"),
                "table started"
            )
        }
        ProgressEvent::BatchLoaded {
            table,
            rows_total,
            rows_per_second,
            ..
        } => {
            tracing::info!(
                table,
                rows = rows_total,
                rate = format!("{rows_per_second:.0}/s"),
                "batch loaded"
            )
        }
        ProgressEvent::Retrying {
            table,
            attempt,
            error,
            ..
        } => tracing::warn!(table, attempt, error, "retrying"),
        ProgressEvent::TableFinished {
            table,
            status,
            rows,
            ..
        } => tracing::info!(table, status, rows, "table finished"),
        ProgressEvent::TableFailed { table, error, .. } => {
            tracing::error!(table, error, "table failed")
        }
        ProgressEvent::StageFinished {
            stage,
            rows,
            duration_seconds,
            ..
        } => {
            tracing::info!(
                stage,
                rows,
                seconds = format!("{duration_seconds:.2}"),
                "rebuilt"
            )
        }
        ProgressEvent::StageFailed { stage, error, .. } => {
            tracing::error!(stage, error, "rebuild failed")
        }
        _ => {}
    }
}
