//! The HTTP service: the GraphQL API (queries, mutations, subscriptions, GraphiQL), the
//! dashboard app, liveness and readiness, and Prometheus metrics.

mod frontend;
pub mod graphql;
mod health;
pub mod lease;
pub mod maintenance;
mod metrics;
pub mod relay;
pub mod runs;
pub mod scheduler;

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router, extract::State, http::header::CONTENT_TYPE, response::IntoResponse, routing::get,
};
use sea_orm::DatabaseConnection;
use tokio::{net::TcpListener, sync::watch};
use tokio_util::sync::CancellationToken;

pub use self::metrics::Metrics;
use self::{
    frontend::Frontend,
    graphql::{ApiData, PulsoSchema},
    runs::Runs,
    scheduler::Scheduler,
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

/// What every handler shares (behind one `Arc`: a request clones a pointer, not each field).
pub struct AppState {
    /// The API's read pool (`database::read_pool`); runs use the pipeline's.
    pub db: DatabaseConnection,
    pub views: Arc<ViewCache>,
    pub runs: Arc<Runs>,
    pub schema: PulsoSchema,
    /// `None` when `auth.disabled`: every caller may do everything.
    pub tokens: Option<Arc<Tokens>>,
    pub metrics: Arc<Metrics>,
    /// Cancelled when the server starts shutting down: websocket loops close with 1001.
    pub shutdown: CancellationToken,
}

/// A bound, ready-to-run server (the listener is bound before `run`, so tests can use port 0
/// and learn the real address).
pub struct Application {
    listener: TcpListener,
    state: AppState,
    frontend: Frontend,
    shutdown_grace: Duration,
    service: Service,
}

/// What runs beside the HTTP server: the runs, the scheduler (when enabled) and the shutdown
/// signal they share.
struct Service {
    runs: Arc<Runs>,
    scheduler: Option<Scheduler>,
    shutdown: CancellationToken,
}

/// This process's name among the replicas: in the scheduler lease and relayed events.
fn replica_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "pulso".into());
    let unique = uuid::Uuid::new_v4().simple().to_string();
    format!("{host}-{}-{}", std::process::id(), &unique[..8])
}

impl Application {
    /// Connects to the database and cache, applies pending migrations unless turned off, and
    /// binds the listen address.
    pub async fn build(config: &Config) -> Result<Self, Error> {
        let metrics = Arc::new(Metrics::default());
        let mut etl_db = connect_when_reachable(config).await?;
        let mut db = database::read_pool(&config.database, &etl_db).await?;
        for pool in [&mut etl_db, &mut db] {
            let counted = Arc::clone(&metrics);
            pool.set_metric_callback(move |info| counted.record_statement(info.failed));
        }
        if config.server.auto_migrate {
            database::migrate_up(&etl_db).await?;
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
        let replica = replica_id();
        let shutdown = CancellationToken::new();
        let feed = relay::start(
            &bus,
            &config.cache,
            &replica,
            Arc::clone(&metrics),
            shutdown.clone(),
        );
        let pipeline = Pipeline::new(
            etl_db.clone(),
            config.database.url.expose(),
            source::from_config(&config.source).await?,
            config.etl.clone(),
            bus,
        );
        let runs = Runs::new(
            pipeline,
            Arc::clone(&views),
            Duration::from_secs(config.scheduler.heartbeat_secs),
        );
        let scheduler = config.scheduler.enabled.then(|| Scheduler {
            db: etl_db,
            runs: Arc::clone(&runs),
            metrics: Arc::clone(&metrics),
            config: config.scheduler.clone(),
            replica,
        });
        let service = Service {
            runs: Arc::clone(&runs),
            scheduler,
            shutdown: shutdown.clone(),
        };
        let schema = graphql::schema(
            ApiData {
                db: db.clone(),
                views: Arc::clone(&views),
                runs: Arc::clone(&runs),
                feed,
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
                runs,
                schema,
                tokens,
                metrics,
                shutdown,
            },
            frontend: Frontend::find(&config.server.app_dir),
            shutdown_grace: Duration::from_secs(config.server.shutdown_grace_secs),
            service,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves, then stops gracefully within the grace period: no new
    /// runs, the running one cancelled after its batch in flight, the scheduler lease
    /// released, websocket subscriptions closed (1001), in-flight requests finished; then the
    /// database pool closes.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let address = self.local_addr();
        let pools = [
            self.state.db.clone(),
            self.service.runs.pipeline().db().clone(),
        ];
        let (stopping_tx, mut stopping_rx) = watch::channel(false);
        let Service {
            runs,
            scheduler,
            shutdown: stopping,
        } = self.service;
        let scheduler = scheduler.map(|scheduler| scheduler.spawn(stopping.clone()));
        let grace = self.shutdown_grace;
        let server = axum::serve(self.listener, router(self.state, &self.frontend))
            .with_graceful_shutdown(async move {
                shutdown.await;
                tracing::info!("shutting down: finishing in-flight requests");
                let _ = stopping_tx.send(true);
                stopping.cancel();
                if !runs.stop(grace).await {
                    tracing::warn!("the running run did not stop within the grace period");
                }
                if let Some(scheduler) = scheduler {
                    let _ = tokio::time::timeout(grace, scheduler).await;
                }
            });
        let grace_elapsed = async move {
            let _ = stopping_rx.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(grace).await;
        };
        announce(address, &self.frontend);
        tokio::select! {
            served = server => served.map_err(|source| Error::Io { context: "server failed".into(), source })?,
            () = grace_elapsed => tracing::warn!(grace_secs = grace.as_secs(), "grace period elapsed; dropping open connections"),
        }
        for pool in pools {
            pool.close().await?;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Where to point a browser, and how to get in.
fn announce(address: SocketAddr, frontend: &Frontend) {
    let host = if address.ip().is_unspecified() {
        format!("localhost:{}", address.port())
    } else {
        address.to_string()
    };
    tracing::info!(%address, "listening on http://{address}");
    tracing::info!("GraphiQL: http://{host}/graphql");
    if frontend.has_app() {
        tracing::info!("dashboard: http://{host}/?token=<token>");
    }
    tracing::info!(
        "a token for GraphiQL's Authorization header: pulso token --role admin --ttl 8h \
         (send it as {{\"Authorization\": \"Bearer <token>\"}})"
    );
}

/// Connects, retrying with backoff for `server.wait_for_database_secs` while the database is
/// unreachable.
async fn connect_when_reachable(config: &Config) -> Result<DatabaseConnection, Error> {
    let deadline =
        tokio::time::Instant::now() + Duration::from_secs(config.server.wait_for_database_secs);
    let mut delay = Duration::from_millis(250);
    loop {
        match database::connect(&config.database).await {
            Ok(db) => return Ok(db),
            Err(error) if tokio::time::Instant::now() + delay < deadline => {
                tracing::warn!(%error, retry_in_ms = delay.as_millis() as u64, "the database is not reachable yet");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(error) => return Err(error.into()),
        }
    }
}

fn router(state: AppState, frontend: &Frontend) -> Router {
    frontend
        .routes()
        .route("/graphql", frontend.graphiql().post(graphql::execute))
        .route("/graphql/ws", get(graphql::websocket))
        .route("/health", get(health::live))
        .route("/ready", get(health::ready))
        .route("/metrics", get(prometheus))
        .with_state(Arc::new(state))
}

async fn prometheus(State(state): State<Arc<AppState>>) -> impl IntoResponse {
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
