//! Late arrivals: a small share of rows reaches the source days after its incremental value
//! (a file loaded late), which is what the ETL's lookback exists for (DOMAIN §6).

use chrono::{DateTime, Days, Utc};

use super::rng::Rng;
use crate::source::Row;

/// Share of late rows, and how late they can be.
const LATE_SHARE: f64 = 0.01;
const MAX_DELAY_DAYS: i64 = 10;

/// A generated row and the instant it becomes visible in the source.
pub struct Arriving {
    pub arrives: DateTime<Utc>,
    pub row: Row,
}

impl Arriving {
    /// A row whose incremental value is `value`: on time, or with [`LATE_SHARE`] 1–10 days late.
    pub fn new(rng: &mut Rng, value: DateTime<Utc>, row: Row) -> Self {
        let arrives = if rng.chance(LATE_SHARE) {
            value + Days::new(rng.between(1, MAX_DELAY_DAYS) as u64)
        } else {
            value
        };
        Self { arrives, row }
    }

    /// A row visible as soon as its incremental value is reached.
    pub fn on_time(value: DateTime<Utc>, row: Row) -> Self {
        Self {
            arrives: value,
            row,
        }
    }
}
