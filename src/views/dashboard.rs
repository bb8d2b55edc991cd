//! The dashboard view (DOMAIN §10 "Dashboard"): dashboard_data rows of the selected campaigns at
//! the cut-off day, grouped by the first requested dimension and by servicio, with a totals row.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use serde::{Deserialize, Serialize};

use super::counters::Counters;
use super::filters::{Periodo, parse_cartera, parse_list, parse_periodo, parse_servicio};
use super::kpi::{pct, round2, target_status};
pub use super::segment::Dimension;
use super::segment::{Segment, campaigns_cte};
use super::sql::{Params, dialect, fetch, sum_int};
use super::{IconStatus, ViewError, days_before, int};

/// Targets of the status icons (§11 plausibility targets).
const CONTACTO_TARGET: f64 = 70.0;
const CIERRE_TARGET: f64 = 15.0;
const INTEN_TARGET: f64 = 2.0;

#[derive(async_graphql::InputObject, Default, Clone, Debug)]
pub struct DashboardFilters {
    pub cartera: Option<Vec<String>>,
    pub servicio: Option<Vec<String>>,
    pub periodo: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct DashboardArgs {
    pub filters: Option<DashboardFilters>,
    pub fecha_corte: Option<NaiveDate>,
    pub dimensions: Option<Vec<Dimension>>,
}

/// Which campaigns contribute rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum CampaignSelection {
    /// No periodo filter: campaigns whose window contains the cut-off day.
    WindowContainsCutoff,
    /// A periodo filter: campaigns whose periodo is one of `months` or, for ULTIMO_MES, that
    /// opened after `opened_after`; either way opened on or before the cut-off day.
    Periodo {
        months: Vec<String>,
        opened_after: Option<NaiveDate>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DashboardQuery {
    pub fecha_corte: NaiveDate,
    /// Open campaigns' windows end today, so the rows read depend on it.
    pub today: NaiveDate,
    pub carteras: Vec<String>,
    pub servicios: Vec<String>,
    pub campaigns: CampaignSelection,
    pub dimension: Dimension,
}

impl DashboardArgs {
    pub fn resolve(self, today: NaiveDate) -> Result<DashboardQuery, ViewError> {
        let filters = self.filters.unwrap_or_default();
        let fecha_corte = self.fecha_corte.unwrap_or(today);
        let dimension = self
            .dimensions
            .and_then(|d| d.first().copied())
            .unwrap_or(Dimension::Cartera);
        Ok(DashboardQuery {
            fecha_corte,
            today,
            carteras: parse_list(filters.cartera, parse_cartera)?,
            servicios: parse_list(filters.servicio, parse_servicio)?,
            campaigns: campaign_selection(filters.periodo.unwrap_or_default(), fecha_corte)?,
            dimension,
        })
    }
}

fn campaign_selection(
    periodos: Vec<String>,
    cutoff: NaiveDate,
) -> Result<CampaignSelection, ViewError> {
    if periodos.is_empty() {
        return Ok(CampaignSelection::WindowContainsCutoff);
    }
    let (mut months, mut opened_after) = (Vec::new(), None);
    for text in periodos {
        match parse_periodo(&text)? {
            Periodo::Actual => months.push(month_of(cutoff, 0)),
            Periodo::Anterior => months.push(month_of(cutoff, 1)),
            Periodo::Ultimos3Meses => months.extend((0..3).map(|back| month_of(cutoff, back))),
            // fecha_apertura in (D − 30 d, D]; the upper bound applies to every selection.
            Periodo::UltimoMes => opened_after = Some(days_before(cutoff, 30)),
            Periodo::Month(month) => months.push(month),
        }
    }
    months.sort();
    months.dedup();
    Ok(CampaignSelection::Periodo {
        months,
        opened_after,
    })
}

/// `YYYY-MM` of the month `back` months before the month of `day`.
fn month_of(day: NaiveDate, back: i32) -> String {
    let index = day.year() * 12 + day.month0() as i32 - back;
    format!(
        "{:04}-{:02}",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DataRow {
    pub id: String,
    pub name: String,
    pub status: IconStatus,
    pub cuentas: i32,
    pub deuda_asig: f64,
    pub deuda_act: f64,
    pub porcentaje_cuentas: f64,
    pub porcentaje_deuda: f64,
    pub porcentaje_deuda_act: f64,
    pub porcentaje_deuda_status: IconStatus,
    pub porcentaje_deuda_act_status: IconStatus,
    pub cobertura: f64,
    pub contacto: f64,
    pub contacto_status: IconStatus,
    pub cd: f64,
    pub ci: f64,
    pub sc: f64,
    pub cierre: f64,
    pub cierre_status: IconStatus,
    pub inten: f64,
    pub inten_status: IconStatus,
    pub cd_count: i32,
    pub ci_count: i32,
    pub sc_count: i32,
    pub sg_count: i32,
    pub pdp_count: i32,
    pub frac_count: i32,
    pub pdp_frac_count: i32,
    pub fecha_asignacion: Option<String>,
    pub fecha_cierre: Option<String>,
    pub dias_gestion: Option<i32>,
    pub dias_habiles: Option<i32>,
}

/// The totals row: a GraphQL type of its own with exactly the fields of `DataRow`.
#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
pub struct TotalRow {
    #[graphql(flatten)]
    #[serde(flatten)]
    pub row: DataRow,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IntegralChartDataPoint {
    pub name: String,
    pub cobertura: f64,
    pub contacto: f64,
    pub contacto_directo: f64,
    pub contacto_indirecto: f64,
    pub tasa_de_cierre: f64,
    pub intensidad: f64,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DashboardData {
    pub segmento_data: Vec<DataRow>,
    pub negocio_data: Vec<DataRow>,
    pub integral_chart_data: Vec<IntegralChartDataPoint>,
    pub total: TotalRow,
}

pub async fn load(
    db: &impl ConnectionTrait,
    query: &DashboardQuery,
) -> Result<DashboardData, ViewError> {
    let segments = load_groups(db, query, query.dimension).await?;
    let servicios = load_groups(db, query, Dimension::Negocio).await?;
    let total = Group::sum(segments.iter().map(|(_, g)| g));
    let segmento_data = data_rows(&segments, &total);
    let integral_chart_data = segmento_data.iter().map(chart_point).collect();
    Ok(DashboardData {
        negocio_data: data_rows(&servicios, &total),
        integral_chart_data,
        total: TotalRow {
            row: total_row(&total),
        },
        segmento_data,
    })
}

/// What one group of selected rows sums to.
#[derive(Debug, Clone, Default)]
struct Group {
    counters: Counters,
    frac: i64,
    pdp_frac: i64,
    fecha_asignacion: Option<String>,
    fecha_cierre: Option<String>,
    /// Rows of campaigns still open (fechaCierre is null if there is any).
    abiertas: i64,
    dias_gestion: Option<i64>,
    dias_habiles: Option<i64>,
}

impl Group {
    fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            counters: Counters::from_row(row)?,
            frac: row.try_get("", "cuentas_frac")?,
            pdp_frac: row.try_get("", "cuentas_pdp_frac")?,
            fecha_asignacion: row.try_get("", "fecha_asignacion")?,
            fecha_cierre: row.try_get("", "fecha_cierre")?,
            abiertas: row.try_get("", "abiertas")?,
            dias_gestion: row.try_get("", "dias_gestion")?,
            dias_habiles: row.try_get("", "dias_habiles")?,
        })
    }

    /// Adds another group's rows. `YYYY-MM-DD` texts order like the dates they spell.
    fn add(&mut self, other: &Self) {
        self.counters.add(&other.counters);
        self.frac += other.frac;
        self.pdp_frac += other.pdp_frac;
        self.fecha_asignacion = min_some(self.fecha_asignacion.take(), &other.fecha_asignacion);
        self.fecha_cierre = self.fecha_cierre.take().max(other.fecha_cierre.clone());
        self.abiertas += other.abiertas;
        self.dias_gestion = self.dias_gestion.max(other.dias_gestion);
        self.dias_habiles = self.dias_habiles.max(other.dias_habiles);
    }

    fn sum<'a>(groups: impl Iterator<Item = &'a Group>) -> Self {
        let mut total = Self::default();
        groups.for_each(|g| total.add(g));
        total
    }
}

/// The smaller of two optional values, ignoring a missing one (`Option::min` would pick None).
fn min_some(a: Option<String>, b: &Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b.clone())),
        (a, b) => a.or_else(|| b.clone()),
    }
}

/// The selected rows grouped by `dimension`, sorted by cuentas descending (then id).
async fn load_groups(
    db: &impl ConnectionTrait,
    query: &DashboardQuery,
    dimension: Dimension,
) -> Result<Vec<(Segment, Group)>, ViewError> {
    let mut merged: BTreeMap<Segment, Group> = BTreeMap::new();
    for row in fetch_groups(db, query, dimension).await? {
        let key: String = row.try_get("", "grupo")?;
        let group = Group::from_row(&row)?;
        merged
            .entry(dimension.segment(&key))
            .or_default()
            .add(&group);
    }
    let mut groups: Vec<(Segment, Group)> = merged.into_iter().collect();
    groups.sort_by(|(sa, a), (sb, b)| {
        (b.counters.cuentas)
            .cmp(&a.counters.cuentas)
            .then_with(|| sa.cmp(sb))
    });
    Ok(groups)
}

async fn fetch_groups(
    db: &impl ConnectionTrait,
    query: &DashboardQuery,
    dimension: Dimension,
) -> Result<Vec<QueryResult>, DbErr> {
    let d = dialect(db);
    let mut p = Params::default();
    let cutoff = p.bind(query.fecha_corte);
    let today = p.bind(query.today);
    // The row of each campaign is the one of min(D, end of its window) (§10).
    let fecha_foto = d.least(&cutoff, &format!("COALESCE(c.fecha_cierre, {today})"));
    let selection = selection_sql(&mut p, query, &cutoff, &today);
    let carteras = p.in_list("m.cartera", &query.carteras);
    let servicios = p.in_list("m.servicio", &query.servicios);
    let key = dimension.key_sql();
    let sql = format!(
        "WITH {camp}
SELECT {key} AS grupo, {sums}, {frac}, {pdp_frac},
    {fecha_asignacion} AS fecha_asignacion,
    {fecha_cierre} AS fecha_cierre,
    {abiertas},
    CAST(MAX(m.dia_gestion) AS BIGINT) AS dias_gestion,
    CAST(MAX(c.dias_habiles) AS BIGINT) AS dias_habiles
FROM dashboard_data m JOIN camp c ON c.archivo = m.archivo
WHERE c.fecha_apertura <= {cutoff} AND m.fecha_foto = {fecha_foto}
    AND {selection} AND {carteras} AND {servicios}
GROUP BY {key}",
        camp = campaigns_cte(d),
        sums = Counters::select_sums(),
        frac = sum_int("m.cuentas_frac", "cuentas_frac"),
        pdp_frac = sum_int("m.cuentas_pdp_frac", "cuentas_pdp_frac"),
        fecha_asignacion = d.date_text("MIN(c.fecha_apertura)"),
        fecha_cierre = d.date_text("MAX(c.fecha_cierre)"),
        abiertas = sum_int(
            "CASE WHEN c.fecha_cierre IS NULL THEN 1 ELSE 0 END",
            "abiertas"
        ),
    );
    fetch(db, &sql, p).await
}

/// The campaign-selection predicate over the campaign alias `c`.
fn selection_sql(p: &mut Params, query: &DashboardQuery, cutoff: &str, today: &str) -> String {
    match &query.campaigns {
        CampaignSelection::WindowContainsCutoff => {
            format!("COALESCE(c.fecha_cierre, {today}) >= {cutoff}")
        }
        CampaignSelection::Periodo {
            months,
            opened_after,
        } => {
            let mut any = Vec::new();
            if !months.is_empty() {
                any.push(p.in_list("c.periodo", months));
            }
            if let Some(after) = opened_after {
                any.push(format!("c.fecha_apertura > {}", p.bind(*after)));
            }
            format!("({})", any.join(" OR "))
        }
    }
}

fn data_rows(groups: &[(Segment, Group)], total: &Group) -> Vec<DataRow> {
    groups
        .iter()
        .map(|(segment, group)| data_row(segment, group, total))
        .collect()
}

fn total_row(total: &Group) -> DataRow {
    let segment = Segment {
        id: "total".to_owned(),
        name: "Total".to_owned(),
    };
    DataRow {
        status: IconStatus::None,
        ..data_row(&segment, total, total)
    }
}

/// One DataRow; shares are of `total`, which is the group itself for the totals row (100 %
/// unless everything is 0).
fn data_row(segment: &Segment, group: &Group, total: &Group) -> DataRow {
    let c = &group.counters;
    let t = &total.counters;
    let (contacto, cierre, inten) = (c.contacto(), c.cierre(), c.inten());
    DataRow {
        id: segment.id.clone(),
        name: segment.name.clone(),
        status: IconStatus::Neutral,
        cuentas: int(c.cuentas),
        deuda_asig: round2(c.deuda_asig),
        deuda_act: round2(c.deuda_act),
        porcentaje_cuentas: pct(c.cuentas as f64, t.cuentas as f64),
        porcentaje_deuda: pct(c.deuda_asig, t.deuda_asig),
        porcentaje_deuda_act: pct(c.deuda_act, t.deuda_act),
        porcentaje_deuda_status: IconStatus::Neutral,
        porcentaje_deuda_act_status: IconStatus::Neutral,
        cobertura: c.cobertura(),
        contacto,
        contacto_status: target_status(contacto, CONTACTO_TARGET),
        cd: c.cd_pct(),
        ci: c.ci_pct(),
        sc: c.sc_pct(),
        cierre,
        cierre_status: target_status(cierre, CIERRE_TARGET),
        inten,
        inten_status: target_status(inten, INTEN_TARGET),
        cd_count: int(c.cd),
        ci_count: int(c.ci),
        sc_count: int(c.sc),
        sg_count: int(c.sg),
        pdp_count: int(c.pdp),
        frac_count: int(group.frac),
        pdp_frac_count: int(group.pdp_frac),
        fecha_asignacion: group.fecha_asignacion.clone(),
        fecha_cierre: group.fecha_cierre.clone().filter(|_| group.abiertas == 0),
        dias_gestion: group.dias_gestion.map(int),
        dias_habiles: group.dias_habiles.map(int),
    }
}

fn chart_point(row: &DataRow) -> IntegralChartDataPoint {
    IntegralChartDataPoint {
        name: row.name.clone(),
        cobertura: row.cobertura,
        contacto: row.contacto,
        contacto_directo: row.cd,
        contacto_indirecto: row.ci,
        tasa_de_cierre: row.cierre,
        intensidad: row.inten,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_count_back_across_years() {
        let d = NaiveDate::from_ymd_opt(2025, 2, 14).unwrap();
        assert_eq!(month_of(d, 0), "2025-02");
        assert_eq!(month_of(d, 1), "2025-01");
        assert_eq!(month_of(d, 2), "2024-12");
    }
}
