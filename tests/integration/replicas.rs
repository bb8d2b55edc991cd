//! Pulso as a service: real `pulso serve` processes, two of them on different ports sharing one
//! PostgreSQL database and one Redis (a namespace of their own per test). One leader schedules,
//! a run on one replica streams on the other, a killed leader is replaced and its run failed
//! as stale, and SIGTERM stops a replica gracefully.

use std::{
    fs::File,
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    time::{Duration, Instant},
};

use async_graphql::futures_util::{SinkExt, StreamExt};
use pulso::{
    config::{SourceConfig, SyntheticConfig},
    source,
};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::{Value, json};
use tokio_tungstenite::{
    connect_async,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::{
    etl::{all_fingerprints, day, etl_config, evening, forced, pipeline},
    graphql::{admin, assert_whole_run, data, viewer},
    harness::{Engine, TestDb, migrated_db, query_strings, redis_url},
};

/// Runs the test body as `<test>::postgres`; every test here also uses Redis.
macro_rules! on_postgres {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test]
            async fn postgres() {
                super::$test().await
            }
        }
    )*};
}

/// How long anything here may take before the test gives up: generous, for a loaded machine.
const PATIENCE: Duration = Duration::from_secs(90);

/// The shared settings of a test's replicas.
struct Setup {
    dir: tempfile::TempDir,
    db: TestDb,
    namespace: String,
    accounts: u32,
    batch_size: usize,
    scheduler: bool,
}

impl Setup {
    async fn new(accounts: u32, batch_size: usize, scheduler: bool) -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
            db: TestDb::create(Engine::Postgres).await,
            namespace: format!("pulso-test-{}", uuid::Uuid::new_v4().simple()),
            accounts,
            batch_size,
            scheduler,
        }
    }

    fn source(&self) -> SourceConfig {
        SourceConfig {
            synthetic: SyntheticConfig {
                start: Some(day(1)),
                months: 1,
                accounts_per_month: self.accounts,
                as_of: Some(evening(12)),
                ..SyntheticConfig::default()
            },
            ..SourceConfig::default()
        }
    }

    /// The replicas' `pulso.toml`: fast heartbeats and a short lease and stale threshold, so
    /// a takeover happens within seconds.
    fn write_config(&self) -> PathBuf {
        let synthetic = self.source().synthetic;
        let mut toml = format!(
            r#"[database]
url = "{db}"
[cache]
redis_url = "{redis}"
namespace = "{namespace}"
[auth]
jwt_secret = "{secret}"
[server]
shutdown_grace_secs = 20
[source.synthetic]
seed = {seed}
start = "{start}"
months = 1
accounts_per_month = {accounts}
as_of = "{as_of}"
[scheduler]
enabled = {scheduler}
tick_secs = 1
heartbeat_secs = 1
lease_secs = 3
retry_after_secs = 1
[etl]
backoff_base_ms = 10
stale_after_secs = 4
rows_per_statement = 50
"#,
            db = self.db.url,
            redis = redis_url(),
            namespace = self.namespace,
            secret = crate::harness::TEST_SECRET,
            seed = synthetic.seed,
            start = day(1),
            accounts = self.accounts,
            as_of = evening(12).to_rfc3339(),
            scheduler = self.scheduler,
        );
        for table in pulso::tables::ALL {
            toml.push_str(&format!(
                "[etl.tables.{}]\ninitial_load_from = \"{}\"\nbatch_size = {}\n",
                table.name,
                day(1),
                self.batch_size
            ));
        }
        let path = self.dir.path().join("pulso.toml");
        std::fs::write(&path, toml).unwrap();
        path
    }

    async fn spawn(&self, name: &str) -> Replica {
        let config = self.write_config();
        Replica::spawn(self.dir.path(), name, &config).await
    }

    /// The raw tables a complete load of the same source gives, loaded in-process into a
    /// database of its own.
    async fn expected_raw(&self) -> Vec<Vec<String>> {
        let (db, conn) = migrated_db(Engine::Postgres).await;
        let source = source::from_config(&self.source()).await.unwrap();
        let report = pipeline(&db, &conn, source, etl_config())
            .run(forced())
            .await
            .unwrap();
        assert_eq!(report.status.as_str(), "success");
        all_fingerprints(&conn).await
    }
}

/// One `pulso serve` process; killed when dropped.
struct Replica {
    name: String,
    child: Child,
    address: String,
    log: PathBuf,
    client: reqwest::Client,
}

impl Replica {
    async fn spawn(dir: &Path, name: &str, config: &Path) -> Self {
        let log = dir.join(format!("{name}.log"));
        let child = Command::new(env!("CARGO_BIN_EXE_pulso"))
            .args(["--config"])
            .arg(config)
            .args(["--log-format", "json", "serve", "--listen", "127.0.0.1:0"])
            .current_dir(dir)
            .env_remove("DATABASE_URL")
            .env_remove("REDIS_URL")
            .stdout(Stdio::null())
            .stderr(File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut replica = Self {
            name: name.into(),
            child,
            address: String::new(),
            log,
            client: reqwest::Client::new(),
        };
        let started = Instant::now();
        replica.address = loop {
            let text = replica.log_text();
            if let Some(rest) = text.split("listening on ").nth(1) {
                let end = rest
                    .find(|c: char| c.is_whitespace() || c == '"')
                    .unwrap_or(rest.len());
                break rest[..end].to_owned();
            }
            if let Some(exit) = replica.child.try_wait().unwrap() {
                panic!("replica {name} exited ({exit}):\n{text}");
            }
            assert!(
                started.elapsed() < PATIENCE,
                "{name} never listened:\n{text}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        replica
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    async fn graphql(&self, token: &str, query: &str, variables: Value) -> Value {
        self.client
            .post(format!("{}/graphql", self.address))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request")
            .json()
            .await
            .expect("a JSON body")
    }

    /// Starts a refresh (`force`d or not) as admin; its run id.
    async fn refresh(&self, force: bool) -> String {
        let started = data(
            self.graphql(
                &admin(),
                "mutation($force: Boolean!) { refreshDashboard(force: $force) { runId } }",
                json!({ "force": force }),
            )
            .await,
        );
        started["refreshDashboard"]["runId"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// The value of an unlabelled metric.
    async fn metric(&self, name: &str) -> f64 {
        let text = self
            .client
            .get(format!("{}/metrics", self.address))
            .send()
            .await
            .expect("metrics")
            .text()
            .await
            .unwrap();
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
            .unwrap_or_else(|| panic!("no {name} on {}", self.name))
    }

    async fn active_run(&self) -> Option<String> {
        let status = data(
            self.graphql(&viewer(), "{ etlStatus { activeRunId } }", json!({}))
                .await,
        );
        status["etlStatus"]["activeRunId"].as_str().map(Into::into)
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits for the process to exit, at most `within`.
    async fn exit_within(&mut self, within: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(exit) = self.child.try_wait().unwrap() {
                return exit;
            }
            assert!(
                started.elapsed() < within,
                "{} still running after {within:?}:\n{}",
                self.name,
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `probe` until it returns `Some`, failing after `PATIENCE` with `what` and the logs.
async fn eventually<T, F, Fut>(what: &str, replicas: &[&Replica], mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = probe().await {
            return value;
        }
        if started.elapsed() > PATIENCE {
            let logs: Vec<String> = replicas
                .iter()
                .map(|r| format!("--- {} ---\n{}", r.name, r.log_text()))
                .collect();
            panic!("{what}: not within {PATIENCE:?}\n{}", logs.join("\n"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `(execution_id, execution_type, status, error)` of every run row, oldest first.
async fn runs(conn: &DatabaseConnection) -> Vec<(String, String, String, String)> {
    let sql = "SELECT CAST(execution_id AS TEXT) || '|' || COALESCE(execution_type, '') || '|' || \
               status || '|' || COALESCE(error_message, '') AS row FROM etl_execution_log \
               WHERE pipeline_name = 'etl_run' AND table_name IS NULL ORDER BY id";
    query_strings(conn, sql, "row")
        .await
        .into_iter()
        .map(|row| {
            let mut parts = row.splitn(4, '|').map(str::to_owned);
            let mut next = || parts.next().unwrap_or_default();
            (next(), next(), next(), next())
        })
        .collect()
}

/// Rows loaded so far by batches that committed.
async fn loaded_rows(conn: &DatabaseConnection) -> i64 {
    let sql = "SELECT CAST(COALESCE(SUM(records_extracted), 0) AS TEXT) AS n FROM etl_watermarks";
    query_strings(conn, sql, "n").await[0].parse().unwrap()
}

on_postgres!(
    a_scheduled_refresh_runs_exactly_once_across_redis_replicas,
    a_run_on_one_replica_streams_to_a_subscriber_on_another_through_redis,
    a_killed_leader_is_replaced_and_its_run_failed_as_stale_with_redis,
    sigterm_cancels_the_run_and_closes_subscriptions_with_redis,
    the_leader_rebuilds_the_aux_tables_a_crash_emptied,
);

async fn a_scheduled_refresh_runs_exactly_once_across_redis_replicas() {
    let setup = Setup::new(150, 1_000, true).await;
    let expected = setup.expected_raw().await;
    let a = setup.spawn("a").await;
    let b = setup.spawn("b").await;
    let conn = setup.db.connect().await;

    let (run_id, ..) = eventually("a scheduled run succeeds", &[&a, &b], || async {
        runs(&conn)
            .await
            .into_iter()
            .find(|(_, kind, status, _)| kind == "scheduled" && status == "success")
    })
    .await;
    // The leader keeps ticking: three more ticks after the run, nothing else is due.
    let leader = if a.metric("pulso_scheduler_leader").await == 1.0 {
        &a
    } else {
        &b
    };
    let ticks = leader.metric("pulso_scheduler_ticks_total").await;
    eventually("three more leader ticks", &[&a, &b], || async {
        (leader.metric("pulso_scheduler_ticks_total").await >= ticks + 3.0).then_some(())
    })
    .await;

    let all = runs(&conn).await;
    assert_eq!(all.len(), 1, "exactly one run: {all:?}");
    assert_eq!(all[0].0, run_id);
    let started =
        a.metric("pulso_scheduled_runs_total").await + b.metric("pulso_scheduled_runs_total").await;
    assert_eq!(started, 1.0, "one replica started one run");
    let leaders =
        a.metric("pulso_scheduler_leader").await + b.metric("pulso_scheduler_leader").await;
    assert_eq!(leaders, 1.0, "one leader");
    assert_eq!(all_fingerprints(&conn).await, expected);
}

/// A crash empties the unlogged aux tables and their marker (emptied by hand here): with
/// nothing due, the leader starts a run at its next tick, and its build fills them again.
async fn the_leader_rebuilds_the_aux_tables_a_crash_emptied() {
    use migration::unlogged_aux::{MARKER, UNLOGGED};
    let setup = Setup::new(150, 1_000, true).await;
    let a = setup.spawn("a").await;
    let conn = setup.db.connect().await;
    let succeeded = |conn: &DatabaseConnection| {
        let conn = conn.clone();
        async move {
            let all = runs(&conn).await;
            all.iter()
                .all(|(_, _, status, _)| status == "success")
                .then_some(all.len())
        }
    };
    eventually("the initial load succeeds", &[&a], || async {
        succeeded(&conn).await.filter(|&done| done == 1)
    })
    .await;
    let fan_out = "SELECT CAST(COUNT(*) AS TEXT) AS n FROM aux_gestion_cuenta";
    let built = query_strings(&conn, fan_out, "n").await;
    assert_ne!(built, ["0"]);
    for table in UNLOGGED.into_iter().chain([MARKER]) {
        conn.execute_unprepared(&format!("DELETE FROM {table}"))
            .await
            .unwrap();
    }

    eventually("a second run succeeds", &[&a], || async {
        succeeded(&conn).await.filter(|&done| done == 2)
    })
    .await;
    assert_eq!(query_strings(&conn, fan_out, "n").await, built);
    let marker = format!("SELECT CAST(id AS TEXT) AS id FROM {MARKER}");
    assert_eq!(query_strings(&conn, &marker, "id").await, ["1"]);
}

const PROGRESS: &str =
    "subscription($id: ID!) { etlProgress(runId: $id) { kind runId table stage status } }";

/// A websocket subscriber (graphql-transport-ws).
struct Subscriber {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl Subscriber {
    async fn connect(replica: &Replica) -> Self {
        let url = format!("{}/graphql/ws", replica.address.replacen("http", "ws", 1));
        let mut request = url.into_client_request().unwrap();
        request.headers_mut().insert(
            "Sec-WebSocket-Protocol",
            HeaderValue::from_static("graphql-transport-ws"),
        );
        let (socket, _) = connect_async(request).await.expect("websocket connects");
        let mut subscriber = Self { socket };
        subscriber
            .send(json!({ "type": "connection_init", "payload": { "Authorization": format!("Bearer {}", viewer()) } }))
            .await;
        let ack = subscriber.next().await.expect("an ack");
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        subscriber
    }

    async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
    }

    async fn subscribe(&mut self, run_id: &str) {
        self.send(json!({ "id": "1", "type": "subscribe", "payload": { "query": PROGRESS, "variables": { "id": run_id } } }))
            .await;
    }

    /// The next JSON message; `Err(close code)` when the server closed the socket.
    async fn next(&mut self) -> Result<Value, Option<u16>> {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .expect("a message in time");
            match frame {
                Some(Ok(Message::Text(text))) => return Ok(serde_json::from_str(&text).unwrap()),
                Some(Ok(Message::Close(frame))) => {
                    return Err(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => return Err(None),
            }
        }
    }

    /// Every progress event until the subscription completes.
    async fn events(&mut self) -> Vec<Value> {
        let mut events = Vec::new();
        loop {
            let message = self.next().await.expect("the subscription stays open");
            match message["type"].as_str() {
                Some("next") => {
                    events.push(data(message["payload"].clone())["etlProgress"].clone())
                }
                Some("complete") => return events,
                _ => panic!("unexpected message {message}"),
            }
        }
    }
}

async fn a_run_on_one_replica_streams_to_a_subscriber_on_another_through_redis() {
    let setup = Setup::new(600, 200, false).await;
    let a = setup.spawn("a").await;
    let b = setup.spawn("b").await;
    let mut subscriber = Subscriber::connect(&b).await;

    let run_id = a.refresh(true).await;
    subscriber.subscribe(&run_id).await;
    let events = subscriber.events().await;
    // Every table's end is seen, live or in the first snapshot; and the live part came
    // through Redis from A, in order.
    let kinds = assert_whole_run(&events, &run_id);
    let live = kinds.iter().filter(|k| **k != "snapshot").count();
    assert!(live > 9, "live events relayed from A: {kinds:?}");
    for table in pulso::tables::ALL {
        let at = |kind: &str| {
            events
                .iter()
                .position(|e| e["kind"] == kind && e["table"] == table.name)
        };
        if let (Some(loaded), Some(finished)) = (at("batch_loaded"), at("table_finished")) {
            assert!(loaded < finished, "{}: {kinds:?}", table.name);
        }
    }
    assert!(b.metric("pulso_progress_relay_received_total").await > 0.0);
    assert_eq!(a.metric("pulso_progress_relay_received_total").await, 0.0);
}

async fn a_killed_leader_is_replaced_and_its_run_failed_as_stale_with_redis() {
    let setup = Setup::new(1_500, 100, true).await;
    let expected = setup.expected_raw().await;
    let mut a = setup.spawn("a").await;
    let mut b = setup.spawn("b").await;
    let conn = setup.db.connect().await;

    // Whoever leads starts the scheduled run; wait until batches of it have committed.
    let (killed_run, a_runs) = eventually("a scheduled run under way", &[&a, &b], || async {
        if loaded_rows(&conn).await == 0 {
            return None;
        }
        match (a.active_run().await, b.active_run().await) {
            (Some(run), None) => Some((run, true)),
            (None, Some(run)) => Some((run, false)),
            _ => None,
        }
    })
    .await;
    let (dead, survivor) = if a_runs { (&mut a, &b) } else { (&mut b, &a) };
    dead.signal("-KILL");
    dead.exit_within(PATIENCE).await;
    let status = |conn: DatabaseConnection, run: String| async move {
        runs(&conn)
            .await
            .into_iter()
            .find(|(id, ..)| *id == run)
            .map(|(_, _, status, error)| (status, error))
    };
    assert_eq!(
        status(conn.clone(), killed_run.clone()).await.unwrap().0,
        "running",
        "killed in the middle of its run"
    );

    let dead_ref: &Replica = if a_runs { &a } else { &b };
    let survivor_ref: &Replica = if a_runs { &b } else { &a };
    let _ = survivor;
    let failed = eventually(
        "the dead leader's run failed as stale",
        &[dead_ref, survivor_ref],
        || {
            let (conn, run) = (conn.clone(), killed_run.clone());
            async move {
                status(conn, run)
                    .await
                    .filter(|(status, _)| status == "failed")
            }
        },
    )
    .await;
    assert_eq!(failed.1, "stale run: no heartbeat");
    assert_eq!(survivor_ref.metric("pulso_scheduler_leader").await, 1.0);

    eventually(
        "the next scheduled run loads the rest",
        &[dead_ref, survivor_ref],
        || async {
            let next = runs(&conn).await.into_iter().any(|(id, kind, status, _)| {
                id != killed_run && kind == "scheduled" && status == "success"
            });
            let statuses = query_strings(
                &conn,
                "SELECT DISTINCT last_extraction_status AS s FROM etl_watermarks",
                "s",
            )
            .await;
            let idle = survivor_ref.active_run().await.is_none();
            (next && idle && statuses == ["success"]).then_some(())
        },
    )
    .await;
    assert_eq!(
        all_fingerprints(&conn).await,
        expected,
        "the raw tables hold exactly the source's rows"
    );
    let marks = query_strings(&conn, "SELECT table_name AS t FROM etl_watermarks", "t").await;
    assert_eq!(marks.len(), 9);
}

async fn sigterm_cancels_the_run_and_closes_subscriptions_with_redis() {
    let setup = Setup::new(1_500, 100, false).await;
    let expected = setup.expected_raw().await;
    let mut a = setup.spawn("a").await;
    let conn = setup.db.connect().await;
    let mut subscriber = Subscriber::connect(&a).await;
    let run_id = a.refresh(true).await;
    subscriber.subscribe(&run_id).await;
    eventually("a batch committed", &[&a], || async {
        (loaded_rows(&conn).await > 0).then_some(())
    })
    .await;

    a.signal("-TERM");
    // The subscriber is told the server is going away, after whatever events were in flight.
    let close = loop {
        match subscriber.next().await {
            Ok(_) => continue,
            Err(code) => break code,
        }
    };
    assert_eq!(close, Some(1001));
    let exit = a.exit_within(Duration::from_secs(30)).await;
    assert!(exit.success(), "exit {exit}:\n{}", a.log_text());

    let run = runs(&conn).await;
    assert_eq!(run.len(), 1);
    assert_eq!(
        (run[0].0.as_str(), run[0].2.as_str()),
        (run_id.as_str(), "cancelled")
    );
    let running = query_strings(
        &conn,
        "SELECT table_name AS t FROM etl_watermarks WHERE last_extraction_status = 'running'",
        "t",
    )
    .await;
    assert!(running.is_empty(), "{running:?}");

    // Whatever committed stays, the watermarks were left consistent: the next run completes
    // the load exactly.
    let b = setup.spawn("b").await;
    let again = b.refresh(false).await;
    eventually("the next run succeeds", &[&b], || async {
        runs(&conn)
            .await
            .into_iter()
            .any(|(id, _, status, _)| id == again && status == "success")
            .then_some(())
    })
    .await;
    assert_eq!(all_fingerprints(&conn).await, expected);
}

crate::harness::on_both_engines!(retention_deletes_expired_rows_in_batches_and_is_logged);

async fn retention_deletes_expired_rows_in_batches_and_is_logged(engine: Engine) {
    use pulso::{pipeline::bookkeeping, serve::Metrics};

    let (_db, conn) = migrated_db(engine).await;
    let old = "2020-01-01T00:00:00Z".parse().unwrap();
    let recent = chrono::Utc::now() - chrono::Duration::days(30);
    for started in std::iter::repeat_n(old, 5).chain([recent]) {
        bookkeeping::log_maintenance(&conn, started, "success", json!({ "job": "seed" }), None)
            .await
            .unwrap();
    }
    let metrics = Metrics::default();
    let stop = tokio_util::sync::CancellationToken::new();
    // Two rows per statement: three statements for the five expired rows.
    let deleted = pulso::serve::maintenance::enforce_retention(&conn, 2, &metrics, &stop)
        .await
        .unwrap();
    assert_eq!(deleted, 5);
    let left = query_strings(
        &conn,
        "SELECT COALESCE(CAST(metadata AS TEXT), '') AS m FROM etl_execution_log ORDER BY id",
        "m",
    )
    .await;
    assert_eq!(
        left.len(),
        2,
        "the recent seed row and the retention row: {left:?}"
    );
    assert!(left[0].contains("seed"), "{left:?}");
    assert!(left[1].contains("retention"), "{left:?}");
    let text = metrics.render(&Default::default());
    assert!(
        text.contains("pulso_retention_rows_deleted_total{table=\"etl_execution_log\"} 5"),
        "{text}"
    );
    assert!(
        text.contains("pulso_maintenance_runs_total{job=\"retention\",status=\"success\"} 1"),
        "{text}"
    );
}

crate::harness::on_both_engines!(a_stopping_server_refuses_new_runs);

async fn a_stopping_server_refuses_new_runs(engine: Engine) {
    use std::sync::Arc;

    use pulso::{
        cache::{InProcessCache, ViewCache},
        serve::runs::{Refused, Runs},
    };

    let (db, conn) = migrated_db(engine).await;
    let source = crate::etl::synthetic(150, evening(12));
    let views = Arc::new(ViewCache::new(
        Arc::new(InProcessCache::default()),
        Duration::from_secs(60),
    ));
    let service = Runs::new(
        pipeline(&db, &conn, source, etl_config()),
        views,
        Duration::from_secs(1),
    );
    let first = service.start(forced()).unwrap();
    assert!(!first.already_running);
    // Stopping cancels the run after its batch in flight and waits until it is recorded.
    assert!(service.stop(PATIENCE).await, "the run stopped in time");
    assert_eq!(service.active(), None);
    assert_eq!(service.start(forced()), Err(Refused::ShuttingDown));
    let run = query_strings(
        &conn,
        "SELECT status AS s FROM etl_execution_log \
         WHERE pipeline_name = 'etl_run' AND table_name IS NULL",
        "s",
    )
    .await;
    assert_eq!(run.len(), 1);
    assert!(
        ["cancelled", "success"].contains(&run[0].as_str()),
        "{run:?}"
    );
}
