//! Reads the most recent audit events for the overview page.

use leptos::prelude::*;

use crate::model::{ApiError, AuditEntry};

/// The newest audit events, newest first; at most 50.
#[server(endpoint = "recent_activity")]
pub async fn recent_activity(limit: u32) -> Result<Vec<AuditEntry>, ApiError> {
    let services = super::ports::services()?;
    super::ports::respond(services.activity.recent(limit.clamp(1, 50)).await)
}
