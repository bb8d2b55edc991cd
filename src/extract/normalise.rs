//! Source cells → raw values, by the catalogue: types converted, strings trimmed, identifiers
//! canonical, derived dates computed (DOMAIN §2, §5, §13). Rows that cannot be stored (a missing
//! key part, an unparsable value) are rejected with a reason instead of being dropped silently.

use std::{collections::HashMap, str::FromStr};

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy, prelude::FromPrimitive};

use crate::{
    lima,
    source::{Cell, Row},
    tables::{Column, RawType, Rule, TableSpec},
};

/// A value ready for a raw column.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RawValue {
    Null,
    Text(String),
    Date(NaiveDate),
    Timestamp(DateTime<Utc>),
    Int(i64),
    Decimal(Decimal),
    Bool(bool),
}

/// Values in `TableSpec::raw_columns` order.
pub type RawRow = Vec<RawValue>;

/// Why a row was not loaded, with a short preview of it for the execution log.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Rejection {
    pub reason: String,
    pub row: String,
}

/// One source row, normalised.
pub fn normalise(table: &TableSpec, row: &Row) -> Result<RawRow, Rejection> {
    let reject = |reason: String| Rejection {
        reason,
        row: preview(row),
    };
    if row.len() != table.columns.len() {
        return Err(reject(format!(
            "expected {} columns, got {}",
            table.columns.len(),
            row.len()
        )));
    }
    let mut values = Vec::with_capacity(row.len() + 1);
    for (column, cell) in table.columns.iter().zip(row) {
        let value =
            convert(column, cell).map_err(|why| reject(format!("{}: {why}", column.name)))?;
        if column.required && value == RawValue::Null {
            return Err(reject(format!("{}: missing required value", column.name)));
        }
        values.push(value);
    }
    if let Some(date_of) = table.date_of {
        let from = table
            .columns
            .iter()
            .position(|c| c.name == date_of.from)
            .expect("catalogue: date_of.from is a column");
        let derived = match &values[from] {
            RawValue::Timestamp(instant) => RawValue::Date(lima::to_civil(*instant).date()),
            _ => {
                return Err(reject(format!(
                    "{}: no {} to derive it from",
                    date_of.name, date_of.from
                )));
            }
        };
        values.push(derived);
    }
    Ok(values)
}

/// The instant an incremental value stands for (DATE at 00:00 Lima), for the watermark.
pub fn instant_of(value: &RawValue) -> Option<DateTime<Utc>> {
    match value {
        RawValue::Timestamp(instant) => Some(*instant),
        RawValue::Date(date) => Some(lima::start_of_day(*date)),
        _ => None,
    }
}

/// Keeps the last row of each primary key: rows arrive in read order, so the last is the newest
/// copy; a statement must not touch one key twice.
pub fn keep_last_per_key(table: &TableSpec, rows: Vec<RawRow>) -> Vec<RawRow> {
    let columns: Vec<_> = table.raw_columns().collect();
    let key_positions: Vec<usize> = table
        .primary_key
        .iter()
        .map(|key| {
            columns
                .iter()
                .position(|c| c == key)
                .expect("catalogue: key is a raw column")
        })
        .collect();
    let mut slot_of_key: HashMap<Vec<RawValue>, usize> = HashMap::with_capacity(rows.len());
    let mut kept: Vec<RawRow> = Vec::with_capacity(rows.len());
    for row in rows {
        let key: Vec<RawValue> = key_positions.iter().map(|&i| row[i].clone()).collect();
        match slot_of_key.get(&key) {
            Some(&slot) => kept[slot] = row,
            None => {
                slot_of_key.insert(key, kept.len());
                kept.push(row);
            }
        }
    }
    kept
}

fn convert(column: &Column, cell: &Cell) -> Result<RawValue, String> {
    if let Cell::Null = cell {
        return Ok(match column.rule {
            Rule::HomologationKey => RawValue::Text(String::new()),
            _ => RawValue::Null,
        });
    }
    match column.raw_type {
        RawType::Text => Ok(text(column.rule, cell)),
        RawType::Int => int(cell)
            .map(RawValue::Int)
            .or_else(|why| match column.rule {
                Rule::LenientInt => Ok(RawValue::Null),
                _ => Err(why),
            }),
        RawType::Money => decimal(cell).and_then(money).map(RawValue::Decimal),
        RawType::Numeric => decimal(cell).map(RawValue::Decimal),
        RawType::Bool => boolean(cell).map(RawValue::Bool),
        RawType::Date => date(cell).map(RawValue::Date),
        RawType::Timestamp => timestamp(cell).map(RawValue::Timestamp),
    }
}

fn text(rule: Rule, cell: &Cell) -> RawValue {
    let raw = match cell {
        Cell::Text(s) => s.trim().to_owned(),
        Cell::Int(i) => i.to_string(),
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < 1e18 => format!("{}", *f as i64),
        Cell::Float(f) => f.to_string(),
        Cell::Numeric(d) => d.normalize().to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Date(d) => d.to_string(),
        Cell::DateTime(c) => c.format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
        Cell::Timestamp(t) => t.to_rfc3339(),
        Cell::Null => String::new(),
    };
    match rule {
        Rule::HomologationKey => RawValue::Text(raw),
        _ if raw.is_empty() => RawValue::Null,
        Rule::Identifier => RawValue::Text(canonical_identifier(raw)),
        _ => RawValue::Text(raw),
    }
}

/// `000123` and `123.0` → `123`; non-numeric identifiers stay as they are (they match nothing).
fn canonical_identifier(raw: String) -> String {
    let digits = raw.strip_suffix(".0").unwrap_or(&raw);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return raw;
    }
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_owned()
    } else {
        trimmed.to_owned()
    }
}

fn int(cell: &Cell) -> Result<i64, String> {
    match cell {
        Cell::Int(i) => Ok(*i),
        Cell::Float(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Ok(*f as i64),
        Cell::Numeric(d) if d.fract().is_zero() => d
            .normalize()
            .to_string()
            .parse()
            .map_err(|_| format!("{d} is out of range")),
        Cell::Text(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("{s:?} is not an integer")),
        Cell::Bool(b) => Ok(i64::from(*b)),
        other => Err(format!("{other:?} is not an integer")),
    }
}

fn decimal(cell: &Cell) -> Result<Decimal, String> {
    match cell {
        Cell::Numeric(d) => Ok(*d),
        Cell::Int(i) => Ok(Decimal::from(*i)),
        Cell::Float(f) => {
            Decimal::from_f64(*f).ok_or_else(|| format!("{f} is not a finite amount"))
        }
        Cell::Text(s) => Decimal::from_str(s.trim()).map_err(|_| format!("{s:?} is not a number")),
        other => Err(format!("{other:?} is not a number")),
    }
}

/// NUMERIC(15,2): cents, half away from zero, at most 13 integer digits.
fn money(amount: Decimal) -> Result<Decimal, String> {
    let cents = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    if cents.abs() >= Decimal::new(10_i64.pow(13), 0) {
        return Err(format!("{amount} does not fit NUMERIC(15,2)"));
    }
    Ok(cents)
}

fn boolean(cell: &Cell) -> Result<bool, String> {
    match cell {
        Cell::Bool(b) => Ok(*b),
        Cell::Int(0) => Ok(false),
        Cell::Int(1) => Ok(true),
        Cell::Text(s) => match s.trim().to_uppercase().as_str() {
            "TRUE" | "1" | "SI" | "SÍ" => Ok(true),
            "FALSE" | "0" | "NO" => Ok(false),
            _ => Err(format!("{s:?} is not a boolean")),
        },
        other => Err(format!("{other:?} is not a boolean")),
    }
}

fn date(cell: &Cell) -> Result<NaiveDate, String> {
    match cell {
        Cell::Date(d) => Ok(*d),
        Cell::DateTime(c) => Ok(c.date()),
        Cell::Timestamp(t) => Ok(lima::to_civil(*t).date()),
        Cell::Text(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| format!("{s:?} is not a date")),
        other => Err(format!("{other:?} is not a date")),
    }
}

fn timestamp(cell: &Cell) -> Result<DateTime<Utc>, String> {
    match cell {
        Cell::Timestamp(t) => Ok(*t),
        Cell::DateTime(c) => Ok(lima::civil_to_utc(*c)),
        Cell::Date(d) => Ok(lima::start_of_day(*d)),
        Cell::Text(s) => {
            let s = s.trim();
            DateTime::parse_from_rfc3339(s)
                .map(|t| t.with_timezone(&Utc))
                .or_else(|_| NaiveDateTime::from_str(s).map(lima::civil_to_utc))
                .map_err(|_| format!("{s:?} is not a timestamp"))
        }
        other => Err(format!("{other:?} is not a timestamp")),
    }
}

/// The first cells of a row, short enough for a log line.
fn preview(row: &Row) -> String {
    let mut shown: Vec<String> = row
        .iter()
        .take(6)
        .map(|cell| match cell {
            Cell::Null => "NULL".to_owned(),
            Cell::Text(s) => format!("{s:?}"),
            Cell::Int(i) => i.to_string(),
            Cell::Float(f) => f.to_string(),
            Cell::Numeric(d) => d.to_string(),
            Cell::Bool(b) => b.to_string(),
            Cell::Date(d) => d.to_string(),
            Cell::DateTime(c) => c.to_string(),
            Cell::Timestamp(t) => t.to_rfc3339(),
        })
        .collect();
    if row.len() > 6 {
        shown.push("…".into());
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{ASIGNACIONES, HOMOLOGACION_MIBOTAIR, PAGOS, TRANDEUDA};

    fn civil(s: &str) -> NaiveDateTime {
        NaiveDateTime::from_str(s).unwrap()
    }

    fn trandeuda_row(cod_cuenta: Cell, amount: Cell) -> Row {
        vec![
            cod_cuenta,
            Cell::Text(" DOC-1 ".into()),
            Cell::Text("TRAN_DEUDA_0206_1.txt".into()),
            Cell::DateTime(civil("2025-06-02T05:30:00")),
            Cell::Null,
            amount,
            Cell::Text("".into()),
        ]
    }

    #[test]
    fn converts_types_trims_and_derives_the_snapshot_day() {
        let raw = normalise(
            &TRANDEUDA,
            &trandeuda_row(Cell::Int(1234), Cell::Float(180.125)),
        )
        .unwrap();
        assert_eq!(raw[0], RawValue::Text("1234".into()));
        assert_eq!(raw[1], RawValue::Text("DOC-1".into()));
        assert_eq!(
            raw[3],
            RawValue::Timestamp(lima::civil_to_utc(civil("2025-06-02T05:30:00")))
        );
        assert_eq!(
            raw[5],
            RawValue::Decimal(Decimal::new(18013, 2)),
            "half away from zero"
        );
        assert_eq!(raw[6], RawValue::Null, "empty text is NULL");
        assert_eq!(
            raw[7],
            RawValue::Date(NaiveDate::from_ymd_opt(2025, 6, 2).unwrap()),
            "fecha_proceso"
        );
    }

    #[test]
    fn identifiers_are_canonical() {
        for (given, expected) in [
            ("000123", "123"),
            ("123.0", "123"),
            ("0", "0"),
            ("00", "0"),
            ("ABC12", "ABC12"),
        ] {
            let row = trandeuda_row(Cell::Text(given.into()), Cell::Float(1.0));
            assert_eq!(
                normalise(&TRANDEUDA, &row).unwrap()[0],
                RawValue::Text(expected.into()),
                "{given}"
            );
        }
    }

    #[test]
    fn rejects_missing_keys_and_unparsable_values() {
        let missing =
            normalise(&TRANDEUDA, &trandeuda_row(Cell::Null, Cell::Float(1.0))).unwrap_err();
        assert_eq!(missing.reason, "cod_cuenta: missing required value");
        let bad = normalise(
            &TRANDEUDA,
            &trandeuda_row(Cell::Int(1), Cell::Text("mucho".into())),
        )
        .unwrap_err();
        assert_eq!(bad.reason, "monto_exigible: \"mucho\" is not a number");
        assert!(bad.row.starts_with("1, \" DOC-1 \", "), "{}", bad.row);
    }

    #[test]
    fn homologation_keys_read_null_as_empty_and_peso_is_lenient() {
        let row = vec![
            Cell::Text("Contacto_Efectivo".into()),
            Cell::Null,
            Cell::Text(" ".into()),
            Cell::Null,
            Cell::Text("N/A".into()),
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::Text("SI".into()),
            Cell::Null,
        ];
        let raw = normalise(&HOMOLOGACION_MIBOTAIR, &row).unwrap();
        assert_eq!(raw[1], RawValue::Text(String::new()));
        assert_eq!(raw[2], RawValue::Text(String::new()));
        assert_eq!(raw[4], RawValue::Null, "non-numeric peso");
    }

    #[test]
    fn the_last_copy_of_a_key_wins() {
        let day = NaiveDate::from_ymd_opt(2025, 6, 2).unwrap();
        let payment = |archivo: &str| {
            vec![
                RawValue::Text("DOC-1".into()),
                RawValue::Date(day),
                RawValue::Decimal(Decimal::new(5000, 2)),
                RawValue::Null,
                RawValue::Text(archivo.into()),
                RawValue::Null,
                RawValue::Null,
            ]
        };
        let kept = keep_last_per_key(
            &PAGOS,
            vec![
                payment("PAGOS_2025-06-02.txt"),
                payment("PAGOS_2025-06-03.txt"),
            ],
        );
        assert_eq!(kept, vec![payment("PAGOS_2025-06-03.txt")]);
    }

    #[test]
    fn assignments_without_creation_time_are_rejected() {
        let mut row: Row = vec![Cell::Null; ASIGNACIONES.columns.len()];
        row[0] = Cell::Int(1);
        row[1] = Cell::Int(2);
        row[2] = Cell::Text("X.txt".into());
        assert_eq!(
            normalise(&ASIGNACIONES, &row).unwrap_err().reason,
            "creado_el: missing required value"
        );
    }
}
