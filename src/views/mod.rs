//! Read models of the dashboard API (DOMAIN §10): one module per view. Each turns the client's
//! arguments into a normalised query (`XArgs::resolve`, whose result is also the cache key) and
//! loads the payload from the marts with a few set-based, parameterised queries (`load`).

pub mod assignment;
mod counters;
pub mod dashboard;
mod error;
pub mod evolution;
pub mod filters;
mod kpi;
pub mod operation;
pub mod productivity;
mod segment;
mod sql;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use error::ViewError;
pub use segment::Dimension;

/// Longest date range any view accepts, in days (inclusive of both ends).
pub const MAX_RANGE_DAYS: i64 = 366;

#[derive(async_graphql::Enum, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[graphql(rename_items = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum IconStatus {
    Up,
    Down,
    Neutral,
    Warning,
    Ok,
    Bad,
    None,
}

#[derive(async_graphql::Enum, Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[graphql(rename_items = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum ValueType {
    Percent,
    Currency,
    Number,
}

/// Checks an inclusive date range given by the client: the end not before the start, and at
/// most `MAX_RANGE_DAYS` days long (it bounds the work of one request).
fn check_range(inicio: NaiveDate, fin: NaiveDate) -> Result<(), ViewError> {
    check_named_range(("fechaInicio", inicio), ("fechaFin", fin))
}

/// `check_range` for arguments with other names (a backfill's `from` and `to`).
pub fn check_named_range(
    (inicio_name, inicio): (&str, NaiveDate),
    (fin_name, fin): (&str, NaiveDate),
) -> Result<(), ViewError> {
    if fin < inicio {
        return Err(ViewError::bad_input(format!(
            "{fin_name} ({fin}) is before {inicio_name} ({inicio})"
        )));
    }
    let days = (fin - inicio).num_days() + 1;
    if days > MAX_RANGE_DAYS {
        return Err(ViewError::bad_input(format!(
            "the date range spans {days} days; at most {MAX_RANGE_DAYS} are allowed"
        )));
    }
    Ok(())
}

/// `date` moved back by `days` calendar days; saturates at chrono's minimum date rather than
/// panicking on absurd inputs.
fn days_before(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_sub_days(chrono::Days::new(days))
        .unwrap_or(NaiveDate::MIN)
}

/// A summed counter as the API's `Int`, saturating instead of wrapping.
fn int(value: i64) -> i32 {
    i32::try_from(value).unwrap_or(if value < 0 { i32::MIN } else { i32::MAX })
}
