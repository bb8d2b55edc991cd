//! The nine source tables of DOMAIN.md §5: their source columns and types, how each becomes a raw
//! column, their keys, incremental column and extraction defaults. Sources, the normaliser and
//! the loader all read this one catalogue.

use chrono::NaiveDate;

/// A column type as BigQuery delivers it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceType {
    Int64,
    Float64,
    Numeric,
    String,
    Bool,
    Date,
    /// Zone-less: a Lima civil time (DOMAIN §13.3).
    DateTime,
    Timestamp,
}

impl SourceType {
    pub fn bigquery_name(self) -> &'static str {
        match self {
            Self::Int64 => "INT64",
            Self::Float64 => "FLOAT64",
            Self::Numeric => "NUMERIC",
            Self::String => "STRING",
            Self::Bool => "BOOL",
            Self::Date => "DATE",
            Self::DateTime => "DATETIME",
            Self::Timestamp => "TIMESTAMP",
        }
    }
}

/// A raw-layer column type (PostgreSQL names; SQLite uses the nearest equivalent).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawType {
    Text,
    Date,
    /// TIMESTAMPTZ.
    Timestamp,
    Int,
    /// NUMERIC(15,2): PEN amounts, rounded to cents at load.
    Money,
    /// NUMERIC without scale (phone numbers).
    Numeric,
    Bool,
}

/// What normalisation does beyond converting the type (DOMAIN §2, §13.14).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rule {
    /// Strings trimmed, empty → NULL.
    Plain,
    /// Digits-only identifiers in canonical decimal form: no sign, leading zeros or `.0`.
    Identifier,
    /// Homologation key parts: trimmed, NULL → `''`.
    HomologationKey,
    /// An integer whose non-numeric values mean "unset" (NULL) rather than a bad row:
    /// homologacion_mibotair.peso, read as 1 downstream (DOMAIN §5).
    LenientInt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    /// Lower-case name, as stored in the raw table.
    pub name: &'static str,
    pub source_type: SourceType,
    pub raw_type: RawType,
    /// Part of the primary key or NOT NULL: a row without it is rejected.
    pub required: bool,
    pub rule: Rule,
}

const fn col(name: &'static str, source_type: SourceType, raw_type: RawType) -> Column {
    Column {
        name,
        source_type,
        raw_type,
        required: false,
        rule: Rule::Plain,
    }
}

impl Column {
    const fn required(mut self) -> Self {
        self.required = true;
        self
    }

    const fn rule(mut self, rule: Rule) -> Self {
        self.rule = rule;
        self
    }
}

/// A raw column computed at load: the Lima date of another (DATETIME) column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DateOf {
    pub name: &'static str,
    pub from: &'static str,
}

/// Where a table's rows come from by default, inside the configured project and dataset;
/// `{uid}` stands for the tenant uid (DOMAIN §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultSource {
    Table(&'static str),
    /// A query over `{dataset}`-qualified tables.
    Query(&'static str),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultMode {
    Incremental,
    FullRefresh,
}

impl DefaultMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Incremental => "incremental",
            Self::FullRefresh => "full_refresh",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableSpec {
    /// The configured name, e.g. `pagos`.
    pub name: &'static str,
    pub raw_table: &'static str,
    pub default_source: DefaultSource,
    /// Source columns (the SELECT list), in source order.
    pub columns: &'static [Column],
    pub date_of: Option<DateOf>,
    pub primary_key: &'static [&'static str],
    pub incremental: Option<&'static str>,
    /// Columns after the incremental column and the key in the read order, so "the last copy
    /// wins" is deterministic: pagos keeps the latest creado_el, then the larger archivo.
    pub tiebreak: &'static [&'static str],
    pub mode: DefaultMode,
    pub lookback_days: u32,
    pub batch_size: usize,
    pub refresh_hours: u32,
    /// Start of the first load, before any watermark exists.
    pub initial_load_from: NaiveDate,
    /// The source delivers upper-case column names (calendario).
    pub upper_case_source: bool,
}

impl TableSpec {
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The incremental column's definition.
    pub fn incremental_column(&self) -> Option<&'static Column> {
        self.incremental.and_then(|name| self.column(name))
    }

    /// The column name as the source spells it.
    pub fn source_name(&self, column: &Column) -> String {
        if self.upper_case_source {
            column.name.to_uppercase()
        } else {
            column.name.to_owned()
        }
    }

    /// Raw columns in load order: source columns, then the derived date.
    pub fn raw_columns(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.columns
            .iter()
            .map(|c| c.name)
            .chain(self.date_of.map(|d| d.name))
    }

    /// The read order: incremental column, key, tiebreak (each column once).
    pub fn order_by(&self) -> Vec<&'static str> {
        let mut order: Vec<&'static str> = Vec::new();
        for name in self
            .incremental
            .iter()
            .chain(self.primary_key)
            .chain(self.tiebreak)
        {
            if !order.contains(name) {
                order.push(name);
            }
        }
        order
    }
}

use RawType as R;
use SourceType as S;

const fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(d) => d,
        None => panic!("invalid date"),
    }
}

pub const CALENDARIO: TableSpec = TableSpec {
    name: "calendario",
    raw_table: "raw_calendario",
    default_source: DefaultSource::Table("bi_{uid}_dash_calendario_v5"),
    columns: &[
        col("archivo", S::String, R::Text).required(),
        col("tipo_cartera", S::String, R::Text),
        col("fecha_apertura", S::Date, R::Date).required(),
        col("fecha_cierre", S::Date, R::Date),
        col("fecha_trandeuda", S::Date, R::Date),
        col("fecha_cierre_planificada", S::Date, R::Date),
        col("duracion_campana_dias_habiles", S::Int64, R::Int),
        col("anno_asignacion", S::Int64, R::Int),
        col("periodo_asignacion", S::String, R::Text),
        col("es_cartera_abierta", S::Bool, R::Bool),
        col("estado_cartera", S::String, R::Text),
        col("rango_vencimiento", S::String, R::Text),
        col("periodo_mes", S::String, R::Text),
        col("tipo_ciclo_campana", S::String, R::Text),
        col("categoria_duracion", S::String, R::Text),
        col("periodo_date", S::Date, R::Date).required(),
    ],
    date_of: None,
    primary_key: &["archivo", "periodo_date"],
    incremental: Some("fecha_apertura"),
    tiebreak: &[],
    mode: DefaultMode::Incremental,
    lookback_days: 45,
    batch_size: 10_000,
    refresh_hours: 6,
    initial_load_from: date(2025, 1, 1),
    upper_case_source: true,
};

pub const ASIGNACIONES: TableSpec = TableSpec {
    name: "asignaciones",
    raw_table: "raw_asignaciones",
    default_source: DefaultSource::Table("batch_{uid}_asignacion"),
    columns: &[
        col("cod_luna", S::Int64, R::Text)
            .required()
            .rule(Rule::Identifier),
        col("cuenta", S::Int64, R::Text)
            .required()
            .rule(Rule::Identifier),
        col("archivo", S::String, R::Text).required(),
        col("creado_el", S::DateTime, R::Timestamp).required(),
        col("cliente", S::Int64, R::Text).rule(Rule::Identifier),
        col("telefono", S::Int64, R::Text).rule(Rule::Identifier),
        col("dni", S::String, R::Text),
        col("negocio", S::String, R::Text),
        col("cod_sistema", S::Int64, R::Int),
        col("tramo_gestion", S::String, R::Text),
        col("zona", S::String, R::Text),
        col("campania_act", S::String, R::Text),
        col("dias_sin_trafico", S::String, R::Text),
        col("min_vto", S::Date, R::Date),
        col("fecha_corte", S::Date, R::Date),
        col("decil_contacto", S::Int64, R::Int),
        col("decil_pago", S::Int64, R::Int),
        col("rango_renta", S::Int64, R::Int),
        col("fraccionamiento", S::String, R::Text),
        col("cuota_fracc_act", S::String, R::Text),
        col("priorizado", S::String, R::Text),
        col("inscripcion", S::String, R::Text),
        col("incrementa_velocidad", S::String, R::Text),
        col("detalle_dscto_futuro", S::String, R::Text),
        col("cargo_fijo", S::String, R::Text),
        col("estado_pc", S::String, R::Text),
        col("tipo_linea", S::String, R::Text),
        col("tipo_alta", S::String, R::Text),
        col("motivo_rechazo", S::String, R::Text),
    ],
    date_of: Some(DateOf {
        name: "fecha_asignacion",
        from: "creado_el",
    }),
    primary_key: &["cod_luna", "cuenta", "archivo", "fecha_asignacion"],
    incremental: Some("creado_el"),
    tiebreak: &[],
    mode: DefaultMode::Incremental,
    lookback_days: 7,
    batch_size: 50_000,
    refresh_hours: 6,
    initial_load_from: date(2025, 6, 1),
    upper_case_source: false,
};

pub const TRANDEUDA: TableSpec = TableSpec {
    name: "trandeuda",
    raw_table: "raw_trandeuda",
    default_source: DefaultSource::Table("batch_{uid}_tran_deuda"),
    columns: &[
        col("cod_cuenta", S::Int64, R::Text)
            .required()
            .rule(Rule::Identifier),
        col("nro_documento", S::String, R::Text).required(),
        col("archivo", S::String, R::Text).required(),
        col("creado_el", S::DateTime, R::Timestamp).required(),
        col("fecha_vencimiento", S::Date, R::Date),
        col("monto_exigible", S::Float64, R::Money).required(),
        col("motivo_rechazo", S::String, R::Text),
    ],
    date_of: Some(DateOf {
        name: "fecha_proceso",
        from: "creado_el",
    }),
    primary_key: &["cod_cuenta", "nro_documento", "archivo", "fecha_proceso"],
    incremental: Some("creado_el"),
    tiebreak: &[],
    mode: DefaultMode::Incremental,
    lookback_days: 7,
    batch_size: 100_000,
    refresh_hours: 6,
    initial_load_from: date(2025, 6, 1),
    upper_case_source: false,
};

pub const PAGOS: TableSpec = TableSpec {
    name: "pagos",
    raw_table: "raw_pagos",
    default_source: DefaultSource::Table("batch_{uid}_pagos"),
    columns: &[
        col("nro_documento", S::String, R::Text).required(),
        col("fecha_pago", S::Date, R::Date).required(),
        col("monto_cancelado", S::Float64, R::Money).required(),
        col("cod_sistema", S::String, R::Text),
        col("archivo", S::String, R::Text).required(),
        col("creado_el", S::DateTime, R::Timestamp).required(),
        col("motivo_rechazo", S::String, R::Text),
    ],
    date_of: None,
    primary_key: &["nro_documento", "fecha_pago", "monto_cancelado"],
    incremental: Some("creado_el"),
    tiebreak: &["archivo"],
    mode: DefaultMode::Incremental,
    lookback_days: 7,
    batch_size: 25_000,
    refresh_hours: 6,
    initial_load_from: date(2025, 6, 1),
    upper_case_source: false,
};

pub const VOICEBOT_GESTIONES: TableSpec = TableSpec {
    name: "voicebot_gestiones",
    raw_table: "raw_voicebot_gestiones",
    default_source: DefaultSource::Table("voicebot_{uid}"),
    columns: &[
        col("uid", S::String, R::Text).required(),
        col("campaign_id", S::String, R::Text),
        col("campaign_name", S::String, R::Text),
        col("document", S::String, R::Text).rule(Rule::Identifier),
        col("phone", S::Numeric, R::Numeric),
        col("date", S::Timestamp, R::Timestamp).required(),
        col("management", S::String, R::Text),
        col("sub_management", S::String, R::Text),
        col("weight", S::Int64, R::Int),
        col("origin", S::String, R::Text),
        col("compromiso", S::String, R::Text),
        col("fecha_compromiso", S::Timestamp, R::Timestamp),
        col("observacion", S::String, R::Text),
        col("project", S::String, R::Text),
        col("client", S::String, R::Text),
        col("duracion", S::Int64, R::Int),
        col("id_telephony", S::String, R::Text),
        col("url_record_bot", S::String, R::Text),
    ],
    date_of: None,
    primary_key: &["uid"],
    incremental: Some("date"),
    tiebreak: &[],
    mode: DefaultMode::Incremental,
    lookback_days: 7,
    batch_size: 50_000,
    refresh_hours: 6,
    initial_load_from: date(2025, 6, 1),
    upper_case_source: false,
};

pub const MIBOTAIR_GESTIONES: TableSpec = TableSpec {
    name: "mibotair_gestiones",
    raw_table: "raw_mibotair_gestiones",
    default_source: DefaultSource::Table("mibotair_{uid}"),
    columns: &[
        col("uid", S::String, R::Text).required(),
        col("campaign_id", S::String, R::Text),
        col("campaign_name", S::String, R::Text),
        col("document", S::String, R::Text).rule(Rule::Identifier),
        col("phone", S::Numeric, R::Numeric),
        col("date", S::Timestamp, R::Timestamp).required(),
        col("management", S::String, R::Text),
        col("sub_management", S::String, R::Text),
        col("weight", S::Int64, R::Int),
        col("origin", S::String, R::Text),
        col("fecha_compromiso", S::Date, R::Date),
        col("n1", S::String, R::Text),
        col("n2", S::String, R::Text),
        col("n3", S::String, R::Text),
        col("nombre_agente", S::String, R::Text),
        col("correo_agente", S::String, R::Text),
        col("monto_compromiso", S::Numeric, R::Money),
        col("observacion", S::String, R::Text),
        col("project", S::String, R::Text),
        col("client", S::String, R::Text),
        col("duracion", S::Int64, R::Int),
        col("extra", S::String, R::Text),
        col("url", S::String, R::Text),
    ],
    date_of: None,
    primary_key: &["uid"],
    incremental: Some("date"),
    tiebreak: &[],
    mode: DefaultMode::Incremental,
    lookback_days: 7,
    batch_size: 50_000,
    refresh_hours: 6,
    initial_load_from: date(2025, 6, 1),
    upper_case_source: false,
};

pub const HOMOLOGACION_VOICEBOT: TableSpec = TableSpec {
    name: "homologacion_voicebot",
    raw_table: "raw_homologacion_voicebot",
    default_source: DefaultSource::Table("homologacion_{uid}_voicebot"),
    columns: &[
        col("bot_management", S::String, R::Text)
            .required()
            .rule(Rule::HomologationKey),
        col("bot_sub_management", S::String, R::Text)
            .required()
            .rule(Rule::HomologationKey),
        col("bot_compromiso", S::String, R::Text)
            .required()
            .rule(Rule::HomologationKey),
        col("n1_homologado", S::String, R::Text),
        col("n2_homologado", S::String, R::Text),
        col("n3_homologado", S::String, R::Text),
        col("contactabilidad_homologada", S::String, R::Text),
        col("es_pdp_homologado", S::Int64, R::Bool),
        col("peso_homologado", S::Int64, R::Int),
    ],
    date_of: None,
    primary_key: &["bot_management", "bot_sub_management", "bot_compromiso"],
    incremental: None,
    tiebreak: &[],
    mode: DefaultMode::FullRefresh,
    lookback_days: 0,
    batch_size: 10_000,
    refresh_hours: 24,
    initial_load_from: date(2025, 6, 1),
    upper_case_source: false,
};

pub const HOMOLOGACION_MIBOTAIR: TableSpec = TableSpec {
    name: "homologacion_mibotair",
    raw_table: "raw_homologacion_mibotair",
    default_source: DefaultSource::Table("homologacion_{uid}_v2"),
    columns: &[
        col("n_1", S::String, R::Text)
            .required()
            .rule(Rule::HomologationKey),
        col("n_2", S::String, R::Text)
            .required()
            .rule(Rule::HomologationKey),
        col("n_3", S::String, R::Text)
            .required()
            .rule(Rule::HomologationKey),
        col("management", S::String, R::Text),
        col("peso", S::String, R::Int).rule(Rule::LenientInt),
        col("contactabilidad", S::String, R::Text),
        col("tipo_gestion", S::String, R::Text),
        col("codigo_rpta", S::String, R::Text),
        col("pdp", S::String, R::Text),
        col("gestor", S::String, R::Text),
    ],
    date_of: None,
    primary_key: &["n_1", "n_2", "n_3"],
    incremental: None,
    tiebreak: &[],
    mode: DefaultMode::FullRefresh,
    lookback_days: 0,
    batch_size: 10_000,
    refresh_hours: 24,
    initial_load_from: date(2025, 6, 1),
    upper_case_source: false,
};

pub const EJECUTIVOS: TableSpec = TableSpec {
    name: "ejecutivos",
    raw_table: "raw_ejecutivos",
    default_source: DefaultSource::Query(
        "SELECT DISTINCT correo_name, TRIM(nombre) AS nombre, document \
         FROM `{dataset}.sync_mibotair_batch_SYS_user` WHERE id_cliente = 145",
    ),
    columns: &[
        col("correo_name", S::String, R::Text).required(),
        col("nombre", S::String, R::Text),
        col("document", S::String, R::Text).required(),
    ],
    date_of: None,
    primary_key: &["correo_name"],
    incremental: None,
    tiebreak: &[],
    mode: DefaultMode::FullRefresh,
    lookback_days: 0,
    batch_size: 10_000,
    refresh_hours: 24,
    initial_load_from: date(2025, 6, 1),
    upper_case_source: false,
};

/// Every source table, in the run order of DOMAIN §6.
pub const ALL: [&TableSpec; 9] = [
    &CALENDARIO,
    &ASIGNACIONES,
    &TRANDEUDA,
    &PAGOS,
    &VOICEBOT_GESTIONES,
    &MIBOTAIR_GESTIONES,
    &HOMOLOGACION_VOICEBOT,
    &HOMOLOGACION_MIBOTAIR,
    &EJECUTIVOS,
];

/// The table of that configured name.
/// A table name that is not in the catalogue.
#[derive(Debug, thiserror::Error)]
#[error("unknown table {name:?}; the tables are: {known}", known = ALL.map(|t| t.name).join(", "))]
pub struct UnknownTable {
    pub name: String,
}

/// The catalogue entry `name`, or an error listing the known tables.
pub fn named(name: &str) -> Result<&'static TableSpec, UnknownTable> {
    find(name).ok_or_else(|| UnknownTable {
        name: name.to_owned(),
    })
}

pub fn find(name: &str) -> Option<&'static TableSpec> {
    ALL.into_iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_and_incremental_column_is_a_column() {
        for table in ALL {
            let raw: Vec<_> = table.raw_columns().collect();
            for key in table.primary_key.iter().chain(table.tiebreak) {
                assert!(raw.contains(key), "{}: key {key}", table.name);
            }
            if let Some(inc) = table.incremental {
                assert!(
                    table.column(inc).is_some(),
                    "{}: incremental {inc}",
                    table.name
                );
            }
            for key in table.primary_key {
                if let Some(column) = table.column(key) {
                    assert!(
                        column.required,
                        "{}: key part {key} must be required",
                        table.name
                    );
                }
            }
            assert_eq!(
                table.mode == DefaultMode::Incremental,
                table.incremental.is_some(),
                "{}",
                table.name
            );
        }
    }

    #[test]
    fn pagos_reads_latest_copy_last() {
        assert_eq!(
            PAGOS.order_by(),
            [
                "creado_el",
                "nro_documento",
                "fecha_pago",
                "monto_cancelado",
                "archivo"
            ]
        );
    }
}
