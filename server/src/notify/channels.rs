//! Sending one delivery: email over SMTP (lettre), Slack and Microsoft Teams incoming
//! webhooks, as the `meshgate.deliveries` job. The delivery row stays locked while its
//! message is sent and is marked sent in the same transaction, so a server killed before
//! the channel accepted the message leaves it queued (SMTP accepts a message only at the
//! reply to its final dot; a webhook when it answers), and a sent one is never sent again.

use std::fmt::Write as _;
use std::time::Duration;

use chrono::Utc;
use lettre::message::{header::ContentType, MultiPart, SinglePart};
use lettre::{AsyncTransport, Message};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sqlx::{Postgres, Transaction};
use underway::task::{Error as TaskError, Result as TaskResult, RetryPolicy};
use underway::Task;
use uuid::Uuid;

use super::Notifier;
use crate::error::AppError;
use crate::store::notify::{self as store, DeliveryRow};

/// How long a channel that keeps failing is tried before the delivery is marked failed.
const GIVE_UP_AFTER: chrono::TimeDelta = chrono::TimeDelta::days(3);
/// The longest wait between two attempts.
const LONGEST_WAIT: Duration = Duration::from_mins(15);

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The channel refused it for good (a removed webhook, a refused login, an unknown
    /// address): trying again would not help.
    #[error("{0}")]
    Permanent(String),
    /// The channel was away or busy: it is tried again later.
    #[error("{0}")]
    Transient(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeliveryKick {
    pub delivery_id: Uuid,
}

#[derive(Clone)]
pub struct DeliveryTask {
    notifier: Notifier,
}

impl DeliveryTask {
    pub fn new(notifier: Notifier) -> Self {
        Self { notifier }
    }

    async fn run(&self, tx: &mut Transaction<'_, Postgres>, id: Uuid) -> Result<(), AppError> {
        let Some(row) = store::lock_delivery(tx, id).await? else { return Ok(()) };
        if !matches!(row.state.as_str(), "queued" | "retrying") {
            return Ok(());
        }
        match self.notifier.send(&row).await {
            Ok(()) => store::attempted(tx, id, "sent", None, None).await?,
            Err(SendError::Permanent(error)) => {
                tracing::warn!(%id, channel = %row.channel, %error, "delivery refused");
                store::attempted(tx, id, "failed", Some(&error), None).await?;
            }
            Err(SendError::Transient(error)) if Utc::now() - row.created_at > GIVE_UP_AFTER => {
                store::attempted(tx, id, "failed", Some(&format!("gave up after three days: {error}")), None).await?;
            }
            Err(SendError::Transient(error)) => {
                let wait = backoff(row.attempts);
                tracing::info!(%id, channel = %row.channel, %error, ?wait, "delivery will be tried again");
                let next = Utc::now() + wait;
                store::attempted(tx, id, "retrying", Some(&error), Some(next)).await?;
                self.notifier.kick(tx, id, Some(wait)).await?;
            }
        }
        Ok(())
    }
}

/// 30 s after the first failure, doubling, at most 15 minutes.
fn backoff(attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.clamp(0, 10)).unwrap_or_default();
    (Duration::from_secs(30) * 2u32.pow(exponent)).min(LONGEST_WAIT)
}

impl Task for DeliveryTask {
    type Input = DeliveryKick;
    type Output = ();

    async fn execute(&self, mut tx: Transaction<'_, Postgres>, input: DeliveryKick) -> TaskResult<()> {
        match self.run(&mut tx, input.delivery_id).await {
            Ok(()) => {
                tx.commit().await?;
                Ok(())
            }
            // Only the database fails a run; the task is retried with the queue's backoff.
            Err(error) => Err(TaskError::Retryable(error.to_string())),
        }
    }

    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::builder().max_attempts(50).initial_interval_ms(1000).max_interval_ms(60_000).build()
    }

    /// A killed worker's delivery is taken over this long after its last heartbeat.
    fn heartbeat(&self) -> jiff::Span {
        jiff::Span::new().seconds(5)
    }
}

impl Notifier {
    /// Sends one delivery on its channel.
    ///
    /// # Errors
    /// [`SendError::Permanent`] when the channel refused it for good, else
    /// [`SendError::Transient`].
    pub async fn send(&self, row: &DeliveryRow) -> Result<(), SendError> {
        match row.channel.as_str() {
            "email" => {
                let html = row.body_html.as_deref().unwrap_or_default();
                self.send_email(&row.address, &row.subject, &row.body_text, html, row.id).await
            }
            channel => {
                let unit = store::unit_channel(self.pool(), &row.address)
                    .await
                    .map_err(|e| SendError::Transient(format!("database: {e}")))?;
                let url = if channel == "slack" { unit.slack_webhook_url } else { unit.teams_webhook_url };
                let Some(url) = url else {
                    return Err(SendError::Permanent(format!("the domain unit has no {channel} webhook any more")));
                };
                let body = chat_body(channel, &row.subject, &row.body_text, &row.link);
                self.post_webhook(channel, &url, &body).await
            }
        }
    }

    /// Sends one email, plain text and HTML, with a Message-ID made from `id` (so a mail
    /// client shows a message delivered twice once).
    pub(super) async fn send_email(
        &self,
        to: &str,
        subject: &str,
        text: &str,
        html: &str,
        id: Uuid,
    ) -> Result<(), SendError> {
        let Some(mailer) = &self.inner.mailer else {
            return Err(SendError::Permanent("email is not configured (smtp_url)".into()));
        };
        let to = to.parse().map_err(|_| SendError::Permanent(format!("{to} is not an email address")))?;
        let body = MultiPart::alternative()
            .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(text.to_owned()))
            .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html.to_owned()));
        let domain = self.inner.from.email.domain().to_owned();
        let message = Message::builder()
            .from(self.inner.from.clone())
            .to(to)
            .subject(subject)
            .message_id(Some(format!("<{id}@{domain}>")))
            .multipart(body)
            .map_err(|e| SendError::Permanent(format!("the message could not be built: {e}")))?;
        match mailer.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_permanent() => Err(SendError::Permanent(format!("the SMTP server refused: {e}"))),
            Err(e) => Err(SendError::Transient(format!("SMTP: {e}"))),
        }
    }

    /// POSTs a chat message; 2xx is sent, 429 and 5xx are tried again, other answers fail.
    pub(super) async fn post_webhook(&self, channel: &str, url: &str, body: &Value) -> Result<(), SendError> {
        let name = if channel == "slack" { "Slack" } else { "Teams" };
        let response = self
            .inner
            .http
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|e| SendError::Transient(format!("{name} could not be reached: {e}")))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let said: String = response.text().await.unwrap_or_default().chars().take(300).collect();
        let error = format!("{name} answered {status}: {said}");
        if status.as_u16() == 429 || status.is_server_error() {
            Err(SendError::Transient(error))
        } else {
            Err(SendError::Permanent(error))
        }
    }
}

/// The plain-text and HTML bodies of a notification email.
pub(super) fn email_bodies(title: &str, body: &str, link: &str, base: &str) -> (String, String) {
    let settings = format!("{base}/notifications");
    let text = format!(
        "{body}\n\nOpen in Meshgate: {link}\n\n--\nYou get this from Meshgate. Choose what you receive: {settings}\n"
    );
    let paragraphs = body.lines().fold(String::new(), |mut html, line| {
        let _ = write!(html, "<p style=\"margin:0 0 8px\">{}</p>", escape(line));
        html
    });
    let html = format!(
        "<!doctype html><html><body style=\"font-family:system-ui,sans-serif;color:#0f172a\">\
         <h2 style=\"font-size:18px\">{}</h2>{paragraphs}\
         <p><a href=\"{}\" style=\"display:inline-block;background:#10b981;color:#0f172a;padding:8px 14px;border-radius:6px;text-decoration:none\">Open in Meshgate</a></p>\
         <p style=\"color:#64748b;font-size:12px\">You get this from Meshgate. <a href=\"{}\">Choose what you receive</a>.</p>\
         </body></html>",
        escape(title),
        escape(link),
        escape(&settings),
    );
    (text, html)
}

/// The message a chat webhook expects: Slack's `text` with Block Kit blocks (mrkdwn), or
/// a Teams workflow webhook's message with one Adaptive Card.
pub(super) fn chat_body(channel: &str, title: &str, body: &str, link: &str) -> Value {
    if channel == "slack" {
        let mrkdwn = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        json!({
            "text": format!("{title}: {link}"),
            "blocks": [
                { "type": "section", "text": { "type": "mrkdwn", "text": format!("*{}*\n{}", mrkdwn(title), mrkdwn(body)) } },
                { "type": "actions", "elements": [
                    { "type": "button", "text": { "type": "plain_text", "text": "Open in Meshgate" }, "url": link }
                ] }
            ]
        })
    } else {
        json!({
            "type": "message",
            "attachments": [{
                "contentType": "application/vnd.microsoft.card.adaptive",
                "contentUrl": null,
                "content": {
                    "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                    "type": "AdaptiveCard",
                    "version": "1.4",
                    "body": [
                        { "type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium", "wrap": true },
                        { "type": "TextBlock", "text": body, "wrap": true }
                    ],
                    "actions": [ { "type": "Action.OpenUrl", "title": "Open in Meshgate", "url": link } ]
                }
            }]
        })
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_and_stop_at_fifteen_minutes() {
        assert_eq!(backoff(0), Duration::from_secs(30));
        assert_eq!(backoff(3), Duration::from_mins(4));
        assert_eq!(backoff(40), LONGEST_WAIT);
    }

    #[test]
    fn slack_text_is_escaped_and_teams_gets_an_adaptive_card() {
        let slack = chat_body("slack", "a <b>", "x & y", "https://m/x");
        assert_eq!(slack["blocks"][0]["text"]["text"], "*a &lt;b&gt;*\nx &amp; y");
        assert_eq!(slack["blocks"][1]["elements"][0]["url"], "https://m/x");
        let teams = chat_body("teams", "t", "b", "https://m/x");
        assert_eq!(teams["attachments"][0]["content"]["type"], "AdaptiveCard");
        assert_eq!(teams["attachments"][0]["content"]["actions"][0]["url"], "https://m/x");
    }

    #[test]
    fn email_html_escapes_what_people_typed() {
        let (text, html) = email_bodies("<script>", "reason: <b>", "https://m/s/1", "https://m");
        assert!(text.contains("Open in Meshgate: https://m/s/1"));
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
    }
}
