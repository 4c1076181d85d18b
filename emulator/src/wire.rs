//! Wire plumbing shared by every emulated API: errors, replies, paging tokens, timestamps and input checks.

use std::sync::LazyLock;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use regex::Regex;
use serde::de::DeserializeOwned;
use serde_json::{json, Map, Value};

/// The two JSON protocols spoken on the listener; they differ in error shape and content type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// DataZone's restJson1.
    RestJson,
    /// Identity Store's and sso-admin's awsJson1_1.
    AwsJson,
    /// Amazon SQS's awsJson1_0, whose errors also carry the query-compatible
    /// `x-amzn-query-error` header ("Interpreting Amazon SQS JSON API responses", SQS
    /// Developer Guide).
    AwsJson10,
}

impl Dialect {
    fn content_type(self) -> &'static str {
        match self {
            Self::RestJson => "application/json",
            Self::AwsJson => "application/x-amz-json-1.1",
            Self::AwsJson10 => "application/x-amz-json-1.0",
        }
    }
}

/// A modeled service error: status, error code and message, plus shape-specific members.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub extra: Vec<(&'static str, Value)>,
    /// The `x-amzn-query-error` value, `Code;Sender` or `Code;Receiver`, for awsQuery-compatible
    /// services (SQS): SDKs take the error code from it rather than from `__type`.
    pub query: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self { status, code, message: message.into(), extra: Vec::new(), query: None }
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ValidationException", message)
    }

    pub fn serialization(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "SerializationException", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "ResourceNotFoundException", message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "ConflictException", message)
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "AccessDeniedException", message)
    }

    pub fn quota_exceeded(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PAYMENT_REQUIRED, "ServiceQuotaExceededException", message)
    }

    pub fn throttling(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "ThrottlingException", message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "InternalServerException", message)
    }

    pub fn unknown_operation(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "UnknownOperationException", message)
    }

    /// Sets the awsQuery error code and fault (`Sender` or `Receiver`) sent in `x-amzn-query-error`.
    pub fn with_query(mut self, code: &str, fault: &str) -> Self {
        self.query = Some(format!("{code};{fault}"));
        self
    }

    /// Adds a shape-specific member such as Identity Store's `ResourceType`.
    pub fn with(mut self, key: &'static str, value: impl Into<Value>) -> Self {
        self.extra.push((key, value.into()));
        self
    }

    pub fn render(&self, dialect: Dialect) -> Response {
        let mut body = Map::new();
        // `__type` is what botocore's awsJson parser reads; restJson SDKs ignore it.
        body.insert("__type".into(), Value::from(self.code));
        match dialect {
            // The SQS Developer Guide's sample error body has `__type` and `message` only.
            Dialect::RestJson | Dialect::AwsJson10 => {
                body.insert("message".into(), Value::from(self.message.clone()));
            }
            Dialect::AwsJson => {
                body.insert("Message".into(), Value::from(self.message.clone()));
                body.insert("RequestId".into(), Value::from(request_id()));
            }
        }
        for (key, value) in &self.extra {
            body.insert((*key).to_owned(), value.clone());
        }
        let mut response = (self.status, Value::Object(body).to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert("x-amzn-errortype", HeaderValue::from_static(self.code));
        if let Some(query) = self.query.as_deref().and_then(|q| HeaderValue::from_str(q).ok()) {
            headers.insert("x-amzn-query-error", query);
        }
        finish_headers(headers, dialect);
        response
    }
}

/// A successful operation outcome, rendered in the caller's dialect.
#[derive(Debug)]
pub enum Reply {
    Json(StatusCode, Value),
    Empty(StatusCode),
}

impl Reply {
    pub fn ok(value: Value) -> Self {
        Self::Json(StatusCode::OK, value)
    }

    pub fn created(value: Value) -> Self {
        Self::Json(StatusCode::CREATED, value)
    }

    pub fn render(self, dialect: Dialect) -> Response {
        let (status, body) = match self {
            Self::Json(status, value) => (status, strip_nulls(value).to_string()),
            // An empty object keeps every parser happy, including ones that insist on a document.
            Self::Empty(status) if status == StatusCode::NO_CONTENT => (status, String::new()),
            Self::Empty(status) => (status, "{}".to_owned()),
        };
        let mut response = (status, body).into_response();
        finish_headers(response.headers_mut(), dialect);
        response
    }
}

pub type Outcome = Result<Reply, ApiError>;

fn finish_headers(headers: &mut HeaderMap, dialect: Dialect) {
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(dialect.content_type()));
    if let Ok(id) = HeaderValue::from_str(&request_id()) {
        headers.insert("x-amzn-requestid", id);
    }
}

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Drops `null` members so that outputs only carry what is set, as AWS does.
pub fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            Value::Object(map.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, strip_nulls(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// Epoch seconds as a JSON number, the default timestamp format of both JSON protocols.
pub fn epoch(ts: DateTime<Utc>) -> Value {
    // Milliseconds since 1970 stay far below 2^53, so the conversion is exact.
    #[allow(clippy::cast_precision_loss)]
    let seconds = ts.timestamp_millis() as f64 / 1000.0;
    json!(seconds)
}

/// An RFC 3339 string, for the DataZone members modeled with `timestampFormat: iso8601`.
pub fn iso(ts: DateTime<Utc>) -> Value {
    Value::String(ts.to_rfc3339_opts(SecondsFormat::Millis, true))
}

/// Parses a request body; an empty body stands for `{}` because SDKs omit it when nothing is set.
pub fn parse_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let text: &[u8] = if body.iter().all(u8::is_ascii_whitespace) { b"{}" } else { body };
    serde_json::from_slice(text).map_err(|err| {
        if err.is_data() {
            ApiError::validation(format!("1 validation error detected: {err}"))
        } else {
            ApiError::serialization(format!("Could not parse the request body: {err}"))
        }
    })
}

/// Where a page starts and how long it is, decoded from `maxResults` and `nextToken`.
#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    size: usize,
    offset: usize,
}

const TOKEN_PREFIX: &str = "mg1:";

impl PageRequest {
    /// `range` is the model's `maxResults` range; its upper bound is also the default page size.
    pub fn new(max_results: Option<i64>, next_token: Option<&str>, range: (i64, i64)) -> Result<Self, ApiError> {
        let size = match max_results {
            Some(n) => {
                check_range("maxResults", n, range.0, range.1)?;
                usize::try_from(n).unwrap_or(1)
            }
            None => usize::try_from(range.1).unwrap_or(50),
        };
        let offset = match next_token {
            None => 0,
            Some(token) => decode_token(token).ok_or_else(|| ApiError::validation("The nextToken is not valid"))?,
        };
        Ok(Self { size, offset })
    }

    /// Cuts one page out of the full, consistently ordered result.
    pub fn page<T>(self, items: Vec<T>) -> (Vec<T>, Option<String>) {
        let total = items.len();
        let end = self.offset.saturating_add(self.size).min(total);
        let next = (end < total).then(|| encode_token(end));
        let page = items.into_iter().skip(self.offset).take(end.saturating_sub(self.offset)).collect();
        (page, next)
    }
}

fn encode_token(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{TOKEN_PREFIX}{offset}"))
}

fn decode_token(token: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(token).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    text.strip_prefix(TOKEN_PREFIX)?.parse().ok()
}

/// The identity in a SigV4 `Authorization` header; the signature itself is not verified.
#[derive(Clone, Debug)]
pub struct Signature {
    pub access_key: String,
    pub service: String,
}

/// Reads `AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, ...`.
pub fn sigv4(headers: &HeaderMap) -> Option<Signature> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let rest = value.strip_prefix("AWS4-HMAC-SHA256")?.trim_start();
    let credential = rest.split(',').map(str::trim).find_map(|part| part.strip_prefix("Credential="))?;
    let mut scope = credential.split('/');
    let access_key = scope.next().filter(|s| !s.is_empty())?.to_owned();
    let _date = scope.next()?;
    let _region = scope.next()?;
    let service = scope.next().filter(|s| !s.is_empty())?.to_owned();
    (scope.next()? == "aws4_request").then_some(Signature { access_key, service })
}

/// Builds an anchored pattern the way the service models state them (without `^`/`$`).
fn anchored(pattern: &str) -> Regex {
    Regex::new(&format!("^(?:{pattern})$")).expect("built-in pattern compiles")
}

pub static DOMAIN_ID: LazyLock<Regex> = LazyLock::new(|| anchored(r"dzd[-_][a-zA-Z0-9_-]{1,36}"));
pub static RESOURCE_ID: LazyLock<Regex> = LazyLock::new(|| anchored(r"[a-zA-Z0-9_-]{1,36}"));
pub static DOMAIN_UNIT_ID: LazyLock<Regex> = LazyLock::new(|| anchored(r"[a-z0-9_\-]+"));
pub static NAME: LazyLock<Regex> = LazyLock::new(|| anchored(r"[\w -]+"));
pub static CLIENT_TOKEN: LazyLock<Regex> = LazyLock::new(|| anchored(r"[\x21-\x7E]+"));
pub static TAG_KEY: LazyLock<Regex> = LazyLock::new(|| anchored(r"[\w \.:/=+@-]+"));
pub static TAG_VALUE: LazyLock<Regex> = LazyLock::new(|| anchored(r"[\w \.:/=+@-]*"));
pub static ASSET_TYPE: LazyLock<Regex> = LazyLock::new(|| anchored(r"\w(?:[\w\.]*\w)?"));
pub static IDENTITY_STORE_ID: LazyLock<Regex> = LazyLock::new(|| {
    anchored(
        r"(arn:aws[a-z-]*:identitystore::\d{12}:identitystore/)?(d-[0-9a-f]{10}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})",
    )
});
pub static IDENTITY_RESOURCE_ID: LazyLock<Regex> = LazyLock::new(|| {
    anchored(
        r"(arn:aws[a-z-]*:identitystore:::(user|group|membership)/)?([0-9a-f]{10}-|)[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}",
    )
});

pub fn check_len(field: &str, value: &str, min: usize, max: usize) -> Result<(), ApiError> {
    let len = value.chars().count();
    if len < min || len > max {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: \
             Member must have length between {min} and {max}"
        )));
    }
    Ok(())
}

pub fn check_pattern(field: &str, value: &str, pattern: &Regex) -> Result<(), ApiError> {
    if pattern.is_match(value) {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: \
             Member must satisfy regular expression pattern"
        )))
    }
}

pub fn check_enum(field: &str, value: &str, allowed: &[&str]) -> Result<(), ApiError> {
    if allowed.contains(&value) {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: \
             Member must satisfy enum value set: [{}]",
            allowed.join(", ")
        )))
    }
}

pub fn check_range(field: &str, value: i64, min: i64, max: i64) -> Result<(), ApiError> {
    if value < min || value > max {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: \
             Member must have value between {min} and {max}"
        )));
    }
    Ok(())
}

pub fn check_count<T>(field: &str, items: &[T], min: usize, max: usize) -> Result<(), ApiError> {
    if items.len() < min || items.len() > max {
        return Err(ApiError::validation(format!(
            "1 validation error detected: Value at '{field}' failed to satisfy constraint: \
             Member must have between {min} and {max} items"
        )));
    }
    Ok(())
}

/// Checks an optional member with `check_len`.
pub fn check_opt_len(field: &str, value: Option<&str>, min: usize, max: usize) -> Result<(), ApiError> {
    value.map_or(Ok(()), |v| check_len(field, v, min, max))
}

/// Checks a union member: exactly one key must be set (nulls do not count).
pub fn union_key<'a>(field: &str, value: &'a Value) -> Result<(&'a str, &'a Value), ApiError> {
    let set: Vec<(&String, &Value)> =
        value.as_object().map(|map| map.iter().filter(|(_, v)| !v.is_null()).collect()).unwrap_or_default();
    match set.as_slice() {
        [(key, inner)] => Ok((key.as_str(), inner)),
        _ => Err(ApiError::validation(format!(
            "1 validation error detected: Value at '{field}' must have exactly one member set"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_reject_garbage() {
        let req = PageRequest::new(Some(2), None, (1, 50)).unwrap();
        let (first, next) = req.page(vec![1, 2, 3]);
        assert_eq!(first, vec![1, 2]);
        let token = next.unwrap();
        let req = PageRequest::new(Some(2), Some(&token), (1, 50)).unwrap();
        let (second, next) = req.page(vec![1, 2, 3]);
        assert_eq!(second, vec![3]);
        assert!(next.is_none());
        assert!(PageRequest::new(None, Some("not a token"), (1, 50)).is_err());
        assert!(PageRequest::new(Some(51), None, (1, 50)).is_err());
    }

    #[test]
    fn signing_identity_is_read_from_the_credential_scope() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240501/us-east-1/datazone/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature=abc",
            ),
        );
        let sig = sigv4(&headers).unwrap();
        assert_eq!(sig.access_key, "AKIDEXAMPLE");
        assert_eq!(sig.service, "datazone");
    }

    #[test]
    fn epoch_timestamps_keep_milliseconds() {
        let ts = DateTime::parse_from_rfc3339("2024-05-01T12:00:00.250Z").unwrap().with_timezone(&Utc);
        assert_eq!(epoch(ts), json!(1_714_564_800.25));
        assert_eq!(iso(ts), json!("2024-05-01T12:00:00.250Z"));
    }
}
