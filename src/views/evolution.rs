//! The evolution view (DOMAIN §10 "Evolution"): daily series of KPIs from evolution_data, one
//! series per value of the comparison dimension, aligned on dia_gestion.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use serde::{Deserialize, Serialize};

use super::counters::Counters;
use super::filters::{parse_cartera, parse_servicio};
use super::segment::{Dimension, Segment, campaigns_cte};
use super::sql::{Params, dialect, fetch};
use super::{ValueType, ViewError, check_range, days_before, int};

#[derive(
    async_graphql::Enum, Serialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[graphql(rename_items = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum EvolutionMetricName {
    Cobertura,
    Contacto,
    Cd,
    Ci,
    Sc,
    Cierre,
    Efectividad,
    Conversion,
    Recupero,
    Intensidad,
}

/// Metrics shown when the client asks for none (§10).
const DEFAULT_METRICS: [EvolutionMetricName; 6] = [
    EvolutionMetricName::Cobertura,
    EvolutionMetricName::Contacto,
    EvolutionMetricName::Cd,
    EvolutionMetricName::Ci,
    EvolutionMetricName::Cierre,
    EvolutionMetricName::Recupero,
];

impl EvolutionMetricName {
    /// The `metric` string of the output: the lowercase GraphQL name.
    fn name(self) -> &'static str {
        match self {
            Self::Cobertura => "cobertura",
            Self::Contacto => "contacto",
            Self::Cd => "cd",
            Self::Ci => "ci",
            Self::Sc => "sc",
            Self::Cierre => "cierre",
            Self::Efectividad => "efectividad",
            Self::Conversion => "conversion",
            Self::Recupero => "recupero",
            Self::Intensidad => "intensidad",
        }
    }

    fn value_type(self) -> ValueType {
        match self {
            Self::Recupero => ValueType::Currency,
            Self::Intensidad => ValueType::Number,
            _ => ValueType::Percent,
        }
    }

    /// The metric over summed counters (cierre is the UI's account-based one, §13.18).
    fn value(self, c: &Counters) -> f64 {
        match self {
            Self::Cobertura => c.cobertura(),
            Self::Contacto => c.contacto(),
            Self::Cd => c.cd_pct(),
            Self::Ci => c.ci_pct(),
            Self::Sc => c.sc_pct(),
            Self::Cierre => c.cierre(),
            Self::Efectividad => c.efectividad(),
            Self::Conversion => c.conversion(),
            Self::Recupero => c.recupero_money(),
            Self::Intensidad => c.inten(),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct EvolutionArgs {
    pub cartera: Option<String>,
    pub servicio: Option<String>,
    pub fecha_inicio: Option<NaiveDate>,
    pub fecha_fin: Option<NaiveDate>,
    pub metrics: Option<Vec<EvolutionMetricName>>,
    pub comparison_dimension: Option<Dimension>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvolutionQuery {
    pub cartera: Option<String>,
    pub servicio: Option<String>,
    pub fecha_inicio: NaiveDate,
    pub fecha_fin: NaiveDate,
    /// Sorted and deduplicated; the output lists the metrics in this order.
    pub metrics: Vec<EvolutionMetricName>,
    pub comparison_dimension: Dimension,
}

impl EvolutionArgs {
    pub fn resolve(self, today: NaiveDate) -> Result<EvolutionQuery, ViewError> {
        let fecha_fin = self.fecha_fin.unwrap_or(today);
        let fecha_inicio = self
            .fecha_inicio
            .unwrap_or_else(|| days_before(fecha_fin, 30));
        check_range(fecha_inicio, fecha_fin)?;
        let mut metrics = self
            .metrics
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| DEFAULT_METRICS.to_vec());
        metrics.sort();
        metrics.dedup();
        Ok(EvolutionQuery {
            cartera: self
                .cartera
                .as_deref()
                .map(parse_cartera)
                .transpose()?
                .flatten(),
            servicio: self
                .servicio
                .as_deref()
                .map(parse_servicio)
                .transpose()?
                .flatten(),
            fecha_inicio,
            fecha_fin,
            metrics,
            comparison_dimension: self.comparison_dimension.unwrap_or(Dimension::Cartera),
        })
    }
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EvolutionMetric {
    pub metric: String,
    pub value_type: ValueType,
    pub series: Vec<EvolutionSeries>,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EvolutionSeries {
    pub name: String,
    pub data: Vec<EvolutionDataPoint>,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EvolutionDataPoint {
    pub day: i32,
    pub value: f64,
}

/// Summed counters per series and dia_gestion; both maps keep their keys sorted.
type SeriesCounters = BTreeMap<Segment, BTreeMap<i64, Counters>>;

pub async fn load(
    db: &impl ConnectionTrait,
    query: &EvolutionQuery,
) -> Result<Vec<EvolutionMetric>, ViewError> {
    let dimension = query.comparison_dimension;
    let mut series = SeriesCounters::new();
    for row in fetch_days(db, query).await? {
        let key: String = row.try_get("", "grupo")?;
        let day: i64 = row.try_get("", "dia")?;
        series
            .entry(dimension.segment(&key))
            .or_default()
            .entry(day)
            .or_default()
            .add(&Counters::from_row(&row)?);
    }
    Ok(query
        .metrics
        .iter()
        .map(|&metric| evolution_metric(metric, &series))
        .collect())
}

fn evolution_metric(metric: EvolutionMetricName, series: &SeriesCounters) -> EvolutionMetric {
    EvolutionMetric {
        metric: metric.name().to_owned(),
        value_type: metric.value_type(),
        series: series
            .iter()
            .map(|(segment, days)| EvolutionSeries {
                name: segment.name.clone(),
                data: days
                    .iter()
                    .map(|(&day, counters)| EvolutionDataPoint {
                        day: int(day),
                        value: metric.value(counters),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// evolution_data rows in the date range and filters, summed per group key and dia_gestion.
async fn fetch_days(
    db: &impl ConnectionTrait,
    query: &EvolutionQuery,
) -> Result<Vec<QueryResult>, DbErr> {
    let d = dialect(db);
    let mut p = Params::default();
    let desde = p.bind(query.fecha_inicio);
    let hasta = p.bind(query.fecha_fin);
    let carteras = p.in_list("m.cartera", query.cartera.as_slice());
    let servicios = p.in_list("m.servicio", query.servicio.as_slice());
    let key = query.comparison_dimension.key_sql();
    let sql = format!(
        "WITH {camp}
SELECT {key} AS grupo, CAST(m.dia_gestion AS BIGINT) AS dia, {sums}
FROM evolution_data m JOIN camp c ON c.archivo = m.archivo
WHERE m.fecha_foto >= {desde} AND m.fecha_foto <= {hasta} AND {carteras} AND {servicios}
GROUP BY {key}, m.dia_gestion",
        camp = campaigns_cte(d),
        sums = Counters::select_sums(),
    );
    fetch(db, &sql, p).await
}
