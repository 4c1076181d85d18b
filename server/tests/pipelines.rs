//! CI/CD pipelines calling `/api/v1` with their jobs' OIDC ID tokens, against a JWT issuer
//! started here the way GitLab and GitHub publish theirs (a discovery document and a key
//! set), bound by an admin on the pipelines page.

mod support;

use std::time::{SystemTime, UNIX_EPOCH};

use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use sqlx::PgPool;
use support::{ok, plain, spawn, TestApp};

/// A key made for these tests only; it signs nothing anywhere else.
const KEY: &str = include_str!("support/test_issuer_key.pem");
const KID: &str = "test-key-1";

struct Issuer {
    url: String,
    key: EncodingKey,
}

/// Serves `/.well-known/openid-configuration` and `/keys` on a free local port.
async fn start_issuer() -> Issuer {
    let key = EncodingKey::from_rsa_pem(KEY.as_bytes()).unwrap();
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).unwrap();
    jwk.common.key_id = Some(KID.to_owned());
    let keys = JwkSet { keys: vec![jwk] };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let discovery = json!({ "issuer": url, "jwks_uri": format!("{url}/keys") });
    let router = Router::new()
        .route("/.well-known/openid-configuration", get(move || async move { Json(discovery) }))
        .route("/keys", get(move || async move { Json(keys) }));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Issuer { url, key }
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

impl Issuer {
    /// The ID token a GitLab CI job of `project_path` on branch `branch` is given, for
    /// `audience`, with `changes` laid over its claims.
    fn gitlab_job(&self, audience: &str, project_path: &str, branch: &str, changes: Value) -> String {
        let mut claims = json!({
            "iss": self.url, "aud": audience, "iat": now(), "nbf": now(), "exp": now() + 300,
            "sub": format!("project_path:{project_path}:ref_type:branch:ref:{branch}"),
            "project_path": project_path, "ref": branch, "ref_type": "branch",
            "pipeline_id": "4711", "job_id": "90210", "namespace_path": "data",
        });
        for (k, v) in changes.as_object().unwrap() {
            claims[k] = v.clone();
        }
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(KID.to_owned());
        jsonwebtoken::encode(&header, &claims, &self.key).unwrap()
    }
}

async fn api(app: &TestApp, method: reqwest::Method, path: &str, bearer: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = plain().request(method, app.url(&format!("/api/v1{path}"))).bearer_auth(bearer);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

fn binding(issuer: &str) -> Value {
    json!({ "form": {
        "name": "churn-radar deploy", "issuer": issuer, "repository": "data/churn-radar",
        "ref_pattern": "refs/heads/main", "product": "Churn Radar", "acts_for": "frank",
        "scopes": ["read", "projects"],
    }})
}

#[sqlx::test(migrations = "../migrations")]
async fn a_bound_pipeline_acts_for_its_person_on_its_product_only(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let issuer = start_issuer().await;
    let alice = app.signed_in("alice").await;

    // Before an admin binds anything, no ID token is trusted.
    let job = issuer.gitlab_job(&app.base, "data/churn-radar", "main", json!({}));
    let (status, problem) = api(&app, reqwest::Method::GET, "/me", &job, None).await;
    assert_eq!(status, 401, "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains("no pipeline is bound to the issuer"), "{problem}");

    // The pipelines page checks the issuer and the person before binding.
    let mut unreachable = binding("http://127.0.0.1:9");
    let refused = app.call_json(&alice, "bind_pipeline", &unreachable).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("issuer"));
    unreachable["form"]["issuer"] = json!(issuer.url);
    unreachable["form"]["acts_for"] = json!("nobody-by-this-name");
    let refused = app.call_json(&alice, "bind_pipeline", &unreachable).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("nobody-by-this-name"));
    let bound = ok(app.call_json(&alice, "bind_pipeline", &binding(&issuer.url)).await).await;
    assert_eq!(bound["acts_for"], "frank");

    // The job acts for Frank, named as the pipeline.
    let (status, me) = api(&app, reqwest::Method::GET, "/me", &job, None).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["username"], "frank");
    assert_eq!(me["token"], "pipeline churn-radar deploy");

    // It may request its own product's projects, and no other product's.
    let frank = app.signed_in("frank").await;
    let units: Value = app.call(&frank, "project_units", &[]).await.json().await.unwrap();
    let unit = units.as_array().unwrap().iter().find(|u| u["name"] == "SalesOperations").unwrap()["id"].clone();
    let request = |product: &str| {
        json!({
            "product": product, "project_name": format!("{product} Dev"), "description": "From the pipeline.",
            "domain_unit_id": unit, "environment": "dev", "members": [], "justification": "Deploy from main",
        })
    };
    let (status, other) =
        api(&app, reqwest::Method::POST, "/project-requests", &job, Some(request("Fraud Watch"))).await;
    assert_eq!(status, 403, "{other}");
    assert_eq!(other["type"], "/api/v1/problems/other-product");
    let (status, created) =
        api(&app, reqwest::Method::POST, "/project-requests", &job, Some(request("Churn Radar"))).await;
    assert_eq!(status, 201, "{created}");
    // Its scopes stop it deciding anything.
    let decision = json!({"ids": [], "accept": true, "comment": ""});
    let (status, problem) = api(&app, reqwest::Method::POST, "/decisions", &job, Some(decision)).await;
    assert_eq!((status, &problem["type"]), (403, &json!("/api/v1/problems/missing-scope")));

    // The audit trail names the pipeline, the person and the job.
    let after: Value = sqlx::query_scalar(
        "SELECT after FROM audit_events WHERE action = 'api.call' AND after->>'status' = '201' ORDER BY id LIMIT 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(after["token"], "pipeline churn-radar deploy");
    assert_eq!(after["pipeline_job"]["project_path"], "data/churn-radar");
    assert_eq!(after["pipeline_job"]["pipeline_id"], "4711");

    // Tokens that are not this job's own are refused, each with its reason.
    let refused = [
        (issuer.gitlab_job(&app.base, "data/churn-radar", "feature-x", json!({})), "at refs/heads/feature-x"),
        (issuer.gitlab_job(&app.base, "data/other", "main", json!({})), "no pipeline is bound to data/other"),
        (issuer.gitlab_job("https://elsewhere.example.com", "data/churn-radar", "main", json!({})), "Audience"),
        (issuer.gitlab_job(&app.base, "data/churn-radar", "main", json!({"exp": now() - 600})), "Expired"),
    ];
    for (token, reason) in refused {
        let (status, problem) = api(&app, reqwest::Method::GET, "/me", &token, None).await;
        assert_eq!(status, 401, "{problem}");
        assert!(problem["detail"].as_str().unwrap().contains(reason), "{reason}: {problem}");
    }
    // A token signed with a shared secret (anyone could make one) is refused.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(KID.to_owned());
    let claims = json!({"iss": issuer.url, "aud": app.base, "exp": now() + 300, "sub": "x",
        "project_path": "data/churn-radar", "ref": "main", "ref_type": "branch"});
    let forged = jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(b"guess").unwrap()).unwrap();
    let (status, problem) = api(&app, reqwest::Method::GET, "/me", &forged, None).await;
    assert_eq!(status, 401, "{problem}");

    // The page shows its last use; unbinding stops it at once.
    let page = ok(app.call(&alice, "pipeline_bindings", &[]).await).await;
    assert_eq!(page["audience"], app.base.trim_end_matches('/'));
    assert!(page["bindings"][0]["last_used_at"].is_string(), "{page}");
    let id = bound["id"].as_str().unwrap();
    assert_eq!(app.call(&alice, "unbind_pipeline", &[("id", id)]).await.status(), 200);
    let (status, _) = api(&app, reqwest::Method::GET, "/me", &job, None).await;
    assert_eq!(status, 401);
    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_events WHERE action LIKE 'pipeline.%' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(actions, ["pipeline.bound", "pipeline.unbound"]);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_github_actions_token_matches_its_repository_and_full_ref(pool: PgPool) {
    let app = spawn(pool).await;
    let issuer = start_issuer().await;
    let alice = app.signed_in("alice").await;
    let mut form = binding(&issuer.url);
    form["form"]["repository"] = json!("Data/Churn-Radar");
    form["form"]["ref_pattern"] = json!("refs/tags/v*");
    ok(app.call_json(&alice, "bind_pipeline", &form).await).await;
    // GitHub sends `repository` and the full ref, and no `ref_type`.
    let github = |git_ref: &str| {
        issuer.gitlab_job(
            &app.base,
            "unused",
            "unused",
            json!({"project_path": null, "repository": "data/churn-radar", "ref": git_ref, "ref_type": null,
                   "sub": format!("repo:data/churn-radar:ref:{git_ref}"), "run_id": "77"}),
        )
    };
    let (status, me) = api(&app, reqwest::Method::GET, "/me", &github("refs/tags/v1.4.0"), None).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["username"], "frank");
    let (status, _) = api(&app, reqwest::Method::GET, "/me", &github("refs/heads/main"), None).await;
    assert_eq!(status, 401);
}
