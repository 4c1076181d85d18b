//! The server's one error type and how it reaches the browser: as an [`ApiError`] that says
//! what happened in words, with the details only in the log under the request id.

use app::model::ApiError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{message}")]
    /// `field` names the form field, e.g. `name` or `forms.<type>.<member>`.
    Invalid { field: std::borrow::Cow<'static, str>, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(String),
    #[error("forbidden")]
    Forbidden,
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error("AWS {operation} failed ({code}): {detail}")]
    Upstream { operation: &'static str, code: String, retryable: bool, detail: String },
}

impl AppError {
    pub fn invalid(field: impl Into<std::borrow::Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self::Invalid { field: field.into(), message: message.into() }
    }

    /// A copy for each caller that shared one read (a cache's): DataZone's errors keep
    /// their kind; database and session errors, which DataZone reads do not make, become
    /// an unexplained upstream failure with the same message.
    #[must_use]
    pub fn shared(&self) -> Self {
        match self {
            Self::Invalid { field, message } => Self::Invalid { field: field.clone(), message: message.clone() },
            Self::Conflict(message) => Self::Conflict(message.clone()),
            Self::NotFound(what) => Self::NotFound(what.clone()),
            Self::Forbidden => Self::Forbidden,
            Self::Upstream { operation, code, retryable, detail } => {
                Self::Upstream { operation, code: code.clone(), retryable: *retryable, detail: detail.clone() }
            }
            Self::Database(_) | Self::Session(_) => {
                Self::Upstream { operation: "read", code: "unknown".into(), retryable: true, detail: self.to_string() }
            }
        }
    }

    fn is_database_unreachable(error: &sqlx::Error) -> bool {
        matches!(error, sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_) | sqlx::Error::Tls(_))
    }
}

/// The job queue fails only through its database.
impl From<underway::queue::Error> for AppError {
    fn from(error: underway::queue::Error) -> Self {
        match error {
            underway::queue::Error::Database(e) => Self::Database(e),
            other => Self::Database(sqlx::Error::Protocol(other.to_string())),
        }
    }
}

/// The id tower-http gave a request, read from its headers.
pub fn request_id(headers: &http::HeaderMap) -> Option<&str> {
    headers.get(crate::startup::REQUEST_ID_HEADER).and_then(|v| v.to_str().ok())
}

/// The id of the request being served, inside a server function.
pub fn current_request_id() -> Option<String> {
    leptos::prelude::use_context::<http::request::Parts>()
        .and_then(|parts| request_id(&parts.headers).map(str::to_owned))
}

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        match error {
            AppError::Invalid { field, message } => ApiError::Invalid { field: field.into_owned(), message },
            AppError::Conflict(message) => ApiError::Conflict { message },
            AppError::NotFound(what) => ApiError::NotFound { what },
            AppError::Forbidden => ApiError::Forbidden,
            // DataZone refusing the shape of a value the caller gave (an id or page token that
            // cannot exist) is the caller's to fix, not a failure of AWS.
            AppError::Upstream { operation, code, detail, .. } if code == "ValidationException" => {
                tracing::info!(operation, detail, "DataZone refused the input");
                ApiError::Invalid { field: String::new(), message: "DataZone did not accept this input.".to_owned() }
            }
            AppError::Upstream { operation, code, retryable, detail } => {
                tracing::warn!(operation, code, retryable, detail, "AWS call failed");
                ApiError::Upstream { retryable }
            }
            AppError::Session(e) => {
                // The session store is the database.
                tracing::warn!(error = %e, "session store unavailable");
                ApiError::DatabaseUnavailable
            }
            AppError::Database(e) if AppError::is_database_unreachable(&e) => {
                tracing::warn!(error = %e, "database unreachable");
                ApiError::DatabaseUnavailable
            }
            AppError::Database(e) => {
                tracing::error!(error = %e, "database error");
                ApiError::Internal { request_id: current_request_id() }
            }
        }
    }
}
