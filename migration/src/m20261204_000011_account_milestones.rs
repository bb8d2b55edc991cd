use sea_orm_migration::{prelude::*, schema::*};

use crate::table_ext::{TableDef, create_filled, drop_tables};

/// aux_cuenta_hitos: per campaign account, the first day of each gestión class in its fan-out
/// (aux_gestion_cuenta), which the dashboard's cumulative KPIs count against each day (DOMAIN
/// §8). The fan-out step keeps it in step with its own rows, so that a refresh reads 50,000
/// accounts instead of aggregating the open campaigns' 850,000 fan-out rows. Filled here from
/// the fan-out already built.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_filled(manager, table(), COLUMNS, &milestones_of("1 = 1")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, vec![table()]).await
    }
}

pub const TABLE: &str = "aux_cuenta_hitos";

/// The table's columns, in the order [`milestones_of`] selects them.
pub const COLUMNS: &str =
    "archivo, cuenta, primera_gestion, primera_cd, primera_cd_ci, primera_pdp";

/// The milestones of the accounts whose fan-out rows satisfy `accounts` (a predicate over
/// aux_gestion_cuenta's columns), from all their fan-out rows: `SELECT …` of [`COLUMNS`].
pub fn milestones_of(accounts: &str) -> String {
    format!(
        "SELECT archivo, cuenta, MIN(fecha_gestion),
            MIN(CASE WHEN contactabilidad = 'CONTACTO_EFECTIVO' THEN fecha_gestion END),
            MIN(CASE WHEN contactabilidad IN ('CONTACTO_EFECTIVO', 'CONTACTO_NO_EFECTIVO')
                THEN fecha_gestion END),
            MIN(CASE WHEN es_compromiso THEN fecha_gestion END)
        FROM aux_gestion_cuenta
        WHERE {accounts}
        GROUP BY archivo, cuenta"
    )
}

fn table() -> TableDef {
    TableDef::new(TABLE, |t| {
        t.col(text("archivo"))
            .col(text("cuenta"))
            .col(date("primera_gestion"))
            .col(date_null("primera_cd"))
            .col(date_null("primera_cd_ci"))
            .col(date_null("primera_pdp"))
            .primary_key(Index::create().col("archivo").col("cuenta"))
    })
}
