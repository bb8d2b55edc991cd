//! aux_documento_cuenta: the account each paid document belongs to (DOMAIN §7.5: the account
//! of the document's latest trandeuda snapshot), which aux_pagos attributes payments by.
//!
//! A document's owner changes only with its own rows, so it is kept as built and, when the
//! load's changes are known, looked up again only for the documents whose trandeuda or pagos
//! rows changed: every build of the payments looked up every paid document in the whole
//! trandeuda history (over 3 s of a one-day refresh on 90 days).

use super::{
    Step,
    context::{Ctx, is_blank},
    rewrite::Diff,
};

/// The trandeuda columns the owner is ranked by, read from `t`.
const CANDIDATE: &str = "t.nro_documento, t.fecha_proceso, t.cod_cuenta, t.creado_el, t.archivo";

pub fn documento_cuenta(ctx: &Ctx) -> Step {
    let not_rejected = is_blank("t.motivo_rechazo");
    let paid = format!(
        "SELECT nro_documento FROM raw_pagos WHERE {}",
        is_blank("motivo_rechazo")
    );
    let (scope, candidates) = match ctx.touched_documents() {
        // Every paid document.
        None => (
            "1 = 1".to_string(),
            format!(
                "candidates AS (
    SELECT {CANDIDATE}
    FROM raw_trandeuda t
    WHERE {not_rejected} AND t.nro_documento IN ({paid})
)"
            ),
        ),
        Some(touched) => (
            format!("nro_documento IN ({touched})"),
            changed_candidates(ctx, &touched, &paid),
        ),
    };
    Step::compared(
        "aux_documento_cuenta",
        Diff {
            scope,
            reach: None,
            columns: "nro_documento, cod_cuenta, fecha_proceso",
            key: "nro_documento",
            in_key_order: true,
            rows: format!(
                r"WITH {candidates},
-- The latest snapshot day is found first (a hash aggregate), so only that day's rows are
-- ranked: ranking every snapshot of every paid document sorted half a million rows for a
-- quarter.
last_snapshot AS (
    SELECT nro_documento, MAX(fecha_proceso) AS fecha_proceso
    FROM candidates
    GROUP BY nro_documento
),
-- Of that day's rows: the latest creado_el, archivo, then the larger cod_cuenta.
ranked AS (
    SELECT c.nro_documento, c.cod_cuenta, c.fecha_proceso,
        ROW_NUMBER() OVER (
            PARTITION BY c.nro_documento
            ORDER BY c.creado_el DESC NULLS LAST, c.archivo DESC,
                LENGTH(c.cod_cuenta) DESC, c.cod_cuenta DESC
        ) AS rn
    FROM candidates c
    JOIN last_snapshot l
        ON l.nro_documento = c.nro_documento AND l.fecha_proceso = c.fecha_proceso
)
SELECT nro_documento, cod_cuenta, fecha_proceso FROM ranked WHERE rn = 1"
            ),
            afterwards: Vec::new(),
        },
    )
}

/// CTE `candidates`: the counted (non-rejected) trandeuda rows that can hold the latest snapshot
/// of a paid document among `touched`. Those are its rows from the earliest of the changed
/// snapshot days and the touched documents' owner days as built: an older row was already
/// older than the owner day and is still unchanged. Only a document whose owner day's rows
/// were all rejected since, with no counted row after them, is read over its whole history.
/// An empty table (its first build) reads every paid document that way.
fn changed_candidates(ctx: &Ctx, touched: &str, paid: &str) -> String {
    let d = ctx.d;
    let not_rejected = is_blank("t.motivo_rechazo");
    let first_changed = ctx.touched.and_then(|t| t.first_snapshot);
    let first_changed = ctx.date(first_changed.unwrap_or(ctx.today));
    let owner_days = "(SELECT MIN(o.fecha_proceso) FROM aux_documento_cuenta o \
        WHERE o.nro_documento IN (SELECT nro_documento FROM touched))";
    let from = d.least(
        &first_changed,
        &format!("COALESCE({owner_days}, {first_changed})"),
    );
    format!(
        "touched AS (
    SELECT nro_documento FROM ({touched}) x WHERE nro_documento IN ({paid})
    UNION SELECT nro_documento FROM ({paid}) y
    WHERE NOT EXISTS (SELECT 1 FROM aux_documento_cuenta)
),
-- The touched documents' rows in that range, reachable through either index: the documents
-- through nro_documento's, the range through fecha_proceso's (both bounds given: with one,
-- PostgreSQL expects a third of the table).
recent AS (
    SELECT {CANDIDATE}
    FROM raw_trandeuda t
    WHERE t.fecha_proceso BETWEEN {from} AND (SELECT MAX(fecha_proceso) FROM raw_trandeuda)
        AND {not_rejected} AND {of_touched}
),
recent_last AS (
    SELECT nro_documento, MAX(fecha_proceso) AS fecha_proceso FROM recent GROUP BY nro_documento
),
stale AS (
    SELECT x.nro_documento
    FROM touched x
    LEFT JOIN recent_last r ON r.nro_documento = x.nro_documento
    LEFT JOIN aux_documento_cuenta o ON o.nro_documento = x.nro_documento
    WHERE r.fecha_proceso IS NULL OR r.fecha_proceso < o.fecha_proceso
),
candidates AS (
    SELECT * FROM recent WHERE nro_documento NOT IN (SELECT nro_documento FROM stale)
    UNION ALL
    SELECT {CANDIDATE}
    FROM raw_trandeuda t
    WHERE {not_rejected} AND {of_stale}
)",
        of_touched = d.in_values_of("t.nro_documento", "SELECT nro_documento FROM touched"),
        of_stale = d.in_values_of("t.nro_documento", "SELECT nro_documento FROM stale"),
    )
}
