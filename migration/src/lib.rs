//! Pulso's schema, one migration per layer of the data flow (DOMAIN.md §5–§9):
//! control → raw → aux → mart, then the optional TimescaleDB upgrade, then the scheduler's
//! shared state, then later changes to those layers.
//!
//! Every migration runs on PostgreSQL and SQLite and has a working `down`.

pub use sea_orm_migration::prelude::*;

mod holidays;
mod m20261123_000001_control_tables;
mod m20261123_000002_raw_tables;
mod m20261123_000003_aux_tables;
mod m20261123_000004_mart_tables;
mod m20261123_000005_timescale;
mod m20261124_000006_scheduler;
mod m20261201_000007_lean_state_index;
mod m20261203_000008_document_accounts;
mod m20261204_000009_gestiones_indexes;
mod m20261204_000010_touched_rows_indexes;
mod m20261204_000011_account_milestones;
mod m20261204_000012_gestion_counts;
mod m20261204_000013_assignment_campaign_index;
mod m20261205_000014_unlogged_aux_tables;
mod m20261205_000015_debt_sums;
mod table_ext;

pub use m20261123_000005_timescale::{TimescaleMode, recorded_mode};
pub use m20261204_000010_touched_rows_indexes::{CHANGED_ROWS_INDEXED, changed_rows_index};
/// aux_cuenta_hitos, which the transform keeps in step with the fan-out.
pub mod account_milestones {
    pub use super::m20261204_000011_account_milestones::{COLUMNS, TABLE, milestones_of};
}
/// The campaign of an assignment row, as its index spells it.
pub mod assignment_campaign {
    pub use super::m20261204_000013_assignment_campaign_index::{INDEX, strip_txt};
}
/// The large aux tables, unlogged on PostgreSQL, and the marker a crash empties with them.
pub mod unlogged_aux {
    pub use super::m20261205_000014_unlogged_aux_tables::{MARKER, UNLOGGED};
}
/// aux_gestiones_servicio_dia, which the transform keeps in step with the fan-out.
pub mod gestion_counts {
    pub use super::m20261204_000012_gestion_counts::{
        COLUMNS, TABLE, counting_accounts, counts_of,
    };
}

/// aux_deuda_servicio_dia, which the transform keeps in step with the daily state.
pub mod debt_sums {
    pub use super::m20261205_000015_debt_sums::{COLUMNS, TABLE, centimos, sums_of};
}

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_control_tables::Migration),
            Box::new(m20261123_000002_raw_tables::Migration),
            Box::new(m20261123_000003_aux_tables::Migration),
            Box::new(m20261123_000004_mart_tables::Migration),
            Box::new(m20261123_000005_timescale::Migration),
            Box::new(m20261124_000006_scheduler::Migration),
            Box::new(m20261201_000007_lean_state_index::Migration),
            Box::new(m20261203_000008_document_accounts::Migration),
            Box::new(m20261204_000009_gestiones_indexes::Migration),
            Box::new(m20261204_000010_touched_rows_indexes::Migration),
            Box::new(m20261204_000011_account_milestones::Migration),
            Box::new(m20261204_000012_gestion_counts::Migration),
            Box::new(m20261204_000013_assignment_campaign_index::Migration),
            Box::new(m20261205_000014_unlogged_aux_tables::Migration),
            Box::new(m20261205_000015_debt_sums::Migration),
        ]
    }
}
