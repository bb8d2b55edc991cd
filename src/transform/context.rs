//! What every build's SQL is rendered against: the dialect, Lima `today`, the scope as SQL
//! predicates, and the load-time stamp written into the rows.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::dialect::{Dialect, and_all, quote};

#[derive(Clone)]
pub struct Ctx {
    pub d: Dialect,
    pub today: NaiveDate,
    pub now: DateTime<Utc>,
    /// Campaigns whose campaign-keyed rows are rebuilt; `None` = every campaign.
    pub campaigns: Option<Vec<String>>,
    /// Of those, the campaigns whose accounts (aux_cuenta_campana) are rebuilt; `None` = all.
    pub reassigned: Option<Vec<String>>,
    /// Days of the campaign-keyed rows that are rebuilt (inclusive, open when `None`).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Campaigns rebuilt from a day before `from`: a change of their campaign-wide rows moved
    /// their earlier days (see `changes`). The other campaigns keep `from`.
    pub earlier: BTreeMap<String, NaiveDate>,
    /// Days of the day-keyed rows (aux_gestiones, operation_data, productivity_data), which are
    /// rebuilt for every archivo at once; `None` = nothing to rebuild.
    pub days: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
}

impl Ctx {
    pub fn today(&self) -> String {
        self.d.date(self.today)
    }

    pub fn now(&self) -> String {
        self.d.timestamp(self.now)
    }

    pub fn date(&self, d: NaiveDate) -> String {
        self.d.date(d)
    }

    pub fn bool(&self, b: bool) -> &'static str {
        self.d.bool(b)
    }

    /// `col` names a campaign of the scope.
    pub fn in_campaigns(&self, col: &str) -> String {
        match &self.campaigns {
            None => "1 = 1".to_string(),
            Some(list) => in_list(col, list),
        }
    }

    /// `col` names a campaign whose accounts are rebuilt.
    pub fn in_reassigned(&self, col: &str) -> String {
        match &self.reassigned {
            None => self.in_campaigns(col),
            Some(list) => in_list(col, list),
        }
    }

    /// The first day any campaign's rows are rebuilt from (`None`: from the beginning).
    pub fn first_day(&self) -> Option<NaiveDate> {
        let from = self.from?;
        Some(
            self.earlier
                .values()
                .fold(from, |first, &day| first.min(day)),
        )
    }

    /// `day` (a DATE) is a day of the scope's campaign-keyed rows for the campaign in `archivo`.
    pub fn in_days(&self, archivo: &str, day: &str) -> String {
        let mut parts = Vec::new();
        if let (Some(from), Some(first)) = (self.from, self.first_day()) {
            // The bound over every campaign, which an index on `day` can use.
            parts.push(format!("{day} >= {}", self.date(first)));
            if !self.earlier.is_empty() {
                let arms: String = self
                    .earlier
                    .iter()
                    .map(|(campaign, first)| {
                        format!(" WHEN {} THEN {}", quote(campaign), self.date(*first))
                    })
                    .collect();
                parts.push(format!(
                    "{day} >= CASE {archivo}{arms} ELSE {} END",
                    self.date(from)
                ));
            }
        }
        if let Some(to) = self.to {
            parts.push(format!("{day} <= {}", self.date(to)));
        }
        and_all(parts)
    }

    /// `col` (a DATE) is a day whose day-keyed rows are rebuilt.
    pub fn in_gestion_days(&self, col: &str) -> String {
        match self.days {
            None => "1 = 0".to_string(),
            Some((from, to)) => {
                let mut parts = Vec::new();
                if let Some(from) = from {
                    parts.push(format!("{col} >= {}", self.date(from)));
                }
                if let Some(to) = to {
                    parts.push(format!("{col} <= {}", self.date(to)));
                }
                and_all(parts)
            }
        }
    }

    /// `ts` (a TIMESTAMPTZ) falls on a Lima day whose day-keyed rows are rebuilt.
    pub fn in_gestion_days_ts(&self, ts: &str) -> String {
        match self.days {
            None => "1 = 0".to_string(),
            Some((from, to)) => self.d.lima_day_in(ts, from, to),
        }
    }
}

/// `col` is one of `campaigns`.
fn in_list(col: &str, campaigns: &[String]) -> String {
    if campaigns.is_empty() {
        return "1 = 0".to_string();
    }
    let items: Vec<String> = campaigns.iter().map(|a| quote(a)).collect();
    format!("{col} IN ({})", items.join(", "))
}

/// SQL text normalisation shared by the enum derivations (DOMAIN §13.13): trimmed, upper-cased,
/// `_` read as a space and whitespace runs collapsed to one space.
pub fn normalised_text(expr: &str) -> String {
    let mut s = format!("REPLACE({expr}, '_', ' ')");
    // Each pass halves a run of spaces; five passes collapse runs of up to 32.
    for _ in 0..5 {
        s = format!("REPLACE({s}, '  ', ' ')");
    }
    format!("UPPER(TRIM({s}))")
}

/// A text column counts as empty (rejection reasons, frac markers): NULL or only blanks. Spelt
/// with `IS NULL` first so PostgreSQL estimates it from the column's null fraction (an
/// expression over the column gets a blind 0.5%).
pub fn is_blank(expr: &str) -> String {
    format!("({expr} IS NULL OR TRIM({expr}) = '')")
}
