//! Business days: Monday–Friday minus Peru's national holidays (DOMAIN §2, §13.4), computed for
//! any year so the generator needs no holiday table.

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// Fixed-date holidays (month, day), every year.
const FIXED_HOLIDAYS: [(u32, u32); 10] = [
    (1, 1),
    (5, 1),
    (6, 29),
    (7, 28),
    (7, 29),
    (8, 30),
    (10, 8),
    (11, 1),
    (12, 8),
    (12, 25),
];

/// Easter Sunday of the Gregorian calendar (anonymous algorithm, Meeus/Jones/Butcher).
pub fn easter_sunday(year: i32) -> NaiveDate {
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

/// Holy Thursday and Good Friday follow Easter; the rest are fixed dates.
pub fn is_holiday(day: NaiveDate) -> bool {
    if FIXED_HOLIDAYS.contains(&(day.month(), day.day())) {
        return true;
    }
    let easter = easter_sunday(day.year());
    day == easter - Days::new(3) || day == easter - Days::new(2)
}

pub fn is_business_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !is_holiday(day)
}

pub fn business_day_on_or_after(mut day: NaiveDate) -> NaiveDate {
    while !is_business_day(day) {
        day = day.succ_opt().expect("dates stay in range");
    }
    day
}

pub fn business_day_on_or_before(mut day: NaiveDate) -> NaiveDate {
    while !is_business_day(day) {
        day = day.pred_opt().expect("dates stay in range");
    }
    day
}

/// Business days in `from..=to`.
pub fn business_days_between(from: NaiveDate, to: NaiveDate) -> u32 {
    days(from, to).filter(|&d| is_business_day(d)).count() as u32
}

/// The `n`-th business day after `day` (n = 0: `day` itself if it is one).
pub fn add_business_days(day: NaiveDate, n: u32) -> NaiveDate {
    let mut day = business_day_on_or_after(day);
    for _ in 0..n {
        day = business_day_on_or_after(day + Days::new(1));
    }
    day
}

/// Every date in `from..=to`.
pub fn days(from: NaiveDate, to: NaiveDate) -> impl Iterator<Item = NaiveDate> {
    from.iter_days().take_while(move |&d| d <= to)
}

pub fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("day 1 exists")
}

pub fn last_of_month(day: NaiveDate) -> NaiveDate {
    first_of_month(day) + Months::new(1) - Days::new(1)
}

/// `day` moved by `months` (negative: back), the day of month clamped to the month's length.
pub fn shift_months(day: NaiveDate, months: i32) -> NaiveDate {
    let moved = if months >= 0 {
        day.checked_add_months(Months::new(months as u32))
    } else {
        day.checked_sub_months(Months::new(months.unsigned_abs()))
    };
    moved.expect("dates stay in range")
}

/// A day's number, as a stream key.
pub fn key(day: NaiveDate) -> u64 {
    day.num_days_from_ce() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn synthetic_easter_and_holy_week() {
        assert_eq!(easter_sunday(2024), date(2024, 3, 31));
        assert_eq!(easter_sunday(2025), date(2025, 4, 20));
        assert_eq!(easter_sunday(2026), date(2026, 4, 5));
        assert_eq!(easter_sunday(2027), date(2027, 3, 28));
        // DOMAIN §2's 2025 seed.
        let seed_2025 = [
            (1, 1),
            (4, 17),
            (4, 18),
            (5, 1),
            (6, 29),
            (7, 28),
            (7, 29),
            (8, 30),
            (10, 8),
            (11, 1),
            (12, 8),
            (12, 25),
        ];
        let holidays: Vec<_> = days(date(2025, 1, 1), date(2025, 12, 31))
            .filter(|&d| is_holiday(d))
            .map(|d| (d.month(), d.day()))
            .collect();
        assert_eq!(holidays, seed_2025);
    }

    #[test]
    fn synthetic_business_days() {
        // Thursday 2025-07-24 → Friday 25, then Monday 28 and Tuesday 29 are holidays.
        assert!(is_business_day(date(2025, 7, 25)));
        assert!(!is_business_day(date(2025, 7, 26)));
        assert!(!is_business_day(date(2025, 7, 28)));
        assert_eq!(
            business_day_on_or_after(date(2025, 7, 26)),
            date(2025, 7, 30)
        );
        assert_eq!(
            business_day_on_or_before(date(2025, 7, 29)),
            date(2025, 7, 25)
        );
        assert_eq!(add_business_days(date(2025, 7, 24), 2), date(2025, 7, 30));
        assert_eq!(
            business_days_between(date(2025, 7, 21), date(2025, 7, 31)),
            7
        );
        assert_eq!(shift_months(date(2025, 3, 31), -1), date(2025, 2, 28));
    }
}
