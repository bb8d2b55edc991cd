//! Running the views' SQL: every client value is a bound parameter. `$n` placeholders work on
//! both engines (sqlx maps SQLite's `$NNN` parameters to the n-th bound value).

use sea_orm::{ConnectionTrait, DbErr, QueryResult, Statement, Value};

use crate::transform::dialect::Dialect;

/// Values bound to one statement, in placeholder order.
#[derive(Default)]
pub(crate) struct Params(Vec<Value>);

impl Params {
    /// Binds `value` and returns its placeholder.
    pub(crate) fn bind(&mut self, value: impl Into<Value>) -> String {
        self.0.push(value.into());
        format!("${}", self.0.len())
    }

    /// `column IN (…)` over `values`, or an always-true predicate when the list is empty (an
    /// empty filter list means "no filter").
    pub(crate) fn in_list(&mut self, column: &str, values: &[String]) -> String {
        if values.is_empty() {
            return "1 = 1".to_owned();
        }
        let placeholders: Vec<String> = values.iter().map(|v| self.bind(v.clone())).collect();
        format!("{column} IN ({})", placeholders.join(", "))
    }
}

pub(crate) fn dialect(db: &impl ConnectionTrait) -> Dialect {
    Dialect::of(db.get_database_backend())
}

pub(crate) async fn fetch(
    db: &impl ConnectionTrait,
    sql: &str,
    params: Params,
) -> Result<Vec<QueryResult>, DbErr> {
    let statement = Statement::from_sql_and_values(db.get_database_backend(), sql, params.0);
    db.query_all_raw(statement).await
}

/// `SUM(column)` of an INT counter, typed the same on both engines (0 over no rows).
pub(crate) fn sum_int(expr: &str, alias: &str) -> String {
    format!("CAST(COALESCE(SUM({expr}), 0) AS BIGINT) AS {alias}")
}

/// `SUM(column)` of a FLOAT column, as a double on both engines (0 over no rows).
pub(crate) fn sum_float(expr: &str, alias: &str) -> String {
    format!("CAST(COALESCE(SUM({expr}), 0) AS DOUBLE PRECISION) AS {alias}")
}

/// 1 for rows where a boolean column is true (PostgreSQL BOOLEAN, SQLite 0/1).
pub(crate) fn flag(column: &str) -> String {
    format!("CASE WHEN {column} THEN 1 ELSE 0 END")
}

/// Reads a BIGINT result column as the API's `Int`.
pub(crate) fn int(row: &QueryResult, column: &str) -> Result<i32, DbErr> {
    Ok(super::int(row.try_get::<i64>("", column)?))
}
