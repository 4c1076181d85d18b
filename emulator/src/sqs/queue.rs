//! Standard queues and their messages: attributes, visibility, retention, redrive.

use std::collections::{BTreeMap, VecDeque};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};
use md5::{Digest as _, Md5};
use serde_json::{json, Value};

use super::errors;
use crate::wire::ApiError;

/// Attribute ranges and defaults, from the `Attributes` member of CreateQueue (API reference).
pub const DELAY_SECONDS: (i64, i64, i64) = (0, 900, 0);
pub const MAXIMUM_MESSAGE_SIZE: (i64, i64, i64) = (1024, 1_048_576, 1_048_576);
pub const MESSAGE_RETENTION_PERIOD: (i64, i64, i64) = (60, 1_209_600, 345_600);
pub const RECEIVE_MESSAGE_WAIT_TIME_SECONDS: (i64, i64, i64) = (0, 20, 0);
pub const VISIBILITY_TIMEOUT: (i64, i64, i64) = (0, 43_200, 30);
/// `maxReceiveCount`: "Default: 10" (CreateQueue, RedrivePolicy); the console and the
/// developer guide ("Using dead-letter queues") allow 1 to 1,000.
pub const MAX_RECEIVE_COUNT: (i64, i64, i64) = (1, 1000, 10);

/// Attributes CreateQueue accepts and the stand-in only stores and echoes back.
const STORED_VERBATIM: &[&str] =
    &["Policy", "RedriveAllowPolicy", "KmsMasterKeyId", "KmsDataKeyReusePeriodSeconds", "SqsManagedSseEnabled"];

/// Attributes that only FIFO queues have, refused on a standard queue.
const FIFO_ONLY: &[&str] = &["ContentBasedDeduplication", "DeduplicationScope", "FifoThroughputLimit"];

/// The `RedrivePolicy` attribute: `{"deadLetterTargetArn": ARN, "maxReceiveCount": N}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedrivePolicy {
    pub dead_letter_target_arn: String,
    pub max_receive_count: u32,
}

impl RedrivePolicy {
    /// Parses the JSON string; `maxReceiveCount` may be a number or a numeric string, as the
    /// CLI and the consoles write it either way.
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        let invalid = |reason: &str| errors::invalid_attribute_value("RedrivePolicy", reason);
        let value: Value =
            serde_json::from_str(text).map_err(|_| invalid("Redrive policy is not a valid JSON map."))?;
        let arn = value["deadLetterTargetArn"]
            .as_str()
            .ok_or_else(|| invalid("Redrive policy does not contain mandatory attribute: deadLetterTargetArn."))?;
        let count = match &value["maxReceiveCount"] {
            Value::Null => Some(MAX_RECEIVE_COUNT.2),
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
        .filter(|n| (MAX_RECEIVE_COUNT.0..=MAX_RECEIVE_COUNT.1).contains(n))
        .ok_or_else(|| invalid("Value for maxReceiveCount must be an integer between 1 and 1000."))?;
        Ok(Self { dead_letter_target_arn: arn.to_owned(), max_receive_count: u32::try_from(count).unwrap_or(10) })
    }

    pub fn to_json(&self) -> String {
        json!({"deadLetterTargetArn": self.dead_letter_target_arn, "maxReceiveCount": self.max_receive_count})
            .to_string()
    }
}

/// A queue's settings; every integer is in seconds except the size, in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueueAttributes {
    pub delay_seconds: i64,
    pub maximum_message_size: i64,
    pub message_retention_period: i64,
    pub receive_message_wait_time_seconds: i64,
    pub visibility_timeout: i64,
    pub redrive_policy: Option<RedrivePolicy>,
    /// Attributes stored verbatim (`Policy`, KMS settings, ...).
    pub other: BTreeMap<String, String>,
}

impl Default for QueueAttributes {
    fn default() -> Self {
        Self {
            delay_seconds: DELAY_SECONDS.2,
            maximum_message_size: MAXIMUM_MESSAGE_SIZE.2,
            message_retention_period: MESSAGE_RETENTION_PERIOD.2,
            receive_message_wait_time_seconds: RECEIVE_MESSAGE_WAIT_TIME_SECONDS.2,
            visibility_timeout: VISIBILITY_TIMEOUT.2,
            redrive_policy: None,
            other: BTreeMap::new(),
        }
    }
}

fn integer(name: &str, value: &str, (min, max, _): (i64, i64, i64)) -> Result<i64, ApiError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| errors::invalid_attribute_value(name, &format!("Must be an integer from {min} to {max}.")))
}

impl QueueAttributes {
    /// Sets one attribute from its CreateQueue string form. Unknown names are
    /// InvalidAttributeName, values out of range InvalidAttributeValue; `FifoQueue=true` and
    /// the FIFO-only attributes are UnsupportedOperation.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), ApiError> {
        match name {
            "DelaySeconds" => self.delay_seconds = integer(name, value, DELAY_SECONDS)?,
            "MaximumMessageSize" => self.maximum_message_size = integer(name, value, MAXIMUM_MESSAGE_SIZE)?,
            "MessageRetentionPeriod" => {
                self.message_retention_period = integer(name, value, MESSAGE_RETENTION_PERIOD)?;
            }
            "ReceiveMessageWaitTimeSeconds" => {
                self.receive_message_wait_time_seconds = integer(name, value, RECEIVE_MESSAGE_WAIT_TIME_SECONDS)?;
            }
            "VisibilityTimeout" => self.visibility_timeout = integer(name, value, VISIBILITY_TIMEOUT)?,
            "RedrivePolicy" => self.redrive_policy = Some(RedrivePolicy::parse(value)?),
            "FifoQueue" if value.eq_ignore_ascii_case("false") => {}
            "FifoQueue" => return Err(errors::unsupported("FIFO queues")),
            _ if FIFO_ONLY.contains(&name) => return Err(errors::unsupported("FIFO queues")),
            _ if STORED_VERBATIM.contains(&name) => {
                self.other.insert(name.to_owned(), value.to_owned());
            }
            _ => return Err(errors::invalid_attribute_name(name)),
        }
        Ok(())
    }

    /// Whether every attribute named in `requested` (already applied to a default set) has
    /// the same value here: CreateQueue on an existing name only compares what it was given.
    pub fn agrees_with(&self, requested: &Self, names: &[&str]) -> bool {
        names.iter().all(|name| self.value(name) == requested.value(name))
    }

    /// One attribute as GetQueueAttributes reports it, for the attributes a queue is created with.
    pub fn value(&self, name: &str) -> Option<String> {
        match name {
            "DelaySeconds" => Some(self.delay_seconds.to_string()),
            "MaximumMessageSize" => Some(self.maximum_message_size.to_string()),
            "MessageRetentionPeriod" => Some(self.message_retention_period.to_string()),
            "ReceiveMessageWaitTimeSeconds" => Some(self.receive_message_wait_time_seconds.to_string()),
            "VisibilityTimeout" => Some(self.visibility_timeout.to_string()),
            "RedrivePolicy" => self.redrive_policy.as_ref().map(RedrivePolicy::to_json),
            "FifoQueue" => None,
            other => self.other.get(other).cloned(),
        }
    }
}

/// One message of a standard queue.
#[derive(Clone, Debug)]
pub struct Message {
    pub id: String,
    pub body: String,
    /// Hex MD5 digest of the body, as `MD5OfMessageBody` / `MD5OfBody` report it.
    pub md5: String,
    pub sender: String,
    /// The original enqueue time; a move to a dead-letter queue keeps it.
    pub sent: DateTime<Utc>,
    /// Hidden until then: delayed when never received, in flight otherwise.
    pub visible_at: DateTime<Utc>,
    pub receive_count: u32,
    pub first_received: Option<DateTime<Utc>>,
    pub last_received: Option<DateTime<Utc>>,
    /// The handle of the latest receive, the only one that can delete the message.
    pub receipt: Option<String>,
    /// The queue it was moved from, for a message in a dead-letter queue.
    pub dead_letter_source: Option<String>,
}

/// The hex MD5 of a message body.
pub fn md5_hex(body: &str) -> String {
    format!("{:x}", Md5::digest(body.as_bytes()))
}

impl Message {
    pub fn new(body: String, sender: &str, now: DateTime<Utc>, delay: i64) -> Self {
        Self {
            id: uuid::Uuid::new_v4().to_string(),
            md5: md5_hex(&body),
            body,
            sender: sender.to_owned(),
            sent: now,
            visible_at: now + TimeDelta::seconds(delay),
            receive_count: 0,
            first_received: None,
            last_received: None,
            receipt: None,
            dead_letter_source: None,
        }
    }

    pub fn is_visible(&self, now: DateTime<Utc>) -> bool {
        self.visible_at <= now
    }

    pub fn is_in_flight(&self, now: DateTime<Utc>) -> bool {
        self.receive_count > 0 && !self.is_visible(now)
    }

    /// The system attribute of that name, as ReceiveMessage returns it (timestamps in epoch
    /// milliseconds); FIFO-only ones have no value in a standard queue.
    pub fn attribute(&self, name: &str) -> Option<String> {
        match name {
            "SenderId" => Some(self.sender.clone()),
            "SentTimestamp" => Some(self.sent.timestamp_millis().to_string()),
            "ApproximateReceiveCount" => Some(self.receive_count.to_string()),
            "ApproximateFirstReceiveTimestamp" => self.first_received.map(|t| t.timestamp_millis().to_string()),
            "DeadLetterQueueSourceArn" => self.dead_letter_source.clone(),
            _ => None,
        }
    }
}

/// The system attribute names a standard queue's messages can carry.
pub const MESSAGE_ATTRIBUTES: &[&str] = &[
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "DeadLetterQueueSourceArn",
];

/// A new receipt handle for one receive of a message: opaque to callers, different on
/// every receive ("If you receive the same message more than once, you will get a different
/// ReceiptHandle each time", DeleteMessage).
pub fn new_receipt(queue: &str, message_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(format!("mg-rh1\n{queue}\n{message_id}\n{:016x}", fastrand::u64(..)))
}

/// The queue name and message id a receipt handle was made for, or `None` for anything the
/// stand-in did not hand out.
pub fn parse_receipt(handle: &str) -> Option<(String, String)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(handle).ok()?).ok()?;
    let mut parts = text.split('\n');
    (parts.next()? == "mg-rh1").then_some(())?;
    let queue = parts.next()?.to_owned();
    let message = parts.next()?.to_owned();
    parts.next()?;
    Some((queue, message))
}

/// A standard queue.
#[derive(Clone, Debug)]
pub struct Queue {
    pub name: String,
    pub attributes: QueueAttributes,
    pub created: DateTime<Utc>,
    pub messages: VecDeque<Message>,
    pub last_purge: Option<DateTime<Utc>>,
}

impl Queue {
    pub fn new(name: &str, attributes: QueueAttributes, now: DateTime<Utc>) -> Self {
        Self { name: name.to_owned(), attributes, created: now, messages: VecDeque::new(), last_purge: None }
    }

    /// Drops the messages older than the retention period: "Amazon SQS automatically
    /// deletes messages left in a queue longer than the retention period configured for the
    /// queue" (DeleteMessage).
    pub fn expire(&mut self, now: DateTime<Utc>) {
        let retention = TimeDelta::seconds(self.attributes.message_retention_period);
        self.messages.retain(|m| m.sent + retention > now);
    }

    /// (visible, in flight, delayed) message counts at `now`.
    pub fn counts(&self, now: DateTime<Utc>) -> (usize, usize, usize) {
        let visible = self.messages.iter().filter(|m| m.is_visible(now)).count();
        let in_flight = self.messages.iter().filter(|m| m.is_in_flight(now)).count();
        (visible, in_flight, self.messages.len() - visible - in_flight)
    }

    /// When the next hidden message becomes visible, if any is hidden.
    pub fn next_visible(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.messages.iter().map(|m| m.visible_at).filter(|at| *at > now).min()
    }

    /// Takes up to `max` visible messages, oldest first, hiding each for `visibility`
    /// seconds under a new receipt handle. With a redrive policy, a visible message already
    /// received `maxReceiveCount` times is not delivered again but returned in the second
    /// list, to be moved to the dead-letter queue ("When the ReceiveCount for a message
    /// exceeds the maxReceiveCount for a queue, Amazon SQS moves the message to the
    /// dead-letter-queue", CreateQueue, RedrivePolicy).
    pub fn receive(&mut self, max: usize, visibility: i64, now: DateTime<Utc>) -> (Vec<Message>, Vec<Message>) {
        let limit = self.attributes.redrive_policy.as_ref().map(|r| r.max_receive_count);
        let mut received = Vec::new();
        let mut dead = Vec::new();
        let mut index = 0;
        while index < self.messages.len() && received.len() < max {
            let message = &mut self.messages[index];
            if !message.is_visible(now) {
                index += 1;
            } else if limit.is_some_and(|limit| message.receive_count >= limit) {
                dead.extend(self.messages.remove(index));
            } else {
                message.receive_count += 1;
                message.first_received.get_or_insert(now);
                message.last_received = Some(now);
                message.visible_at = now + TimeDelta::seconds(visibility);
                message.receipt = Some(new_receipt(&self.name, &message.id));
                received.push(message.clone());
                index += 1;
            }
        }
        (received, dead)
    }

    /// The message a receipt handle of this queue names, if it is still in the queue.
    /// A handle this queue did not issue is ReceiptHandleIsInvalid.
    pub fn find_by_receipt(&mut self, handle: &str) -> Result<Option<&mut Message>, ApiError> {
        let (queue, message_id) = parse_receipt(handle).ok_or_else(|| errors::receipt_handle_is_invalid(handle))?;
        if queue != self.name {
            return Err(errors::receipt_handle_is_invalid(handle));
        }
        Ok(self.messages.iter_mut().find(|m| m.id == message_id))
    }

    /// Deletes the message of a receipt handle. "If you use an old ReceiptHandle, the
    /// request will succeed, but the message might not be deleted" (DeleteMessage): here it
    /// is not deleted; a message already gone is success too.
    pub fn delete(&mut self, handle: &str) -> Result<(), ApiError> {
        let id = match self.find_by_receipt(handle)? {
            Some(m) if m.receipt.as_deref() == Some(handle) => m.id.clone(),
            _ => return Ok(()),
        };
        self.messages.retain(|m| m.id != id);
        Ok(())
    }

    /// ChangeMessageVisibility: the new timeout counts from now; the message must be in
    /// flight under this (latest) handle, and "If you attempt to set the VisibilityTimeout
    /// to a value greater than the maximum time left, Amazon SQS returns an error" (12 hours
    /// from the receive).
    pub fn change_visibility(&mut self, handle: &str, timeout: i64, now: DateTime<Utc>) -> Result<(), ApiError> {
        let gone = || {
            errors::invalid_parameter_value(format!(
                "Value {handle} for parameter ReceiptHandle is invalid. Reason: Message does not exist or is \
                 not available for visibility timeout change."
            ))
        };
        let message = self.find_by_receipt(handle)?.ok_or_else(gone)?;
        if message.receipt.as_deref() != Some(handle) {
            return Err(gone());
        }
        if !message.is_in_flight(now) {
            return Err(errors::message_not_inflight());
        }
        let received = message.last_received.unwrap_or(now);
        let left = TimeDelta::seconds(VISIBILITY_TIMEOUT.1) - (now - received);
        if TimeDelta::seconds(timeout) > left {
            return Err(errors::invalid_parameter_value(format!(
                "Value {timeout} for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for \
                 the message is beyond the limit [43200 seconds]"
            )));
        }
        message.visible_at = now + TimeDelta::seconds(timeout);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + seconds, 0).unwrap()
    }

    #[test]
    fn redrive_policy_accepts_numbers_and_strings_within_range() {
        let p = RedrivePolicy::parse(r#"{"deadLetterTargetArn":"arn:x","maxReceiveCount":"5"}"#).unwrap();
        assert_eq!(p.max_receive_count, 5);
        assert_eq!(RedrivePolicy::parse(r#"{"deadLetterTargetArn":"arn:x"}"#).unwrap().max_receive_count, 10);
        assert!(RedrivePolicy::parse(r#"{"deadLetterTargetArn":"arn:x","maxReceiveCount":0}"#).is_err());
        assert!(RedrivePolicy::parse(r#"{"maxReceiveCount":3}"#).is_err());
        assert!(RedrivePolicy::parse("not json").is_err());
    }

    #[test]
    fn attributes_are_range_checked_and_unknown_names_refused() {
        let mut a = QueueAttributes::default();
        a.set("VisibilityTimeout", "60").unwrap();
        assert_eq!(a.value("VisibilityTimeout").as_deref(), Some("60"));
        assert_eq!(a.set("VisibilityTimeout", "43201").unwrap_err().code, "com.amazonaws.sqs#InvalidAttributeValue");
        assert_eq!(a.set("Colour", "blue").unwrap_err().code, "com.amazonaws.sqs#InvalidAttributeName");
        assert!(a.set("FifoQueue", "true").is_err());
    }

    #[test]
    fn receipts_round_trip_and_garbage_is_refused() {
        let handle = new_receipt("q", "m-1");
        assert_eq!(parse_receipt(&handle), Some(("q".into(), "m-1".into())));
        assert_ne!(handle, new_receipt("q", "m-1"));
        assert_eq!(parse_receipt("garbage"), None);
    }

    #[test]
    fn a_message_hides_for_its_visibility_then_moves_past_its_receive_limit() {
        let attributes = QueueAttributes {
            redrive_policy: Some(RedrivePolicy { dead_letter_target_arn: "arn".into(), max_receive_count: 2 }),
            ..QueueAttributes::default()
        };
        let mut queue = Queue::new("q", attributes, at(0));
        queue.messages.push_back(Message::new("hello".into(), "me", at(0), 0));
        let (first, _) = queue.receive(10, 5, at(1));
        assert_eq!(first[0].receive_count, 1);
        assert!(queue.receive(10, 5, at(2)).0.is_empty());
        assert_eq!(queue.next_visible(at(2)), Some(at(6)));
        let (second, _) = queue.receive(10, 5, at(6));
        assert_eq!(second[0].receive_count, 2);
        let (third, dead) = queue.receive(10, 5, at(11));
        assert!(third.is_empty());
        assert_eq!(dead[0].body, "hello");
        assert!(queue.messages.is_empty());
    }

    #[test]
    fn only_the_latest_receipt_deletes() {
        let mut queue = Queue::new("q", QueueAttributes::default(), at(0));
        queue.messages.push_back(Message::new("x".into(), "me", at(0), 0));
        let old = queue.receive(1, 0, at(1)).0[0].receipt.clone().unwrap();
        let new = queue.receive(1, 0, at(2)).0[0].receipt.clone().unwrap();
        queue.delete(&old).unwrap();
        assert_eq!(queue.messages.len(), 1);
        queue.delete(&new).unwrap();
        assert!(queue.messages.is_empty());
        assert!(queue.delete("garbage").is_err());
    }

    #[test]
    fn md5_is_the_hex_digest_of_the_body() {
        assert_eq!(md5_hex("hello"), "5d41402abc4b2a76b9719d911017c592");
    }
}
