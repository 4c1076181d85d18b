//! Notices due by time, each sent once (`notice_marks`): access ending within seven days,
//! a reminder to the stewards when a request has waited past its unit's review SLA and an
//! escalation to the unit's owners past twice that, and the daily email digests. Each is an
//! audit event, recorded with its mark, and reaches people through the outbox.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{channels, Notifier};
use crate::access::record;
use crate::error::AppError;
use crate::store::notify::{self as store, NewDelivery};

/// How long before access ends its holder is warned.
pub const EXPIRY_WARNING: TimeDelta = TimeDelta::days(7);
const ACTOR: &str = "meshgate (notices)";

impl Notifier {
    /// Records the notices due at `now`; answers how many.
    ///
    /// # Errors
    /// A database error.
    pub async fn notices_due(&self, now: DateTime<Utc>) -> Result<usize, AppError> {
        let pool = self.pool();
        let mut recorded = 0;
        for (id, ends) in store::ending_between(pool, now, now + EXPIRY_WARNING).await? {
            let mark = format!("expiring:{}", ends.format("%Y-%m-%d"));
            recorded +=
                usize::from(self.once(&id, &mark, "subscription.expiring", json!({ "expires_at": ends })).await?);
        }
        for (id, waited, sla, unit) in store::waiting_past_sla(pool, now).await? {
            let after = json!({ "waited_hours": waited.floor(), "sla_hours": sla, "unit": unit });
            recorded += usize::from(self.once(&id, "reminder", "subscription.reminder", after.clone()).await?);
            if waited >= f64::from(sla) * 2.0 {
                recorded += usize::from(self.once(&id, "escalation", "subscription.escalated", after).await?);
            }
        }
        if now.hour() >= self.inner.digest_hour {
            recorded += self.digests(now).await?;
        }
        Ok(recorded)
    }

    /// Records `action` about request `id` unless `mark` says it was already.
    async fn once(&self, id: &str, mark: &str, action: &str, after: serde_json::Value) -> Result<bool, AppError> {
        let mut tx = self.pool().begin().await?;
        let first = store::mark_notice(&mut tx, id, mark).await?;
        if first {
            record(&mut tx, ACTOR, action, id, after).await?;
        }
        tx.commit().await?;
        Ok(first)
    }

    /// Once a day from `digest_hour_utc`: one email per person gathering what was held for
    /// their digest.
    async fn digests(&self, now: DateTime<Utc>) -> Result<usize, AppError> {
        let day = now.format("%Y-%m-%d").to_string();
        let mut tx = self.pool().begin().await?;
        if !store::mark_notice(&mut tx, "digest", &day).await? {
            return Ok(0);
        }
        let mut by_person: BTreeMap<(String, String), Vec<store::DeliveryRow>> = BTreeMap::new();
        for row in store::held(&mut tx).await? {
            by_person.entry((row.recipient.clone(), row.address.clone())).or_default().push(row);
        }
        let sent = by_person.len();
        for ((person, address), items) in by_person {
            let subject =
                format!("Meshgate: {} notification{} today", items.len(), if items.len() == 1 { "" } else { "s" });
            let body = items.iter().fold(String::new(), |mut body, i| {
                let _ = writeln!(body, "• {}\n  {}", i.subject, i.link);
                body
            });
            let base = &self.inner.base_url;
            let (text, html) = channels::email_bodies(&subject, &body, &format!("{base}/notifications"), base);
            let delivery = NewDelivery {
                key: &format!("digest:{person}:{day}"),
                channel: "email",
                address: &address,
                recipient: &person,
                subject: &subject,
                body_text: &text,
                body_html: Some(&html),
                link: &format!("{base}/notifications"),
                state: "queued",
            };
            if let Some(id) = store::add_delivery(&mut tx, &delivery).await? {
                self.kick(&mut tx, id, None).await?;
            }
            let ids: Vec<Uuid> = items.iter().map(|i| i.id).collect();
            store::digested(&mut tx, &ids).await?;
        }
        tx.commit().await?;
        Ok(sent)
    }

    /// Sends a test message to a unit's chat channel now, for the settings page.
    ///
    /// # Errors
    /// What the channel answered, as [`super::SendError`].
    pub async fn test_chat(&self, channel: &str, url: &str, unit_name: &str) -> Result<(), super::SendError> {
        let link = format!("{}/admin", self.inner.base_url);
        let body = channels::chat_body(
            channel,
            "Meshgate test message",
            &format!("Notifications for {unit_name} arrive in this channel."),
            &link,
        );
        self.post_webhook(channel, url, &body).await
    }

    /// Sends a test email now, for the settings page.
    ///
    /// # Errors
    /// What the SMTP server answered, as [`super::SendError`].
    pub async fn test_email(&self, to: &str) -> Result<(), super::SendError> {
        let base = &self.inner.base_url;
        let (text, html) = channels::email_bodies(
            "Meshgate test email",
            "Email notifications from Meshgate reach you.",
            &format!("{base}/notifications"),
            base,
        );
        self.send_email(to, "Meshgate test email", &text, &html, Uuid::new_v4()).await
    }
}
