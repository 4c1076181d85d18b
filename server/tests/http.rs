//! The built portal over real HTTP on port 0, against a fresh Postgres database per test.

use std::time::Duration;

use meshgate::store::{self, audit};
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

mod support;

use support::{plain, spawn, Setup, TestApp};

impl TestApp {
    async fn get(&self, path: &str) -> reqwest::Response {
        plain().get(self.url(path)).send().await.unwrap()
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
    let closed_port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy(&format!("postgres://postgres@127.0.0.1:{closed_port}/meshgate"))
        .unwrap();
    let app = spawn(pool).await;

    assert_eq!(app.get("/readyz").await.status(), 503);
    // A returning visitor's session cannot be read, and the page says why.
    let cookie = ("cookie", format!("meshgate_session={}", tower_sessions::session::Id::default()));
    let client = plain();
    let page = client.get(app.url("/")).header(cookie.0, &cookie.1).send().await.unwrap();
    assert_eq!(page.status(), 503, "the page is sent whole, with the status of what it could not load");
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Meshgate can&#x27;t reach its database") || html.contains("Meshgate can't reach its database"),
        "{html}"
    );
    assert!(html.contains("Try again"));

    let call =
        client.post(app.url("/api/recent_activity")).header(cookie.0, &cookie.1).form(&[("limit", "5")]).send().await;
    let call = call.unwrap();
    assert_eq!(call.status(), 503);
    let error: serde_json::Value = call.json().await.unwrap();
    assert_eq!(error, serde_json::json!("DatabaseUnavailable"));
}

/// Finding the app's pages holds back every resource load in the process while it runs
/// (Leptos's `SuppressResourceLoad`), so a page rendering meanwhile would never get its data.
/// It happens once per process: pages keep coming while more portals start beside them, as
/// the tests' own portals do.
#[sqlx::test(migrations = "../migrations")]
async fn pages_arrive_while_other_portals_start_in_the_process(pool: PgPool) {
    use std::sync::atomic::{AtomicBool, Ordering};
    let app = spawn(pool).await;
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let starting = std::thread::spawn({
        let done = done.clone();
        move || {
            // A portal starts inside a Tokio runtime, as on any other thread.
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            let _inside = runtime.enter();
            let mut started = 0;
            while !done.load(Ordering::Relaxed) {
                assert!(!meshgate::startup::route_list().is_empty());
                started += 1;
            }
            started
        }
    });
    let client = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().unwrap();
    for _ in 0..20 {
        let page = client.get(app.url("/")).send().await.expect("the page arrives").text().await;
        assert!(page.expect("the page arrives whole").contains("Sign in"));
    }
    done.store(true, Ordering::Relaxed);
    assert!(starting.join().unwrap() > 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn every_response_carries_a_request_id_and_keeps_a_given_one(pool: PgPool) {
    let app = spawn(pool).await;
    let generated = app.get("/healthz").await;
    let id = generated.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");

    let given = plain().get(app.url("/healthz")).header("x-request-id", "lb-1234").send().await.unwrap();
    assert_eq!(given.headers()["x-request-id"], "lb-1234");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_request_id_that_is_not_a_short_token_is_replaced(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let client = plain();
    for sent in ["x".repeat(200_000), "x".repeat(65), "a b".to_owned(), "id;drop".to_owned()] {
        // An anonymous server-function call: refused, and the refusal is an audit event.
        let answer = client
            .post(app.url("/api/recent_activity"))
            .header("x-request-id", &sent)
            .form(&[("limit", "5")])
            .send()
            .await
            .unwrap();
        let echoed = answer.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(echoed.len(), 36, "a fresh UUID instead of {} characters", sent.len());
    }
    let longest: Option<i32> =
        sqlx::query_scalar("SELECT max(length(request_id)) FROM audit_events").fetch_one(&pool).await.unwrap();
    assert!(longest.unwrap_or(0) <= 64, "no audit row keeps a long client id: {longest:?}");
    let kept = client.get(app.url("/healthz")).header("x-request-id", "a".repeat(64)).send().await.unwrap();
    assert_eq!(kept.headers()["x-request-id"], "a".repeat(64).as_str());
}

#[sqlx::test(migrations = "../migrations")]
async fn metrics_count_requests_per_route(pool: PgPool) {
    let app = spawn(pool).await;
    app.get("/readyz").await;
    app.get("/no-such-page").await;
    let metrics = app.get("/metrics").await.text().await.unwrap();
    assert!(
        metrics.contains(r#"meshgate_http_requests_total{method="GET",status="200",endpoint="/readyz"}"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"endpoint="unmatched""#), "{metrics}");
    assert!(metrics.contains("meshgate_http_requests_duration_seconds_bucket"), "{metrics}");
}

#[sqlx::test(migrations = "../migrations")]
async fn metrics_ask_for_the_token_when_one_is_set(pool: PgPool) {
    let setup = Setup { extra: vec![("metrics_token", "s3cret-scraper".into())], ..Setup::default() };
    let app = support::spawn_with(pool, setup).await;
    assert_eq!(app.get("/metrics").await.status(), 401);
    let client = plain();
    let wrong = client.get(app.url("/metrics")).bearer_auth("s3cret-scrapes").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let right = client.get(app.url("/metrics")).bearer_auth("s3cret-scraper").send().await.unwrap();
    assert_eq!(right.status(), 200);
    assert_eq!(app.get("/healthz").await.status(), 200, "other routes need no token");
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
    audit::record(&pool, &event("erin", "project.requested")).await.unwrap();
    audit::record(&pool, &event("bob", "project.approved")).await.unwrap();
    let app = spawn(pool).await;
    let admin = app.signed_in("alice").await;

    let html = admin.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    let requested = html.find("project.requested").expect("first event shown");
    let approved = html.find("project.approved").expect("second event shown");
    assert!(approved < requested, "newest first");

    let call = app.call(&admin, "recent_activity", &[("limit", "2")]).await;
    assert_eq!(call.status(), 200);
    let events: Vec<serde_json::Value> = call.json().await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["action"], "auth.signed_in", "the admin's own sign-in is the newest");
    assert_eq!(events[1]["actor"], "bob");
    assert_eq!(events[1]["request_id"], "req-1");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_team_lead_sees_only_their_own_activity(pool: PgPool) {
    audit::record(&pool, &event("bob", "project.approved")).await.unwrap();
    let app = spawn(pool).await;
    let lead = app.signed_in("erin").await;
    let events: Vec<serde_json::Value> =
        app.call(&lead, "recent_activity", &[("limit", "50")]).await.json().await.unwrap();
    assert!(!events.is_empty());
    assert!(events.iter().all(|e| e["actor"] == "erin"), "{events:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn the_overview_names_the_datazone_domain_found_by_name(pool: PgPool) {
    let app = spawn(pool).await;
    let lead = app.signed_in("zoe").await;
    let html = lead.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("enterprise-data-mesh"), "{html}");
    assert!(html.contains("dzd_"), "the resolved id is shown: {html}");
    assert!(html.contains("Open SageMaker Unified Studio"));
}

#[sqlx::test(migrations = "../migrations")]
async fn an_anonymous_visitor_is_offered_sign_in(pool: PgPool) {
    let app = spawn(pool).await;
    let html = app.get("/").await.text().await.unwrap();
    assert!(html.contains("Sign in with your company account"), "{html}");
    assert!(html.contains("/auth/login?next=/"), "{html}");
    assert!(!html.contains("Recent activity"));
}

#[sqlx::test(migrations = false)]
async fn migrating_records_the_schema_change_exactly_once(pool: PgPool) {
    store::migrate(&pool).await.unwrap();
    store::migrate(&pool).await.unwrap();
    let events = audit::recent(&pool, 10, None).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "schema.migrated");
    assert_eq!(events[0].actor, "meshgate");
    assert!(store::migrations_applied(&pool).await.unwrap());
}

#[sqlx::test(migrations = "../migrations")]
async fn audit_events_cannot_be_changed_or_deleted(pool: PgPool) {
    let id = audit::record(&pool, &event("alice", "project.requested")).await.unwrap();
    let update = sqlx::query("UPDATE audit_events SET actor = 'mallory' WHERE id = $1").bind(id).execute(&pool).await;
    assert!(update.unwrap_err().to_string().contains("insert-only"));
    let delete = sqlx::query("DELETE FROM audit_events WHERE id = $1").bind(id).execute(&pool).await;
    assert!(delete.unwrap_err().to_string().contains("insert-only"));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_malformed_audit_action_is_refused_by_the_database(pool: PgPool) {
    let result = audit::record(&pool, &event("alice", "Not An Action")).await;
    assert!(result.is_err());
    assert!(audit::recent(&pool, 10, None).await.unwrap().is_empty());
}

#[sqlx::test(migrations = "../migrations")]
async fn every_input_is_capped_with_a_clear_error(pool: PgPool) {
    let app = spawn(pool).await;
    let alice = app.signed_in("alice").await;
    // A body over the portal's limit never reaches a handler.
    let huge = "x".repeat(300 * 1024);
    let answer = app.call(&alice, "glossary_terms", &[("query", huge.as_str())]).await;
    assert_eq!(answer.status(), 413);
    // Each field has its own cap, named in the answer.
    let long = "x".repeat(201);
    for (endpoint, form) in [
        ("glossary_terms", vec![("query", long.as_str())]),
        ("search_principals", vec![("query", long.as_str())]),
        ("audit_log", vec![("actor", long.as_str()), ("action", ""), ("target", ""), ("from", ""), ("to", "")]),
        ("project_request", vec![("id", long.as_str())]),
    ] {
        let answer = app.call(&alice, endpoint, &form).await;
        assert_eq!(answer.status(), 422, "{endpoint}");
        let body = answer.text().await.unwrap();
        assert!(body.contains("characters or fewer"), "{endpoint}: {body}");
    }
    // A NUL character, which neither Postgres text nor AWS takes, is refused in words.
    let answer = app
        .call(&alice, "audit_log", &[("actor", ""), ("action", "a\0b"), ("target", ""), ("from", ""), ("to", "")])
        .await;
    assert_eq!(answer.status(), 422);
    assert!(answer.text().await.unwrap().contains("NUL character out of action"));
    // An id DataZone could never have issued is the caller's mistake, not a failure of AWS.
    let answer = app.call(&alice, "catalog_asset", &[("listing_id", "not an id!")]).await;
    assert_eq!(answer.status(), 422, "{:?}", answer.text().await);
    // Nothing is half-made: a unit name DataZone would refuse is refused first, in words.
    let units_before = app.call(&alice, "project_units", &[]).await.text().await.unwrap();
    let root = "x";
    let name = "n".repeat(129);
    let answer = app
        .call(&alice, "create_domain_unit", &[("parent_id", root), ("name", name.as_str()), ("description", "")])
        .await;
    assert_eq!(answer.status(), 422);
    assert_eq!(app.call(&alice, "project_units", &[]).await.text().await.unwrap(), units_before);
}
