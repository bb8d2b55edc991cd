//! Where raw rows come from: BigQuery in production, the deterministic synthetic generator in the
//! embedded mode and in tests. Both deliver the same typed cells for the same data, so the shared
//! normaliser turns either into identical raw tables.

pub mod bigquery;
pub mod synthetic;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::Decimal;
use tokio::sync::mpsc;

use std::sync::Arc;

use crate::{
    config::{SourceConfig, SourceKind},
    lima,
    tables::TableSpec,
};

/// A value as a source delivers it, typed like BigQuery's column types.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Numeric(Decimal),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    /// Zone-less (BigQuery DATETIME): a Lima civil time.
    DateTime(NaiveDateTime),
    Timestamp(DateTime<Utc>),
}

impl Cell {
    /// The instant an incremental-column value stands for: DATE values at 00:00 Lima, DATETIME
    /// values as Lima civil times (DOMAIN §6, §13.3).
    pub fn instant(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Date(date) => Some(lima::start_of_day(*date)),
            Self::DateTime(civil) => Some(lima::civil_to_utc(*civil)),
            Self::Timestamp(instant) => Some(*instant),
            _ => None,
        }
    }
}

/// One source row: cells in the order of the table's catalogue columns.
pub type Row = Vec<Cell>;

/// Which rows to read, on the incremental column: `from <= value < until`. Full-refresh
/// tables read everything.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReadRange {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
}

impl ReadRange {
    pub fn contains(&self, instant: DateTime<Utc>) -> bool {
        self.from.is_none_or(|from| instant >= from)
            && self.until.is_none_or(|until| instant < until)
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum SourceError {
    /// Worth retrying: network trouble, timeouts, rate limits, server errors.
    #[error("{0}")]
    Transient(String),
    /// Retrying cannot help: authentication, permissions, a bad query or table.
    #[error("{0}")]
    Permanent(String),
}

/// Pages of rows in the table's read order, produced ahead by a background task into a bounded
/// channel: extraction overlaps loading while at most a few pages wait in memory. Dropping the
/// reader stops the producer.
pub struct Pages(mpsc::Receiver<Result<Vec<Row>, SourceError>>);

/// How many produced pages may wait for the loader.
const PAGES_AHEAD: usize = 1;

impl Pages {
    /// A reader and the sender its producer writes into.
    pub fn channel() -> (mpsc::Sender<Result<Vec<Row>, SourceError>>, Self) {
        let (sender, receiver) = mpsc::channel(PAGES_AHEAD);
        (sender, Self(receiver))
    }

    pub async fn next(&mut self) -> Option<Result<Vec<Row>, SourceError>> {
        self.0.recv().await
    }
}

#[async_trait::async_trait]
pub trait Source: Send + Sync {
    /// `synthetic` or `bigquery`.
    fn kind(&self) -> &'static str;

    /// The rows of `table` within `range`, in the table's read order (`TableSpec::order_by`),
    /// `page_size` rows a page. Errors that stop the read arrive as the last page.
    async fn read(
        &self,
        table: &'static TableSpec,
        range: ReadRange,
        page_size: usize,
    ) -> Result<Pages, SourceError>;

    /// What `read` will ask the source, for the execution log (the SQL, for BigQuery).
    fn describe(&self, table: &'static TableSpec, range: ReadRange) -> String;

    /// The source's present: what "today" means for planning reads and rebuilding the marts.
    /// A synthetic source replaying a fixed `as_of` lives at that instant.
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    /// The Lima date of [`Source::now`].
    fn today(&self) -> NaiveDate {
        lima::to_civil(self.now()).date()
    }
}

/// The source the configuration names.
pub async fn from_config(config: &SourceConfig) -> Result<Arc<dyn Source>, SourceError> {
    Ok(match config.kind {
        SourceKind::Synthetic => {
            let synthetic = &config.synthetic;
            let profile = synthetic::SyntheticProfile {
                seed: synthetic.seed,
                start: synthetic
                    .start
                    .unwrap_or_else(|| months_before(lima::today(), 2)),
                months: synthetic.months,
                accounts_per_month: synthetic.accounts_per_month,
                ..Default::default()
            };
            Arc::new(synthetic::SyntheticSource::new(profile, synthetic.as_of))
        }
        SourceKind::BigQuery => {
            Arc::new(bigquery::BigQuerySource::connect(&config.bigquery).await?)
        }
    })
}

/// The first day of the month `months` before `day`'s month.
fn months_before(day: NaiveDate, months: u32) -> NaiveDate {
    let first = day.with_day(1).expect("every month has a first day");
    first
        .checked_sub_months(chrono::Months::new(months))
        .unwrap_or(first)
}
