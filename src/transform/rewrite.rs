//! How a step writes its rows: the DELETE of its scope and the INSERT of the new rows, or, for
//! the large aux tables and the payments, only the rows that changed.
//!
//! An incremental build recomputes days of aux_gestiones, aux_gestion_cuenta and
//! aux_cuenta_estado_diario that mostly come out as they were: a day that arrives, plus a few
//! late rows, in a window of a week (and every payment of the open campaigns, aux_pagos, and
//! the touched documents' accounts, aux_documento_cuenta). Deleting the window and inserting
//! it again rewrote every row, and each insert then checked its key against the index entry of
//! the row just deleted (a heap visit per row). Here the new rows and the scope's rows are each
//! read once into a temporary table and compared as sets: rows that differ or are gone are
//! deleted, rows that are new or changed are inserted, and the rows that stayed the same are
//! not touched. The rows that changed, old and new, are kept in a temporary table of their own
//! until the step's transaction ends, so that its probe (see `changes`) and a table derived
//! from its rows read what changed there instead of comparing the scope again.
//!
//! A scope without any rows (the first build of those days) is simply inserted, unless the
//! differences are to be kept; one that held a few rows against ten times as many built is
//! replaced whole, its rows all taken for changed ones. Rows are inserted in the order of the
//! table's primary key where that helps (`Dialect::insert_order`).

use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr};

use super::{context_error, count, dialect::Dialect};

/// How a step replaces its scope's rows, in its transaction.
pub enum Write {
    Replace { delete: String, insert: String },
    Compare(Diff),
}

impl Write {
    /// The tables the write keeps in step besides the step's own.
    pub fn derived_tables(&self) -> Vec<&'static str> {
        match self {
            Self::Compare(diff) => diff.afterwards.iter().map(|a| a.table).collect(),
            Self::Replace { .. } => Vec::new(),
        }
    }

    /// The step's SQL texts (scope, then rows), to find the tables it reads.
    pub fn sql(&self) -> [&str; 2] {
        match self {
            Self::Replace { delete, insert } => [delete, insert],
            Self::Compare(diff) => [&diff.scope, &diff.rows],
        }
    }

    /// Writes the step's rows. With `keep_diff`, a compared step leaves the rows it removed and
    /// added in [`GONE`] and [`ADDED`] for the caller to read in the same transaction (a probe,
    /// see `changes`) and then drop with [`drop_diff`]; a replacing step leaves nothing.
    pub async fn apply(
        &self,
        txn: &DatabaseTransaction,
        table: &str,
        keep_diff: bool,
    ) -> Result<Written, DbErr> {
        match self {
            Self::Replace { delete, insert } => {
                let deleted = txn
                    .execute_unprepared(delete)
                    .await
                    .map_err(|e| context_error(table, "delete", e))?
                    .rows_affected();
                let inserted = txn
                    .execute_unprepared(insert)
                    .await
                    .map_err(|e| context_error(table, "insert", e))?
                    .rows_affected();
                Ok(Written {
                    built: inserted,
                    deleted,
                    inserted,
                    derived: Vec::new(),
                })
            }
            Self::Compare(diff) => changed_rows(txn, table, diff, keep_diff)
                .await
                .map_err(|e| context_error(table, "rewrite changed rows", e)),
        }
    }
}

/// A step whose rows are compared before they are written.
pub struct Diff {
    /// The table's rows the step replaces (a predicate over its columns).
    pub scope: String,
    /// When the scope is costly to test: a cheaper predicate that every row of the scope
    /// satisfies and an index can use, by which the changed rows are reached to be deleted
    /// (`None`: the scope itself).
    pub reach: Option<String>,
    /// The columns the query fills, in its select list's order.
    pub columns: &'static str,
    /// The table's primary key.
    pub key: &'static str,
    /// Whether the rows are inserted in the key's order on PostgreSQL (SQLite always keeps it;
    /// see `Dialect::insert_order`).
    pub in_key_order: bool,
    /// The new rows of the scope: `WITH … SELECT …`.
    pub rows: String,
    /// Other tables kept in step with this one, in the same transaction.
    pub afterwards: Vec<Afterwards>,
}

/// How a table derived from a compared step's rows is kept in step with them, after they are
/// written: from the rows that changed when they are few, otherwise (and when the scope held
/// no rows to compare) from the whole scope.
pub struct Afterwards {
    /// The derived table.
    pub table: &'static str,
    /// Statements reading the rows the step removed and added ([`CHANGED`]).
    pub from_changes: Vec<String>,
    /// Up to how many changed rows `from_changes` keeps the table in step.
    pub few_changes: u64,
    /// Statements reading the scope's rows as written.
    pub from_scope: Vec<String>,
}

/// Up to this many rows held by a scope, and a tenth of the rows built for it, the scope is
/// replaced whole instead of compared (see `changed_rows`).
const FEW_HELD: i64 = 1_000;

/// Past this many changed rows, a derived table that looks its rows up one key at a time is
/// rebuilt from the step's scope instead: reading the scope once costs less.
pub const FEW_CHANGES: u64 = 10_000;

const FRESH: &str = "pulso_fresh_rows";
const CURRENT: &str = "pulso_current_rows";
/// The rows only one side holds, with that `side`: 1, the scope's rows as they were; 2, the
/// rows built. A changed row is there twice, old and new.
pub const CHANGED: &str = "pulso_changed_rows";
/// The scope's rows a compared step deleted (the old version of a changed row among them), as
/// a FROM item.
pub const GONE: &str = "(SELECT * FROM pulso_changed_rows WHERE side = 1) gone";
/// The rows a compared step inserted (the new version of a changed row among them), as a FROM
/// item.
pub const ADDED: &str = "(SELECT * FROM pulso_changed_rows WHERE side = 2) added";
/// Over [`CHANGED`] as `x`: 1 for a row the step added, -1 for one it removed, so that a sum
/// over the changed rows is what they changed in a derived table's counters.
pub const SIGN: &str = "(CASE WHEN x.side = 2 THEN 1 ELSE -1 END)";

/// `col = table.col + excluded.col`: an upsert of [`SIGN`]ed sums that adds them to the
/// counters `table` holds.
pub fn added_to(table: &str, col: &str) -> String {
    format!("{col} = {table}.{col} + excluded.{col}")
}

/// What a step wrote.
pub struct Written {
    /// Rows the step built (changed or not).
    pub built: u64,
    pub deleted: u64,
    pub inserted: u64,
    /// Rows written to each table derived from the step's ([`Afterwards`]), in their order.
    pub derived: Vec<(&'static str, u64)>,
}

impl Written {
    /// The rows written to the step's table, `table`, then to each derived table.
    pub fn per_table(&self, table: &'static str) -> Vec<(&'static str, u64)> {
        let mut tables = vec![(table, self.deleted + self.inserted)];
        tables.extend(self.derived.iter().copied());
        tables
    }
}

/// Replaces `table`'s rows in `diff.scope` with `diff.rows`, writing only the differences; with
/// `keep_diff`, leaves them in [`GONE`] and [`ADDED`].
async fn changed_rows(
    txn: &DatabaseTransaction,
    table: &str,
    diff: &Diff,
    keep_diff: bool,
) -> Result<Written, DbErr> {
    let (scope, columns) = (&diff.scope, diff.columns);
    let d = Dialect::of(txn.get_database_backend());
    // The scope is tested once, for this copy of its rows (a scope of a few changed gestiones'
    // groups reads a week of the table to find them: 0.05–0.1 s each time).
    txn.execute_unprepared(&d.create_temporary_as(
        CURRENT,
        columns,
        &format!("SELECT {columns} FROM {table} WHERE {scope}"),
    ))
    .await?;
    // Counted only as far as a few: a month's scope holds 730,000 rows.
    let held = count(
        txn,
        format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {CURRENT} LIMIT {}) held",
            FEW_HELD + 1
        ),
    )
    .await?;
    if held == 0 && !keep_diff {
        txn.execute_unprepared(&format!("DROP TABLE {CURRENT}"))
            .await?;
        // Named, since the query's own column names need not be the table's.
        let insert = format!(
            "INSERT INTO {table} ({columns}) WITH pulso_named ({columns}) AS ({rows}) \
             SELECT {columns} FROM pulso_named{order}",
            rows = diff.rows,
            order = d.insert_order(diff.key, diff.in_key_order),
        );
        let inserted = txn.execute_unprepared(&insert).await?;
        let derived = keep_derived(txn, diff, |afterwards| &afterwards.from_scope).await?;
        let inserted = inserted.rows_affected();
        return Ok(Written {
            built: inserted,
            deleted: 0,
            inserted,
            derived,
        });
    }
    txn.execute_unprepared(&d.create_temporary_as(FRESH, columns, &diff.rows))
        .await?;
    let built = count(txn, format!("SELECT COUNT(*) AS n FROM {FRESH}")).await?;
    let both_sides =
        format!("SELECT *, 1 AS side FROM {CURRENT} UNION ALL SELECT *, 2 AS side FROM {FRESH}");
    // A scope that held a few rows against ten times as many built (a day that arrives: 177
    // rows of the daily state's week against the 22,700 of its new day) is replaced whole:
    // finding which of its rows stayed the same grouped every row built (0.03–0.04 s), where
    // writing its few again costs less. Not when the differences are kept: a probe reads them
    // as what the load moved.
    let changed = if !keep_diff && held <= FEW_HELD && held * 10 <= built {
        both_sides
    } else {
        // What is left of the scope is what stayed the same. One grouping of both sides finds
        // the rows of either that the other lacks (each side holds a row once: the key is
        // unique), where two EXCEPTs read both sides twice (a quarter's open campaigns'
        // payments: 0.1 s each).
        format!(
            "SELECT {columns}, MIN(side) FROM ({both_sides}) both_sides \
             GROUP BY {columns} HAVING COUNT(*) = 1"
        )
    };
    txn.execute_unprepared(&d.create_temporary_as(CHANGED, &format!("{columns}, side"), &changed))
        .await?;
    // The reach again on the deleted rows: its bounds let the engine get to them through an
    // index, where the key alone had it scan the whole table to delete a handful. The setting
    // holds for the rest of the step: the derived tables' statements below read the changed
    // rows' keys too.
    if let Some(setting) = d.delete_by_key_setting() {
        txn.execute_unprepared(setting).await?;
    }
    let deleted = txn
        .execute_unprepared(&format!(
            "DELETE FROM {table} WHERE {reach} AND ({key}) IN (SELECT {key} FROM {GONE})",
            reach = diff.reach.as_deref().unwrap_or(scope),
            key = diff.key,
        ))
        .await?;
    let inserted = txn
        .execute_unprepared(&format!(
            "INSERT INTO {table} ({columns}) SELECT {columns} FROM {ADDED}{order}",
            order = d.insert_order(diff.key, diff.in_key_order),
        ))
        .await?;
    for temporary in [FRESH, CURRENT] {
        txn.execute_unprepared(&format!("DROP TABLE {temporary}"))
            .await?;
    }
    let (deleted, inserted) = (deleted.rows_affected(), inserted.rows_affected());
    let derived = keep_derived(txn, diff, |afterwards| {
        if deleted + inserted <= afterwards.few_changes {
            &afterwards.from_changes
        } else {
            &afterwards.from_scope
        }
    })
    .await?;
    if !keep_diff {
        drop_diff(txn).await?;
    }
    Ok(Written {
        built: u64::try_from(built).unwrap_or(0),
        deleted,
        inserted,
        derived,
    })
}

/// Keeps each table derived from the step's rows in step, with the statements `chosen` of its
/// [`Afterwards`]; returns the rows written to each.
async fn keep_derived(
    txn: &DatabaseTransaction,
    diff: &Diff,
    chosen: impl Fn(&Afterwards) -> &Vec<String>,
) -> Result<Vec<(&'static str, u64)>, DbErr> {
    let mut derived = Vec::new();
    for afterwards in &diff.afterwards {
        let mut written = 0;
        for statement in chosen(afterwards) {
            written += txn.execute_unprepared(statement).await?.rows_affected();
        }
        derived.push((afterwards.table, written));
    }
    Ok(derived)
}

/// Drops the rows a compared step removed and added, kept by `apply(…, true)`.
pub async fn drop_diff(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    txn.execute_unprepared(&format!("DROP TABLE {CHANGED}"))
        .await
        .map(drop)
}
