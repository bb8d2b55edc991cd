//! The productivity view (DOMAIN §10 "Productivity"): human agents over a date range, from
//! productivity_data; the hourly trend comes from operation_data (canal CALL), or from
//! aux_gestiones when one agent is selected (operation_data has no agent).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use serde::{Deserialize, Serialize};

use super::kpi::{pct, round2};
use super::sql::{Params, dialect, fetch, flag, int as int_column, sum_float, sum_int};
use super::{ViewError, check_range, days_before, int};

/// Working hours of the hourly trend (§10: 07–20 Lima).
const FIRST_HOUR: i32 = 7;
const LAST_HOUR: i32 = 20;

#[derive(Debug, Clone, Default)]
pub struct ProductivityArgs {
    pub fecha_inicio: Option<NaiveDate>,
    pub fecha_fin: Option<NaiveDate>,
    pub agente: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductivityQuery {
    pub fecha_inicio: NaiveDate,
    pub fecha_fin: NaiveDate,
    /// correo_agente or exact nombre_agente; trimmed, blank means none.
    pub agente: Option<String>,
}

impl ProductivityArgs {
    pub fn resolve(self, today: NaiveDate) -> Result<ProductivityQuery, ViewError> {
        let fecha_fin = self.fecha_fin.unwrap_or(today);
        // "The last 30 days": 30 days including fechaFin.
        let fecha_inicio = self
            .fecha_inicio
            .unwrap_or_else(|| days_before(fecha_fin, 29));
        check_range(fecha_inicio, fecha_fin)?;
        let agente = self
            .agente
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty());
        Ok(ProductivityQuery {
            fecha_inicio,
            fecha_fin,
            agente,
        })
    }
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProductivityTrendPoint {
    pub day: Option<i32>,
    pub hour: Option<String>,
    pub llamadas: i32,
    pub compromisos: i32,
    pub recupero: Option<f64>,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentRankingRow {
    pub id: String,
    pub agent_name: String,
    pub calls: i32,
    pub direct_contacts: i32,
    pub commitments: i32,
    pub amount_recovered: f64,
    pub closing_rate: f64,
    pub commitment_conversion: f64,
    pub rank: i32,
    pub quartile: i32,
}

/// One agent-day of the heatmap; a 0 figure is shown as null (§10).
#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentDailyPerformance {
    pub gestiones: Option<i32>,
    pub contactos_efectivos: Option<i32>,
    pub compromisos: Option<i32>,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AgentHeatmapRow {
    pub id: String,
    pub dni: String,
    pub agent_name: String,
    /// Keyed by the day index k = (fecha_foto − fechaInicio) + 1 as a string, every day of the
    /// range present, null on days without a row.
    pub daily_performance: async_graphql::Json<BTreeMap<String, Option<AgentDailyPerformance>>>,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ProductivityData {
    pub daily_trend: Vec<ProductivityTrendPoint>,
    pub hourly_trend: Vec<ProductivityTrendPoint>,
    pub agent_ranking: Vec<AgentRankingRow>,
    pub agent_heatmap: Vec<AgentHeatmapRow>,
}

pub async fn load(
    db: &impl ConnectionTrait,
    query: &ProductivityQuery,
) -> Result<ProductivityData, ViewError> {
    let agents = fetch_agents(db, query).await?;
    let agent_days = fetch_agent_days(db, query).await?;
    Ok(ProductivityData {
        daily_trend: daily_trend(db, query).await?,
        hourly_trend: hourly_trend(db, query).await?,
        agent_heatmap: heatmap(&agents, agent_days, query),
        agent_ranking: ranking(agents),
    })
}

/// Sums of productivity_data rows.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    gestiones: i64,
    efectivos: i64,
    pdp: i64,
    recuperado: f64,
}

impl Sums {
    const SELECT: [(&str, &str); 3] = [
        ("m.total_gestiones", "gestiones"),
        ("m.contactos_efectivos", "efectivos"),
        ("m.total_pdp", "pdp"),
    ];

    fn select() -> String {
        let ints = Self::SELECT.iter().map(|(e, a)| sum_int(e, a));
        let money = sum_float("m.monto_recuperado", "recuperado");
        ints.chain([money]).collect::<Vec<_>>().join(", ")
    }

    fn from_row(row: &QueryResult) -> Result<Self, DbErr> {
        Ok(Self {
            gestiones: row.try_get("", "gestiones")?,
            efectivos: row.try_get("", "efectivos")?,
            pdp: row.try_get("", "pdp")?,
            recuperado: row.try_get("", "recuperado")?,
        })
    }
}

/// The range and agent predicate over productivity_data `m`, binding into `p`.
fn selection(p: &mut Params, query: &ProductivityQuery) -> String {
    let desde = p.bind(query.fecha_inicio);
    let hasta = p.bind(query.fecha_fin);
    let mut sql = format!("m.fecha_foto >= {desde} AND m.fecha_foto <= {hasta}");
    if let Some(agente) = &query.agente {
        let (correo, nombre) = (p.bind(agente.clone()), p.bind(agente.clone()));
        sql.push_str(&format!(
            " AND (m.correo_agente = {correo} OR m.nombre_agente = {nombre})"
        ));
    }
    sql
}

/// The day index k of `fecha_foto` (1 = fechaInicio), computed in SQL.
fn day_index(p: &mut Params, db: &impl ConnectionTrait, query: &ProductivityQuery) -> String {
    let inicio = p.bind(query.fecha_inicio);
    let days = dialect(db).days_between("m.fecha_foto", &inicio);
    format!("CAST({days} + 1 AS BIGINT)")
}

async fn daily_trend(
    db: &impl ConnectionTrait,
    query: &ProductivityQuery,
) -> Result<Vec<ProductivityTrendPoint>, ViewError> {
    let mut p = Params::default();
    let day = day_index(&mut p, db, query);
    let filter = selection(&mut p, query);
    let sql = format!(
        "SELECT {day} AS dia, {sums} FROM productivity_data m WHERE {filter}
GROUP BY m.fecha_foto ORDER BY m.fecha_foto",
        sums = Sums::select(),
    );
    fetch(db, &sql, p)
        .await?
        .iter()
        .map(|row| {
            let s = Sums::from_row(row)?;
            Ok(ProductivityTrendPoint {
                day: Some(int_column(row, "dia")?),
                hour: None,
                llamadas: int(s.gestiones),
                compromisos: int(s.pdp),
                recupero: Some(round2(s.recuperado)),
            })
        })
        .collect()
}

/// Calls and PDPs per Lima hour 07–20, every hour present (the chart's fixed axis).
async fn hourly_trend(
    db: &impl ConnectionTrait,
    query: &ProductivityQuery,
) -> Result<Vec<ProductivityTrendPoint>, ViewError> {
    let mut p = Params::default();
    let sql = hourly_sql(&mut p, query);
    let mut by_hour: BTreeMap<i32, (i32, i32)> = BTreeMap::new();
    for row in fetch(db, &sql, p).await? {
        let counts = (
            int_column(&row, "llamadas")?,
            int_column(&row, "compromisos")?,
        );
        by_hour.insert(int_column(&row, "hora")?, counts);
    }
    Ok((FIRST_HOUR..=LAST_HOUR)
        .map(|hour| {
            let (llamadas, compromisos) = by_hour.get(&hour).copied().unwrap_or_default();
            ProductivityTrendPoint {
                day: None,
                hour: Some(format!("{hour:02}:00")),
                llamadas,
                compromisos,
                recupero: None,
            }
        })
        .collect())
}

fn hourly_sql(p: &mut Params, query: &ProductivityQuery) -> String {
    let desde = p.bind(query.fecha_inicio);
    let hasta = p.bind(query.fecha_fin);
    let (first, last) = (p.bind(FIRST_HOUR), p.bind(LAST_HOUR));
    match &query.agente {
        None => format!(
            "SELECT CAST(o.hora AS BIGINT) AS hora, {llamadas}, {compromisos}
FROM operation_data o
WHERE o.canal = 'CALL' AND o.fecha_foto >= {desde} AND o.fecha_foto <= {hasta}
    AND o.hora >= {first} AND o.hora <= {last}
GROUP BY o.hora",
            llamadas = sum_int("o.total_gestiones", "llamadas"),
            compromisos = sum_int("o.total_pdp", "compromisos"),
        ),
        Some(agente) => {
            let (correo, nombre) = (p.bind(agente.clone()), p.bind(agente.clone()));
            format!(
                "SELECT CAST(g.hora AS BIGINT) AS hora, {llamadas}, {compromisos}
FROM aux_gestiones g
WHERE g.canal = 'CALL' AND g.fecha_gestion >= {desde} AND g.fecha_gestion <= {hasta}
    AND g.hora >= {first} AND g.hora <= {last}
    AND (g.correo_agente = {correo} OR g.nombre_agente = {nombre})
GROUP BY g.hora",
                llamadas = sum_int("1", "llamadas"),
                compromisos = sum_int(&flag("g.es_compromiso"), "compromisos"),
            )
        }
    }
}

/// One agent over the whole range.
#[derive(Debug, Clone)]
struct Agent {
    id: String,
    name: String,
    dni: String,
    sums: Sums,
}

impl Agent {
    /// §10 ranking score over the range's raw counts.
    fn score(&self) -> f64 {
        0.40 * self.sums.gestiones as f64
            + 0.35 * self.sums.efectivos as f64
            + 0.25 * self.sums.pdp as f64
    }
}

/// Agents of the range, in ranking order: score desc, then calls desc, then name, then id.
async fn fetch_agents(
    db: &impl ConnectionTrait,
    query: &ProductivityQuery,
) -> Result<Vec<Agent>, ViewError> {
    let mut p = Params::default();
    let filter = selection(&mut p, query);
    let sql = format!(
        "SELECT m.correo_agente AS id, MAX(m.nombre_agente) AS nombre, MAX(m.dni_agente) AS dni,
    {sums}
FROM productivity_data m WHERE {filter}
GROUP BY m.correo_agente",
        sums = Sums::select(),
    );
    let mut agents = fetch(db, &sql, p)
        .await?
        .iter()
        .map(|row| {
            let id: String = row.try_get("", "id")?;
            let name: Option<String> = row.try_get("", "nombre")?;
            let dni: Option<String> = row.try_get("", "dni")?;
            Ok(Agent {
                name: name.unwrap_or_else(|| id.clone()),
                dni: dni.unwrap_or_else(|| "SIN_DNI".to_owned()),
                sums: Sums::from_row(row)?,
                id,
            })
        })
        .collect::<Result<Vec<_>, DbErr>>()?;
    agents.sort_by(|a, b| {
        b.score()
            .total_cmp(&a.score())
            .then_with(|| b.sums.gestiones.cmp(&a.sums.gestiones))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.id.cmp(&b.id))
    });
    Ok(agents)
}

fn ranking(agents: Vec<Agent>) -> Vec<AgentRankingRow> {
    let n = agents.len();
    agents
        .into_iter()
        .enumerate()
        .map(|(i, agent)| {
            let rank = i + 1;
            let s = agent.sums;
            AgentRankingRow {
                id: agent.id,
                agent_name: agent.name,
                calls: int(s.gestiones),
                direct_contacts: int(s.efectivos),
                commitments: int(s.pdp),
                amount_recovered: round2(s.recuperado),
                closing_rate: pct(s.pdp as f64, s.gestiones as f64),
                commitment_conversion: pct(s.pdp as f64, s.efectivos as f64),
                rank: int(rank as i64),
                // ceil(4 · rank / n); n ≥ rank ≥ 1 here.
                quartile: int(((4 * rank).div_ceil(n)) as i64),
            }
        })
        .collect()
}

/// Per agent, the sums of each day index that has rows.
type AgentDays = BTreeMap<String, BTreeMap<i64, Sums>>;

async fn fetch_agent_days(
    db: &impl ConnectionTrait,
    query: &ProductivityQuery,
) -> Result<AgentDays, ViewError> {
    let mut p = Params::default();
    let day = day_index(&mut p, db, query);
    let filter = selection(&mut p, query);
    let sql = format!(
        "SELECT m.correo_agente AS id, {day} AS dia, {sums}
FROM productivity_data m WHERE {filter}
GROUP BY m.correo_agente, m.fecha_foto",
        sums = Sums::select(),
    );
    let mut days = AgentDays::new();
    for row in fetch(db, &sql, p).await? {
        let id: String = row.try_get("", "id")?;
        let dia: i64 = row.try_get("", "dia")?;
        days.entry(id)
            .or_default()
            .insert(dia, Sums::from_row(&row)?);
    }
    Ok(days)
}

fn heatmap(agents: &[Agent], days: AgentDays, query: &ProductivityQuery) -> Vec<AgentHeatmapRow> {
    let span = (query.fecha_fin - query.fecha_inicio).num_days() + 1;
    agents
        .iter()
        .map(|agent| {
            let own = days.get(&agent.id);
            let daily = (1..=span)
                .map(|k| {
                    let cell = own.and_then(|d| d.get(&k)).map(daily_performance);
                    (k.to_string(), cell)
                })
                .collect();
            AgentHeatmapRow {
                id: agent.id.clone(),
                dni: agent.dni.clone(),
                agent_name: agent.name.clone(),
                daily_performance: async_graphql::Json(daily),
            }
        })
        .collect()
}

fn daily_performance(s: &Sums) -> AgentDailyPerformance {
    let non_zero = |v: i64| (v != 0).then(|| int(v));
    AgentDailyPerformance {
        gestiones: non_zero(s.gestiones),
        contactos_efectivos: non_zero(s.efectivos),
        compromisos: non_zero(s.pdp),
    }
}
