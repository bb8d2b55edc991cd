//! A fresh database per test: a SQLite file in a temp dir, or a uniquely named PostgreSQL
//! database (`PULSO_TEST_POSTGRES_URL`, default `postgres://postgres@127.0.0.1:5432`) that is
//! dropped afterwards, with every migration applied.

use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
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

fn postgres_server_url() -> String {
    std::env::var("PULSO_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub struct TestDb {
    pub connection: DatabaseConnection,
    postgres_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn migrated(engine: Engine) -> Self {
        let (url, postgres_name, dir) = match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/pulso.db?mode=rwc", dir.path().display());
                (url, None, Some(dir))
            }
            Engine::Postgres => {
                let name = format!("pulso_transform_{}", uuid::Uuid::new_v4().simple());
                admin_execute(&format!("CREATE DATABASE \"{name}\"")).await;
                (
                    format!("{}/{name}", postgres_server_url()),
                    Some(name),
                    None,
                )
            }
        };
        let connection = Database::connect(&url).await.expect("connect");
        migration::Migrator::up(&connection, None)
            .await
            .expect("migrations apply");
        Self {
            connection,
            postgres_name,
            _dir: dir,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
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

async fn admin_execute(sql: &str) {
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
