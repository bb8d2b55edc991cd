//! The operation view (DOMAIN §10 "Operation"): one Lima day of interactions from
//! operation_data, with the distinct-client, distinct-account and attempt figures that only the
//! aux tables hold (operation_data rows are additive; distinct counts are not).

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use serde::{Deserialize, Serialize};

use super::kpi::{pct, ratio, thousands};
use super::sql::{Params, fetch, flag, int as int_column, sum_int};
use super::{ViewError, int};

#[derive(Debug, Clone, Default)]
pub struct OperationArgs {
    pub fecha: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperationQuery {
    pub fecha: NaiveDate,
}

impl OperationArgs {
    pub fn resolve(self, today: NaiveDate) -> Result<OperationQuery, ViewError> {
        Ok(OperationQuery {
            fecha: self.fecha.unwrap_or(today),
        })
    }
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[graphql(name = "OperationDayKPI")]
#[serde(rename_all = "camelCase")]
pub struct OperationDayKpi {
    pub label: String,
    pub value: String,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ChannelMetric {
    pub channel: String,
    pub calls: i32,
    pub effective_contacts: i32,
    pub non_effective_contacts: i32,
    pub pdp: i32,
    pub cierre_rate: f64,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HourlyPerformance {
    pub hour: String,
    pub effective_contacts: i32,
    pub non_effective_contacts: i32,
    pub pdp: i32,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AttemptEffectiveness {
    pub attempt: i32,
    pub cierre_rate: f64,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct QueuePerformance {
    pub queue_name: String,
    pub calls: i32,
    pub effective_contacts: i32,
    pub pdp: i32,
    pub cierre_rate: f64,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct OperationDayAnalysisData {
    pub kpis: Vec<OperationDayKpi>,
    pub channel_performance: Vec<ChannelMetric>,
    pub hourly_performance: Vec<HourlyPerformance>,
    pub attempt_effectiveness: Vec<AttemptEffectiveness>,
    pub queue_performance: Vec<QueuePerformance>,
}

pub async fn load(
    db: &impl ConnectionTrait,
    query: &OperationQuery,
) -> Result<OperationDayAnalysisData, ViewError> {
    let channels = grouped(db, query, "canal").await?;
    let queues = grouped(db, query, "archivo").await?;
    let hours = grouped(db, query, "hora").await?;
    let distinct = fetch_distinct(db, query).await?;
    let mut total = Sums::default();
    channels.iter().for_each(|(_, s)| total.add(s));
    Ok(OperationDayAnalysisData {
        kpis: kpis(&total, &distinct),
        channel_performance: channel_performance(channels),
        hourly_performance: hourly_performance(hours),
        attempt_effectiveness: attempt_effectiveness(db, query).await?,
        queue_performance: queue_performance(queues),
    })
}

/// Summed operation_data counters of one group.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    calls: i64,
    effective: i64,
    non_effective: i64,
    pdp: i64,
}

impl Sums {
    fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            calls: row.try_get("", "calls")?,
            effective: row.try_get("", "effective")?,
            non_effective: row.try_get("", "non_effective")?,
            pdp: row.try_get("", "pdp")?,
        })
    }

    fn add(&mut self, other: &Self) {
        self.calls += other.calls;
        self.effective += other.effective;
        self.non_effective += other.non_effective;
        self.pdp += other.pdp;
    }

    /// 100 · pdp / effective contacts.
    fn cierre_rate(&self) -> f64 {
        pct(self.pdp as f64, self.effective as f64)
    }
}

/// The day's operation_data summed per `column` (canal, archivo or hora), as text keys.
async fn grouped(
    db: &impl ConnectionTrait,
    query: &OperationQuery,
    column: &str,
) -> Result<Vec<(String, Sums)>, ViewError> {
    let mut p = Params::default();
    let fecha = p.bind(query.fecha);
    let sql = format!(
        "SELECT CAST(m.{column} AS TEXT) AS grupo, {calls}, {effective}, {non_effective}, {pdp}
FROM operation_data m WHERE m.fecha_foto = {fecha}
GROUP BY m.{column}",
        calls = sum_int("m.total_gestiones", "calls"),
        effective = sum_int("m.contactos_efectivos", "effective"),
        non_effective = sum_int("m.contactos_no_efectivos", "non_effective"),
        pdp = sum_int("m.total_pdp", "pdp"),
    );
    fetch(db, &sql, p)
        .await?
        .iter()
        .map(|row| Ok((row.try_get("", "grupo")?, Sums::from_row(row)?)))
        .collect()
}

/// Distinct clients with a gestión and distinct (archivo, cuenta) managed that day.
struct Distinct {
    clientes: i64,
    cuentas: i64,
}

async fn fetch_distinct(
    db: &impl ConnectionTrait,
    query: &OperationQuery,
) -> Result<Distinct, ViewError> {
    let mut p = Params::default();
    let (dia_g, dia_c) = (p.bind(query.fecha), p.bind(query.fecha));
    // SQLite has no COUNT(DISTINCT a, b), hence the DISTINCT sub-select for the accounts.
    let sql = format!(
        "SELECT
    (SELECT CAST(COUNT(DISTINCT g.cod_luna) AS BIGINT) FROM aux_gestiones g
        WHERE g.fecha_gestion = {dia_g}) AS clientes,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT DISTINCT gc.archivo, gc.cuenta
        FROM aux_gestion_cuenta gc WHERE gc.fecha_gestion = {dia_c}) t) AS cuentas"
    );
    let rows = fetch(db, &sql, p).await?;
    let row = rows
        .first()
        .ok_or_else(|| DbErr::RecordNotFound("distinct counts".to_owned()))?;
    Ok(Distinct {
        clientes: row.try_get("", "clientes")?,
        cuentas: row.try_get("", "cuentas")?,
    })
}

fn kpis(total: &Sums, distinct: &Distinct) -> Vec<OperationDayKpi> {
    let calls = total.calls as f64;
    let percent = |value: f64| format!("{value:.1}%");
    [
        ("Total Llamadas", thousands(total.calls)),
        (
            "Tasa de Contacto",
            percent(pct((total.effective + total.non_effective) as f64, calls)),
        ),
        (
            "Contacto Directo",
            percent(pct(total.effective as f64, calls)),
        ),
        ("Tasa de Cierre", percent(total.cierre_rate())),
        (
            "Intensidad",
            format!("{:.1}", ratio(calls, distinct.clientes as f64)),
        ),
        ("Cuentas Gestionadas", thousands(distinct.cuentas)),
    ]
    .into_iter()
    .map(|(label, value)| OperationDayKpi {
        label: label.to_owned(),
        value,
    })
    .collect()
}

/// The API label of a stored canal (§4), and its place in the list: Voicebot first.
fn channel_label(canal: &str) -> (u8, String) {
    match canal {
        "VOICEBOT" => (0, "Voicebot".to_owned()),
        "CALL" => (1, "Call Center".to_owned()),
        other => (2, other.to_owned()),
    }
}

fn channel_performance(channels: Vec<(String, Sums)>) -> Vec<ChannelMetric> {
    let mut labelled: Vec<((u8, String), Sums)> = channels
        .into_iter()
        .map(|(canal, sums)| (channel_label(&canal), sums))
        .collect();
    labelled.sort_by(|a, b| a.0.cmp(&b.0));
    labelled
        .into_iter()
        .map(|((_, channel), s)| ChannelMetric {
            channel,
            calls: int(s.calls),
            effective_contacts: int(s.effective),
            non_effective_contacts: int(s.non_effective),
            pdp: int(s.pdp),
            cierre_rate: s.cierre_rate(),
        })
        .collect()
}

/// Hours with activity, ascending, as "HH:00".
fn hourly_performance(hours: Vec<(String, Sums)>) -> Vec<HourlyPerformance> {
    let mut numbered: Vec<(u32, Sums)> = hours
        .into_iter()
        .filter_map(|(hora, sums)| hora.trim().parse::<u32>().ok().map(|h| (h, sums)))
        .collect();
    numbered.sort_by_key(|(hour, _)| *hour);
    numbered
        .into_iter()
        .map(|(hour, s)| HourlyPerformance {
            hour: format!("{hour:02}:00"),
            effective_contacts: int(s.effective),
            non_effective_contacts: int(s.non_effective),
            pdp: int(s.pdp),
        })
        .collect()
}

fn queue_performance(queues: Vec<(String, Sums)>) -> Vec<QueuePerformance> {
    let mut rows: Vec<QueuePerformance> = queues
        .into_iter()
        .map(|(queue_name, s)| QueuePerformance {
            queue_name,
            calls: int(s.calls),
            effective_contacts: int(s.effective),
            pdp: int(s.pdp),
            cierre_rate: s.cierre_rate(),
        })
        .collect();
    rows.sort_by(|a, b| {
        b.calls
            .cmp(&a.calls)
            .then_with(|| a.queue_name.cmp(&b.queue_name))
    });
    rows
}

/// PDP per effective gestión by attempt, intento bucketed 1–5 (5 = fifth or later).
async fn attempt_effectiveness(
    db: &impl ConnectionTrait,
    query: &OperationQuery,
) -> Result<Vec<AttemptEffectiveness>, ViewError> {
    let mut p = Params::default();
    let fecha = p.bind(query.fecha);
    let bucket = "CASE WHEN g.intento >= 5 THEN 5 WHEN g.intento < 1 THEN 1 ELSE g.intento END";
    let sql = format!(
        "SELECT CAST({bucket} AS BIGINT) AS attempt, {effective}, {pdp}
FROM aux_gestiones g WHERE g.fecha_gestion = {fecha}
GROUP BY {bucket} ORDER BY 1",
        effective = sum_int(&flag("g.es_contacto_efectivo"), "effective"),
        pdp = sum_int(&flag("g.es_compromiso"), "pdp"),
    );
    fetch(db, &sql, p)
        .await?
        .iter()
        .map(|row| {
            let (effective, pdp): (i64, i64) =
                (row.try_get("", "effective")?, row.try_get("", "pdp")?);
            Ok(AttemptEffectiveness {
                attempt: int_column(row, "attempt")?,
                cierre_rate: pct(pdp as f64, effective as f64),
            })
        })
        .collect()
}
