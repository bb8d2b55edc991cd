//! What every integration test stands on: a fresh database per test (a SQLite file in a temp
//! dir, or a uniquely named PostgreSQL database that is dropped afterwards) and `spawn_app`,
//! which serves Pulso on port 0. PostgreSQL and Redis are real servers; when one cannot be
//! reached the test fails, saying which variable to set.

use std::net::SocketAddr;

use migration::MigratorTrait;
use pulso::{
    auth::{Role, Tokens},
    config::{Config, Secret, SecretUrl},
    serve::Application,
};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};
use tokio::sync::oneshot;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// PostgreSQL server (no database part) the tests create their databases on.
pub fn postgres_server_url() -> String {
    std::env::var("PULSO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub fn redis_url() -> String {
    std::env::var("PULSO_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Runs the test body once per engine, as `<test>::sqlite` and `<test>::postgres`.
macro_rules! on_both_engines {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test]
            async fn sqlite() {
                super::$test($crate::harness::Engine::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$test($crate::harness::Engine::Postgres).await
            }
        }
    )*};
}
pub(crate) use on_both_engines;

/// A database that exists for one test only.
pub struct TestDb {
    pub url: String,
    postgres_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn create(engine: Engine) -> Self {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/pulso.db?mode=rwc", dir.path().display());
                Self {
                    url,
                    postgres_name: None,
                    _dir: Some(dir),
                }
            }
            Engine::Postgres => {
                let name = format!("pulso_test_{}", uuid::Uuid::new_v4().simple());
                admin_execute(&format!("CREATE DATABASE \"{name}\"")).await;
                let url = format!("{}/{name}", postgres_server_url());
                Self {
                    url,
                    postgres_name: Some(name),
                    _dir: None,
                }
            }
        }
    }

    /// The database's name on the test server, for PostgreSQL.
    pub fn postgres_name(&self) -> Option<&str> {
        self.postgres_name.as_deref()
    }

    pub async fn connect(&self) -> DatabaseConnection {
        Database::connect(&self.url)
            .await
            .expect("connect to the test database")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Drop runs outside any async context we could borrow, so the cleanup gets its own
        // thread and runtime; it runs on panics too.
        if let Some(name) = self.postgres_name.take() {
            let _ = std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(admin_execute(&format!(
                        "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                    )))
            })
            .join();
        }
    }
}

pub async fn admin_execute(sql: &str) {
    let server = postgres_server_url();
    let admin = Database::connect(format!("{server}/postgres"))
        .await
        .unwrap_or_else(|e| {
            panic!("PostgreSQL is required at {server} (set PULSO_TEST_POSTGRES_URL): {e}")
        });
    admin
        .execute_unprepared(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    admin.close().await.expect("close admin connection");
}

/// A fresh database with every migration applied, and a connection to it.
pub async fn migrated_db(engine: Engine) -> (TestDb, DatabaseConnection) {
    let db = TestDb::create(engine).await;
    let connection = db.connect().await;
    migration::Migrator::up(&connection, None)
        .await
        .expect("migrations apply");
    (db, connection)
}

/// The JWT secret of every test app.
pub const TEST_SECRET: &str = "pulso-tests-0123456789abcdef0123456789";

/// The configuration a test app starts from: its own database, port 0, in-process cache.
pub fn test_config(db: &TestDb) -> Config {
    let mut config = Config::default();
    config.database.url = SecretUrl::new(db.url.clone());
    config.server.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.server.shutdown_grace_secs = 5;
    config.auth.jwt_secret = Some(Secret::new(TEST_SECRET));
    config
}

/// A valid token of the test apps for `role`.
pub fn token(role: Role) -> String {
    Tokens::new(TEST_SECRET.as_bytes()).mint("test", role, chrono::Duration::hours(1))
}

/// A running Pulso with its own database; stops when dropped.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: TestDb,
    _stop: oneshot::Sender<()>,
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request")
    }

    /// POSTs a GraphQL request (with a bearer token when given) and returns its JSON body.
    pub async fn graphql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: serde_json::Value,
    ) -> serde_json::Value {
        let mut request = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&serde_json::json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        assert!(response.status().is_success(), "HTTP {}", response.status());
        response.json().await.expect("a JSON body")
    }

    /// The value of the Prometheus counter `name` on `/metrics`.
    pub async fn counter(&self, name: &str) -> f64 {
        let text = self
            .get("/metrics")
            .await
            .text()
            .await
            .expect("metrics text");
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /metrics:\n{text}"))
    }

    pub fn ws_url(&self) -> String {
        format!("{}/graphql/ws", self.address.replacen("http", "ws", 1))
    }
}

pub async fn spawn_app(engine: Engine, customize: impl FnOnce(&mut Config)) -> TestApp {
    let db = TestDb::create(engine).await;
    let mut config = test_config(&db);
    // In-process apps run no scheduler unless a test asks for one: runs start when tests say.
    config.scheduler.enabled = false;
    customize(&mut config);
    let app = Application::build(&config)
        .await
        .expect("application builds");
    let address = format!("http://{}", app.local_addr());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    TestApp {
        address,
        client: reqwest::Client::new(),
        db,
        _stop: stop,
    }
}

/// Names of the base tables in the database, sorted.
pub async fn table_names(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => {
            "SELECT table_name AS name FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1"
        }
        _ => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
        }
    };
    query_strings(db, sql, "name").await
}

/// Runs one statement that returns no rows.
pub async fn exec(db: &DatabaseConnection, sql: &str) {
    db.execute_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// The column `v` of a one-row query, as f64 (0 when NULL).
pub async fn scalar(db: &DatabaseConnection, sql: &str) -> f64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .expect("one row");
    row.try_get::<Option<f64>>("", "v")
        .expect("a number")
        .unwrap_or(0.0)
}

pub async fn query_strings(db: &DatabaseConnection, sql: &str, column: &str) -> Vec<String> {
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .iter()
        .map(|row| row.try_get::<String>("", column).expect("text column"))
        .collect()
}
