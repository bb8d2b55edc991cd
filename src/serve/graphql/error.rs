//! Errors as clients see them: every error carries a stable `extensions.code`, and nothing
//! internal (SQL, driver messages, paths) ever reaches the response — internal failures are
//! logged with their detail and answered with a generic message.

use async_graphql::{
    ErrorExtensionValues, ErrorExtensions, Response, ServerError, ServerResult, ValidationResult,
    Value, Variables,
    extensions::{
        Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextRequest, NextResolve,
        NextSubscribe, NextValidation, ResolveInfo,
    },
    futures_util::stream::{BoxStream, StreamExt},
    parser::types::ExecutableDocument,
};
use std::sync::Arc;

use crate::views::ViewError;

/// The stable error codes of the API (`extensions.code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCode {
    /// An argument is missing, malformed or out of range.
    BadUserInput,
    /// No valid bearer token.
    Unauthenticated,
    /// A valid token whose role may not do this.
    Forbidden,
    NotFound,
    /// The query is not valid GraphQL.
    GraphqlParseFailed,
    /// The query does not fit the schema or the depth / complexity limits.
    GraphqlValidationFailed,
    InternalServerError,
    /// The server is shutting down (or otherwise cannot take the request now): retry, on
    /// another replica.
    ServiceUnavailable,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadUserInput => "BAD_USER_INPUT",
            Self::Unauthenticated => "UNAUTHENTICATED",
            Self::Forbidden => "FORBIDDEN",
            Self::NotFound => "NOT_FOUND",
            Self::GraphqlParseFailed => "GRAPHQL_PARSE_FAILED",
            Self::GraphqlValidationFailed => "GRAPHQL_VALIDATION_FAILED",
            Self::InternalServerError => "INTERNAL_SERVER_ERROR",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
        }
    }
}

/// What every resolver returns on failure. Deliberately not `Display`: async-graphql turns
/// any displayable error into an uncoded one, so the only way out is the coded `From` below.
#[derive(Debug)]
pub enum ApiError {
    BadInput(String),
    Unauthenticated(String),
    Forbidden(String),
    NotFound(String),
    Unavailable(String),
    /// Logged with its detail where it is converted; the client sees a generic message.
    Internal(String),
}

impl ApiError {
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadInput(_) => ErrorCode::BadUserInput,
            Self::Unauthenticated(_) => ErrorCode::Unauthenticated,
            Self::Forbidden(_) => ErrorCode::Forbidden,
            Self::NotFound(_) => ErrorCode::NotFound,
            Self::Unavailable(_) => ErrorCode::ServiceUnavailable,
            Self::Internal(_) => ErrorCode::InternalServerError,
        }
    }

    fn client_message(&self) -> &str {
        match self {
            Self::BadInput(message)
            | Self::Unauthenticated(message)
            | Self::Forbidden(message)
            | Self::NotFound(message)
            | Self::Unavailable(message) => message,
            Self::Internal(_) => "internal error",
        }
    }
}

impl From<ApiError> for async_graphql::Error {
    fn from(error: ApiError) -> Self {
        if let ApiError::Internal(detail) = &error {
            tracing::error!(%detail, "internal error answering a GraphQL request");
        }
        let code = error.code();
        async_graphql::Error::new(error.client_message())
            .extend_with(|_, ext| ext.set("code", code.as_str()))
    }
}

impl From<sea_orm::DbErr> for ApiError {
    fn from(error: sea_orm::DbErr) -> Self {
        Self::Internal(error.to_string())
    }
}

impl From<ViewError> for ApiError {
    fn from(error: ViewError) -> Self {
        match error {
            ViewError::BadInput(message) => Self::BadInput(message),
            ViewError::Database(error) => error.into(),
        }
    }
}

/// Gives every error a code: parse and validation failures their own, argument errors raised
/// by the GraphQL layer itself `BAD_USER_INPUT`; anything still uncoded is an internal error
/// whose message is replaced.
pub struct ErrorCodes;

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodes)
    }
}

#[async_graphql::async_trait::async_trait]
impl Extension for ErrorCodes {
    async fn request(&self, ctx: &ExtensionContext<'_>, next: NextRequest<'_>) -> Response {
        finish(next.run(ctx).await)
    }

    fn subscribe<'s>(
        &self,
        ctx: &ExtensionContext<'_>,
        stream: BoxStream<'s, Response>,
        next: NextSubscribe<'_>,
    ) -> BoxStream<'s, Response> {
        next.run(ctx, stream).map(finish).boxed()
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        next.run(ctx, query, variables)
            .await
            .map_err(|error| coded(error, ErrorCode::GraphqlParseFailed))
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| coded(error, ErrorCode::GraphqlValidationFailed))
                .collect()
        })
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        // Resolvers only return coded errors, so an uncoded one comes from async-graphql
        // rejecting an argument value (a malformed date, an out-of-range integer).
        next.run(ctx, info)
            .await
            .map_err(|error| coded(error, ErrorCode::BadUserInput))
    }
}

fn code_of(error: &ServerError) -> Option<&Value> {
    error.extensions.as_ref().and_then(|ext| ext.get("code"))
}

/// `error` with `code`, unless it has one already.
fn coded(mut error: ServerError, code: ErrorCode) -> ServerError {
    if code_of(&error).is_none() {
        error
            .extensions
            .get_or_insert_with(ErrorExtensionValues::default)
            .set("code", code.as_str());
    }
    error
}

fn finish(mut response: Response) -> Response {
    for error in &mut response.errors {
        if code_of(error).is_none() {
            tracing::error!(message = %error.message, "uncoded GraphQL error");
            error.message = "internal error".into();
            *error = coded(error.clone(), ErrorCode::InternalServerError);
        }
    }
    response
}
