//! The one place where PostgreSQL and SQLite differ. Every build is a single SQL text that
//! calls these hooks for the few expressions the engines spell differently.
//!
//! Storage forms on SQLite (through sqlx): dates are `YYYY-MM-DD` text, timestamps RFC 3339 text
//! (`2025-06-02T11:00:00+00:00`), NUMERIC as REAL, booleans 0/1. Lima is UTC−5 without DST, so
//! the Lima date or hour of an instant is the UTC date or hour of the instant minus 5 hours.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use sea_orm::DbBackend;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    pub fn of(backend: DbBackend) -> Self {
        match backend {
            DbBackend::Postgres => Self::Postgres,
            // MySQL is not a Pulso target; SQLite is the embedded engine.
            _ => Self::Sqlite,
        }
    }

    /// Settings for one build step's transaction, on PostgreSQL:
    /// - no JIT: compiling cost about 0.9 s per heavy step and saved less than that;
    /// - 64 MB of sort and hash memory: with the default 4 MB a month's steps sorted on disk
    ///   (gestiones' attempt ordinal 53 MB, the debt documents' ranking 26 MB). Two steps run at
    ///   once, each with a few such nodes: a few hundred MB at worst, for the build's duration;
    /// - for aux_documento_cuenta, aux_cuenta_campana, aux_pagos and aux_cuenta_estado_diario,
    ///   no nested loops: their CTE row estimates (a `rn = 1` filter over a window, a CTE of
    ///   accounts) are so low that the planner looked each account or document up on its own —
    ///   re-running the aggregate over a month's debt snapshots per account (over 15 min for
    ///   25,000 accounts instead of about 1 s), visiting 347,000 trandeuda heap blocks one
    ///   account at a time (1.2 s; a hash join reads the table once in 0.3 s), or a quarter's
    ///   paid documents one index probe at a time (1.7 s of a 3 s step; 8.7 s once the owner
    ///   ranking was split in two); nor for aux_gestion_cuenta, which joins a campaign's
    ///   clients to their gestiones: PostgreSQL has no (cod_luna, fecha_gestion) index on
    ///   aux_gestiones (see its migration), and with nested loops the planner read a day's
    ///   gestiones once per campaign instead (a month's fan-out: 3.6 s, against 0.25 s
    ///   hashed). The other steps keep them: assignment_data's index lookups need them;
    /// - for dashboard_data, no merge joins: the planner sorted the fan-out's rows and the
    ///   accounts to count each gestión once per servicio (127,000 and 140,000 rows for a day
    ///   that arrives on 90 days), where hashing them is faster: the step took 1.06 s instead
    ///   of 1.29 s for that day, and 5.0 s instead of 6.6–7.2 s over the 90 days;
    /// - for aux_cuenta_campana, no merge joins either: with its accounts estimated at one row,
    ///   the planner merged the snapshot rows with them on the day alone and compared every
    ///   pair (264 million for the 8,900 accounts of a day that arrives: 19–22 s).
    pub fn build_settings(self, step: &str) -> Vec<&'static str> {
        if self == Self::Sqlite {
            return Vec::new();
        }
        let mut settings = vec!["SET LOCAL jit = off", "SET LOCAL work_mem = '64MB'"];
        if matches!(
            step,
            "aux_documento_cuenta"
                | "aux_cuenta_campana"
                | "aux_gestion_cuenta"
                | "aux_pagos"
                | "aux_cuenta_estado_diario"
        ) {
            settings.push("SET LOCAL enable_nestloop = off");
        }
        if matches!(step, "aux_cuenta_campana" | "dashboard_data") {
            settings.push("SET LOCAL enable_mergejoin = off");
        }
        settings
    }

    /// The setting under which a compared step deletes the rows that changed (see `rewrite`),
    /// on PostgreSQL: nested loops allowed again where [`Self::build_settings`] turned them off
    /// for the step's query. The changed rows are mostly few, each an index lookup by key;
    /// hashed, their delete read every row of the scope's days (68 ms instead of 1 ms for the
    /// daily state's 177 changed rows of a day that arrives).
    pub fn delete_by_key_setting(self) -> Option<&'static str> {
        match self {
            Self::Postgres => Some("SET LOCAL enable_nestloop = on"),
            Self::Sqlite => None,
        }
    }

    /// The settings under which a step's last statements join and group a large join into a
    /// few rows, on PostgreSQL: no sorts, no merge joins. The join's size is beyond the
    /// planner's estimate (an account of each client matches every fan-out row of it: 3,000
    /// rows estimated, 690,000 there), so it sorted them to group them, where hashing them into
    /// the thousand groups takes half the time (a month's gestión counts: 1.0 → 0.5 s). Without
    /// sorts, and with the campaigns listed, it merged the fan-out with the counting accounts
    /// on the campaign alone, already in that order, and tested the account of every pair (551
    /// million for a month: 100 s). Hold for the rest of the step.
    pub fn hash_grouping_settings(self) -> &'static [&'static str] {
        match self {
            Self::Postgres => &[
                "SET LOCAL enable_sort = off",
                "SET LOCAL enable_mergejoin = off",
            ],
            Self::Sqlite => &[],
        }
    }

    /// ` ORDER BY {key}` for a step's inserted rows, or nothing where the step does not ask for
    /// its key's order (`in_key_order`) on PostgreSQL. In the key's order, each row lands next
    /// to the one before it in the key's index instead of on a random page of it, which spares
    /// PostgreSQL's write-ahead log a copy of each page touched at random (a month's fan-out
    /// was written in 2.9 s instead of 3.3 s, its sort included; its gestiones in 2.1 s instead
    /// of 3.1 s, after a 0.75 s sort), and the rows a later build reads together sit on fewer
    /// pages: with the gestiones and their fan-out inserted unsorted, a day that arrives on 90
    /// days was built in 1.56–1.67 s instead of 1.41–1.64 s. SQLite keeps the order.
    pub fn insert_order(self, key: &str, in_key_order: bool) -> String {
        match (self, in_key_order) {
            (Self::Postgres, false) => String::new(),
            (Self::Postgres, true) | (Self::Sqlite, _) => format!(" ORDER BY {key}"),
        }
    }

    /// How many independent build steps run at once. PostgreSQL runs an `INSERT … SELECT` in
    /// one backend process (it plans no parallel workers for a statement that writes), so two
    /// steps on two connections keep two cores busy; SQLite has a single writer.
    pub fn concurrent_steps(self) -> usize {
        match self {
            Self::Postgres => 2,
            Self::Sqlite => 1,
        }
    }

    /// Refreshes the planner's statistics of `tables` after a bulk change, so the statements
    /// that read them next are planned for the rows now there: a build's steps read tables that
    /// the steps before them (or the load) have just filled, long before autovacuum analyses
    /// them. Without it, a month's assignment_data chose a nested loop over 25,000 accounts
    /// (3.4 s instead of 0.3 s) and dashboard_data took 2.4× longer. PostgreSQL only; SQLite
    /// plans without statistics.
    pub fn analyze(self, tables: &[&str]) -> Option<String> {
        match self {
            Self::Postgres => Some(format!("ANALYZE {}", tables.join(", "))),
            Self::Sqlite => None,
        }
    }

    /// `CREATE TEMPORARY TABLE name AS query`, its columns named `columns` whatever the query's
    /// select list calls them (SQLite takes no list there: a CTE's column list names them).
    pub fn create_temporary_as(self, name: &str, columns: &str, query: &str) -> String {
        match self {
            Self::Postgres => format!("CREATE TEMPORARY TABLE {name} ({columns}) AS {query}"),
            Self::Sqlite => format!(
                "CREATE TEMPORARY TABLE {name} AS \
                 WITH pulso_named ({columns}) AS ({query}) SELECT * FROM pulso_named"
            ),
        }
    }

    /// A DATE literal.
    pub fn date(self, d: NaiveDate) -> String {
        match self {
            Self::Postgres => format!("DATE '{d}'"),
            Self::Sqlite => format!("'{d}'"),
        }
    }

    /// A TIMESTAMPTZ literal, in the form sqlx stores on SQLite.
    pub fn timestamp(self, t: DateTime<Utc>) -> String {
        let text = t.to_rfc3339_opts(SecondsFormat::AutoSi, false);
        match self {
            Self::Postgres => format!("TIMESTAMPTZ '{text}'"),
            Self::Sqlite => format!("'{text}'"),
        }
    }

    pub fn bool(self, b: bool) -> &'static str {
        match (self, b) {
            (Self::Postgres, true) => "TRUE",
            (Self::Postgres, false) => "FALSE",
            (Self::Sqlite, true) => "1",
            (Self::Sqlite, false) => "0",
        }
    }

    /// Lima date of a TIMESTAMPTZ expression.
    pub fn lima_date(self, ts: &str) -> String {
        match self {
            Self::Postgres => {
                format!("CAST((({ts}) AT TIME ZONE 'UTC') - INTERVAL '5 hours' AS DATE)")
            }
            Self::Sqlite => format!("date({ts}, '-5 hours')"),
        }
    }

    /// Lima hour (0–23) of a TIMESTAMPTZ expression.
    pub fn lima_hour(self, ts: &str) -> String {
        match self {
            Self::Postgres => format!(
                "CAST(EXTRACT(HOUR FROM (({ts}) AT TIME ZONE 'UTC') - INTERVAL '5 hours') AS INTEGER)"
            ),
            Self::Sqlite => format!("CAST(strftime('%H', {ts}, '-5 hours') AS INTEGER)"),
        }
    }

    /// `ts` falls on a Lima day in [from, to] (either end open when `None`). On PostgreSQL the
    /// predicate is a plain range on the column, so an index on it can be used.
    pub fn lima_day_in(self, ts: &str, from: Option<NaiveDate>, to: Option<NaiveDate>) -> String {
        let mut parts = Vec::new();
        match self {
            Self::Postgres => {
                if let Some(from) = from {
                    parts.push(format!(
                        "{ts} >= {}",
                        self.timestamp(crate::lima::start_of_day(from))
                    ));
                }
                if let Some(to) = to.and_then(|t| t.succ_opt()) {
                    parts.push(format!(
                        "{ts} < {}",
                        self.timestamp(crate::lima::start_of_day(to))
                    ));
                }
            }
            Self::Sqlite => {
                let day = self.lima_date(ts);
                if let Some(from) = from {
                    parts.push(format!("{day} >= {}", self.date(from)));
                }
                if let Some(to) = to {
                    parts.push(format!("{day} <= {}", self.date(to)));
                }
            }
        }
        and_all(parts)
    }

    /// `ts` at or after the instant `t` (load-time columns; SQLite compares through julianday
    /// because `DEFAULT CURRENT_TIMESTAMP` writes a different text form than sqlx).
    pub fn timestamp_at_least(self, ts: &str, t: DateTime<Utc>) -> String {
        match self {
            Self::Postgres => format!("{ts} >= {}", self.timestamp(t)),
            Self::Sqlite => format!("julianday({ts}) >= julianday({})", self.timestamp(t)),
        }
    }

    /// Sort key of a TIMESTAMPTZ column (SQLite: through julianday, independent of text form).
    pub fn timestamp_order(self, ts: &str) -> String {
        match self {
            Self::Postgres => ts.to_string(),
            Self::Sqlite => format!("julianday({ts})"),
        }
    }

    /// Whole days from `b` to `a` (a − b) for DATE expressions.
    pub fn days_between(self, a: &str, b: &str) -> String {
        match self {
            Self::Postgres => format!("(({a}) - ({b}))"),
            Self::Sqlite => format!("CAST(julianday({a}) - julianday({b}) AS INTEGER)"),
        }
    }

    /// A sub-select (usable in FROM) yielding one column `fecha` for every day in [from, to].
    pub fn date_series(self, from: NaiveDate, to: NaiveDate) -> String {
        match self {
            Self::Postgres => format!(
                "SELECT CAST(g AS DATE) AS fecha FROM generate_series(TIMESTAMP '{from}', TIMESTAMP '{to}', INTERVAL '1 day') AS g"
            ),
            Self::Sqlite => format!(
                "WITH RECURSIVE s(fecha) AS (SELECT '{from}' UNION ALL \
                 SELECT date(fecha, '+1 day') FROM s WHERE fecha < '{to}') SELECT fecha FROM s"
            ),
        }
    }

    /// ISO day of week (1 = Monday … 7 = Sunday) of a DATE expression.
    pub fn iso_dow(self, d: &str) -> String {
        match self {
            Self::Postgres => format!("CAST(EXTRACT(ISODOW FROM {d}) AS INTEGER)"),
            Self::Sqlite => format!("((CAST(strftime('%w', {d}) AS INTEGER) + 6) % 7 + 1)"),
        }
    }

    /// `YYYY-MM` of a DATE expression.
    pub fn month(self, d: &str) -> String {
        match self {
            Self::Postgres => format!("to_char({d}, 'YYYY-MM')"),
            Self::Sqlite => format!("strftime('%Y-%m', {d})"),
        }
    }

    /// A DATE expression as `YYYY-MM-DD` text (for reading it back in Rust).
    pub fn date_text(self, d: &str) -> String {
        match self {
            Self::Postgres => format!("CAST({d} AS TEXT)"),
            Self::Sqlite => d.to_string(),
        }
    }

    /// The text `expr` compared byte by byte, as SQLite compares text. On PostgreSQL that is the
    /// "C" collation: sorting under the database's (even C.UTF-8) goes through the locale's
    /// rules, and ranking a week of debt snapshots' 187,000 documents took 0.43–0.52 s instead
    /// of 0.30 s.
    pub fn bytewise(self, expr: &str) -> String {
        match self {
            Self::Postgres => format!("{expr} COLLATE \"C\""),
            Self::Sqlite => expr.to_string(),
        }
    }

    /// The larger of two non-NULL expressions.
    pub fn greatest(self, a: &str, b: &str) -> String {
        match self {
            Self::Postgres => format!("GREATEST({a}, {b})"),
            Self::Sqlite => format!("MAX({a}, {b})"),
        }
    }

    /// `col` is one of the values `subquery` returns, spelt so that an index on `col` reaches
    /// them without a nested loop: on PostgreSQL an array computed once, whose values a bitmap
    /// index scan looks up (as `IN`, a semi join read the whole table for a few documents); on
    /// SQLite `IN`, which looks each value up in the index.
    pub fn in_values_of(self, col: &str, subquery: &str) -> String {
        match self {
            Self::Postgres => format!("{col} = ANY(ARRAY({subquery}))"),
            Self::Sqlite => format!("{col} IN ({subquery})"),
        }
    }

    /// The smaller of two non-NULL expressions.
    pub fn least(self, a: &str, b: &str) -> String {
        match self {
            Self::Postgres => format!("LEAST({a}, {b})"),
            Self::Sqlite => format!("MIN({a}, {b})"),
        }
    }

    /// The database's ROUND to 2 dp (PostgreSQL has ROUND(x, n) for NUMERIC only), as a double.
    pub fn round2(self, x: &str) -> String {
        match self {
            Self::Postgres => {
                format!("CAST(ROUND(CAST({x} AS NUMERIC), 2) AS DOUBLE PRECISION)")
            }
            Self::Sqlite => format!("ROUND({x}, 2)"),
        }
    }

    /// A stored percentage (DOMAIN §2, §13.2, §13.17): 100 · num / den rounded to 2 dp and
    /// clamped to [0, 100]; 0 when the denominator is 0.
    pub fn pct(self, num: &str, den: &str) -> String {
        let rounded = self.round2(&format!("100.0 * ({num}) / ({den})"));
        let clamped = self.least(&self.greatest(&rounded, "0"), "100");
        format!("CASE WHEN ({den}) = 0 THEN 0 ELSE {clamped} END")
    }

    /// A ratio rounded to 2 dp and not clamped (inten); 0 when the denominator is 0.
    pub fn ratio(self, num: &str, den: &str) -> String {
        let rounded = self.round2(&format!("1.0 * ({num}) / ({den})"));
        format!("CASE WHEN ({den}) = 0 THEN 0 ELSE {rounded} END")
    }
}

/// `a AND b AND …`, or an always-true predicate when there is nothing to test.
pub fn and_all(parts: Vec<String>) -> String {
    if parts.is_empty() {
        "1 = 1".to_string()
    } else {
        parts.join(" AND ")
    }
}

/// A single-quoted SQL string literal.
pub fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}
