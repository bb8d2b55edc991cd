use std::process::ExitCode;

use clap::Parser;
use pulso::{cli::Cli, config::Config};

// A request allocates and frees dozens of small buffers (headers, JSON, keys); glibc's malloc
// spent 7% of a cached request's CPU on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // A missing .env is the normal case; values already in the environment win over it.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();
    let config = match Config::load(&cli.overrides()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    pulso::telemetry::init(&config.log);
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(pulso::cli::run(cli.command, config)) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            tracing::error!(%error, "pulso failed");
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
