//! Clients, accounts and their assignment to campaigns, and the `asignaciones` rows.
//!
//! The pool stores only how many accounts each client holds (4 bytes a client); every other
//! attribute of a client or account is drawn on demand from (seed, index), so it is stable
//! across campaigns and days without being stored.

use std::ops::Range;

use chrono::{Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta};

use super::arrival::Arriving;
use super::calendar::add_business_days;
use super::campaigns::Campaign;
use super::cells::{index_of, optional, text};
use super::debt;
use super::generator::Generator;
use super::profile::SyntheticProfile;
use super::rng::{Rng, Stream};
use crate::lima;
use crate::source::{Cell, Row};
use crate::tables::ASIGNACIONES;

/// Share of a month's clients assigned again the next month.
const REASSIGNED_SHARE: f64 = 0.2;
/// Share of assignments listed again on a later business day of the same archivo.
const REDELIVERED_SHARE: f64 = 0.03;
const REJECTED_SHARE: f64 = 0.005;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Servicio {
    Movil,
    Fija,
}

impl Servicio {
    pub fn cod_sistema(self) -> i64 {
        match self {
            Self::Movil => 4,
            Self::Fija => 2,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Movil => "MOVIL",
            Self::Fija => "FIJA",
        }
    }

    /// How `asignaciones.negocio` spells the service line; NULL leaves it to cod_sistema
    /// (DOMAIN §13.12).
    fn negocio_spellings(self) -> &'static [(u32, Option<&'static str>)] {
        match self {
            Self::Movil => &[
                (70, Some("MOVIL")),
                (15, Some("Móvil")),
                (5, Some(" movil ")),
                (10, None),
            ],
            Self::Fija => &[
                (70, Some("FIJA")),
                (10, Some("fija ")),
                (10, Some("Fija")),
                (10, None),
            ],
        }
    }
}

/// Clients and their accounts: client `c` holds accounts `first_account[c]..first_account[c+1]`.
#[derive(Debug)]
pub struct AccountPool {
    first_account: Vec<u32>,
}

/// One account of one campaign. `ordinal` numbers every assignment of the world.
#[derive(Clone, Copy, Debug)]
pub struct Assignment {
    pub ordinal: u32,
    pub client: u32,
    pub account: u32,
}

impl AccountPool {
    fn add_client(&mut self, accounts: u32) -> u32 {
        let client = self.first_account.len() as u32 - 1;
        let end = self.first_account[client as usize] + accounts;
        self.first_account.push(end);
        client
    }

    pub fn accounts_of(&self, client: u32) -> Range<u32> {
        self.first_account[client as usize]..self.first_account[client as usize + 1]
    }

    fn account_count(&self, client: u32) -> u32 {
        self.accounts_of(client).len() as u32
    }

    /// The campaign's accounts, client by client.
    pub fn assignments<'a>(
        &'a self,
        campaign: &'a Campaign,
    ) -> impl Iterator<Item = Assignment> + 'a {
        campaign
            .clients
            .iter()
            .flat_map(move |&client| {
                self.accounts_of(client)
                    .map(move |account| (client, account))
            })
            .zip(campaign.first_ordinal..)
            .map(|((client, account), ordinal)| Assignment {
                ordinal,
                client,
                account,
            })
    }

    pub fn campaign_accounts(&self, campaign: &Campaign) -> u32 {
        campaign
            .clients
            .iter()
            .map(|&c| self.account_count(c))
            .sum()
    }
}

/// ~1.2 accounts per client (DOMAIN §3).
fn accounts_per_client(rng: &mut Rng) -> u32 {
    rng.weighted_pick(&[(82, 1), (16, 2), (2, 3)])
}

/// Fills each campaign's clients: per month, about a fifth of the previous month's clients come
/// back, new clients make up `accounts_per_month` accounts, and the shuffled clients are cut
/// into the month's campaigns in proportion to their weights.
pub fn assign_clients(profile: &SyntheticProfile, campaigns: &mut [Campaign]) -> AccountPool {
    let mut pool = AccountPool {
        first_account: vec![0],
    };
    let mut previous: Vec<u32> = Vec::new();
    for month in 0..profile.months {
        let mut rng = Rng::keyed(profile.seed, Stream::Pool, &[month.into()]);
        let mut clients: Vec<u32> = previous
            .iter()
            .copied()
            .filter(|_| rng.chance(REASSIGNED_SHARE))
            .collect();
        let mut total: u32 = clients.iter().map(|&c| pool.account_count(c)).sum();
        while total < profile.accounts_per_month {
            let accounts = accounts_per_client(&mut rng);
            clients.push(pool.add_client(accounts));
            total += accounts;
        }
        rng.shuffle(&mut clients);

        let mut month_campaigns: Vec<&mut Campaign> =
            campaigns.iter_mut().filter(|c| c.month == month).collect();
        split(&pool, &clients, total, &mut month_campaigns);
        previous = clients;
    }
    pool
}

/// Cuts `clients` (holding `total` accounts) into consecutive runs, one per campaign, at the
/// cumulative weight boundaries.
fn split(pool: &AccountPool, clients: &[u32], total: u32, campaigns: &mut [&mut Campaign]) {
    let weights: f64 = campaigns.iter().map(|c| c.weight).sum();
    let mut cumulative = 0.0;
    let mut taken = 0;
    let mut remaining = clients.iter();
    let count = campaigns.len();
    for (index, campaign) in campaigns.iter_mut().enumerate() {
        cumulative += campaign.weight;
        let boundary = (f64::from(total) * cumulative / weights).round() as u32;
        let mut mine = Vec::new();
        while taken < boundary || index + 1 == count {
            let Some(&client) = remaining.next() else {
                break;
            };
            taken += pool.account_count(client);
            mine.push(client);
        }
        mine.sort_unstable();
        campaign.clients = mine;
    }
}

/// A client's stable attributes.
pub struct Client {
    pub cod_luna: i64,
    pub cliente: i64,
    pub dni: Option<String>,
}

impl Client {
    pub fn of(seed: u64, client: u32) -> Self {
        let mut rng = Rng::keyed(seed, Stream::Pool, &[u64::MAX, client.into()]);
        // Spaced-out blocks keep the ids unique while looking irregular.
        let cod_luna = 10_000_000 + i64::from(client) * 17 + rng.between(0, 16);
        let cliente = 600_000_000 + i64::from(client) * 11 + rng.between(0, 10);
        let dni = (!rng.chance(0.01)).then(|| format!("{:08}", rng.between(1_000_000, 79_999_999)));
        Self {
            cod_luna,
            cliente,
            dni,
        }
    }
}

/// An account's stable attributes.
pub struct Account {
    pub cuenta: i64,
    pub servicio: Servicio,
    pub negocio: Option<&'static str>,
    /// NULL or 0 for some accounts: no phone.
    pub telefono: Option<i64>,
    pub frac: bool,
    pub decil_contacto: i64,
    pub decil_pago: i64,
    pub rango_renta: i64,
}

impl Account {
    pub fn of(profile: &SyntheticProfile, account: u32) -> Self {
        let mut rng = Rng::keyed(profile.seed, Stream::Account, &[account.into()]);
        let cuenta = 500_000_000 + i64::from(account) * 13 + rng.between(0, 12);
        let servicio = if rng.chance(profile.movil_share) {
            Servicio::Movil
        } else {
            Servicio::Fija
        };
        Self {
            cuenta,
            servicio,
            negocio: rng.weighted_pick(servicio.negocio_spellings()),
            telefono: phone(&mut rng, servicio),
            frac: rng.chance(profile.frac_share),
            decil_contacto: rng.between(1, 10),
            decil_pago: rng.between(1, 10),
            rango_renta: rng.between(1, 5),
        }
    }
}

/// A plausible Peruvian number (mobile 9xxxxxxxx, Lima landline 1xxxxxxx), sometimes NULL or 0.
fn phone(rng: &mut Rng, servicio: Servicio) -> Option<i64> {
    match rng.weighted(&[95, 3, 2]) {
        0 => Some(match servicio {
            Servicio::Movil => rng.between(900_000_000, 999_999_999),
            Servicio::Fija => rng.between(12_000_000, 19_999_999),
        }),
        1 => None,
        _ => Some(0),
    }
}

/// The `asignaciones` rows whose creado_el falls on `day`: whole files of the campaigns opened
/// that day, and the accounts re-delivered that day by campaigns opened shortly before.
pub fn asignaciones(generator: &Generator, day: NaiveDate) -> Vec<Arriving> {
    let mut rows = Vec::new();
    let recent = generator
        .campaigns
        .iter()
        .filter(|c| c.apertura <= day && day <= c.apertura + Days::new(10));
    for campaign in recent {
        for assignment in generator.pool.assignments(campaign) {
            let mut rng = Rng::keyed(
                generator.profile.seed,
                Stream::Assignment,
                &[assignment.ordinal.into(), 1],
            );
            let redelivery = rng
                .chance(REDELIVERED_SHARE)
                .then(|| redelivered_at(&mut rng, campaign));
            let creado_el = if campaign.apertura == day {
                opening_load_time(&mut rng, campaign)
            } else {
                match redelivery {
                    Some(at) if at.date() == day => at,
                    _ => continue,
                }
            };
            let mut row = asignacion_row(generator, campaign, assignment, creado_el);
            if campaign.apertura != day {
                refresh_contact_data(&mut rng, &mut row);
            }
            rows.push(Arriving::new(&mut rng, lima::civil_to_utc(creado_el), row));
        }
    }
    rows
}

/// The opening day's file: the campaign's load time plus a few minutes per row.
fn opening_load_time(rng: &mut Rng, campaign: &Campaign) -> NaiveDateTime {
    campaign
        .apertura
        .and_time(campaign.loaded_at + TimeDelta::seconds(rng.between(0, 600)))
}

/// A re-delivery 1–3 business days after the opening, 06:00–09:00.
fn redelivered_at(rng: &mut Rng, campaign: &Campaign) -> NaiveDateTime {
    let day = add_business_days(campaign.apertura, rng.between(1, 3) as u32);
    day.and_time(NaiveTime::MIN + TimeDelta::seconds(rng.between(6 * 3600, 9 * 3600 - 1)))
}

/// Re-delivered rows carry newer contact data, so "newest wins" is visible downstream.
fn refresh_contact_data(rng: &mut Rng, row: &mut Row) {
    row[index_of(&ASIGNACIONES, "telefono")] = Cell::Int(rng.between(900_000_000, 999_999_999));
    row[index_of(&ASIGNACIONES, "priorizado")] = text("SI");
}

fn asignacion_row(
    generator: &Generator,
    campaign: &Campaign,
    assignment: Assignment,
    creado_el: NaiveDateTime,
) -> Row {
    let seed = generator.profile.seed;
    let client = Client::of(seed, assignment.client);
    let account = Account::of(&generator.profile, assignment.account);
    let mut rng = Rng::keyed(seed, Stream::Assignment, &[assignment.ordinal.into()]);
    let min_vto = debt::min_vto(seed, campaign, assignment.ordinal);
    let (fraccionamiento, cuota) = installment_texts(&mut rng, account.frac);
    vec![
        Cell::Int(client.cod_luna),
        Cell::Int(account.cuenta),
        Cell::Text(format!("{}{}", campaign.archivo, campaign.file_suffix)),
        Cell::DateTime(creado_el),
        Cell::Int(client.cliente),
        account.telefono.map_or(Cell::Null, Cell::Int),
        optional(client.dni.as_deref()),
        optional(account.negocio),
        Cell::Int(account.servicio.cod_sistema()),
        text(rng.pick(&["TRAMO 1", "TRAMO 2", "TRAMO 3"])),
        text(rng.pick(&["LIMA", "LIMA", "NORTE", "SUR", "CENTRO", "ORIENTE"])),
        Cell::Text(format!("CMP_{}", campaign.apertura.format("%Y%m"))),
        optional(rng.weighted_pick(&[
            (40, Some("0")),
            (30, Some("5")),
            (20, Some("15+")),
            (10, None),
        ])),
        if rng.chance(0.02) {
            Cell::Null
        } else {
            Cell::Date(min_vto)
        },
        Cell::Date(min_vto - Days::new(15)),
        Cell::Int(account.decil_contacto),
        Cell::Int(account.decil_pago),
        Cell::Int(account.rango_renta),
        optional(fraccionamiento),
        optional(cuota),
        optional(rng.weighted_pick(&[
            (20, Some("SI")),
            (10, Some("S")),
            (15, Some("NO")),
            (55, None),
        ])),
        text(rng.pick(&["SI", "NO"])),
        optional(rng.pick(&[Some("SI"), Some("NO"), None])),
        optional(rng.pick(&[None, None, Some("DSCTO 10% 3 MESES")])),
        text(rng.pick(&["29.90", "39.90", "55.90", "69.90", "89.90"])),
        text(rng.pick(&["ACTIVO", "ACTIVO", "SUSPENDIDO PARCIAL", "SUSPENDIDO"])),
        text(match account.servicio {
            Servicio::Movil => rng.pick(&["POSTPAGO", "CONTROL"]),
            Servicio::Fija => rng.pick(&["DUO", "TRIO", "MONO"]),
        }),
        optional(rng.pick(&[Some("NUEVA"), Some("PORTABILIDAD"), Some("MIGRACION"), None])),
        if rng.chance(REJECTED_SHARE) {
            text(rng.pick(&["CUENTA DE BAJA", "CLIENTE EN LITIGIO", "DUPLICADO"]))
        } else {
            Cell::Null
        },
    ]
}

/// fraccionamiento / cuota_fracc_act: frac accounts fill at least one; some non-frac accounts
/// carry "NO", "N" or "0", which do not make them frac (DOMAIN §13.11).
fn installment_texts(rng: &mut Rng, frac: bool) -> (Option<&'static str>, Option<&'static str>) {
    if frac {
        rng.weighted_pick(&[
            (50, (Some("SI"), Some("3/12"))),
            (25, (Some("FRACC 12 CUOTAS"), None)),
            (25, (None, Some("2/6"))),
        ])
    } else {
        rng.weighted_pick(&[
            (85, (None, None)),
            (5, (Some("NO"), None)),
            (5, (None, Some("0"))),
            (5, (Some("N"), Some("0"))),
        ])
    }
}
