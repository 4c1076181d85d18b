//! Notifications: a durable outbox from the audit trail to people's inboxes, email and chat.
//!
//! 1. A trigger on `audit_events` queues each event people are told about, in the
//!    transaction of the change it reports (`notification_events`).
//! 2. The fan-out ([`Notifier::fan_out_next`]) turns one event into what it says ([`Notice`])
//!    and to whom: an entry in each person's in-portal list, and one delivery per channel
//!    (email per person, as their preferences allow; Slack and Teams per domain unit), each
//!    unique per event, channel and address and queued in the same transaction.
//! 3. A delivery job ([`channels`]) sends one message while holding its row: a kill before
//!    the channel accepted it leaves it queued, and once sent it is never sent again.
//!    Failures are retried with backoff for three days, or fail at once when the channel
//!    refuses for good (a removed webhook, an SMTP login refused).
//! 4. Notices due by time ([`notices`]): access ending in seven days, review reminders and
//!    escalations past a unit's SLA, and the daily digests.

mod channels;
mod message;
mod notices;

use std::sync::Arc;
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, Tokio1Executor};
use secrecy::ExposeSecret;
use sqlx::{PgConnection, PgPool};
use tokio::sync::OnceCell;
use underway::Queue;
use uuid::Uuid;

pub use channels::{DeliveryKick, DeliveryTask, SendError};
pub use message::Notice;

use crate::access::Access;
use crate::aws::Contact;
use crate::config::Config;
use crate::error::AppError;
use crate::store::notify::{self as store, NewDelivery, NewNotification, PendingEvent};

/// Fan-out attempts of one event before it is given up (with its error kept).
const FAN_OUT_ATTEMPTS: i32 = 20;

/// The notification engine, shared by the jobs and the web side.
#[derive(Clone)]
pub struct Notifier {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    access: Access,
    base_url: String,
    mailer: Option<AsyncSmtpTransport<Tokio1Executor>>,
    /// Where the SMTP server is, for admins (never the password).
    smtp_server: Option<String>,
    from: Mailbox,
    http: reqwest::Client,
    steward_groups: Vec<(String, Vec<String>)>,
    admin_groups: Vec<String>,
    digest_hour: u32,
    queue: OnceCell<Arc<Queue<DeliveryTask>>>,
    /// Identity Center contacts by userName, for `identity_cache_seconds`.
    contacts: moka::future::Cache<String, Option<Contact>>,
}

impl Notifier {
    /// # Errors
    /// `smtp_url` that lettre cannot read.
    pub fn new(config: &Config, pool: &PgPool, access: &Access, base_url: &str) -> Result<Self, AppError> {
        let url = config.smtp_url.expose_secret();
        let (mailer, smtp_server) = if url.is_empty() {
            (None, None)
        } else {
            let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| AppError::invalid("smtp_url", format!("smtp_url cannot be used: {e}")))?
                .timeout(Some(Duration::from_secs(20)))
                .build();
            let server = url::Url::parse(url).ok().map(|u| {
                format!("{}://{}:{}", u.scheme(), u.host_str().unwrap_or_default(), u.port().unwrap_or_default())
            });
            (Some(transport), server)
        };
        let from = config
            .mail_from
            .parse()
            .map_err(|_| AppError::invalid("mail_from", "mail_from is not an email address".to_owned()))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| AppError::invalid("http", format!("no HTTP client for webhooks: {e}")))?;
        Ok(Self {
            inner: Arc::new(Inner {
                pool: pool.clone(),
                access: access.clone(),
                base_url: base_url.trim_end_matches('/').to_owned(),
                mailer,
                smtp_server,
                from,
                http,
                steward_groups: config.steward_group_units().unwrap_or_default(),
                admin_groups: config.admin_group_names(),
                digest_hour: config.digest_hour_utc,
                queue: OnceCell::new(),
                contacts: moka::future::Cache::builder()
                    .max_capacity(10_000)
                    .time_to_live(Duration::from_secs(config.identity_cache_seconds.max(1)))
                    .build(),
            }),
        })
    }

    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    /// Whether email is configured, and the SMTP server (scheme, host and port) when it is.
    pub fn smtp_server(&self) -> Option<&str> {
        self.inner.smtp_server.as_deref()
    }

    /// The delivery queue, registered in the database on first use.
    pub(crate) async fn queue(&self) -> Result<Arc<Queue<DeliveryTask>>, underway::queue::Error> {
        let queue = self
            .inner
            .queue
            .get_or_try_init(|| async {
                let queue = Queue::builder().name("meshgate.deliveries").pool(self.inner.pool.clone()).build().await?;
                Ok::<_, underway::queue::Error>(Arc::new(queue))
            })
            .await?;
        Ok(queue.clone())
    }

    /// Queues the sending of a delivery, in the caller's transaction, after `after`.
    async fn kick(&self, conn: &mut PgConnection, id: Uuid, after: Option<Duration>) -> Result<(), AppError> {
        let queue = self.queue().await?;
        let task = DeliveryTask::new(self.clone());
        let kick = DeliveryKick { delivery_id: id };
        match after {
            None => queue.enqueue(conn, &task, &kick).await?,
            Some(after) => {
                let span = jiff::Span::new().seconds(i64::try_from(after.as_secs()).unwrap_or(i64::MAX));
                queue.enqueue_after(conn, &task, &kick, span).await?
            }
        };
        Ok(())
    }

    /// A person's contact, from Identity Center (cached `identity_cache_seconds`).
    async fn contact(&self, username: &str) -> Result<Option<Contact>, AppError> {
        if let Some(found) = self.inner.contacts.get(username).await {
            return Ok(found);
        }
        let found = self.inner.access.aws().contact(username).await?;
        self.inner.contacts.insert(username.to_owned(), found.clone()).await;
        Ok(found)
    }

    /// Fans out the oldest due event; `false` when none is due. An event whose recipients
    /// cannot be read now (DataZone or Identity Center away) is tried again with backoff.
    ///
    /// # Errors
    /// A database error.
    pub async fn fan_out_next(&self) -> Result<bool, AppError> {
        let mut tx = self.inner.pool.begin().await?;
        let Some(event) = store::next_event(&mut tx).await? else { return Ok(false) };
        let outcome = match self.notice_of(&event).await {
            Ok(Some(notice)) => self.queue_notice(&mut tx, &event, &notice).await,
            Ok(None) => Ok(()),
            Err(error) => Err(error),
        };
        match outcome {
            Ok(()) => {
                store::event_done(&mut tx, event.audit_id, None).await?;
                tx.commit().await?;
            }
            Err(error) if event.attempts + 1 >= FAN_OUT_ATTEMPTS => {
                drop(tx);
                let mut tx = self.inner.pool.begin().await?;
                tracing::warn!(audit_id = event.audit_id, %error, "notification given up");
                store::event_done(&mut tx, event.audit_id, Some(&error.to_string())).await?;
                tx.commit().await?;
            }
            Err(error) => {
                drop(tx);
                let retry = 5.0 * 2f64.powi(event.attempts.min(8));
                tracing::info!(audit_id = event.audit_id, %error, retry, "notification not fanned out yet");
                store::event_failed(&self.inner.pool, event.audit_id, &error.to_string(), retry).await?;
            }
        }
        Ok(true)
    }

    /// Writes a notice's in-portal entries and deliveries, and queues the deliveries, in
    /// the caller's transaction.
    async fn queue_notice(
        &self,
        conn: &mut PgConnection,
        event: &PendingEvent,
        notice: &Notice,
    ) -> Result<(), AppError> {
        let link = format!("{}{}", self.inner.base_url, notice.link);
        for person in &notice.people {
            let entry = NewNotification {
                audit_id: event.audit_id,
                recipient: person,
                topic: notice.topic,
                title: &notice.title,
                body: &notice.body,
                link: &notice.link,
            };
            store::add_notification(&mut *conn, &entry).await?;
            if self.inner.mailer.is_none() {
                continue;
            }
            let wants = store::preferences(&mut *conn, person).await?;
            if !wants.email || wants.muted.iter().any(|m| m == notice.topic) {
                continue;
            }
            let Some(address) = self.contact(person).await?.and_then(|c| c.email) else { continue };
            let (text, html) = channels::email_bodies(&notice.title, &notice.body, &link, &self.inner.base_url);
            let delivery = NewDelivery {
                key: &format!("{}:email:{person}", event.audit_id),
                channel: "email",
                address: &address,
                recipient: person,
                subject: &notice.title,
                body_text: &text,
                body_html: Some(&html),
                link: &link,
                state: if wants.daily_digest { "held" } else { "queued" },
            };
            if let Some(id) = store::add_delivery(&mut *conn, &delivery).await? {
                if !wants.daily_digest {
                    self.kick(&mut *conn, id, None).await?;
                }
            }
        }
        self.queue_chat(conn, event, notice, &link).await
    }

    /// One message per chat channel of the nearest unit (of the notice's, leaf first) that
    /// has any.
    async fn queue_chat(
        &self,
        conn: &mut PgConnection,
        event: &PendingEvent,
        notice: &Notice,
        link: &str,
    ) -> Result<(), AppError> {
        if notice.chat_units.is_empty() {
            return Ok(());
        }
        let configured = store::unit_channels(&mut *conn).await?;
        let nearest = notice.chat_units.iter().rev().find_map(|unit| {
            configured
                .iter()
                .find(|c| &c.domain_unit_id == unit && (c.slack_webhook_url.is_some() || c.teams_webhook_url.is_some()))
        });
        let Some(unit) = nearest else { return Ok(()) };
        let channels = [("slack", unit.slack_webhook_url.is_some()), ("teams", unit.teams_webhook_url.is_some())];
        for (channel, _) in channels.into_iter().filter(|(_, on)| *on) {
            let delivery = NewDelivery {
                key: &format!("{}:{channel}:{}", event.audit_id, unit.domain_unit_id),
                channel,
                address: &unit.domain_unit_id,
                recipient: &format!("unit:{}", unit.domain_unit_id),
                subject: &notice.title,
                body_text: &notice.body,
                body_html: None,
                link,
                state: "queued",
            };
            if let Some(id) = store::add_delivery(&mut *conn, &delivery).await? {
                self.kick(&mut *conn, id, None).await?;
            }
        }
        Ok(())
    }

    /// Fans out events until none is due, then looks again every half second, until `stop`.
    pub async fn run_fan_out(self, stop: tokio_util::sync::CancellationToken) {
        let mut failures = 0u32;
        while !stop.is_cancelled() {
            let pause = match self.fan_out_next().await {
                Ok(true) => {
                    failures = 0;
                    continue;
                }
                Ok(false) => Duration::from_millis(500),
                Err(error) => {
                    failures += 1;
                    tracing::warn!(%error, "notification fan-out could not run");
                    Duration::from_millis(500) * 2u32.saturating_pow(failures.min(6))
                }
            };
            tokio::select! {
                () = stop.cancelled() => break,
                () = tokio::time::sleep(pause) => {}
            }
        }
    }

    /// Queues an admin's retry of a failed delivery; `false` when it was not failed.
    ///
    /// # Errors
    /// A database error.
    pub async fn retry(&self, id: Uuid) -> Result<bool, AppError> {
        let mut tx = self.inner.pool.begin().await?;
        let requeued = store::requeue(&mut tx, id).await?;
        if requeued {
            self.kick(&mut tx, id, None).await?;
        }
        tx.commit().await?;
        Ok(requeued)
    }
}
