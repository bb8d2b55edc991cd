//! What the benchmarks share: a migrated PostgreSQL database of their own, dropped at the end.

// Each benchmark is its own crate and uses only part of this module.
#![allow(dead_code)]

use migration::MigratorTrait;
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};

/// The server benchmarks create their databases on: `PULSO_BENCH_POSTGRES_URL`, else the
/// tests' `PULSO_TEST_POSTGRES_URL`, else the local default.
pub fn postgres_server() -> String {
    std::env::var("PULSO_BENCH_POSTGRES_URL")
        .or_else(|_| std::env::var("PULSO_TEST_POSTGRES_URL"))
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

pub struct BenchDb {
    admin: DatabaseConnection,
    name: String,
    pub url: String,
    pub conn: DatabaseConnection,
}

impl BenchDb {
    pub async fn create() -> Self {
        let server = postgres_server();
        let name = format!("pulso_bench_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(format!("{server}/postgres"))
            .await
            .expect("PostgreSQL reachable (PULSO_BENCH_POSTGRES_URL)");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the bench database");
        let url = format!("{server}/{name}");
        let conn = Database::connect(&url)
            .await
            .expect("connect to the bench database");
        migration::Migrator::up(&conn, None)
            .await
            .expect("migrations apply");
        Self {
            admin,
            name,
            url,
            conn,
        }
    }

    pub async fn drop(self) {
        self.conn.close().await.expect("close the bench database");
        self.admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await
            .expect("drop the bench database");
    }
}
