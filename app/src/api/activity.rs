//! Reads the most recent audit events for the overview page.

use leptos::prelude::*;

use crate::model::{ApiError, AuditEntry};

/// The newest audit events, newest first; at most 50. Platform admins see everyone's,
/// everybody else their own.
#[server(endpoint = "recent_activity")]
pub async fn recent_activity(limit: u32) -> Result<Vec<AuditEntry>, ApiError> {
    use crate::model::Role;
    let caller = super::ports::require(Role::TeamLead).await?;
    let actor = (!caller.has(Role::Admin)).then_some(caller.username.as_str());
    let services = super::ports::services()?;
    super::ports::respond(services.activity.recent(limit.clamp(1, 50), actor).await)
}

/// One page of the audit log (platform admins; data stewards see the subscription requests
/// they govern): filtered by actor, action, target and
/// dates, newest first; `before` continues from the previous page.
#[server(endpoint = "audit_log")]
pub async fn audit_log(
    actor: String,
    action: String,
    target: String,
    from: String,
    to: String,
    before: Option<i64>,
) -> Result<crate::model::AuditLogPage, ApiError> {
    use crate::model::{AuditQuery, Role};
    let caller = super::ports::require(Role::Steward).await?;
    super::ports::respond(crate::model::capped(&[
        ("actor", &actor, crate::model::SEARCH_MAX),
        ("action", &action, crate::model::SEARCH_MAX),
        ("target", &target, crate::model::SEARCH_MAX),
        ("from", &from, crate::model::SEARCH_MAX),
        ("to", &to, crate::model::SEARCH_MAX),
    ]))?;
    let query = AuditQuery { actor, action, target, from, to, before };
    super::ports::respond(super::ports::services()?.activity.search(&caller, &query).await)
}
