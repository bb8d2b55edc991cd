//! Whole answers of view-only queries, cached. The dashboard asks the same few queries over and
//! over between two ETL runs; once one has been answered, the same request by a caller of the
//! same role on the same day gets the stored JSON without being parsed, validated or executed.
//!
//! The entries live in the view cache, so they share its data generation: an ETL run that
//! publishes new mart rows makes every stored answer unreachable, as it does the views'.
//! Only answers without errors to queries whose every top-level field is a view are stored:
//! ETL status or anything else live is always executed.

use async_graphql::{
    Request, Response,
    parser::types::{DocumentOperations, OperationType, Selection},
};
use chrono::NaiveDate;
use serde::Serialize;

use super::Caller;
use crate::cache::entry_key;

/// The query fields whose answers depend on the marts (and `today`) only.
const VIEW_FIELDS: &[&str] = &[
    "dashboard",
    "evolution",
    "assignment",
    "operation",
    "productivity",
    "filterOptions",
    "__typename",
];

/// The view cache's name for stored answers.
const ENTRY: &str = "response";

/// What an answer depends on besides the marts: the request itself, who may see it and the day
/// defaults resolve to.
#[derive(Serialize)]
struct Key<'a> {
    role: &'a str,
    today: NaiveDate,
    query: &'a str,
    operation: Option<&'a str>,
    variables: &'a async_graphql::Variables,
}

/// The cache entry of `request`'s answer, or `None` when its answer is never stored: callers
/// without a valid token (they get errors) and requests with protocol extensions.
pub fn entry(request: &Request, caller: &Caller, today: NaiveDate) -> Option<String> {
    let role = match caller {
        Caller::Authenticated(claims) => claims.role.as_str(),
        Caller::Unchecked => "unchecked",
        Caller::Anonymous | Caller::Rejected(_) => return None,
    };
    if !request.extensions.is_empty() {
        return None;
    }
    let key = Key {
        role,
        today,
        query: &request.query,
        operation: request.operation_name.as_deref(),
        variables: &request.variables,
    };
    Some(entry_key(ENTRY, &key))
}

/// Whether the operation `request` runs selects views only (on a miss only). The parsed query
/// stays in the request, so executing it does not parse it again.
pub fn reads_views_only(request: &mut Request) -> bool {
    let name = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return false;
    };
    let operation = match (&document.operations, name.as_deref()) {
        (DocumentOperations::Single(operation), _) => operation,
        (DocumentOperations::Multiple(operations), Some(name)) => match operations.get(name) {
            Some(operation) => operation,
            None => return false,
        },
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.values().next().expect("one operation")
        }
        (DocumentOperations::Multiple(_), None) => return false,
    };
    operation.node.ty == OperationType::Query
        && operation.node.selection_set.node.items.iter().all(|item| {
            matches!(&item.node, Selection::Field(field)
                if VIEW_FIELDS.contains(&field.node.name.node.as_str()))
        })
}

/// A response worth storing, as its JSON; otherwise the response itself back.
pub fn storable(response: Response, views_only: bool) -> Result<String, Box<Response>> {
    if !views_only || !response.errors.is_empty() {
        return Err(Box::new(response));
    }
    Ok(serde_json::to_string(&response).expect("a GraphQL response serialises"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn views_only(query: &str, operation: Option<&str>) -> bool {
        let mut request = Request::new(query);
        request.operation_name = operation.map(Into::into);
        reads_views_only(&mut request)
    }

    #[test]
    fn only_queries_of_views_are_stored() {
        assert!(views_only("{ dashboard { total { cuentas } } }", None));
        assert!(views_only(
            "query Q { a: evolution { __typename } filterOptions { carteras } }",
            None
        ));
        assert!(views_only(
            "query A { etlStatus { running } } query B { dashboard { __typename } }",
            Some("B")
        ));
        assert!(!views_only(
            "query A { etlStatus { running } } query B { dashboard { __typename } }",
            Some("A")
        ));
        assert!(!views_only(
            "query A { dashboard { __typename } } query B { dashboard { __typename } }",
            None
        ));
        assert!(!views_only(
            "{ dashboard { __typename } etlStatus { running } }",
            None
        ));
        assert!(!views_only(
            "{ ...F } fragment F on Query { dashboard { __typename } }",
            None
        ));
        assert!(!views_only("mutation { refreshDashboard { runId } }", None));
        assert!(!views_only("{ dashboard {", None));
    }
}
