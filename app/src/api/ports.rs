//! What server functions need from the server, as traits the `server` crate implements.
//! The app cannot depend on the server crate, so the server provides these in context.

use std::sync::Arc;

use async_trait::async_trait;
use leptos::prelude::*;

use crate::model::{ApiError, AuditEntry, DomainInfo};

/// The audit trail, read side.
#[async_trait]
pub trait Activity: Send + Sync + 'static {
    async fn recent(&self, limit: u32) -> Result<Vec<AuditEntry>, ApiError>;
}

/// The DataZone domain the portal serves.
#[async_trait]
pub trait Domain: Send + Sync + 'static {
    async fn describe(&self) -> Result<DomainInfo, ApiError>;
}

/// Everything the server provides to server functions, built once at start.
#[derive(Clone)]
pub struct Services {
    pub activity: Arc<dyn Activity>,
    pub domain: Arc<dyn Domain>,
}

/// The services of the running portal. A server function called outside the portal's
/// router (there is none) would get an internal error rather than a panic.
pub fn services() -> Result<Services, ApiError> {
    use_context::<Services>().ok_or(ApiError::Internal { request_id: None })
}

/// Sets the HTTP status for a failed server function so clients other than the UI (and
/// load balancers' logs) see 401/403/503 rather than a blanket 500.
pub fn respond<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(error) = &result {
        if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(error.status()) {
                options.set_status(status);
            }
        }
    }
    result
}
