//! Grouping mart rows by a dimension (DOMAIN §10: cartera | negocio = servicio | periodo =
//! periodo_asignacion | vencimiento = due-day group of the archivo, §11), and the campaign
//! attributes the dashboard and evolution views join to.

use serde::Serialize;

use super::filters::{cartera_label, servicio_label};
use crate::transform::dialect::Dialect;

#[derive(
    async_graphql::Enum, Serialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[graphql(rename_items = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    Cartera,
    Negocio,
    Periodo,
    Vencimiento,
}

/// One group of a dimension: its key and label.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Segment {
    pub id: String,
    pub name: String,
}

impl Dimension {
    /// The SQL expression the rows are grouped by, over the mart alias `m` and the campaign
    /// alias `c`. The due-day group is not computable portably in SQL (SQLite has no
    /// last-index-of), so vencimiento groups by archivo and the archivos are merged into their
    /// groups in Rust by `segment`; the merged values are sums of counters, so nothing is lost.
    pub(crate) fn key_sql(self) -> &'static str {
        match self {
            Self::Cartera => "m.cartera",
            Self::Negocio => "m.servicio",
            Self::Periodo => "c.periodo",
            Self::Vencimiento => "m.archivo",
        }
    }

    /// The group a `key_sql` value belongs to.
    pub(crate) fn segment(self, key: &str) -> Segment {
        let (id, name) = match self {
            Self::Cartera => (key.to_owned(), cartera_label(key)),
            Self::Negocio => (key.to_owned(), servicio_label(key)),
            Self::Periodo => (key.to_owned(), key.to_owned()),
            Self::Vencimiento => due_day_group(key),
        };
        Segment { id, name }
    }
}

/// Due-day group of an archivo named `…_<YYYYMMDD>_<DD>` (§11): {1, 5} GRUPO_1_5, {9, 13}
/// GRUPO_9_13, {17, 21, 25} GRUPO_17_25, any other day DIA_<d>; an archivo without a trailing
/// day number goes to SIN_DIA.
fn due_day_group(archivo: &str) -> (String, String) {
    let day = archivo
        .rsplit('_')
        .next()
        .and_then(|token| token.trim().parse::<u32>().ok());
    let (id, name) = match day {
        Some(1 | 5) => ("GRUPO_1_5".to_owned(), "Días 1 y 5".to_owned()),
        Some(9 | 13) => ("GRUPO_9_13".to_owned(), "Días 9 y 13".to_owned()),
        Some(17 | 21 | 25) => ("GRUPO_17_25".to_owned(), "Días 17, 21 y 25".to_owned()),
        Some(d) => (format!("DIA_{d}"), format!("Día {d}")),
        None => ("SIN_DIA".to_owned(), "Sin día de vencimiento".to_owned()),
    };
    (id, name)
}

/// A CTE named `camp` (to follow `WITH`): one row per campaign (the calendario row with the
/// latest periodo_date, §13.15) with archivo, fecha_apertura, fecha_cierre, dias_habiles and
/// periodo (periodo_asignacion, else the month of fecha_apertura, as the assignment mart does).
pub(crate) fn campaigns_cte(d: Dialect) -> String {
    let month = d.month("fecha_apertura");
    format!(
        "camp AS (
    SELECT archivo, fecha_apertura, fecha_cierre,
        duracion_campana_dias_habiles AS dias_habiles,
        COALESCE(NULLIF(TRIM(periodo_asignacion), ''), {month}) AS periodo
    FROM (
        SELECT k.*, ROW_NUMBER() OVER (PARTITION BY archivo ORDER BY periodo_date DESC) AS rn
        FROM raw_calendario k
    ) latest
    WHERE rn = 1
)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_days_fall_into_their_groups() {
        let group = |a: &str| due_day_group(a).0;
        assert_eq!(group("Cartera_Gestion_Temprana_20250601_5"), "GRUPO_1_5");
        assert_eq!(group("Cartera_Gestion_AN_20250601_13"), "GRUPO_9_13");
        assert_eq!(group("Cartera_Gestion_CF_ANN_20250601_21"), "GRUPO_17_25");
        assert_eq!(group("Cartera_20250601_7"), "DIA_7");
        assert_eq!(group("Cartera_sin_dia"), "SIN_DIA");
    }
}
