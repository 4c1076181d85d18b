//! The overview's activity feed, read from the audit trail.

use app::api::ports::Activity;
use app::model::{ApiError, AuditEntry};
use async_trait::async_trait;
use sqlx::PgPool;

use crate::error::AppError;
use crate::store::audit;

pub struct AuditTrail {
    pub pool: PgPool,
}

#[async_trait]
impl Activity for AuditTrail {
    async fn recent(&self, limit: u32, actor: Option<&str>) -> Result<Vec<AuditEntry>, ApiError> {
        let events = audit::recent(&self.pool, i64::from(limit), actor).await.map_err(AppError::from)?;
        Ok(events.into_iter().map(entry).collect())
    }
}

/// An audit event as the UI shows it, its time formatted here.
pub fn entry(e: audit::Event) -> AuditEntry {
    AuditEntry {
        id: e.id,
        at: e.created_at.to_rfc3339(),
        at_text: time_text(e.created_at),
        actor: e.actor,
        action: e.action,
        target_kind: e.target_kind,
        target_id: e.target_id,
        request_id: e.request_id,
    }
}

/// `YYYY-MM-DD HH:MM UTC`: how the portal writes a time for people.
pub fn time_text(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}
