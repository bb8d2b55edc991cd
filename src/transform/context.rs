//! What every build's SQL is rendered against: the dialect, Lima `today`, the scope as SQL
//! predicates, and the load-time stamp written into the rows.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    Scope, Touched,
    debt::snapshot_day,
    dialect::{Dialect, and_all, quote},
};

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
    /// The raw rows the load changed, when known (see [`Self::debt_rows_rebuilt`]).
    pub touched: Option<Touched>,
    /// The first day a change of a campaign's shape (aux_campana_dia), or of more of its accounts
    /// (aux_cuenta_campana) than `relisted` lists, moved, per campaign: it moves every later day
    /// of the daily state too, for every account.
    pub reshaped: BTreeMap<String, NaiveDate>,
    /// Of those, the campaigns whose days changed, with the first day that moved (also those
    /// with too many moved clients to list, see `rehomed`). With the clients that joined or
    /// left a campaign, the only change of it that the gestiones' archivo_principal and the
    /// fan-out read (re-listed accounts change only attributes).
    pub regrouped: BTreeMap<String, NaiveDate>,
    /// The clients that joined or left a campaign, from the first day that moved.
    pub rehomed: BTreeMap<String, (NaiveDate, Vec<String>)>,
    /// The accounts whose rows of aux_cuenta_campana changed, per campaign, with the first day
    /// they moved: of the daily state, only their rows move (see [`Self::debt_relisted`]).
    pub relisted: BTreeMap<String, (NaiveDate, Vec<String>)>,
    /// The campaigns whose accounts (aux_cuenta_campana) changed, as the probe found them, listed
    /// or not.
    pub accounts_changed: BTreeSet<String>,
    /// The dates of the valid payments whose rows changed, per campaign: each moves the daily
    /// state only until the next snapshot (§7.3).
    pub paid: BTreeMap<String, BTreeSet<NaiveDate>>,
    /// Days of the day-keyed rows (aux_gestiones, operation_data, productivity_data), which are
    /// rebuilt for every archivo at once; `None` = nothing to rebuild.
    pub days: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
    /// With the load's changes, the date of the last valid payment aux_pagos held when the
    /// build started (`None`: none; see [`Self::payments_rebuilt`]).
    pub last_valid_payment: Option<NaiveDate>,
    /// The campaigns whose fan-out the first of its two steps builds (see
    /// `gestiones::first_fan_out_share`); the second builds the others.
    pub first_fan_out_share: Vec<String>,
}

impl Ctx {
    /// The context of a build of `scope` as of Lima date `today`, before any step widened it.
    pub fn new(d: Dialect, today: NaiveDate, scope: &Scope) -> Self {
        Self {
            d,
            today,
            now: Utc::now(),
            campaigns: scope.campaigns.clone(),
            reassigned: scope.reassigned.clone(),
            from: scope.from,
            to: scope.to,
            touched: scope.touched,
            reshaped: BTreeMap::new(),
            regrouped: BTreeMap::new(),
            rehomed: BTreeMap::new(),
            relisted: BTreeMap::new(),
            accounts_changed: BTreeSet::new(),
            paid: BTreeMap::new(),
            days: None,
            last_valid_payment: None,
            first_fan_out_share: Vec::new(),
        }
    }

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

    /// Whether [`Self::recounted_in`] names any campaign.
    pub fn recounts_any(&self) -> bool {
        self.from.is_none() || !self.accounts_changed.is_empty()
    }

    /// The campaigns whose gestión counts (aux_gestiones_servicio_dia) are counted again whole,
    /// not kept in step with the fan-out's changed rows: those whose accounts changed, since
    /// the account that counts a client's gestiones may be another now. Without a `from` no
    /// probe tells which did: every campaign whose accounts are rebuilt. `col` names one of them.
    pub fn recounted_in(&self, col: &str) -> String {
        match self.from {
            None => self.in_reassigned(col),
            Some(_) => {
                let changed: Vec<String> = self.accounts_changed.iter().cloned().collect();
                in_list(col, &changed)
            }
        }
    }

    /// Campaigns rebuilt from a day before `from`, each with that day: a change of their
    /// campaign-wide rows (`reshaped`, `relisted`, `paid`) moved their earlier days (see
    /// `changes`). The other campaigns keep `from`.
    pub fn earlier(&self) -> BTreeMap<String, NaiveDate> {
        let Some(from) = self.from else {
            return BTreeMap::new();
        };
        let paid = self
            .paid
            .iter()
            .filter_map(|(campaign, days)| Some((campaign, *days.first()?)));
        let mut earlier = BTreeMap::new();
        let relisted = self.relisted.iter().map(|(c, (d, _))| (c, *d));
        let reshaped = self.reshaped.iter().map(|(c, d)| (c, *d));
        for (campaign, day) in reshaped.chain(relisted).chain(paid) {
            if day < from {
                let first = earlier.entry(campaign.clone()).or_insert(day);
                *first = (*first).min(day);
            }
        }
        earlier
    }

    /// The first day any campaign's rows are rebuilt from (`None`: from the beginning).
    pub fn first_day(&self) -> Option<NaiveDate> {
        let from = self.from?;
        Some(self.earlier().into_values().fold(from, NaiveDate::min))
    }

    /// `day` (a DATE) is a day of the scope's campaign-keyed rows for the campaign in `archivo`.
    pub fn in_days(&self, archivo: &str, day: &str) -> String {
        let mut parts = Vec::new();
        if let (Some(from), Some(first)) = (self.from, self.first_day()) {
            // The bound over every campaign, which an index on `day` can use.
            parts.push(format!("{day} >= {}", self.date(first)));
            let earlier = self.earlier();
            if !earlier.is_empty() {
                parts.extend(self.on_or_after_first(archivo, day, &earlier, Some(from)));
            }
        }
        parts.extend(self.until_to(day));
        and_all(parts)
    }

    /// When a load calls for the build, `archivo` names a campaign with days to rebuild, or whose
    /// days changed (a window that shrank may have none left); `None`: any campaign. The other
    /// campaigns of the scope (those that closed before the days rebuilt) read nothing the
    /// load changed: a change of their accounts, days or counted payments, or of the snapshot
    /// of one of their days, dates their days back (see `changes`, [`Self::earlier`]).
    pub fn rebuilt_campaign(&self, archivo: &str) -> Option<String> {
        self.touched?;
        let reshaped: Vec<String> = self.reshaped.keys().cloned().collect();
        Some(format!(
            "({archivo} IN (SELECT cd.archivo FROM aux_campana_dia cd WHERE {}) OR {})",
            self.in_days("cd.archivo", "cd.fecha"),
            in_list(archivo, &reshaped)
        ))
    }

    /// The daily state (aux_cuenta_estado_diario) is rebuilt for every account of a day of the
    /// campaign `archivo` when this holds over the day `day` and its snapshot day S(day)
    /// `snapshot`. Its rows read the campaign's days and accounts, the snapshots and the valid
    /// payments, no gestión, so late gestiones that date `from` back move none of them. A day
    /// is rebuilt whole:
    /// - from `from` when the load's changes are not known, else from the day a change of the
    ///   campaign's shape or accounts moved;
    /// - when it has no rows yet, or (with the load's changes) its rows read another snapshot
    ///   day than S(day) now;
    /// - from the day of one of the campaign's changed payments while S(day) is before it (a
    ///   later snapshot nets the payment, §7.3).
    ///
    /// Other days are rebuilt only for the accounts of [`Self::debt_account_rebuilt`].
    pub fn debt_day_rebuilt(&self, archivo: &str, day: &str, snapshot: &str) -> String {
        let Some(from) = self.from else {
            return self.in_days(archivo, day);
        };
        let start = match self.touched {
            None => Some(from),
            Some(_) => None,
        };
        let mut any: Vec<String> = self
            .on_or_after_first(archivo, day, &self.reshaped, start)
            .into_iter()
            .collect();
        any.push(format!(
            "({archivo}, {day}) IN ({})",
            self.whole_debt_days()
        ));
        any.extend(self.paid.iter().flat_map(|(campaign, days)| {
            days.iter().map(move |paid| {
                let paid = self.date(*paid);
                format!(
                    "({archivo} = {} AND {day} >= {paid} \
                     AND ({snapshot} IS NULL OR {snapshot} < {paid}))",
                    quote(campaign)
                )
            })
        }));
        let mut parts = vec![format!("({})", any.join(" OR "))];
        parts.extend(self.until_to(day));
        and_all(parts)
    }

    /// With the load's changes, the account `cuenta` of a day whose snapshot day is `snapshot`
    /// is rebuilt when one of its trandeuda rows of that snapshot changed.
    pub fn debt_account_rebuilt(&self, cuenta: &str, snapshot: &str) -> Option<String> {
        self.touched_debt("cod_cuenta, fecha_proceso")
            .map(|touched| format!("({cuenta}, {snapshot}) IN ({touched})"))
    }

    /// With the load's changes, `cuenta` is an account with changed trandeuda rows: one whose
    /// rows [`Self::debt_account_rebuilt`] can pick.
    pub fn debt_account_touched(&self, cuenta: &str) -> Option<String> {
        self.touched_debt("cod_cuenta")
            .map(|touched| format!("{cuenta} IN ({touched})"))
    }

    /// The rows of the daily state of a relisted account (`relisted`): on day `day` of the
    /// campaign `archivo`, of its account `cuenta`; with `cuenta` `None`, the days that hold such
    /// rows. `None`: no account was relisted.
    pub fn debt_relisted(&self, archivo: &str, cuenta: Option<&str>, day: &str) -> Option<String> {
        let arms: Vec<String> = self
            .relisted
            .iter()
            .map(|(campaign, (first, accounts))| {
                let mut parts = vec![
                    format!("{archivo} = {}", quote(campaign)),
                    format!("{day} >= {}", self.date(*first)),
                ];
                parts.extend(cuenta.map(|cuenta| in_list(cuenta, accounts)));
                parts.extend(self.until_to(day));
                format!("({})", and_all(parts))
            })
            .collect();
        (!arms.is_empty()).then(|| format!("({})", arms.join(" OR ")))
    }

    /// `cuenta` is an account of any campaign's relisted accounts: the debt their rows read.
    pub fn relisted_account(&self, cuenta: &str) -> Option<String> {
        let accounts: BTreeSet<&String> = self.relisted.values().flat_map(|(_, a)| a).collect();
        let accounts: Vec<String> = accounts.into_iter().cloned().collect();
        (!accounts.is_empty()).then(|| in_list(cuenta, &accounts))
    }

    /// A snapshot day with changed trandeuda rows: a day that reads it can have accounts to
    /// rebuild (see [`Self::debt_account_rebuilt`]).
    pub fn debt_snapshot_touched(&self, snapshot: &str) -> Option<String> {
        self.touched_debt("fecha_proceso")
            .map(|touched| format!("{snapshot} IN ({touched})"))
    }

    /// The payments (aux_pagos rows, over their columns `archivo`, `documento` and `fecha_pago`)
    /// the scope rebuilds: without the load's changes, every payment of the scope's campaigns.
    /// A row reads its raw payment, its document's account
    /// (aux_documento_cuenta), that account's campaign (aux_cuenta_campana), the campaign's
    /// window and today. So it is rebuilt when:
    /// - its document's payments or owner changed (see [`Self::touched_documents`]);
    /// - its campaign's accounts changed (the probe's `accounts_changed`): every payment of it;
    /// - its campaign's days changed (`reshaped`), from the first day that moved: a moved
    ///   apertura or close moves the window over the payments of the days between (an open
    ///   campaign's window ends today, and gains each new day);
    /// - it is dated after the last valid payment the table held (`last_valid_payment`): a
    ///   payment dated after the last build's today was future then and may count now. No valid
    ///   payment is dated after the today it was built on, so this bound is on or before every
    ///   earlier build's today; with today itself, a build for an earlier today also finds the
    ///   payments it makes future.
    pub fn payments_rebuilt(&self, archivo: &str, documento: &str, fecha_pago: &str) -> String {
        let campaigns = self.in_campaigns(archivo);
        let Some((documents, changed)) = self.payment_changes() else {
            return campaigns;
        };
        // The cheap tests first: most rows are old payments of unchanged documents, and the
        // window's arm is a CASE over the campaigns.
        let mut arms = vec![
            format!("{fecha_pago} > {}", self.date(self.future_after())),
            format!("{documento} IN ({documents})"),
            in_list(archivo, &changed),
        ];
        arms.extend(self.on_or_after_first(archivo, fecha_pago, &self.reshaped, None));
        format!("{campaigns} AND ({})", arms.join(" OR "))
    }

    /// A predicate over the raw payments (`documento`, `fecha_pago`) that every raw payment of
    /// a row of [`Self::payments_rebuilt`] satisfies, to join only those to their accounts;
    /// `None`: every payment. The documents as values an index looks up: as a semi join, the
    /// planner took the payments for all of them and hashed their accounts instead.
    pub fn payments_reached(&self, documento: &str, fecha_pago: &str) -> Option<String> {
        let (documents, changed) = self.payment_changes()?;
        let mut arms = vec![self.d.in_values_of(documento, &documents)];
        if !changed.is_empty() {
            arms.push(self.d.in_values_of(
                documento,
                &format!(
                    "SELECT o.nro_documento FROM aux_documento_cuenta o \
                     JOIN aux_cuenta_campana a ON a.cuenta = o.cod_cuenta WHERE {}",
                    in_list("a.archivo", &changed)
                ),
            ));
        }
        let first_moved = self.reshaped.values().min().and_then(|d| d.pred_opt());
        let after = first_moved.map_or(self.future_after(), |d| d.min(self.future_after()));
        arms.push(format!("{fecha_pago} > {}", self.date(after)));
        Some(format!("({})", arms.join(" OR ")))
    }

    /// With the load's changes and a `from`, the documents they touched and the campaigns whose
    /// accounts changed: what moves payments besides their dates.
    fn payment_changes(&self) -> Option<(String, Vec<String>)> {
        let documents = self.touched_documents().filter(|_| self.from.is_some())?;
        Some((documents, self.accounts_changed.iter().cloned().collect()))
    }

    /// The day after which a payment can have been future when last built: the last valid
    /// payment's, or today when earlier (see [`Self::payments_rebuilt`]).
    fn future_after(&self) -> NaiveDate {
        let none = NaiveDate::from_ymd_opt(1, 1, 1).expect("a valid date");
        self.last_valid_payment.unwrap_or(none).min(self.today)
    }

    /// The documents whose trandeuda or pagos rows the load changed, when its changes are known.
    pub fn touched_documents(&self) -> Option<String> {
        let since = self.touched?.since;
        let paid = format!(
            "SELECT nro_documento FROM raw_pagos WHERE {}",
            self.d.timestamp_at_least("updated_at", since)
        );
        Some(match self.touched_debt("nro_documento") {
            None => paid,
            Some(debt) => format!("{debt} UNION {paid}"),
        })
    }

    /// `columns` of the trandeuda rows the load changed, when known and any.
    fn touched_debt(&self, columns: &str) -> Option<String> {
        let Touched {
            since,
            first_snapshot: Some(first),
            ..
        } = self.touched?
        else {
            return None;
        };
        Some(format!(
            "SELECT {columns} FROM raw_trandeuda WHERE fecha_proceso >= {} AND {}",
            self.date(first),
            self.d.timestamp_at_least("updated_at", since)
        ))
    }

    /// The rows of the daily state that the scope rebuilds (see [`Self::debt_day_rebuilt`]),
    /// first bounded by [`Self::debt_rows_reach`]. The days rebuilt whole are chosen among the
    /// campaigns' days (aux_campana_dia) by the snapshot day S(day) now, as the build chooses
    /// them, and each row is then looked up among them: tested on every row, the arms of
    /// [`Self::debt_day_rebuilt`] (a CASE over the campaigns, one arm per campaign and paid day)
    /// took 0.3 s for the 130,000 rows of a week's days, which a day that arrives reads to find
    /// the few hundred rows of its changed accounts.
    pub fn debt_rows_rebuilt(&self) -> String {
        let (archivo, day, snapshot) = ("archivo_campana", "fecha_proceso", "fecha_snapshot");
        let mut days = vec![self.in_campaigns("cd.archivo")];
        days.extend(
            self.debt_reach_start()
                .map(|start| format!("cd.fecha >= {}", self.date(start))),
        );
        days.push(self.debt_day_rebuilt("cd.archivo", "cd.fecha", &snapshot_day("cd.fecha", true)));
        let whole = format!(
            "({archivo}, {day}) IN (SELECT cd.archivo, cd.fecha FROM aux_campana_dia cd WHERE {})",
            and_all(days)
        );
        let accounts = [
            self.debt_account_rebuilt("cuenta", snapshot),
            self.debt_relisted(archivo, Some("cuenta"), day),
        ];
        let rebuilt = match accounts.into_iter().flatten().collect::<Vec<_>>() {
            accounts if accounts.is_empty() => whole,
            accounts => format!("({whole} OR {})", accounts.join(" OR ")),
        };
        format!("{} AND {rebuilt}", self.debt_rows_reach())
    }

    /// What every row of the daily state that the scope rebuilds satisfies, cheap to test and
    /// usable by an index: the scope's campaigns, from [`Self::debt_reach_start`].
    pub fn debt_rows_reach(&self) -> String {
        let mut parts = vec![self.in_campaigns("archivo_campana")];
        parts.extend(
            self.debt_reach_start()
                .map(|start| format!("fecha_proceso >= {}", self.date(start))),
        );
        and_all(parts)
    }

    /// A day no row of the daily state that the scope rebuilds and that exists is older than
    /// (a day without rows has none, and a snapshot day moves only from a changed snapshot on);
    /// `None`: every day.
    fn debt_reach_start(&self) -> Option<NaiveDate> {
        let from = self.from?;
        let start = match self.touched {
            None => Some(from),
            Some(touched) => touched.first_snapshot,
        };
        let earliest = start
            .into_iter()
            .chain(self.reshaped.values().copied())
            .chain(self.relisted.values().map(|(first, _)| *first))
            .chain(self.paid.values().flatten().copied())
            .min();
        Some(earliest.unwrap_or(self.today))
    }

    /// The (archivo, fecha) days of the scope's campaigns whose daily state is rebuilt for every
    /// account whatever the scope's start: those without rows, and with the load's changes,
    /// those whose rows read another snapshot day than S(fecha) now. (A day's rows all read
    /// S of that day when built, and a moved S rebuilds them all, so the first row tells.) One
    /// index lookup per day: as a NOT EXISTS the engine hashed the whole table instead.
    fn whole_debt_days(&self) -> String {
        let current = match self.touched {
            None => "1".to_string(),
            Some(_) => {
                let now = snapshot_day("k.fecha", true);
                format!(
                    "CASE WHEN e.fecha_snapshot = {now} \
                     OR (e.fecha_snapshot IS NULL AND {now} IS NULL) THEN 1 ELSE 0 END"
                )
            }
        };
        format!(
            "SELECT k.archivo, k.fecha FROM aux_campana_dia k WHERE {} AND COALESCE(( \
                SELECT {current} FROM aux_cuenta_estado_diario e \
                WHERE e.fecha_proceso = k.fecha AND e.archivo_campana = k.archivo LIMIT 1 \
             ), 0) = 0",
            self.in_campaigns("k.archivo")
        )
    }

    /// `day` is on or after the first day of the campaign in `archivo`: its day in `first`, else
    /// `start` (`None`: no day of it).
    fn on_or_after_first(
        &self,
        archivo: &str,
        day: &str,
        first: &BTreeMap<String, NaiveDate>,
        start: Option<NaiveDate>,
    ) -> Option<String> {
        let earlier: BTreeMap<&String, NaiveDate> = first
            .iter()
            .filter(|&(_, &first)| start.is_none_or(|start| first < start))
            .map(|(campaign, &first)| (campaign, first))
            .collect();
        let arms: String = earlier
            .iter()
            .map(|(campaign, first)| {
                format!(" WHEN {} THEN {}", quote(campaign), self.date(*first))
            })
            .collect();
        // The earliest of the days first: a plain comparison spares most rows of a scan the
        // CASE, whose campaigns are compared one by one (0.1–0.2 s over a week's rows).
        let earliest = earlier.values().min().map(|d| self.date(*d));
        let days: BTreeSet<&NaiveDate> = earlier.values().collect();
        match (earliest, start.map(|start| self.date(start))) {
            (None, None) => None,
            (None, Some(start)) => Some(format!("{day} >= {start}")),
            (Some(earliest), None) if days.len() == 1 => {
                let campaigns: Vec<String> = earlier.keys().map(|c| c.to_string()).collect();
                Some(format!(
                    "({day} >= {earliest} AND {})",
                    in_list(archivo, &campaigns)
                ))
            }
            (Some(earliest), None) => Some(format!(
                "({day} >= {earliest} AND {day} >= CASE {archivo}{arms} END)"
            )),
            (Some(earliest), Some(start)) => Some(format!(
                "({day} >= {earliest} AND {day} >= CASE {archivo}{arms} ELSE {start} END)"
            )),
        }
    }

    /// `day` is not after the scope's `to`.
    pub fn up_to_to(&self, day: &str) -> String {
        and_all(self.until_to(day).into_iter().collect())
    }

    fn until_to(&self, day: &str) -> Option<String> {
        self.to.map(|to| format!("{day} <= {}", self.date(to)))
    }

    /// A window from `apertura` to `fin` (DATEs) meets a day whose day-keyed rows are rebuilt.
    pub fn meets_gestion_days(&self, apertura: &str, fin: &str) -> String {
        match self.days {
            None => "1 = 0".to_string(),
            Some((from, to)) => and_all(
                [
                    from.map(|from| format!("{fin} >= {}", self.date(from))),
                    to.map(|to| format!("{apertura} <= {}", self.date(to))),
                ]
                .into_iter()
                .flatten()
                .collect(),
            ),
        }
    }

    /// `col` (a DATE) is a day whose day-keyed rows are rebuilt.
    pub fn in_gestion_days(&self, col: &str) -> String {
        self.meets_gestion_days(col, col)
    }

    /// Of the days of [`Self::in_gestion_days`], the (client `cod_luna`, Lima day `day`) groups
    /// whose aux_gestiones rows are rebuilt, when the load's changes are known; `None`: every
    /// gestión of those days. A gestión's row reads its own raw row, the client's other
    /// gestiones of that day (intento) and the campaigns holding the client on that day
    /// (archivo_principal), so a group is rebuilt when:
    /// - one of its gestiones changed, or one that changed was in it before (see
    ///   [`Self::changed_gestion_groups`]);
    /// - a campaign whose days changed (`regrouped`) holds its client, now or as its
    ///   archivo_principal before, from the first day that change moved;
    /// - its client joined or left a campaign (`rehomed`), from the first day that moved.
    ///
    /// A homologation or ejecutivos change reclassifies every gestión of the days: they are
    /// rebuilt whole. A day that arrives is mostly new gestiones; the late ones of the days
    /// before it touch a few groups, where rebuilding those days whole recomputed a week of
    /// gestiones.
    pub fn gestion_groups_rebuilt(&self, cod_luna: &str, day: &str) -> Option<String> {
        let mut groups = self.changed_gestion_groups(cod_luna, day)?;
        // One arm per first day: the open campaigns all gain today's row, and a campaign whose
        // clients changed a few days ago would otherwise date back every open campaign's.
        let mut every_client: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
        for (campaign, first) in &self.regrouped {
            every_client
                .entry(*first)
                .or_default()
                .push(campaign.clone());
        }
        let mut moved_clients: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
        for (first, clients) in self.rehomed.values() {
            moved_clients
                .entry(*first)
                .or_default()
                .extend_from_slice(clients);
        }
        for (first, campaigns) in every_client {
            groups.push_str(&format!(
                " OR ({day} >= {first} AND {cod_luna} IN ( \
                    SELECT cod_luna FROM aux_cuenta_campana WHERE {held}))",
                first = self.date(first),
                held = in_list("archivo", &campaigns),
            ));
        }
        // A client that joined or left: its own groups (it was or becomes the campaign's).
        for (first, clients) in moved_clients {
            groups.push_str(&format!(
                " OR ({day} >= {first} AND {held})",
                first = self.date(first),
                held = in_list(cod_luna, &clients),
            ));
        }
        // The groups whose archivo_principal was a campaign whose days changed, in one pass
        // from the earliest such day (through the day index: often only today).
        let was_principal =
            self.on_or_after_first("archivo_principal", "fecha_gestion", &self.regrouped, None);
        if let (Some(was_principal), Some(first)) = (was_principal, self.regrouped.values().min()) {
            groups.push_str(&format!(
                " OR ({cod_luna}, {day}) IN ( \
                    SELECT cod_luna, fecha_gestion FROM aux_gestiones \
                    WHERE {in_days} AND fecha_gestion >= {first} AND {was_principal})",
                in_days = self.in_gestion_days("fecha_gestion"),
                first = self.date(*first),
            ));
        }
        Some(format!("({groups})"))
    }

    /// Of the rows of [`Self::in_days`], the fan-out rows (aux_gestion_cuenta) that are rebuilt,
    /// when the load's changes are known; `None`: all of them. A fan-out row reads its own
    /// gestión's row (its client, day and class, not the intento or archivo_principal its
    /// group gives it) and its campaign's days and accounts' clients, so it is rebuilt when its
    /// gestión (`canal`, `uid`) is one the load changed, wherever it was before, its campaign's
    /// days changed, or its client joined or left its campaign, from the first day that change
    /// moved. (By the gestión's groups, the old group of a changed gestión was found by reading
    /// a week of fan-out rows, and every gestión of the groups was rebuilt.)
    pub fn fan_out_rebuilt(
        &self,
        archivo: &str,
        (canal, uid): (&str, &str),
        cod_luna: &str,
        day: &str,
    ) -> Option<String> {
        let changed = self.changed_gestiones()?;
        let mut rows = format!("({canal}, {uid}) IN (SELECT canal, uid FROM ({changed}) changed)");
        if let Some(regrouped) = self.on_or_after_first(archivo, day, &self.regrouped, None) {
            rows.push_str(&format!(" OR {regrouped}"));
        }
        for (campaign, (first, clients)) in &self.rehomed {
            rows.push_str(&format!(
                " OR ({archivo} = {campaign} AND {day} >= {first} AND {held})",
                campaign = quote(campaign),
                first = self.date(*first),
                held = in_list(cod_luna, clients),
            ));
        }
        Some(format!("({rows})"))
    }

    /// The (client `cod_luna`, Lima day `day`) groups of the gestiones the load changed (see
    /// [`Self::changed_gestiones`]): where those gestiones are now, and where aux_gestiones
    /// placed them before (a gestión that moved to another client or day leaves its old group).
    /// A gestión without a client (no document) is in the group of '' on its day: a NULL would
    /// match no group and the gestión would never be rebuilt.
    fn changed_gestion_groups(&self, cod_luna: &str, day: &str) -> Option<String> {
        let changed = self.changed_gestiones()?;
        // Old groups outside the days are not rebuilt anyway; bounded by them, the old rows are
        // reached through the day index instead of a scan of the whole table.
        Some(format!(
            "(COALESCE({cod_luna}, ''), {day}) IN ( \
                SELECT COALESCE(document, ''), fecha FROM ({changed}) now_in \
                UNION ALL SELECT COALESCE(w.cod_luna, ''), w.fecha_gestion FROM aux_gestiones w \
                WHERE {was_in_days} \
                AND (w.canal, w.gestion_uid) IN (SELECT canal, uid FROM ({changed}) was_in))",
            was_in_days = self.in_gestion_days("w.fecha_gestion"),
        ))
    }

    /// The gestiones (canal, uid, document, Lima day fecha) the load changed on the rebuilt
    /// days, when its changes are known and no homologation or ejecutivos row among them
    /// reclassified every gestión.
    fn changed_gestiones(&self) -> Option<String> {
        let touched = self.touched.filter(|t| !t.reclassified)?;
        let changed = [
            ("VOICEBOT", "raw_voicebot_gestiones"),
            ("CALL", "raw_mibotair_gestiones"),
        ]
        .map(|(canal, raw)| {
            format!(
                "SELECT '{canal}' AS canal, uid, document, {lima_day} AS fecha FROM {raw} \
                 WHERE {changed} AND {in_days}",
                lima_day = self.d.lima_date("date"),
                changed = self.d.timestamp_at_least("updated_at", touched.since),
                in_days = self.in_gestion_days_ts("date"),
            )
        })
        .join(" UNION ALL ");
        Some(changed)
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
pub fn in_list(col: &str, campaigns: &[String]) -> String {
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
