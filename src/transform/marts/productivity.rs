//! productivity_data (DOMAIN §9.5): per Lima day, agent and archivo, the CALL gestiones and the
//! payments credited to the agent.

use crate::transform::{Step, context::Ctx};

pub fn productivity(ctx: &Ctx) -> Step {
    let d = ctx.d;
    let now = ctx.now();
    Step::replace(
        "productivity_data",
        format!(
            "DELETE FROM productivity_data WHERE {}",
            ctx.in_gestion_days("fecha_foto")
        ),
        format!(
            r"WITH calls AS (
    SELECT * FROM aux_gestiones WHERE canal = 'CALL' AND {g_in_days}
),
-- equipo: the agent's CALL gestiones that day over all archivos.
team AS (
    SELECT fecha_gestion AS fecha, correo_agente, COUNT(*) AS n
    FROM calls
    GROUP BY fecha_gestion, correo_agente
),
-- A counted payment of account a in campaign c is credited to the agent of the latest CALL PDP
-- to cod_luna(a) in c (the fan-out of c) with fecha_gestion ≤ fecha_pago. The row goes to
-- archivo c, the campaign the payment is counted for.
credit AS (
    SELECT * FROM (
        SELECT p.archivo, p.fecha_pago, p.monto_cancelado, g.correo_agente, g.nombre_agente,
            g.documento_agente,
            ROW_NUMBER() OVER (
                PARTITION BY p.archivo, p.nro_documento, p.fecha_pago, p.monto_cancelado
                ORDER BY {ts_order} DESC, g.gestion_uid DESC
            ) AS rn
        FROM aux_pagos p
        -- The fan-out gives each account of cod_luna(a) in c the same gestiones, a's own among
        -- them: read through a's key, they are an index lookup per payment, where those of the
        -- client were every CALL PDP of the fan-out, de-duplicated.
        JOIN aux_gestion_cuenta gc ON gc.archivo = p.archivo AND gc.cuenta = p.cuenta
            AND gc.canal = 'CALL' AND gc.es_compromiso AND gc.fecha_gestion <= p.fecha_pago
        JOIN aux_gestiones g ON g.canal = gc.canal AND g.gestion_uid = gc.gestion_uid
        WHERE p.es_pago_valido AND p.esta_en_ventana AND {p_in_days}
    ) ranked
    WHERE rn = 1
),
facts AS (
    SELECT fecha_gestion AS fecha, correo_agente, archivo_principal AS archivo, nombre_agente,
        documento_agente, 1 AS n,
        CASE WHEN contactabilidad = 'CONTACTO_EFECTIVO' THEN 1 ELSE 0 END AS ce,
        CASE WHEN es_compromiso THEN 1 ELSE 0 END AS pdp,
        peso,
        CASE WHEN es_compromiso THEN COALESCE(monto_compromiso, 0) ELSE 0 END AS comprometido,
        0 AS recuperado
    FROM calls
    UNION ALL
    SELECT fecha_pago, correo_agente, archivo, nombre_agente, documento_agente, 0, 0, 0, 0, 0,
        monto_cancelado
    FROM credit
),
r AS (
    SELECT f.fecha, f.correo_agente, f.archivo,
        MAX(f.nombre_agente) AS nombre_agente, MAX(f.documento_agente) AS dni_agente,
        SUM(f.n) AS total, SUM(f.ce) AS ce, SUM(f.pdp) AS pdp, SUM(f.peso) AS peso,
        SUM(f.comprometido) AS comprometido, SUM(f.recuperado) AS recuperado
    FROM facts f
    GROUP BY f.fecha, f.correo_agente, f.archivo
)
INSERT INTO productivity_data
    (fecha_foto, correo_agente, archivo, nombre_agente, dni_agente, equipo, total_gestiones,
     contactos_efectivos, total_pdp, peso_total, monto_comprometido, monto_recuperado,
     tasa_contacto, tasa_conversion, score_productividad, fecha_procesamiento, created_at,
     updated_at)
SELECT r.fecha, r.correo_agente, r.archivo, r.nombre_agente, r.dni_agente,
    CASE WHEN COALESCE(t.n, 0) > 50 THEN 'SENIOR_TEAM'
        WHEN COALESCE(t.n, 0) > 25 THEN 'REGULAR_TEAM'
        ELSE 'JUNIOR_TEAM' END,
    r.total, r.ce, r.pdp, r.peso, {comprometido}, {recuperado},
    {tasa_contacto}, {tasa_conversion},
    -- score from the raw counts, stored rounded to 2 dp.
    {score},
    {now}, {now}, {now}
FROM r
LEFT JOIN team t ON t.fecha = r.fecha AND t.correo_agente = r.correo_agente",
            g_in_days = ctx.in_gestion_days("fecha_gestion"),
            p_in_days = ctx.in_gestion_days("p.fecha_pago"),
            ts_order = d.timestamp_order("g.timestamp_gestion"),
            comprometido = d.round2("r.comprometido"),
            recuperado = d.round2("r.recuperado"),
            tasa_contacto = d.pct("r.ce", "r.total"),
            tasa_conversion = d.pct("r.pdp", "r.ce"),
            score = d.round2("0.40 * r.total + 0.35 * r.ce + 0.25 * r.pdp"),
        ),
    )
}
