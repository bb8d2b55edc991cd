//! The knobs of a synthetic data set (DOMAIN §11).

use chrono::NaiveDate;

/// What to generate. The data covers the campaigns opened in the `months` calendar months that
/// begin with `start`'s month (campaigns that would open before `start` itself are left out);
/// `accounts_per_month` accounts are spread across each month's campaigns. Payments, debt
/// snapshots and gestiones follow those campaigns' windows, so they begin a few days before the
/// first opening and end a few weeks after the last closing.
///
/// The same profile always yields byte-identical rows.
#[derive(Clone, Debug, PartialEq)]
pub struct SyntheticProfile {
    pub seed: u64,
    pub start: NaiveDate,
    pub months: u32,
    pub accounts_per_month: u32,
    /// Share of MOVIL accounts (the rest are FIJA).
    pub movil_share: f64,
    /// Share of accounts with an installment plan ("frac").
    pub frac_share: f64,
}

impl Default for SyntheticProfile {
    fn default() -> Self {
        Self {
            seed: 42,
            start: NaiveDate::from_ymd_opt(2025, 5, 1).expect("valid date"),
            months: 3,
            accounts_per_month: 6_000,
            movil_share: 0.55,
            frac_share: 0.15,
        }
    }
}
