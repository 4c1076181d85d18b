//! The `audit_events` table: append and read, nothing else (the table refuses updates).

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool};

pub struct NewEvent<'a> {
    pub actor: &'a str,
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub request_id: Option<&'a str>,
}

pub struct Event {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub request_id: Option<String>,
}

/// Appends one event; runs on whatever executor the caller's transaction uses, so the
/// audit row commits or rolls back with the change it describes.
pub async fn record(db: impl PgExecutor<'_>, event: &NewEvent<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"INSERT INTO audit_events (actor, action, target_kind, target_id, before, after, request_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           RETURNING id"#,
        event.actor,
        event.action,
        event.target_kind,
        event.target_id,
        event.before,
        event.after,
        event.request_id,
    )
    .fetch_one(db)
    .await
}

/// The newest events, newest first; only `actor`'s when given.
pub async fn recent(pool: &PgPool, limit: i64, actor: Option<&str>) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query_as!(
        Event,
        r#"SELECT id, created_at AS "created_at: DateTime<Utc>", actor, action, target_kind, target_id, request_id
           FROM audit_events
           WHERE $2::text IS NULL OR actor = $2
           ORDER BY created_at DESC, id DESC
           LIMIT $1"#,
        limit,
        actor,
    )
    .fetch_all(pool)
    .await
}
