//! `/api/v1` over real HTTP, as a pipeline calls it: personal access tokens made on the
//! tokens page, scopes, problem documents, idempotent POSTs, the audit trail and the OpenAPI
//! document.

mod support;

use serde_json::{json, Value};
use sqlx::PgPool;
use support::{ok, plain, spawn, TestApp};

/// Makes a token as `client`'s person would on the tokens page; answers its secret.
async fn token(app: &TestApp, client: &reqwest::Client, name: &str, scopes: &[&str]) -> String {
    let made =
        ok(app.call_json(client, "create_token", &json!({"form": {"name": name, "scopes": scopes, "days": 7}})).await)
            .await;
    made["secret"].as_str().unwrap().to_owned()
}

async fn api(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    secret: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = plain().request(method, app.url(&format!("/api/v1{path}"))).bearer_auth(secret);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

async fn get(app: &TestApp, path: &str, secret: &str) -> (u16, Value) {
    let response = api(app, reqwest::Method::GET, path, secret, None).await;
    (response.status().as_u16(), response.json().await.unwrap())
}

fn is_problem(response: &reqwest::Response) -> bool {
    response.headers()["content-type"] == "application/problem+json"
}

#[sqlx::test(migrations = "../migrations")]
async fn a_token_is_shown_once_acts_for_its_owner_and_stops_when_revoked(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let trent = app.signed_in("trent").await;
    let secret = token(&app, &trent, "gitlab deploy", &["read"]).await;
    assert!(secret.starts_with("mgp_") && secret.len() == 68, "{secret}");

    // The list shows the token, never its secret.
    let page = ok(app.call(&trent, "my_tokens", &[]).await).await;
    let listed = &page["tokens"][0];
    assert_eq!(listed["name"], "gitlab deploy");
    assert_eq!(listed["scopes"], json!(["read"]));
    assert_eq!(listed["last_used_at"], Value::Null);
    assert!(!page.to_string().contains(&secret[4..]), "the secret is not stored or shown again");

    let (status, me) = get(&app, "/me", &secret).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["username"], "trent");
    // The token acts with its owner's roles; its scopes limit which routes it may call.
    assert_eq!(me["roles"], app.who_am_i(&trent).await["roles"]);
    let page = ok(app.call(&trent, "my_tokens", &[]).await).await;
    assert!(page["tokens"][0]["last_used_at"].is_string(), "last use is shown");

    // No token, another scheme, a made-up token: 401 problems that say what to send.
    let bare = plain().get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(bare.status(), 401);
    assert!(is_problem(&bare));
    assert!(bare.headers()["www-authenticate"].to_str().unwrap().starts_with("Bearer"));
    let problem: Value = bare.json().await.unwrap();
    assert_eq!(problem["type"], "/api/v1/problems/not-signed-in");
    assert_eq!(problem["instance"], "/api/v1/me");
    let forged = format!("mgp_{}", "0".repeat(64));
    assert_eq!(get(&app, "/me", &forged).await.0, 401);
    // A browser session is no token: the API does not take cookies.
    assert_eq!(trent.get(app.url("/api/v1/me")).send().await.unwrap().status(), 401);

    let id = page["tokens"][0]["id"].as_str().unwrap().to_owned();
    ok(app.call(&trent, "revoke_token", &[("id", &id)]).await).await;
    assert_eq!(get(&app, "/me", &secret).await.0, 401, "a revoked token stops at once");
    assert_eq!(app.call(&trent, "revoke_token", &[("id", &id)]).await.status(), 404, "and cannot be revoked twice");

    let actions: Vec<(String, String)> =
        sqlx::query_as("SELECT actor, action FROM audit_events WHERE actor = 'trent' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    let names: Vec<&str> = actions.iter().map(|(_, a)| a.as_str()).collect();
    for action in ["token.created", "api.call", "token.revoked"] {
        assert!(names.contains(&action), "{action} in {names:?}");
    }
    let call: Value =
        sqlx::query_scalar("SELECT after FROM audit_events WHERE action = 'api.call' ORDER BY id LIMIT 1")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(call["token"], "gitlab deploy", "every call names its token");
    assert_eq!(call["path"], "/api/v1/me");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_token_never_gets_more_than_its_owners_roles(pool: PgPool) {
    let app = spawn(pool).await;
    let zoe = app.signed_in("zoe").await;
    // Zoe is a team lead only: the admin scope is not hers to give.
    for scope in ["admin"] {
        let refused =
            app.call_json(&zoe, "create_token", &json!({"form": {"name": "x", "scopes": [scope], "days": 7}})).await;
        assert_eq!(refused.status(), 422);
        let error: Value = refused.json().await.unwrap();
        assert_eq!(error["Invalid"]["field"], "scopes", "{error}");
    }
    let too_long =
        app.call_json(&zoe, "create_token", &json!({"form": {"name": "x", "scopes": ["read"], "days": 91}})).await;
    assert_eq!(too_long.status(), 422, "past token_max_days (90)");
    token(&app, &zoe, "twice", &["read"]).await;
    let again =
        app.call_json(&zoe, "create_token", &json!({"form": {"name": "twice", "scopes": ["read"], "days": 7}})).await;
    assert_eq!(again.status(), 422, "one live token per name");

    // Alice is a platform admin; her admin token reads the reports, her read token the
    // audit log but not the reports.
    let alice = app.signed_in("alice").await;
    let admin = token(&app, &alice, "reports", &["read", "admin"]).await;
    let read = token(&app, &alice, "read only", &["read"]).await;
    let (status, page) = get(&app, "/audit?action=token.created", &read).await;
    assert_eq!(status, 200, "{page}");
    assert!(page["rows"].as_array().is_some_and(|e| !e.is_empty()), "{page}");
    assert_eq!(get(&app, "/reports/dashboard", &admin).await.0, 200);
    let refused = api(&app, reqwest::Method::GET, "/reports/dashboard", &read, None).await;
    assert_eq!(refused.status(), 403);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["type"], "/api/v1/problems/missing-scope");
    // A token made by a browser cannot make tokens: token management is not in the API,
    // and a token is refused by the server functions that manage them.
    assert_eq!(api(&app, reqwest::Method::POST, "/tokens", &admin, Some(json!({}))).await.status(), 404);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_api_answers_what_the_pages_answer_and_a_retried_post_does_the_work_once(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let erin = app.signed_in("erin").await;
    let secret = token(&app, &erin, "pipeline", &["read", "subscriptions"]).await;

    // The same services behind both: the API's projects are the page's.
    let (status, projects) = get(&app, "/projects", &secret).await;
    assert_eq!(status, 200);
    assert_eq!(projects, ok(app.call(&erin, "my_projects", &[]).await).await);
    let (status, catalog) = get(&app, "/catalog?q=pipeline", &secret).await;
    assert_eq!(status, 200, "{catalog}");
    assert_eq!(catalog, ok(app.call_json(&erin, "catalog_search", &json!({"query": {"q": "pipeline", "unit": "", "project": "", "asset_type": "", "term": "", "sort": "", "page": ""}})).await).await);
    let (status, bad) = get(&app, &format!("/catalog?q={}", "x".repeat(300)), &secret).await;
    assert_eq!((status, bad["errors"][0]["field"].clone()), (422, json!("q")), "inputs keep their caps: {bad}");

    let listing = catalog["items"].as_array().unwrap().iter().find(|i| i["name"] == "sales_pipeline_daily").unwrap()
        ["listing_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, asset) = get(&app, &format!("/catalog/{listing}"), &secret).await;
    assert_eq!(status, 200, "{asset}");
    let project =
        asset["access"].as_array().unwrap().iter().find(|a| a["project_name"] == "CustomerChurnModel-v2 Dev").unwrap()
            ["project_id"]
            .as_str()
            .unwrap()
            .to_owned();
    let body = json!({"listing_id": listing, "project_id": project, "reason": "Nightly churn features", "days": 30});
    let post = |key: &'static str, body: Value| {
        plain()
            .post(app.url("/api/v1/subscription-requests"))
            .bearer_auth(&secret)
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let first = post("run-1842", body.clone()).await.unwrap();
    assert_eq!(first.status(), 201, "{:?}", first.text().await);
    let first: Value = first.json().await.unwrap();
    let retried = post("run-1842", body.clone()).await.unwrap();
    assert_eq!(retried.status(), 201);
    assert_eq!(retried.headers()["idempotent-replayed"], "true");
    assert_eq!(retried.json::<Value>().await.unwrap(), first, "a retry gets the first answer");
    let dz = app.datazone().await;
    let domain = dz.list_domains().send().await.unwrap().items()[0].id().to_owned();
    let made = dz
        .list_subscription_requests()
        .domain_identifier(&domain)
        .status(aws_sdk_datazone::types::SubscriptionRequestStatus::Pending)
        .subscribed_listing_id(&listing)
        .send()
        .await
        .unwrap();
    let ours = made
        .items()
        .iter()
        .filter(|r| {
            r.subscribed_principals().iter().any(|p| p.as_project().is_ok_and(|p| p.id() == Some(project.as_str())))
        })
        .count();
    assert_eq!(ours, 1, "DataZone holds one request from the project");
    let reused = post("run-1842", json!({"listing_id": listing, "project_id": project, "reason": "other", "days": 30}))
        .await
        .unwrap();
    assert_eq!(reused.status(), 422, "the same key with another request");
    // A key is kept 24 hours: after that it is free again, and the hourly sweep forgets it.
    let age = "UPDATE api_idempotency SET created_at = now() - interval '25 hours' WHERE key = 'run-1842'";
    sqlx::query(age).execute(&pool).await.unwrap();
    let later = post("run-1842", json!({"listing_id": listing, "project_id": project, "reason": "other", "days": 30}))
        .await
        .unwrap();
    assert_ne!(later.status(), 422, "an expired key is not a reused one");
    assert!(later.headers().get("idempotent-replayed").is_none());
    sqlx::query(age).execute(&pool).await.unwrap();
    assert_eq!(meshgate::store::tokens::sweep(&pool).await.unwrap(), 1);

    // Field problems as the pages show them; a missing scope is a 403 problem.
    let invalid = post("run-1843", json!({"listing_id": listing, "project_id": project, "reason": " ", "days": 30}))
        .await
        .unwrap();
    assert_eq!(invalid.status(), 422);
    assert!(is_problem(&invalid));
    let problem: Value = invalid.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "reason", "{problem}");
    let unreadable =
        api(&app, reqwest::Method::POST, "/subscription-requests", &secret, Some(json!({"reason": 5}))).await;
    assert_eq!(unreadable.status(), 400);
    let decide = api(
        &app,
        reqwest::Method::POST,
        "/decisions",
        &secret,
        Some(json!({"ids": [], "accept": true, "comment": ""})),
    )
    .await;
    assert_eq!(decide.status(), 403, "the token has no decide scope");

    let id = first["id"].as_str().unwrap();
    let (status, detail) = get(&app, &format!("/subscription-requests/{id}"), &secret).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(get(&app, "/subscription-requests/nosuchrequest", &secret).await.0, 404);
}

/// Every route the API serves is in the OpenAPI document, with the method it answers.
#[tokio::test]
async fn the_openapi_document_describes_every_route() {
    let source = include_str!("../src/routes/api.rs");
    let document: Value = serde_json::from_str(&{
        use utoipa::OpenApi;
        meshgate::routes::api::ApiDoc::openapi().to_json().unwrap()
    })
    .unwrap();
    assert_eq!(document["openapi"], "3.1.0");
    let mut routes = 0;
    for line in source
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with(".route(\"/") && !l.contains("openapi.json") && !l.contains("/docs"))
    {
        let path = line.split('"').nth(1).unwrap();
        let method = line.split(", ").nth(1).unwrap().split('(').next().unwrap();
        let operation = &document["paths"][format!("/api/v1{path}")][method];
        assert!(operation.is_object(), "{method} /api/v1{path} is missing from the OpenAPI document");
        assert!(operation["responses"].is_object() && operation["security"].is_array(), "{method} {path}");
        routes += 1;
    }
    assert!(routes >= 20, "routes found: {routes}");
    assert!(document["components"]["securitySchemes"]["token"].is_object());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_document_and_its_reference_are_public(pool: PgPool) {
    let app = spawn(pool).await;
    let document = plain().get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    assert_eq!(document.status(), 200);
    let document: Value = document.json().await.unwrap();
    assert_eq!(document["info"]["title"], "Meshgate API");
    let reference = plain().get(app.url("/developers")).send().await.unwrap();
    assert_eq!(reference.status(), 200);
    let html = reference.text().await.unwrap();
    assert!(html.contains("/api/v1/subscription-requests") && html.contains("Idempotency-Key"), "{html}");
}
