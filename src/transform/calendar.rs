//! aux_calendario_habiles (business-day calendar) and aux_campana_dia (campaign × day of the
//! window), DOMAIN §7.1.

use chrono::{Datelike, NaiveDate};

use super::{Step, campaigns::camp_cte, context::Ctx};

/// The calendar covers 2024-01-01 … 2026-12-31 and, when later, through the end of today's year.
pub fn calendario_habiles(ctx: &Ctx) -> Step {
    let d = ctx.d;
    let first = NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date");
    let last = NaiveDate::from_ymd_opt(2026.max(ctx.today.year()), 12, 31).expect("valid date");
    let series = d.date_series(first, last);
    let dow = d.iso_dow("s.fecha");
    let month = d.month("s.fecha");
    Step::replace(
        "aux_calendario_habiles",
        "DELETE FROM aux_calendario_habiles".into(),
        // dia_habil_del_mes: ordinal of a business day within its month; NULL on weekends and
        // holidays (DOMAIN leaves non-business days open).
        format!(
            r"INSERT INTO aux_calendario_habiles
    (fecha, es_dia_habil, es_feriado, nombre_feriado, dia_semana, dia_habil_del_mes)
SELECT fecha, es_dia_habil, es_feriado, nombre_feriado, dia_semana,
    CASE WHEN es_dia_habil THEN
        SUM(CASE WHEN es_dia_habil THEN 1 ELSE 0 END) OVER (PARTITION BY mes ORDER BY fecha)
    END
FROM (
    SELECT s.fecha, {month} AS mes, {dow} AS dia_semana,
        (f.fecha IS NOT NULL) AS es_feriado,
        f.nombre AS nombre_feriado,
        ({dow} <= 5 AND f.fecha IS NULL) AS es_dia_habil
    FROM ({series}) s
    LEFT JOIN aux_feriados f ON f.fecha = s.fecha
) days"
        ),
    )
}

/// One row per campaign and calendar day of its window up to today; dia_gestion = business days
/// in [apertura, fecha], so it keeps its value over weekends and holidays.
///
/// The scope's campaigns get their whole window (a few dozen rows each), whatever the scope's
/// days: a change of the campaign's shape (its window, cartera, calendar) then shows up in the
/// step's probe, which widens the build to the first day it moved (`changes::CAMPANA_DIA`).
pub fn campana_dia(ctx: &Ctx) -> Step {
    let camp = camp_cte(ctx);
    let dia_campana = ctx.d.days_between("k.fecha", "c.fecha_apertura");
    let in_campaigns = ctx.in_campaigns("c.archivo");
    Step::replace(
        "aux_campana_dia",
        format!(
            "DELETE FROM aux_campana_dia WHERE {}",
            ctx.in_campaigns("archivo")
        ),
        format!(
            r"WITH {camp},
days AS (
    SELECT c.archivo, k.fecha, c.cartera, c.fecha_apertura, c.fecha_cierre, k.es_dia_habil,
        {dia_campana} + 1 AS dia_campana,
        SUM(CASE WHEN k.es_dia_habil THEN 1 ELSE 0 END)
            OVER (PARTITION BY c.archivo ORDER BY k.fecha) AS dia_gestion
    FROM camp c
    JOIN aux_calendario_habiles k ON k.fecha BETWEEN c.fecha_apertura AND c.hasta
    WHERE {in_campaigns}
)
INSERT INTO aux_campana_dia
    (archivo, fecha, cartera, fecha_apertura, fecha_cierre, es_dia_habil, dia_campana, dia_gestion)
SELECT archivo, fecha, cartera, fecha_apertura, fecha_cierre, es_dia_habil, dia_campana, dia_gestion
FROM days"
        ),
    )
}
