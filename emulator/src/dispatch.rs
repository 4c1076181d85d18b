//! The path of one AWS call: protocol detection, SigV4 presence, counting, faults, quotas, handler.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State as AxumState};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use chrono::{DateTime, TimeDelta, Utc};
use serde::de::DeserializeOwned;

use crate::faults::{Faults, Injected};
use crate::sqs::{self, SqsCall};
use crate::state::State;
use crate::wire::{self, ApiError, Dialect, Outcome, PageRequest};
use crate::{datazone, identitystore, lock, ssoadmin, Emulator};

/// Bodies above this are refused; the largest modeled input (asset forms) stays well below it.
const BODY_LIMIT: usize = 8 * 1024 * 1024;

/// An operation handler: runs under the state lock, so it must not block or await.
pub type Handler = fn(&mut State, &Call) -> Outcome;

/// A resolved operation: its model name, its handler and its path labels in URI order.
pub struct Route {
    pub operation: &'static str,
    pub handler: Handler,
    pub labels: Vec<String>,
}

/// Everything a handler may read about the request it serves.
pub struct Call<'a> {
    pub operation: &'static str,
    pub labels: Vec<String>,
    pub query: Vec<(String, String)>,
    pub body: &'a [u8],
    /// The access key id from the SigV4 credential scope, reported as `createdBy`.
    pub caller: &'a str,
    pub now: DateTime<Utc>,
    faults: &'a Mutex<Faults>,
}

impl Call<'_> {
    pub fn label(&self, index: usize) -> &str {
        self.labels.get(index).map_or("", String::as_str)
    }

    pub fn query(&self, key: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn query_int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        self.query(key)
            .map(|v| v.parse().map_err(|_| ApiError::validation(format!("{key} must be an integer"))))
            .transpose()
    }

    pub fn query_bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        self.query(key)
            .map(|v| match v {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(ApiError::validation(format!("{key} must be true or false"))),
            })
            .transpose()
    }

    pub fn body<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        wire::parse_body(self.body)
    }

    /// The page asked for with the query members `maxResults` and `nextToken`.
    pub fn query_page(&self, range: (i64, i64)) -> Result<PageRequest, ApiError> {
        PageRequest::new(self.query_int("maxResults")?, self.query("nextToken"), range)
    }

    pub fn deploy_delay(&self) -> TimeDelta {
        let delay = lock(self.faults).deploy_delay();
        TimeDelta::from_std(delay).unwrap_or(TimeDelta::zero())
    }

    pub fn take_deploy_failure(&self) -> bool {
        lock(self.faults).take_deploy_failure()
    }

    pub fn take_grant_failure(&self, revoke: bool) -> bool {
        lock(self.faults).take_grant_failure(revoke)
    }
}

/// The API a request belongs to, and the SigV4 signing name that API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Api {
    DataZone,
    IdentityStore,
    SsoAdmin,
    Sqs,
}

impl Api {
    fn signing_name(self) -> &'static str {
        match self {
            Self::DataZone => "datazone",
            Self::IdentityStore => "identitystore",
            Self::SsoAdmin => "sso",
            Self::Sqs => "sqs",
        }
    }

    fn dialect(self) -> Dialect {
        match self {
            Self::DataZone => Dialect::RestJson,
            Self::IdentityStore | Self::SsoAdmin => Dialect::AwsJson,
            Self::Sqs => Dialect::AwsJson10,
        }
    }

    /// Renders an error the way this API's SDKs read it.
    fn fail(self, err: ApiError) -> Response {
        match self {
            Self::Sqs => sqs::errors::adapt(err).render(self.dialect()),
            _ => err.render(self.dialect()),
        }
    }
}

/// What serves a resolved operation: a handler over the DataZone/Identity Center state, or SQS.
enum Target {
    State(Route),
    Sqs(&'static str),
}

impl Target {
    fn operation(&self) -> &'static str {
        match self {
            Self::State(route) => route.operation,
            Self::Sqs(operation) => operation,
        }
    }
}

/// Tells the APIs apart by `X-Amz-Target` first, then by the signing name, then by path.
fn classify(target: Option<&str>, signing: Option<&str>, path: &str) -> Option<Api> {
    if let Some(target) = target {
        if target.starts_with("AWSIdentityStore.") {
            return Some(Api::IdentityStore);
        }
        if target.starts_with("SWBExternalService.") {
            return Some(Api::SsoAdmin);
        }
        if target.starts_with("AmazonSQS.") {
            return Some(Api::Sqs);
        }
        return None;
    }
    match signing {
        Some("datazone") => Some(Api::DataZone),
        Some("identitystore") => Some(Api::IdentityStore),
        Some("sso") => Some(Api::SsoAdmin),
        Some("sqs") => Some(Api::Sqs),
        _ if path.starts_with("/v2/") => Some(Api::DataZone),
        _ => None,
    }
}

fn decode_segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned())
        .collect()
}

fn resolve(api: Api, method: &Method, path: &str, target: Option<&str>) -> Option<Target> {
    if api == Api::DataZone {
        return datazone::route(method, &decode_segments(path)).map(Target::State);
    }
    // The awsJson protocols: `POST /`, the operation named by `X-Amz-Target`.
    if method != Method::POST || path != "/" {
        return None;
    }
    let name = target?.split_once('.')?.1;
    match api {
        Api::IdentityStore => identitystore::route(name).map(Target::State),
        Api::SsoAdmin => ssoadmin::route(name).map(Target::State),
        Api::Sqs => sqs::route(name).map(Target::Sqs),
        Api::DataZone => None,
    }
}

/// `scheme://host[:port]` of the request, the base of the SQS queue URLs it is told. The
/// listener speaks plain HTTP.
fn base_url(parts: &axum::http::request::Parts) -> String {
    let host = parts
        .headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| parts.uri.authority().map(ToString::to_string))
        .unwrap_or_else(|| "localhost".to_owned());
    format!("http://{host}")
}

/// The fallback handler that serves every AWS API on the listener.
pub async fn aws(AxumState(emulator): AxumState<Emulator>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let target = header("x-amz-target");
    let signature = wire::sigv4(&parts.headers);
    let path = parts.uri.path().to_owned();
    let Some(api) = classify(target.as_deref(), signature.as_ref().map(|s| s.service.as_str()), &path) else {
        let dialect = if target.is_some() { Dialect::AwsJson } else { Dialect::RestJson };
        return ApiError::unknown_operation(format!("No operation matches {} {path}", parts.method)).render(dialect);
    };
    let dialect = api.dialect();
    let Some(signature) = signature else {
        return api.fail(ApiError::new(
            StatusCode::FORBIDDEN,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        ));
    };
    if signature.service != api.signing_name() {
        return api.fail(ApiError::new(
            StatusCode::FORBIDDEN,
            "InvalidSignatureException",
            format!("Credential should be scoped to correct service: '{}'", api.signing_name()),
        ));
    }
    let Some(resolved) = resolve(api, &parts.method, &path, target.as_deref()) else {
        return api.fail(ApiError::unknown_operation(format!("No operation matches {} {path}", parts.method)));
    };
    let Ok(bytes) = to_bytes(Body::new(body), BODY_LIMIT).await else {
        return api.fail(ApiError::validation("The request body is too large or was cut short"));
    };
    let operation = resolved.operation();
    emulator.count(operation);

    let (latency, injected) = {
        let faults = lock(&emulator.inner.faults);
        (faults.latency(), faults.roll(operation))
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match injected {
        Injected::Throttle => return api.fail(ApiError::throttling("Rate exceeded")),
        Injected::ServerError => return api.fail(ApiError::internal("An internal error occurred (injected)")),
        Injected::Nothing => {}
    }
    if !emulator.take_quota(operation, Instant::now()) {
        return api.fail(ApiError::throttling(format!("Rate exceeded for operation {operation}")));
    }
    let route = match resolved {
        Target::State(route) => route,
        Target::Sqs(operation) => {
            let call = SqsCall { operation, body: &bytes, caller: &signature.access_key, base_url: base_url(&parts) };
            let outcome = emulator.inner.sqs.serve(&call).await;
            delay_reply(&emulator).await;
            return match outcome {
                Ok(reply) => reply.render(dialect),
                Err(err) => api.fail(err),
            };
        }
    };

    let query =
        parts.uri.query().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default();
    let call = Call {
        operation: route.operation,
        labels: route.labels,
        query,
        body: &bytes,
        caller: &signature.access_key,
        now: Utc::now(),
        faults: &emulator.inner.faults,
    };
    let outcome = {
        let mut state = lock(&emulator.inner.state);
        state.advance(call.now);
        let outcome = (route.handler)(&mut state, &call);
        // Still under the state lock, so that events reach the bus in the order they happened.
        emulator.publish(&mut state);
        outcome
    };
    delay_reply(&emulator).await;
    match outcome {
        Ok(reply) => reply.render(dialect),
        Err(err) if api == Api::DataZone => datazone::modeled_error(route.operation, err).render(dialect),
        Err(err) => err.render(dialect),
    }
}

/// The change is made; a reply that is slow to come may never reach the caller.
async fn delay_reply(emulator: &Emulator) {
    let reply_delay = Duration::from_millis(lock(&emulator.inner.faults).reply_delay_ms);
    if !reply_delay.is_zero() {
        tokio::time::sleep(reply_delay).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apis_are_told_apart_by_target_then_signing_name() {
        assert_eq!(classify(Some("AWSIdentityStore.GetUserId"), Some("identitystore"), "/"), Some(Api::IdentityStore));
        assert_eq!(classify(Some("SWBExternalService.ListInstances"), None, "/"), Some(Api::SsoAdmin));
        assert_eq!(classify(None, Some("datazone"), "/v2/domains"), Some(Api::DataZone));
        assert_eq!(classify(Some("AmazonSQS.ReceiveMessage"), Some("sqs"), "/"), Some(Api::Sqs));
        assert_eq!(classify(None, Some("sqs"), "/"), Some(Api::Sqs));
        assert_eq!(classify(Some("Other.Op"), None, "/"), None);
        assert_eq!(classify(None, None, "/favicon.ico"), None);
    }

    #[test]
    fn path_labels_are_percent_decoded() {
        assert_eq!(
            decode_segments("/v2/domains/dzd_1/user-profiles/a%40b.com"),
            vec!["v2", "domains", "dzd_1", "user-profiles", "a@b.com"]
        );
    }
}
