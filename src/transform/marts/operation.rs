//! operation_data (DOMAIN §9.4): every interaction counted once, per Lima day, Lima hour, canal
//! and archivo_principal ('GENERAL' when unassigned).

use crate::transform::{Step, context::Ctx};

pub fn operation(ctx: &Ctx) -> Step {
    let d = ctx.d;
    let now = ctx.now();
    Step::replace(
        "operation_data",
        format!(
            "DELETE FROM operation_data WHERE {}",
            ctx.in_gestion_days("fecha_foto")
        ),
        format!(
            r"INSERT INTO operation_data
    (fecha_foto, hora, canal, archivo, total_gestiones, total_pdp, contactos_efectivos,
     contactos_no_efectivos, no_contactos, peso_total, tasa_contacto, tasa_conversion,
     fecha_procesamiento, created_at, updated_at)
SELECT fecha_gestion, hora, canal, archivo_principal, total, pdp, ce, cne, total - ce - cne,
    peso, {tasa_contacto}, {tasa_conversion}, {now}, {now}, {now}
FROM (
    SELECT fecha_gestion, hora, canal, archivo_principal,
        COUNT(*) AS total,
        SUM(CASE WHEN es_compromiso THEN 1 ELSE 0 END) AS pdp,
        SUM(CASE WHEN contactabilidad = 'CONTACTO_EFECTIVO' THEN 1 ELSE 0 END) AS ce,
        SUM(CASE WHEN contactabilidad = 'CONTACTO_NO_EFECTIVO' THEN 1 ELSE 0 END) AS cne,
        SUM(peso) AS peso
    FROM aux_gestiones
    WHERE {in_days}
    GROUP BY fecha_gestion, hora, canal, archivo_principal
) r",
            tasa_contacto = d.pct("ce", "total"),
            tasa_conversion = d.pct("pdp", "ce"),
            in_days = ctx.in_gestion_days("fecha_gestion"),
        ),
    )
}
