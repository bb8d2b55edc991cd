//! A real BigQuery emulator (`crucible serve`, from the crucible-emulator package) per test, on
//! a port of its own with its state in a DuckDB file, so a test can stop and restart it without
//! disturbing others. `PULSO_TEST_CRUCIBLE` names the `crucible` executable (`.ci/run` installs
//! it into a virtualenv).

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use pulso::{
    config::BigQueryConfig,
    source::{Cell, ReadRange, Source},
    tables::{self, DefaultSource, SourceType, TableSpec},
};
use serde_json::{Value, json};

pub const PROJECT: &str = "pulso-test";
pub const DATASET: &str = "BI_USA";
/// Rows per INSERT statement when seeding.
const ROWS_PER_INSERT: usize = 400;

pub struct Emulator {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
    client: reqwest::Client,
}

impl Emulator {
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut emulator = Self {
            child: None,
            port,
            dir: tempfile::tempdir().unwrap(),
            client: reqwest::Client::new(),
        };
        emulator.launch().await;
        emulator
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn launch(&mut self) {
        let crucible = PathBuf::from(
            std::env::var("PULSO_TEST_CRUCIBLE")
                .unwrap_or_else(|_| "target/bq-venv/bin/crucible".into()),
        );
        let child = Command::new(&crucible)
            .args(["serve", "--dialect", "bigquery", "--host", "127.0.0.1", "--port", &self.port.to_string()])
            .arg("--database")
            .arg(self.dir.path().join("state.duckdb"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("the BigQuery emulator is required: cannot run {} ({e}); set PULSO_TEST_CRUCIBLE", crucible.display())
            });
        self.child = Some(child);
        let started = Instant::now();
        loop {
            let health = self
                .client
                .get(format!("{}/_crucible/health", self.base()))
                .send()
                .await;
            if health.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "the emulator did not start on port {}",
                self.port
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the server; its data stays in its DuckDB file.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub async fn restart(&mut self) {
        self.stop();
        self.launch().await;
    }

    /// Pulso's BigQuery settings for this emulator.
    pub fn config(&self) -> BigQueryConfig {
        BigQueryConfig {
            project: PROJECT.into(),
            dataset: DATASET.into(),
            base_url: Some(format!("{}/bigquery/v2", self.base())),
            ..BigQueryConfig::default()
        }
    }

    pub async fn query(&self, sql: &str) -> Value {
        let response = self
            .client
            .post(format!(
                "{}/bigquery/v2/projects/{PROJECT}/queries",
                self.base()
            ))
            .json(&json!({ "query": sql, "useLegacySql": false, "timeoutMs": 60_000 }))
            .send()
            .await
            .expect("emulator reachable");
        let status = response.status();
        let body: Value = response.json().await.expect("JSON answer");
        assert!(status.is_success(), "{sql:.200}…: {body}");
        body
    }

    /// Creates every source table (and the agents' table behind the ejecutivos query) and fills
    /// them with what `source` delivers; `sys_users` are the rows of that agents' table.
    pub async fn seed(&self, source: &dyn Source, sys_users: &[(String, String, String, i64)]) {
        let created = self
            .client
            .post(format!(
                "{}/bigquery/v2/projects/{PROJECT}/datasets",
                self.base()
            ))
            .json(&json!({ "datasetReference": { "projectId": PROJECT, "datasetId": DATASET } }))
            .send()
            .await
            .expect("emulator reachable");
        assert!(
            created.status().is_success(),
            "creating the dataset: {}",
            created.text().await.unwrap_or_default()
        );
        let uid = self.config().uid;
        for table in tables::ALL {
            let DefaultSource::Table(name) = table.default_source else {
                continue;
            };
            let name = name.replace("{uid}", &uid);
            let columns: Vec<String> = table
                .columns
                .iter()
                .map(|c| {
                    format!(
                        "`{}` {}",
                        table.source_name(c),
                        c.source_type.bigquery_name()
                    )
                })
                .collect();
            self.query(&format!(
                "CREATE TABLE `{PROJECT}.{DATASET}.{name}` ({})",
                columns.join(", ")
            ))
            .await;
            let mut pages = source
                .read(table, ReadRange::default(), 5_000)
                .await
                .unwrap();
            let mut rows = Vec::new();
            while let Some(page) = pages.next().await {
                rows.extend(page.unwrap());
            }
            self.insert(table, &name, &rows).await;
        }
        self.query(&format!(
            "CREATE TABLE `{PROJECT}.{DATASET}.sync_mibotair_batch_SYS_user` \
             (correo_name STRING, nombre STRING, document STRING, id_cliente INT64)"
        ))
        .await;
        for chunk in sys_users.chunks(ROWS_PER_INSERT) {
            let values: Vec<String> = chunk
                .iter()
                .map(|(correo, nombre, document, cliente)| {
                    format!(
                        "({}, {}, {}, {cliente})",
                        string(correo),
                        string(nombre),
                        string(document)
                    )
                })
                .collect();
            self.query(&format!(
                "INSERT INTO `{PROJECT}.{DATASET}.sync_mibotair_batch_SYS_user` VALUES {}",
                values.join(", ")
            ))
            .await;
        }
    }

    async fn insert(&self, table: &TableSpec, name: &str, rows: &[Vec<Cell>]) {
        for chunk in rows.chunks(ROWS_PER_INSERT) {
            let values: Vec<String> = chunk
                .iter()
                .map(|row| {
                    let cells: Vec<String> = table
                        .columns
                        .iter()
                        .zip(row)
                        .map(|(c, cell)| literal(c.source_type, cell))
                        .collect();
                    format!("({})", cells.join(", "))
                })
                .collect();
            self.query(&format!(
                "INSERT INTO `{PROJECT}.{DATASET}.{name}` VALUES {}",
                values.join(", ")
            ))
            .await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A BigQuery literal of a cell, typed as its column.
fn literal(source_type: SourceType, cell: &Cell) -> String {
    match cell {
        Cell::Null => format!("CAST(NULL AS {})", source_type.bigquery_name()),
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) => format!("CAST({f:?} AS FLOAT64)"),
        Cell::Numeric(d) => format!("NUMERIC '{d}'"),
        Cell::Text(s) => string(s),
        Cell::Bool(b) => b.to_string().to_uppercase(),
        Cell::Date(d) => format!("DATE '{d}'"),
        Cell::DateTime(c) => format!("DATETIME '{}'", c.format("%Y-%m-%d %H:%M:%S%.6f")),
        Cell::Timestamp(t) => format!("TIMESTAMP '{}'", t.format("%Y-%m-%d %H:%M:%S%.6f+00")),
    }
}

fn string(s: &str) -> String {
    format!(
        "'{}'",
        s.replace('\\', "\\\\")
            .replace('\'', "\\'")
            .replace('\n', "\\n")
    )
}
