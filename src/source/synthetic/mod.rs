//! The deterministic synthetic source (DOMAIN §11): a generated world of campaigns, accounts,
//! debt, payments and gestiones that delivers the nine source tables with the same typed cells
//! BigQuery would, including the edge cases of DOMAIN §12. The same profile always yields
//! byte-identical rows: every value is drawn from a SplitMix64 stream keyed by the seed and the
//! entity (no global RNG, no wall clock, no hash-map order).

mod accounts;
mod arrival;
mod calendar;
mod campaigns;
mod cells;
mod debt;
mod dimensions;
mod generator;
mod gestiones;
mod order;
mod payments;
mod profile;
mod rng;
mod source;
#[cfg(test)]
mod tests;

pub use generator::Generator;
pub use order::{compare_cells, sort_rows};
pub use profile::SyntheticProfile;
pub use source::SyntheticSource;
