//! The built portal over real HTTP on port 0, against a fresh Postgres database per test.

use std::time::Duration;

use meshgate::store::{self, audit};
use meshgate::{Application, Config};
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

struct TestApp {
    base: String,
    client: reqwest::Client,
    _aws: emulator::RunningEmulator,
}

/// The portal on port 0 over `pool`, talking to its own in-process AWS emulator.
async fn spawn(pool: PgPool) -> TestApp {
    // The portal finds credentials the SDK's usual way; the emulator accepts any.
    static CREDENTIALS: std::sync::Once = std::sync::Once::new();
    CREDENTIALS.call_once(|| {
        std::env::set_var("AWS_ACCESS_KEY_ID", "meshgate-test");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "meshgate-test");
        std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
    });
    let aws = emulator::spawn(emulator::EmulatorConfig::default())
        .await
        .unwrap();
    let figment = Config::figment(None)
        .unwrap()
        .merge(("listen", "127.0.0.1:0"))
        .merge((
            "database_url",
            "postgres://postgres@127.0.0.1/pool-given-by-the-test",
        ))
        .merge(("database_timeout_ms", 1000))
        .merge(("aws_domain", "enterprise-data-mesh"))
        .merge(("aws_region", "us-east-1"))
        .merge(("aws_endpoint_url", aws.endpoint_url()));
    let config = Config::from_figment(figment).unwrap();
    let app = Application::build_with_pool(config, pool).await.unwrap();
    let base = format!("http://{}", app.local_addr());
    tokio::spawn(app.run_until(std::future::pending()));
    TestApp {
        base,
        client: reqwest::Client::new(),
        _aws: aws,
    }
}

impl TestApp {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }
}

fn event<'a>(actor: &'a str, action: &'a str) -> audit::NewEvent<'a> {
    audit::NewEvent {
        actor,
        action,
        target_kind: "project",
        target_id: "CustomerChurnModel-v2",
        before: None,
        after: Some(serde_json::json!({ "status": "submitted" })),
        request_id: Some("req-1"),
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn liveness_answers_ok(pool: PgPool) {
    let app = spawn(pool).await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
}

#[sqlx::test(migrations = "../migrations")]
async fn readiness_is_ok_when_every_migration_is_applied(pool: PgPool) {
    let app = spawn(pool).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["migrations"], "applied");
}

#[sqlx::test(migrations = false)]
async fn readiness_is_unavailable_while_migrations_are_pending(pool: PgPool) {
    let app = spawn(pool).await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status(), 503);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["migrations"], "pending");
}

#[tokio::test]
async fn an_unreachable_database_gives_503_readiness_and_a_clear_page() {
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy(&format!(
            "postgres://postgres@127.0.0.1:{closed_port}/meshgate"
        ))
        .unwrap();
    let app = spawn(pool).await;

    assert_eq!(app.get("/readyz").await.status(), 503);
    let page = app.get("/").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Meshgate can&#x27;t reach its database")
            || html.contains("Meshgate can't reach its database"),
        "{html}"
    );
    assert!(html.contains("Try again"));

    let call = app
        .client
        .post(format!("{}/api/recent_activity", app.base))
        .form(&[("limit", "5")])
        .send()
        .await
        .unwrap();
    assert_eq!(call.status(), 503);
    let error: serde_json::Value = call.json().await.unwrap();
    assert_eq!(error, serde_json::json!("DatabaseUnavailable"));
}

#[sqlx::test(migrations = "../migrations")]
async fn every_response_carries_a_request_id_and_keeps_a_given_one(pool: PgPool) {
    let app = spawn(pool).await;
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");

    let given = app
        .client
        .get(format!("{}/healthz", app.base))
        .header("x-request-id", "lb-1234")
        .send()
        .await
        .unwrap();
    assert_eq!(given.headers()["x-request-id"], "lb-1234");
}

#[sqlx::test(migrations = "../migrations")]
async fn metrics_count_requests_per_route(pool: PgPool) {
    let app = spawn(pool).await;
    app.get("/readyz").await;
    app.get("/no-such-page").await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(
            r#"meshgate_http_requests_total{method="GET",status="200",endpoint="/readyz"}"#
        ),
        "{metrics}"
    );
    assert!(metrics.contains(r#"endpoint="unmatched""#), "{metrics}");
    assert!(
        metrics.contains("meshgate_http_requests_duration_seconds_bucket"),
        "{metrics}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_unknown_page_is_a_404_with_a_way_back(pool: PgPool) {
    let app = spawn(pool).await;
    let response = app.get("/no-such-page").await;
    assert_eq!(response.status(), 404);
    let html = response.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(html.contains("Back to the overview"));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_overview_lists_the_newest_audit_events_first(pool: PgPool) {
    audit::record(&pool, &event("alice", "project.requested"))
        .await
        .unwrap();
    audit::record(&pool, &event("bob", "project.approved"))
        .await
        .unwrap();
    let app = spawn(pool).await;

    let html = app.get("/").await.text().await.unwrap();
    let requested = html.find("project.requested").expect("first event shown");
    let approved = html.find("project.approved").expect("second event shown");
    assert!(approved < requested, "newest first");

    let call = app
        .client
        .post(format!("{}/api/recent_activity", app.base))
        .form(&[("limit", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(call.status(), 200);
    let events: Vec<serde_json::Value> = call.json().await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["actor"], "bob");
    assert_eq!(events[0]["request_id"], "req-1");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_overview_names_the_datazone_domain_found_by_name(pool: PgPool) {
    let app = spawn(pool).await;
    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains("enterprise-data-mesh"), "{html}");
    assert!(html.contains("dzd_"), "the resolved id is shown: {html}");
    assert!(html.contains("Open SageMaker Unified Studio"));
}

#[sqlx::test(migrations = "../migrations")]
async fn the_overview_has_an_empty_state(pool: PgPool) {
    let app = spawn(pool).await;
    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains("No activity yet"), "{html}");
}

#[sqlx::test(migrations = false)]
async fn migrating_records_the_schema_change_exactly_once(pool: PgPool) {
    store::migrate(&pool).await.unwrap();
    store::migrate(&pool).await.unwrap();
    let events = audit::recent(&pool, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "schema.migrated");
    assert_eq!(events[0].actor, "meshgate");
    assert!(store::migrations_applied(&pool).await.unwrap());
}

#[sqlx::test(migrations = "../migrations")]
async fn audit_events_cannot_be_changed_or_deleted(pool: PgPool) {
    let id = audit::record(&pool, &event("alice", "project.requested"))
        .await
        .unwrap();
    let update = sqlx::query("UPDATE audit_events SET actor = 'mallory' WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await;
    assert!(update.unwrap_err().to_string().contains("insert-only"));
    let delete = sqlx::query("DELETE FROM audit_events WHERE id = $1")
        .bind(id)
        .execute(&pool)
        .await;
    assert!(delete.unwrap_err().to_string().contains("insert-only"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_malformed_audit_action_is_refused_by_the_database(pool: PgPool) {
    let result = audit::record(&pool, &event("alice", "Not An Action")).await;
    assert!(result.is_err());
    assert!(audit::recent(&pool, 10).await.unwrap().is_empty());
}
