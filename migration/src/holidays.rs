//! Peru's national holidays as DOMAIN.md §2 and §13.4 define them: the same fixed dates every
//! year, plus Holy Thursday and Good Friday, which follow that year's Easter.

use chrono::{Duration, NaiveDate};

const FIXED: [(u32, u32, &str); 10] = [
    (1, 1, "Año Nuevo"),
    (5, 1, "Día del Trabajo"),
    (6, 29, "San Pedro y San Pablo"),
    (7, 28, "Fiestas Patrias"),
    (7, 29, "Fiestas Patrias"),
    (8, 30, "Santa Rosa de Lima"),
    (10, 8, "Combate de Angamos"),
    (11, 1, "Día de Todos los Santos"),
    (12, 8, "Inmaculada Concepción"),
    (12, 25, "Navidad"),
];

/// The holidays of `year`, in date order.
pub fn peru_national_holidays(year: i32) -> Vec<(NaiveDate, &'static str)> {
    let easter = easter_sunday(year);
    let mut days: Vec<_> = FIXED
        .iter()
        .map(|&(month, day, name)| {
            let date =
                NaiveDate::from_ymd_opt(year, month, day).expect("fixed holidays are valid dates");
            (date, name)
        })
        .chain([
            (easter - Duration::days(3), "Jueves Santo"),
            (easter - Duration::days(2), "Viernes Santo"),
        ])
        .collect();
    days.sort();
    days
}

/// Gregorian Easter Sunday (the anonymous Meeus/Jones/Butcher algorithm).
fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("Easter is a valid date")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(dates: &[(NaiveDate, &str)]) -> Vec<String> {
        dates
            .iter()
            .map(|(d, _)| d.format("%m-%d").to_string())
            .collect()
    }

    #[test]
    fn matches_the_2025_seed_of_the_domain_spec() {
        let expected = [
            "01-01", "04-17", "04-18", "05-01", "06-29", "07-28", "07-29", "08-30", "10-08",
            "11-01", "12-08", "12-25",
        ];
        assert_eq!(md(&peru_national_holidays(2025)), expected);
    }

    #[test]
    fn holy_week_follows_easter() {
        // Easter: 2024-03-31, 2026-04-05, 2027-03-28.
        for (year, thursday, friday) in [
            (2024, "03-28", "03-29"),
            (2026, "04-02", "04-03"),
            (2027, "03-25", "03-26"),
        ] {
            let days = md(&peru_national_holidays(year));
            assert!(days.contains(&thursday.to_string()), "{year}: {days:?}");
            assert!(days.contains(&friday.to_string()), "{year}: {days:?}");
        }
    }
}
