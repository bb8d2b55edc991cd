//! SeaORM entities, one module per table, grouped by layer of the data flow (DOMAIN.md):
//! `raw` (source copies) → `auxiliary` (the aux layer) → `mart` (dashboard tables), plus `control`
//! (ETL bookkeeping). The aux layer's module is spelled out because `aux` is a reserved file name
//! on Windows, where a checkout would fail.

pub mod auxiliary;
pub mod control;
pub mod mart;
pub mod raw;
