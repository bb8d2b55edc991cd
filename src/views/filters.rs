//! The filter choices the client offers (DOMAIN §10 FilterOption) and the parsing of the values
//! it sends back. The lists are static: they name enum values, not data.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::ViewError;

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FilterOption {
    pub value: String,
    pub label: String,
}

#[derive(async_graphql::SimpleObject, Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FilterOptions {
    pub cartera: Vec<FilterOption>,
    pub servicio: Vec<FilterOption>,
    pub periodo: Vec<FilterOption>,
}

/// The value meaning "no cartera filter".
const TODAS: &str = "TODAS";
/// The value meaning "no servicio filter".
const TODOS: &str = "TODOS";

const CARTERAS: [(&str, &str); 5] = [
    (TODAS, "Todas las Carteras"),
    ("TEMPRANA", "Temprana"),
    ("ALTAS_NUEVAS", "Altas Nuevas"),
    ("CUOTA_FRACCIONAMIENTO", "Cuota Fraccionamiento"),
    ("OTRAS", "Otras"),
];

const SERVICIOS: [(&str, &str); 3] = [
    (TODOS, "Todos los Servicios"),
    ("MOVIL", "Móvil"),
    ("FIJA", "Fija"),
];

const PERIODOS: [(&str, &str); 4] = [
    ("ACTUAL", "Período Actual"),
    ("ANTERIOR", "Período Anterior"),
    ("ULTIMO_MES", "Último Mes"),
    ("ULTIMOS_3_MESES", "Últimos 3 Meses"),
];

pub fn filter_options() -> FilterOptions {
    FilterOptions {
        cartera: options(&CARTERAS),
        servicio: options(&SERVICIOS),
        periodo: options(&PERIODOS),
    }
}

fn options(list: &[(&str, &str)]) -> Vec<FilterOption> {
    list.iter()
        .map(|(value, label)| FilterOption {
            value: (*value).to_owned(),
            label: (*label).to_owned(),
        })
        .collect()
}

fn label_in(list: &[(&str, &str)], value: &str) -> Option<String> {
    list.iter()
        .find(|(v, _)| *v == value)
        .map(|(_, label)| (*label).to_owned())
}

/// The API label of a stored Cartera value (the value itself if it is not a known one).
pub(crate) fn cartera_label(cartera: &str) -> String {
    label_in(&CARTERAS, cartera).unwrap_or_else(|| cartera.to_owned())
}

/// The API label of a stored Servicio value (§4).
pub(crate) fn servicio_label(servicio: &str) -> String {
    label_in(&SERVICIOS, servicio).unwrap_or_else(|| servicio.to_owned())
}

/// A client enum value, trimmed and upper-cased, checked against `list`; the "all" value gives
/// `None` (no filter).
fn parse_choice(
    list: &[(&str, &str)],
    all: &str,
    argument: &str,
    text: &str,
) -> Result<Option<String>, ViewError> {
    let value = text.trim().to_uppercase();
    if value == all {
        return Ok(None);
    }
    if label_in(list, &value).is_some() {
        Ok(Some(value))
    } else {
        Err(ViewError::bad_input(format!(
            "unknown {argument} value {text:?}"
        )))
    }
}

pub(crate) fn parse_cartera(text: &str) -> Result<Option<String>, ViewError> {
    parse_choice(&CARTERAS, TODAS, "cartera", text)
}

pub(crate) fn parse_servicio(text: &str) -> Result<Option<String>, ViewError> {
    parse_choice(&SERVICIOS, TODOS, "servicio", text)
}

/// Several client values of one filter: parsed, the "all" value dropped, sorted and
/// deduplicated so that equal requests give equal queries.
pub(crate) fn parse_list(
    values: Option<Vec<String>>,
    parse: fn(&str) -> Result<Option<String>, ViewError>,
) -> Result<Vec<String>, ViewError> {
    let mut parsed = Vec::new();
    for value in values.unwrap_or_default() {
        parsed.extend(parse(&value)?);
    }
    parsed.sort();
    parsed.dedup();
    Ok(parsed)
}

/// A periodo filter value (DOMAIN §10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Periodo {
    Actual,
    Anterior,
    UltimoMes,
    Ultimos3Meses,
    /// An explicit `YYYY-MM`, kept in that canonical form.
    Month(String),
}

pub(crate) fn parse_periodo(text: &str) -> Result<Periodo, ViewError> {
    let value = text.trim().to_uppercase();
    match value.as_str() {
        "ACTUAL" => Ok(Periodo::Actual),
        "ANTERIOR" => Ok(Periodo::Anterior),
        "ULTIMO_MES" => Ok(Periodo::UltimoMes),
        "ULTIMOS_3_MESES" => Ok(Periodo::Ultimos3Meses),
        _ => NaiveDate::parse_from_str(&format!("{value}-01"), "%Y-%m-%d")
            .map(|first| Periodo::Month(first.format("%Y-%m").to_string()))
            .map_err(|_| ViewError::bad_input(format!("unknown periodo value {text:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_values_mean_no_filter_and_lists_are_normalised() {
        let list = Some(vec![
            "temprana".to_owned(),
            "TODAS".to_owned(),
            " OTRAS ".to_owned(),
            "TEMPRANA".to_owned(),
        ]);
        assert_eq!(
            parse_list(list, parse_cartera).unwrap(),
            ["OTRAS", "TEMPRANA"]
        );
        assert_eq!(parse_servicio("todos").unwrap(), None);
        assert!(matches!(parse_cartera("VIP"), Err(ViewError::BadInput(_))));
    }

    #[test]
    fn periodo_accepts_keywords_and_months() {
        assert_eq!(parse_periodo("actual").unwrap(), Periodo::Actual);
        assert_eq!(
            parse_periodo("2025-6").unwrap(),
            Periodo::Month("2025-06".to_owned())
        );
        assert!(parse_periodo("2025-13").is_err());
        assert!(parse_periodo("LAST_YEAR").is_err());
    }
}
