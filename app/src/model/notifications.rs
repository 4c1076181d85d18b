//! Notifications: a person's in-portal list and email preferences, and the channels,
//! delivery log and review SLA admins manage.

use serde::{Deserialize, Serialize};

/// The subjects a person can mute: (name, what it covers).
pub const NOTIFICATION_TOPICS: &[(&str, &str)] = &[
    ("requests", "New access requests to review"),
    ("reminders", "Reminders and escalations of waiting requests"),
    ("decisions", "Decisions on your access requests"),
    ("expiry", "Access ending soon, ended or revoked"),
    ("projects", "Your project requests"),
    ("changes", "Changes to data you subscribe to"),
];

/// The longest webhook URL accepted.
pub const WEBHOOK_URL_MAX: usize = 2048;

/// One entry of the in-portal list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationItem {
    pub id: i64,
    /// One of [`NOTIFICATION_TOPICS`].
    pub topic: String,
    pub title: String,
    pub body: String,
    /// A path in the portal.
    pub link: String,
    /// RFC 3339.
    pub created_at: String,
    pub read: bool,
}

/// What a person wants by email. Muted topics are never emailed; they still appear in the
/// list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationPreferences {
    pub email: bool,
    pub daily_digest: bool,
    pub muted: Vec<String>,
}

/// The notifications page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotificationsPage {
    /// Newest first, at most 100.
    pub items: Vec<NotificationItem>,
    pub unread: u32,
    pub preferences: NotificationPreferences,
    /// Where email goes (Identity Center's primary email), when known.
    pub email_address: Option<String>,
    /// Whether the portal sends email at all (`smtp_url` set).
    pub email_enabled: bool,
}

/// A domain unit's chat channels and review time, as admins see them: webhook URLs are
/// secrets, shown only as where they point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitChannelsView {
    pub unit_id: String,
    /// `hooks.slack.com/…` when set.
    pub slack: Option<String>,
    pub teams: Option<String>,
    pub review_sla_hours: Option<u32>,
}

/// A change to a unit's channels. For each webhook: `None` keeps it, an empty string
/// removes it, a URL sets it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitChannelsForm {
    pub unit_id: String,
    pub slack_webhook_url: Option<String>,
    pub teams_webhook_url: Option<String>,
    /// Hours a request may wait before the stewards are reminded (twice that: the unit's
    /// owners are told); `None` for no reminders.
    pub review_sla_hours: Option<u32>,
}

/// One message on one channel, for the delivery log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryItem {
    pub id: String,
    /// `email`, `slack` or `teams`.
    pub channel: String,
    /// A userName, or `unit:<id>` for chat.
    pub recipient: String,
    pub subject: String,
    /// `queued`, `retrying`, `sent`, `failed` or `digested`.
    pub state: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    pub next_attempt_at: Option<String>,
    pub sent_at: Option<String>,
}

/// The admins' notifications page: email set-up, the delivery counts and log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveriesPage {
    /// `smtps://host:port` when email is on.
    pub smtp_server: Option<String>,
    pub mail_from: String,
    /// Whether DataZone's events arrive through SQS (`events_queue_url`).
    pub events_queue: bool,
    /// (state, count).
    pub counts: Vec<(String, i64)>,
    /// Newest first, at most 100.
    pub deliveries: Vec<DeliveryItem>,
}
