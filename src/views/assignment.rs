//! The assignment view (DOMAIN §10 "Assignment"): the assigned portfolio of the current month
//! against a previous month, from assignment_data.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use serde::{Deserialize, Serialize};

use super::filters::{cartera_label, parse_cartera};
use super::kpi::{round2, variacion};
use super::sql::{Params, fetch, sum_float, sum_int};
use super::{ValueType, ViewError, days_before, int};

#[derive(Debug, Clone, Default)]
pub struct AssignmentArgs {
    pub fecha_actual: Option<NaiveDate>,
    pub fecha_anterior: Option<NaiveDate>,
    pub cartera: Option<String>,
}

/// Only the months of the two dates matter, so the query keeps the months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AssignmentQuery {
    /// `YYYY-MM` of fechaActual.
    pub periodo_actual: String,
    /// `YYYY-MM` of fechaAnterior.
    pub periodo_anterior: String,
    pub cartera: Option<String>,
}

impl AssignmentArgs {
    pub fn resolve(self, today: NaiveDate) -> Result<AssignmentQuery, ViewError> {
        let actual = self.fecha_actual.unwrap_or(today);
        let anterior = self
            .fecha_anterior
            .unwrap_or_else(|| days_before(actual, 30));
        if anterior > actual {
            return Err(ViewError::bad_input(format!(
                "fechaAnterior ({anterior}) is after fechaActual ({actual})"
            )));
        }
        Ok(AssignmentQuery {
            periodo_actual: actual.format("%Y-%m").to_string(),
            periodo_anterior: anterior.format("%Y-%m").to_string(),
            cartera: self
                .cartera
                .as_deref()
                .map(parse_cartera)
                .transpose()?
                .flatten(),
        })
    }
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[graphql(name = "AssignmentKPI")]
#[serde(rename_all = "camelCase")]
pub struct AssignmentKpi {
    pub label: String,
    pub valor_actual: f64,
    pub valor_anterior: f64,
    pub variacion: f64,
    pub value_type: ValueType,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct CompositionDataPoint {
    pub name: String,
    pub value: f64,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DetailBreakdownRow {
    pub id: String,
    pub name: String,
    pub clientes_actual: i32,
    pub clientes_anterior: i32,
    pub cuentas_actual: i32,
    pub cuentas_anterior: i32,
    pub saldo_actual: f64,
    pub saldo_anterior: f64,
    pub ticket_promedio_actual: f64,
    pub ticket_promedio_anterior: f64,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentAnalysisData {
    pub kpis: Vec<AssignmentKpi>,
    pub composition_data: Vec<CompositionDataPoint>,
    pub detail_breakdown: Vec<DetailBreakdownRow>,
}

/// Sums of one cartera (or of all) in one period.
#[derive(Debug, Clone, Copy, Default)]
struct Totals {
    clientes: i64,
    cuentas: i64,
    deuda: f64,
}

impl Totals {
    fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            clientes: row.try_get("", "clientes")?,
            cuentas: row.try_get("", "cuentas")?,
            deuda: row.try_get("", "deuda_asig")?,
        })
    }

    fn add(&mut self, other: &Self) {
        self.clientes += other.clientes;
        self.cuentas += other.cuentas;
        self.deuda += other.deuda;
    }

    /// Σ deuda_asig / Σ cuentas, 2 dp; 0 without accounts.
    fn ticket(&self) -> f64 {
        if self.cuentas == 0 {
            0.0
        } else {
            round2(self.deuda / self.cuentas as f64)
        }
    }
}

/// The two periods of one cartera.
#[derive(Debug, Clone, Copy, Default)]
struct Periods {
    actual: Option<Totals>,
    anterior: Option<Totals>,
}

impl Periods {
    fn actual(&self) -> Totals {
        self.actual.unwrap_or_default()
    }

    fn anterior(&self) -> Totals {
        self.anterior.unwrap_or_default()
    }
}

pub async fn load(
    db: &impl ConnectionTrait,
    query: &AssignmentQuery,
) -> Result<AssignmentAnalysisData, ViewError> {
    let mut carteras: BTreeMap<String, Periods> = BTreeMap::new();
    for row in fetch_periods(db, query).await? {
        let cartera: String = row.try_get("", "cartera")?;
        let periodo: String = row.try_get("", "periodo")?;
        let totals = Totals::from_row(&row)?;
        let periods = carteras.entry(cartera).or_default();
        // Both slots when the two dates fall in one month.
        if periodo == query.periodo_actual {
            periods.actual = Some(totals);
        }
        if periodo == query.periodo_anterior {
            periods.anterior = Some(totals);
        }
    }
    Ok(AssignmentAnalysisData {
        kpis: kpis(&carteras),
        composition_data: composition(&carteras),
        detail_breakdown: breakdown(&carteras),
    })
}

async fn fetch_periods(
    db: &impl ConnectionTrait,
    query: &AssignmentQuery,
) -> Result<Vec<QueryResult>, DbErr> {
    let mut p = Params::default();
    let periodos = p.in_list(
        "m.periodo",
        &[query.periodo_actual.clone(), query.periodo_anterior.clone()],
    );
    let carteras = p.in_list("m.cartera", query.cartera.as_slice());
    let sql = format!(
        "SELECT m.cartera AS cartera, m.periodo AS periodo, {clientes}, {cuentas}, {deuda}
FROM assignment_data m
WHERE {periodos} AND {carteras}
GROUP BY m.cartera, m.periodo",
        clientes = sum_int("m.clientes", "clientes"),
        cuentas = sum_int("m.cuentas", "cuentas"),
        deuda = sum_float("m.deuda_asig", "deuda_asig"),
    );
    fetch(db, &sql, p).await
}

fn kpis(carteras: &BTreeMap<String, Periods>) -> Vec<AssignmentKpi> {
    let (mut actual, mut anterior) = (Totals::default(), Totals::default());
    for periods in carteras.values() {
        actual.add(&periods.actual());
        anterior.add(&periods.anterior());
    }
    vec![
        kpi(
            "Total Clientes",
            actual.clientes as f64,
            anterior.clientes as f64,
            ValueType::Number,
        ),
        kpi(
            "Total Cuentas",
            actual.cuentas as f64,
            anterior.cuentas as f64,
            ValueType::Number,
        ),
        kpi(
            "Saldo Total Deuda",
            round2(actual.deuda),
            round2(anterior.deuda),
            ValueType::Currency,
        ),
        kpi(
            "Ticket Promedio",
            actual.ticket(),
            anterior.ticket(),
            ValueType::Currency,
        ),
    ]
}

fn kpi(label: &str, actual: f64, anterior: f64, value_type: ValueType) -> AssignmentKpi {
    AssignmentKpi {
        label: label.to_owned(),
        valor_actual: actual,
        valor_anterior: anterior,
        variacion: variacion(actual, anterior),
        value_type,
    }
}

/// Current-period debt per cartera, largest first; carteras without current rows are omitted.
fn composition(carteras: &BTreeMap<String, Periods>) -> Vec<CompositionDataPoint> {
    let mut points: Vec<CompositionDataPoint> = carteras
        .iter()
        .filter_map(|(cartera, periods)| {
            periods.actual.map(|totals| CompositionDataPoint {
                name: cartera_label(cartera),
                value: round2(totals.deuda),
            })
        })
        .collect();
    points.sort_by(|a, b| {
        b.value
            .total_cmp(&a.value)
            .then_with(|| a.name.cmp(&b.name))
    });
    points
}

/// One row per cartera with rows in either period, by current debt descending.
fn breakdown(carteras: &BTreeMap<String, Periods>) -> Vec<DetailBreakdownRow> {
    let mut rows: Vec<DetailBreakdownRow> = carteras
        .iter()
        .map(|(cartera, periods)| {
            let (actual, anterior) = (periods.actual(), periods.anterior());
            DetailBreakdownRow {
                id: cartera.to_lowercase(),
                name: cartera_label(cartera),
                clientes_actual: int(actual.clientes),
                clientes_anterior: int(anterior.clientes),
                cuentas_actual: int(actual.cuentas),
                cuentas_anterior: int(anterior.cuentas),
                saldo_actual: round2(actual.deuda),
                saldo_anterior: round2(anterior.deuda),
                ticket_promedio_actual: actual.ticket(),
                ticket_promedio_anterior: anterior.ticket(),
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.saldo_actual
            .total_cmp(&a.saldo_actual)
            .then_with(|| a.id.cmp(&b.id))
    });
    rows
}
