//! The `drift_findings` table and the portal-side reads the drift check compares with
//! DataZone.

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

/// One difference between the portal and DataZone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: &'static str,
    /// `project_request` or `subscription_request`.
    pub target_kind: &'static str,
    pub target_id: String,
    pub summary: String,
    /// What the portal did about it.
    pub action: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FindingRow {
    pub id: i64,
    pub kind: String,
    pub target_kind: String,
    pub target_id: String,
    pub summary: String,
    pub action: String,
    pub found_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

/// Records a finding seen now; answers `true` when it is new (no open finding of the same
/// kind and target), which is when it becomes an audit event.
pub async fn seen(db: impl PgExecutor<'_>, f: &Finding) -> Result<bool, sqlx::Error> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO drift_findings (kind, target_kind, target_id, summary, action) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (kind, target_id) WHERE resolved_at IS NULL
         DO UPDATE SET last_seen_at = now(), summary = EXCLUDED.summary
         RETURNING CASE WHEN xmax = 0 THEN id END",
    )
    .bind(f.kind)
    .bind(f.target_kind)
    .bind(&f.target_id)
    .bind(&f.summary)
    .bind(&f.action)
    .fetch_one(db)
    .await?;
    Ok(inserted.is_some())
}

/// Resolves the open findings a check that started at `since` did not see again.
pub async fn resolve_unseen(db: impl PgExecutor<'_>, since: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("UPDATE drift_findings SET resolved_at = now() WHERE resolved_at IS NULL AND last_seen_at < $1")
        .bind(since)
        .execute(db)
        .await?
        .rows_affected())
}

/// Open findings first (newest first), then up to `resolved` recently resolved ones.
pub async fn list(pool: &PgPool, resolved: i64) -> Result<Vec<FindingRow>, sqlx::Error> {
    sqlx::query_as(
        "(SELECT * FROM drift_findings WHERE resolved_at IS NULL ORDER BY found_at DESC, id DESC LIMIT 500)
         UNION ALL
         (SELECT * FROM drift_findings WHERE resolved_at IS NOT NULL ORDER BY resolved_at DESC, id DESC LIMIT $1)",
    )
    .bind(resolved)
    .fetch_all(pool)
    .await
}

/// Active project requests with their DataZone project: (request id, project id, name).
pub async fn active_projects(db: impl PgExecutor<'_>) -> Result<Vec<(Uuid, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, project_id, project_name FROM project_requests
          WHERE status = 'active' AND project_id IS NOT NULL ORDER BY created_at",
    )
    .fetch_all(db)
    .await
}

/// Marks an active request retired because its project is gone from DataZone.
pub async fn retire_gone(db: impl PgExecutor<'_>, id: Uuid, why: &str) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE project_requests SET status = 'retired', failure = $2, updated_at = now()
          WHERE id = $1 AND status = 'active'",
    )
    .bind(id)
    .bind(why)
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Members the portal lists as added: (request id, principal id, display name, designation).
pub async fn added_members(
    db: impl PgExecutor<'_>,
    requests: &[Uuid],
) -> Result<Vec<(Uuid, String, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT request_id, principal_id, display_name, designation FROM project_request_members
          WHERE state = 'added' AND request_id = ANY($1)",
    )
    .bind(requests)
    .fetch_all(db)
    .await
}

/// Records that DataZone no longer lists a member the portal had added.
pub async fn member_gone(db: impl PgExecutor<'_>, request: Uuid, principal: &str) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE project_request_members SET state = 'removed', updated_at = now()
          WHERE request_id = $1 AND principal_id = $2 AND state = 'added'",
    )
    .bind(request)
    .bind(principal)
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Subscription requests whose subscription the portal counts as access:
/// (request id, subscription id, asset, subscribing project).
pub async fn approved_subscriptions(
    db: impl PgExecutor<'_>,
) -> Result<Vec<(String, String, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, subscription_id, asset_name, subscriber_project_name FROM subscription_requests
          WHERE subscription_status = 'APPROVED' AND subscription_id IS NOT NULL",
    )
    .fetch_all(db)
    .await
}

/// Requests whose subscription is among `subscriptions` but that the portal counts as ended:
/// (request id, subscription id, status here, asset, subscribing project).
pub async fn ended_here(
    db: impl PgExecutor<'_>,
    subscriptions: &[String],
) -> Result<Vec<(String, String, String, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, subscription_id, subscription_status, asset_name, subscriber_project_name
           FROM subscription_requests
          WHERE subscription_id = ANY($1) AND subscription_status <> 'APPROVED'",
    )
    .bind(subscriptions)
    .fetch_all(db)
    .await
}

/// Requests whose grant (or its revocation) failed: (request id, grant status, cause,
/// asset, subscribing project).
pub async fn failed_grants(
    db: impl PgExecutor<'_>,
) -> Result<Vec<(String, String, Option<String>, String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, grant_status, grant_failure, asset_name, subscriber_project_name FROM subscription_requests
          WHERE grant_status IN ('GRANT_FAILED', 'REVOKE_FAILED')",
    )
    .fetch_all(db)
    .await
}
