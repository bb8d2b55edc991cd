//! One typed configuration, layered (later layers win):
//! built-in defaults < `pulso.toml` < `DATABASE_URL` / `REDIS_URL` < `PULSO_SECTION__KEY`
//! environment variables < command-line flags. `.env` is read into the environment by `main`.
//!
//! The defaults are the embedded mode: a SQLite file, the in-process cache, port 8000 on
//! loopback. Secrets (passwords inside URLs) are redacted from every `Debug`/`Display`.

use std::{collections::BTreeMap, fmt, net::SocketAddr, path::PathBuf, time::Duration};

use chrono::{DateTime, NaiveDate, Utc};

use figment::{
    Figment, Metadata,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

/// Read when present; `--config` or `PULSO_CONFIG` name another file, which must then exist.
pub const DEFAULT_CONFIG_FILE: &str = "pulso.toml";

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub database: DatabaseConfig,
    pub cache: CacheConfig,
    pub server: ServerConfig,
    pub log: LogConfig,
    pub source: SourceConfig,
    pub etl: EtlConfig,
    pub api: ApiConfig,
    pub auth: AuthConfig,
    pub scheduler: SchedulerConfig,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://…` (embedded) or `postgres://…` (production).
    pub url: SecretUrl,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
    /// PostgreSQL `statement_timeout` for every connection of the pool.
    pub statement_timeout_secs: u64,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            url: SecretUrl("sqlite://pulso.db?mode=rwc".into()),
            max_connections: 10,
            connect_timeout_secs: 10,
            statement_timeout_secs: 60,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    /// Redis for production; absent means the in-process cache.
    pub redis_url: Option<SecretUrl>,
    /// Upper bound of every cache call; a slower cache counts as unavailable.
    pub timeout_ms: u64,
    /// Prefix of every Redis key: deployments sharing one Redis keep apart by it.
    pub namespace: String,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            redis_url: None,
            timeout_ms: 250,
            namespace: "pulso".into(),
        }
    }
}

impl CacheConfig {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// Apply pending migrations when `pulso serve` starts.
    pub auto_migrate: bool,
    /// How long `pulso serve` keeps trying to reach the database at start-up (containers
    /// often start before their database is up).
    pub wait_for_database_secs: u64,
    /// How long in-flight requests may take to finish after SIGTERM / Ctrl-C.
    pub shutdown_grace_secs: u64,
    /// The built dashboard app and GraphiQL (`npm run build` in frontend-codegen/), served at
    /// `/` and `GET /graphql` when present.
    pub app_dir: PathBuf,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8000)),
            auto_migrate: true,
            wait_for_database_secs: 60,
            shutdown_grace_secs: 30,
            app_dir: PathBuf::from("frontend-codegen/dist"),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    /// Deepest selection a query may nest.
    pub max_depth: usize,
    /// Largest complexity (fields, with list fields weighted) a query may have.
    pub max_complexity: usize,
    /// Largest `first` of a paginated field.
    pub max_page_size: usize,
    /// Backstop lifetime of a cached view: entries of an older data generation are never read
    /// anyway.
    pub cache_ttl_secs: u64,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            // GraphiQL's introspection query nests 15 deep.
            max_depth: 16,
            max_complexity: 2_000,
            max_page_size: 100,
            cache_ttl_secs: 3_600,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Switch bearer-token checks off (every caller is an admin). Never the default; `pulso
    /// serve` warns at start-up when it is set.
    pub disabled: bool,
    /// HS256 signing secret (at least 32 characters). Unset: a random secret generated once and
    /// kept in the database's `pulso_settings`, shared by every process using that database.
    pub jwt_secret: Option<Secret>,
}

/// A secret value: serialised as itself (so configuration layers can carry it) but shown as
/// `[redacted]` by `Debug`, `Display` and `pulso config`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    /// A level or a `tracing` filter directive.
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Pretty,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    Pretty,
    /// One JSON object per line, for log collectors.
    Json,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub kind: SourceKind,
    pub synthetic: SyntheticConfig,
    pub bigquery: BigQueryConfig,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// The built-in deterministic generator (DOMAIN §11).
    #[default]
    Synthetic,
    BigQuery,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyntheticConfig {
    pub seed: u64,
    /// First month with campaigns; unset: two months before the current one, so the embedded
    /// dashboard always shows recent data.
    pub start: Option<NaiveDate>,
    pub months: u32,
    pub accounts_per_month: u32,
    /// The source's clock: rows dated after it do not exist yet. Unset: now.
    pub as_of: Option<DateTime<Utc>>,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        Self {
            seed: 42,
            start: None,
            months: 3,
            accounts_per_month: 6_000,
            as_of: None,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BigQueryConfig {
    pub project: String,
    pub dataset: String,
    /// The tenant uid inside the default source table names.
    pub uid: String,
    /// REST base URL; set it to an emulator's, e.g. `http://127.0.0.1:9050/bigquery/v2`.
    pub base_url: Option<String>,
    /// Service-account JSON key; unset: `GOOGLE_APPLICATION_CREDENTIALS`.
    pub credentials_path: Option<PathBuf>,
    /// Cost guard: a query that would bill more fails instead.
    pub maximum_bytes_billed: u64,
    pub query_timeout_secs: u64,
    /// Per-table source overrides: a table or query, `{dataset}` and `{uid}` substituted.
    pub sources: BTreeMap<String, String>,
}

impl Default for BigQueryConfig {
    fn default() -> Self {
        Self {
            project: "mibot-222814".into(),
            dataset: "BI_USA".into(),
            uid: "P3fV4dWNeMkN5RJMhV8e".into(),
            base_url: None,
            credentials_path: None,
            maximum_bytes_billed: 10_000_000_000,
            query_timeout_secs: 300,
            sources: BTreeMap::new(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EtlConfig {
    /// Tables loaded at the same time (1–10).
    pub max_concurrent: usize,
    /// Attempts per table for transient errors.
    pub attempts: u32,
    /// First retry delay; doubles each attempt (2 s, 4 s, …).
    pub backoff_base_ms: u64,
    /// A running table or run without a heartbeat for this long is failed by the cleanup.
    pub stale_after_mins: u64,
    /// The same threshold in seconds; when set it takes precedence over `stale_after_mins`.
    pub stale_after_secs: Option<u64>,
    /// Rows per write statement.
    pub rows_per_statement: usize,
    /// Per-table overrides of the catalogue defaults, by table name.
    pub tables: BTreeMap<String, TableOverride>,
}

impl Default for EtlConfig {
    fn default() -> Self {
        Self {
            max_concurrent: 3,
            attempts: 3,
            backoff_base_ms: 2_000,
            stale_after_mins: 30,
            stale_after_secs: None,
            rows_per_statement: 1_000,
            tables: BTreeMap::new(),
        }
    }
}

impl EtlConfig {
    /// Heartbeat age after which a running load or run counts as dead.
    pub fn stale_after(&self) -> Duration {
        Duration::from_secs(
            self.stale_after_secs
                .unwrap_or(self.stale_after_mins.saturating_mul(60)),
        )
    }
}

/// The scheduler and maintenance inside `pulso serve`. Every replica runs the loop; only the
/// one holding the leader lease (a row of `pulso_scheduler`) starts scheduled runs, cleans up
/// stale runs and enforces retention.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchedulerConfig {
    /// Run the scheduler in `pulso serve` at all.
    pub enabled: bool,
    /// How often the leader looks for due tables, schedule slots and stale runs.
    pub tick_secs: u64,
    /// How often every replica renews (or tries to take) the leader lease.
    pub heartbeat_secs: u64,
    /// How long a lease lives without renewal: a dead leader is replaced after at most this.
    pub lease_secs: u64,
    /// A forced refresh of the whole dashboard every N hours, aligned to Lima midnight
    /// (3 = 00:00, 03:00, 06:00 …); unset: only the per-table refresh frequencies.
    pub dashboard_every_hours: Option<u32>,
    /// A table whose last load failed waits this long before the scheduler retries it.
    pub retry_after_secs: u64,
    /// Delete rows past DOMAIN §9.6's retention once a day when TimescaleDB is absent.
    pub retention: bool,
    /// Rows per retention `DELETE` statement.
    pub retention_batch: u64,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            tick_secs: 60,
            heartbeat_secs: 10,
            lease_secs: 30,
            dashboard_every_hours: None,
            retry_after_secs: 900,
            retention: true,
            retention_batch: 5_000,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableOverride {
    pub lookback_days: Option<u32>,
    pub batch_size: Option<usize>,
    pub refresh_hours: Option<u32>,
    pub initial_load_from: Option<NaiveDate>,
}

/// A connection URL whose password never reaches logs, errors or `--help`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretUrl(String);

impl SecretUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The full URL, password included: only for opening the connection.
    pub fn expose(&self) -> &str {
        &self.0
    }

    fn scheme(&self) -> Option<String> {
        url::Url::parse(&self.0).ok().map(|u| u.scheme().to_owned())
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("***"));
                f.write_str(url.as_str())
            }
            Ok(_) => f.write_str(&self.0),
            Err(_) => f.write_str("<unparsable URL>"),
        }
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\"{self}\"")
    }
}

/// Values given on the command line: the top layer.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub config_file: Option<PathBuf>,
    pub log_level: Option<String>,
    pub log_format: Option<LogFormat>,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    pub listen: Option<SocketAddr>,
    pub auto_migrate: Option<bool>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: `{key}` {problem} (from {origin}); expected {expected}")]
    Invalid {
        key: String,
        problem: String,
        origin: String,
        expected: &'static str,
    },
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
}

/// What each key accepts, for error messages.
fn expected_form(key: &str) -> &'static str {
    match key {
        "database.url" => {
            "a sqlite://PATH?mode=rwc or postgres://USER[:PASSWORD]@HOST:PORT/DATABASE URL"
        }
        "database.max_connections" => "a whole number from 1 (2 on PostgreSQL) to 1000",
        "cache.redis_url" => "a redis://[:PASSWORD@]HOST:PORT[/DB] URL (unset: in-process cache)",
        "cache.timeout_ms" => "a whole number of milliseconds",
        "server.listen" => "HOST:PORT, such as 127.0.0.1:8000",
        "server.auto_migrate" => "true or false",
        "log.level" => "error, warn, info, debug, trace, or a filter such as pulso=debug,sqlx=warn",
        "log.format" => "pretty or json",
        "source.kind" => "synthetic or bigquery",
        "etl.max_concurrent" => "a whole number from 1 to 10",
        "etl.attempts" => "a whole number from 1 to 10",
        "etl.rows_per_statement" => "a whole number from 1 to 100000",
        "auth.jwt_secret" => "a secret of at least 32 characters",
        "cache.namespace" => "letters, digits, '-', '_' or '.'",
        "auth.disabled" => "true or false",
        "scheduler.dashboard_every_hours" => "a whole number of hours from 1 to 24 that divides 24",
        "scheduler.heartbeat_secs" | "scheduler.lease_secs" => {
            "whole numbers of seconds, heartbeat at least 1 and below the lease"
        }
        "scheduler.retention_batch" => "a whole number from 1 to 1000000",
        "api.max_depth" | "api.max_complexity" | "api.max_page_size" => {
            "a whole number from 1 to 100000"
        }
        key if key.ends_with("_mins") => "a whole number of minutes",
        key if key.ends_with("_ms") => "a whole number of milliseconds",
        key if key.ends_with("as_of") => "an RFC 3339 timestamp such as 2025-07-01T12:00:00Z",
        key if key.ends_with("start") || key.ends_with("initial_load_from") => {
            "a date such as 2025-06-01"
        }
        key if key.ends_with("_secs") => "a whole number of seconds",
        key if key.starts_with("etl.tables.") => {
            "one of calendario, asignaciones, trandeuda, pagos, voicebot_gestiones, mibotair_gestiones, \
             homologacion_voicebot, homologacion_mibotair, ejecutivos"
        }
        _ => "a key listed in the README's configuration table",
    }
}

impl Config {
    /// Loads every layer, then validates what serde cannot.
    pub fn load(overrides: &Overrides) -> Result<Self, ConfigError> {
        let figment = Self::figment(overrides)?;
        let config: Self = figment
            .extract()
            .map_err(|e| invalid_from_figment(&figment, e))?;
        config.validate(&figment)?;
        Ok(config)
    }

    fn figment(overrides: &Overrides) -> Result<Figment, ConfigError> {
        let named_file = overrides
            .config_file
            .clone()
            .or_else(|| std::env::var_os("PULSO_CONFIG").map(PathBuf::from));
        if let Some(path) = named_file.as_ref().filter(|p| !p.exists()) {
            return Err(ConfigError::MissingFile(path.clone()));
        }
        let file = named_file.unwrap_or_else(|| DEFAULT_CONFIG_FILE.into());

        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if file.exists() {
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment
            .merge(
                Env::raw()
                    .only(&["DATABASE_URL"])
                    .map(|_| "database.url".into()),
            )
            .merge(
                Env::raw()
                    .only(&["REDIS_URL"])
                    .map(|_| "cache.redis_url".into()),
            )
            // Only PULSO_SECTION__KEY names are configuration; other PULSO_* variables
            // (PULSO_CONFIG, test settings) are not.
            .merge(
                Env::prefixed("PULSO_")
                    .filter(|key| key.as_str().contains("__"))
                    .split("__"),
            );
        let flags: [(&str, Option<figment::value::Value>); 6] = [
            ("log.level", overrides.log_level.clone().map(Into::into)),
            (
                "log.format",
                overrides
                    .log_format
                    .map(|f| format!("{f:?}").to_lowercase().into()),
            ),
            (
                "database.url",
                overrides.database_url.clone().map(Into::into),
            ),
            (
                "cache.redis_url",
                overrides.redis_url.clone().map(Into::into),
            ),
            (
                "server.listen",
                overrides.listen.map(|a| a.to_string().into()),
            ),
            (
                "server.auto_migrate",
                overrides.auto_migrate.map(Into::into),
            ),
        ];
        for (key, value) in flags {
            if let Some(value) = value {
                figment = figment.merge(Serialized::default(key, value));
            }
        }
        Ok(figment)
    }

    fn validate(&self, figment: &Figment) -> Result<(), ConfigError> {
        let invalid = |key: &str, problem: &str| ConfigError::Invalid {
            key: key.into(),
            problem: problem.into(),
            origin: figment
                .find_metadata(key)
                .map(|m| origin(m, key))
                .unwrap_or_else(|| "defaults".into()),
            expected: expected_form(key),
        };
        // A loading table holds two PostgreSQL connections at once (its claim's advisory lock
        // and its batches), as does a migration (its lock and its statements).
        let least_connections = match self.database.url.scheme().as_deref() {
            Some("sqlite") => 1,
            Some("postgres" | "postgresql") => 2,
            Some(_) => return Err(invalid("database.url", "names an unsupported database")),
            None => return Err(invalid("database.url", "is not a URL")),
        };
        if !(least_connections..=1000).contains(&self.database.max_connections) {
            return Err(invalid("database.max_connections", "is out of range"));
        }
        if let Some(redis) = &self.cache.redis_url {
            match redis.scheme().as_deref() {
                Some("redis") => {}
                Some(_) => return Err(invalid("cache.redis_url", "names an unsupported scheme")),
                None => return Err(invalid("cache.redis_url", "is not a URL")),
            }
        }
        if !(1..=10).contains(&self.etl.max_concurrent) {
            return Err(invalid("etl.max_concurrent", "is out of range"));
        }
        if !(1..=10).contains(&self.etl.attempts) {
            return Err(invalid("etl.attempts", "is out of range"));
        }
        if !(1..=100_000).contains(&self.etl.rows_per_statement) {
            return Err(invalid("etl.rows_per_statement", "is out of range"));
        }
        if let Some(name) = self
            .etl
            .tables
            .keys()
            .find(|name| crate::tables::find(name).is_none())
        {
            return Err(invalid(
                &format!("etl.tables.{name}"),
                "is not a source table",
            ));
        }
        if self.cache.namespace.is_empty()
            || !self
                .cache
                .namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(invalid("cache.namespace", "is not a key prefix"));
        }
        if self
            .auth
            .jwt_secret
            .as_ref()
            .is_some_and(|secret| secret.expose().len() < 32)
        {
            return Err(invalid("auth.jwt_secret", "is too short"));
        }
        for (key, value) in [
            ("api.max_depth", self.api.max_depth),
            ("api.max_complexity", self.api.max_complexity),
            ("api.max_page_size", self.api.max_page_size),
        ] {
            if !(1..=100_000).contains(&value) {
                return Err(invalid(key, "is out of range"));
            }
        }
        self.validate_scheduler(&invalid)?;
        if tracing_subscriber::EnvFilter::try_new(&self.log.level).is_err() {
            return Err(invalid("log.level", "is not a level or filter"));
        }
        Ok(())
    }

    fn validate_scheduler(
        &self,
        invalid: &dyn Fn(&str, &str) -> ConfigError,
    ) -> Result<(), ConfigError> {
        let scheduler = &self.scheduler;
        if scheduler.heartbeat_secs == 0 || scheduler.heartbeat_secs >= scheduler.lease_secs {
            return Err(invalid(
                "scheduler.heartbeat_secs",
                "is not below scheduler.lease_secs",
            ));
        }
        if scheduler.tick_secs == 0 {
            return Err(invalid("scheduler.tick_secs", "is zero"));
        }
        if scheduler
            .dashboard_every_hours
            .is_some_and(|hours| hours == 0 || 24 % hours != 0)
        {
            return Err(invalid(
                "scheduler.dashboard_every_hours",
                "does not divide the day",
            ));
        }
        if !(1..=1_000_000).contains(&scheduler.retention_batch) {
            return Err(invalid("scheduler.retention_batch", "is out of range"));
        }
        Ok(())
    }

    /// The effective configuration with every secret redacted, for `pulso config`.
    pub fn to_redacted_json(&self) -> serde_json::Value {
        let mut shown = self.clone();
        shown.database.url = SecretUrl(self.database.url.to_string());
        shown.cache.redis_url = self
            .cache
            .redis_url
            .as_ref()
            .map(|u| SecretUrl(u.to_string()));
        shown.auth.jwt_secret = self.auth.jwt_secret.as_ref().map(|s| Secret(s.to_string()));
        serde_json::to_value(shown).expect("the configuration serialises")
    }
}

fn invalid_from_figment(figment: &Figment, error: figment::Error) -> ConfigError {
    let key = error.path.join(".");
    let origin = error
        .metadata
        .as_ref()
        .or_else(|| figment.find_metadata(&key))
        .map(|m| origin(m, &key))
        .unwrap_or_else(|| "defaults".into());
    // Unknown keys have no expected form of their own: name the key that was not understood.
    let (key, problem) = match &error.kind {
        figment::error::Kind::UnknownField(..) => (key, "is not a configuration key".to_owned()),
        kind => (key, format!("is invalid: {kind}")),
    };
    let expected = expected_form(&key);
    ConfigError::Invalid {
        key,
        problem,
        origin,
        expected,
    }
}

/// Where a value came from, in the words a user would search for: the environment variable,
/// the file, the command line or the defaults.
fn origin(metadata: &Metadata, key: &str) -> String {
    // `Serialized` providers are named after their value's type: flags are merged as single
    // values, the defaults as a whole `Config`.
    if metadata.name.ends_with("::Value") {
        return "command-line flag".into();
    }
    if metadata.name.ends_with("::Config") {
        return "defaults".into();
    }
    if metadata.name.contains("environment") {
        let variable = match key {
            _ if metadata.name.contains("PULSO_") => {
                format!("PULSO_{}", key.replace('.', "__").to_uppercase())
            }
            "database.url" => "DATABASE_URL".into(),
            _ => "REDIS_URL".into(),
        };
        return format!("environment variable {variable}");
    }
    match &metadata.source {
        Some(source) => format!("{} {source}", metadata.name),
        None => metadata.name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_hide_their_password() {
        let url = SecretUrl::new("postgres://pulso:s3cr3t@db:5432/pulso");
        assert_eq!(url.to_string(), "postgres://pulso:***@db:5432/pulso");
        assert!(!format!("{url:?}").contains("s3cr3t"));
        assert_eq!(url.expose(), "postgres://pulso:s3cr3t@db:5432/pulso");
    }

    #[test]
    fn defaults_are_the_embedded_mode() {
        let config = Config::default();
        assert_eq!(config.database.url.expose(), "sqlite://pulso.db?mode=rwc");
        assert!(config.cache.redis_url.is_none());
        assert_eq!(config.server.listen.to_string(), "127.0.0.1:8000");
    }
}
