//! Campaigns (archivos) and their `calendario` rows: ~12–20 a month, one Temprana per due day
//! plus some Altas Nuevas, Cuota Fraccionamiento and "other" campaigns (DOMAIN §11).

use chrono::{Datelike, Days, NaiveDate, NaiveTime, TimeDelta};

use super::calendar::{
    add_business_days, business_day_on_or_after, business_day_on_or_before, business_days_between,
    last_of_month, shift_months,
};
use super::cells::text;
use super::rng::{Rng, Stream};
use crate::source::{Cell, Row};

pub const DUE_DAYS: [u32; 7] = [1, 5, 9, 13, 17, 21, 25];

/// Longest campaign window, in calendar days (DOMAIN §11).
const MAX_WINDOW_DAYS: u64 = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cartera {
    Temprana,
    CuotaFraccionamiento,
    AltasNuevas,
    Otras,
}

impl Cartera {
    /// Relative number of accounts of this cartera's campaigns.
    fn weight(self) -> f64 {
        match self {
            Self::Temprana => 1.6,
            Self::AltasNuevas => 0.9,
            Self::CuotaFraccionamiento => 0.7,
            Self::Otras => 0.5,
        }
    }

    /// Calendar days between the due day and the opening (before moving to a business day).
    fn opening_delay(self) -> (i64, i64) {
        match self {
            Self::Temprana => (1, 3),
            Self::AltasNuevas => (2, 5),
            Self::CuotaFraccionamiento => (3, 6),
            Self::Otras => (0, 9),
        }
    }

    /// How many months overdue the campaign's bills are at opening.
    fn months_overdue(self) -> i32 {
        match self {
            Self::Temprana | Self::AltasNuevas => 0,
            Self::CuotaFraccionamiento => 2,
            Self::Otras => 4,
        }
    }

    /// `calendario.tipo_cartera` as the business types it: every spelling normalises to this
    /// cartera (DOMAIN §4), an unknown label or an empty one makes the archivo decide.
    fn labels(self) -> &'static [(u32, Option<&'static str>)] {
        match self {
            Self::Temprana => &[
                (40, Some("Temprana")),
                (15, Some("TEMPRANA ")),
                (10, Some(" temprana")),
                (20, None),
                (15, Some("")),
            ],
            Self::CuotaFraccionamiento => &[
                (40, Some("Cuota Fraccionamiento")),
                (15, Some("CUOTA  FRACCIONAMIENTO")),
                (15, Some("cuota_fraccion")),
                (30, None),
            ],
            Self::AltasNuevas => &[
                (40, Some("Altas Nuevas")),
                (15, Some("ALTAS")),
                (15, Some("altas  nuevas")),
                (30, None),
            ],
            Self::Otras => &[
                (40, Some("Otras")),
                (20, Some("Gestion Especial")),
                (40, None),
            ],
        }
    }

    /// The gestiones' queue label.
    pub fn queue(self) -> &'static str {
        match self {
            Self::Temprana => "TEMPRANA",
            Self::CuotaFraccionamiento => "CUOTA_FRACC",
            Self::AltasNuevas => "ALTAS_NUEVAS",
            Self::Otras => "ESPECIAL",
        }
    }
}

/// Archivo tokens of "other" campaigns. `Cobranding_Anual` contains `_AN` but not `_AN_`, so it
/// must not be read as Altas Nuevas (DOMAIN §4).
const OTHER_TOKENS: [&str; 2] = ["Fraude", "Cobranding_Anual"];

#[derive(Clone, Debug)]
pub struct Campaign {
    /// `calendario.archivo`, e.g. `Cartera_Agencia_Cobranding_Gestion_Temprana_20250506_05`.
    pub archivo: String,
    pub cartera: Cartera,
    pub due_day: u32,
    pub apertura: NaiveDate,
    /// Planned and actual closing: the last day of the window.
    pub close: NaiveDate,
    /// Due date of the overdue bills the campaign collects (the usual `min_vto`).
    pub due_date: NaiveDate,
    tipo_cartera: Option<&'static str>,
    /// The first "other" campaign of each month is also listed, stale, under the previous
    /// month's periodo_date (DOMAIN §13.15: the latest periodo_date wins).
    stale_duplicate: bool,
    /// How `asignaciones.archivo` spells the `.txt` suffix (rarely `.TXT`, DOMAIN §13.13).
    pub file_suffix: &'static str,
    /// Index of the campaign's month in the profile.
    pub month: u32,
    /// Relative number of accounts among the month's campaigns.
    pub weight: f64,
    /// When the assignment file was loaded on the opening day (06:00–09:00).
    pub loaded_at: NaiveTime,
    /// Assigned clients, ascending; a client brings all its accounts.
    pub clients: Vec<u32>,
    /// Ordinal of the campaign's first (campaign, account) assignment: ordinals number every
    /// assignment of the world and key the streams of its documents and rows.
    pub first_ordinal: u32,
}

impl Campaign {
    /// Whether `day` falls in the window `[apertura, close]`.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.apertura <= day && day <= self.close
    }

    /// The campaign's calendario rows as seen on Lima date `today`: closed (fecha_cierre set)
    /// once `today` is past the planned closing.
    pub fn calendario_rows(&self, today: NaiveDate) -> Vec<Row> {
        let mut rows = vec![self.calendario_row(today, self.apertura)];
        if self.stale_duplicate {
            let previous = shift_months(self.apertura, -1);
            // Frozen as first listed (open): a loader keeping it would never close the campaign.
            rows.push(self.calendario_row(self.apertura, previous));
        }
        rows
    }

    fn calendario_row(&self, today: NaiveDate, period_day: NaiveDate) -> Row {
        let closed = self.close < today;
        let estado = if closed {
            "CERRADA"
        } else if (today - self.apertura).num_days() < 7 {
            "ABIERTA"
        } else {
            "ACTIVA"
        };
        let business_days = business_days_between(self.apertura, self.close);
        vec![
            Cell::Text(self.archivo.clone()),
            self.tipo_cartera.map_or(Cell::Null, text),
            Cell::Date(self.apertura),
            if closed {
                Cell::Date(self.close)
            } else {
                Cell::Null
            },
            Cell::Date(self.apertura),
            Cell::Date(self.close),
            Cell::Int(business_days.into()),
            Cell::Int(period_day.year().into()),
            Cell::Text(period_day.format("%Y-%m").to_string()),
            Cell::Bool(!closed),
            text(estado),
            text(rango_vencimiento(
                (self.apertura - self.due_date).num_days(),
            )),
            text(MONTHS[period_day.month0() as usize]),
            text(due_day_group(self.due_day)),
            text(duration_category(business_days)),
            Cell::Date(period_day.with_day(1).expect("day 1 exists")),
        ]
    }
}

const MONTHS: [&str; 12] = [
    "ENERO",
    "FEBRERO",
    "MARZO",
    "ABRIL",
    "MAYO",
    "JUNIO",
    "JULIO",
    "AGOSTO",
    "SETIEMBRE",
    "OCTUBRE",
    "NOVIEMBRE",
    "DICIEMBRE",
];

fn rango_vencimiento(days_overdue: i64) -> &'static str {
    match days_overdue {
        ..=30 => "0-30",
        31..=60 => "31-60",
        61..=90 => "61-90",
        91..=180 => "91-180",
        _ => "180+",
    }
}

/// DOMAIN §11's due-day groups.
fn due_day_group(due_day: u32) -> &'static str {
    match due_day {
        1 | 5 => "GRUPO_1_5",
        9 | 13 => "GRUPO_9_13",
        17 | 21 | 25 => "GRUPO_17_25",
        _ => "OTRO",
    }
}

fn duration_category(business_days: u32) -> &'static str {
    match business_days {
        ..20 => "CORTA",
        20..=22 => "ESTANDAR",
        _ => "LARGA",
    }
}

/// The campaigns of month `month` (index in the profile; `first` = its first day), without
/// clients, leaving out those that would open before `start`.
pub fn plan_month(seed: u64, month: u32, first: NaiveDate, start: NaiveDate) -> Vec<Campaign> {
    let mut rng = Rng::keyed(seed, Stream::Campaigns, &[month.into()]);
    let altas = 3 + rng.below(3) as usize;
    let fracc = 2 + rng.below(3) as usize;
    let others = 1 + rng.below(2) as usize;

    let mut kinds: Vec<(Cartera, &str, u32)> = DUE_DAYS
        .iter()
        .map(|&dd| (Cartera::Temprana, "Temprana", dd))
        .collect();
    for (cartera, token, count) in [
        (Cartera::AltasNuevas, "AN", altas),
        (Cartera::CuotaFraccionamiento, "CF_ANN", fracc),
    ] {
        let mut due_days = DUE_DAYS;
        rng.shuffle(&mut due_days);
        kinds.extend(due_days[..count].iter().map(|&dd| (cartera, token, dd)));
    }
    for token in OTHER_TOKENS.iter().take(others) {
        kinds.push((Cartera::Otras, token, rng.pick(&DUE_DAYS)));
    }

    kinds
        .into_iter()
        .enumerate()
        .map(|(index, (cartera, token, due_day))| {
            let mut rng = Rng::keyed(seed, Stream::Campaigns, &[month.into(), index as u64]);
            let stale_duplicate = cartera == Cartera::Otras && token == OTHER_TOKENS[0];
            campaign(
                &mut rng,
                month,
                first,
                cartera,
                token,
                due_day,
                stale_duplicate,
            )
        })
        .filter(|c| c.apertura >= start)
        .collect()
}

fn campaign(
    rng: &mut Rng,
    month: u32,
    first: NaiveDate,
    cartera: Cartera,
    token: &str,
    due_day: u32,
    stale_duplicate: bool,
) -> Campaign {
    let (low, high) = cartera.opening_delay();
    let apertura = opening_day(first, due_day, rng.between(low, high));
    let planned_business_days = rng.between(20, 22) as u32;
    let close = add_business_days(apertura, planned_business_days - 1)
        .min(apertura + Days::new(MAX_WINDOW_DAYS - 1));
    Campaign {
        archivo: format!(
            "Cartera_Agencia_Cobranding_Gestion_{token}_{}_{due_day:02}",
            apertura.format("%Y%m%d")
        ),
        cartera,
        due_day,
        apertura,
        close,
        due_date: shift_months(last_due_date(apertura, due_day), -cartera.months_overdue()),
        tipo_cartera: rng.weighted_pick(cartera.labels()),
        stale_duplicate,
        file_suffix: if rng.chance(0.1) { ".TXT" } else { ".txt" },
        month,
        weight: cartera.weight() * (0.75 + 0.5 * rng.unit()),
        loaded_at: NaiveTime::MIN + TimeDelta::minutes(6 * 60 + rng.between(0, 179)),
        clients: Vec::new(),
        first_ordinal: 0,
    }
}

/// A business day of the month, `delay` days after the due day, never past the month's end.
fn opening_day(first: NaiveDate, due_day: u32, delay: i64) -> NaiveDate {
    let last = last_of_month(first);
    let wanted = (first + Days::new(u64::from(due_day) - 1 + delay as u64)).min(last);
    let day = business_day_on_or_after(wanted);
    if day > last {
        business_day_on_or_before(last)
    } else {
        day
    }
}

/// The latest date before `apertura` whose day of month is `due_day`.
fn last_due_date(apertura: NaiveDate, due_day: u32) -> NaiveDate {
    let this_month = apertura
        .with_day(due_day)
        .expect("due days exist in every month");
    if this_month < apertura {
        this_month
    } else {
        shift_months(this_month, -1)
    }
}
