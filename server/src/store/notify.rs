//! Notification tables: the event outbox the audit trigger fills, the in-portal list,
//! deliveries per channel, people's preferences, unit channels and notices sent once.

use chrono::{DateTime, Utc};
use sqlx::{FromRow, PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

/// An audit event waiting to be fanned out.
#[derive(Debug, Clone, FromRow)]
pub struct PendingEvent {
    pub audit_id: i64,
    pub action: String,
    pub target_id: String,
    pub actor: String,
    pub after: Option<serde_json::Value>,
    pub attempts: i32,
}

/// Takes the oldest due event, locked until the caller's transaction ends (other replicas
/// skip it).
pub async fn next_event(conn: &mut PgConnection) -> Result<Option<PendingEvent>, sqlx::Error> {
    sqlx::query_as(
        "SELECT n.audit_id, a.action, a.target_id, a.actor, a.after, n.attempts
           FROM notification_events n JOIN audit_events a ON a.id = n.audit_id
          WHERE n.fanned_out_at IS NULL AND n.next_try_at <= now()
          ORDER BY n.audit_id
          LIMIT 1
          FOR UPDATE OF n SKIP LOCKED",
    )
    .fetch_optional(conn)
    .await
}

pub async fn event_done(conn: &mut PgConnection, audit_id: i64, error: Option<&str>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE notification_events SET fanned_out_at = now(), last_error = $2 WHERE audit_id = $1")
        .bind(audit_id)
        .bind(error.map(|e| truncate(e, 2000)))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a failed fan-out; the event is tried again after `retry_seconds`.
pub async fn event_failed(pool: &PgPool, audit_id: i64, error: &str, retry_seconds: f64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE notification_events
            SET attempts = attempts + 1, last_error = $2, next_try_at = now() + make_interval(secs => $3)
          WHERE audit_id = $1",
    )
    .bind(audit_id)
    .bind(truncate(error, 2000))
    .bind(retry_seconds)
    .execute(pool)
    .await?;
    Ok(())
}

/// One entry of a person's in-portal list.
pub struct NewNotification<'a> {
    pub audit_id: i64,
    pub recipient: &'a str,
    pub topic: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: &'a str,
}

/// Adds the entry unless the person already has it for this event; `true` when added.
pub async fn add_notification(conn: &mut PgConnection, n: &NewNotification<'_>) -> Result<bool, sqlx::Error> {
    let added = sqlx::query(
        "INSERT INTO notifications (audit_id, recipient, topic, title, body, link) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (audit_id, recipient) DO NOTHING",
    )
    .bind(n.audit_id)
    .bind(n.recipient)
    .bind(n.topic)
    .bind(truncate(n.title, 300))
    .bind(truncate(n.body, 4000))
    .bind(n.link)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(added == 1)
}

#[derive(Debug, Clone, FromRow)]
pub struct NotificationRow {
    pub id: i64,
    pub topic: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// A person's newest entries (at most `limit`) and how many are unread.
pub async fn notifications_of(
    pool: &PgPool,
    recipient: &str,
    limit: i64,
) -> Result<(Vec<NotificationRow>, i64), sqlx::Error> {
    let rows = sqlx::query_as(
        "SELECT id, topic, title, body, link, created_at, read_at FROM notifications
          WHERE recipient = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(recipient)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok((rows, unread(pool, recipient).await?))
}

pub async fn unread(pool: &PgPool, recipient: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT count(*) FROM notifications WHERE recipient = $1 AND read_at IS NULL")
        .bind(recipient)
        .fetch_one(pool)
        .await
}

/// Marks the person's entries read: those in `ids`, or all when `ids` is empty.
pub async fn mark_read(pool: &PgPool, recipient: &str, ids: &[i64]) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE notifications SET read_at = now()
          WHERE recipient = $1 AND read_at IS NULL AND (cardinality($2::bigint[]) = 0 OR id = ANY($2))",
    )
    .bind(recipient)
    .bind(ids)
    .execute(pool)
    .await?
    .rows_affected())
}

/// A message for one channel and address.
pub struct NewDelivery<'a> {
    pub key: &'a str,
    pub channel: &'a str,
    pub address: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: Option<&'a str>,
    pub link: &'a str,
    /// `held` for a daily digest, else `queued`.
    pub state: &'a str,
}

/// Adds the delivery unless one with its key exists; its id when added.
pub async fn add_delivery(conn: &mut PgConnection, d: &NewDelivery<'_>) -> Result<Option<Uuid>, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO deliveries (id, key, channel, address, recipient, subject, body_text, body_html, link, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (key) DO NOTHING RETURNING id",
    )
    .bind(Uuid::new_v4())
    .bind(d.key)
    .bind(d.channel)
    .bind(d.address)
    .bind(d.recipient)
    .bind(truncate(d.subject, 300))
    .bind(d.body_text)
    .bind(d.body_html)
    .bind(d.link)
    .bind(d.state)
    .fetch_optional(conn)
    .await
}

#[derive(Debug, Clone, FromRow)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub channel: String,
    pub address: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub link: String,
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

const DELIVERY_COLUMNS: &str = "id, channel, address, recipient, subject, body_text, body_html, link, state, attempts,
    last_error, next_attempt_at, created_at, sent_at";

/// The delivery, locked until the caller's transaction ends: a second worker waits, then
/// finds it sent.
pub async fn lock_delivery(conn: &mut PgConnection, id: Uuid) -> Result<Option<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE id = $1 FOR UPDATE"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Records an attempt: `sent`, `retrying` (again at `next`) or `failed`.
pub async fn attempted(
    conn: &mut PgConnection,
    id: Uuid,
    state: &str,
    error: Option<&str>,
    next: Option<DateTime<Utc>>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE deliveries
            SET state = $2, attempts = attempts + 1, last_error = $3,
                next_attempt_at = coalesce($4, next_attempt_at),
                sent_at = CASE WHEN $2 = 'sent' THEN now() ELSE sent_at END
          WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(error.map(|e| truncate(e, 2000)))
    .bind(next)
    .execute(conn)
    .await?;
    Ok(())
}

/// Puts a failed delivery back in the queue (an admin's retry); `true` when it was failed.
pub async fn requeue(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query(
        "UPDATE deliveries SET state = 'queued', next_attempt_at = now() WHERE id = $1 AND state = 'failed'",
    )
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// The newest deliveries, for admins; only those in `state` when given.
pub async fn recent_deliveries(
    pool: &PgPool,
    state: Option<&str>,
    limit: i64,
) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE state <> 'held' AND ($1::text IS NULL OR state = $1)
          ORDER BY created_at DESC LIMIT $2"
    ))
    .bind(state)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Deliveries per state, for admins.
pub async fn delivery_counts(pool: &PgPool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT state, count(*) FROM deliveries GROUP BY state ORDER BY state").fetch_all(pool).await
}

/// Held (digest) deliveries per recipient: the recipient, their email and the items.
pub async fn held(conn: &mut PgConnection) -> Result<Vec<DeliveryRow>, sqlx::Error> {
    sqlx::query_as(&format!(
        "SELECT {DELIVERY_COLUMNS} FROM deliveries WHERE state = 'held' ORDER BY recipient, created_at
          LIMIT 5000 FOR UPDATE SKIP LOCKED"
    ))
    .fetch_all(conn)
    .await
}

pub async fn digested(conn: &mut PgConnection, ids: &[Uuid]) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE deliveries SET state = 'digested', sent_at = now() WHERE id = ANY($1)")
        .bind(ids)
        .execute(conn)
        .await?;
    Ok(())
}

/// A person's email preferences.
#[derive(Debug, Clone, FromRow)]
pub struct Preferences {
    pub email: bool,
    pub daily_digest: bool,
    pub muted: Vec<String>,
}

impl Default for Preferences {
    fn default() -> Self {
        Self { email: true, daily_digest: false, muted: Vec::new() }
    }
}

pub async fn preferences(db: impl PgExecutor<'_>, username: &str) -> Result<Preferences, sqlx::Error> {
    let found = sqlx::query_as("SELECT email, daily_digest, muted FROM notification_preferences WHERE username = $1")
        .bind(username)
        .fetch_optional(db)
        .await?;
    Ok(found.unwrap_or_default())
}

pub async fn save_preferences(pool: &PgPool, username: &str, p: &Preferences) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO notification_preferences (username, email, daily_digest, muted) VALUES ($1, $2, $3, $4)
         ON CONFLICT (username) DO UPDATE
            SET email = $2, daily_digest = $3, muted = $4, updated_at = now()",
    )
    .bind(username)
    .bind(p.email)
    .bind(p.daily_digest)
    .bind(&p.muted)
    .execute(pool)
    .await?;
    Ok(())
}

/// A domain unit's chat webhooks and review SLA.
#[derive(Debug, Clone, Default, FromRow)]
pub struct UnitChannels {
    pub domain_unit_id: String,
    pub slack_webhook_url: Option<String>,
    pub teams_webhook_url: Option<String>,
    pub review_sla_hours: Option<i32>,
}

pub async fn unit_channels(db: impl PgExecutor<'_>) -> Result<Vec<UnitChannels>, sqlx::Error> {
    sqlx::query_as(
        "SELECT domain_unit_id, slack_webhook_url, teams_webhook_url, review_sla_hours FROM unit_settings
          WHERE slack_webhook_url IS NOT NULL OR teams_webhook_url IS NOT NULL OR review_sla_hours IS NOT NULL",
    )
    .fetch_all(db)
    .await
}

pub async fn unit_channel(db: impl PgExecutor<'_>, unit: &str) -> Result<UnitChannels, sqlx::Error> {
    let found = sqlx::query_as(
        "SELECT domain_unit_id, slack_webhook_url, teams_webhook_url, review_sla_hours FROM unit_settings
          WHERE domain_unit_id = $1",
    )
    .bind(unit)
    .fetch_optional(db)
    .await?;
    Ok(found.unwrap_or_else(|| UnitChannels { domain_unit_id: unit.to_owned(), ..UnitChannels::default() }))
}

pub async fn save_unit_channels(conn: &mut PgConnection, c: &UnitChannels, by: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO unit_settings (domain_unit_id, slack_webhook_url, teams_webhook_url, review_sla_hours, updated_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (domain_unit_id) DO UPDATE
            SET slack_webhook_url = $2, teams_webhook_url = $3, review_sla_hours = $4,
                updated_by = $5, updated_at = now()",
    )
    .bind(&c.domain_unit_id)
    .bind(&c.slack_webhook_url)
    .bind(&c.teams_webhook_url)
    .bind(c.review_sla_hours)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a notice sent; `true` the first time only.
pub async fn mark_notice(conn: &mut PgConnection, target: &str, notice: &str) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("INSERT INTO notice_marks (target_id, notice) VALUES ($1, $2) ON CONFLICT DO NOTHING")
        .bind(target)
        .bind(notice)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}

/// Approved access ending between `now` and `until`: (request id, end).
pub async fn ending_between(
    pool: &PgPool,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(String, DateTime<Utc>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, expires_at FROM subscription_requests
          WHERE subscription_status = 'APPROVED' AND expires_at > $1 AND expires_at <= $2
          ORDER BY expires_at LIMIT 500",
    )
    .bind(now)
    .bind(until)
    .fetch_all(pool)
    .await
}

/// Requests still waiting for a steward whose owner units have a review SLA: (request id,
/// waited hours, the strictest SLA in hours, that unit's id).
pub async fn waiting_past_sla(
    pool: &PgPool,
    now: DateTime<Utc>,
) -> Result<Vec<(String, f64, i32, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT DISTINCT ON (r.id) r.id, extract(epoch FROM $1 - r.created_at)::float8 / 3600, u.review_sla_hours,
                u.domain_unit_id
           FROM subscription_requests r JOIN unit_settings u ON u.domain_unit_id = ANY(r.owner_unit_ids)
          WHERE r.status = 'PENDING' AND u.review_sla_hours IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM subscription_decisions d WHERE d.request_id = r.id)
            AND r.created_at + make_interval(hours => u.review_sla_hours) <= $1
          ORDER BY r.id, u.review_sla_hours
          LIMIT 500",
    )
    .bind(now)
    .fetch_all(pool)
    .await
}

/// The Identity Center userName of a DataZone user the portal has seen as a requester.
pub async fn username_of(pool: &PgPool, datazone_user_id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT username FROM people WHERE id = $1").bind(datazone_user_id).fetch_optional(pool).await
}

/// The requesters of approved access to an asset (DataZone user ids, once each).
pub async fn subscribers_of(pool: &PgPool, asset_id: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT requester_id FROM subscription_requests
          WHERE asset_id = $1 AND subscription_status = 'APPROVED' LIMIT 1000",
    )
    .bind(asset_id)
    .fetch_all(pool)
    .await
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].to_owned(),
        None => text.to_owned(),
    }
}
