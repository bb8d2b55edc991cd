//! The one error type of the read models: bad client input (safe to show) or a database failure
//! (details go to the log, never to the client).

#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    /// The message is written for the client and names the offending argument.
    #[error("{0}")]
    BadInput(String),
    #[error("database error")]
    Database(#[from] sea_orm::DbErr),
}

impl ViewError {
    pub(crate) fn bad_input(message: impl Into<String>) -> Self {
        Self::BadInput(message.into())
    }
}
