//! The HTTP service: the GraphQL API (queries, mutations, subscriptions, GraphiQL), liveness
//! and readiness, and Prometheus metrics.

pub mod graphql;
mod health;
mod metrics;
pub mod runs;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router, extract::State, http::header::CONTENT_TYPE, response::IntoResponse, routing::get,
};
use migration::{Migrator, MigratorTrait};
use sea_orm::DatabaseConnection;
use tokio::{net::TcpListener, sync::watch};

pub use self::metrics::Metrics;
use self::{
    graphql::{ApiData, PulsoSchema},
    runs::Runs,
};
use crate::{
    Error,
    auth::Tokens,
    cache::ViewCache,
    config::Config,
    database,
    pipeline::{Pipeline, ProgressBus},
    source,
};

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub views: Arc<ViewCache>,
    pub schema: PulsoSchema,
    /// `None` when `auth.disabled`: every caller may do everything.
    pub tokens: Option<Arc<Tokens>>,
    pub metrics: Arc<Metrics>,
}

/// A bound, ready-to-run server (the listener is bound before `run`, so tests can use port 0
/// and learn the real address).
pub struct Application {
    listener: TcpListener,
    state: AppState,
    shutdown_grace: Duration,
}

impl Application {
    /// Connects to the database and cache, applies pending migrations unless turned off, and
    /// binds the listen address.
    pub async fn build(config: &Config) -> Result<Self, Error> {
        let metrics = Arc::new(Metrics::default());
        let mut db = database::connect(&config.database).await?;
        let counted = Arc::clone(&metrics);
        db.set_metric_callback(move |info| counted.record_statement(info.failed));
        if config.server.auto_migrate {
            Migrator::up(&db, None).await?;
        }
        let tokens = if config.auth.disabled {
            tracing::warn!(
                "auth.disabled is set: every caller may query and run mutations without a token"
            );
            None
        } else {
            Some(Arc::new(Tokens::from_config(&config.auth, &db).await?))
        };
        let cache = crate::cache::from_config(&config.cache)?;
        let views = Arc::new(ViewCache::new(
            cache,
            Duration::from_secs(config.api.cache_ttl_secs),
        ));
        let bus = ProgressBus::default();
        Arc::clone(&metrics).follow(&bus);
        let pipeline = Pipeline::new(
            db.clone(),
            config.database.url.expose(),
            source::from_config(&config.source).await?,
            config.etl.clone(),
            bus,
        );
        let runs = Runs::new(pipeline, Arc::clone(&views));
        let schema = graphql::schema(
            ApiData {
                db: db.clone(),
                views: Arc::clone(&views),
                runs,
                max_page_size: config.api.max_page_size,
            },
            &config.api,
        );
        let listener = TcpListener::bind(config.server.listen)
            .await
            .map_err(|source| Error::Io {
                context: format!("cannot listen on {}", config.server.listen),
                source,
            })?;
        Ok(Self {
            listener,
            state: AppState {
                db,
                views,
                schema,
                tokens,
                metrics,
            },
            shutdown_grace: Duration::from_secs(config.server.shutdown_grace_secs),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish for at most the
    /// grace period and closes the database pool.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let address = self.local_addr();
        let db = self.state.db.clone();
        let (stopping_tx, mut stopping_rx) = watch::channel(false);
        let server =
            axum::serve(self.listener, router(self.state)).with_graceful_shutdown(async move {
                shutdown.await;
                tracing::info!("shutting down: finishing in-flight requests");
                let _ = stopping_tx.send(true);
            });
        let grace = self.shutdown_grace;
        let grace_elapsed = async move {
            let _ = stopping_rx.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(grace).await;
        };
        tracing::info!(%address, "listening on http://{address}");
        tokio::select! {
            served = server => served.map_err(|source| Error::Io { context: "server failed".into(), source })?,
            () = grace_elapsed => tracing::warn!(grace_secs = grace.as_secs(), "grace period elapsed; dropping open connections"),
        }
        db.close().await?;
        tracing::info!("stopped");
        Ok(())
    }
}

fn router(state: AppState) -> Router {
    Router::new()
        .route("/graphql", get(graphql::graphiql).post(graphql::execute))
        .route("/graphql/ws", get(graphql::websocket))
        .route("/health", get(health::live))
        .route("/ready", get(health::ready))
        .route("/metrics", get(prometheus))
        .with_state(state)
}

async fn prometheus(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&state.views.stats),
    )
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
