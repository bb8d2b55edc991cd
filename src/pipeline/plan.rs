//! What one table's load reads and how it treats the watermark, per mode (DOMAIN §6).

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;

use crate::{config::EtlConfig, lima, source::ReadRange, tables::TableSpec};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// From the watermark minus the look-back window; moves the watermark forward.
    Incremental,
    /// The whole source; rows absent from it are deleted in the same transaction.
    FullRefresh,
    /// The last N days (default: the look-back), whatever the watermark; moves it forward only.
    SlidingWindow,
    /// An explicit inclusive date range; never moves the watermark.
    Backfill,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incremental => "incremental",
            Self::FullRefresh => "full_refresh",
            Self::SlidingWindow => "sliding_window",
            Self::Backfill => "backfill",
        }
    }
}

/// What the caller asked for; `Default` is each table's catalogue mode.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Requested {
    #[default]
    Default,
    Incremental,
    FullRefresh,
    SlidingWindow {
        days: Option<u32>,
    },
    Backfill {
        from: NaiveDate,
        to: NaiveDate,
    },
}

/// A table's extraction settings: the catalogue's, with the configured overrides.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Settings {
    pub lookback_days: u32,
    pub batch_size: usize,
    pub refresh_hours: u32,
    pub initial_load_from: NaiveDate,
}

pub fn settings(table: &TableSpec, config: &EtlConfig) -> Settings {
    let custom = config.tables.get(table.name).cloned().unwrap_or_default();
    Settings {
        lookback_days: custom.lookback_days.unwrap_or(table.lookback_days),
        batch_size: custom.batch_size.unwrap_or(table.batch_size).max(1),
        refresh_hours: custom.refresh_hours.unwrap_or(table.refresh_hours),
        initial_load_from: custom.initial_load_from.unwrap_or(table.initial_load_from),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub mode: Mode,
    pub range: ReadRange,
    /// The watermark becomes max(old, max loaded value) on success.
    pub moves_watermark: bool,
    /// Rows the load did not deliver are deleted (full refresh).
    pub replaces_content: bool,
}

pub fn plan(
    table: &TableSpec,
    requested: Requested,
    watermark: Option<DateTime<Utc>>,
    settings: &Settings,
    today: NaiveDate,
) -> Plan {
    let days_before =
        |instant: DateTime<Utc>, days: u32| instant - chrono::Duration::days(i64::from(days));
    let full = Plan {
        mode: Mode::FullRefresh,
        range: ReadRange::default(),
        moves_watermark: false,
        replaces_content: true,
    };
    if table.incremental.is_none() {
        // Dimensions have no incremental column: every mode reads them whole.
        return full;
    }
    match requested {
        Requested::Default | Requested::Incremental => Plan {
            mode: Mode::Incremental,
            range: ReadRange {
                from: Some(match watermark {
                    Some(mark) => days_before(mark, settings.lookback_days),
                    None => lima::start_of_day(settings.initial_load_from),
                }),
                until: None,
            },
            moves_watermark: true,
            replaces_content: false,
        },
        // A complete reload also re-establishes the watermark.
        Requested::FullRefresh => Plan {
            moves_watermark: true,
            ..full
        },
        Requested::SlidingWindow { days } => Plan {
            mode: Mode::SlidingWindow,
            range: ReadRange {
                from: Some(days_before(
                    lima::start_of_day(today),
                    days.unwrap_or(settings.lookback_days),
                )),
                until: None,
            },
            moves_watermark: true,
            replaces_content: false,
        },
        Requested::Backfill { from, to } => Plan {
            mode: Mode::Backfill,
            range: ReadRange {
                from: Some(lima::start_of_day(from)),
                until: Some(lima::start_of_day(
                    to.checked_add_days(Days::new(1)).unwrap_or(to),
                )),
            },
            moves_watermark: false,
            replaces_content: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{EJECUTIVOS, PAGOS};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 7, d).unwrap()
    }

    fn pagos_settings() -> Settings {
        settings(&PAGOS, &EtlConfig::default())
    }

    #[test]
    fn incremental_starts_a_look_back_before_the_watermark_or_at_the_initial_load() {
        let first = plan(&PAGOS, Requested::Default, None, &pagos_settings(), day(20));
        assert_eq!(
            first.range.from,
            Some(lima::start_of_day(
                NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
            ))
        );
        let mark = lima::start_of_day(day(15));
        let next = plan(
            &PAGOS,
            Requested::Default,
            Some(mark),
            &pagos_settings(),
            day(20),
        );
        assert_eq!(
            next.range.from,
            Some(lima::start_of_day(day(8))),
            "7-day look-back"
        );
        assert!(next.moves_watermark && !next.replaces_content);
    }

    #[test]
    fn backfill_is_an_inclusive_range_that_leaves_the_watermark() {
        let backfill = plan(
            &PAGOS,
            Requested::Backfill {
                from: day(1),
                to: day(3),
            },
            None,
            &pagos_settings(),
            day(20),
        );
        assert_eq!(
            backfill.range,
            ReadRange {
                from: Some(lima::start_of_day(day(1))),
                until: Some(lima::start_of_day(day(4)))
            }
        );
        assert!(!backfill.moves_watermark);
    }

    #[test]
    fn sliding_window_counts_back_from_today() {
        let sliding = plan(
            &PAGOS,
            Requested::SlidingWindow { days: Some(2) },
            None,
            &pagos_settings(),
            day(20),
        );
        assert_eq!(sliding.range.from, Some(lima::start_of_day(day(18))));
    }

    #[test]
    fn dimensions_are_always_replaced_whole() {
        let settings = settings(&EJECUTIVOS, &EtlConfig::default());
        let dimension = plan(
            &EJECUTIVOS,
            Requested::Incremental,
            None,
            &settings,
            day(20),
        );
        assert_eq!(dimension.mode, Mode::FullRefresh);
        assert!(dimension.replaces_content && !dimension.moves_watermark);
        assert_eq!(dimension.range, ReadRange::default());
    }
}
