//! The daily payment files (`pagos`): every payment is listed in 1–3 consecutive files
//! `PAGOS_<YYYY-MM-DD>.txt`, each copy with that day's creado_el and the same primary key
//! (nro_documento, fecha_pago, monto_cancelado) (DOMAIN §5, §12).

use chrono::{Days, NaiveDate, NaiveTime, TimeDelta};

use super::accounts::{Account, Servicio};
use super::arrival::Arriving;
use super::calendar;
use super::cells::{money, optional, text};
use super::debt::{self, DELIVERY_SPAN, Payment};
use super::generator::Generator;
use super::rng::{Rng, Stream};
use crate::lima;
use crate::source::{Cell, Row};

const REJECTED_SHARE: f64 = 0.005;
/// Payments per day on documents that no snapshot ever listed, per 1 000 accounts a month.
const ORPHANS_PER_THOUSAND_ACCOUNTS: f64 = 1.0;
/// Chance that a day's file holds the one deliberately bad row (NULL nro_documento).
const NULL_DOCUMENT_CHANCE: f64 = 0.2;

/// The copies listed in the payment file of `day`.
pub fn pagos(generator: &Generator, day: NaiveDate) -> Vec<Arriving> {
    let seed = generator.profile.seed;
    let day_key = calendar::key(day);
    let mut rows = Vec::new();
    for (campaign, assignment) in debt::paying_assignments(generator, day) {
        let account = Account::of(&generator.profile, assignment.account);
        let documents = debt::documents(seed, campaign, assignment.ordinal, account.servicio);
        for (slot, document) in documents.enumerate() {
            for (index, payment) in document.payments.iter().enumerate() {
                let Some(payment) = payment.filter(|p| p.delivered_on(day)) else {
                    continue;
                };
                let key = [
                    u64::from(assignment.ordinal),
                    slot as u64,
                    index as u64,
                    day_key,
                ];
                let mut rng = Rng::keyed(seed, Stream::PaymentCopy, &key);
                let nro = document.nro();
                rows.push(copy(
                    &mut rng,
                    day,
                    Some(&nro),
                    &payment,
                    Some(account.servicio),
                ));
            }
        }
    }
    rows.extend(orphans(generator, day));
    if generator.in_campaign_period(day) {
        rows.extend(null_document(seed, day));
    }
    rows
}

/// One copy of a payment in the file of `day`.
fn copy(
    rng: &mut Rng,
    day: NaiveDate,
    nro_documento: Option<&str>,
    payment: &Payment,
    servicio: Option<Servicio>,
) -> Arriving {
    let creado_el =
        day.and_time(NaiveTime::MIN + TimeDelta::seconds(rng.between(6 * 3600, 6 * 3600 + 3599)));
    let cod_sistema = servicio
        .filter(|_| !rng.chance(0.02))
        .map(|s| s.cod_sistema().to_string());
    let row: Row = vec![
        optional(nro_documento),
        Cell::Date(payment.fecha_pago),
        money(payment.cents),
        optional(cod_sistema.as_deref()),
        Cell::Text(format!("PAGOS_{}.txt", day.format("%Y-%m-%d"))),
        Cell::DateTime(creado_el),
        if rng.chance(REJECTED_SHARE) {
            text(rng.pick(&["PAGO ANULADO", "PAGO DUPLICADO"]))
        } else {
            Cell::Null
        },
    ];
    Arriving::new(rng, lima::civil_to_utc(creado_el), row)
}

/// Payments on documents never seen in trandeuda (`B…` numbers): unattributable downstream.
fn orphans(generator: &Generator, day: NaiveDate) -> Vec<Arriving> {
    let seed = generator.profile.seed;
    let per_day =
        f64::from(generator.profile.accounts_per_month) / 1_000.0 * ORPHANS_PER_THOUSAND_ACCOUNTS;
    let paid_days = calendar::days(day - Days::new(DELIVERY_SPAN), day - Days::new(1))
        .filter(|&d| generator.in_campaign_period(d));
    let mut rows = Vec::new();
    for paid_on in paid_days {
        let paid_key = calendar::key(paid_on);
        let mut day_rng = Rng::keyed(seed, Stream::Orphan, &[paid_key]);
        let count = (per_day + day_rng.unit()) as u64;
        for index in 0..count {
            let mut rng = Rng::keyed(seed, Stream::Orphan, &[paid_key, index]);
            let cents = rng.between(500, 50_000);
            let payment = Payment::new(&mut rng, paid_on, cents);
            if !payment.delivered_on(day) {
                continue;
            }
            let nro = format!(
                "B{:03}-{:08}",
                rng.between(1, 20),
                paid_key % 100_000 * 1_000 + index
            );
            let servicio = if rng.chance(0.5) {
                Servicio::Movil
            } else {
                Servicio::Fija
            };
            let mut copy_rng =
                Rng::keyed(seed, Stream::Orphan, &[paid_key, index, calendar::key(day)]);
            rows.push(copy(
                &mut copy_rng,
                day,
                Some(&nro),
                &payment,
                Some(servicio),
            ));
        }
    }
    rows
}

/// The deliberately bad row: a payment without nro_documento (a NULL key part, rejected and
/// counted as skipped by the loader), in about one file in five.
fn null_document(seed: u64, day: NaiveDate) -> Option<Arriving> {
    let mut rng = Rng::keyed(seed, Stream::Orphan, &[u64::MAX, calendar::key(day)]);
    if !rng.chance(NULL_DOCUMENT_CHANCE) {
        return None;
    }
    let payment = Payment {
        fecha_pago: day - Days::new(1),
        cents: rng.between(1_000, 20_000),
        first_file: day,
        files: 1,
        settles: false,
    };
    Some(copy(&mut rng, day, None, &payment, None))
}
