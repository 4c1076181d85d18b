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
}

impl Api {
    fn signing_name(self) -> &'static str {
        match self {
            Self::DataZone => "datazone",
            Self::IdentityStore => "identitystore",
            Self::SsoAdmin => "sso",
        }
    }

    fn dialect(self) -> Dialect {
        match self {
            Self::DataZone => Dialect::RestJson,
            Self::IdentityStore | Self::SsoAdmin => Dialect::AwsJson,
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
        return None;
    }
    match signing {
        Some("datazone") => Some(Api::DataZone),
        Some("identitystore") => Some(Api::IdentityStore),
        Some("sso") => Some(Api::SsoAdmin),
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

fn resolve(api: Api, method: &Method, path: &str, target: Option<&str>) -> Option<Route> {
    match api {
        Api::DataZone => datazone::route(method, &decode_segments(path)),
        Api::IdentityStore | Api::SsoAdmin => {
            if method != Method::POST || path != "/" {
                return None;
            }
            let name = target?.split_once('.')?.1;
            if api == Api::IdentityStore {
                identitystore::route(name)
            } else {
                ssoadmin::route(name)
            }
        }
    }
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
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )
        .render(dialect);
    };
    if signature.service != api.signing_name() {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "InvalidSignatureException",
            format!("Credential should be scoped to correct service: '{}'", api.signing_name()),
        )
        .render(dialect);
    }
    let Some(route) = resolve(api, &parts.method, &path, target.as_deref()) else {
        return ApiError::unknown_operation(format!("No operation matches {} {path}", parts.method)).render(dialect);
    };
    let Ok(bytes) = to_bytes(Body::new(body), BODY_LIMIT).await else {
        return ApiError::validation("The request body is too large or was cut short").render(dialect);
    };
    emulator.count(route.operation);

    let (latency, injected) = {
        let faults = lock(&emulator.inner.faults);
        (faults.latency(), faults.roll(route.operation))
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match injected {
        Injected::Throttle => return ApiError::throttling("Rate exceeded").render(dialect),
        Injected::ServerError => {
            return ApiError::internal("An internal error occurred (injected)").render(dialect);
        }
        Injected::Nothing => {}
    }
    if !emulator.take_quota(route.operation, Instant::now()) {
        return ApiError::throttling(format!("Rate exceeded for operation {}", route.operation)).render(dialect);
    }

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
        (route.handler)(&mut state, &call)
    };
    // The change is made; a reply that is slow to come may never reach the caller.
    let reply_delay = Duration::from_millis(lock(&emulator.inner.faults).reply_delay_ms);
    if !reply_delay.is_zero() {
        tokio::time::sleep(reply_delay).await;
    }
    match outcome {
        Ok(reply) => reply.render(dialect),
        Err(err) if api == Api::DataZone => datazone::modeled_error(route.operation, err).render(dialect),
        Err(err) => err.render(dialect),
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
