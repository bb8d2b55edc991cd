//! The transform layer: set-based SQL builds from the raw tables into the aux tables and the
//! five marts (DOMAIN §7, §8, §9, §13), on PostgreSQL and SQLite alike.
//!
//! Order (§7.6): calendar → campaign accounts → gestiones → fan-out → payments → account daily
//! state → marts; the payments read their documents' accounts (aux_documento_cuenta), which
//! are kept between builds and looked up again only for the documents a load changed (see
//! `owners`), and the fan-out step keeps each account's first gestión days (aux_cuenta_hitos)
//! and each campaign × servicio × day's distinct gestiones (aux_gestiones_servicio_dia), which
//! the dashboard counts, in step with the fan-out rows it changed, and the daily state's step
//! keeps each campaign × day × servicio's accounts and debt (aux_deuda_servicio_dia), which the
//! dashboard reports, in step with its rows. The fan-out is built in two steps, each for a
//! share of the campaigns, so that a rebuild's runs on both cores (see
//! `gestiones::first_fan_out_share`); they report as one. Each step deletes the rows of the
//! scope and inserts the new ones in one transaction, so a failure leaves the previously
//! published rows intact and a rebuild is idempotent; the large aux tables, the accounts and
//! the payments compare the new rows with the scope's first and write only the differences
//! (`rewrite`). Each step is one SQL text; engine differences live in [`dialect`]. On
//! PostgreSQL a table the build reads is analysed after the step that rewrote a tenth of it
//! (and at least a thousand rows, see `database::refresh_statistics`), so
//! the steps after it are planned for the rows just written; a mart only the API reads is
//! analysed once, then left to autovacuum. The three large aux tables are unlogged on
//! PostgreSQL: a build that finds them emptied by a crash rebuilds everything (`unlogged`).
//!
//! Scope. Campaign-keyed rows (aux_campana_dia, aux_cuenta_campana, aux_gestion_cuenta,
//! aux_pagos, aux_cuenta_estado_diario, dashboard_data, evolution_data, assignment_data) are
//! rebuilt for the scope's campaigns and, where they are dated, its days: from `from`, or for a
//! campaign whose campaign-wide rows changed, from the first day the change moved (see
//! `changes`). aux_cuenta_campana, aux_pagos and assignment_data are not dated and are rebuilt
//! per campaign, as is aux_campana_dia (a few rows per campaign, compared to find the
//! days a change of the campaign's shape moved). Day-keyed rows that hold every archivo at once
//! (aux_gestiones, operation_data, productivity_data) are rebuilt for whole Lima days: from the
//! first day of any campaign to `to` when `from` is given, otherwise the days spanned by the
//! scope's campaign windows (every day when the scope names no campaigns). When a load calls
//! for the scope, aux_gestiones is rebuilt on those days only for the (client, day) groups its
//! changes reach (`Ctx::gestion_groups_rebuilt`), and the fan-out for the gestiones they
//! changed (`Ctx::fan_out_rebuilt`); aux_pagos only for the payments they can move
//! (`Ctx::payments_rebuilt`), and assignment_data only for the campaigns with days to rebuild
//! or whose days changed (`Ctx::rebuilt_campaign`). Derived values that look across campaigns
//! (archivo_principal, payment credit) read the aux rows of every campaign as last built. The
//! daily state (aux_cuenta_estado_diario), the largest table, reads no gestión: when a load
//! calls for the scope, it is rebuilt only for the days and accounts the load's changes reach
//! (`Ctx::debt_day_rebuilt`).

mod accounts;
mod calendar;
mod campaigns;
mod changes;
mod context;
mod debt;
pub mod dialect;
mod gestiones;
mod marts;
mod owners;
mod payments;
mod rewrite;
mod unlogged;

use std::{
    collections::{BTreeMap, BTreeSet},
    sync::Arc,
    time::Instant,
};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbErr, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};
use tokio::task::JoinSet;

use crate::database;
use migration::assignment_campaign::strip_txt;

pub use self::unlogged::intact as unlogged_tables_intact;
use self::{accounts::assignment_snapshot, campaigns::camp_cte, context::Ctx, dialect::Dialect};

/// Which (archivo, day) pairs to rebuild. `campaigns: None` = every campaign.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub campaigns: Option<Vec<String>>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Of `campaigns`, those whose accounts (aux_cuenta_campana) can have changed and are
    /// rebuilt; `None` = every campaign of the scope. The others keep their accounts as built.
    pub reassigned: Option<Vec<String>>,
    /// The raw rows the load changed, when a load calls for the scope: the daily state
    /// (aux_cuenta_estado_diario) is then rebuilt only for the accounts and days they reach
    /// (see [`Ctx::debt_rows_rebuilt`](context::Ctx::debt_rows_rebuilt)). `None`: from `from`
    /// for every account.
    pub touched: Option<Touched>,
}

/// The raw rows a load changed: those with `updated_at >= since`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Touched {
    pub since: DateTime<Utc>,
    /// The earliest snapshot day (fecha_proceso) of the trandeuda rows among them.
    pub first_snapshot: Option<NaiveDate>,
    /// A homologation or ejecutivos row among them moved the classification of the open
    /// campaigns' gestiones: their days are read again whole, not only the changed gestiones'
    /// clients (see [`Ctx::gestion_groups_rebuilt`](context::Ctx::gestion_groups_rebuilt)).
    pub reclassified: bool,
}

impl Scope {
    pub fn everything() -> Self {
        Self::default()
    }
}

/// What a scope rebuilds, for a person: "every campaign, every day", "3 campaigns from
/// 2025-07-01 to 2025-07-31".
impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.campaigns {
            None => f.write_str("every campaign")?,
            Some(campaigns) => write!(f, "{} campaigns", campaigns.len())?,
        }
        match (self.from, self.to) {
            (None, None) => f.write_str(", every day")?,
            (from, to) => {
                if let Some(from) = from {
                    write!(f, " from {from}")?;
                }
                if let Some(to) = to {
                    write!(f, " to {to}")?;
                }
            }
        }
        if self.touched.is_some() {
            f.write_str(", where a load changed rows")?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct StepReport {
    /// The table the step rebuilt, e.g. "aux_gestiones", "dashboard_data".
    pub step: &'static str,
    /// Rows the step built (for a compared step, whether or not they had changed).
    pub rows: u64,
    pub seconds: f64,
}

/// One build: the table it rebuilds and how its scope's rows are replaced.
pub(crate) struct Step {
    pub name: &'static str,
    pub write: rewrite::Write,
}

impl Step {
    /// The DELETE of the scope's rows, then the INSERT … SELECT of the new ones.
    fn replace(name: &'static str, delete: String, insert: String) -> Self {
        Self {
            name,
            write: rewrite::Write::Replace { delete, insert },
        }
    }

    /// New rows compared with the scope's before anything is written (the large aux tables and
    /// the payments).
    fn compared(name: &'static str, diff: rewrite::Diff) -> Self {
        Self {
            name,
            write: rewrite::Write::Compare(diff),
        }
    }
}

/// Renders one step's SQL for a context.
type StepBuilder = fn(&Ctx) -> Step;

/// The steps after the business-day calendar, in the order a one-connection build runs them
/// (DOMAIN §7.6), each with the probe that widens the build when its campaign-wide rows change.
const STEPS: [(StepBuilder, Option<&changes::Probe>); 13] = [
    (owners::documento_cuenta, None),
    (calendar::campana_dia, Some(&changes::CAMPANA_DIA)),
    (accounts::cuenta_campana, Some(&changes::CUENTA_CAMPANA)),
    (gestiones::gestiones, None),
    (gestiones::gestion_cuenta_first_share, None),
    (gestiones::gestion_cuenta_second_share, None),
    (payments::pagos, Some(&changes::PAGOS)),
    (debt::cuenta_estado_diario, None),
    (marts::dashboard::dashboard, None),
    (marts::evolution::evolution, None),
    (marts::assignment::assignment, None),
    (marts::operation::operation, None),
    (marts::productivity::productivity, None),
];

/// Rebuilds the aux layer and the marts for `scope` as of Lima date `today`.
///
/// Up to [`Dialect::concurrent_steps`] steps run at once, each on its own connection. A step
/// starts once every earlier step it waits for (see [`waits_for`]) has committed, and it is
/// rendered only then, so it sees any widening those steps caused: the rows it builds are the
/// ones the one-connection order would build. Reports come back in that order.
pub async fn build(
    db: &DatabaseConnection,
    scope: &Scope,
    today: NaiveDate,
) -> Result<Vec<StepReport>, DbErr> {
    // A crash emptied the unlogged aux tables (see `unlogged`): no row of theirs is left to
    // keep, so every row is built again.
    let intact = unlogged::intact(db).await?;
    let everything = Scope::everything();
    let scope = if intact {
        scope
    } else {
        tracing::warn!(
            "the unlogged aux tables were emptied (a crash, a promoted standby or a restored \
             physical backup): rebuilding everything"
        );
        &everything
    };
    let mut ctx = Ctx::new(Dialect::of(db.get_database_backend()), today, scope);
    ctx.days = gestion_days(db, &ctx).await?;
    // Rendered once for the tables each step reads: a widening, or what is read next, changes
    // the rows a step rebuilds, not the tables it reads.
    let rendered = render(&ctx);
    let read = Arc::new(read_by_the_build(&rendered, &ctx));
    let waits = waits_for(&rendered);
    // The calendar is built while the values the steps are rendered with are read: it is
    // first in line, and reads none of the tables they come from.
    // The raw tables' statistics are the load's to refresh (`database::refresh_statistics`).
    let (calendar, last_valid_payment, first_fan_out_share) = tokio::try_join!(
        run(db, calendar::calendario_habiles(&ctx), None, &read),
        last_valid_payment(db, &ctx),
        gestiones::first_fan_out_share(db, &ctx),
    )?;
    ctx.last_valid_payment = last_valid_payment;
    ctx.first_fan_out_share = first_fan_out_share;
    let mut reports = vec![calendar.0];

    let mut started: [Option<Instant>; STEPS.len()] = [None; STEPS.len()];
    let mut finished: [Option<StepReport>; STEPS.len()] = Default::default();
    let mut running = JoinSet::new();
    let mut failure = None;
    loop {
        // After a failure nothing new starts; the steps in flight finish (or roll back) first.
        while failure.is_none() && running.len() < ctx.d.concurrent_steps() {
            let ready = (0..STEPS.len()).find(|&i| {
                started[i].is_none() && waits[i].iter().all(|&before| finished[before].is_some())
            });
            let Some(index) = ready else { break };
            started[index] = Some(Instant::now());
            let (builder, probe) = STEPS[index];
            // Without a `from` every day is rebuilt anyway: nothing to widen.
            let probe = probe.filter(|_| ctx.from.is_some());
            let (db, step, probe_ctx, read) =
                (db.clone(), builder(&ctx), ctx.clone(), read.clone());
            running.spawn(async move {
                let outcome = run(&db, step, probe.map(|p| (p, &probe_ctx)), &read).await;
                (index, outcome)
            });
        }
        let Some(joined) = running.join_next().await else {
            break;
        };
        match joined {
            Ok((index, Ok((report, changed)))) => {
                let widening = match STEPS[index].1 {
                    Some(probe) => widen(db, &mut ctx, report.step, probe.moves, changed).await,
                    None => Ok(()),
                };
                finished[index] = Some(report);
                if let Err(error) = widening {
                    failure.get_or_insert(error);
                }
            }
            Ok((_, Err(error))) => {
                failure.get_or_insert(error);
            }
            Err(error) => {
                failure.get_or_insert(DbErr::Custom(format!(
                    "a transform step did not finish: {error}"
                )));
            }
        }
    }
    if let Some(error) = failure {
        return Err(error);
    }
    if !intact {
        unlogged::mark_intact(db).await?;
    }
    let timed = finished.into_iter().zip(started);
    reports.extend(one_per_table(
        timed.filter_map(|(report, start)| Some((report?, start?))),
    ));
    Ok(reports)
}

/// The steps' reports, in [`STEPS`]' order (each with its start), one per table: the fan-out's
/// shares as one, their rows added up, their time from the first one's start to the last one's
/// end.
fn one_per_table(steps: impl Iterator<Item = (StepReport, Instant)>) -> Vec<StepReport> {
    let mut merged: Vec<(StepReport, Instant, Instant)> = Vec::new();
    for (report, start) in steps {
        let end = start + std::time::Duration::from_secs_f64(report.seconds);
        match merged.last_mut() {
            Some((last, first_start, last_end)) if last.step == report.step => {
                last.rows += report.rows;
                *last_end = (*last_end).max(end);
                last.seconds = (*last_end - *first_start).as_secs_f64();
            }
            _ => merged.push((report, start, end)),
        }
    }
    merged.into_iter().map(|(report, ..)| report).collect()
}

/// How many clients that joined or left one campaign a build names one by one (see
/// [`Ctx::rehomed`]).
const MOVED_CLIENTS: usize = 500;

/// How many accounts whose attributes changed a build names one by one per campaign (see
/// [`Ctx::relisted`]).
const RELISTED_ACCOUNTS: usize = 500;

/// Lowers a campaign's `from` to the earliest day a step's probe found its rows changed, when
/// earlier, and the day-keyed rows' days with it; records what the change `moves` in the daily
/// state (see [`Ctx::debt_day_rebuilt`]) and, when it changed which clients a campaign holds,
/// in the gestiones and their fan-out (see [`Ctx::gestion_groups_rebuilt`]).
async fn widen(
    db: &DatabaseConnection,
    ctx: &mut Ctx,
    step: &str,
    moves: changes::Moves,
    changed: changes::Changed,
) -> Result<(), DbErr> {
    if ctx.from.is_none() {
        return Ok(());
    }
    let before = ctx.earlier();
    for (campaign, client, day) in changed.regrouped {
        match client {
            None => keep_earliest(&mut ctx.regrouped, campaign, day),
            // Past a few hundred clients (a campaign assigned today), every client of the
            // campaign is read instead of a list.
            Some(client) => listed_or_whole(
                (&mut ctx.rehomed, MOVED_CLIENTS),
                &mut ctx.regrouped,
                campaign,
                client,
                day,
            ),
        }
    }
    for (campaign, account, day) in changed.days {
        match moves {
            // Also a day on or after `from`: with the load's changes known, the daily state
            // rebuilds only the days something moved (`Ctx::debt_day_rebuilt`).
            changes::Moves::EveryLaterDay => keep_earliest(&mut ctx.reshaped, campaign, day),
            changes::Moves::TheAccount(_) => {
                ctx.accounts_changed.insert(campaign.clone());
                match account {
                    // Past a few hundred accounts (a campaign assigned today), every account of
                    // the campaign is rebuilt instead of a list.
                    Some(account) => listed_or_whole(
                        (&mut ctx.relisted, RELISTED_ACCOUNTS),
                        &mut ctx.reshaped,
                        campaign,
                        account,
                        day,
                    ),
                    None => keep_earliest(&mut ctx.reshaped, campaign, day),
                }
            }
            changes::Moves::UntilTheNextSnapshot => {
                ctx.paid.entry(campaign).or_default().insert(day);
            }
        }
    }
    let after = ctx.earlier();
    if after != before {
        tracing::info!(
            step,
            campaigns = after.iter().filter(|&(c, d)| before.get(c) != Some(d)).count(),
            first_day = ?ctx.first_day(),
            "rebuild widened to earlier days"
        );
        ctx.days = gestion_days(db, ctx).await?;
    }
    Ok(())
}

/// Lists `item` (a client, an account) among those that moved in `campaign` from `day` on, in
/// `listed`, unless `whole` moves every one of the campaign's from that day or earlier. Past
/// `limit` items, the campaign moves to `whole`, from the first day of its list.
fn listed_or_whole(
    (listed, limit): (&mut BTreeMap<String, (NaiveDate, Vec<String>)>, usize),
    whole: &mut BTreeMap<String, NaiveDate>,
    campaign: String,
    item: String,
    day: NaiveDate,
) {
    if whole.get(&campaign).is_some_and(|&first| first <= day) {
        return;
    }
    let (first, items) = listed
        .entry(campaign.clone())
        .or_insert_with(|| (day, Vec::new()));
    *first = (*first).min(day);
    items.push(item);
    if items.len() > limit
        && let Some((first, _)) = listed.remove(&campaign)
    {
        keep_earliest(whole, campaign, first);
    }
}

/// Records `day` for `campaign` in `first`, unless an earlier day is there.
fn keep_earliest(first: &mut BTreeMap<String, NaiveDate>, campaign: String, day: NaiveDate) {
    let kept = first.entry(campaign).or_insert(day);
    *kept = (*kept).min(day);
}

/// For each of [`STEPS`], the earlier steps it must wait for: those whose table its SQL (or its
/// probe's) reads, and every step with a probe, since a probe may widen the scope the later
/// steps render.
fn waits_for(steps: &[Step]) -> Vec<Vec<usize>> {
    steps
        .iter()
        .zip(STEPS)
        .enumerate()
        .map(|(index, (step, (_, probe)))| {
            (0..index)
                .filter(|&before| {
                    STEPS[before].1.is_some()
                        || writes(&steps[before])
                            .iter()
                            .any(|table| reads(step, probe, table))
                })
                .collect()
        })
        .collect()
}

/// Each of [`STEPS`] rendered for `ctx`.
fn render(ctx: &Ctx) -> Vec<Step> {
    STEPS.iter().map(|(builder, _)| builder(ctx)).collect()
}

/// Of the tables the build writes (`steps`, and the calendar first), those one of its steps
/// reads, other than the step that writes it: the build's own statements are planned on their
/// statistics (see `run`); the others (most marts) only the API reads.
fn read_by_the_build(steps: &[Step], ctx: &Ctx) -> BTreeSet<&'static str> {
    let mut written: Vec<(usize, &'static str)> = steps
        .iter()
        .enumerate()
        .flat_map(|(index, step)| writes(step).into_iter().map(move |table| (index, table)))
        .collect();
    written.push((usize::MAX, calendar::calendario_habiles(ctx).name));
    written
        .into_iter()
        .filter(|&(writer, table)| {
            steps
                .iter()
                .zip(STEPS)
                .enumerate()
                .any(|(index, (step, (_, probe)))| index != writer && reads(step, probe, table))
        })
        .map(|(_, table)| table)
        .collect()
}

/// The tables `step` writes: its own and those derived from its rows.
fn writes(step: &Step) -> Vec<&'static str> {
    let mut tables = step.write.derived_tables();
    tables.push(step.name);
    tables
}

/// `step`'s SQL, or its probe's, reads `table`.
fn reads(step: &Step, probe: Option<&changes::Probe>, table: &str) -> bool {
    let [scope, rows] = step.write.sql();
    [scope, rows, probe.map_or("", |p| p.day)]
        .iter()
        .any(|sql| names_table(sql, table))
}

/// `sql` names `table` as a whole word (aux_gestiones is not named by aux_gestiones_x).
fn names_table(sql: &str, table: &str) -> bool {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    sql.match_indices(table).any(|(at, _)| {
        let before = sql[..at].chars().next_back();
        let after = sql[at + table.len()..].chars().next();
        !before.is_some_and(is_word) && !after.is_some_and(is_word)
    })
}

/// Runs one step in its own transaction; with a probe, also returns per campaign the earliest
/// day its changed rows affect. Then refreshes the statistics of the tables it wrote that the
/// build reads (`read`), when enough of their rows changed, and gives the others their first.
async fn run(
    db: &DatabaseConnection,
    step: Step,
    probe: Option<(&changes::Probe, &Ctx)>,
    read: &BTreeSet<&'static str>,
) -> Result<(StepReport, changes::Changed), DbErr> {
    let started = Instant::now();
    // On SQLite the step takes the write lock at BEGIN: a compared step reads the table before
    // it writes, and a deferred transaction whose snapshot another connection (the execution
    // log, the scheduler's heartbeat) wrote past fails with SQLITE_BUSY at its first write
    // instead of waiting its turn. PostgreSQL ignores the mode.
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    for setting in Dialect::of(db.get_database_backend()).build_settings(step.name) {
        txn.execute_unprepared(setting).await?;
    }
    // A compared step's own differences tell its probe what changed; a replacing step's
    // rows are kept aside first.
    let versions = match step.write {
        rewrite::Write::Replace { .. } => changes::Versions::Kept,
        rewrite::Write::Compare(_) => changes::Versions::Diff,
    };
    if let Some((probe, ctx)) = probe
        && matches!(versions, changes::Versions::Kept)
    {
        changes::keep_previous(&txn, probe, ctx)
            .await
            .map_err(|e| context_error(step.name, "keep previous rows", e))?;
    }
    let written = step.write.apply(&txn, step.name, probe.is_some()).await?;
    let changed = match probe {
        Some((probe, ctx)) => changes::changed_days(&txn, probe, ctx, versions)
            .await
            .map_err(|e| context_error(step.name, "compare", e))?,
        None => changes::Changed::default(),
    };
    txn.commit().await?;
    for (table, rewritten) in written.per_table(step.name) {
        let analysed = if read.contains(table) {
            database::refresh_statistics(db, table, rewritten).await
        } else {
            database::first_statistics(db, table, rewritten).await
        };
        analysed.map_err(|e| context_error(step.name, "analyze", e))?;
    }
    let report = StepReport {
        step: step.name,
        rows: written.built,
        seconds: started.elapsed().as_secs_f64(),
    };
    tracing::debug!(
        step = report.step,
        rows = report.rows,
        seconds = report.seconds,
        "transform step"
    );
    Ok((report, changed))
}

fn context_error(step: &str, phase: &str, e: DbErr) -> DbErr {
    DbErr::Custom(format!("transform step {step} ({phase}): {e}"))
}

/// The `n` of a `SELECT COUNT(*) AS n …` (0 without a row).
async fn count<C: ConnectionTrait>(db: &C, sql: String) -> Result<i64, DbErr> {
    db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .map(|row| row.try_get("", "n"))
        .transpose()
        .map(|n| n.unwrap_or(0))
}

/// The Lima days whose day-keyed rows a scope rebuilds (see the module docs).
async fn gestion_days(
    db: &DatabaseConnection,
    ctx: &Ctx,
) -> Result<Option<(Option<NaiveDate>, Option<NaiveDate>)>, DbErr> {
    if ctx.from.is_some() || ctx.campaigns.is_none() {
        return Ok(Some((ctx.first_day(), ctx.to)));
    }
    let d = ctx.d;
    let sql = format!(
        "WITH {camp} SELECT {first} AS first_day, {last} AS last_day FROM camp \
         WHERE hasta >= fecha_apertura AND {in_campaigns}",
        camp = camp_cte(ctx),
        first = d.date_text("MIN(fecha_apertura)"),
        last = d.date_text("MAX(hasta)"),
        in_campaigns = ctx.in_campaigns("archivo"),
    );
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    let first = date_column(row.as_ref(), "first_day")?;
    let last = date_column(row.as_ref(), "last_day")?;
    Ok(first.map(|first| (Some(first), ctx.to.or(last))))
}

/// With the load's changes, the date of the last valid payment aux_pagos holds (see
/// [`Ctx::payments_rebuilt`]); read before any step writes it.
async fn last_valid_payment(
    db: &DatabaseConnection,
    ctx: &Ctx,
) -> Result<Option<NaiveDate>, DbErr> {
    if ctx.touched.is_none() || ctx.from.is_none() {
        return Ok(None);
    }
    let sql = format!(
        "SELECT {} AS day FROM aux_pagos WHERE es_pago_valido",
        ctx.d.date_text("MAX(fecha_pago)")
    );
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    date_column(row.as_ref(), "day")
}

/// Over the campaign rows `a` of `assigned`: one of the touched snapshot `days` can have moved
/// or changed the campaign's assignment snapshot `a.s`.
fn snapshot_moved_by(d: Dialect, days: &[NaiveDate]) -> String {
    if days.is_empty() {
        return "1 = 0".to_string();
    }
    let lowest = d.least("a.s", "a.fecha_apertura");
    let highest = d.greatest("a.s", "COALESCE(a.fecha_trandeuda, a.fecha_apertura)");
    let within: Vec<String> = days
        .iter()
        .map(|day| format!("{} BETWEEN {lowest} AND {highest}", d.date(*day)))
        .collect();
    format!("(a.s IS NULL OR {})", within.join(" OR "))
}

fn date_column(
    row: Option<&sea_orm::QueryResult>,
    column: &str,
) -> Result<Option<NaiveDate>, DbErr> {
    let Some(row) = row else { return Ok(None) };
    let text: Option<String> = row.try_get("", column)?;
    text.map(|t| {
        NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map_err(|e| DbErr::Custom(format!("{column}: not a date: {t}: {e}")))
    })
    .transpose()
}

/// The scope a raw load calls for (DOMAIN §7.6): open campaigns, plus campaigns whose window
/// intersects [earliest raw date touched since `since` − lookback, today], rebuilt from the
/// earliest day a touched row dates directly.
///
/// "Touched" = raw rows with `updated_at >= since` (a load moves `updated_at` only when a row
/// is new or changed); their business date is fecha_apertura (calendario), fecha_asignacion
/// (asignaciones), fecha_proceso (trandeuda), fecha_pago (pagos) and the Lima date of the
/// interaction (gestiones). A day's rows read inputs of that day and earlier only, so days before
/// the earliest touched date stand. `from` is that date over the inputs of dated rows
/// (trandeuda: the debt carried forward from a snapshot; gestiones). Calendario, asignaciones
/// and pagos reach the dated rows only through campaign-wide aux tables, which each build
/// rebuilds whole and compares (see `changes`): their own changes widen the build to the first
/// day they move, so a campaign that closes or a payment re-delivered in a later file does not
/// drag every build back weeks. Campaigns named by touched calendario or asignaciones rows are
/// in the scope directly, so that comparison sees them. A touched homologation or ejecutivos
/// row (a new mapping, a renamed agent) rebuilds the open campaigns' whole windows (§7.6);
/// older history keeps its classification until a rebuild asks for it. Nothing touched: `from`
/// is today (open campaigns still gain today's row); `to` stays open. The accounts are rebuilt
/// (`reassigned`) only for campaigns whose calendario or asignaciones rows were touched, or
/// whose assignment snapshot (§13.5) a touched snapshot day can have moved or changed: one
/// between the current assignment snapshot and apertura or fecha_trandeuda.
pub async fn affected_scope(
    db: &DatabaseConnection,
    since: DateTime<Utc>,
    lookback_days: u32,
    today: NaiveDate,
) -> Result<Scope, DbErr> {
    let backend = db.get_database_backend();
    let d = Dialect::of(backend);
    let ctx = Ctx::new(d, today, &Scope::everything());
    let touched = |col: &str| d.timestamp_at_least(col, since);
    // The snapshot days touched: they date the build (debt is carried forward from them) and
    // say which campaigns' assignment snapshots may have moved. Read once, for both.
    let snapshots_sql = format!(
        "SELECT DISTINCT {day} AS day FROM raw_trandeuda WHERE {t}",
        day = d.date_text("fecha_proceso"),
        t = touched("updated_at"),
    );
    let earliest_sql = format!(
        "SELECT {earliest} AS earliest, {dated} AS dated FROM (
            SELECT MIN(fecha_apertura) AS d, 0 AS dates FROM raw_calendario WHERE {t}
            UNION ALL SELECT MIN(fecha_asignacion), 0 FROM raw_asignaciones WHERE {t}
            UNION ALL SELECT MIN(fecha_pago), 0 FROM raw_pagos WHERE {t}
            UNION ALL SELECT MIN({vb_day}), 1 FROM raw_voicebot_gestiones WHERE {t}
            UNION ALL SELECT MIN({ma_day}), 1 FROM raw_mibotair_gestiones WHERE {t}
        ) touched",
        earliest = d.date_text("MIN(d)"),
        dated = d.date_text("MIN(CASE WHEN dates = 1 THEN d END)"),
        t = touched("updated_at"),
        vb_day = d.lima_date("date"),
        ma_day = d.lima_date("date"),
    );
    // Each reads other tables: read side by side.
    let (snapshot_rows, row) = tokio::try_join!(
        db.query_all_raw(Statement::from_string(backend, snapshots_sql)),
        db.query_one_raw(Statement::from_string(backend, earliest_sql)),
    )?;
    let mut touched_snapshots = Vec::new();
    for row in snapshot_rows {
        touched_snapshots.extend(date_column(Some(&row), "day")?);
    }
    let first_snapshot = touched_snapshots.iter().min().copied();
    let earlier_of = |a: Option<NaiveDate>, b: Option<NaiveDate>| a.into_iter().chain(b).min();
    let earliest = earlier_of(date_column(row.as_ref(), "earliest")?, first_snapshot);
    let dated = earlier_of(date_column(row.as_ref(), "dated")?, first_snapshot);
    let start = earliest.map(|e| e - Duration::days(i64::from(lookback_days)));

    let intersects = match start {
        Some(start) => format!(
            "(fecha_apertura <= {today} AND fin >= {start})",
            today = ctx.today(),
            start = d.date(start)
        ),
        None => d.bool(false).to_string(),
    };
    let campaigns_sql = format!(
        "WITH {camp},
         reshaped AS (
            SELECT archivo FROM raw_calendario WHERE {t}
            UNION SELECT {stripped} FROM raw_asignaciones WHERE {t}
         ),
         reclassified AS (
            SELECT archivo FROM camp WHERE fecha_cierre IS NULL AND EXISTS (
                SELECT 1 FROM raw_homologacion_voicebot WHERE {t}
                UNION ALL SELECT 1 FROM raw_homologacion_mibotair WHERE {t}
                UNION ALL SELECT 1 FROM raw_ejecutivos WHERE {t}
            )
         ),
         assigned AS (
            SELECT c.archivo, c.fecha_apertura, c.fecha_trandeuda, {snapshot} AS s FROM camp c
         ),
         -- An account's attributes come from the campaign's asignaciones and its assignment
         -- snapshot (§13.5), which a touched snapshot day can move or change only when it lies
         -- between the current snapshot and apertura or fecha_trandeuda.
         reassigned AS (
            SELECT archivo FROM reshaped
            UNION SELECT a.archivo FROM assigned a WHERE {moved}
         )
         SELECT archivo, {apertura} AS apertura,
            CASE WHEN archivo IN (SELECT archivo FROM reclassified) THEN 1 ELSE 0 END
                AS reclassified,
            CASE WHEN archivo IN (SELECT archivo FROM reassigned) THEN 1 ELSE 0 END
                AS reassigned
         FROM camp
         WHERE fecha_cierre IS NULL OR {intersects} OR archivo IN (SELECT archivo FROM reshaped)
         ORDER BY archivo",
        camp = camp_cte(&ctx),
        apertura = d.date_text("fecha_apertura"),
        t = touched("updated_at"),
        stripped = strip_txt("archivo"),
        snapshot = assignment_snapshot("c."),
        moved = snapshot_moved_by(d, &touched_snapshots),
    );
    let rows = db
        .query_all_raw(Statement::from_string(backend, campaigns_sql))
        .await?;
    let mut campaigns = Vec::with_capacity(rows.len());
    let mut reassigned = Vec::new();
    let mut from = dated.map_or(today, |dated| dated.min(today));
    let mut any_reclassified = false;
    for row in &rows {
        let archivo = row.try_get::<String>("", "archivo")?;
        if row.try_get::<i32>("", "reassigned")? == 1 {
            reassigned.push(archivo.clone());
        }
        campaigns.push(archivo);
        if row.try_get::<i32>("", "reclassified")? == 1 {
            any_reclassified = true;
            if let Some(apertura) = date_column(Some(row), "apertura")? {
                from = from.min(apertura);
            }
        }
    }
    Ok(Scope {
        campaigns: Some(campaigns),
        from: Some(from),
        to: None,
        reassigned: Some(reassigned),
        touched: Some(Touched {
            since,
            first_snapshot,
            reclassified: any_reclassified,
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An incremental build's context: one campaign, from a day before today.
    fn incremental() -> Ctx {
        let scope = Scope {
            campaigns: Some(vec!["CAMP_A".into()]),
            from: NaiveDate::from_ymd_opt(2025, 6, 10),
            ..Scope::everything()
        };
        let today = NaiveDate::from_ymd_opt(2025, 6, 30).unwrap();
        let mut ctx = Ctx::new(Dialect::Postgres, today, &scope);
        ctx.days = Some((scope.from, None));
        ctx
    }

    #[test]
    fn each_step_waits_for_the_tables_it_reads_and_for_every_probe_before_it() {
        let steps = render(&incremental());
        let names: Vec<&str> = steps.iter().map(|step| step.name).collect();
        let waits: Vec<(&str, Vec<&str>)> = waits_for(&steps)
            .into_iter()
            .enumerate()
            .map(|(step, before)| (names[step], before.into_iter().map(|b| names[b]).collect()))
            .collect();
        let (owners, dia, cuenta, gestiones, gestion_cuenta, pagos, estado) = (
            "aux_documento_cuenta",
            "aux_campana_dia",
            "aux_cuenta_campana",
            "aux_gestiones",
            "aux_gestion_cuenta",
            "aux_pagos",
            "aux_cuenta_estado_diario",
        );
        assert_eq!(
            waits,
            vec![
                (owners, vec![]),
                (dia, vec![]),
                // Its probe dates a changed account by the campaign's first day.
                (cuenta, vec![dia]),
                (gestiones, vec![dia, cuenta]),
                // Its two shares: neither waits for the other.
                (gestion_cuenta, vec![dia, cuenta, gestiones]),
                (gestion_cuenta, vec![dia, cuenta, gestiones]),
                (pagos, vec![owners, dia, cuenta]),
                (estado, vec![dia, cuenta, pagos]),
                (
                    "dashboard_data",
                    vec![dia, cuenta, gestion_cuenta, gestion_cuenta, pagos, estado]
                ),
                ("evolution_data", vec![dia, cuenta, pagos, "dashboard_data"]),
                ("assignment_data", vec![dia, cuenta, pagos, estado]),
                ("operation_data", vec![dia, cuenta, gestiones, pagos]),
                (
                    "productivity_data",
                    vec![
                        dia,
                        cuenta,
                        gestiones,
                        gestion_cuenta,
                        gestion_cuenta,
                        pagos
                    ]
                ),
            ]
        );
    }

    #[test]
    fn the_build_reads_the_aux_tables_and_no_mart_but_the_dashboard() {
        let ctx = incremental();
        let read: Vec<&str> = read_by_the_build(&render(&ctx), &ctx).into_iter().collect();
        assert_eq!(
            read,
            vec![
                "aux_calendario_habiles",
                "aux_campana_dia",
                "aux_cuenta_campana",
                "aux_cuenta_estado_diario",
                "aux_cuenta_hitos",
                "aux_deuda_servicio_dia",
                "aux_documento_cuenta",
                "aux_gestion_cuenta",
                "aux_gestiones",
                "aux_gestiones_servicio_dia",
                "aux_pagos",
                // evolution_data reads it.
                "dashboard_data",
            ]
        );
    }

    #[test]
    fn the_fan_outs_shares_report_as_one_step() {
        let report = |step, rows, seconds| StepReport {
            step,
            rows,
            seconds,
        };
        let start = Instant::now();
        let later = |seconds| start + std::time::Duration::from_secs(seconds);
        let merged = one_per_table(
            [
                (report("aux_gestiones", 10, 4.0), start),
                (report("aux_gestion_cuenta", 7, 3.0), later(4)),
                (report("aux_gestion_cuenta", 5, 2.0), later(6)),
                (report("aux_pagos", 3, 1.0), later(1)),
            ]
            .into_iter(),
        );
        assert_eq!(
            merged,
            [
                report("aux_gestiones", 10, 4.0),
                // From the first share's start (4 s) to the second's end (8 s).
                report("aux_gestion_cuenta", 12, 4.0),
                report("aux_pagos", 3, 1.0),
            ]
        );
    }

    #[test]
    fn a_table_is_named_only_as_a_whole_word() {
        assert!(names_table("SELECT * FROM aux_pagos p", "aux_pagos"));
        assert!(names_table("JOIN aux_pagos\n", "aux_pagos"));
        assert!(!names_table("FROM aux_pagos_previos", "aux_pagos"));
        assert!(!names_table("FROM raw_aux_pagos", "aux_pagos"));
    }

    #[test]
    fn a_scope_reads_as_what_it_rebuilds() {
        let day = |d| NaiveDate::from_ymd_opt(2025, 7, d);
        assert_eq!(Scope::everything().to_string(), "every campaign, every day");
        let window = Scope {
            campaigns: Some(vec!["A".into(), "B".into()]),
            from: day(1),
            to: day(31),
            ..Scope::everything()
        };
        assert_eq!(
            window.to_string(),
            "2 campaigns from 2025-07-01 to 2025-07-31"
        );
        let load = Scope {
            to: None,
            touched: Some(Touched {
                since: DateTime::UNIX_EPOCH,
                first_snapshot: None,
                reclassified: false,
            }),
            ..window
        };
        assert_eq!(
            load.to_string(),
            "2 campaigns from 2025-07-01, where a load changed rows"
        );
    }
}
