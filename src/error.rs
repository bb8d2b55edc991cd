//! The one error type of the binary's commands, and the exit code each kind maps to.

use crate::{cache::CacheError, config::ConfigError, source::SourceError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("cache: {0}")]
    Cache(#[from] CacheError),
    #[error("source: {0}")]
    Source(#[from] SourceError),
    /// A command used wrongly: bad arguments that clap cannot check.
    #[error("{0}")]
    Usage(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl Error {
    /// 2 for configuration and usage errors (like clap's), 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) | Self::Usage(_) => 2,
            _ => 1,
        }
    }
}
