//! Operators' levers (admin role): start refreshes and backfills in the background, cancel a
//! run, fail stale runs, move a watermark.

use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    ApiData,
    error::ApiError,
    etl::{EtlTableStatus, known_table},
    guard::RequireRole,
    scalars::Date,
};
use crate::{
    auth::Role,
    entities::control::etl_watermarks as marks,
    pipeline::{Requested, RunRequest, bookkeeping},
    serve::runs::RunHandle,
    views::check_named_range,
};
use sea_orm::EntityTrait;

/// The run a request started, or the one already going.
#[derive(Clone, Debug, SimpleObject)]
pub struct RunStarted {
    pub run_id: ID,
    /// True when a run was already going: its id is returned and nothing new started.
    pub already_running: bool,
}

impl From<RunHandle> for RunStarted {
    fn from(handle: RunHandle) -> Self {
        Self {
            run_id: ID(handle.run_id.to_string()),
            already_running: handle.already_running,
        }
    }
}

#[derive(Clone, Debug, SimpleObject)]
pub struct CleanupResult {
    /// Tables whose stale `running` state was failed.
    pub tables: i32,
    /// Execution-log rows failed.
    pub log_rows: i32,
}

/// How `refreshTable` reads its table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Enum)]
pub enum RefreshMode {
    /// The table's catalogue mode.
    Default,
    Incremental,
    FullRefresh,
    SlidingWindow,
}

#[derive(Default)]
pub struct Mutation;

#[Object]
impl Mutation {
    /// Refreshes the dashboard: loads the source tables (all, or `tables`) and rebuilds the
    /// marts, in the background.
    #[graphql(guard = "RequireRole(Role::Admin)")]
    async fn refresh_dashboard(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] force: bool,
        tables: Option<Vec<String>>,
        max_concurrent: Option<i32>,
    ) -> Result<RunStarted> {
        let tables = tables
            .unwrap_or_default()
            .iter()
            .map(|name| known_table(name))
            .collect::<Result<Vec<_>, _>>()?;
        let max_concurrent = max_concurrent
            .map(|n| {
                usize::try_from(n).ok().filter(|n| *n >= 1).ok_or_else(|| {
                    ApiError::BadInput(format!("maxConcurrent must be at least 1, not {n}"))
                })
            })
            .transpose()?;
        start(
            ctx,
            RunRequest {
                tables,
                force,
                max_concurrent,
                ..RunRequest::default()
            },
        )
    }

    /// Loads one source table (and rebuilds what it feeds), in the background.
    #[graphql(guard = "RequireRole(Role::Admin)")]
    async fn refresh_table(
        &self,
        ctx: &Context<'_>,
        name: String,
        #[graphql(default_with = "RefreshMode::Default")] mode: RefreshMode,
        #[graphql(default)] force: bool,
    ) -> Result<RunStarted> {
        let table = known_table(&name)?;
        let requested = match mode {
            RefreshMode::Default => Requested::Default,
            RefreshMode::Incremental => Requested::Incremental,
            RefreshMode::FullRefresh => Requested::FullRefresh,
            RefreshMode::SlidingWindow => Requested::SlidingWindow { days: None },
        };
        start(
            ctx,
            RunRequest {
                tables: vec![table],
                requested,
                force,
                ..RunRequest::default()
            },
        )
    }

    /// Re-reads `table` for the days `from`–`to` (inclusive); never moves its watermark.
    #[graphql(guard = "RequireRole(Role::Admin)")]
    async fn backfill(
        &self,
        ctx: &Context<'_>,
        table: String,
        from: Date,
        to: Date,
    ) -> Result<RunStarted> {
        let table = known_table(&table)?;
        let (from, to) = (from.0, to.0);
        check_named_range(("from", from), ("to", to)).map_err(ApiError::from)?;
        start(
            ctx,
            RunRequest {
                tables: vec![table],
                requested: Requested::Backfill { from, to },
                force: true,
                ..RunRequest::default()
            },
        )
    }

    /// Stops the run `id` after the batch in flight.
    #[graphql(guard = "RequireRole(Role::Admin)")]
    async fn cancel_run(&self, ctx: &Context<'_>, id: ID) -> Result<bool> {
        let run_id = Uuid::parse_str(&id)
            .map_err(|_| ApiError::BadInput(format!("{:?} is not a run id", id.as_str())))?;
        if ApiData::of(ctx).runs.cancel(run_id) {
            Ok(true)
        } else {
            Err(ApiError::NotFound(format!("run {run_id} is not running on this server")).into())
        }
    }

    /// Fails runs and tables without a heartbeat for `etl.stale_after_mins`.
    #[graphql(guard = "RequireRole(Role::Admin)")]
    async fn cleanup_stale(&self, ctx: &Context<'_>) -> Result<CleanupResult> {
        let (tables, log_rows) = ApiData::of(ctx)
            .runs
            .pipeline()
            .cleanup_stale()
            .await
            .map_err(ApiError::from)?;
        Ok(CleanupResult {
            tables: i32::try_from(tables).unwrap_or(i32::MAX),
            log_rows: i32::try_from(log_rows).unwrap_or(i32::MAX),
        })
    }

    /// Sets `table`'s watermark to `to` (unset: the next incremental run is an initial load).
    #[graphql(guard = "RequireRole(Role::Admin)")]
    async fn reset_watermark(
        &self,
        ctx: &Context<'_>,
        table: String,
        to: Option<DateTime<Utc>>,
    ) -> Result<EtlTableStatus> {
        let table = known_table(&table)?;
        let db = &ApiData::of(ctx).db;
        if !bookkeeping::reset_watermark(db, table.name, to)
            .await
            .map_err(ApiError::from)?
        {
            return Err(ApiError::NotFound(format!(
                "{} has never been loaded: it has no watermark to reset",
                table.name
            ))
            .into());
        }
        let mark = marks::Entity::find_by_id(table.name.to_owned())
            .one(db)
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::Internal("watermark vanished after its update".into()))?;
        Ok(mark.into())
    }
}

fn start(ctx: &Context<'_>, request: RunRequest) -> Result<RunStarted> {
    match ApiData::of(ctx).runs.start(request) {
        Ok(handle) => Ok(handle.into()),
        Err(refused) => Err(ApiError::Unavailable(refused.to_string()).into()),
    }
}
