//! Column groups that many tables share, and the create/drop loop every layer uses, so each
//! table definition lists only what is its own.

use sea_orm_migration::{prelude::*, schema::*};

pub trait TableExt {
    /// Load metadata carried by every raw table (DOMAIN §5).
    fn load_metadata(&mut self) -> &mut Self;
    /// `created_at` and `updated_at`, both defaulting to now.
    fn row_timestamps(&mut self) -> &mut Self;
    /// `fecha_procesamiento`, `created_at` and `updated_at` of every mart table (DOMAIN §9).
    fn mart_timestamps(&mut self) -> &mut Self;
    /// Mart counters: `INT NOT NULL DEFAULT 0`.
    fn counters(&mut self, names: &[&'static str]) -> &mut Self;
    /// Mart money, percentages and ratios: `FLOAT NOT NULL DEFAULT 0`.
    fn measures(&mut self, names: &[&'static str]) -> &mut Self;
}

impl TableExt for TableCreateStatement {
    fn load_metadata(&mut self) -> &mut Self {
        self.col(timestamp_with_time_zone("extraction_timestamp"))
            .col(uuid("extraction_id"))
            .row_timestamps()
    }

    fn row_timestamps(&mut self) -> &mut Self {
        self.col(timestamp_with_time_zone_default_now("created_at"))
            .col(timestamp_with_time_zone_default_now("updated_at"))
    }

    fn mart_timestamps(&mut self) -> &mut Self {
        self.col(timestamp_with_time_zone_default_now("fecha_procesamiento"))
            .row_timestamps()
    }

    fn counters(&mut self, names: &[&'static str]) -> &mut Self {
        for name in names {
            self.col(integer(*name).default(0));
        }
        self
    }

    fn measures(&mut self, names: &[&'static str]) -> &mut Self {
        for name in names {
            self.col(double(*name).default(0.0));
        }
        self
    }
}

/// A table and the secondary indexes the dashboard queries need.
pub struct TableDef {
    name: &'static str,
    statement: TableCreateStatement,
    indexes: &'static [&'static [&'static str]],
}

impl TableDef {
    pub fn new(
        name: &'static str,
        columns: impl FnOnce(&mut TableCreateStatement) -> &mut TableCreateStatement,
    ) -> Self {
        let mut statement = Table::create();
        statement.table(name);
        columns(&mut statement);
        Self {
            name,
            statement,
            indexes: &[],
        }
    }

    pub fn indexed(mut self, indexes: &'static [&'static [&'static str]]) -> Self {
        self.indexes = indexes;
        self
    }

    fn index_statements(&self) -> impl Iterator<Item = IndexCreateStatement> + '_ {
        self.indexes
            .iter()
            .map(|columns| create_index(self.name, columns))
    }
}

/// The name every secondary index of `table` over `columns` has: `ix_<table>_<columns>`.
fn index_name(table: &str, columns: &[&str]) -> String {
    format!("ix_{table}_{}", columns.join("_"))
}

/// Creates the secondary index of `table` over `columns`; also for later migrations.
pub fn create_index(table: &'static str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(index_name(table, columns)).table(table);
    for column in columns {
        index.col(*column);
    }
    index
}

/// Drops the secondary index of `table` over `columns` (named as [`create_index`] names it).
pub fn drop_index(table: &'static str, columns: &[&str]) -> IndexDropStatement {
    Index::drop()
        .name(index_name(table, columns))
        .table(table)
        .to_owned()
}

/// Creates the tables in order, each followed by its indexes; every layer's `up`.
pub async fn create_tables(
    manager: &SchemaManager<'_>,
    tables: Vec<TableDef>,
) -> Result<(), DbErr> {
    for table in tables {
        manager.create_table(table.statement.clone()).await?;
        for index in table.index_statements() {
            manager.create_index(index).await?;
        }
    }
    Ok(())
}

/// Creates a table derived from rows already built, and fills it: `rows` is the `SELECT …` of
/// its `columns`. The `up` of a table the transform keeps in step with another.
pub async fn create_filled(
    manager: &SchemaManager<'_>,
    table: TableDef,
    columns: &str,
    rows: &str,
) -> Result<(), DbErr> {
    let name = table.name;
    create_tables(manager, vec![table]).await?;
    manager
        .get_connection()
        .execute_unprepared(&format!("INSERT INTO {name} ({columns}) {rows}"))
        .await
        .map(drop)
}

/// Drops the tables in reverse order; every layer's `down`.
pub async fn drop_tables(manager: &SchemaManager<'_>, tables: Vec<TableDef>) -> Result<(), DbErr> {
    for table in tables.into_iter().rev() {
        manager
            .drop_table(Table::drop().table(table.name).to_owned())
            .await?;
    }
    Ok(())
}
