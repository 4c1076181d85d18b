//! DataZone's events in: an EventBridge rule on the default bus (source `aws.datazone`)
//! sends them to an SQS queue, read here with long polling, so a request made or decided
//! in SageMaker Unified Studio reaches the inbox within seconds. The periodic sync stays as
//! the consistency check.
//!
//! A subscription-request event names the request (`detail.metadata.id`): it is read from
//! DataZone (GetSubscriptionRequestDetails) and taken in or recorded as the sync would. Other
//! subscription events (grants, revocations, cancellations) start a full sync, at most every
//! few seconds. A message is deleted once handled; one that fails stays, comes back after the
//! queue's visibility timeout and, past the redrive policy's maxReceiveCount, goes to the
//! dead-letter queue. Events of other kinds are deleted unread.

use std::time::{Duration, Instant};

use aws_sdk_sqs::types::MessageSystemAttributeName;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use super::Access;
use crate::aws::upstream;
use crate::error::AppError;

/// A sync started by events runs at most this often.
const SYNC_EVERY: Duration = Duration::from_secs(3);

/// What one event asks of the portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventWork {
    /// Read this subscription request again.
    Request(String),
    /// Something about subscriptions changed: sync.
    Sync,
    /// Nothing the portal tracks.
    Ignore,
}

/// Reads an EventBridge event (the SQS message body).
///
/// # Errors
/// A body that is not an EventBridge event from DataZone.
pub fn work_of(body: &str) -> Result<EventWork, String> {
    let event: Value = serde_json::from_str(body).map_err(|e| format!("not JSON: {e}"))?;
    let source = event.get("source").and_then(Value::as_str).unwrap_or_default();
    let Some(kind) = event.get("detail-type").and_then(Value::as_str) else {
        return Err("no detail-type: not an EventBridge event".into());
    };
    if source != "aws.datazone" {
        return Ok(EventWork::Ignore);
    }
    let id = event.pointer("/detail/metadata/id").and_then(Value::as_str).filter(|id| !id.is_empty());
    Ok(match (kind, id) {
        (k, Some(id)) if k.starts_with("Subscription Request") => EventWork::Request(id.to_owned()),
        (k, _) if k.starts_with("Subscription") => EventWork::Sync,
        _ => EventWork::Ignore,
    })
}

impl Access {
    /// Handles one event's work.
    ///
    /// # Errors
    /// DataZone's or the database's.
    pub async fn handle_event(&self, work: &EventWork, last_sync: &mut Option<Instant>) -> Result<(), AppError> {
        match work {
            EventWork::Request(id) => {
                let request = match self.aws().subscription_request(id).await {
                    Ok(r) => r,
                    // Deleted since, or not in this domain.
                    Err(AppError::NotFound(_)) => return Ok(()),
                    Err(other) => return Err(other),
                };
                self.sync_one(&request).await
            }
            EventWork::Sync if last_sync.is_none_or(|at| at.elapsed() >= SYNC_EVERY) => {
                *last_sync = Some(Instant::now());
                self.sync(false).await.map(|_| ())
            }
            EventWork::Sync | EventWork::Ignore => Ok(()),
        }
    }

    /// Reads `queue_url` until `stop`: 20-second long polls of up to ten messages.
    pub async fn consume_events(self, queue_url: String, stop: CancellationToken) {
        let sqs = self.aws().sqs.clone();
        let mut last_sync = None;
        let mut failures = 0u32;
        while !stop.is_cancelled() {
            let receive = sqs
                .receive_message()
                .queue_url(&queue_url)
                .max_number_of_messages(10)
                .wait_time_seconds(20)
                .message_system_attribute_names(MessageSystemAttributeName::ApproximateReceiveCount)
                .send();
            let received = tokio::select! {
                () = stop.cancelled() => break,
                r = receive => r,
            };
            let messages = match received {
                Ok(out) => {
                    failures = 0;
                    out.messages.unwrap_or_default()
                }
                Err(error) => {
                    failures += 1;
                    let error = upstream("ReceiveMessage", error);
                    tracing::warn!(%error, failures, "DataZone events queue not readable");
                    let pause = Duration::from_secs(1) * 2u32.saturating_pow(failures.min(6));
                    tokio::select! {
                        () = stop.cancelled() => break,
                        () = tokio::time::sleep(pause) => {}
                    }
                    continue;
                }
            };
            for message in messages {
                let body = message.body().unwrap_or_default();
                let receives = message
                    .attributes()
                    .and_then(|a| a.get(&MessageSystemAttributeName::ApproximateReceiveCount))
                    .cloned()
                    .unwrap_or_default();
                let handled = match work_of(body) {
                    Ok(work) => self.handle_event(&work, &mut last_sync).await.map_err(|e| e.to_string()),
                    Err(malformed) => {
                        tracing::warn!(%malformed, "DataZone events queue: a message that is no event, deleted");
                        Ok(())
                    }
                };
                match handled {
                    Ok(()) => {
                        if let Some(handle) = message.receipt_handle() {
                            if let Err(error) =
                                sqs.delete_message().queue_url(&queue_url).receipt_handle(handle).send().await
                            {
                                tracing::warn!(error = %upstream("DeleteMessage", error), "event handled but not deleted");
                            }
                        }
                    }
                    // Left on the queue: back after its visibility timeout, to the
                    // dead-letter queue past maxReceiveCount.
                    Err(error) => tracing::warn!(%error, %receives, "DataZone event not handled yet"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_events_name_the_request_and_others_sync_or_are_ignored() {
        let event = |kind: &str, source: &str| {
            serde_json::json!({"version": "0", "detail-type": kind, "source": source,
                "detail": {"metadata": {"id": "r1"}}})
            .to_string()
        };
        assert_eq!(
            work_of(&event("Subscription Request Created", "aws.datazone")),
            Ok(EventWork::Request("r1".into()))
        );
        assert_eq!(
            work_of(&event("Subscription Request Accepted", "aws.datazone")),
            Ok(EventWork::Request("r1".into()))
        );
        assert_eq!(work_of(&event("Subscription Grant Completed", "aws.datazone")), Ok(EventWork::Sync));
        assert_eq!(work_of(&event("Project Created", "aws.datazone")), Ok(EventWork::Ignore));
        assert_eq!(work_of(&event("Subscription Request Created", "aws.s3")), Ok(EventWork::Ignore));
        assert!(work_of("not json").is_err());
        assert!(work_of("{}").is_err());
    }
}
