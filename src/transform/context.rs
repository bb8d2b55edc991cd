//! What every build's SQL is rendered against: the dialect, Lima `today`, the scope as SQL
//! predicates, and the load-time stamp written into the rows.

use std::collections::{BTreeMap, BTreeSet};

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
    /// The daily state's `from` (see [`Self::in_debt_days`]); `None` = `from`.
    pub snapshots_from: Option<NaiveDate>,
    /// Campaigns rebuilt from a day before `from`: a change of their campaign-wide rows moved
    /// their earlier days (see `changes`). The other campaigns keep `from`.
    pub earlier: BTreeMap<String, NaiveDate>,
    /// Of those widenings, the ones of a campaign's shape or accounts (aux_campana_dia,
    /// aux_cuenta_campana), which move every later day of the daily state too.
    pub reshaped: BTreeMap<String, NaiveDate>,
    /// The dates of the valid payments whose rows changed, per campaign: each moves the daily
    /// state only until the next snapshot (§7.3).
    pub paid: BTreeMap<String, BTreeSet<NaiveDate>>,
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
        if let Some(from) = self.from {
            let (bound, own) = self.starting_each(archivo, day, from, &self.earlier, from);
            parts.push(bound);
            parts.extend((own != parts[0]).then_some(own));
        }
        parts.extend(self.until_to(day));
        and_all(parts)
    }

    /// `day` is a day of the daily state (aux_cuenta_estado_diario) that the scope rebuilds
    /// for the campaign in `archivo`, whose snapshot day S(day) is `snapshot`. Its rows read
    /// the campaign's days and accounts, the snapshots and the valid payments, no gestión. So
    /// it is rebuilt from `snapshots_from` (the first changed snapshot), or from the day a
    /// change of the campaign's shape or accounts moved; and where a changed payment moved it:
    /// from the payment's day while S(day) is before it (a later snapshot nets the payment,
    /// §7.3).
    pub fn in_debt_days(&self, archivo: &str, day: &str, snapshot: &str) -> String {
        let Some(from) = self.from else {
            return self.in_days(archivo, day);
        };
        let start = self.snapshots_from.map_or(from, |s| s.max(from));
        let first_of = |campaign: &String| {
            self.reshaped
                .get(campaign)
                .map_or(start, |&day| day.min(start))
        };
        let windows: Vec<String> = self
            .paid
            .iter()
            .flat_map(|(campaign, days)| days.iter().map(move |&paid| (campaign, paid)))
            .filter(|&(campaign, paid)| paid < first_of(campaign))
            .map(|(campaign, paid)| {
                let paid = self.date(paid);
                format!(
                    "({archivo} = {} AND {day} >= {paid} \
                     AND ({snapshot} IS NULL OR {snapshot} < {paid}))",
                    quote(campaign)
                )
            })
            .collect();
        let earliest_paid = self
            .paid
            .values()
            .flatten()
            .copied()
            .fold(start, NaiveDate::min);
        let (bound, own) = self.starting_each(archivo, day, start, &self.reshaped, earliest_paid);
        let own = if windows.is_empty() {
            own
        } else {
            format!("({own} OR {})", windows.join(" OR "))
        };
        let mut parts = vec![bound, own];
        parts.extend(self.until_to(day));
        and_all(parts)
    }

    /// `day` is on or after the first day of the campaign in `archivo`: its day in `first`,
    /// else `from`. Returned in two parts: a bound over every campaign (no later than
    /// `lowest`), which an index on `day` can use, then the campaign's own.
    fn starting_each(
        &self,
        archivo: &str,
        day: &str,
        from: NaiveDate,
        first: &BTreeMap<String, NaiveDate>,
        lowest: NaiveDate,
    ) -> (String, String) {
        let lowest = first
            .values()
            .copied()
            .fold(lowest.min(from), NaiveDate::min);
        let arms: String = first
            .iter()
            .filter(|&(_, &first)| first < from)
            .map(|(campaign, first)| {
                format!(" WHEN {} THEN {}", quote(campaign), self.date(*first))
            })
            .collect();
        let own = if arms.is_empty() {
            format!("{day} >= {}", self.date(from))
        } else {
            format!("{day} >= CASE {archivo}{arms} ELSE {} END", self.date(from))
        };
        (format!("{day} >= {}", self.date(lowest)), own)
    }

    /// `day` is not after the scope's `to`.
    pub fn up_to_to(&self, day: &str) -> String {
        and_all(self.until_to(day).into_iter().collect())
    }

    fn until_to(&self, day: &str) -> Option<String> {
        self.to.map(|to| format!("{day} <= {}", self.date(to)))
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
