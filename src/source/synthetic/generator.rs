//! The generated world (campaigns, account pool, agents) and the rows of each source table.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::accounts::{self, AccountPool};
use super::arrival::Arriving;
use super::calendar::{first_of_month, shift_months};
use super::campaigns::{self, Campaign};
use super::debt::{self, EARLY_PAYMENT_DAYS, PAYMENT_TAIL_DAYS};
use super::dimensions::{self, Agent};
use super::gestiones::{self, Canal};
use super::order::sort_rows;
use super::payments;
use super::profile::SyntheticProfile;
use crate::lima;
use crate::source::Row;
use crate::tables::{self, TableSpec};

/// Built once from a profile; every row is then a pure function of (world, table, day, as_of).
/// The world is small: campaigns with their client lists (4 bytes per assigned client) and the
/// pool's client → accounts table (4 bytes per client); account attributes, documents and
/// payments are redrawn from the seed when a day is generated.
#[derive(Debug)]
pub struct Generator {
    pub(super) profile: SyntheticProfile,
    /// By opening day, then archivo.
    pub(super) campaigns: Vec<Campaign>,
    pub(super) pool: AccountPool,
    pub(super) agents: Vec<Agent>,
}

impl Generator {
    pub fn new(profile: SyntheticProfile) -> Self {
        let first_month = first_of_month(profile.start);
        let mut campaigns: Vec<Campaign> = (0..profile.months)
            .flat_map(|month| {
                let first = shift_months(first_month, month as i32);
                campaigns::plan_month(profile.seed, month, first, profile.start)
            })
            .collect();
        campaigns.sort_by(|a, b| (a.apertura, &a.archivo).cmp(&(b.apertura, &b.archivo)));
        let pool = accounts::assign_clients(&profile, &mut campaigns);
        let mut ordinal = 0;
        for campaign in &mut campaigns {
            campaign.first_ordinal = ordinal;
            ordinal += pool.campaign_accounts(campaign);
        }
        let agents = dimensions::agents(&profile);
        Self {
            profile,
            campaigns,
            pool,
            agents,
        }
    }

    pub fn profile(&self) -> &SyntheticProfile {
        &self.profile
    }

    /// The first Lima day that can hold an incremental value: payments precede the first
    /// opening by a few days.
    pub fn first_day(&self) -> NaiveDate {
        self.first_opening() - Days::new(EARLY_PAYMENT_DAYS)
    }

    /// The last Lima day that can hold an incremental value: the last payment copies of the
    /// last campaign.
    pub fn last_day(&self) -> NaiveDate {
        self.last_closing() + Days::new(PAYMENT_TAIL_DAYS)
    }

    fn first_opening(&self) -> NaiveDate {
        self.campaigns
            .first()
            .map_or(self.profile.start, |c| c.apertura)
    }

    fn last_closing(&self) -> NaiveDate {
        self.campaigns
            .iter()
            .map(|c| c.close)
            .max()
            .unwrap_or(self.profile.start)
    }

    /// Whether `day` is between the first opening and the last closing.
    pub(super) fn in_campaign_period(&self, day: NaiveDate) -> bool {
        !self.campaigns.is_empty() && self.first_opening() <= day && day <= self.last_closing()
    }

    /// Every row of an incremental table whose incremental value falls on Lima date `day` and
    /// that has arrived by `as_of`, in the table's read order. calendario rows are seen as of
    /// `as_of` (a campaign is closed once its planned closing is before as_of's Lima date).
    /// Full-refresh tables have no incremental value: see [`Self::dimension_rows`].
    pub fn rows_on(&self, table: &TableSpec, day: NaiveDate, as_of: DateTime<Utc>) -> Vec<Row> {
        let arriving = match table.name {
            name if name == tables::CALENDARIO.name => self.calendario(day, as_of),
            name if name == tables::ASIGNACIONES.name => accounts::asignaciones(self, day),
            name if name == tables::TRANDEUDA.name => debt::trandeuda(self, day),
            name if name == tables::PAGOS.name => payments::pagos(self, day),
            name if name == tables::VOICEBOT_GESTIONES.name => {
                gestiones::gestiones(self, day, Canal::Voicebot)
            }
            name if name == tables::MIBOTAIR_GESTIONES.name => {
                gestiones::gestiones(self, day, Canal::Call)
            }
            _ => Vec::new(),
        };
        let mut rows: Vec<Row> = arriving
            .into_iter()
            .filter(|r| r.arrives <= as_of)
            .map(|r| r.row)
            .collect();
        sort_rows(table, &mut rows);
        rows
    }

    fn calendario(&self, day: NaiveDate, as_of: DateTime<Utc>) -> Vec<Arriving> {
        let today = lima::to_civil(as_of).date();
        self.campaigns
            .iter()
            .filter(|c| c.apertura == day)
            .flat_map(|c| c.calendario_rows(today))
            .map(|row| Arriving::on_time(lima::start_of_day(day), row))
            .collect()
    }

    /// All rows of a full-refresh table, sorted by primary key; nothing for other tables.
    pub fn dimension_rows(&self, table: &TableSpec) -> Vec<Row> {
        let mut rows = match table.name {
            name if name == tables::HOMOLOGACION_VOICEBOT.name => {
                dimensions::homologacion_voicebot_rows()
            }
            name if name == tables::HOMOLOGACION_MIBOTAIR.name => {
                dimensions::homologacion_mibotair_rows()
            }
            name if name == tables::EJECUTIVOS.name => dimensions::ejecutivos_rows(&self.agents),
            _ => Vec::new(),
        };
        sort_rows(table, &mut rows);
        rows
    }

    /// The rows of BigQuery's `sync_mibotair_batch_SYS_user` behind the ejecutivos query:
    /// (correo_name, nombre, document, id_cliente). Running the query over them gives exactly
    /// `dimension_rows(&EJECUTIVOS)`.
    pub fn sys_user_rows(&self) -> Vec<(String, String, String, i64)> {
        dimensions::sys_user_rows(self.profile.seed, &self.agents)
    }
}
