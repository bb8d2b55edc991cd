//! America/Lima: UTC−5 all year (Peru keeps no daylight saving time), so a fixed offset is exact.
//! Every business date and hour in Pulso is a Lima date or hour (DOMAIN §2).

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};

pub fn offset() -> FixedOffset {
    FixedOffset::west_opt(5 * 3600).expect("UTC-5 is a valid offset")
}

/// The absolute instant of a zone-less Lima civil time (BigQuery DATETIME, DOMAIN §13.3).
pub fn civil_to_utc(civil: NaiveDateTime) -> DateTime<Utc> {
    offset()
        .from_local_datetime(&civil)
        .single()
        .expect("a fixed offset maps every civil time to one instant")
        .with_timezone(&Utc)
}

/// 00:00 Lima of `date`: how DATE watermarks are held (DOMAIN §6).
pub fn start_of_day(date: NaiveDate) -> DateTime<Utc> {
    civil_to_utc(date.and_hms_opt(0, 0, 0).expect("midnight exists"))
}

/// The Lima civil time of an instant.
pub fn to_civil(instant: DateTime<Utc>) -> NaiveDateTime {
    instant.with_timezone(&offset()).naive_local()
}

/// Today in Lima.
pub fn today() -> NaiveDate {
    to_civil(Utc::now()).date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lima_is_five_hours_behind_utc() {
        let civil = NaiveDate::from_ymd_opt(2025, 6, 1)
            .unwrap()
            .and_hms_opt(23, 30, 0)
            .unwrap();
        let instant = civil_to_utc(civil);
        assert_eq!(instant.to_rfc3339(), "2025-06-02T04:30:00+00:00");
        assert_eq!(to_civil(instant), civil);
        assert_eq!(
            start_of_day(civil.date()).to_rfc3339(),
            "2025-06-01T05:00:00+00:00"
        );
    }
}
