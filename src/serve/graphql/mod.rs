//! The GraphQL API: the dashboard's views, the ETL's state, operators' mutations and live run
//! progress, behind bearer-token roles, depth and complexity limits and stable error codes.

mod error;
mod etl;
mod guard;
mod mutation;
mod responses;
mod scalars;
mod subscription;
mod views;
mod ws;

use std::{sync::Arc, time::Instant};

use async_graphql::{MergedObject, Schema, dataloader::DataLoader, http::GraphiQLSource};
use async_graphql_axum::{GraphQLRequest, GraphQLResponse};
use axum::{
    extract::State,
    http::{
        HeaderMap,
        header::{AUTHORIZATION, CONTENT_TYPE},
    },
    response::{Html, IntoResponse, Response},
};
use chrono::NaiveDate;
use sea_orm::DatabaseConnection;

pub use error::ErrorCode;
pub use guard::Caller;
pub use ws::websocket;

use super::{AppState, runs::Runs};
use crate::{cache::ViewCache, config::ApiConfig};

pub type PulsoSchema = Schema<Query, mutation::Mutation, subscription::Subscription>;

#[derive(MergedObject, Default)]
pub struct Query(views::ViewsQuery, etl::EtlQuery);

/// What every resolver reads from the schema's data.
pub struct ApiData {
    pub db: DatabaseConnection,
    pub views: Arc<ViewCache>,
    pub runs: Arc<Runs>,
    /// Progress of runs on this replica and, through Redis, on the others.
    pub feed: crate::pipeline::ProgressBus,
    pub max_page_size: usize,
}

impl ApiData {
    fn of<'a>(ctx: &async_graphql::Context<'a>) -> &'a Self {
        ctx.data_unchecked::<Self>()
    }

    /// The day views default to: the source's today.
    fn today(&self) -> NaiveDate {
        self.runs.pipeline().today()
    }
}

pub fn schema(data: ApiData, limits: &ApiConfig) -> PulsoSchema {
    let steps = DataLoader::new(etl::StepsLoader(data.db.clone()), tokio::spawn);
    let tables = DataLoader::new(etl::TableStatusLoader(data.db.clone()), tokio::spawn);
    Schema::build(
        Query::default(),
        mutation::Mutation,
        subscription::Subscription,
    )
    .data(data)
    .data(steps)
    .data(tables)
    .limit_depth(limits.max_depth)
    .limit_complexity(limits.max_complexity)
    .extension(error::ErrorCodes)
    .finish()
}

/// The schema in SDL, as `schema.graphql` holds it.
pub fn sdl() -> String {
    Schema::build(
        Query::default(),
        mutation::Mutation,
        subscription::Subscription,
    )
    .finish()
    .sdl()
}

/// `POST /graphql`: queries and mutations, with the caller taken from the bearer token. A
/// view-only query asked before gets its stored answer (see `responses`).
pub async fn execute(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    request: GraphQLRequest,
) -> Response {
    let authorization = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let caller = Caller::from_bearer(state.tokens.as_deref(), authorization);
    let request = request.into_inner();
    let operation = request
        .operation_name
        .clone()
        .unwrap_or_else(|| "anonymous".into());
    let started = Instant::now();
    let entry = responses::entry(&request, &caller, state.runs.pipeline().today());
    let answer = match entry {
        Some(entry) => {
            let schema = &state.schema;
            state
                .views
                .get_or_load_json(entry, || async move {
                    let mut request = request;
                    let views_only = responses::reads_views_only(&mut request);
                    responses::storable(schema.execute(request.data(caller)).await, views_only)
                })
                .await
        }
        None => Err(Box::new(state.schema.execute(request.data(caller)).await)),
    };
    let errors: &[async_graphql::ServerError] = match &answer {
        Ok(_) => &[],
        Err(response) => &response.errors,
    };
    let ok = errors.is_empty();
    let codes: Vec<String> = errors
        .iter()
        .filter_map(|e| e.extensions.as_ref()?.get("code").map(ToString::to_string))
        .collect();
    state
        .metrics
        .record_request(&operation, ok, started.elapsed());
    tracing::info!(
        operation,
        ok,
        ?codes,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "graphql request"
    );
    match answer {
        Ok(json) => ([(CONTENT_TYPE, "application/json")], json).into_response(),
        Err(response) => GraphQLResponse::from(*response).into_response(),
    }
}

/// `GET /graphql`: GraphiQL, subscriptions included.
pub async fn graphiql() -> impl IntoResponse {
    Html(
        GraphiQLSource::build()
            .endpoint("/graphql")
            .subscription_endpoint("/graphql/ws")
            .title("Pulso GraphQL")
            .finish(),
    )
}
