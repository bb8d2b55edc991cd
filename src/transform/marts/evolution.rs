//! evolution_data (DOMAIN §9.2): the dashboard_data rows of business days, with dia_campana.
//! Built from the freshly published dashboard_data so the two can never disagree.

use crate::transform::{Step, context::Ctx};

const COLUMNS: &str = "cuentas, clientes, cuentas_gestionadas, cuentas_cd, cuentas_ci, \
    cuentas_sc, cuentas_sg, cuentas_pdp, cuentas_pagadoras, total_gestiones, gestiones_voicebot, \
    gestiones_call, gestiones_efectivas, recupero, deuda_asig, deuda_act, pct_cober, pct_contac, \
    pct_efectividad, pct_cierre";

pub fn evolution(ctx: &Ctx) -> Step {
    let now = ctx.now();
    let selected: Vec<String> = COLUMNS
        .split(',')
        .map(|c| format!("d.{}", c.trim()))
        .collect();
    let selected = selected.join(", ");
    Step::replace(
        "evolution_data",
        format!(
            "DELETE FROM evolution_data WHERE {} AND {}",
            ctx.in_campaigns("archivo"),
            ctx.in_days("archivo", "fecha_foto")
        ),
        format!(
            r"INSERT INTO evolution_data
    (fecha_foto, archivo, cartera, servicio, dia_gestion, dia_campana, {COLUMNS},
     fecha_procesamiento, created_at, updated_at)
SELECT d.fecha_foto, d.archivo, d.cartera, d.servicio, d.dia_gestion, k.dia_campana, {selected},
    {now}, {now}, {now}
FROM dashboard_data d
JOIN aux_campana_dia k ON k.archivo = d.archivo AND k.fecha = d.fecha_foto
WHERE k.es_dia_habil AND {in_campaigns} AND {in_days}",
            in_campaigns = ctx.in_campaigns("d.archivo"),
            in_days = ctx.in_days("d.archivo", "d.fecha_foto"),
        ),
    )
}
