use sea_orm_migration::{prelude::*, schema::*};

use crate::table_ext::{TableDef, create_filled, drop_tables};

/// aux_gestiones_servicio_dia: per campaign × servicio × day, the distinct gestiones of its
/// fan-out (aux_gestion_cuenta), which the dashboard's cumulative gestión KPIs add up to each day
/// (DOMAIN §8). The fan-out step keeps it in step with its own rows, so that a refresh whose late
/// gestiones date it back a week adds up a few hundred counts instead of recounting the week's
/// 130,000 fan-out rows. Filled here from the fan-out already built.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_filled(manager, table(), COLUMNS, &counts_of("1 = 1", "1 = 1")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, vec![table()]).await
    }
}

pub const TABLE: &str = "aux_gestiones_servicio_dia";

/// The table's columns, in the order [`counts_of`] selects them.
pub const COLUMNS: &str = "archivo, servicio, fecha_gestion, total, voicebot, llamadas, efectivas";

/// The accounts that count a gestión of their client for their servicio, of the campaign
/// accounts (aux_cuenta_campana) that satisfy `accounts`: one per campaign × client × servicio
/// (the smallest cuenta), as `(archivo, servicio, cuenta)`. Every account of a client and
/// servicio holds the client's gestiones, so counting them on one counts each gestión once (§8)
/// without de-duplicating the fan-out.
pub fn counting_accounts(accounts: &str) -> String {
    format!(
        "SELECT archivo, servicio, MIN(cuenta) AS cuenta FROM aux_cuenta_campana \
         WHERE {accounts} GROUP BY archivo, cod_luna, servicio"
    )
}

/// The counts of the fan-out rows that satisfy `rows` (a predicate over aux_gestion_cuenta's
/// columns, `gc.`), counted on the [`counting_accounts`] that satisfy `accounts`:
/// `SELECT …` of [`COLUMNS`].
pub fn counts_of(rows: &str, accounts: &str) -> String {
    format!(
        "SELECT gc.archivo, a.servicio, gc.fecha_gestion, COUNT(*),
            SUM(CASE WHEN gc.canal = 'VOICEBOT' THEN 1 ELSE 0 END),
            SUM(CASE WHEN gc.canal = 'CALL' THEN 1 ELSE 0 END),
            SUM(CASE WHEN gc.contactabilidad = 'CONTACTO_EFECTIVO' THEN 1 ELSE 0 END)
        FROM aux_gestion_cuenta gc
        JOIN ({one}) a ON a.archivo = gc.archivo AND a.cuenta = gc.cuenta
        WHERE {rows}
        GROUP BY gc.archivo, a.servicio, gc.fecha_gestion",
        one = counting_accounts(accounts),
    )
}

fn table() -> TableDef {
    TableDef::new(TABLE, |t| {
        t.col(text("archivo"))
            .col(string_len("servicio", 20))
            .col(date("fecha_gestion"))
            .col(big_integer("total"))
            .col(big_integer("voicebot"))
            .col(big_integer("llamadas"))
            .col(big_integer("efectivas"))
            .primary_key(
                Index::create()
                    .col("archivo")
                    .col("servicio")
                    .col("fecha_gestion"),
            )
    })
}
