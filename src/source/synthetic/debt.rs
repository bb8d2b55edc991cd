//! Debt documents of each assignment, their payment plan, and the daily `trandeuda` snapshots.
//!
//! Each (campaign, account) assignment owns 1–3 documents, drawn from (seed, ordinal). A
//! document's payments are planned up front, so the snapshot of any day shows its balance net
//! of the payments made before that day, and `pagos` lists the same payments.

use chrono::{Days, NaiveDate, NaiveTime, TimeDelta};

use super::accounts::{Account, Assignment, Servicio};
use super::arrival::Arriving;
use super::calendar::{self, is_business_day, shift_months};
use super::campaigns::Campaign;
use super::cells::{money, text};
use super::generator::Generator;
use super::rng::{Rng, Stream};
use crate::lima;
use crate::source::{Cell, Row};

/// Share of assignments whose whole debt is below 1 PEN (DEUDA_MINIMA downstream).
const TINY_DEBT_SHARE: f64 = 0.02;
/// Share of documents with an amount ≤ 0 (credit notes).
const CREDIT_NOTE_SHARE: f64 = 0.003;
const PAID_SHARE: f64 = 0.5;
const ABSENT_SHARE: f64 = 0.02;
const REJECTED_SHARE: f64 = 0.003;
/// Share of snapshot rows listed twice that day, in a second debt file.
const SECOND_FILE_SHARE: f64 = 0.005;
/// Payments happen up to this many days before the opening and after the closing.
pub const EARLY_PAYMENT_DAYS: u64 = 5;
const LATE_PAYMENT_DAYS: u64 = 7;
/// Days between the two halves of a split payment.
const SECOND_PAYMENT_GAP: (i64, i64) = (3, 15);
/// A payment's last copy is at most this many days after its fecha_pago (2 + 2 extra files).
pub const DELIVERY_SPAN: u64 = 4;
/// Payment copies reach the files up to this many days after a campaign's closing.
pub const PAYMENT_TAIL_DAYS: u64 = LATE_PAYMENT_DAYS + SECOND_PAYMENT_GAP.1 as u64 + DELIVERY_SPAN;

#[derive(Clone, Copy, Debug)]
pub struct Payment {
    pub fecha_pago: NaiveDate,
    pub cents: i64,
    /// The first daily file listing it; later copies follow on consecutive days.
    pub first_file: NaiveDate,
    pub files: u32,
    /// Whether it lowers the document's balance: false for reversals (≤ 0) and future-dated rows.
    pub settles: bool,
}

impl Payment {
    pub fn new(rng: &mut Rng, fecha_pago: NaiveDate, cents: i64) -> Self {
        let first_file = fecha_pago + Days::new(if rng.chance(0.8) { 1 } else { 2 });
        Self {
            fecha_pago,
            cents,
            first_file,
            files: rng.weighted_pick(&[(45, 1), (35, 2), (20, 3)]),
            settles: true,
        }
    }

    pub fn delivered_on(&self, day: NaiveDate) -> bool {
        self.first_file <= day && day < self.first_file + Days::new(self.files.into())
    }
}

#[derive(Clone, Debug)]
pub struct Document {
    /// Unique in the world: derived from the assignment ordinal and the document's slot.
    number: u64,
    pub due: NaiveDate,
    pub cents: i64,
    /// Up to two settling payments and one odd row (reversal or future-dated).
    pub payments: [Option<Payment>; 3],
}

impl Document {
    pub fn nro(&self) -> String {
        format!("S{:03}-{:08}", 1 + self.number % 97, self.number)
    }

    /// What is still due at the snapshot of `day`: payments count from the next day's snapshot.
    fn balance_on(&self, day: NaiveDate) -> i64 {
        let paid: i64 = self
            .payments
            .iter()
            .flatten()
            .filter(|p| p.settles && p.fecha_pago < day)
            .map(|p| p.cents)
            .sum();
        self.cents - paid
    }
}

/// The assignment's earliest due date: the campaign's, or a month older for a fifth of them.
pub fn min_vto(seed: u64, campaign: &Campaign, ordinal: u32) -> NaiveDate {
    let mut rng = Rng::keyed(seed, Stream::Document, &[ordinal.into()]);
    if rng.chance(0.2) {
        shift_months(campaign.due_date, -1)
    } else {
        campaign.due_date
    }
}

/// Mean debt per account (DOMAIN §11), in cents.
fn mean_debt_cents(servicio: Servicio) -> f64 {
    match servicio {
        Servicio::Movil => 25_000.0,
        Servicio::Fija => 18_000.0,
    }
}

/// The assignment's documents, with their payments.
pub fn documents(
    seed: u64,
    campaign: &Campaign,
    ordinal: u32,
    servicio: Servicio,
) -> impl Iterator<Item = Document> {
    let min_vto = min_vto(seed, campaign, ordinal);
    let mut rng = Rng::keyed(seed, Stream::Document, &[ordinal.into(), u64::MAX]);
    let count: u32 = rng.weighted_pick(&[(50, 1), (35, 2), (15, 3)]);
    let tiny = rng.chance(TINY_DEBT_SHARE);
    // 1.65 documents on average: each document carries its share of the account's mean, a
    // little more to make up for the tiny and already-paid debts.
    let mean_cents = mean_debt_cents(servicio) / 1.58;
    (0..count).map(move |slot| {
        let mut rng = Rng::keyed(seed, Stream::Document, &[ordinal.into(), slot.into()]);
        let cents = if tiny {
            rng.between(1, 99 / i64::from(count))
        } else if rng.chance(CREDIT_NOTE_SHARE) {
            -rng.between(0, 5_000)
        } else {
            // 4·u·v has mean 1 and a long right tail, like real debt.
            (mean_cents * 4.0 * rng.unit() * rng.unit())
                .round()
                .max(1.0) as i64
        };
        let mut payments = Rng::keyed(seed, Stream::Payment, &[ordinal.into(), slot.into()]);
        Document {
            number: u64::from(ordinal) * 3 + u64::from(slot) + 1,
            due: shift_months(min_vto, slot as i32),
            cents,
            payments: if cents > 0 {
                plan_payments(&mut payments, campaign, cents)
            } else {
                [None; 3]
            },
        }
    })
}

fn plan_payments(rng: &mut Rng, campaign: &Campaign, cents: i64) -> [Option<Payment>; 3] {
    let mut plan = [None; 3];
    if rng.chance(PAID_SHARE) {
        let day = payment_day(rng, campaign);
        if rng.chance(0.7) {
            plan[0] = Some(Payment::new(rng, day, cents));
        } else {
            let part = ((cents as f64 * (0.2 + 0.6 * rng.unit())).round() as i64).clamp(1, cents);
            plan[0] = Some(Payment::new(rng, day, part));
            if part < cents && rng.chance(0.5) {
                let later =
                    day + Days::new(rng.between(SECOND_PAYMENT_GAP.0, SECOND_PAYMENT_GAP.1) as u64);
                plan[1] = Some(Payment::new(rng, later, cents - part));
            }
        }
    }
    plan[2] = odd_payment(rng, campaign, cents);
    plan
}

/// Mostly inside the window and early in it; 5 % before the opening, 5 % after the closing
/// (DOMAIN §12: kept but never counted).
fn payment_day(rng: &mut Rng, campaign: &Campaign) -> NaiveDate {
    let window = (campaign.close - campaign.apertura).num_days() + 1;
    match rng.weighted(&[5, 5, 90]) {
        0 => campaign.apertura - Days::new(rng.between(1, EARLY_PAYMENT_DAYS as i64) as u64),
        1 => campaign.close + Days::new(rng.between(1, LATE_PAYMENT_DAYS as i64) as u64),
        _ => {
            let early = rng.unit().min(rng.unit());
            campaign.apertura + Days::new((early * window as f64) as u64)
        }
    }
}

/// A rare row that must not count: a reversal (amount ≤ 0) or a payment dated after the file
/// that lists it (DOMAIN §12).
fn odd_payment(rng: &mut Rng, campaign: &Campaign, cents: i64) -> Option<Payment> {
    let window = (campaign.close - campaign.apertura).num_days();
    let day = campaign.apertura + Days::new(rng.between(0, window) as u64);
    match rng.weighted(&[4, 3, 993]) {
        0 => {
            let amount = if rng.chance(0.5) {
                0
            } else {
                -rng.between(1, cents)
            };
            let mut payment = Payment::new(rng, day, amount);
            payment.settles = false;
            Some(payment)
        }
        1 => {
            let amount = rng.between(1, cents);
            let mut payment = Payment::new(rng, day, amount);
            payment.fecha_pago = payment.first_file + Days::new(rng.between(2, 6) as u64);
            payment.settles = false;
            Some(payment)
        }
        _ => None,
    }
}

/// The snapshot of `day`: on business days only, every open document of the accounts of the
/// campaigns whose window contains the day (a few accounts are missing some days).
pub fn trandeuda(generator: &Generator, day: NaiveDate) -> Vec<Arriving> {
    let mut rows = Vec::new();
    if !is_business_day(day) {
        return rows;
    }
    let seed = generator.profile.seed;
    let day_key = calendar::key(day);
    for campaign in generator.campaigns.iter().filter(|c| c.contains(day)) {
        for assignment in generator.pool.assignments(campaign) {
            let ordinal = u64::from(assignment.ordinal);
            if Rng::keyed(seed, Stream::Snapshot, &[ordinal, day_key]).chance(ABSENT_SHARE) {
                continue;
            }
            let account = Account::of(&generator.profile, assignment.account);
            for (slot, document) in
                documents(seed, campaign, assignment.ordinal, account.servicio).enumerate()
            {
                let balance = document.balance_on(day);
                if document.cents > 0 && balance <= 0 {
                    continue; // paid off: gone from the snapshot
                }
                let mut rng = Rng::keyed(seed, Stream::Snapshot, &[ordinal, slot as u64, day_key]);
                snapshot_rows(&mut rng, &mut rows, day, &account, &document, balance);
            }
        }
    }
    rows
}

fn snapshot_rows(
    rng: &mut Rng,
    rows: &mut Vec<Arriving>,
    day: NaiveDate,
    account: &Account,
    document: &Document,
    balance: i64,
) {
    let creado_el =
        day.and_time(NaiveTime::MIN + TimeDelta::seconds(rng.between(5 * 3600, 5 * 3600 + 1800)));
    let row = snapshot_row(rng, day, 1, creado_el, account, document, balance);
    rows.push(Arriving::new(rng, lima::civil_to_utc(creado_el), row));
    if rng.chance(SECOND_FILE_SHARE) {
        // The same document again in a second file, later that morning, sometimes with a fee.
        let creado_el = creado_el + TimeDelta::seconds(rng.between(2 * 3600, 4 * 3600));
        let fee = if rng.chance(0.5) { 150 } else { 0 };
        let row = snapshot_row(rng, day, 2, creado_el, account, document, balance + fee);
        rows.push(Arriving::new(rng, lima::civil_to_utc(creado_el), row));
    }
}

fn snapshot_row(
    rng: &mut Rng,
    day: NaiveDate,
    file: u32,
    creado_el: chrono::NaiveDateTime,
    account: &Account,
    document: &Document,
    balance: i64,
) -> Row {
    vec![
        Cell::Int(account.cuenta),
        Cell::Text(document.nro()),
        Cell::Text(format!("TRAN_DEUDA_{}_{file}.txt", day.format("%d%m"))),
        Cell::DateTime(creado_el),
        Cell::Date(document.due),
        money(balance),
        if rng.chance(REJECTED_SHARE) {
            text(rng.pick(&["DOCUMENTO ANULADO", "FORMATO INVALIDO"]))
        } else {
            Cell::Null
        },
    ]
}

/// Assignments whose documents may see payment files on `day`: campaigns from a few days before
/// their opening to a few weeks after their closing.
pub fn paying_assignments<'a>(
    generator: &'a Generator,
    day: NaiveDate,
) -> impl Iterator<Item = (&'a Campaign, Assignment)> + 'a {
    generator
        .campaigns
        .iter()
        .filter(move |c| {
            c.apertura - Days::new(EARLY_PAYMENT_DAYS) <= day
                && day <= c.close + Days::new(PAYMENT_TAIL_DAYS)
        })
        .flat_map(move |c| generator.pool.assignments(c).map(move |a| (c, a)))
}
