//! Widening an incremental rebuild when a campaign-wide aux table changed.
//!
//! An incremental build rebuilds dated rows from the earliest day whose raw input changed. Three
//! aux tables are rebuilt whole for the scope's campaigns and feed many days at once:
//! aux_campana_dia (the campaign's shape: window, cartera, business days), aux_cuenta_campana
//! (an account's servicio, due date and assigned debt come from the campaign's assignment
//! snapshot) and aux_pagos (a payment's account is the one of its document's latest trandeuda
//! snapshot). Their raw inputs say little about which days moved: a campaign that closes
//! rewrites its calendario row without changing any past day, a payment re-delivered in a later
//! file changes nothing, a new snapshot can move a payment dated weeks before it. So these steps
//! compare the scope's rows (those later steps read) before and after the rebuild, and the
//! earliest day a changed row touches lowers the `from` of its campaign for the steps that
//! follow (and the days of the day-keyed rows, which hold every campaign at once). The daily
//! state takes the changed days as they are ([`Moves`]): a changed payment moves it only until
//! the next snapshot, a changed account only its own rows.

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, Statement};

use super::{accounts, context::Ctx, date_column, payments, rewrite};

/// How to compare one campaign-wide aux table.
pub struct Probe {
    pub table: &'static str,
    /// The campaigns whose rows the step rebuilds, as a predicate over `col`.
    pub campaigns: fn(&Ctx, &str) -> String,
    /// The columns that make a row (load stamps left out).
    pub columns: &'static str,
    /// The rows later steps read, as a predicate: a change to any other row moves no day.
    pub read_later: &'static str,
    /// The earliest dated row a changed row affects, over the changed rows `x`.
    pub day: &'static str,
    /// Which days of the daily state a changed row moves.
    pub moves: Moves,
    /// The columns that say which clients the campaign holds on which days, when the table
    /// says it: a change among them moves the gestiones' archivo_principal and the fan-out,
    /// which read nothing else of it (see `Ctx::regrouped`, `Ctx::rehomed`).
    pub holds: Option<Holds>,
}

/// Which clients a campaign holds on which days, in a probe's table.
pub struct Holds {
    pub columns: &'static str,
    /// The client column among them, when a changed row names the client it moves (an
    /// account); `None`: it moves every client of the campaign (a day).
    pub client: Option<&'static str>,
}

/// What a probe found changed: per campaign, the days its changed rows affect (with the account
/// a changed row names, when it [`Moves::TheAccount`]), and the days a change of the clients it
/// holds affects (a subset), with the client it moved when the row names one.
#[derive(Default)]
pub struct Changed {
    pub days: Vec<(String, Option<String>, NaiveDate)>,
    pub regrouped: Vec<(String, Option<String>, NaiveDate)>,
}

/// The days of the daily state (aux_cuenta_estado_diario) a changed row moves from its day on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Moves {
    /// Every later day, as for the other dated rows.
    EveryLaterDay,
    /// Every later day of the account in the named column only: a row of the daily state reads
    /// its own account's attributes and no other's.
    TheAccount(&'static str),
    /// A payment: the days until the next snapshot, which nets it (§7.3).
    UntilTheNextSnapshot,
}

pub const CAMPANA_DIA: Probe = Probe {
    table: "aux_campana_dia",
    campaigns: Ctx::in_campaigns,
    // fecha_cierre is left out: no later step reads it (the window end reaches them as the days
    // this table holds), so a campaign closing on its last day moves nothing before it.
    columns: "archivo, fecha, cartera, fecha_apertura, es_dia_habil, dia_campana, dia_gestion",
    read_later: EVERY_ROW,
    day: "x.fecha",
    moves: Moves::EveryLaterDay,
    holds: Some(Holds {
        columns: "archivo, fecha",
        client: None,
    }),
};

pub const CUENTA_CAMPANA: Probe = Probe {
    table: "aux_cuenta_campana",
    campaigns: Ctx::in_reassigned,
    columns: accounts::COLUMNS,
    read_later: EVERY_ROW,
    // Every day of the campaign's window reads the account's attributes.
    day: "(SELECT MIN(cd.fecha) FROM aux_campana_dia cd WHERE cd.archivo = x.archivo)",
    moves: Moves::TheAccount("cuenta"),
    // Re-listed accounts change their fecha_asignacion, not their client.
    holds: Some(Holds {
        columns: "archivo, cuenta, cod_luna",
        client: Some("cod_luna"),
    }),
};

pub const PAGOS: Probe = Probe {
    table: "aux_pagos",
    campaigns: Ctx::in_campaigns,
    columns: payments::COLUMNS,
    // The daily state, the dashboard and productivity read only valid payments of the window
    // (the daily state those from apertura up to a mart day, which is in the window): an invalid
    // one (amount ≤ 0, dated after today) or one before apertura or after the close that moves
    // to another account, or arrives late, moves no day.
    read_later: "es_pago_valido AND esta_en_ventana",
    // A payment counts from its own day on.
    day: "x.fecha_pago",
    moves: Moves::UntilTheNextSnapshot,
    holds: None,
};

const PREVIOUS: &str = "pulso_previous_rows";
const EVERY_ROW: &str = "1 = 1";

/// Where a probe finds the rows its step changed.
#[derive(Clone, Copy)]
pub enum Versions {
    /// A replacing step: the scope's rows kept aside by [`keep_previous`], against the table
    /// after the step.
    Kept,
    /// A compared step: the rows it removed and added, which it kept itself
    /// (`rewrite::GONE`, `rewrite::ADDED`; the probe's columns must be among the step's). Reading
    /// them spares copying the scope's rows and comparing them a second time (a quarter's open
    /// campaigns' 52,000 payments: 0.2–0.3 s of a 0.7 s step).
    Diff,
}

/// The rows of `probe.table` compared: the scope's rows that later steps read.
fn compared_rows(probe: &Probe, ctx: &Ctx) -> String {
    format!(
        "{} AND {}",
        (probe.campaigns)(ctx, "archivo"),
        probe.read_later
    )
}

/// Keeps the scope's rows of `probe.table` aside; call before the step's DELETE.
pub async fn keep_previous(
    txn: &DatabaseTransaction,
    probe: &Probe,
    ctx: &Ctx,
) -> Result<(), DbErr> {
    txn.execute_unprepared(&format!(
        "CREATE TEMPORARY TABLE {PREVIOUS} AS SELECT {columns} FROM {table} WHERE {scope}",
        columns = probe.columns,
        table = probe.table,
        scope = compared_rows(probe, ctx),
    ))
    .await
    .map(drop)
}

/// The campaigns and days that rows added or removed by the step affect (none: nothing
/// changed), each pair once; call after the step's INSERT, in the same transaction. Drops the
/// versions read.
pub async fn changed_days(
    txn: &DatabaseTransaction,
    probe: &Probe,
    ctx: &Ctx,
    versions: Versions,
) -> Result<Changed, DbErr> {
    let account = match probe.moves {
        Moves::TheAccount(column) => Some(column),
        Moves::EveryLaterDay | Moves::UntilTheNextSnapshot => None,
    };
    let days = changed_in(txn, probe, ctx, versions, probe.columns, account).await?;
    let regrouped = match &probe.holds {
        Some(holds) => changed_in(txn, probe, ctx, versions, holds.columns, holds.client).await?,
        None => Vec::new(),
    };
    match versions {
        Versions::Kept => txn
            .execute_unprepared(&format!("DROP TABLE {PREVIOUS}"))
            .await
            .map(drop)?,
        Versions::Diff => rewrite::drop_diff(txn).await?,
    }
    Ok(Changed { days, regrouped })
}

/// The campaigns, clients or accounts (the column `client` of the changed rows, when given)
/// and days that the rows added or removed in `columns` affect.
async fn changed_in(
    txn: &DatabaseTransaction,
    probe: &Probe,
    ctx: &Ctx,
    versions: Versions,
    columns: &str,
    client: Option<&str>,
) -> Result<Vec<(String, Option<String>, NaiveDate)>, DbErr> {
    let (before, after) = match versions {
        Versions::Kept => (
            format!("SELECT {columns} FROM {PREVIOUS}"),
            format!(
                "SELECT {columns} FROM {table} WHERE {scope}",
                table = probe.table,
                scope = compared_rows(probe, ctx)
            ),
        ),
        Versions::Diff => {
            let read = |rows: &str| {
                format!(
                    "SELECT {columns} FROM {rows} WHERE {read_later}",
                    read_later = probe.read_later
                )
            };
            (read(rewrite::GONE), read(rewrite::ADDED))
        }
    };
    let client = client.map_or_else(|| "NULL".to_string(), |c| format!("x.{c}"));
    let sql = format!(
        "WITH now_rows AS ({after}),
        added AS (SELECT * FROM now_rows EXCEPT {before}),
        removed AS ({before} EXCEPT SELECT * FROM now_rows),
        changed AS (SELECT * FROM added UNION ALL SELECT * FROM removed),
        days AS (SELECT x.archivo, {client} AS client, {day} AS day FROM changed x)
        SELECT DISTINCT archivo, client, {day_text} AS day FROM days",
        day = probe.day,
        day_text = ctx.d.date_text("day"),
    );
    let rows = txn
        .query_all_raw(Statement::from_string(txn.get_database_backend(), sql))
        .await?;
    let mut changed = Vec::with_capacity(rows.len());
    for row in &rows {
        if let Some(day) = date_column(Some(row), "day")? {
            changed.push((row.try_get("", "archivo")?, row.try_get("", "client")?, day));
        }
    }
    Ok(changed)
}
