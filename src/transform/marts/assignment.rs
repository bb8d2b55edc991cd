//! assignment_data (DOMAIN §9.3): per campaign × servicio × account due date, as of the
//! reference day R = min(COALESCE(fecha_cierre, today), today). Only campaigns opened in the last
//! 12 months (fecha_apertura in [today − 12 months, today]) are rebuilt; older rows are left as
//! they are.

use chrono::Months;

use crate::transform::{Step, campaigns::camp_cte, context::Ctx};

pub fn assignment(ctx: &Ctx) -> Step {
    let d = ctx.d;
    let camp = camp_cte(ctx);
    let now = ctx.now();
    let since = ctx.date(
        ctx.today
            .checked_sub_months(Months::new(12))
            .unwrap_or(ctx.today),
    );
    let mut recent = format!(
        "fecha_apertura >= {since} AND fecha_apertura <= {today} AND {in_campaigns}",
        today = ctx.today(),
        in_campaigns = ctx.in_campaigns("archivo"),
    );
    recent.extend(ctx.rebuilt_campaign("archivo").map(|c| format!(" AND {c}")));
    Step::replace(
        "assignment_data",
        format!(
            "WITH {camp} DELETE FROM assignment_data \
             WHERE archivo IN (SELECT archivo FROM camp WHERE {recent})"
        ),
        format!(
            r"WITH {camp},
cs AS (SELECT * FROM camp WHERE {recent}),
-- The state rows of each campaign's day R, reached by the primary key's first columns and
-- hashed: looked up one account at a time, the open campaigns' 52,000 accounts took 0.24 s.
st AS MATERIALIZED (
    SELECT e.archivo_campana, e.cod_luna, e.cuenta, e.servicio, e.monto_saldo_actual
    FROM cs c
    JOIN aux_cuenta_estado_diario e ON e.fecha_proceso = c.hasta AND e.archivo_campana = c.archivo
)
INSERT INTO assignment_data
    (periodo, archivo, cartera, servicio, fecha_vencimiento, fecha_corte, clientes, cuentas,
     deuda_asig, deuda_actual, ticket_promedio, fecha_procesamiento, created_at, updated_at)
SELECT periodo, archivo, cartera, servicio, fecha_vencimiento, fecha_corte, clientes, cuentas,
    {deuda_asig}, {deuda_actual},
    CASE WHEN cuentas = 0 THEN 0 ELSE {ticket} END,
    {now}, {now}, {now}
FROM (
    SELECT c.periodo, c.archivo, c.cartera, a.servicio, a.fecha_vencimiento,
        c.hasta AS fecha_corte,
        COUNT(DISTINCT a.cod_luna) AS clientes,
        COUNT(*) AS cuentas,
        SUM(a.deuda_asig) AS deuda_asig,
        -- The saldo at R (net of counted payments since the snapshot, §13.7); 0 when R has no
        -- state row (a window that ends before it starts).
        SUM(COALESCE(e.monto_saldo_actual, 0)) AS deuda_actual
    FROM cs c
    JOIN aux_cuenta_campana a ON a.archivo = c.archivo
    LEFT JOIN st e ON e.archivo_campana = a.archivo AND e.cod_luna = a.cod_luna
        AND e.cuenta = a.cuenta AND e.servicio = a.servicio
    GROUP BY c.periodo, c.archivo, c.cartera, a.servicio, a.fecha_vencimiento, c.hasta
) r",
            deuda_asig = d.round2("deuda_asig"),
            deuda_actual = d.round2("deuda_actual"),
            ticket = d.round2("1.0 * deuda_asig / cuentas"),
        ),
    )
}
