//! The `pulso` binary as an operator meets it: configuration errors, layering, secrets, the
//! migrate commands, and a graceful stop on SIGTERM.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Output, Stdio},
    time::{Duration, Instant},
};

use pulso::{
    cache::{Cache, RedisCache},
    config::SecretUrl,
};

use crate::harness::{Engine, TestDb, on_both_engines, redis_url};

/// `pulso` in an empty working directory, with no configuration inherited from the caller.
fn pulso(dir: &tempfile::TempDir) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pulso"));
    command
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("REDIS_URL");
    for (key, _) in std::env::vars().filter(|(key, _)| key.starts_with("PULSO_")) {
        command.env_remove(key);
    }
    command
}

fn run(command: &mut Command) -> Output {
    command.output().expect("pulso runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn an_invalid_value_fails_with_one_line_naming_key_and_form() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(pulso(&dir)
        .arg("config")
        .env("PULSO_SERVER__LISTEN", "port-eight-thousand"));
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert_eq!(message.trim_end().lines().count(), 1, "{message}");
    assert!(message.contains("`server.listen`"), "{message}");
    assert!(message.contains("PULSO_SERVER__LISTEN"), "{message}");
    assert!(message.contains("HOST:PORT"), "{message}");
}

/// One connection is enough for a SQLite file, not for PostgreSQL: a loading table (or a
/// migration) holds two at once, so one would stall every run until the pool timed out.
#[test]
fn postgres_needs_two_connections_per_pool() {
    let dir = tempfile::tempdir().unwrap();
    let one_connection = |url: &str| {
        run(pulso(&dir)
            .arg("config")
            .env("DATABASE_URL", url)
            .env("PULSO_DATABASE__MAX_CONNECTIONS", "1"))
    };
    assert!(
        one_connection("sqlite://pulso.db?mode=rwc")
            .status
            .success()
    );
    let output = one_connection("postgres://postgres@127.0.0.1:5432/pulso");
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("`database.max_connections`"), "{message}");
    assert!(
        message.contains("PULSO_DATABASE__MAX_CONNECTIONS"),
        "{message}"
    );
    assert!(message.contains("2 on PostgreSQL"), "{message}");
}

#[test]
fn an_unknown_key_in_the_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pulso.toml"),
        "[server]\nlisten_on = \"0.0.0.0:80\"\n",
    )
    .unwrap();
    let output = run(pulso(&dir).arg("config"));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`server.listen_on` is not a configuration key"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_unsupported_database_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(pulso(&dir)
        .arg("config")
        .env("DATABASE_URL", "mysql://root@localhost/pulso"));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`database.url` names an unsupported database"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn layers_apply_in_order_file_env_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pulso.toml"),
        "[server]\nlisten = \"0.0.0.0:9000\"\n[log]\nlevel = \"warn\"\nformat = \"json\"\n[cache]\ntimeout_ms = 100\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".env"), "PULSO_CACHE__TIMEOUT_MS=300\n").unwrap();
    let output = run(pulso(&dir)
        .args(["--log-level", "debug", "config"])
        .env("PULSO_LOG__LEVEL", "error")
        .env("PULSO_LOG__FORMAT", "pretty"));
    assert!(output.status.success(), "{}", stderr(&output));
    let config: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(
        config["server"]["listen"], "0.0.0.0:9000",
        "file over defaults"
    );
    assert_eq!(config["log"]["format"], "pretty", "environment over file");
    assert_eq!(config["log"]["level"], "debug", "flag over environment");
    assert_eq!(config["cache"]["timeout_ms"], 300, ".env is read");
    assert_eq!(
        config["database"]["url"], "sqlite://pulso.db?mode=rwc",
        "untouched keys keep defaults"
    );
}

#[test]
fn secrets_stay_out_of_help_and_config_output() {
    let dir = tempfile::tempdir().unwrap();
    let secret_url = "postgres://pulso:hunter2-secret@db.internal:5432/pulso";
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["config"],
    ] {
        let output = run(pulso(&dir).args(args).env("DATABASE_URL", secret_url));
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        let text = stdout(&output) + &stderr(&output);
        assert!(
            !text.contains("hunter2"),
            "{args:?} leaked the password:\n{text}"
        );
    }
    let output = run(pulso(&dir).arg("config").env("DATABASE_URL", secret_url));
    assert!(stdout(&output).contains("postgres://pulso:***@db.internal:5432/pulso"));
}

on_both_engines!(migrate_commands);

async fn migrate_commands(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(engine).await;
    let migrate = |args: &[&str]| {
        run(pulso(&dir)
            .arg("migrate")
            .args(args)
            .env("DATABASE_URL", &db.url))
    };

    let status = migrate(&["status"]);
    assert!(status.status.success(), "{}", stderr(&status));
    assert_eq!(
        stdout(&status).matches("pending").count(),
        15,
        "{}",
        stdout(&status)
    );

    let up = migrate(&["up"]);
    assert!(up.status.success(), "{}", stderr(&up));
    assert!(
        stdout(&up).contains("15 applied, 0 pending"),
        "{}",
        stdout(&up)
    );

    let down = migrate(&["down", "-n", "2"]);
    assert!(
        stdout(&down).contains("13 applied, 2 pending"),
        "{}",
        stdout(&down)
    );

    let fresh = migrate(&["fresh"]);
    assert!(
        stdout(&fresh).contains("15 applied, 0 pending"),
        "{}",
        stdout(&fresh)
    );
}

#[tokio::test]
async fn serve_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = pulso(&dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let address = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split("listening on ")
                .nth(1)
                .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
        })
        .expect("the server says where it listens");

    let health = reqwest::get(format!("{address}/health")).await.unwrap();
    assert_eq!(health.status(), 200);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "still running 15 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "exit status {exit}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|line| line.contains("stopped")), "{rest:?}");
}

/// `pulso` on a SQLite file in `dir`, with a small synthetic source frozen on 2025-06-06.
fn pulso_etl(dir: &tempfile::TempDir) -> Command {
    let mut command = pulso(dir);
    command
        .env(
            "DATABASE_URL",
            format!("sqlite://{}/pulso.db?mode=rwc", dir.path().display()),
        )
        .env("PULSO_SOURCE__SYNTHETIC__ACCOUNTS_PER_MONTH", "200")
        .env("PULSO_SOURCE__SYNTHETIC__START", "2025-06-01")
        .env("PULSO_SOURCE__SYNTHETIC__MONTHS", "1")
        .env("PULSO_SOURCE__SYNTHETIC__AS_OF", "2025-06-06T23:00:00Z");
    for table in pulso::tables::ALL {
        command.env(
            format!(
                "PULSO_ETL__TABLES__{}__INITIAL_LOAD_FROM",
                table.name.to_uppercase()
            ),
            "2025-06-01",
        );
    }
    command
}

#[test]
fn etl_list_tables_shows_the_catalogue() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(pulso(&dir).args(["etl", "list-tables"]));
    assert!(output.status.success(), "{}", stderr(&output));
    for table in pulso::tables::ALL {
        assert!(
            stdout(&output).contains(table.raw_table),
            "{}",
            stdout(&output)
        );
    }
}

#[test]
fn etl_run_names_the_valid_tables_when_one_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        run(pulso_etl(&dir).args(["migrate", "up"]))
            .status
            .success()
    );
    let output = run(pulso_etl(&dir).args(["etl", "run", "--tables", "pagos,deudas"]));
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("unknown table \"deudas\""), "{message}");
    assert!(
        message.contains("calendario, asignaciones, trandeuda, pagos"),
        "{message}"
    );
}

#[test]
fn etl_refuses_an_unmigrated_database() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(pulso_etl(&dir).args(["etl", "status"]));
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("run `pulso migrate up` first"),
        "{}",
        stderr(&output)
    );
}

/// The run also moves the API's cache (Redis, a namespace of its own) to a new generation.
#[tokio::test]
async fn etl_run_then_status_then_a_fresh_skip() {
    let dir = tempfile::tempdir().unwrap();
    assert!(
        run(pulso_etl(&dir).args(["migrate", "up"]))
            .status
            .success()
    );
    let namespace = format!("pulso-test-{}", uuid::Uuid::new_v4().simple());
    let output = run(pulso_etl(&dir)
        .args(["etl", "run"])
        .env("REDIS_URL", redis_url())
        .env("PULSO_CACHE__NAMESPACE", &namespace));
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(
        stdout(&output).contains(" success in "),
        "{}",
        stdout(&output)
    );

    let api_cache = RedisCache::new(
        &SecretUrl::new(redis_url()),
        Duration::from_secs(1),
        &namespace,
    )
    .unwrap();
    assert_eq!(api_cache.get_current("any").await.unwrap(), (1, None));

    let status = stdout(&run(pulso_etl(&dir).args(["etl", "status"])));
    assert_eq!(
        status
            .lines()
            .skip(1)
            .filter(|line| line.contains(" success "))
            .count(),
        9,
        "{status}"
    );

    // Every table was refreshed moments ago: the dry run says so and reads nothing.
    let dry = run(pulso_etl(&dir).args(["etl", "run", "--dry-run"]));
    assert!(dry.status.success());
    assert_eq!(
        stdout(&dry).matches("fresh: last success").count(),
        9,
        "{}",
        stdout(&dry)
    );
    let backfill = run(pulso_etl(&dir).args([
        "etl",
        "run",
        "--dry-run",
        "--tables",
        "pagos",
        "--from",
        "2025-06-01",
        "--to",
        "2025-06-03",
    ]));
    assert!(
        stdout(&backfill).contains("backfill"),
        "{}",
        stdout(&backfill)
    );
    assert!(
        stdout(&backfill).contains("DATETIME") || stdout(&backfill).contains("synthetic"),
        "{}",
        stdout(&backfill)
    );

    let reset = run(pulso_etl(&dir).args(["etl", "reset-watermark", "pagos"]));
    assert!(
        stdout(&reset).contains("the next incremental run is an initial load"),
        "{}",
        stdout(&reset)
    );
}

on_both_engines!(a_minted_token_is_signed_with_the_servers_secret);

/// `pulso token` signs with the secret the server uses for the same database (configured, or
/// generated once and kept there), so an operator's token works against that server.
async fn a_minted_token_is_signed_with_the_servers_secret(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::create(engine).await;
    let output = run(pulso(&dir).args([
        "--database-url",
        &db.url,
        "token",
        "--role",
        "admin",
        "--ttl",
        "90m",
        "--subject",
        "ana",
    ]));
    assert!(output.status.success(), "{}", stderr(&output));
    let token = stdout(&output).trim().to_owned();

    let connection = db.connect().await;
    let tokens = pulso::auth::Tokens::from_config(&Default::default(), &connection)
        .await
        .unwrap();
    let claims = tokens.verify(&token).expect("the server accepts it");
    assert_eq!(claims.sub, "ana");
    assert_eq!(claims.role, pulso::auth::Role::Admin);
    assert_eq!(claims.exp - claims.iat, 90 * 60);
    connection.close().await.unwrap();

    for ttl in ["0h", "10x", "400d"] {
        let refused = run(pulso(&dir).args(["--database-url", &db.url, "token", "--ttl", ttl]));
        assert_eq!(refused.status.code(), Some(2), "{ttl}");
        assert!(stderr(&refused).contains(ttl), "{}", stderr(&refused));
    }
}
