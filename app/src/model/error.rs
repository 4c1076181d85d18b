//! The one error type every server function returns, so the UI can match on what went wrong.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// What the browser learns about a failure. Never carries database or SDK error text: the
/// server logs that under the request id, and `Internal` hands the id to the person so
/// support can find it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum ApiError {
    #[error("Please sign in to continue.")]
    NotSignedIn,
    #[error("You don't have permission to do that.")]
    Forbidden,
    #[error("{message}")]
    Invalid { field: String, message: String },
    #[error("{message}")]
    Conflict { message: String },
    #[error("{what} was not found.")]
    NotFound { what: String },
    #[error("Meshgate can't reach its database right now. Please try again in a moment.")]
    DatabaseUnavailable,
    #[error("{}", if *retryable { "AWS is busy right now. Please try again in a moment." } else { "AWS refused the request." })]
    Upstream { retryable: bool },
    #[error("Something went wrong on our side{}.", request_id.as_deref().map(|id| format!(" (reference {id})")).unwrap_or_default())]
    Internal { request_id: Option<String> },
    #[error("You are going faster than Meshgate allows for one person. Please wait a few seconds and try again.")]
    TooManyRequests,
    #[error("The portal could not be reached: {0}")]
    Transport(String),
}

impl ApiError {
    /// Whether trying the same thing again later can succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::DatabaseUnavailable | Self::Upstream { retryable: true } | Self::TooManyRequests | Self::Transport(_)
        )
    }

    /// The HTTP status a server function answers with when it fails this way.
    pub fn status(&self) -> u16 {
        match self {
            Self::NotSignedIn => 401,
            Self::Forbidden => 403,
            Self::Invalid { .. } => 422,
            Self::Conflict { .. } => 409,
            Self::NotFound { .. } => 404,
            Self::DatabaseUnavailable => 503,
            Self::Upstream { .. } => 502,
            Self::TooManyRequests => 429,
            Self::Internal { .. } | Self::Transport(_) => 500,
        }
    }
}

/// The longest search or filter text a server function takes, in characters.
pub const SEARCH_MAX: usize = 200;
/// The longest id a server function takes (DataZone's and the portal's ids are far shorter).
pub const ID_MAX: usize = 128;

/// Refuses any of `fields` (name, value, most characters) that is longer than its cap or
/// holds a NUL character, with an `Invalid` naming the field (and the cap): every text a server function takes is
/// bounded before it reaches a query, a log line or AWS.
pub fn capped(fields: &[(&str, &str, usize)]) -> Result<(), ApiError> {
    if let Some((field, _, max)) = fields.iter().find(|(_, value, max)| value.chars().count() > *max) {
        return Err(ApiError::Invalid {
            field: (*field).to_owned(),
            message: format!("Keep {field} to {max} characters or fewer."),
        });
    }
    // A NUL character can be neither stored (Postgres text) nor sent to AWS.
    if let Some((field, _, _)) = fields.iter().find(|(_, value, _)| value.contains('\0')) {
        return Err(ApiError::Invalid {
            field: (*field).to_owned(),
            message: format!("Take the NUL character out of {field}."),
        });
    }
    Ok(())
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::Transport(value.to_string())
    }
}
