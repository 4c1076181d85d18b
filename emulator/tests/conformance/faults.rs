//! Injected faults, AWS quotas, introspection, resets and requests no SDK would send.

use std::time::{Duration, Instant};

use emulator::{Faults, FaultsPatch};
use serde_json::{json, Value};

use crate::common::{mesh, mesh_with, test_faults};

const DATAZONE_AUTH: &str =
    "AWS4-HMAC-SHA256 Credential=AKIDRAW/20250101/us-east-1/datazone/aws4_request, SignedHeaders=host, Signature=00";

#[tokio::test]
async fn injected_throttling_is_seen_as_throttling() {
    let m = mesh_with(Faults { throttle_rate: 1.0, ..test_faults() }).await;
    let err = m.dz.list_domains().send().await.unwrap_err();
    let service = err.as_service_error().unwrap();
    assert!(service.is_throttling_exception());
    assert_eq!(err.raw_response().unwrap().status().as_u16(), 429);
    let err = m.sso.list_instances().send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_throttling_exception());
}

#[tokio::test]
async fn injected_server_errors_are_internal_server_exceptions() {
    let m = mesh().await;
    m.server
        .emulator
        .set_faults(FaultsPatch {
            error_rate: Some(1.0),
            operations: Some(vec!["GetDomain".into()]),
            ..FaultsPatch::default()
        })
        .unwrap();
    let err = m.dz.get_domain().identifier(&m.domain).send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_internal_server_exception());
    // Only the named operation is affected.
    m.dz.list_domains().send().await.unwrap();
}

#[tokio::test]
async fn accept_is_throttled_above_three_per_second() {
    let m = mesh_with(Faults { quotas: true, ..test_faults() }).await;
    let mut throttled = 0;
    for _ in 0..6 {
        // Unknown ids are fine: the quota is taken before the request is looked at.
        let result =
            m.dz.accept_subscription_request().domain_identifier(&m.domain).identifier("nosuchrequest").send().await;
        if result
            .as_ref()
            .err()
            .and_then(|e| e.as_service_error())
            .is_some_and(aws_sdk_datazone::operation::accept_subscription_request::AcceptSubscriptionRequestError::is_throttling_exception)
        {
            throttled += 1;
        }
    }
    assert!(throttled >= 2, "throttled {throttled} of 6");
    m.server.emulator.set_faults(FaultsPatch { quotas: Some(false), ..FaultsPatch::default() }).unwrap();
    let err =
        m.dz.accept_subscription_request()
            .domain_identifier(&m.domain)
            .identifier("nosuchrequest")
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
}

#[tokio::test]
async fn latency_is_added_to_every_call() {
    let m = mesh_with(Faults { latency_ms: 150, ..test_faults() }).await;
    let start = Instant::now();
    m.dz.list_domains().send().await.unwrap();
    assert!(start.elapsed() >= Duration::from_millis(150));
}

#[tokio::test]
async fn faults_are_read_and_changed_over_http() {
    let m = mesh().await;
    let http = reqwest::Client::new();
    let current: Value = http.get(m.url("/_emulator/faults")).send().await.unwrap().json().await.unwrap();
    assert_eq!(current["quotas"], json!(false));
    assert_eq!(current["deployDelayMs"], json!(300));
    let changed: Value = http
        .post(m.url("/_emulator/faults"))
        .json(&json!({"throttleRate": 0.25, "deployFailNext": 2, "latencyJitterMs": 5}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(changed["throttleRate"], json!(0.25));
    assert_eq!(changed["deployFailNext"], json!(2));
    assert_eq!(m.server.emulator.faults().latency_jitter_ms, 5);
    let refused = http.post(m.url("/_emulator/faults")).json(&json!({"errorRate": 2.0})).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 400);
    let unknown = http.post(m.url("/_emulator/faults")).json(&json!({"noSuchKnob": 1})).send().await.unwrap();
    assert_eq!(unknown.status().as_u16(), 400);
}

#[tokio::test]
async fn calls_are_counted_and_reset_with_or_without_state() {
    let m = mesh().await;
    let http = reqwest::Client::new();
    m.dz.list_domains().send().await.unwrap();
    m.dz.list_domains().send().await.unwrap();
    m.dz.create_project().domain_identifier(&m.domain).name("Counted").send().await.unwrap();
    let calls: Value = http.get(m.url("/_emulator/calls")).send().await.unwrap().json().await.unwrap();
    assert_eq!(calls, json!({"ListDomains": 2, "CreateProject": 1}));

    http.post(m.url("/_emulator/reset")).json(&json!({"state": false})).send().await.unwrap();
    assert!(m.server.emulator.calls().is_empty());
    assert_eq!(m.project_id("Counted").await.len(), 14);

    http.post(m.url("/_emulator/reset")).json(&json!({"state": true})).send().await.unwrap();
    let out = m.dz.list_projects().domain_identifier(&m.domain).name("Counted").send().await.unwrap();
    assert!(out.items().is_empty());
    // Seeded ids survive a reset.
    assert_eq!(m.server.emulator.domain_id(), m.domain);
}

#[tokio::test]
async fn malformed_json_is_a_client_error_not_a_crash() {
    let m = mesh().await;
    let http = reqwest::Client::new();
    let response = http
        .post(m.url(&format!("/v2/domains/{}/projects", m.domain)))
        .header("authorization", DATAZONE_AUTH)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(response.headers()["x-amzn-errortype"], "SerializationException");
    let wrong_type = http
        .post(m.url(&format!("/v2/domains/{}/projects", m.domain)))
        .header("authorization", DATAZONE_AUTH)
        .body("{\"name\": 42}")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status().as_u16(), 400);
    assert_eq!(wrong_type.headers()["x-amzn-errortype"], "ValidationException");
    let body: Value = wrong_type.json().await.unwrap();
    assert!(body["message"].is_string());
    // Still serving.
    m.dz.list_domains().send().await.unwrap();
}

#[tokio::test]
async fn unknown_routes_and_unsigned_requests_are_refused() {
    let m = mesh().await;
    let http = reqwest::Client::new();
    let unknown =
        http.get(m.url("/v2/domains/dzd_x/nothing-here")).header("authorization", DATAZONE_AUTH).send().await.unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(unknown.headers()["x-amzn-errortype"], "UnknownOperationException");
    let not_aws = http.get(m.url("/favicon.ico")).send().await.unwrap();
    assert_eq!(not_aws.status().as_u16(), 404);
    let unsigned = http.get(m.url("/v2/domains")).send().await.unwrap();
    assert_eq!(unsigned.status().as_u16(), 403);
    let unknown_target = http
        .post(m.url("/"))
        .header("x-amz-target", "AWSIdentityStore.DeleteEverything")
        .header("authorization", DATAZONE_AUTH.replace("/datazone/", "/identitystore/"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown_target.status().as_u16(), 404);
    let body: Value = unknown_target.json().await.unwrap();
    assert_eq!(body["__type"], json!("UnknownOperationException"));
}

#[tokio::test]
async fn concurrent_creates_keep_names_unique() {
    let m = mesh().await;
    let attempts = (0..16).map(|i| {
        let dz = m.dz.clone();
        let domain = m.domain.clone();
        tokio::spawn(async move {
            dz.create_project().domain_identifier(domain).name(format!("Parallel-{}", i % 4)).send().await.is_ok()
        })
    });
    let mut created = 0;
    for attempt in attempts {
        if attempt.await.unwrap() {
            created += 1;
        }
    }
    assert_eq!(created, 4);
}
