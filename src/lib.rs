//! Pulso: BigQuery → incremental ETL → raw → aux → marts → GraphQL, for the collections
//! (cobranzas) operations dashboard. See `README.md` for the data flow and `DOMAIN.md` for the
//! tables and KPIs.

pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod database;
pub mod entities;
mod error;
pub mod extract;
pub mod lima;
pub mod load;
pub mod pipeline;
pub mod serve;
pub mod source;
pub mod tables;
pub mod telemetry;
pub mod transform;
pub mod views;

pub use error::Error;
