//! Notifications: each person's in-portal list and email preferences; for admins, a unit's
//! chat webhooks and review SLA (audited, the URLs never shown or logged whole), test
//! messages, and the delivery log with retries.

use app::api::ports::Notifications;
use app::model::{
    ApiError, Caller, DeliveriesPage, DeliveryItem, NotificationItem, NotificationPreferences, NotificationsPage, Role,
    UnitChannelsForm, UnitChannelsView, NOTIFICATION_TOPICS, WEBHOOK_URL_MAX,
};
use async_trait::async_trait;
use serde_json::json;
use uuid::Uuid;

use super::audit_event;
use crate::error::AppError;
use crate::notify::{Notifier, SendError};
use crate::store::notify::{self as store, DeliveryRow, Preferences, UnitChannels};

pub struct NotificationService {
    pub notifier: Notifier,
    pub mail_from: String,
    pub events_queue: bool,
}

fn admin(caller: &Caller) -> Result<(), AppError> {
    if caller.has(Role::Admin) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Why `url` cannot be a `channel` incoming webhook, or `None`. Slack's are
/// `https://hooks.slack.com/…`; Teams' are workflow (Power Automate, Logic Apps) or
/// connector URLs on Microsoft's hosts. Plain http is taken only on the loopback address, for
/// a receiver on the portal's own machine.
pub fn webhook_problem(channel: &str, url: &str) -> Option<String> {
    let name = if channel == "slack" { "Slack" } else { "Teams" };
    if url.chars().count() > WEBHOOK_URL_MAX {
        return Some(format!("Keep the {name} webhook URL to {WEBHOOK_URL_MAX} characters or fewer."));
    }
    let Ok(parsed) = url::Url::parse(url) else {
        return Some(format!("The {name} webhook must be a URL, such as {}.", example(channel)));
    };
    let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
    let loopback = matches!(host.as_str(), "127.0.0.1" | "localhost" | "[::1]");
    let known = match channel {
        "slack" => host == "hooks.slack.com",
        _ => [".webhook.office.com", ".logic.azure.com", ".powerplatform.com", ".powerautomate.com"]
            .iter()
            .any(|suffix| host.ends_with(suffix)),
    };
    match parsed.scheme() {
        "https" if known || loopback => None,
        "http" if loopback => None,
        _ => Some(format!("That is not a {name} incoming webhook URL: it looks like {}.", example(channel))),
    }
}

fn example(channel: &str) -> &'static str {
    if channel == "slack" {
        "https://hooks.slack.com/services/T000/B000/XXXX"
    } else {
        "https://….webhook.office.com/… or a Teams workflow URL (https://….logic.azure.com/workflows/…)"
    }
}

/// Where a secret webhook URL points, for showing: scheme, host and the path's start.
fn shown(url: &str) -> String {
    let parsed = url::Url::parse(url).ok();
    let host = parsed.as_ref().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_default();
    let port = parsed.as_ref().and_then(url::Url::port).map(|p| format!(":{p}")).unwrap_or_default();
    format!("{host}{port}/…")
}

fn view(c: &UnitChannels) -> UnitChannelsView {
    UnitChannelsView {
        unit_id: c.domain_unit_id.clone(),
        slack: c.slack_webhook_url.as_deref().map(shown),
        teams: c.teams_webhook_url.as_deref().map(shown),
        review_sla_hours: c.review_sla_hours.and_then(|h| u32::try_from(h).ok()),
    }
}

fn item(d: DeliveryRow) -> DeliveryItem {
    let retrying = d.state == "retrying";
    DeliveryItem {
        id: d.id.to_string(),
        channel: d.channel,
        recipient: d.recipient,
        subject: d.subject,
        state: d.state,
        attempts: d.attempts,
        last_error: d.last_error,
        created_at: d.created_at.to_rfc3339(),
        next_attempt_at: retrying.then(|| d.next_attempt_at.to_rfc3339()),
        sent_at: d.sent_at.map(|s| s.to_rfc3339()),
    }
}

fn sent(outcome: Result<(), SendError>, what: String) -> Result<String, AppError> {
    outcome.map(|()| what).map_err(|e| AppError::invalid("channel", e.to_string()))
}

impl NotificationService {
    async fn channels(&self, unit: &str) -> Result<UnitChannels, AppError> {
        Ok(store::unit_channel(self.notifier.pool(), unit).await?)
    }
}

#[async_trait]
impl Notifications for NotificationService {
    async fn page(&self, caller: &Caller) -> Result<NotificationsPage, ApiError> {
        let pool = self.notifier.pool();
        let (rows, unread) = store::notifications_of(pool, &caller.username, 100).await.map_err(AppError::from)?;
        let p = store::preferences(pool, &caller.username).await.map_err(AppError::from)?;
        Ok(NotificationsPage {
            items: rows
                .into_iter()
                .map(|r| NotificationItem {
                    id: r.id,
                    topic: r.topic,
                    title: r.title,
                    body: r.body,
                    link: r.link,
                    created_at: r.created_at.to_rfc3339(),
                    read: r.read_at.is_some(),
                })
                .collect(),
            unread: u32::try_from(unread).unwrap_or(u32::MAX),
            preferences: NotificationPreferences { email: p.email, daily_digest: p.daily_digest, muted: p.muted },
            email_address: caller.email.clone(),
            email_enabled: self.notifier.smtp_server().is_some(),
        })
    }

    async fn unread(&self, caller: &Caller) -> Result<u32, ApiError> {
        let n = store::unread(self.notifier.pool(), &caller.username).await.map_err(AppError::from)?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn mark_read(&self, caller: &Caller, ids: Vec<i64>) -> Result<(), ApiError> {
        store::mark_read(self.notifier.pool(), &caller.username, &ids).await.map_err(AppError::from)?;
        Ok(())
    }

    async fn save_preferences(&self, caller: &Caller, mut p: NotificationPreferences) -> Result<(), ApiError> {
        p.muted.sort();
        p.muted.dedup();
        if let Some(unknown) = p.muted.iter().find(|m| !NOTIFICATION_TOPICS.iter().any(|(t, _)| t == m)) {
            let known = NOTIFICATION_TOPICS.iter().map(|(t, _)| *t).collect::<Vec<_>>().join(", ");
            return Err(AppError::invalid("muted", format!("There is no topic “{unknown}”: use {known}.")).into());
        }
        let preferences = Preferences { email: p.email, daily_digest: p.daily_digest, muted: p.muted };
        store::save_preferences(self.notifier.pool(), &caller.username, &preferences).await.map_err(AppError::from)?;
        Ok(())
    }

    async fn test_email(&self, caller: &Caller) -> Result<String, ApiError> {
        let Some(to) = caller.email.as_deref() else {
            return Err(AppError::invalid("email", "Identity Center holds no email address for you.").into());
        };
        if self.notifier.smtp_server().is_none() {
            return Err(AppError::invalid("email", "This portal sends no email: smtp_url is not set.").into());
        }
        Ok(sent(self.notifier.test_email(to).await, format!("A test email went to {to}."))?)
    }

    async fn deliveries(&self, caller: &Caller, state: Option<String>) -> Result<DeliveriesPage, ApiError> {
        admin(caller)?;
        let state = state.filter(|s| ["queued", "retrying", "sent", "failed", "digested"].contains(&s.as_str()));
        let pool = self.notifier.pool();
        let rows = store::recent_deliveries(pool, state.as_deref(), 100).await.map_err(AppError::from)?;
        Ok(DeliveriesPage {
            smtp_server: self.notifier.smtp_server().map(str::to_owned),
            mail_from: self.mail_from.clone(),
            events_queue: self.events_queue,
            counts: store::delivery_counts(pool).await.map_err(AppError::from)?,
            deliveries: rows.into_iter().map(item).collect(),
        })
    }

    async fn retry_delivery(&self, caller: &Caller, id: &str) -> Result<(), ApiError> {
        admin(caller)?;
        let Ok(uuid) = id.parse::<Uuid>() else { return Err(AppError::NotFound("Delivery".into()).into()) };
        if !self.notifier.retry(uuid).await? {
            return Err(AppError::Conflict(
                "There is no failed delivery with this id: only a failed one can be sent again.".into(),
            )
            .into());
        }
        audit_event(self.notifier.pool(), &caller.username, "notification.retried", ("delivery", id), None, None)
            .await?;
        Ok(())
    }

    async fn unit_channels(&self, caller: &Caller, unit: &str) -> Result<UnitChannelsView, ApiError> {
        admin(caller)?;
        Ok(view(&self.channels(unit).await?))
    }

    async fn save_unit_channels(&self, caller: &Caller, form: UnitChannelsForm) -> Result<UnitChannelsView, ApiError> {
        admin(caller)?;
        let mut channels = self.channels(&form.unit_id).await?;
        let before = json!({ "slack": channels.slack_webhook_url.is_some(), "teams": channels.teams_webhook_url.is_some(),
                             "review_sla_hours": channels.review_sla_hours });
        for (channel, given, slot) in [
            ("slack", &form.slack_webhook_url, &mut channels.slack_webhook_url),
            ("teams", &form.teams_webhook_url, &mut channels.teams_webhook_url),
        ] {
            match given.as_deref().map(str::trim) {
                None => {}
                Some("") => *slot = None,
                Some(url) => {
                    if let Some(problem) = webhook_problem(channel, url) {
                        return Err(AppError::invalid(format!("{channel}_webhook_url"), problem).into());
                    }
                    *slot = Some(url.to_owned());
                }
            }
        }
        channels.review_sla_hours = match form.review_sla_hours {
            None => None,
            Some(h @ 1..=8760) => Some(i32::try_from(h).unwrap_or(8760)),
            Some(_) => {
                return Err(AppError::invalid("review_sla_hours", "Give the review time in hours, 1 to 8760.").into())
            }
        };
        let after = json!({ "slack": channels.slack_webhook_url.is_some(), "teams": channels.teams_webhook_url.is_some(),
                            "review_sla_hours": channels.review_sla_hours });
        let mut tx = self.notifier.pool().begin().await.map_err(AppError::from)?;
        store::save_unit_channels(&mut tx, &channels, &caller.username).await.map_err(AppError::from)?;
        let target = ("domain_unit", form.unit_id.as_str());
        audit_event(&mut *tx, &caller.username, "unit.channels_changed", target, Some(before), Some(after)).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(view(&channels))
    }

    async fn test_unit_channel(&self, caller: &Caller, unit: &str, channel: &str) -> Result<String, ApiError> {
        admin(caller)?;
        let channels = self.channels(unit).await?;
        let url = match channel {
            "slack" => channels.slack_webhook_url,
            "teams" => channels.teams_webhook_url,
            _ => return Err(AppError::invalid("channel", "The channel is slack or teams.").into()),
        };
        let name = if channel == "slack" { "Slack" } else { "Teams" };
        let Some(url) = url else {
            return Err(AppError::invalid("channel", format!("This unit has no {name} webhook yet.")).into());
        };
        Ok(sent(self.notifier.test_chat(channel, &url, unit).await, format!("{name} accepted the test message."))?)
    }
}

#[cfg(test)]
mod tests {
    use super::webhook_problem;

    #[test]
    fn only_the_channels_own_webhook_hosts_or_loopback_are_taken() {
        assert_eq!(webhook_problem("slack", "https://hooks.slack.com/services/T1/B2/x"), None);
        assert_eq!(webhook_problem("teams", "https://acme.webhook.office.com/webhookb2/x"), None);
        assert_eq!(webhook_problem("teams", "https://prod-12.westeurope.logic.azure.com:443/workflows/x"), None);
        assert_eq!(webhook_problem("slack", "http://127.0.0.1:9000/hook"), None);
        assert!(webhook_problem("slack", "http://hooks.slack.com/services/x").is_some());
        assert!(webhook_problem("slack", "https://evil.example.com/hooks.slack.com").is_some());
        assert!(webhook_problem("teams", "https://hooks.slack.com/services/x").is_some());
        assert!(webhook_problem("slack", "not a url").is_some());
        assert!(webhook_problem("slack", &format!("https://hooks.slack.com/{}", "x".repeat(3000))).is_some());
    }
}
