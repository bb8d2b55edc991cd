//! The dashboard's views: thin resolvers that validate arguments, then answer from the view
//! cache or, on a miss, from the marts (`crate::views`).

use std::future::Future;

use async_graphql::{Context, Object, Result};
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use serde::{Serialize, de::DeserializeOwned};

use super::{
    ApiData,
    error::ApiError,
    guard::RequireRole,
    scalars::{Date, day},
};
use crate::{
    auth::Role,
    views::{
        Dimension, ViewError, assignment, dashboard, dashboard::DashboardFilters, evolution,
        evolution::EvolutionMetricName, filters, operation, productivity,
    },
};

#[derive(Default)]
pub struct ViewsQuery;

#[Object]
impl ViewsQuery {
    /// Campaign KPIs at a cut-off day, grouped by a dimension, with totals.
    #[graphql(guard = "RequireRole(Role::Viewer)")]
    async fn dashboard(
        &self,
        ctx: &Context<'_>,
        filters: Option<DashboardFilters>,
        fecha_corte: Option<Date>,
        dimensions: Option<Vec<Dimension>>,
    ) -> Result<dashboard::DashboardData> {
        let args = dashboard::DashboardArgs {
            filters,
            fecha_corte: day(fecha_corte),
            dimensions,
        };
        cached(
            ctx,
            "dashboard",
            |today| args.resolve(today),
            |db, q| async move { dashboard::load(&db, &q).await },
        )
        .await
    }

    /// Metric series by management day, one series per value of the comparison dimension.
    #[graphql(guard = "RequireRole(Role::Viewer)")]
    // Each parameter is one of the query's GraphQL arguments (DOMAIN §10).
    #[allow(clippy::too_many_arguments)]
    async fn evolution(
        &self,
        ctx: &Context<'_>,
        cartera: Option<String>,
        servicio: Option<String>,
        fecha_inicio: Option<Date>,
        fecha_fin: Option<Date>,
        metrics: Option<Vec<EvolutionMetricName>>,
        comparison_dimension: Option<Dimension>,
    ) -> Result<Vec<evolution::EvolutionMetric>> {
        let args = evolution::EvolutionArgs {
            cartera,
            servicio,
            fecha_inicio: day(fecha_inicio),
            fecha_fin: day(fecha_fin),
            metrics,
            comparison_dimension,
        };
        cached(
            ctx,
            "evolution",
            |today| args.resolve(today),
            |db, q| async move { evolution::load(&db, &q).await },
        )
        .await
    }

    /// The assigned portfolio of one month against another.
    #[graphql(guard = "RequireRole(Role::Viewer)")]
    async fn assignment(
        &self,
        ctx: &Context<'_>,
        fecha_actual: Option<Date>,
        fecha_anterior: Option<Date>,
        cartera: Option<String>,
    ) -> Result<assignment::AssignmentAnalysisData> {
        let args = assignment::AssignmentArgs {
            fecha_actual: day(fecha_actual),
            fecha_anterior: day(fecha_anterior),
            cartera,
        };
        cached(
            ctx,
            "assignment",
            |today| args.resolve(today),
            |db, q| async move { assignment::load(&db, &q).await },
        )
        .await
    }

    /// One day of operation: channels, hours, attempts and queues.
    #[graphql(guard = "RequireRole(Role::Viewer)")]
    async fn operation(
        &self,
        ctx: &Context<'_>,
        fecha: Option<Date>,
    ) -> Result<operation::OperationDayAnalysisData> {
        let args = operation::OperationArgs { fecha: day(fecha) };
        cached(
            ctx,
            "operation",
            |today| args.resolve(today),
            |db, q| async move { operation::load(&db, &q).await },
        )
        .await
    }

    /// Agents' ranking, trends and daily heat map over a date range.
    #[graphql(guard = "RequireRole(Role::Viewer)")]
    async fn productivity(
        &self,
        ctx: &Context<'_>,
        fecha_inicio: Option<Date>,
        fecha_fin: Option<Date>,
        agente: Option<String>,
    ) -> Result<productivity::ProductivityData> {
        let args = productivity::ProductivityArgs {
            fecha_inicio: day(fecha_inicio),
            fecha_fin: day(fecha_fin),
            agente,
        };
        cached(
            ctx,
            "productivity",
            |today| args.resolve(today),
            |db, q| async move { productivity::load(&db, &q).await },
        )
        .await
    }

    /// The values the dashboard's filters offer.
    #[graphql(guard = "RequireRole(Role::Viewer)")]
    async fn filter_options(&self) -> filters::FilterOptions {
        filters::filter_options()
    }
}

/// The view's answer for the arguments `resolve` normalises (defaults from the source's
/// today), through the view cache keyed by the view and the normalised query.
async fn cached<Q, T, F, Fut>(
    ctx: &Context<'_>,
    view: &str,
    resolve: impl FnOnce(NaiveDate) -> Result<Q, ViewError>,
    load: F,
) -> Result<T>
where
    Q: Serialize + Clone + Send,
    T: Serialize + DeserializeOwned,
    F: FnOnce(DatabaseConnection, Q) -> Fut,
    Fut: Future<Output = Result<T, ViewError>>,
{
    let data = ApiData::of(ctx);
    let query = resolve(data.today()).map_err(ApiError::from)?;
    let key = query.clone();
    data.views
        .get_or_load(view, &key, || load(data.db.clone(), query))
        .await
        .map_err(|error| ApiError::from(error).into())
}
