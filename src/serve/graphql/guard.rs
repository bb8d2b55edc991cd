//! Who is calling, and what they may do: queries and subscriptions need `viewer`, mutations
//! `admin`. The caller is worked out once per request (from the `Authorization` header) or
//! per websocket (from the `connection_init` payload) and put into the request's data.

use async_graphql::{Context, Guard};

use super::error::ApiError;
use crate::auth::{Claims, Role, TokenError, Tokens};

#[derive(Clone, Debug)]
pub enum Caller {
    Anonymous,
    /// A token was presented but is not valid.
    Rejected(TokenError),
    Authenticated(Claims),
    /// `auth.disabled`: everyone may do everything.
    Unchecked,
}

impl Caller {
    /// The caller a bearer token (or its absence) stands for.
    pub fn from_bearer(tokens: Option<&Tokens>, authorization: Option<&str>) -> Self {
        let Some(tokens) = tokens else {
            return Self::Unchecked;
        };
        let Some(value) = authorization else {
            return Self::Anonymous;
        };
        let token = value
            .strip_prefix("Bearer ")
            .or_else(|| value.strip_prefix("bearer "))
            .unwrap_or(value)
            .trim();
        match tokens.verify(token) {
            Ok(claims) => Self::Authenticated(claims),
            Err(error) => Self::Rejected(error),
        }
    }

    pub fn allows(&self, role: Role) -> Result<(), ApiError> {
        match self {
            Self::Unchecked => Ok(()),
            Self::Authenticated(claims) if claims.role >= role => Ok(()),
            Self::Authenticated(claims) => Err(ApiError::Forbidden(format!(
                "this needs the {} role; the token has {}",
                role.as_str(),
                claims.role.as_str()
            ))),
            Self::Rejected(error) => Err(ApiError::Unauthenticated(error.to_string())),
            Self::Anonymous => Err(ApiError::Unauthenticated(
                "send a bearer token: Authorization: Bearer <token> (see `pulso token`)".into(),
            )),
        }
    }
}

/// `#[graphql(guard = "RequireRole(Role::Viewer)")]` on a field.
pub struct RequireRole(pub Role);

impl Guard for RequireRole {
    async fn check(&self, ctx: &Context<'_>) -> async_graphql::Result<()> {
        let caller = ctx.data_opt::<Caller>().unwrap_or(&Caller::Anonymous);
        caller.allows(self.0).map_err(Into::into)
    }
}
