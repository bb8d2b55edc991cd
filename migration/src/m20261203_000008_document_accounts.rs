use sea_orm_migration::{prelude::*, schema::*};

use crate::table_ext::{TableDef, create_tables, drop_tables};

/// aux_documento_cuenta: the account each paid document belongs to (DOMAIN §7.5), kept between
/// builds so that a refresh looks up only the documents whose rows changed. It starts empty:
/// the first build fills it.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        create_tables(manager, tables()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(manager, tables()).await
    }
}

fn tables() -> Vec<TableDef> {
    vec![TableDef::new("aux_documento_cuenta", |t| {
        t.col(text("nro_documento"))
            .col(text("cod_cuenta"))
            .col(date("fecha_proceso"))
            .primary_key(Index::create().col("nro_documento"))
    })]
}
