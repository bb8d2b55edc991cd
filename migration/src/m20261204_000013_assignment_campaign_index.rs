use sea_orm_migration::prelude::*;

/// An index on the campaign of each assignment row (its archivo without the `.txt` suffix,
/// [`strip_txt`]). A refresh rebuilds the accounts of the few campaigns a load reassigned, and
/// finding their rows read and stripped every row of the table (77,000 on 90 days: 0.1 s of
/// the campaign accounts step, which every later step waits for); through the index it reads
/// theirs alone.
#[derive(DeriveMigrationName)]
pub struct Migration;

pub const INDEX: &str = "ix_raw_asignaciones_archivo_campana";

/// The archivo of an assignment row without its `.txt` suffix (stripped case-insensitively,
/// DOMAIN §13.13): the campaign it assigns. The index's expression, so a query must spell it
/// this way to reach it.
pub fn strip_txt(col: &str) -> String {
    format!(
        "CASE WHEN LOWER({col}) LIKE '%.txt' THEN SUBSTR({col}, 1, LENGTH({col}) - 4) ELSE {col} END"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!(
                "CREATE INDEX {INDEX} ON raw_asignaciones (({}))",
                strip_txt("archivo")
            ))
            .await
            .map(drop)
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(&format!("DROP INDEX {INDEX}"))
            .await
            .map(drop)
    }
}
