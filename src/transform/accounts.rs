//! aux_cuenta_campana: the accounts of each campaign with servicio, frac flag, due date and
//! assigned debt (DOMAIN §7.2, §7.3, §13.5, §13.8, §13.11, §13.12).

use migration::assignment_campaign::strip_txt;

use super::{
    Step,
    campaigns::camp_cte,
    context::{Ctx, is_blank},
    debt::{account_debt_cte, snapshot_day},
    rewrite::Diff,
};

/// The assignment snapshot day of the campaign row `c` of `camp` (§13.5): S(fecha_trandeuda)
/// when fecha_trandeuda is set and a snapshot on or before it exists, else the first snapshot
/// day on or after apertura; NULL while there is none.
pub fn assignment_snapshot(c: &str) -> String {
    format!(
        "COALESCE(CASE WHEN {c}fecha_trandeuda IS NOT NULL THEN {before} END, {after})",
        before = snapshot_day(&format!("{c}fecha_trandeuda"), true),
        after = snapshot_day(&format!("{c}fecha_apertura"), false),
    )
}

/// The columns the step fills (and its probe compares, `changes::CUENTA_CAMPANA`).
pub const COLUMNS: &str = "archivo, cuenta, cod_luna, servicio, fecha_asignacion, \
    fecha_vencimiento, es_frac, deuda_asig";

pub fn cuenta_campana(ctx: &Ctx) -> Step {
    let camp = camp_cte(ctx);
    let in_campaigns = ctx.in_reassigned("c.archivo");
    let archivo = strip_txt("archivo");
    let assigned = ctx.in_reassigned(&archivo);
    let not_rejected = is_blank("motivo_rechazo");
    // Only each account's own campaign's snapshot day: the days and the accounts alone would
    // pair every account with every campaign's day (a quarter: 900,000 rows ranked for 75,000).
    // The snapshot days first, through the day index: the pairs alone had the engine read the
    // whole table (1.7 million rows on 90 days, for the 8,900 accounts of a day that arrives).
    let debt = account_debt_cte(
        ctx.d,
        &format!(
            "{snapshot_days} AND (t.cod_cuenta, t.fecha_proceso) IN ( \
            SELECT a.cuenta, s.dia FROM asig a JOIN snap s ON s.archivo = a.archivo_campana)",
            snapshot_days = ctx
                .d
                .in_values_of("t.fecha_proceso", "SELECT dia FROM snap"),
        ),
    );
    let frac = |col: &str| {
        format!(
            "(NOT {blank} AND UPPER(TRIM({col})) NOT IN ('NO', 'N', '0'))",
            blank = is_blank(col)
        )
    };
    let frac = format!(
        "({} OR {})",
        frac("a.fraccionamiento"),
        frac("a.cuota_fracc_act")
    );
    // Compared, not replaced: a day that arrives rebuilds the accounts of the campaigns with new
    // assignment rows and changes a few of them. Rewritten whole, they were as many rows again
    // as the table's tenth, and the table was analysed (0.11 s) before every later step could
    // start.
    Step::compared(
        "aux_cuenta_campana",
        Diff {
            scope: ctx.in_reassigned("archivo"),
            reach: None,
            columns: COLUMNS,
            key: "archivo, cuenta",
            in_key_order: true,
            rows: format!(
                r"WITH {camp},
-- The assignment snapshot of each campaign.
snap AS (
    SELECT c.archivo, c.fecha_apertura, {snapshot} AS dia
    FROM camp c
    WHERE {in_campaigns}
),
-- §13.8: rejected rows dropped first, then the newest creado_el per (archivo, cuenta); ties:
-- later fecha_asignacion, then the larger cod_luna (numerically: longer, then greater text).
asig AS (
    SELECT * FROM (
        SELECT r.*, ROW_NUMBER() OVER (
            PARTITION BY r.archivo_campana, r.cuenta
            ORDER BY r.creado_el DESC NULLS LAST, r.fecha_asignacion DESC,
                LENGTH(r.cod_luna) DESC, r.cod_luna DESC
        ) AS rn
        FROM (
            SELECT {archivo} AS archivo_campana, cod_luna, cuenta, fecha_asignacion, creado_el,
                negocio, cod_sistema, min_vto, fraccionamiento, cuota_fracc_act
            FROM raw_asignaciones
            -- The scope's campaigns by their stripped archivo, which an index holds.
            WHERE {not_rejected} AND {assigned}
        ) r
        WHERE r.archivo_campana IN (SELECT archivo FROM snap)
    ) ranked
    WHERE rn = 1
),
{debt}
SELECT a.archivo_campana, a.cuenta, a.cod_luna,
    -- Servicio (§4, §13.12): negocio, accent-insensitive; without negocio, cod_sistema 4.
    CASE
        WHEN NOT {negocio_blank} THEN
            CASE WHEN REPLACE(REPLACE(UPPER(TRIM(a.negocio)), 'Ó', 'O'), 'ó', 'O') = 'MOVIL'
                THEN 'MOVIL' ELSE 'FIJA' END
        WHEN a.cod_sistema = 4 THEN 'MOVIL'
        ELSE 'FIJA'
    END,
    a.fecha_asignacion,
    -- §7.2: min_vto, else the earliest document due date in the assignment snapshot, else apertura.
    COALESCE(a.min_vto, ad.vencimiento, s.fecha_apertura),
    {frac},
    COALESCE(ad.monto, 0)
FROM asig a
JOIN snap s ON s.archivo = a.archivo_campana
LEFT JOIN account_debt ad ON ad.cod_cuenta = a.cuenta AND ad.fecha_proceso = s.dia",
                negocio_blank = is_blank("a.negocio"),
                snapshot = assignment_snapshot("c."),
            ),
            afterwards: Vec::new(),
        },
    )
}
