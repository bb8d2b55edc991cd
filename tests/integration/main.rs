//! Integration tests, in one binary so the crate links once. Every database test runs on both
//! engines, against a database of its own (see `harness`).

mod emulator;
mod harness;

mod bigquery;
mod cli;
mod etl;
mod graphql;
mod health;
mod load;
mod marts;
mod migrations;
mod near_cache;
mod replicas;
mod schema;
mod startup;
mod views;
