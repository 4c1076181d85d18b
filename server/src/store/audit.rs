//! The `audit_events` table: append and read, nothing else (the table refuses updates).

use chrono::{DateTime, Utc};
use sqlx::{PgExecutor, PgPool, Postgres, QueryBuilder};

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

/// Counts one anonymous event of `kind` in the current window (`window` is a
/// `date_trunc` unit: `minute` or `hour`) under `key` (kept to 200 characters); answers the
/// count so far in that window, 1 for the first.
pub async fn count_anonymous(db: impl PgExecutor<'_>, kind: &str, window: &str, key: &str) -> Result<i64, sqlx::Error> {
    let key: String = key.chars().take(200).collect();
    sqlx::query_scalar(
        "INSERT INTO anonymous_counts (kind, window_start, key) VALUES ($1, date_trunc($2, now()), $3)
         ON CONFLICT (kind, window_start, key) DO UPDATE SET count = anonymous_counts.count + 1
         RETURNING count",
    )
    .bind(kind)
    .bind(window)
    .bind(key)
    .fetch_one(db)
    .await
}

/// Audit events about one thing, oldest first.
pub async fn about(pool: &PgPool, target_kind: &str, target_id: &str) -> Result<Vec<Event>, sqlx::Error> {
    sqlx::query_as!(
        Event,
        r#"SELECT id, created_at AS "created_at: DateTime<Utc>", actor, action, target_kind, target_id, request_id
           FROM audit_events
           WHERE target_kind = $1 AND target_id = $2
           ORDER BY created_at, id
           LIMIT 200"#,
        target_kind,
        target_id,
    )
    .fetch_all(pool)
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

/// What the audit log is filtered by; every part optional. `before` is the keyset cursor:
/// the id of the last event of the previous page.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub before: Option<i64>,
    /// Only events about these subscription requests (a steward's view).
    pub requests: Option<Vec<String>>,
}

/// One event with its before/after documents.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FullEvent {
    pub id: i64,
    pub created_at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub request_id: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

/// The filtered events, newest first. Each filter is an equality (or a time range) on an
/// index ending in `(created_at, id)`, and the cursor is a row comparison on the same pair,
/// so a page is an index range scan however many rows the table holds.
pub fn filtered(filter: &Filter) -> QueryBuilder<'_, Postgres> {
    let mut query = QueryBuilder::new(
        "SELECT id, created_at, actor, action, target_kind, target_id, request_id, before, after \
         FROM audit_events WHERE TRUE",
    );
    if let Some(actor) = &filter.actor {
        query.push(" AND actor = ").push_bind(actor);
    }
    if let Some(action) = &filter.action {
        query.push(" AND action = ").push_bind(action);
    }
    if let Some(target) = &filter.target {
        query.push(" AND target_id = ").push_bind(target);
    }
    if let Some(from) = filter.from {
        query.push(" AND created_at >= ").push_bind(from);
    }
    if let Some(to) = filter.to {
        query.push(" AND created_at < ").push_bind(to);
    }
    if let Some(requests) = &filter.requests {
        query.push(" AND target_kind = 'subscription_request' AND target_id = ANY(").push_bind(requests).push(")");
    }
    if let Some(before) = filter.before {
        query
            .push(" AND (created_at, id) < (SELECT created_at, id FROM audit_events WHERE id = ")
            .push_bind(before)
            .push(")");
    }
    query.push(" ORDER BY created_at DESC, id DESC");
    query
}

/// One page of the filtered events, newest first.
pub async fn page(pool: &PgPool, filter: &Filter, limit: i64) -> Result<Vec<FullEvent>, sqlx::Error> {
    let mut query = filtered(filter);
    query.push(" LIMIT ").push_bind(limit);
    query.build_query_as::<FullEvent>().fetch_all(pool).await
}
