//! The `pulso` command line: what each subcommand does.

mod etl;

use std::{net::SocketAddr, path::PathBuf};

use clap::{Parser, Subcommand};
use migration::{Migrator, MigratorTrait};

use crate::{
    Error,
    auth::{Role, Tokens},
    config::{Config, LogFormat, Overrides},
    database,
    serve::{Application, shutdown_signal},
};

/// Pulso: the backend of the collections-operations dashboard (BigQuery → ETL → marts → GraphQL).
///
/// With no command, `pulso` runs `serve`. Configuration layers, later winning: built-in defaults
/// (embedded SQLite, in-process cache) < pulso.toml < DATABASE_URL / REDIS_URL < PULSO_SECTION__KEY
/// environment variables < these flags. A .env file in the working directory is read first.
#[derive(Debug, Parser)]
#[command(name = "pulso", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Configuration file [default: ./pulso.toml when present; or $PULSO_CONFIG]
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Log level or filter, e.g. `debug` or `pulso=debug,sqlx=warn` [default: info]
    #[arg(long, global = true, value_name = "LEVEL")]
    pub log_level: Option<String>,

    /// Log line format [default: pretty]
    #[arg(long, global = true, value_enum)]
    pub log_format: Option<LogFormat>,

    /// Database URL: sqlite://PATH?mode=rwc or postgres://USER@HOST:PORT/DB [default: sqlite://pulso.db?mode=rwc]
    #[arg(long, global = true, value_name = "URL")]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service: GraphQL at /graphql, /health, /ready, /metrics (the default command)
    Serve(ServeArgs),
    /// Manage the database schema
    #[command(subcommand)]
    Migrate(MigrateCommand),
    /// Load source tables into the raw layer and inspect the ETL
    #[command(subcommand)]
    Etl(etl::EtlCommand),
    /// Print the effective configuration as JSON, secrets redacted
    Config,
    /// Print the GraphQL schema (SDL), as schema.graphql holds it
    Schema {
        /// Write it to this file instead of standard output
        #[arg(long, short, value_name = "PATH")]
        output: Option<PathBuf>,
    },
    /// Mint a bearer token for the API
    Token(TokenArgs),
}

#[derive(Debug, clap::Args)]
pub struct TokenArgs {
    /// What the token may do: viewer (queries, subscriptions) or admin (also mutations)
    #[arg(long, value_enum, default_value = "viewer")]
    pub role: Role,
    /// How long it is valid: a number with s, m, h or d, e.g. 90m, 1h, 30d
    #[arg(long, default_value = "1h", value_parser = parse_ttl)]
    pub ttl: chrono::Duration,
    /// Who the token is for (the `sub` claim)
    #[arg(long, default_value = "operator")]
    pub subject: String,
}

/// `90m`, `1h`, `30d`: a positive whole number and a unit.
fn parse_ttl(text: &str) -> Result<chrono::Duration, String> {
    let expected = || format!("{text:?} is not a duration such as 90m, 1h or 30d");
    let split = text.len().saturating_sub(1);
    let (number, unit) = (
        text.get(..split).unwrap_or(""),
        text.get(split..).unwrap_or(""),
    );
    let number: i64 = number.parse().map_err(|_| expected())?;
    if number <= 0 {
        return Err(expected());
    }
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return Err(expected()),
    };
    number
        .checked_mul(seconds)
        .filter(|s| *s <= 366 * 86_400)
        .map(chrono::Duration::seconds)
        .ok_or_else(|| format!("{text:?} is longer than a year"))
}

#[derive(Debug, Default, clap::Args)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8000]
    #[arg(long, value_name = "HOST:PORT")]
    pub listen: Option<SocketAddr>,
    /// Do not apply pending migrations on start
    #[arg(long)]
    pub no_migrate: bool,
    /// Redis URL for the cache [default: in-process cache]
    #[arg(long, value_name = "URL")]
    pub redis_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum MigrateCommand {
    /// Apply pending migrations
    Up {
        /// Apply only this many
        #[arg(short = 'n', long)]
        steps: Option<u32>,
    },
    /// Roll back applied migrations
    Down {
        /// How many to roll back
        #[arg(short = 'n', long, default_value_t = 1)]
        steps: u32,
    },
    /// List every migration and whether it is applied
    Status,
    /// Drop every table, then apply all migrations (destroys all data)
    Fresh,
}

impl Cli {
    /// The flags that take part in configuration.
    pub fn overrides(&self) -> Overrides {
        let serve = match &self.command {
            Some(Command::Serve(args)) => Some(args),
            _ => None,
        };
        Overrides {
            config_file: self.config.clone(),
            log_level: self.log_level.clone(),
            log_format: self.log_format,
            database_url: self.database_url.clone(),
            redis_url: serve.and_then(|s| s.redis_url.clone()),
            listen: serve.and_then(|s| s.listen),
            auto_migrate: serve.filter(|s| s.no_migrate).map(|_| false),
        }
    }
}

/// Runs one command to completion; the exit code on success.
pub async fn run(command: Option<Command>, config: Config) -> Result<u8, Error> {
    match command.unwrap_or(Command::Serve(ServeArgs::default())) {
        Command::Serve(_) => {
            tracing::info!(
                database = %config.database.url,
                cache = config.cache.redis_url.as_ref().map_or("in-process".to_owned(), ToString::to_string),
                "starting pulso"
            );
            Application::build(&config)
                .await?
                .run_until(shutdown_signal())
                .await?;
            Ok(0)
        }
        Command::Migrate(command) => migrate(command, &config).await.map(|()| 0),
        Command::Etl(command) => etl::run(command, &config).await,
        Command::Config => {
            println!("{:#}", config.to_redacted_json());
            Ok(0)
        }
        Command::Schema { output } => {
            let sdl = crate::serve::graphql::sdl();
            match output {
                Some(path) => std::fs::write(&path, sdl).map_err(|source| Error::Io {
                    context: format!("cannot write {}", path.display()),
                    source,
                })?,
                None => print!("{sdl}"),
            }
            Ok(0)
        }
        Command::Token(args) => {
            let db = database::connect(&config.database).await?;
            Migrator::up(&db, None).await?;
            let tokens = Tokens::from_config(&config.auth, &db).await?;
            println!("{}", tokens.mint(&args.subject, args.role, args.ttl));
            db.close().await?;
            Ok(0)
        }
    }
}

async fn migrate(command: MigrateCommand, config: &Config) -> Result<(), Error> {
    let db = database::connect(&config.database).await?;
    match command {
        MigrateCommand::Up { steps } => Migrator::up(&db, steps).await?,
        MigrateCommand::Down { steps } => Migrator::down(&db, Some(steps)).await?,
        MigrateCommand::Fresh => Migrator::fresh(&db).await?,
        MigrateCommand::Status => {
            for migration in Migrator::get_migration_with_status_read_only(&db).await? {
                println!(
                    "{:<8} {}",
                    migration.status().to_string().to_lowercase(),
                    migration.name()
                );
            }
        }
    }
    if !matches!(command, MigrateCommand::Status) {
        let state = database::migration_state(&db).await?;
        println!("{} applied, {} pending", state.applied, state.pending);
    }
    db.close().await?;
    Ok(())
}
