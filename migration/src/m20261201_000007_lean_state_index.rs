use sea_orm_migration::prelude::*;

use crate::table_ext::{create_index, drop_index};

const TABLE: &str = "aux_cuenta_estado_diario";
const CAMPAIGN_DAY: &[&str] = &["archivo_campana", "fecha_proceso"];

/// aux_cuenta_estado_diario drops its (archivo_campana, fecha_proceso) index. The primary key
/// (fecha_proceso, archivo_campana, cod_luna, cuenta, servicio) already serves every reader (the
/// builds' deletes and reads by campaign and day, assignment_data's lookups by whole key; no API
/// view reads the table), and keeping the second index cost about 1.3 s of a month's 7.9 s
/// rebuild of the table.
#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(drop_index(TABLE, CAMPAIGN_DAY)).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(create_index(TABLE, CAMPAIGN_DAY))
            .await
    }
}
