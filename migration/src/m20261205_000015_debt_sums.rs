use sea_orm_migration::{prelude::*, schema::*};

use crate::table_ext::{TableDef, create_filled, drop_tables};

/// aux_deuda_servicio_dia: per campaign × day × servicio, the accounts of the daily state
/// (aux_cuenta_estado_diario) and the sum of their snapshot debt, which is the dashboard's
/// deuda_act (DOMAIN §13.7). The daily state's step keeps it in step with its own rows, so that
/// a day that arrives adds up the few thousand rows it changed instead of the week of daily
/// states its dashboard days read (150,000 rows: a third of the dashboard's time). The debt is
/// kept in céntimos, a whole number, so that adding and taking away rows leaves the exact sum
/// on SQLite too. Filled here from the daily state already built.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_filled(manager, table(), COLUMNS, &sums_of("1 = 1")).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, vec![table()]).await
    }
}

pub const TABLE: &str = "aux_deuda_servicio_dia";

/// The table's columns, in the order [`sums_of`] selects them. The first three are the daily
/// state's own names, so that a predicate over its campaign and day reads the same here.
pub const COLUMNS: &str = "archivo_campana, fecha_proceso, servicio, cuentas, deuda_centimos";

/// An amount of the daily state (two decimals) in céntimos.
pub fn centimos(amount: &str) -> String {
    format!("CAST(ROUND({amount} * 100) AS BIGINT)")
}

/// The sums of the daily-state rows that satisfy `rows` (a predicate over its columns):
/// `SELECT …` of [`COLUMNS`].
pub fn sums_of(rows: &str) -> String {
    format!(
        "SELECT archivo_campana, fecha_proceso, servicio, COUNT(*), SUM({debt})
        FROM aux_cuenta_estado_diario
        WHERE {rows}
        GROUP BY archivo_campana, fecha_proceso, servicio",
        debt = centimos("monto_exigible"),
    )
}

fn table() -> TableDef {
    TableDef::new(TABLE, |t| {
        t.col(text("archivo_campana"))
            .col(date("fecha_proceso"))
            .col(string_len("servicio", 20))
            .col(big_integer("cuentas"))
            .col(big_integer("deuda_centimos"))
            .primary_key(
                Index::create()
                    .col("archivo_campana")
                    .col("fecha_proceso")
                    .col("servicio"),
            )
    })
}
