//! Debt snapshots (DOMAIN §7.3, §13.6, §13.9) and aux_cuenta_estado_diario, the state of every
//! campaign account on every day of the window.

use migration::debt_sums::{COLUMNS as SUMS, TABLE as SUMS_TABLE, centimos, sums_of};

use super::{
    Step,
    context::{Ctx, is_blank},
    dialect::Dialect,
    rewrite::{Afterwards, CHANGED, Diff, SIGN, added_to},
};

/// The latest snapshot day on or before the DATE `day` (`latest`) or the first on or after it
/// (not `latest`), NULL when there is none: a day with a non-rejected trandeuda row (§13.6,
/// snapshots are global over the table). A scalar subquery, so that the engine walks the
/// fecha_proceso index from `day` and stops at the first such row, where collecting the
/// distinct days first read every row of the table.
pub fn snapshot_day(day: &str, latest: bool) -> String {
    let (pick, compare) = if latest { ("MAX", "<=") } else { ("MIN", ">=") };
    format!(
        "(SELECT {pick}(sd.fecha_proceso) FROM raw_trandeuda sd \
         WHERE sd.fecha_proceso {compare} {day} AND {not_rejected})",
        not_rejected = is_blank("sd.motivo_rechazo")
    )
}

/// CTEs `doc` and `account_debt(cod_cuenta, fecha_proceso, monto, vencimiento)`: debt(a, S) for
/// the snapshot rows of `t` (raw_trandeuda) that satisfy `filter`. Rejected rows are dropped,
/// each document counted once per day (latest creado_el, tie: the larger archivo byte by byte,
/// §13.9) and amounts ≤ 0 ignored in the sum. An account listed only with amounts ≤ 0 is
/// present in the snapshot with debt 0 (→ DEUDA_MINIMA, not SIN_TRANDEUDA). `vencimiento` is
/// the earliest due date among its documents that day, whatever their amount.
pub fn account_debt_cte(d: Dialect, filter: &str) -> String {
    format!(
        r"doc AS (
    SELECT * FROM (
        SELECT t.cod_cuenta, t.fecha_proceso, t.monto_exigible, t.fecha_vencimiento,
            -- The day first: the rows come by the day index, already in that order.
            ROW_NUMBER() OVER (
                PARTITION BY t.fecha_proceso, {cuenta}, {documento}
                ORDER BY t.creado_el DESC NULLS LAST, {archivo} DESC
            ) AS rn
        FROM raw_trandeuda t
        WHERE {not_rejected} AND ({filter})
    ) ranked
    WHERE rn = 1
),
-- Grouped by the ranking's leading keys, compared the same way, so that its rows are summed in
-- the order they come in: grouped otherwise, they were sorted again (a month's 607,000
-- documents: 0.45 s of the daily state's 5.4 s).
account_debt AS (
    SELECT {group_cuenta} AS cod_cuenta, fecha_proceso,
        SUM(CASE WHEN monto_exigible > 0 THEN monto_exigible ELSE 0 END) AS monto,
        MIN(fecha_vencimiento) AS vencimiento
    FROM doc
    GROUP BY fecha_proceso, {group_cuenta}
)",
        not_rejected = is_blank("t.motivo_rechazo"),
        cuenta = d.bytewise("t.cod_cuenta"),
        group_cuenta = d.bytewise("cod_cuenta"),
        documento = d.bytewise("t.nro_documento"),
        archivo = d.bytewise("t.archivo"),
    )
}

/// ` OR condition`, or nothing.
fn or_else(condition: Option<String>) -> String {
    condition.map_or_else(String::new, |c| format!(" OR {c}"))
}

/// Over the days `k` not rebuilt whole and the accounts `a` of their campaigns: ` UNION ALL`
/// the rows rebuilt for some accounts (see [`Ctx::debt_account_rebuilt`] and
/// [`Ctx::debt_relisted`]), or nothing. The accounts are picked first, so that only theirs
/// are paired with the days: paired first, a week's days and their campaigns' accounts were
/// 130,000 pairs, each tested against the changed snapshot rows, to find a few hundred.
fn some_accounts_rebuilt(ctx: &Ctx) -> String {
    let accounts: Vec<String> = [
        ctx.debt_account_touched("a.cuenta"),
        ctx.relisted_account("a.cuenta"),
    ]
    .into_iter()
    .flatten()
    .collect();
    if accounts.is_empty() {
        return String::new();
    }
    let rows: Vec<String> = [
        ctx.debt_account_rebuilt("a.cuenta", "k.s"),
        ctx.debt_relisted("k.archivo", Some("a.cuenta"), "k.fecha"),
    ]
    .into_iter()
    .flatten()
    .collect();
    format!(
        "\n    UNION ALL\n    {DAY_ACCOUNTS}\n    WHERE NOT k.whole AND ({}) AND ({})",
        accounts.join(" OR "),
        rows.join(" OR ")
    )
}

/// The days `k` to rebuild, each with the accounts `a` of its campaign, as the rows to build.
const DAY_ACCOUNTS: &str = "SELECT k.archivo, k.fecha, k.fecha_apertura, k.s, a.cod_luna, \
    a.cuenta, a.servicio, a.fecha_asignacion, a.fecha_vencimiento\n    FROM days k\n    \
    JOIN aux_cuenta_campana a ON a.archivo = k.archivo";

pub fn cuenta_estado_diario(ctx: &Ctx) -> Step {
    let d = ctx.d;
    // The debt the rebuilt rows read: of the days rebuilt whole, every account of their
    // campaigns on their snapshot days; of the other days, the changed (account, snapshot day)
    // pairs. Read from `days` (a few hundred rows), so that `rebuilt` is read once and joined in
    // place, not materialized (for a month: 1.5 s more for its 730,000 rows). The range of
    // their snapshot days comes first: an index reaches it, where the rest alone had the
    // engine read the whole table (1.6 million rows for a day that arrives).
    let debt = account_debt_cte(
        d,
        &format!(
            "t.fecha_proceso BETWEEN (SELECT MIN(s) FROM days) AND (SELECT MAX(s) FROM days) \
         AND ((t.fecha_proceso IN (SELECT s FROM days WHERE whole) AND t.cod_cuenta IN ( \
            SELECT cuenta FROM aux_cuenta_campana \
            WHERE archivo IN (SELECT archivo FROM days WHERE whole))){}{})",
            or_else(ctx.debt_account_rebuilt("t.cod_cuenta", "t.fecha_proceso")),
            or_else(ctx.relisted_account("t.cod_cuenta")),
        ),
    );
    let saldo = d.round2(&d.greatest("COALESCE(ad.monto, 0) - COALESCE(p.monto, 0)", "0"));
    let exigible = d.round2("COALESCE(ad.monto, 0)");
    Step::compared(
        "aux_cuenta_estado_diario",
        Diff {
            scope: ctx.debt_rows_rebuilt(),
            reach: Some(ctx.debt_rows_reach()),
            columns: "fecha_proceso, archivo_campana, cod_luna, cuenta, servicio, \
                fecha_asignacion, fecha_snapshot, monto_exigible, monto_saldo_actual, \
                fecha_vencimiento, estado_deuda, motivo_no_gestionable",
            key: "fecha_proceso, archivo_campana, cod_luna, cuenta, servicio",
            // Unsorted: the table is unlogged on PostgreSQL (no log to spare), and a day that
            // arrives rebuilt it as fast either way, where sorting a month's rows cost 0.6 s of
            // 6.0 s.
            in_key_order: false,
            rows: format!(
                r"WITH campaign_days AS (
    SELECT archivo, fecha, fecha_apertura FROM aux_campana_dia
    WHERE {in_campaigns} AND {up_to_to}
),
-- S(D): the latest snapshot day on or before D (NULL when none exists), looked up once per day
-- (inlined, it was looked up once per row).
sday AS MATERIALIZED (
    SELECT x.fecha, {latest_snapshot} AS s
    FROM (SELECT DISTINCT fecha FROM campaign_days) x
),
-- Whether each day's rows are rebuilt for every account (see `Ctx::debt_day_rebuilt`), tested
-- once per day. `whole` is a plain boolean, which the planner takes for half the rows: compared
-- with 1, it took it for 0.5% and hashed the month's 730,000 rows instead of their debt.
marked AS MATERIALIZED (
    SELECT k.archivo, k.fecha, k.fecha_apertura, s.s,
        CASE WHEN {day_rebuilt} THEN {true} ELSE {false} END AS whole
    FROM campaign_days k
    JOIN sday s ON s.fecha = k.fecha
),
-- The days with rows to rebuild: for every account, or for some (see
-- `Ctx::debt_account_rebuilt` and `Ctx::debt_relisted`).
days AS MATERIALIZED (
    SELECT * FROM marked k WHERE k.whole{or_snapshot_touched}{or_relisted_day}
),
rebuilt AS (
    {day_accounts}
    WHERE k.whole{some_accounts}
),
{debt},
-- Counted payments of the account after its snapshot, up to D (§7.3 monto_saldo_actual).
paid AS (
    SELECT dd.archivo, dd.fecha, p.cuenta, SUM(p.monto_cancelado) AS monto
    FROM days dd
    JOIN aux_pagos p ON p.archivo = dd.archivo
        AND p.es_pago_valido
        AND p.fecha_pago >= dd.fecha_apertura AND p.fecha_pago <= dd.fecha
        AND (dd.s IS NULL OR p.fecha_pago > dd.s)
    -- The same bounds over all the days first, so that only the payments of their range are
    -- hashed (a day that arrives: a few thousand of the quarter's 76,000).
    WHERE p.fecha_pago >= (
            SELECT MIN(CASE WHEN s IS NULL OR s < fecha_apertura THEN fecha_apertura ELSE s END)
            FROM days)
        AND p.fecha_pago <= (SELECT MAX(fecha) FROM days)
    GROUP BY dd.archivo, dd.fecha, p.cuenta
)
SELECT r.fecha, r.archivo, r.cod_luna, r.cuenta, r.servicio, r.fecha_asignacion, r.s,
    {exigible},
    {saldo},
    r.fecha_vencimiento,
    CASE WHEN ad.cod_cuenta IS NULL THEN 'SIN_TRANDEUDA'
        WHEN ad.monto < 1 THEN 'DEUDA_MINIMA'
        ELSE 'CON_DEUDA' END,
    CASE WHEN ad.cod_cuenta IS NULL THEN 'No está en trandeuda'
        WHEN ad.monto < 1 THEN 'Deuda menor a 1 sol'
        ELSE 'Gestionable' END
FROM rebuilt r
LEFT JOIN account_debt ad ON ad.cod_cuenta = r.cuenta AND ad.fecha_proceso = r.s
LEFT JOIN paid p ON p.archivo = r.archivo AND p.fecha = r.fecha AND p.cuenta = r.cuenta",
                in_campaigns = ctx.in_campaigns("archivo"),
                up_to_to = ctx.up_to_to("fecha"),
                day_rebuilt = ctx.debt_day_rebuilt("k.archivo", "k.fecha", "s.s"),
                true = d.bool(true),
                false = d.bool(false),
                or_snapshot_touched = or_else(ctx.debt_snapshot_touched("k.s")),
                or_relisted_day = or_else(ctx.debt_relisted("k.archivo", None, "k.fecha")),
                day_accounts = DAY_ACCOUNTS,
                some_accounts = some_accounts_rebuilt(ctx),
                latest_snapshot = snapshot_day("x.fecha", true),
            ),
            afterwards: vec![sums_kept(ctx)],
        },
    )
}

/// Keeps aux_deuda_servicio_dia (per campaign × day × servicio, the accounts and their debt:
/// the dashboard's deuda_act) in step with the daily state: each row the step removed takes
/// itself off its group and each row it added puts itself on, however many they are (a day that
/// arrives changes a day's rows and a few accounts' rows of the days before, whose groups hold
/// twenty times as many). A group left without rows goes, as in a full build. When the scope
/// held no rows to compare, every group within its reach is summed again: that covers the
/// scope's rows, and puts right a sum that rows gone without the step left behind.
fn sums_kept(ctx: &Ctx) -> Afterwards {
    let added = |col: &str| added_to(SUMS_TABLE, col);
    let reach = ctx.debt_rows_reach();
    Afterwards {
        table: SUMS_TABLE,
        from_changes: vec![
            format!(
                "INSERT INTO {SUMS_TABLE} ({SUMS})
                SELECT x.archivo_campana, x.fecha_proceso, x.servicio, SUM({SIGN}),
                    SUM({SIGN} * {debt})
                FROM {CHANGED} x
                GROUP BY x.archivo_campana, x.fecha_proceso, x.servicio
                ON CONFLICT (archivo_campana, fecha_proceso, servicio) DO UPDATE SET {cuentas},
                    {deuda}",
                debt = centimos("x.monto_exigible"),
                cuentas = added("cuentas"),
                deuda = added("deuda_centimos"),
            ),
            format!(
                "DELETE FROM {SUMS_TABLE} WHERE cuentas = 0 \
                 AND archivo_campana IN (SELECT archivo_campana FROM {CHANGED})"
            ),
        ],
        few_changes: u64::MAX,
        from_scope: vec![
            format!("DELETE FROM {SUMS_TABLE} WHERE {reach}"),
            format!("INSERT INTO {SUMS_TABLE} ({SUMS}) {}", sums_of(&reach)),
        ],
    }
}
