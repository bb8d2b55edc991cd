//! Collection actions (gestiones) of a business day, through the voicebot (`voicebot_gestiones`)
//! and human agents (`mibotair_gestiones`) (DOMAIN §5, §11).
//!
//! A day's plan is drawn per client: whether it is worked that day, how many attempts (1–5) and
//! at what Lima times; each attempt then draws its channel, so either table can be generated
//! alone and both always agree on the attempts (the `intento` ordinal downstream).

use std::cmp::Reverse;

use chrono::{Days, NaiveDate, NaiveTime, TimeDelta};
use rust_decimal::Decimal;

use super::accounts::{Account, Client, Servicio};
use super::arrival::Arriving;
use super::calendar::{self, is_business_day};
use super::campaigns::Campaign;
use super::cells::text;
use super::dimensions::{
    AGENT_CODES, Agent, AgentCode, BOT_CODES, BotCode, Outcome, UNMATCHED_AGENT_CODES,
    UNMATCHED_BOT_CODES,
};
use super::generator::Generator;
use super::rng::{Rng, Stream};
use crate::lima;
use crate::source::{Cell, Row};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Canal {
    Voicebot,
    Call,
}

const VOICEBOT_SHARE: f64 = 0.65;
/// Chance that an assigned client is worked on a given business day.
const WORKED_SHARE: f64 = 0.45;
/// Unassigned clients per assigned client in the day's plan (≈ 3 % of the gestiones).
const UNASSIGNED_PER_CLIENT: f64 = 0.014;
const UNMATCHED_SHARE: f64 = 0.03;
/// Unassigned targets get keys from here on, above every client index.
const UNASSIGNED_KEY: u64 = 900_000_000;

/// Attempts per worked client (mean 2.2).
const ATTEMPTS: [(u32, u32); 5] = [(40, 1), (25, 2), (17, 3), (10, 4), (8, 5)];
/// Relative activity of the hours 08–18 (Lima): peaks at 10–11 h and 14–16 h.
const HOURS: [(u32, i64); 11] = [
    (4, 8),
    (7, 9),
    (12, 10),
    (12, 11),
    (8, 12),
    (6, 13),
    (11, 14),
    (11, 15),
    (10, 16),
    (7, 17),
    (4, 18),
];
/// Documents that match no client (DOMAIN §13.14).
const NON_NUMERIC_DOCUMENTS: [&str; 4] = ["SIN DOCUMENTO", "CE-001234567", "X7781234", "N/A"];

/// Who a day's gestiones are addressed to.
struct Target<'a> {
    /// Unique within the day: the client index, or `UNASSIGNED_KEY + n`.
    key: u64,
    document: Document,
    campaign: Option<(usize, &'a Campaign)>,
    servicio: Servicio,
    phone: i64,
    worked_share: f64,
}

enum Document {
    CodLuna(i64),
    NonNumeric(&'static str),
}

/// One attempt, before its channel-specific columns.
struct Attempt<'a> {
    uid_suffix: String,
    target: &'a Target<'a>,
    at: chrono::NaiveDateTime,
    day: NaiveDate,
}

pub fn gestiones(generator: &Generator, day: NaiveDate, canal: Canal) -> Vec<Arriving> {
    let mut rows = Vec::new();
    if !is_business_day(day) {
        return rows;
    }
    let seed = generator.profile.seed;
    let day_key = calendar::key(day);
    for target in targets(generator, day) {
        let mut plan = Rng::keyed(seed, Stream::Gestion, &[day_key, target.key]);
        for (number, seconds) in attempt_times(&mut plan, target.worked_share)
            .into_iter()
            .enumerate()
        {
            let mut rng = Rng::keyed(seed, Stream::Attempt, &[day_key, target.key, number as u64]);
            let voicebot = rng.chance(VOICEBOT_SHARE);
            if voicebot != (canal == Canal::Voicebot) {
                continue;
            }
            let attempt = Attempt {
                uid_suffix: format!("{}-{:09}-{}", day.format("%Y%m%d"), target.key, number + 1),
                target: &target,
                at: day.and_time(NaiveTime::MIN + TimeDelta::seconds(seconds)),
                day,
            };
            let row = match canal {
                Canal::Voicebot => voicebot_row(&mut rng, &attempt),
                Canal::Call => call_row(&mut rng, &attempt, &generator.agents),
            };
            rows.push(Arriving::new(&mut rng, lima::civil_to_utc(attempt.at), row));
        }
    }
    rows
}

/// The clients of the campaigns open on `day` (each once, under its latest campaign), then a
/// few clients never assigned.
fn targets(generator: &Generator, day: NaiveDate) -> Vec<Target<'_>> {
    let mut clients: Vec<(u32, usize)> = generator
        .campaigns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.contains(day))
        .flat_map(|(index, c)| c.clients.iter().map(move |&client| (client, index)))
        .collect();
    clients.sort_unstable_by_key(|&(client, index)| (client, Reverse(index)));
    clients.dedup_by_key(|&mut (client, _)| client);

    let seed = generator.profile.seed;
    let mut targets: Vec<Target> = clients
        .iter()
        .map(|&(client, index)| {
            let first_account = generator.pool.accounts_of(client).start;
            let account = Account::of(&generator.profile, first_account);
            let mut rng = Rng::keyed(seed, Stream::Gestion, &[client.into()]);
            Target {
                key: client.into(),
                document: Document::CodLuna(Client::of(seed, client).cod_luna),
                campaign: Some((index, &generator.campaigns[index])),
                servicio: account.servicio,
                phone: account
                    .telefono
                    .filter(|&p| p > 0)
                    .unwrap_or_else(|| mobile(&mut rng)),
                worked_share: WORKED_SHARE,
            }
        })
        .collect();

    let unassigned = (clients.len() as f64 * UNASSIGNED_PER_CLIENT).round() as u64;
    let day_key = calendar::key(day);
    targets.extend((0..unassigned).map(|n| {
        let mut rng = Rng::keyed(seed, Stream::Gestion, &[day_key, u64::MAX, n]);
        let document = if rng.chance(0.1) {
            Document::NonNumeric(rng.pick(&NON_NUMERIC_DOCUMENTS))
        } else {
            // Outside the pool's cod_luna range: never assigned.
            Document::CodLuna(90_000_000 + rng.between(0, 8_999_999))
        };
        Target {
            key: UNASSIGNED_KEY + n,
            document,
            campaign: None,
            servicio: Servicio::Movil,
            phone: mobile(&mut rng),
            worked_share: 1.0,
        }
    }));
    targets
}

fn mobile(rng: &mut Rng) -> i64 {
    rng.between(900_000_000, 999_999_999)
}

/// Seconds after midnight (Lima) of the target's attempts that day, ascending; none if the
/// client is not worked.
fn attempt_times(rng: &mut Rng, worked_share: f64) -> Vec<i64> {
    if !rng.chance(worked_share) {
        return Vec::new();
    }
    let count = rng.weighted_pick(&ATTEMPTS);
    let mut times: Vec<i64> = (0..count)
        .map(|_| rng.weighted_pick(&HOURS) * 3600 + rng.between(0, 3599))
        .collect();
    times.sort_unstable();
    times
}

/// `document` as the dialer writes it: mostly plain, sometimes zero-padded or with ".0".
fn document_text(rng: &mut Rng, document: &Document) -> String {
    match *document {
        Document::NonNumeric(value) => value.to_owned(),
        Document::CodLuna(cod_luna) => match rng.weighted(&[92, 4, 4]) {
            0 => cod_luna.to_string(),
            1 => format!("000{cod_luna}"),
            _ => format!("{cod_luna}.0"),
        },
    }
}

fn campaign_cells(target: &Target) -> [Cell; 2] {
    match target.campaign {
        Some((index, campaign)) => [
            Cell::Text((7_000 + index).to_string()),
            Cell::Text(format!(
                "{}_{}",
                campaign.cartera.queue(),
                target.servicio.label()
            )),
        ],
        None => [text("7000"), text("GENERAL")],
    }
}

/// A code of the given outcome, uniformly.
fn pick<'a, T>(rng: &mut Rng, codes: &'a [T], outcome: Outcome, of: fn(&T) -> Outcome) -> &'a T {
    let matching = || codes.iter().filter(move |c| of(c) == outcome);
    let nth = rng.below(matching().count() as u64) as usize;
    matching().nth(nth).expect("every outcome has codes")
}

fn draw_outcome(rng: &mut Rng, weights: &[u32; 4]) -> Option<Outcome> {
    if rng.chance(UNMATCHED_SHARE) {
        None
    } else {
        Some(Outcome::ALL[rng.weighted(weights)])
    }
}

/// A NULL key part as the bot writes it: NULL or an empty string (both read as '').
fn key_part(rng: &mut Rng, part: Option<&str>) -> Cell {
    match part {
        Some(value) => text(value),
        None if rng.chance(0.5) => Cell::Null,
        None => text(""),
    }
}

fn promised_day(rng: &mut Rng, day: NaiveDate) -> NaiveDate {
    day + Days::new(rng.between(1, 7) as u64)
}

fn voicebot_row(rng: &mut Rng, attempt: &Attempt) -> Row {
    let (management, sub_management, compromiso, outcome, weight) =
        match draw_outcome(rng, &[70, 12, 12, 6]) {
            Some(outcome) => {
                let code: &BotCode = pick(rng, &BOT_CODES, outcome, |c| c.outcome);
                let (m, s, c) = (code.management, code.sub_management, code.compromiso);
                (m, s, c, Some(outcome), code.peso)
            }
            None => {
                let (m, s, c) = rng.pick(&UNMATCHED_BOT_CODES);
                (m, s, c, None, 1)
            }
        };
    let uid = format!("VB-{}", attempt.uid_suffix);
    let promise = outcome == Some(Outcome::Promise);
    let contact = matches!(outcome, Some(o) if o != Outcome::NoContact);
    let [campaign_id, campaign_name] = campaign_cells(attempt.target);
    // The dialer pads some codes with a trailing space; keys compare after trimming.
    let management = if rng.chance(0.05) {
        format!("{management} ")
    } else {
        management.to_owned()
    };
    let (fecha_compromiso, observacion) = if promise {
        let promised = lima::start_of_day(promised_day(rng, attempt.day));
        (
            Cell::Timestamp(promised),
            text("CLIENTE SE COMPROMETE A PAGAR"),
        )
    } else {
        (Cell::Null, Cell::Null)
    };
    vec![
        Cell::Text(uid.clone()),
        campaign_id,
        campaign_name,
        Cell::Text(document_text(rng, &attempt.target.document)),
        Cell::Numeric(Decimal::from(attempt.target.phone)),
        Cell::Timestamp(lima::civil_to_utc(attempt.at)),
        Cell::Text(management),
        key_part(rng, sub_management),
        Cell::Int(weight),
        text("VOICEBOT"),
        key_part(rng, compromiso),
        fecha_compromiso,
        observacion,
        text("COBRANZA_MOVISTAR"),
        text("TELEFONICA DEL PERU"),
        Cell::Int(duration(rng, outcome, 600)),
        Cell::Text(format!("{:016x}", rng.next_u64())),
        if contact {
            Cell::Text(format!("https://grabaciones.mibot.pe/vb/{uid}.wav"))
        } else {
            Cell::Null
        },
    ]
}

fn duration(rng: &mut Rng, outcome: Option<Outcome>, cap: i64) -> i64 {
    let (low, high) = match outcome {
        None => (0, 30),
        Some(Outcome::NoContact) => (0, 45),
        Some(Outcome::Indirect) => (15, 180),
        Some(Outcome::Direct) => (40, cap * 2 / 3),
        Some(Outcome::Promise) => (90, cap),
    };
    rng.between(low, high)
}

fn call_row(rng: &mut Rng, attempt: &Attempt, agents: &[Agent]) -> Row {
    let (n1, n2, n3, management, outcome, weight) = match draw_outcome(rng, &[60, 15, 17, 8]) {
        Some(outcome) => {
            let code: &AgentCode = pick(rng, &AGENT_CODES, outcome, |c| c.outcome);
            (
                code.n1,
                code.n2,
                code.n3,
                code.management.to_owned(),
                Some(outcome),
                code.weight(),
            )
        }
        None => {
            let (n1, n2, n3) = rng.pick(&UNMATCHED_AGENT_CODES);
            (n1, n2, n3, n2.replace('_', " ").to_uppercase(), None, 1)
        }
    };
    let uid = format!("MA-{}", attempt.uid_suffix);
    let promise = outcome == Some(Outcome::Promise);
    let contact = matches!(outcome, Some(o) if o != Outcome::NoContact);
    // Calling agents come first in the roster.
    let callers = agents.partition_point(|a| a.active);
    let agent = &agents[rng.below(callers as u64) as usize];
    let [campaign_id, campaign_name] = campaign_cells(attempt.target);
    vec![
        Cell::Text(uid.clone()),
        campaign_id,
        campaign_name,
        Cell::Text(document_text(rng, &attempt.target.document)),
        Cell::Numeric(Decimal::from(attempt.target.phone)),
        Cell::Timestamp(lima::civil_to_utc(attempt.at)),
        Cell::Text(management),
        text(n2),
        Cell::Int(weight),
        text("MIBOTAIR"),
        if promise {
            Cell::Date(promised_day(rng, attempt.day))
        } else {
            Cell::Null
        },
        text(n1),
        text(n2),
        key_part(rng, n3),
        text(&agent.nombre),
        correo_cell(rng, &agent.correo),
        if promise {
            Cell::Numeric(Decimal::new(rng.between(1_000, 50_000), 2))
        } else {
            Cell::Null
        },
        if promise {
            text("CLIENTE ACEPTA COMPROMISO")
        } else {
            Cell::Null
        },
        text("COBRANZA_MOVISTAR"),
        text("TELEFONICA DEL PERU"),
        Cell::Int(duration(rng, outcome, 3_600)),
        Cell::Null,
        if contact {
            Cell::Text(format!("https://grabaciones.mibot.pe/call/{uid}.mp3"))
        } else {
            Cell::Null
        },
    ]
}

/// The agent's login as the dialer records it: a few in another letter case, a few missing.
fn correo_cell(rng: &mut Rng, correo: &str) -> Cell {
    match rng.weighted(&[965, 30, 5]) {
        0 => text(correo),
        1 => Cell::Text(correo.to_uppercase()),
        _ => Cell::Null,
    }
}
