//! Arithmetic shared by the views. KPIs over several rows are always recomputed from summed
//! counters (DOMAIN §2); a zero denominator gives 0 rather than NaN or infinity (§2, §12), and
//! the API rounds percentages and ratios to 1 dp and money to 2 dp (§2).

use super::IconStatus;

pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

pub(crate) fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// 100 · num / den, rounded to 1 dp; 0 when den is 0.
pub(crate) fn pct(num: f64, den: f64) -> f64 {
    ratio(100.0 * num, den)
}

/// num / den, rounded to 1 dp; 0 when den is 0.
pub(crate) fn ratio(num: f64, den: f64) -> f64 {
    if den == 0.0 { 0.0 } else { round1(num / den) }
}

/// "ok" at or above the target, else "warning". Compared on the rounded value the client sees,
/// so a displayed 70.0 is never flagged.
pub(crate) fn target_status(value: f64, target: f64) -> IconStatus {
    if value >= target {
        IconStatus::Ok
    } else {
        IconStatus::Warning
    }
}

/// Change from `anterior` to `actual` in percent, 1 dp (DOMAIN §10): 100 when only the current
/// value exists, 0 when both are 0.
pub(crate) fn variacion(actual: f64, anterior: f64) -> f64 {
    if anterior == 0.0 {
        if actual > 0.0 { 100.0 } else { 0.0 }
    } else {
        round1(100.0 * (actual - anterior) / anterior)
    }
}

/// `15432` → `15,432`.
pub(crate) fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_separates_groups_of_three() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(15_432), "15,432");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(-1_000), "-1,000");
    }

    #[test]
    fn zero_denominators_give_zero() {
        assert_eq!(pct(5.0, 0.0), 0.0);
        assert_eq!(ratio(5.0, 0.0), 0.0);
        assert_eq!(pct(1.0, 3.0), 33.3);
    }

    #[test]
    fn variacion_edge_cases() {
        assert_eq!(variacion(0.0, 0.0), 0.0);
        assert_eq!(variacion(5.0, 0.0), 100.0);
        assert_eq!(variacion(0.0, 5.0), -100.0);
        assert_eq!(variacion(3.0, 2.0), 50.0);
    }
}
