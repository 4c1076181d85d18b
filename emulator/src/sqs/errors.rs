//! SQS errors in the awsJson1_0 shape with the query-compatible header.
//!
//! "In the HTTP header, ... x-amzn-query-error contains two pieces of information: the type
//! of error, and whether the error was a producer or consumer error. In the response body,
//! `__type` indicates other error details" (SQS Developer Guide, "Interpreting Amazon SQS
//! JSON API responses"; its sample: `x-amzn-query-error:
//! AWS.SimpleQueueService.NonExistentQueue;Sender` with `__type`
//! `com.amazonaws.sqs#QueueDoesNotExist`). The SDKs take the error code from that header:
//! aws-sdk-sqs matches `AWS.SimpleQueueService.NonExistentQueue` for QueueDoesNotExist,
//! `ReceiptHandleIsInvalid` for ReceiptHandleIsInvalid, and so on.

use axum::http::StatusCode;

use crate::wire::ApiError;

const SENDER: &str = "Sender";
const RECEIVER: &str = "Receiver";

/// A modeled SQS error: `__type` names the shape, the header carries its awsQuery code.
fn modeled(shape: &'static str, query_code: &str, message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, shape, message).with_query(query_code, SENDER)
}

/// QueueDoesNotExist: "Ensure that the QueueUrl is correct and that the queue has not been
/// deleted" (API reference, every operation that takes a QueueUrl).
pub fn queue_does_not_exist() -> ApiError {
    modeled(
        "com.amazonaws.sqs#QueueDoesNotExist",
        "AWS.SimpleQueueService.NonExistentQueue",
        "The specified queue does not exist.",
    )
}

/// QueueNameExists: "Amazon SQS returns this error only if the request includes attributes
/// whose values differ from those of the existing queue" (CreateQueue).
pub fn queue_name_exists(name: &str) -> ApiError {
    modeled(
        "com.amazonaws.sqs#QueueNameExists",
        "QueueAlreadyExists",
        format!("A queue already exists with the same name {name} and a different value for attribute(s)"),
    )
}

/// ReceiptHandleIsInvalid: "The specified receipt handle isn't valid" (DeleteMessage,
/// ChangeMessageVisibility).
pub fn receipt_handle_is_invalid(handle: &str) -> ApiError {
    modeled(
        "com.amazonaws.sqs#ReceiptHandleIsInvalid",
        "ReceiptHandleIsInvalid",
        format!("The input receipt handle \"{handle}\" is not a valid receipt handle."),
    )
}

/// MessageNotInflight: "The specified message isn't in flight" (ChangeMessageVisibility).
pub fn message_not_inflight() -> ApiError {
    modeled(
        "com.amazonaws.sqs#MessageNotInflight",
        "AWS.SimpleQueueService.MessageNotInflight",
        "The message referred to is not in flight.",
    )
}

/// PurgeQueueInProgress: the queue "previously received a PurgeQueue request within the
/// last 60 seconds" (PurgeQueue).
pub fn purge_queue_in_progress(name: &str) -> ApiError {
    modeled(
        "com.amazonaws.sqs#PurgeQueueInProgress",
        "AWS.SimpleQueueService.PurgeQueueInProgress",
        format!("Only one PurgeQueue operation on {name} is allowed every 60 seconds."),
    )
}

/// InvalidAttributeName: "The specified attribute doesn't exist" (CreateQueue,
/// GetQueueAttributes).
pub fn invalid_attribute_name(name: &str) -> ApiError {
    modeled("com.amazonaws.sqs#InvalidAttributeName", "InvalidAttributeName", format!("Unknown Attribute {name}."))
}

/// InvalidAttributeValue: "A queue attribute value is invalid" (CreateQueue).
pub fn invalid_attribute_value(name: &str, reason: &str) -> ApiError {
    modeled(
        "com.amazonaws.sqs#InvalidAttributeValue",
        "InvalidAttributeValue",
        format!("Invalid value for the parameter {name}. Reason: {reason}"),
    )
}

/// InvalidMessageContents: "The message contains characters outside the allowed set"
/// (SendMessage).
pub fn invalid_message_contents() -> ApiError {
    modeled(
        "com.amazonaws.sqs#InvalidMessageContents",
        "InvalidMessageContents",
        "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | \
         #xE000 to #xFFFD | #x10000 to #x10FFFF",
    )
}

/// UnsupportedOperation ("Error code 400. Unsupported operation."), for what the stand-in
/// does not emulate: FIFO queues and message attributes.
pub fn unsupported(what: &str) -> ApiError {
    modeled(
        "com.amazonaws.sqs#UnsupportedOperation",
        "AWS.SimpleQueueService.UnsupportedOperation",
        format!("{what} are not supported by the Meshgate emulator"),
    )
}

pub fn empty_batch_request() -> ApiError {
    modeled(
        "com.amazonaws.sqs#EmptyBatchRequest",
        "AWS.SimpleQueueService.EmptyBatchRequest",
        "There should be at least one entry in the request.",
    )
}

/// TooManyEntriesInBatchRequest: a batch holds at most 10 entries.
pub fn too_many_entries_in_batch_request(count: usize) -> ApiError {
    modeled(
        "com.amazonaws.sqs#TooManyEntriesInBatchRequest",
        "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
        format!("Maximum number of entries per request are 10. You have sent {count}."),
    )
}

pub fn batch_entry_ids_not_distinct(id: &str) -> ApiError {
    modeled(
        "com.amazonaws.sqs#BatchEntryIdsNotDistinct",
        "AWS.SimpleQueueService.BatchEntryIdsNotDistinct",
        format!("Id {id} repeated."),
    )
}

pub fn invalid_batch_entry_id(id: &str) -> ApiError {
    modeled(
        "com.amazonaws.sqs#InvalidBatchEntryId",
        "AWS.SimpleQueueService.InvalidBatchEntryId",
        format!(
            "A batch entry id can only contain alphanumeric characters, hyphens and underscores. \
             It can be at most 80 letters long. Got {id}."
        ),
    )
}

/// InvalidParameterValue, a common error: "An invalid or out-of-range value was supplied
/// for the input parameter" (API reference, Common Errors).
pub fn invalid_parameter_value(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "InvalidParameterValue", message).with_query("InvalidParameterValue", SENDER)
}

/// A value outside its documented range, worded as SQS words it.
pub fn out_of_range(parameter: &str, value: i64, min: i64, max: i64) -> ApiError {
    invalid_parameter_value(format!(
        "Value {value} for parameter {parameter} is invalid. Reason: Must be between {min} and {max}, if provided."
    ))
}

/// MissingParameter, a common error: "A required parameter for the specified action is not
/// supplied" (API reference, Common Errors).
pub fn missing_parameter(parameter: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "MissingParameter",
        format!("The request must contain the parameter {parameter}."),
    )
    .with_query("MissingParameter", SENDER)
}

/// Turns an error raised before an SQS handler ran (signature, injected faults, body
/// parsing) into what SQS answers: throttling is its modeled RequestThrottled, a server
/// error the common InternalFailure, a body of the wrong shape InvalidParameterValue; the
/// rest keep their code and gain the query header.
pub fn adapt(err: ApiError) -> ApiError {
    if err.query.is_some() {
        return err;
    }
    match err.code {
        "ThrottlingException" => {
            ApiError::new(StatusCode::BAD_REQUEST, "com.amazonaws.sqs#RequestThrottled", err.message)
                .with_query("RequestThrottled", SENDER)
        }
        "InternalServerException" => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalFailure", err.message)
            .with_query("InternalFailure", RECEIVER),
        "ValidationException" => invalid_parameter_value(err.message),
        code => {
            let fault = if err.status.is_server_error() { RECEIVER } else { SENDER };
            let query = code.to_owned();
            err.with_query(&query, fault)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_codes_are_those_the_sdk_matches() {
        assert_eq!(queue_does_not_exist().query.as_deref(), Some("AWS.SimpleQueueService.NonExistentQueue;Sender"));
        assert_eq!(receipt_handle_is_invalid("x").query.as_deref(), Some("ReceiptHandleIsInvalid;Sender"));
        assert_eq!(adapt(ApiError::throttling("slow")).query.as_deref(), Some("RequestThrottled;Sender"));
        assert_eq!(adapt(ApiError::internal("boom")).query.as_deref(), Some("InternalFailure;Receiver"));
    }
}
