//! dashboard_data (DOMAIN §8, §9.1, §13.1): one row per campaign × servicio present among its
//! accounts × calendar day D of the window up to today.
//!
//! Every cumulative KPI of day D is "accounts (or gestiones, or payments) whose first qualifying
//! event is on or before D", so each account is reduced once to the first day it reached each
//! state and each day counts the accounts whose date is ≤ D.

use crate::transform::{Step, context::Ctx};

pub fn dashboard(ctx: &Ctx) -> Step {
    let d = ctx.d;
    // `archivo` is a campaign with days to rebuild. The per-account parts read only those: a
    // campaign of the scope may have none (one closed before the rebuilt days; for a day that
    // arrives, half the accounts the scope's campaigns hold). The scope's campaigns are named
    // too, for the planner to see how few rows are read (a day that arrives: 0.01 s faster).
    let with_days = |archivo: &str| {
        format!(
            "{} AND {archivo} IN (SELECT archivo FROM days)",
            ctx.in_campaigns(archivo)
        )
    };
    let now = ctx.now();
    let money = |x: &str| d.round2(x);
    Step::replace(
        "dashboard_data",
        format!(
            "DELETE FROM dashboard_data WHERE {} AND {}",
            ctx.in_campaigns("archivo"),
            ctx.in_days("archivo", "fecha_foto")
        ),
        format!(
            r"WITH days AS (
    SELECT archivo, fecha, cartera, dia_gestion FROM aux_campana_dia
    WHERE {in_campaigns} AND {k_in_days}
),
-- The counted payments of those campaigns. Counted on day D (§7.5): valid and fecha_pago in
-- [apertura, min(D, window end)]; every mart day D is inside the window, so: valid, in the
-- window and ≤ D.
counted AS (
    SELECT archivo, cuenta, fecha_pago, monto_cancelado
    FROM aux_pagos
    WHERE es_pago_valido AND esta_en_ventana AND {with_days}
),
-- Per account: the first day of each class (within the window, since the fan-out only holds
-- gestiones of the window; kept by the fan-out step in aux_cuenta_hitos) and of its first
-- counted payment.
acc AS (
    SELECT a.archivo, a.cuenta, a.servicio, a.es_frac, a.deuda_asig,
        g.primera_cd AS d_cd, g.primera_cd_ci AS d_cdci, g.primera_gestion AS d_any,
        g.primera_pdp AS d_pdp, p.d_pay
    FROM aux_cuenta_campana a
    LEFT JOIN (SELECT * FROM aux_cuenta_hitos WHERE {with_days}) g
        ON g.archivo = a.archivo AND g.cuenta = a.cuenta
    LEFT JOIN (
        SELECT archivo, cuenta, MIN(fecha_pago) AS d_pay FROM counted GROUP BY archivo, cuenta
    ) p ON p.archivo = a.archivo AND p.cuenta = a.cuenta
    WHERE {a_with_days}
),
clients AS (
    SELECT archivo, servicio, COUNT(DISTINCT cod_luna) AS clientes
    FROM aux_cuenta_campana
    WHERE {with_days}
    GROUP BY archivo, servicio
),
classes AS (
    SELECT dd.archivo, a.servicio, dd.fecha,
        COUNT(*) AS cuentas,
        SUM(CASE WHEN a.d_cd <= dd.fecha THEN 1 ELSE 0 END) AS cd,
        SUM(CASE WHEN a.d_cdci <= dd.fecha THEN 1 ELSE 0 END) AS cdci,
        SUM(CASE WHEN a.d_any <= dd.fecha THEN 1 ELSE 0 END) AS gestionadas,
        SUM(CASE WHEN a.d_pdp <= dd.fecha THEN 1 ELSE 0 END) AS pdp,
        SUM(CASE WHEN a.es_frac THEN 1 ELSE 0 END) AS frac,
        SUM(CASE WHEN a.es_frac AND a.d_pdp <= dd.fecha THEN 1 ELSE 0 END) AS pdp_frac,
        SUM(CASE WHEN a.d_pay <= dd.fecha THEN 1 ELSE 0 END) AS pagadoras,
        SUM(a.deuda_asig) AS deuda_asig
    FROM days dd
    JOIN acc a ON a.archivo = dd.archivo
    GROUP BY dd.archivo, a.servicio, dd.fecha
),
-- Distinct gestiones per campaign × servicio up to day D: a gestión fanned out to several
-- accounts of one client counts once (§8); the fan-out step keeps each day's counts in
-- aux_gestiones_servicio_dia.
gestiones_acum AS (
    SELECT dd.archivo, g.servicio, dd.fecha, SUM(g.total) AS total, SUM(g.voicebot) AS voicebot,
        SUM(g.llamadas) AS llamadas, SUM(g.efectivas) AS efectivas
    FROM days dd
    JOIN aux_gestiones_servicio_dia g ON g.archivo = dd.archivo AND g.fecha_gestion <= dd.fecha
    GROUP BY dd.archivo, g.servicio, dd.fecha
),
-- §13.1: recupero of day D is cumulative since apertura.
-- The payment's servicio is its account's: read from the table, whose statistics the planner
-- knows (joined to `acc`, it sorted both sides to merge them: 0.03 s more for a day).
pagos_dia AS (
    SELECT p.archivo, a.servicio, p.fecha_pago, SUM(p.monto_cancelado) AS monto
    FROM counted p
    JOIN aux_cuenta_campana a ON a.archivo = p.archivo AND a.cuenta = p.cuenta
    GROUP BY p.archivo, a.servicio, p.fecha_pago
),
pagos_acum AS (
    SELECT dd.archivo, y.servicio, dd.fecha, SUM(y.monto) AS recupero
    FROM days dd
    JOIN pagos_dia y ON y.archivo = dd.archivo AND y.fecha_pago <= dd.fecha
    GROUP BY dd.archivo, y.servicio, dd.fecha
),
-- §13.7: deuda_act is the snapshot debt, not net of payments: the daily state's, summed per
-- campaign × day × servicio in aux_deuda_servicio_dia by its step.
deuda_dia AS (
    SELECT archivo_campana AS archivo, servicio, fecha_proceso AS fecha,
        deuda_centimos / 100.0 AS deuda_act
    FROM aux_deuda_servicio_dia
    WHERE {e_in_campaigns} AND {e_in_days}
),
r AS (
    SELECT dd.fecha, dd.archivo, dd.cartera, c.servicio, dd.dia_gestion,
        c.cuentas, cl.clientes, c.gestionadas, c.cd, c.cdci - c.cd AS ci,
        c.gestionadas - c.cdci AS sc, c.cuentas - c.gestionadas AS sg,
        c.pdp, c.pagadoras, c.frac, c.pdp_frac,
        COALESCE(g.total, 0) AS total, COALESCE(g.voicebot, 0) AS voicebot,
        COALESCE(g.llamadas, 0) AS llamadas, COALESCE(g.efectivas, 0) AS efectivas,
        c.deuda_asig, COALESCE(t.deuda_act, 0) AS deuda_act, COALESCE(y.recupero, 0) AS recupero
    FROM days dd
    JOIN classes c ON c.archivo = dd.archivo AND c.fecha = dd.fecha
    JOIN clients cl ON cl.archivo = c.archivo AND cl.servicio = c.servicio
    LEFT JOIN gestiones_acum g
        ON g.archivo = dd.archivo AND g.servicio = c.servicio AND g.fecha = dd.fecha
    LEFT JOIN pagos_acum y
        ON y.archivo = dd.archivo AND y.servicio = c.servicio AND y.fecha = dd.fecha
    LEFT JOIN deuda_dia t
        ON t.archivo = dd.archivo AND t.servicio = c.servicio AND t.fecha = dd.fecha
)
INSERT INTO dashboard_data
    (fecha_foto, archivo, cartera, servicio, dia_gestion,
     cuentas, clientes, cuentas_gestionadas, cuentas_cd, cuentas_ci, cuentas_sc, cuentas_sg,
     cuentas_pdp, cuentas_pagadoras, cuentas_frac, cuentas_pdp_frac,
     total_gestiones, gestiones_voicebot, gestiones_call, gestiones_efectivas,
     deuda_asig, deuda_act, recupero,
     pct_cober, pct_contac, pct_cd, pct_ci, pct_sc, pct_conversion, pct_efectividad, pct_cierre,
     inten, fecha_procesamiento, created_at, updated_at)
SELECT fecha, archivo, cartera, servicio, dia_gestion,
    cuentas, clientes, gestionadas, cd, ci, sc, sg, pdp, pagadoras, frac, pdp_frac,
    total, voicebot, llamadas, efectivas,
    {deuda_asig}, {deuda_act}, {recupero},
    {pct_cober}, {pct_contac}, {pct_cd}, {pct_ci}, {pct_sc}, {pct_conversion},
    {pct_efectividad}, {pct_cierre}, {inten},
    {now}, {now}, {now}
FROM r",
            in_campaigns = ctx.in_campaigns("archivo"),
            k_in_days = ctx.in_days("archivo", "fecha"),
            with_days = with_days("archivo"),
            a_with_days = with_days("a.archivo"),
            e_in_campaigns = ctx.in_campaigns("archivo_campana"),
            e_in_days = ctx.in_days("archivo_campana", "fecha_proceso"),
            deuda_asig = money("deuda_asig"),
            deuda_act = money("deuda_act"),
            recupero = money("recupero"),
            pct_cober = d.pct("gestionadas", "cuentas"),
            pct_contac = d.pct("efectivas", "total"),
            pct_cd = d.pct("cd", "cuentas"),
            pct_ci = d.pct("ci", "cuentas"),
            pct_sc = d.pct("sc", "cuentas"),
            pct_conversion = d.pct("pdp", "cd"),
            pct_efectividad = d.pct("pdp", "gestionadas"),
            pct_cierre = d.pct("recupero", "deuda_asig"),
            inten = d.ratio("total", "gestionadas"),
        ),
    )
}
