//! Amazon SQS (awsJson1_0): standard queues with visibility timeouts, long polling and
//! dead-letter redrive.
//!
//! Requests are `POST /` with `X-Amz-Target: AmazonSQS.<Operation>` and content type
//! `application/x-amz-json-1.0` (API reference, "Making requests using the JSON protocol").
//! Queue URLs are `{scheme}://{host}/{account}/{name}`, built from the address the request
//! was sent to, and ARNs `arn:aws:sqs:{region}:{account}:{name}`, with the account and region
//! of the emulated directory.

pub mod errors;
mod queue;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::sync::Notify;

use self::queue::{Message, Queue, QueueAttributes, RedrivePolicy};
use crate::lock;
use crate::wire::{self, ApiError, Reply};

/// The operations served, by their `X-Amz-Target` suffix.
pub fn route(name: &str) -> Option<&'static str> {
    const OPERATIONS: &[&str] = &[
        "CreateQueue",
        "GetQueueUrl",
        "GetQueueAttributes",
        "SendMessage",
        "ReceiveMessage",
        "DeleteMessage",
        "DeleteMessageBatch",
        "ChangeMessageVisibility",
        "PurgeQueue",
    ];
    OPERATIONS.iter().copied().find(|op| *op == name)
}

/// Everything an SQS handler reads about its request.
pub struct SqsCall<'a> {
    pub operation: &'static str,
    pub body: &'a [u8],
    /// The access key id of the caller, reported as the `SenderId` of what it sends.
    pub caller: &'a str,
    /// `scheme://host:port` the request was sent to, the base of the queue URLs it is told.
    pub base_url: String,
}

/// The account's queues, by name.
#[derive(Debug)]
struct Queues {
    account: String,
    region: String,
    by_name: BTreeMap<String, Queue>,
}

/// Amazon SQS for one account and region: the queues and a signal for long polls.
#[derive(Debug)]
pub struct Sqs {
    queues: Mutex<Queues>,
    /// Woken whenever a message may have become receivable, so long polls return at once.
    arrived: Notify,
}

/// "A queue name can have up to 80 characters. Valid values: alphanumeric characters,
/// hyphens (-), and underscores (_)" (CreateQueue, QueueName).
pub fn check_queue_name(name: &str) -> Result<(), String> {
    let valid =
        !name.is_empty() && name.len() <= 80 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!(
            "Queue name {name:?} is invalid: it can only include alphanumeric characters, hyphens, or \
             underscores, 1 to 80 in length"
        ))
    }
}

impl Sqs {
    pub fn new(account: &str, region: &str) -> Self {
        Self {
            queues: Mutex::new(Queues {
                account: account.to_owned(),
                region: region.to_owned(),
                by_name: BTreeMap::new(),
            }),
            arrived: Notify::new(),
        }
    }

    /// Deletes every queue, and with them their messages.
    pub fn clear(&self) {
        lock(&self.queues).by_name.clear();
    }

    /// Creates `name` with a dead-letter queue `dlq` that receives a message once `name` has
    /// delivered it `max_receive_count` times; both must be valid queue names.
    pub fn create_with_dead_letter_queue(&self, name: &str, dlq: &str, max_receive_count: u32) -> Result<(), String> {
        check_queue_name(name)?;
        check_queue_name(dlq)?;
        let mut queues = lock(&self.queues);
        let now = Utc::now();
        let dlq_arn = queues.arn(dlq);
        queues.by_name.insert(dlq.to_owned(), Queue::new(dlq, QueueAttributes::default(), now));
        let attributes = QueueAttributes {
            redrive_policy: Some(RedrivePolicy { dead_letter_target_arn: dlq_arn, max_receive_count }),
            ..QueueAttributes::default()
        };
        queues.by_name.insert(name.to_owned(), Queue::new(name, attributes, now));
        Ok(())
    }

    /// Sends `body` to the queue `name` on behalf of a service (`sender`), as an
    /// EventBridge rule target does; a missing queue drops the message.
    pub fn deliver(&self, name: &str, body: String, sender: &str) {
        let mut queues = lock(&self.queues);
        let Some(queue) = queues.by_name.get_mut(name) else {
            tracing::warn!(queue = name, "the events queue is gone; the event is dropped");
            return;
        };
        let delay = queue.attributes.delay_seconds;
        queue.messages.push_back(Message::new(body, sender, Utc::now(), delay));
        drop(queues);
        self.arrived.notify_waiters();
    }

    /// Serves one operation; ReceiveMessage may wait (long polling), the others answer at once.
    pub async fn serve(&self, call: &SqsCall<'_>) -> Result<Reply, ApiError> {
        let value = if call.operation == "ReceiveMessage" {
            self.receive_message(call).await?
        } else {
            let value = {
                let mut queues = lock(&self.queues);
                let now = Utc::now();
                match call.operation {
                    "CreateQueue" => queues.create_queue(call, now),
                    "GetQueueUrl" => queues.get_queue_url(call),
                    "GetQueueAttributes" => queues.get_queue_attributes(call, now),
                    "SendMessage" => queues.send_message(call, now),
                    "DeleteMessage" => queues.delete_message(call),
                    "DeleteMessageBatch" => queues.delete_message_batch(call),
                    "ChangeMessageVisibility" => queues.change_message_visibility(call, now),
                    "PurgeQueue" => queues.purge_queue(call, now),
                    other => Err(ApiError::unknown_operation(format!("AmazonSQS.{other} is not emulated"))),
                }?
            };
            if matches!(call.operation, "SendMessage" | "ChangeMessageVisibility") {
                self.arrived.notify_waiters();
            }
            value
        };
        Ok(Reply::ok(value))
    }

    /// ReceiveMessage: answers as soon as a message is receivable, or after the wait time
    /// with no `Messages` member ("If a message is available, the call returns sooner than
    /// WaitTimeSeconds. If no messages are available and the wait time expires, the call
    /// does not return a message list", ReceiveMessage, WaitTimeSeconds).
    async fn receive_message(&self, call: &SqsCall<'_>) -> Result<Value, ApiError> {
        let input: ReceiveInput = parse(call)?;
        let request = lock(&self.queues).receive_request(&input)?;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(request.wait_seconds);
        loop {
            // Registered before looking, so that a message sent meanwhile still wakes us.
            let notified = self.arrived.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            let now = Utc::now();
            let (messages, next_visible) = lock(&self.queues).receive(&request, now)?;
            if !messages.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(received_json(&messages, &request.attribute_names));
            }
            let wake = next_visible
                .and_then(|at| (at - now).to_std().ok())
                .map_or(deadline, |d| deadline.min(tokio::time::Instant::now() + d));
            tokio::select! {
                () = &mut notified => {}
                () = tokio::time::sleep_until(wake) => {}
            }
        }
    }
}

/// Parses an SQS request body; a member of the wrong type is InvalidParameterValue.
fn parse<T: DeserializeOwned>(call: &SqsCall) -> Result<T, ApiError> {
    wire::parse_body(call.body).map_err(errors::adapt)
}

fn required<'v>(value: Option<&'v String>, parameter: &str) -> Result<&'v str, ApiError> {
    value.map(String::as_str).ok_or_else(|| errors::missing_parameter(parameter))
}

/// Checks an optional integer parameter against its documented range.
fn in_range(parameter: &str, value: Option<i64>, (min, max): (i64, i64)) -> Result<Option<i64>, ApiError> {
    match value {
        Some(v) if !(min..=max).contains(&v) => Err(errors::out_of_range(parameter, v, min, max)),
        other => Ok(other),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateQueueInput {
    queue_name: Option<String>,
    #[serde(default)]
    attributes: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GetQueueUrlInput {
    queue_name: Option<String>,
    #[serde(rename = "QueueOwnerAWSAccountId")]
    queue_owner_aws_account_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct QueueInput {
    queue_url: Option<String>,
    #[serde(default)]
    attribute_names: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct SendInput {
    queue_url: Option<String>,
    message_body: Option<String>,
    delay_seconds: Option<i64>,
    message_attributes: Option<Value>,
    message_group_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReceiveInput {
    queue_url: Option<String>,
    #[serde(default)]
    attribute_names: Vec<String>,
    #[serde(default)]
    message_system_attribute_names: Vec<String>,
    max_number_of_messages: Option<i64>,
    visibility_timeout: Option<i64>,
    wait_time_seconds: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ReceiptInput {
    queue_url: Option<String>,
    receipt_handle: Option<String>,
    visibility_timeout: Option<i64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct BatchEntry {
    id: String,
    receipt_handle: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteBatchInput {
    queue_url: Option<String>,
    #[serde(default)]
    entries: Vec<BatchEntry>,
}

/// A checked ReceiveMessage: the queue, how many, how long hidden, how long to wait, and
/// which system attributes to return.
struct ReceiveRequest {
    queue: String,
    max: usize,
    visibility: i64,
    wait_seconds: u64,
    attribute_names: Vec<String>,
}

impl Queues {
    fn arn(&self, name: &str) -> String {
        format!("arn:aws:sqs:{}:{}:{name}", self.region, self.account)
    }

    fn url(&self, call: &SqsCall, name: &str) -> String {
        format!("{}/{}/{name}", call.base_url, self.account)
    }

    /// The queue a QueueUrl names: its last two path segments are the account and the
    /// name; any scheme and host are accepted, since callers reach the emulator by many names.
    fn queue_mut(&mut self, url: &str) -> Result<&mut Queue, ApiError> {
        let mut segments = url.trim_end_matches('/').rsplit('/');
        let name = segments.next().unwrap_or_default();
        let account = segments.next().unwrap_or_default();
        if account != self.account {
            return Err(errors::queue_does_not_exist());
        }
        self.by_name.get_mut(name).ok_or_else(errors::queue_does_not_exist)
    }

    /// The queue a QueueUrl names, with its expired messages gone.
    fn live_queue(&mut self, url: Option<&String>, now: DateTime<Utc>) -> Result<&mut Queue, ApiError> {
        let queue = self.queue_mut(required(url, "QueueUrl")?)?;
        queue.expire(now);
        Ok(queue)
    }

    /// The name of the queue an ARN of this account and region names.
    fn name_of_arn(&self, arn: &str) -> Option<String> {
        let name = arn.strip_prefix(&format!("arn:aws:sqs:{}:{}:", self.region, self.account))?;
        self.by_name.contains_key(name).then(|| name.to_owned())
    }

    /// CreateQueue: "If you provide the name of an existing queue along with the exact names
    /// and values of all the queue's attributes, CreateQueue returns the queue URL for the
    /// existing queue"; different values are QueueNameExists. A RedrivePolicy must name an
    /// existing queue of this account (InvalidAttributeValue otherwise). Tags are ignored.
    fn create_queue(&mut self, call: &SqsCall, now: DateTime<Utc>) -> Result<Value, ApiError> {
        let input: CreateQueueInput = parse(call)?;
        let name = required(input.queue_name.as_ref(), "QueueName")?;
        // FIFO queue names end in `.fifo` (CreateQueue, QueueName), in that case.
        if name.rsplit_once('.').is_some_and(|(_, suffix)| suffix == "fifo") {
            return Err(errors::unsupported("FIFO queues"));
        }
        check_queue_name(name).map_err(errors::invalid_parameter_value)?;
        let mut attributes = QueueAttributes::default();
        for (key, value) in &input.attributes {
            attributes.set(key, value)?;
        }
        if let Some(policy) = &attributes.redrive_policy {
            if self.name_of_arn(&policy.dead_letter_target_arn).is_none() {
                return Err(errors::invalid_attribute_value("RedrivePolicy", "Dead letter target does not exist."));
            }
        }
        let url = self.url(call, name);
        if let Some(existing) = self.by_name.get(name) {
            let names: Vec<&str> = input.attributes.keys().map(String::as_str).collect();
            if !existing.attributes.agrees_with(&attributes, &names) {
                return Err(errors::queue_name_exists(name));
            }
            return Ok(json!({ "QueueUrl": url }));
        }
        self.by_name.insert(name.to_owned(), Queue::new(name, attributes, now));
        Ok(json!({ "QueueUrl": url }))
    }

    /// GetQueueUrl: the URL of a queue of this account, or QueueDoesNotExist.
    fn get_queue_url(&self, call: &SqsCall) -> Result<Value, ApiError> {
        let input: GetQueueUrlInput = parse(call)?;
        let name = required(input.queue_name.as_ref(), "QueueName")?;
        if input.queue_owner_aws_account_id.as_ref().is_some_and(|a| *a != self.account) {
            return Err(errors::queue_does_not_exist());
        }
        if !self.by_name.contains_key(name) {
            return Err(errors::queue_does_not_exist());
        }
        Ok(json!({ "QueueUrl": self.url(call, name) }))
    }

    /// GetQueueAttributes: the attributes named (`All` for every one); none are returned
    /// when none are asked for. Unknown names are InvalidAttributeName.
    fn get_queue_attributes(&mut self, call: &SqsCall, now: DateTime<Utc>) -> Result<Value, ApiError> {
        const COMPUTED: &[&str] = &[
            "QueueArn",
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
            "CreatedTimestamp",
            "LastModifiedTimestamp",
        ];
        const SET: &[&str] = &[
            "DelaySeconds",
            "MaximumMessageSize",
            "MessageRetentionPeriod",
            "ReceiveMessageWaitTimeSeconds",
            "VisibilityTimeout",
            "RedrivePolicy",
            "Policy",
            "RedriveAllowPolicy",
            "KmsMasterKeyId",
            "KmsDataKeyReusePeriodSeconds",
            "SqsManagedSseEnabled",
        ];
        let input: QueueInput = parse(call)?;
        let name = self.queue_mut(required(input.queue_url.as_ref(), "QueueUrl")?)?.name.clone();
        let arn = self.arn(&name);
        let queue = self.live_queue(input.queue_url.as_ref(), now)?;
        let wanted: Vec<&str> = if input.attribute_names.iter().any(|n| n == "All") {
            COMPUTED.iter().chain(SET).copied().collect()
        } else {
            input.attribute_names.iter().map(String::as_str).collect()
        };
        let (visible, in_flight, delayed) = queue.counts(now);
        let mut attributes = Map::new();
        for name in wanted {
            let value = match name {
                "QueueArn" => Some(arn.clone()),
                "ApproximateNumberOfMessages" => Some(visible.to_string()),
                "ApproximateNumberOfMessagesNotVisible" => Some(in_flight.to_string()),
                "ApproximateNumberOfMessagesDelayed" => Some(delayed.to_string()),
                "CreatedTimestamp" | "LastModifiedTimestamp" => Some(queue.created.timestamp().to_string()),
                _ if SET.contains(&name) => queue.attributes.value(name),
                // FIFO and high-throughput attributes exist, but not on a standard queue.
                "FifoQueue" | "ContentBasedDeduplication" | "DeduplicationScope" | "FifoThroughputLimit" => None,
                other => return Err(errors::invalid_attribute_name(other)),
            };
            if let Some(value) = value {
                attributes.insert(name.to_owned(), Value::String(value));
            }
        }
        Ok(json!({ "Attributes": (!attributes.is_empty()).then_some(attributes) }))
    }

    /// SendMessage. "The minimum size is one character. The maximum size is 1 MiB or
    /// 1,048,576 bytes" — or the queue's smaller MaximumMessageSize; a longer body is
    /// InvalidParameterValue ("Message must be shorter than N bytes"), characters outside
    /// the allowed set InvalidMessageContents, DelaySeconds outside 0..=900
    /// InvalidParameterValue. Message attributes and message groups (FIFO) are not emulated.
    fn send_message(&mut self, call: &SqsCall, now: DateTime<Utc>) -> Result<Value, ApiError> {
        let input: SendInput = parse(call)?;
        if input.message_attributes.as_ref().is_some_and(|a| !a.is_null()) {
            return Err(errors::unsupported("Message attributes"));
        }
        if input.message_group_id.is_some() {
            return Err(errors::unsupported("FIFO queues"));
        }
        let delay = in_range("DelaySeconds", input.delay_seconds, (queue::DELAY_SECONDS.0, queue::DELAY_SECONDS.1))?;
        let queue = self.live_queue(input.queue_url.as_ref(), now)?;
        let body = input.message_body.ok_or_else(|| errors::missing_parameter("MessageBody"))?;
        check_body(&body, queue.attributes.maximum_message_size)?;
        let message = Message::new(body, call.caller, now, delay.unwrap_or(queue.attributes.delay_seconds));
        let reply = json!({ "MessageId": message.id, "MD5OfMessageBody": message.md5 });
        queue.messages.push_back(message);
        Ok(reply)
    }

    /// Checks ReceiveMessage's parameters: MaxNumberOfMessages 1 to 10 (default 1),
    /// VisibilityTimeout 0 to 43,200 (default the queue's), WaitTimeSeconds 0 to 20 (default
    /// the queue's ReceiveMessageWaitTimeSeconds); out of range is InvalidParameterValue.
    fn receive_request(&mut self, input: &ReceiveInput) -> Result<ReceiveRequest, ApiError> {
        let max = in_range("MaxNumberOfMessages", input.max_number_of_messages, (1, 10))?.unwrap_or(1);
        let visibility = in_range("VisibilityTimeout", input.visibility_timeout, (0, queue::VISIBILITY_TIMEOUT.1))?;
        let wait = in_range("WaitTimeSeconds", input.wait_time_seconds, (0, 20))?;
        let queue = self.queue_mut(required(input.queue_url.as_ref(), "QueueUrl")?)?;
        let attribute_names = input
            .attribute_names
            .iter()
            .chain(&input.message_system_attribute_names)
            .flat_map(|name| {
                if name == "All" {
                    queue::MESSAGE_ATTRIBUTES.iter().map(|n| (*n).to_owned()).collect()
                } else {
                    vec![name.clone()]
                }
            })
            .collect();
        Ok(ReceiveRequest {
            queue: queue.name.clone(),
            max: usize::try_from(max).unwrap_or(1),
            visibility: visibility.unwrap_or(queue.attributes.visibility_timeout),
            wait_seconds: u64::try_from(wait.unwrap_or(queue.attributes.receive_message_wait_time_seconds))
                .unwrap_or(0),
            attribute_names,
        })
    }

    /// One attempt at a receive: the messages taken (their redrive done) and when the next
    /// hidden message of the queue becomes visible.
    fn receive(
        &mut self,
        request: &ReceiveRequest,
        now: DateTime<Utc>,
    ) -> Result<(Vec<Message>, Option<DateTime<Utc>>), ApiError> {
        let queue = self.by_name.get_mut(&request.queue).ok_or_else(errors::queue_does_not_exist)?;
        queue.expire(now);
        let dlq = queue.attributes.redrive_policy.as_ref().map(|p| p.dead_letter_target_arn.clone());
        let dlq = dlq.and_then(|arn| self.name_of_arn(&arn));
        let source_arn = self.arn(&request.queue);
        let queue = self.by_name.get_mut(&request.queue).ok_or_else(errors::queue_does_not_exist)?;
        let (received, dead) = if dlq.is_some() {
            queue.receive(request.max, request.visibility, now)
        } else {
            // A dead-letter queue that is gone moves nothing.
            let limit = queue.attributes.redrive_policy.take();
            let taken = queue.receive(request.max, request.visibility, now);
            queue.attributes.redrive_policy = limit;
            taken
        };
        let next = queue.next_visible(now);
        if let Some(target) = dlq.and_then(|name| self.by_name.get_mut(&name)) {
            for mut message in dead {
                message.visible_at = now;
                message.receipt = None;
                message.dead_letter_source = Some(source_arn.clone());
                target.messages.push_back(message);
            }
        }
        Ok((received, next))
    }

    /// DeleteMessage: see [`Queue::delete`].
    fn delete_message(&mut self, call: &SqsCall) -> Result<Value, ApiError> {
        let input: ReceiptInput = parse(call)?;
        let queue = self.queue_mut(required(input.queue_url.as_ref(), "QueueUrl")?)?;
        queue.delete(required(input.receipt_handle.as_ref(), "ReceiptHandle")?)?;
        Ok(json!({}))
    }

    /// DeleteMessageBatch: 1 to 10 entries with distinct ids of up to 80 alphanumerics,
    /// hyphens and underscores; each entry succeeds or fails on its own, a bad receipt
    /// handle failing with code ReceiptHandleIsInvalid.
    fn delete_message_batch(&mut self, call: &SqsCall) -> Result<Value, ApiError> {
        let input: DeleteBatchInput = parse(call)?;
        let queue = self.queue_mut(required(input.queue_url.as_ref(), "QueueUrl")?)?;
        check_batch(input.entries.iter().map(|e| e.id.as_str()).collect())?;
        let mut successful = Vec::new();
        let mut failed = Vec::new();
        for entry in &input.entries {
            match queue.delete(&entry.receipt_handle) {
                Ok(()) => successful.push(json!({ "Id": entry.id })),
                Err(err) => failed.push(json!({
                    "Id": entry.id,
                    "SenderFault": true,
                    "Code": err.query.as_deref().and_then(|q| q.split(';').next()).unwrap_or(err.code),
                    "Message": err.message,
                })),
            }
        }
        Ok(json!({ "Successful": successful, "Failed": failed }))
    }

    /// ChangeMessageVisibility: VisibilityTimeout 0 to 43,200 is required; see
    /// [`Queue::change_visibility`].
    fn change_message_visibility(&mut self, call: &SqsCall, now: DateTime<Utc>) -> Result<Value, ApiError> {
        let input: ReceiptInput = parse(call)?;
        let timeout = in_range("VisibilityTimeout", input.visibility_timeout, (0, queue::VISIBILITY_TIMEOUT.1))?
            .ok_or_else(|| errors::missing_parameter("VisibilityTimeout"))?;
        let queue = self.live_queue(input.queue_url.as_ref(), now)?;
        queue.change_visibility(required(input.receipt_handle.as_ref(), "ReceiptHandle")?, timeout, now)?;
        Ok(json!({}))
    }

    /// PurgeQueue: deletes every message, in flight or not, at once; a second purge within
    /// 60 seconds is PurgeQueueInProgress.
    fn purge_queue(&mut self, call: &SqsCall, now: DateTime<Utc>) -> Result<Value, ApiError> {
        let input: QueueInput = parse(call)?;
        let queue = self.queue_mut(required(input.queue_url.as_ref(), "QueueUrl")?)?;
        if queue.last_purge.is_some_and(|at| now - at < TimeDelta::seconds(60)) {
            return Err(errors::purge_queue_in_progress(&queue.name));
        }
        queue.messages.clear();
        queue.last_purge = Some(now);
        Ok(json!({}))
    }
}

/// "A message can include only XML, JSON, and unformatted text. The following Unicode
/// characters are allowed: #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to
/// #x10FFFF" (SendMessage, MessageBody); its size is at most the queue's MaximumMessageSize.
fn check_body(body: &str, max_size: i64) -> Result<(), ApiError> {
    if body.is_empty() {
        return Err(errors::invalid_parameter_value(
            "Value for parameter MessageBody is invalid. Reason: Message must be at least one character.",
        ));
    }
    if i64::try_from(body.len()).unwrap_or(i64::MAX) > max_size {
        return Err(errors::invalid_parameter_value(format!(
            "One or more parameters are invalid. Reason: Message must be shorter than {max_size} bytes."
        )));
    }
    let allowed = |c: char| {
        matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}') || c >= '\u{10000}'
    };
    if body.chars().all(allowed) {
        Ok(())
    } else {
        Err(errors::invalid_message_contents())
    }
}

/// The batch rules of DeleteMessageBatch (and the other batch operations): 1 to 10 entries,
/// each `Id` distinct, 1 to 80 alphanumerics, hyphens or underscores.
fn check_batch(ids: Vec<&str>) -> Result<(), ApiError> {
    if ids.is_empty() {
        return Err(errors::empty_batch_request());
    }
    if ids.len() > 10 {
        return Err(errors::too_many_entries_in_batch_request(ids.len()));
    }
    for (index, id) in ids.iter().enumerate() {
        if check_queue_name(id).is_err() {
            return Err(errors::invalid_batch_entry_id(id));
        }
        if ids[..index].contains(id) {
            return Err(errors::batch_entry_ids_not_distinct(id));
        }
    }
    Ok(())
}

/// ReceiveMessage's output: each message with the system attributes asked for.
fn received_json(messages: &[Message], attribute_names: &[String]) -> Value {
    if messages.is_empty() {
        return json!({});
    }
    let items: Vec<Value> = messages
        .iter()
        .map(|m| {
            let attributes: Map<String, Value> = attribute_names
                .iter()
                .filter_map(|name| m.attribute(name).map(|v| (name.clone(), Value::String(v))))
                .collect();
            json!({
                "MessageId": m.id,
                "ReceiptHandle": m.receipt,
                "MD5OfBody": m.md5,
                "Body": m.body,
                "Attributes": (!attributes.is_empty()).then_some(attributes),
            })
        })
        .collect();
    json!({ "Messages": items })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_names_follow_the_documented_alphabet_and_length() {
        assert!(check_queue_name("datazone-events_1").is_ok());
        assert!(check_queue_name("").is_err());
        assert!(check_queue_name("has space").is_err());
        assert!(check_queue_name(&"q".repeat(81)).is_err());
    }

    #[test]
    fn bodies_are_checked_for_size_and_characters() {
        assert!(check_body("{\"a\":1}", 1024).is_ok());
        assert!(check_body("", 1024).is_err());
        assert_eq!(check_body(&"x".repeat(1025), 1024).unwrap_err().code, "InvalidParameterValue");
        assert_eq!(check_body("bell\u{7}", 1024).unwrap_err().code, "com.amazonaws.sqs#InvalidMessageContents");
    }

    #[test]
    fn batches_need_one_to_ten_distinct_well_formed_ids() {
        assert!(check_batch(vec!["a", "b"]).is_ok());
        assert!(check_batch(vec![]).is_err());
        assert!(check_batch(vec!["a"; 11]).is_err());
        assert!(check_batch(vec!["a", "a"]).is_err());
        assert!(check_batch(vec!["a b"]).is_err());
    }
}
