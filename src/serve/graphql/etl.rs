//! The ETL as operators see it: each table's state, the configuration, and the execution log
//! as a cursor connection. Nested lookups (a run's steps, a step's table) go through
//! DataLoaders, so a page of runs costs a fixed number of statements, not one per row.

use std::{collections::HashMap, sync::Arc};

use async_graphql::{
    ComplexObject, Context, ID, Object, Result, SimpleObject,
    connection::{Connection, Edge},
    dataloader::{DataLoader, Loader},
};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use super::{ApiData, error::ApiError, guard::RequireRole};
use crate::{
    auth::Role,
    entities::control::{etl_execution_log as log, etl_watermarks as marks},
    pipeline::{bookkeeping::RUN_PIPELINE, plan},
    tables::{self, TableSpec},
};

const DEFAULT_PAGE_SIZE: usize = 20;

/// A source table's extraction state (`etl_watermarks`).
#[derive(Clone, Debug, SimpleObject)]
pub struct EtlTableStatus {
    pub table_name: String,
    /// `never_run`, `running`, `success`, `failed`, …
    pub status: String,
    pub last_extracted_value: Option<DateTime<Utc>>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub records_extracted: Option<i32>,
    pub duration_seconds: Option<f64>,
    pub error_message: Option<String>,
    pub last_run_id: Option<ID>,
    pub heartbeat_at: Option<DateTime<Utc>>,
}

impl EtlTableStatus {
    fn never_run(table: &str) -> Self {
        Self {
            table_name: table.to_owned(),
            status: "never_run".into(),
            last_extracted_value: None,
            last_success_at: None,
            records_extracted: None,
            duration_seconds: None,
            error_message: None,
            last_run_id: None,
            heartbeat_at: None,
        }
    }
}

impl From<marks::Model> for EtlTableStatus {
    fn from(mark: marks::Model) -> Self {
        Self {
            table_name: mark.table_name,
            status: mark.last_extraction_status,
            last_extracted_value: mark.last_extracted_value,
            last_success_at: mark.last_success_at,
            records_extracted: mark.records_extracted,
            duration_seconds: mark.extraction_duration_seconds,
            error_message: mark.error_message,
            last_run_id: mark.extraction_id.map(|id| ID(id.to_string())),
            heartbeat_at: mark.heartbeat_at,
        }
    }
}

/// One run (the run-level row of `etl_execution_log`).
#[derive(Clone, Debug, SimpleObject)]
#[graphql(complex)]
pub struct EtlRun {
    pub run_id: ID,
    /// `running`, `success`, `partial_success`, `failed`, `cancelled`.
    pub status: String,
    pub execution_type: Option<String>,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub duration_seconds: Option<f64>,
    pub error_message: Option<String>,
    #[graphql(skip)]
    execution_id: Uuid,
}

/// One table load or build step of a run.
#[derive(Clone, Debug, SimpleObject)]
#[graphql(complex)]
pub struct EtlRunStep {
    /// `raw_extraction`, `aux_build` or `mart_build`.
    pub pipeline_name: String,
    pub table_name: Option<String>,
    pub mode: Option<String>,
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub completed_at: Option<DateTime<Utc>>,
    pub duration_seconds: Option<f64>,
    pub records_extracted: Option<i32>,
    pub records_inserted: Option<i32>,
    pub records_updated: Option<i32>,
    pub records_skipped: Option<i32>,
    pub error_message: Option<String>,
}

impl From<log::Model> for EtlRun {
    fn from(row: log::Model) -> Self {
        Self {
            run_id: ID(row.execution_id.to_string()),
            status: row.status,
            execution_type: row.execution_type,
            started_at: row.started_at,
            completed_at: row.completed_at,
            duration_seconds: row.duration_seconds,
            error_message: row.error_message,
            execution_id: row.execution_id,
        }
    }
}

impl From<log::Model> for EtlRunStep {
    fn from(row: log::Model) -> Self {
        Self {
            pipeline_name: row.pipeline_name,
            table_name: row.table_name,
            mode: row.extraction_mode,
            status: row.status,
            started_at: row.started_at,
            completed_at: row.completed_at,
            duration_seconds: row.duration_seconds,
            records_extracted: row.records_extracted,
            records_inserted: row.records_inserted,
            records_updated: row.records_updated,
            records_skipped: row.records_skipped,
            error_message: row.error_message,
        }
    }
}

#[ComplexObject]
impl EtlRun {
    /// The run's table loads and build steps, in the order they started.
    async fn steps(&self, ctx: &Context<'_>) -> Result<Vec<EtlRunStep>> {
        let loader = ctx.data_unchecked::<DataLoader<StepsLoader>>();
        let steps = loader
            .load_one(self.execution_id)
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(steps.unwrap_or_default())
    }
}

#[ComplexObject]
impl EtlRunStep {
    /// The source table's current state, for raw loads.
    async fn table(&self, ctx: &Context<'_>) -> Result<Option<EtlTableStatus>> {
        let Some(name) = self
            .table_name
            .as_deref()
            .filter(|n| tables::find(n).is_some())
        else {
            return Ok(None);
        };
        let loader = ctx.data_unchecked::<DataLoader<TableStatusLoader>>();
        let mark = loader
            .load_one(name.to_owned())
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(Some(
            mark.unwrap_or_else(|| EtlTableStatus::never_run(name)),
        ))
    }
}

/// A table's extraction settings: the catalogue's, with configured overrides.
#[derive(Clone, Debug, SimpleObject)]
pub struct EtlTableConfig {
    pub name: String,
    pub raw_table: String,
    pub primary_key: Vec<String>,
    pub incremental_column: Option<String>,
    /// `incremental` or `full_refresh`.
    pub default_mode: String,
    pub lookback_days: i32,
    pub batch_size: i32,
    pub refresh_hours: i32,
    pub initial_load_from: String,
}

#[derive(Clone, Debug, SimpleObject)]
pub struct EtlConfigView {
    pub max_concurrent: i32,
    pub attempts: i32,
    pub stale_after_mins: i32,
    pub tables: Vec<EtlTableConfig>,
}

#[derive(Clone, Debug, SimpleObject)]
pub struct EtlStatus {
    /// The run going on in this process, if any.
    pub active_run_id: Option<ID>,
    /// Every source table, in catalogue order.
    pub tables: Vec<EtlTableStatus>,
    pub last_run: Option<EtlRun>,
}

#[derive(Default)]
pub struct EtlQuery;

#[Object]
impl EtlQuery {
    /// Every table's state, the active run and the latest run.
    #[graphql(guard = "RequireRole(Role::Viewer)")]
    async fn etl_status(&self, ctx: &Context<'_>) -> Result<EtlStatus> {
        let data = ApiData::of(ctx);
        let mut marks: HashMap<String, EtlTableStatus> = marks::Entity::find()
            .all(&data.db)
            .await
            .map_err(ApiError::from)?
            .into_iter()
            .map(|m| (m.table_name.clone(), m.into()))
            .collect();
        let tables = tables::ALL
            .iter()
            .map(|t| {
                marks
                    .remove(t.name)
                    .unwrap_or_else(|| EtlTableStatus::never_run(t.name))
            })
            .collect();
        let last_run = runs_page(&data.db, None, 1).await?.into_iter().next();
        Ok(EtlStatus {
            active_run_id: data.runs.active().map(|id| ID(id.to_string())),
            tables,
            last_run: last_run.map(Into::into),
        })
    }

    /// One source table's state.
    #[graphql(guard = "RequireRole(Role::Viewer)")]
    async fn etl_table(&self, ctx: &Context<'_>, name: String) -> Result<EtlTableStatus> {
        let table = known_table(&name)?;
        let mark = marks::Entity::find_by_id(table.name.to_owned())
            .one(&ApiData::of(ctx).db)
            .await
            .map_err(ApiError::from)?;
        Ok(mark.map_or_else(|| EtlTableStatus::never_run(table.name), Into::into))
    }

    /// Runs, newest first: `first` (at most `api.max_page_size`) after the cursor `after`.
    #[graphql(guard = "RequireRole(Role::Viewer)")]
    async fn etl_runs(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, EtlRun>> {
        let data = ApiData::of(ctx);
        let first = page_size(first, data.max_page_size)?;
        let after = after
            .map(|cursor| {
                cursor.parse::<i64>().map_err(|_| {
                    ApiError::BadInput(format!("{cursor:?} is not a cursor from etlRuns"))
                })
            })
            .transpose()?;
        let mut rows = runs_page(&data.db, after, first + 1).await?;
        let has_next_page = rows.len() > first;
        rows.truncate(first);
        let mut connection = Connection::new(after.is_some(), has_next_page);
        connection.edges.extend(
            rows.into_iter()
                .map(|row| Edge::new(row.id.to_string(), EtlRun::from(row))),
        );
        Ok(connection)
    }

    /// The ETL's effective configuration.
    #[graphql(guard = "RequireRole(Role::Viewer)")]
    async fn etl_config(&self, ctx: &Context<'_>) -> EtlConfigView {
        let config = ApiData::of(ctx).runs.pipeline().config();
        EtlConfigView {
            max_concurrent: saturate(config.max_concurrent),
            attempts: saturate(config.attempts as usize),
            stale_after_mins: saturate(config.stale_after().as_secs().div_ceil(60) as usize),
            tables: tables::ALL
                .iter()
                .map(|table| {
                    let settings = plan::settings(table, config);
                    EtlTableConfig {
                        name: table.name.into(),
                        raw_table: table.raw_table.into(),
                        primary_key: table.primary_key.iter().map(|c| (*c).into()).collect(),
                        incremental_column: table.incremental.map(Into::into),
                        default_mode: table.mode.as_str().into(),
                        lookback_days: saturate(settings.lookback_days as usize),
                        batch_size: saturate(settings.batch_size),
                        refresh_hours: saturate(settings.refresh_hours as usize),
                        initial_load_from: settings.initial_load_from.to_string(),
                    }
                })
                .collect(),
        }
    }
}

/// The catalogue entry named `name`, or NOT_FOUND listing the known ones.
pub fn known_table(name: &str) -> Result<&'static TableSpec, ApiError> {
    tables::named(name).map_err(|unknown| ApiError::NotFound(unknown.to_string()))
}

fn page_size(first: Option<i32>, max: usize) -> Result<usize, ApiError> {
    match first {
        None => Ok(DEFAULT_PAGE_SIZE.min(max)),
        Some(n) if n >= 1 && n as usize <= max => Ok(n as usize),
        Some(n) => Err(ApiError::BadInput(format!(
            "first must be from 1 to {max}, not {n}"
        ))),
    }
}

fn saturate(value: usize) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// Run-level log rows, newest first, older than the cursor row `after`.
async fn runs_page(
    db: &DatabaseConnection,
    after: Option<i64>,
    limit: usize,
) -> Result<Vec<log::Model>, ApiError> {
    let mut query = log::Entity::find()
        .filter(log::Column::PipelineName.eq(RUN_PIPELINE))
        .filter(log::Column::TableName.is_null());
    if let Some(after) = after {
        query = query.filter(log::Column::Id.lt(after));
    }
    Ok(query
        .order_by_desc(log::Column::Id)
        .limit(limit as u64)
        .all(db)
        .await?)
}

/// A run's steps, for many runs in one statement.
pub struct StepsLoader(pub DatabaseConnection);

impl Loader<Uuid> for StepsLoader {
    type Value = Vec<EtlRunStep>;
    type Error = Arc<DbErr>;

    async fn load(&self, runs: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = log::Entity::find()
            .filter(log::Column::ExecutionId.is_in(runs.iter().copied()))
            .filter(log::Column::TableName.is_not_null())
            .order_by_asc(log::Column::Id)
            .all(&self.0)
            .await?;
        let mut steps: HashMap<Uuid, Vec<EtlRunStep>> = HashMap::new();
        for row in rows {
            steps.entry(row.execution_id).or_default().push(row.into());
        }
        Ok(steps)
    }
}

/// Tables' states, for many tables in one statement.
pub struct TableStatusLoader(pub DatabaseConnection);

impl Loader<String> for TableStatusLoader {
    type Value = EtlTableStatus;
    type Error = Arc<DbErr>;

    async fn load(&self, names: &[String]) -> Result<HashMap<String, Self::Value>, Self::Error> {
        Ok(marks::Entity::find()
            .filter(marks::Column::TableName.is_in(names.iter().cloned()))
            .all(&self.0)
            .await?
            .into_iter()
            .map(|m| (m.table_name.clone(), m.into()))
            .collect())
    }
}
