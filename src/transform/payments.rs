//! aux_pagos: payments attributed to campaign accounts (DOMAIN §7.5, §12, §13.10), through
//! their documents' accounts (aux_documento_cuenta, see `owners`).

use super::{
    Step,
    campaigns::camp_cte,
    context::{Ctx, is_blank},
    rewrite::Diff,
};

/// The columns the step fills (and its probe compares, `changes::PAGOS`).
pub const COLUMNS: &str = "archivo, nro_documento, fecha_pago, monto_cancelado, cuenta, \
    cod_luna, esta_en_ventana, es_pago_valido, motivo_rechazo";

pub fn pagos(ctx: &Ctx) -> Step {
    let camp = camp_cte(ctx);
    let today = ctx.today();
    Step::compared(
        "aux_pagos",
        Diff {
            // Every payment of a campaign's accounts is kept, whatever its date (esta_en_ventana
            // says whether it falls in the window), so the table is rebuilt per campaign, not per
            // day; with the load's changes known, only the payments they can move (a day that
            // arrives: its own and a few re-delivered ones, where the open campaigns hold 52,000;
            // joining them all to their accounts and comparing them took 0.25 s). Only the
            // changed rows are written (rewriting a quarter's open campaigns' payments took
            // 0.75 s), and a row's created_at and updated_at say when its content last changed.
            scope: ctx.payments_rebuilt("archivo", "nro_documento", "fecha_pago"),
            reach: None,
            columns: COLUMNS,
            key: "archivo, nro_documento, fecha_pago, monto_cancelado",
            in_key_order: true,
            rows: format!(
                r"WITH {camp},
acc AS (
    SELECT a.archivo, a.cuenta, a.cod_luna, c.fecha_apertura, c.fin
    FROM aux_cuenta_campana a
    JOIN camp c ON c.archivo = a.archivo
    WHERE {in_campaigns}
),
-- raw_pagos already holds one row per (nro_documento, fecha_pago, monto_cancelado), the latest
-- copy; its motivo_rechazo decides whether the payment counts.
p AS (
    SELECT nro_documento, fecha_pago, monto_cancelado
    FROM raw_pagos
    WHERE {not_rejected} AND {reached}
)
SELECT a.archivo, p.nro_documento, p.fecha_pago, p.monto_cancelado, a.cuenta, a.cod_luna,
    (p.fecha_pago BETWEEN a.fecha_apertura AND a.fin),
    (p.monto_cancelado > 0 AND p.fecha_pago <= {today}),
    CASE WHEN p.monto_cancelado <= 0 THEN 'Monto de pago no positivo'
        WHEN p.fecha_pago > {today} THEN 'Fecha de pago futura' END
FROM p
JOIN aux_documento_cuenta o ON o.nro_documento = p.nro_documento
JOIN acc a ON a.cuenta = o.cod_cuenta
WHERE {rebuilt}",
                in_campaigns = ctx.in_campaigns("a.archivo"),
                not_rejected = is_blank("motivo_rechazo"),
                reached = ctx
                    .payments_reached("nro_documento", "fecha_pago")
                    .unwrap_or_else(|| "1 = 1".to_string()),
                rebuilt = ctx.payments_rebuilt("a.archivo", "p.nro_documento", "p.fecha_pago"),
            ),
            afterwards: Vec::new(),
        },
    )
}
