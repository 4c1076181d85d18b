//! CI/CD pipelines calling `/api/v1` with their jobs' OIDC ID tokens, against a JWT issuer
//! started here the way GitLab and GitHub publish theirs (a discovery document and a key
//! set), bound by an admin on the pipelines page.

mod support;

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use sqlx::PgPool;
use support::issuer::{now, start as start_issuer};
use support::{ok, plain, spawn, TestApp};

const KID: &str = "test-key-1";

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
        "scopes": ["read", "projects", "subscriptions"],
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
    assert_eq!((status, &problem["type"]), (403, &json!("/api/v1/problems/person-only")));
    // Frank's other projects are not the pipeline's to ask access for, though Frank may.
    let projects = ok(app.call(&frank, "my_projects", &[]).await).await;
    let other =
        projects["other_projects"].as_array().unwrap().iter().find(|p| p["name"] == "SalesPipeline Dev").unwrap();
    let access = json!({"listing_id": "any", "project_id": other["id"], "reason": "Not ours", "days": 30});
    let (status, problem) = api(&app, reqwest::Method::POST, "/subscription-requests", &job, Some(access)).await;
    assert_eq!((status, &problem["type"]), (403, &json!("/api/v1/problems/other-product")), "{problem}");

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
