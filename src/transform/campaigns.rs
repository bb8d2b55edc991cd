//! The campaigns every build starts from: one row per archivo of raw_calendario (§13.15: the row
//! with the latest periodo_date), with its Cartera (§4), window end and last mart day.

use super::context::{Ctx, normalised_text};

/// A CTE named `camp` (to be placed after `WITH`) with columns archivo, cartera, fecha_apertura,
/// fecha_cierre, fecha_trandeuda, periodo, fin (window end: COALESCE(fecha_cierre, today), §2)
/// and hasta (last day with mart rows: min(fin, today), §13.16).
pub fn camp_cte(ctx: &Ctx) -> String {
    let d = ctx.d;
    let today = ctx.today();
    let fin = format!("COALESCE(fecha_cierre, {today})");
    let hasta = d.least(&fin, &today);
    let tipo = normalised_text("tipo_cartera");
    let month = d.month("fecha_apertura");
    format!(
        r"camp AS (
    SELECT archivo,
        -- Cartera (§4): the label first; an empty or unknown label falls back to substring
        -- tests on the upper-cased archivo (never a bare AN: COBRANDING contains it).
        CASE
            WHEN {tipo} = 'TEMPRANA' THEN 'TEMPRANA'
            WHEN {tipo} IN ('CUOTA FRACCIONAMIENTO', 'CUOTA FRACCION') THEN 'CUOTA_FRACCIONAMIENTO'
            WHEN {tipo} IN ('ALTAS NUEVAS', 'ALTAS') THEN 'ALTAS_NUEVAS'
            WHEN {tipo} = 'OTRAS' THEN 'OTRAS'
            WHEN UPPER(archivo) LIKE '%TEMPRANA%' THEN 'TEMPRANA'
            WHEN UPPER(archivo) LIKE '%CF\_ANN%' ESCAPE '\' THEN 'CUOTA_FRACCIONAMIENTO'
            WHEN UPPER(archivo) LIKE '%\_AN\_%' ESCAPE '\' THEN 'ALTAS_NUEVAS'
            ELSE 'OTRAS'
        END AS cartera,
        fecha_apertura, fecha_cierre, fecha_trandeuda, duracion_campana_dias_habiles,
        -- periodo (§9.3): periodo_asignacion, else the month of fecha_apertura.
        COALESCE(NULLIF(TRIM(periodo_asignacion), ''), {month}) AS periodo,
        {fin} AS fin,
        {hasta} AS hasta
    FROM (
        SELECT c.*, ROW_NUMBER() OVER (PARTITION BY archivo ORDER BY periodo_date DESC) AS rn
        FROM raw_calendario c
    ) latest
    WHERE rn = 1
)"
    )
}
