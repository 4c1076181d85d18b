//! The Drift report (platform admins): the drift check's findings and its last outcome.

use app::api::ports::Drift;
use app::model::{ApiError, Caller, DriftFinding, DriftReport};
use async_trait::async_trait;
use serde_json::json;
use sqlx::PgPool;

use super::activity::time_text;
use super::audit_event;
use crate::access::{Access, DRIFT};
use crate::error::AppError;
use crate::store::drift::{self as store, FindingRow};
use crate::store::subscriptions as subs;

/// Resolved findings shown under the open ones.
const RESOLVED_SHOWN: i64 = 50;

pub struct DriftService {
    pub access: Access,
    pub pool: PgPool,
    pub every_seconds: u64,
}

fn kind_label(kind: &str) -> &'static str {
    match kind {
        "project_deleted" => "Project deleted outside the portal",
        "member_removed" => "Member removed outside the portal",
        "member_added" => "Member added outside the portal",
        "member_redesignated" => "Member's designation changed outside the portal",
        "subscription_ended" => "Access ended outside the portal",
        "subscription_vanished" => "Subscription gone from DataZone",
        "subscription_changed" => "Subscription changed in DataZone",
        "access_still_granted" => "Access still granted in DataZone",
        "grant_failed" => "Grant failed",
        "revoke_failed" => "Revocation failed",
        _ => "Difference",
    }
}

fn finding(row: FindingRow) -> DriftFinding {
    let href = match row.target_kind.as_str() {
        "project_request" => row.target_id.split(':').next().map(|id| format!("/requests/{id}")),
        "subscription_request" => Some(format!("/subscriptions/{}", row.target_id)),
        _ => None,
    };
    DriftFinding {
        id: row.id,
        kind_label: kind_label(&row.kind).to_owned(),
        kind: row.kind,
        href,
        summary: row.summary,
        action: row.action,
        found_at: time_text(row.found_at),
        resolved_at: row.resolved_at.map(time_text),
    }
}

#[async_trait]
impl Drift for DriftService {
    async fn report(&self) -> Result<DriftReport, ApiError> {
        let rows = store::list(&self.pool, RESOLVED_SHOWN).await.map_err(AppError::from)?;
        let outcome = subs::outcome(&self.pool, DRIFT).await.map_err(AppError::from)?;
        let failed = outcome.failed.map(|(why, at)| (time_text(at), why));
        let (open, resolved) = rows.into_iter().map(finding).partition(|f| f.resolved_at.is_none());
        let checked_at = outcome.ok_at.map(time_text);
        Ok(DriftReport { open, resolved, checked_at, failed, every_seconds: self.every_seconds })
    }

    async fn check_now(&self, caller: &Caller) -> Result<DriftReport, ApiError> {
        let outcome = self.access.reconcile().await;
        let after = json!({ "open": outcome.as_ref().ok(), "error": outcome.as_ref().err().map(ToString::to_string) });
        audit_event(&self.pool, &caller.username, "drift.checked", ("drift", "drift_check"), None, Some(after)).await?;
        self.report().await
    }
}
