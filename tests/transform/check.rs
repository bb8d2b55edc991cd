//! Comparing a table with rows written out by hand: text columns exactly (they form the row's
//! identity), counters exactly, money within 1e-6, percentages and ratios within 0.01.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

/// Which columns of a table are compared, and how.
pub struct Layout {
    pub table: &'static str,
    /// SQL expressions read as text (dates come out as `YYYY-MM-DD` on both engines).
    pub text: &'static [&'static str],
    pub ints: &'static [&'static str],
    pub money: &'static [&'static str],
    pub pct: &'static [&'static str],
}

/// One expected row: values in the order of the layout's column lists.
pub struct Row {
    pub text: Vec<String>,
    pub ints: Vec<i64>,
    pub money: Vec<f64>,
    pub pct: Vec<f64>,
}

pub fn row(text: &[&str], ints: &[i64], money: &[f64], pct: &[f64]) -> Row {
    Row {
        text: text.iter().map(|s| s.to_string()).collect(),
        ints: ints.to_vec(),
        money: money.to_vec(),
        pct: pct.to_vec(),
    }
}

/// The table's rows, keyed by their text columns.
pub async fn read(db: &DatabaseConnection, layout: &Layout) -> BTreeMap<Vec<String>, Row> {
    let mut select = Vec::new();
    for (i, c) in layout.text.iter().enumerate() {
        select.push(format!("CAST({c} AS TEXT) AS t{i}"));
    }
    for (i, c) in layout.ints.iter().enumerate() {
        select.push(format!("CAST({c} AS BIGINT) AS i{i}"));
    }
    for (i, c) in layout.money.iter().enumerate() {
        select.push(format!("CAST({c} AS DOUBLE PRECISION) AS m{i}"));
    }
    for (i, c) in layout.pct.iter().enumerate() {
        select.push(format!("CAST({c} AS DOUBLE PRECISION) AS p{i}"));
    }
    let sql = format!("SELECT {} FROM {}", select.join(", "), layout.table);
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            sql.clone(),
        ))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let mut out = BTreeMap::new();
    for r in rows {
        let get_text = |i: usize| -> String {
            r.try_get::<Option<String>>("", &format!("t{i}"))
                .unwrap()
                .unwrap_or_else(|| "NULL".into())
        };
        let row = Row {
            text: (0..layout.text.len()).map(get_text).collect(),
            ints: (0..layout.ints.len())
                .map(|i| r.try_get::<i64>("", &format!("i{i}")).unwrap())
                .collect(),
            money: (0..layout.money.len())
                .map(|i| r.try_get::<f64>("", &format!("m{i}")).unwrap())
                .collect(),
            pct: (0..layout.pct.len())
                .map(|i| r.try_get::<f64>("", &format!("p{i}")).unwrap())
                .collect(),
        };
        let previous = out.insert(row.text.clone(), row);
        assert!(previous.is_none(), "{}: duplicate text key", layout.table);
    }
    out
}

/// Asserts that the table holds exactly the expected rows.
pub async fn assert_rows(db: &DatabaseConnection, layout: &Layout, expected: Vec<Row>) {
    let actual = read(db, layout).await;
    let expected: BTreeMap<Vec<String>, Row> =
        expected.into_iter().map(|r| (r.text.clone(), r)).collect();
    let actual_keys: Vec<_> = actual.keys().collect();
    let expected_keys: Vec<_> = expected.keys().collect();
    assert_eq!(
        actual_keys, expected_keys,
        "{}: the rows differ (by {:?})",
        layout.table, layout.text
    );
    let mut failures = Vec::new();
    for (key, want) in &expected {
        let got = &actual[key];
        for (i, c) in layout.ints.iter().enumerate() {
            if got.ints[i] != want.ints[i] {
                failures.push(format!(
                    "{key:?} {c}: got {} want {}",
                    got.ints[i], want.ints[i]
                ));
            }
        }
        for (i, c) in layout.money.iter().enumerate() {
            if (got.money[i] - want.money[i]).abs() > 1e-6 {
                failures.push(format!(
                    "{key:?} {c}: got {} want {}",
                    got.money[i], want.money[i]
                ));
            }
        }
        for (i, c) in layout.pct.iter().enumerate() {
            if (got.pct[i] - want.pct[i]).abs() > 0.01 + 1e-9 {
                failures.push(format!(
                    "{key:?} {c}: got {} want {}",
                    got.pct[i], want.pct[i]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{}: {} mismatches:\n{}",
        layout.table,
        failures.len(),
        failures.join("\n")
    );
}

/// A canonical dump of the compared columns, for "rebuilding changes nothing".
pub async fn dump(db: &DatabaseConnection, layout: &Layout) -> Vec<String> {
    read(db, layout)
        .await
        .into_values()
        .map(|r| format!("{:?} {:?} {:?} {:?}", r.text, r.ints, r.money, r.pct))
        .collect()
}

pub async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .expect("one row");
    row.try_get::<i64>("", "n").unwrap()
}
