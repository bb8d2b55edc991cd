//! The SQL of a read: the configured source (a table or a query) wrapped so that every source
//! is filtered and ordered the same way, with typed literals for the range.

use chrono::{DateTime, Utc};

use crate::{
    config::BigQueryConfig,
    lima,
    source::ReadRange,
    tables::{DefaultSource, SourceType, TableSpec},
};

pub fn select(config: &BigQueryConfig, table: &TableSpec, range: ReadRange) -> String {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("`{}`", table.source_name(c)))
        .collect();
    let mut sql = format!(
        "SELECT {} FROM ({}) AS src",
        columns.join(", "),
        from(config, table)
    );
    if let Some(column) = table.incremental_column() {
        let name = format!("`{}`", table.source_name(column));
        let mut predicates = Vec::new();
        if let Some(from) = range.from {
            predicates.push(format!("{name} >= {}", literal(column.source_type, from)));
        }
        if let Some(until) = range.until {
            predicates.push(format!("{name} < {}", literal(column.source_type, until)));
        }
        if !predicates.is_empty() {
            sql.push_str(&format!(" WHERE {}", predicates.join(" AND ")));
        }
    }
    let order: Vec<String> = table
        .order_by()
        .iter()
        .filter_map(|name| table.column(name))
        .map(|c| format!("`{}`", table.source_name(c)))
        .collect();
    sql.push_str(&format!(" ORDER BY {}", order.join(", ")));
    sql
}

/// The configured source, or the catalogue default inside the configured project and dataset.
fn from(config: &BigQueryConfig, table: &TableSpec) -> String {
    let dataset = format!("{}.{}", config.project, config.dataset);
    if let Some(custom) = config.sources.get(table.name) {
        return custom
            .replace("{dataset}", &dataset)
            .replace("{uid}", &config.uid);
    }
    match table.default_source {
        DefaultSource::Table(name) => format!(
            "SELECT * FROM `{dataset}.{}`",
            name.replace("{uid}", &config.uid)
        ),
        DefaultSource::Query(sql) => sql
            .replace("{dataset}", &dataset)
            .replace("{uid}", &config.uid),
    }
}

/// A literal of the column's type for an instant: DATE and DATETIME columns hold Lima civil
/// values, TIMESTAMP columns absolute ones.
fn literal(source_type: SourceType, instant: DateTime<Utc>) -> String {
    let civil = lima::to_civil(instant);
    match source_type {
        SourceType::Date => format!("DATE '{}'", civil.date()),
        SourceType::DateTime => format!("DATETIME '{}'", civil.format("%Y-%m-%d %H:%M:%S%.6f")),
        _ => format!("TIMESTAMP '{}'", instant.format("%Y-%m-%d %H:%M:%S%.6f+00")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{CALENDARIO, EJECUTIVOS, PAGOS, VOICEBOT_GESTIONES};

    fn config() -> BigQueryConfig {
        BigQueryConfig::default()
    }

    #[test]
    fn incremental_reads_filter_with_typed_literals_and_order_fully() {
        let from = lima::start_of_day(chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap());
        let range = ReadRange {
            from: Some(from),
            until: None,
        };
        assert_eq!(
            select(&config(), &PAGOS, range),
            "SELECT `nro_documento`, `fecha_pago`, `monto_cancelado`, `cod_sistema`, `archivo`, `creado_el`, \
             `motivo_rechazo` FROM (SELECT * FROM `mibot-222814.BI_USA.batch_P3fV4dWNeMkN5RJMhV8e_pagos`) AS src \
             WHERE `creado_el` >= DATETIME '2025-06-01 00:00:00.000000' \
             ORDER BY `creado_el`, `nro_documento`, `fecha_pago`, `monto_cancelado`, `archivo`"
        );
        let sql = select(
            &config(),
            &VOICEBOT_GESTIONES,
            ReadRange {
                from: Some(from),
                until: Some(from),
            },
        );
        assert!(
            sql.contains(
                "WHERE `date` >= TIMESTAMP '2025-06-01 05:00:00.000000+00' AND `date` < TIMESTAMP"
            ),
            "{sql}"
        );
        let sql = select(&config(), &CALENDARIO, range);
        assert!(sql.contains("WHERE `FECHA_APERTURA` >= DATE '2025-06-01' ORDER BY `FECHA_APERTURA`, `ARCHIVO`, `PERIODO_DATE`"), "{sql}");
    }

    #[test]
    fn queries_and_overrides_name_the_configured_dataset() {
        let sql = select(&config(), &EJECUTIVOS, ReadRange::default());
        assert!(
            sql.contains(
                "FROM `mibot-222814.BI_USA.sync_mibotair_batch_SYS_user` WHERE id_cliente = 145"
            ),
            "{sql}"
        );
        let mut config = config();
        config.sources.insert(
            "pagos".into(),
            "SELECT * FROM `{dataset}.sync_pagos_batch`".into(),
        );
        let sql = select(&config, &PAGOS, ReadRange::default());
        assert!(
            sql.contains(
                "FROM (SELECT * FROM `mibot-222814.BI_USA.sync_pagos_batch`) AS src ORDER BY"
            ),
            "{sql}"
        );
    }
}
