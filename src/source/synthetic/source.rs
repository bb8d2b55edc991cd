//! The synthetic generator behind the [`Source`] trait: pages of rows produced on a blocking
//! thread, one Lima day at a time, so memory holds about one day of rows plus the pages in
//! flight whatever the range.

use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use tokio::sync::mpsc;

use super::calendar;
use super::generator::Generator;
use super::profile::SyntheticProfile;
use crate::lima;
use crate::source::{Pages, ReadRange, Row, Source, SourceError};
use crate::tables::TableSpec;

/// Page buffers are allocated up to this many rows ahead, whatever the page size asked.
const MAX_PAGE_RESERVE: usize = 65_536;

pub struct SyntheticSource {
    pub(super) generator: Arc<Generator>,
    /// The source's "now": rows arriving later are not there yet. None = the wall clock at
    /// each read.
    as_of: Option<DateTime<Utc>>,
}

impl SyntheticSource {
    pub fn new(profile: SyntheticProfile, as_of: Option<DateTime<Utc>>) -> Self {
        Self {
            generator: Arc::new(Generator::new(profile)),
            as_of,
        }
    }

    pub fn generator(&self) -> &Generator {
        &self.generator
    }
}

#[async_trait::async_trait]
impl Source for SyntheticSource {
    fn kind(&self) -> &'static str {
        "synthetic"
    }

    async fn read(
        &self,
        table: &'static TableSpec,
        range: ReadRange,
        page_size: usize,
    ) -> Result<Pages, SourceError> {
        let generator = Arc::clone(&self.generator);
        let as_of = self.now();
        let (sender, pages) = Pages::channel();
        tokio::task::spawn_blocking(move || {
            let mut pager = Pager::new(sender, page_size.max(1));
            if produce(&generator, table, range, as_of, &mut pager) {
                pager.flush();
            }
        });
        Ok(pages)
    }

    fn now(&self) -> DateTime<Utc> {
        self.as_of.unwrap_or_else(Utc::now)
    }

    fn describe(&self, table: &'static TableSpec, range: ReadRange) -> String {
        if table.incremental.is_none() {
            return format!("synthetic:{}", table.name);
        }
        let show = |instant: Option<DateTime<Utc>>| {
            instant.map_or(String::new(), |i| {
                i.to_rfc3339_opts(SecondsFormat::Secs, true)
            })
        };
        format!(
            "synthetic:{}[{}..{})",
            table.name,
            show(range.from),
            show(range.until)
        )
    }
}

/// Feeds every row of the read to `pager`; false once the reader is gone.
fn produce(
    generator: &Generator,
    table: &TableSpec,
    range: ReadRange,
    as_of: DateTime<Utc>,
    pager: &mut Pager,
) -> bool {
    let Some(incremental) = table.incremental else {
        return generator
            .dimension_rows(table)
            .into_iter()
            .all(|row| pager.push(row));
    };
    let column = table
        .columns
        .iter()
        .position(|c| c.name == incremental)
        .expect("the incremental column is a source column");
    let first = range
        .from
        .map_or(generator.first_day(), |from| lima::to_civil(from).date())
        .max(generator.first_day());
    let last = [Some(as_of), range.until]
        .into_iter()
        .flatten()
        .map(|instant| lima::to_civil(instant).date())
        .min()
        .expect("as_of is always there")
        .min(generator.last_day());
    calendar::days(first, last).all(|day| {
        generator
            .rows_on(table, day, as_of)
            .into_iter()
            .filter(|row| row[column].instant().is_some_and(|i| range.contains(i)))
            .all(|row| pager.push(row))
    })
}

/// Cuts rows into pages and hands them to the reader.
struct Pager {
    sender: mpsc::Sender<Result<Vec<Row>, SourceError>>,
    page_size: usize,
    page: Vec<Row>,
}

impl Pager {
    fn new(sender: mpsc::Sender<Result<Vec<Row>, SourceError>>, page_size: usize) -> Self {
        Self {
            sender,
            page_size,
            page: Vec::with_capacity(page_size.min(MAX_PAGE_RESERVE)),
        }
    }

    /// Adds a row, sending the page when full; false once the reader is gone.
    fn push(&mut self, row: Row) -> bool {
        self.page.push(row);
        self.page.len() < self.page_size || self.send()
    }

    fn flush(&mut self) {
        if !self.page.is_empty() {
            self.send();
        }
    }

    fn send(&mut self) -> bool {
        let capacity = self.page_size.min(MAX_PAGE_RESERVE);
        let page = std::mem::replace(&mut self.page, Vec::with_capacity(capacity));
        self.sender.blocking_send(Ok(page)).is_ok()
    }
}
