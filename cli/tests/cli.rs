//! The command line run the way a GitLab CI or GitHub Actions job runs it: a token in
//! `MESHGATE_TOKEN`, the portal in `MESHGATE_URL`, the exit code and output read by the
//! next step. Against a real portal (Postgres, the stand-in over the SDK, the local IdP).

#[path = "../../server/tests/support/mod.rs"]
mod support;

use std::process::Output;

use serde_json::{json, Value};
use sqlx::PgPool;
use support::{ok, spawn, TestApp};

async fn token(app: &TestApp, person: &str, scopes: &[&str]) -> String {
    let client = app.signed_in(person).await;
    let made =
        ok(app.call_json(&client, "create_token", &json!({"form": {"name": "ci", "scopes": scopes, "days": 7}})).await)
            .await;
    made["secret"].as_str().unwrap().to_owned()
}

/// Runs `meshgate-cli` with the job's environment; answers (exit code, stdout, stderr).
async fn cli(app: &TestApp, token: &str, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let Output { status, stdout, stderr } = tokio::process::Command::new(env!("CARGO_BIN_EXE_meshgate-cli"))
        .args(args)
        .env_clear()
        .env("MESHGATE_URL", app.url(""))
        .env("MESHGATE_TOKEN", token)
        .envs(env.iter().copied())
        .output()
        .await
        .unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

#[sqlx::test(migrations = "../migrations")]
async fn a_pipeline_asks_for_access_waits_and_a_steward_decides_from_the_command_line(pool: PgPool) {
    let app = spawn(pool).await;
    let erin = token(&app, "erin", &["read", "subscriptions"]).await;

    let (code, out, err) = cli(&app, &erin, &[], &["whoami"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(erin)"), "{out}");
    let (code, _, err) = cli(&app, "", &[], &["whoami"]).await;
    assert_eq!(code, 3, "no token: {err}");
    assert!(err.contains("MESHGATE_TOKEN"), "{err}");
    let (code, _, _) = cli(&app, &format!("mgp_{}", "0".repeat(64)), &[], &["whoami"]).await;
    assert_eq!(code, 3, "an unknown token");

    // Scripts read JSON: the listing and the project that will use it.
    let (code, out, err) = cli(&app, &erin, &[], &["--output", "json", "catalog", "pipeline"]).await;
    assert_eq!(code, 0, "{err}");
    let page: Value = serde_json::from_str(&out).unwrap();
    let listing = page["items"].as_array().unwrap().iter().find(|i| i["name"] == "sales_pipeline_daily").unwrap()
        ["listing_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, out, _) = cli(&app, &erin, &[], &["--output", "json", "access", "list"]).await;
    let projects: Value = serde_json::from_str(&out).unwrap();
    let project =
        projects.as_array().unwrap().iter().find(|p| p["project_name"] == "CustomerChurnModel-v2 Dev").unwrap()
            ["project_id"]
            .as_str()
            .unwrap()
            .to_owned();

    let ask = [
        "access",
        "request",
        "--listing",
        &listing,
        "--project",
        &project,
        "--reason",
        "Nightly churn features",
        "--days",
        "30",
    ];
    let job = [("MESHGATE_IDEMPOTENCY_KEY", "pipeline-812-job-3")];
    let (code, first, err) = cli(&app, &erin, &job, &ask).await;
    assert_eq!(code, 0, "{err}");
    let id = first.trim().strip_prefix("Requested: ").unwrap().to_owned();
    let (code, again, _) = cli(&app, &erin, &job, &ask).await;
    assert_eq!((code, again), (0, first.clone()), "a re-run job gets the same request");
    let (code, _, err) =
        cli(&app, &erin, &[], &["access", "request", "--listing", &listing, "--project", &project, "--reason", " "])
            .await;
    assert_eq!(code, 5, "invalid input: {err}");
    assert!(err.contains("reason"), "the field is named: {err}");
    let (code, _, _) = cli(&app, &erin, &[], &["access", "status", "nosuchrequest"]).await;
    assert_eq!(code, 4);
    let (code, out, _) = cli(&app, &erin, &[], &["access", "status", &id]).await;
    assert_eq!((code, out.trim()), (0, format!("{id}: PENDING").as_str()));

    // Waiting runs out while nobody decides; a read token cannot decide.
    let (code, _, err) = cli(&app, &erin, &[], &["wait", &id, "--timeout", "1", "--every", "1"]).await;
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("PENDING"), "a progress line: {err}");
    let (code, _, _) = cli(&app, &erin, &[], &["decide", &id, "--accept"]).await;
    assert_eq!(code, 3, "no decide scope");

    // The sales steward decides from a terminal; the pipeline's wait then ends well.
    let dave = token(&app, "dave", &["read", "decide"]).await;
    let (code, out, err) = cli(&app, &dave, &[], &["inbox"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&id), "{out}");
    let (code, out, err) =
        cli(&app, &dave, &[], &["decide", &id, "--accept", "--comment", "For the churn model"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Accepting 1 request"), "{out}");
    let (code, out, err) = cli(&app, &erin, &[], &["wait", &id, "--timeout", "60", "--every", "1"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.trim().starts_with("ACCEPTED"), "{out}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_pipeline_requests_a_project_and_waits_until_it_is_active(pool: PgPool) {
    let app = spawn(pool).await;
    app.aws
        .emulator
        .set_faults(emulator::FaultsPatch { deploy_delay_ms: Some(300), ..emulator::FaultsPatch::default() })
        .unwrap();
    let frank = app.signed_in("frank").await;
    let unit = app.unit_id(&frank, "SalesOperations").await;
    let secret = token(&app, "frank", &["read", "projects"]).await;
    let request = ["request", "--product", "Churn Radar", "--unit", &unit, "--justification", "Launch"];
    let (code, out, err) = cli(&app, &secret, &[], &request).await;
    assert_eq!(code, 0, "{err}");
    let id = out.trim().strip_prefix("Requested: ").unwrap().to_owned();
    let (code, out, err) = cli(&app, &secret, &[], &["wait", &id, "--timeout", "60", "--every", "1"]).await;
    assert_eq!((code, out.trim()), (0, "active"), "{err}");
    let (code, out, _) = cli(&app, &secret, &[], &["projects"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("Churn Radar Dev") && out.contains("active"), "{out}");
    let (code, _, err) =
        cli(&app, &secret, &[], &["promote", &id, "--environment", "dev", "--justification", "x"]).await;
    assert_eq!(code, 5, "a promotion goes to a later environment: {err}");
}

/// The product file a team keeps in its repository.
const PRODUCT_FILE: &str = r#"
[product]
name = "Churn Radar"
domain_unit = "SalesOperations"
description = "Churn signals for the sales team."

[[environment]]
stage = "dev"
justification = "First build"

[[environment]]
stage = "staging"
justification = "Release candidate"

[[member]]
name = "grace"
designation = "contributor"
environments = ["dev"]

[[subscription]]
asset = "customer_churn_features"
environment = "dev"
reason = "Features for the churn radar"
days = 30

[[asset]]
name = "churn_radar_scores"
environment = "dev"
description = "Weekly churn risk per account."
glossary_terms = ["Churn"]
publish = true
"#;

#[sqlx::test(migrations = "../migrations")]
async fn a_product_file_is_planned_and_applied_idempotently_through_the_approval_flow(pool: PgPool) {
    let app = spawn(pool).await;
    app.aws
        .emulator
        .set_faults(emulator::FaultsPatch { deploy_delay_ms: Some(300), ..emulator::FaultsPatch::default() })
        .unwrap();
    let secret = token(&app, "frank", &["read", "projects", "subscriptions"]).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("meshgate.toml");
    std::fs::write(&path, PRODUCT_FILE).unwrap();
    let file = path.to_str().unwrap();

    // Nothing exists yet: the plan asks for Dev; Staging waits for it.
    let (code, out, err) = cli(&app, &secret, &[], &["plan", "-f", file]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("+ request the dev project") && out.contains("staging: waits for dev"), "{out}");

    // `apply --wait` requests Dev (with Grace), waits for it, then promotes to Staging and
    // asks for access; it stops there, since the declared asset is not in the project yet
    // and only a person can add it (exit 7, naming what is needed).
    let ci = [("MESHGATE_IDEMPOTENCY_KEY", "pipeline-4711")];
    let args = ["apply", "-f", file, "--wait", "--every", "1", "--timeout", "60"];
    let (code, out, err) = cli(&app, &secret, &ci, &args).await;
    assert_eq!(code, 7, "it needs a person for the asset: {out}\n{err}");
    assert!(out.contains("+ request the dev project: done"), "{out}");
    assert!(out.contains("+ promote to staging: done"), "{out}");
    assert!(out.contains("+ dev: ask for access to customer_churn_features: done"), "{out}");
    assert!(err.contains("no asset named churn_radar_scores"), "{err}");

    // What is declared is now held: a plan has no steps, only what waits.
    let (code, out, _) = cli(&app, &secret, &[], &["plan", "-f", file, "--output", "json"]).await;
    assert_eq!(code, 0);
    let plan: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(plan["steps"], json!([]), "{plan}");
    let projects = ok(app.call(&app.signed_in("frank").await, "my_projects", &[]).await).await;
    let product = projects["products"].as_array().unwrap().iter().find(|p| p["product"] == "Churn Radar").unwrap();
    let dev = product["environments"].as_array().unwrap().iter().find(|e| e["environment"] == "dev").unwrap();
    assert_eq!(dev["status"], "active");
    assert_eq!(product["environments"].as_array().unwrap().len(), 2, "one Dev and one Staging request: {product}");
    let detail =
        ok(app.call(&app.signed_in("frank").await, "project_request", &[("id", dev["id"].as_str().unwrap())]).await)
            .await;
    let members = detail["members"].as_array().unwrap();
    assert!(
        members.iter().any(|m| m["principal"]["name"] == "Grace Green" && m["designation"] == "contributor"),
        "{members:?}"
    );

    // The team adds its table; the next apply describes and publishes it as declared.
    let frank = app.signed_in("frank").await;
    let project = dev["project_id"].as_str().unwrap();
    let glue = json!({"form": {"project_id": project, "account_id": "123456789012", "region": "eu-west-1",
        "database": "churn_radar", "table": "churn_radar_scores", "name": "", "description": "", "token": "t-1"}});
    let asset_id = ok(app.call_json(&frank, "add_glue_asset", &glue).await).await;
    let (code, out, err) = cli(&app, &secret, &[], &["apply", "-f", file]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("~ dev: new revision of churn_radar_scores: done"), "{out}");
    assert!(out.contains("+ dev: publish churn_radar_scores: done"), "{out}");
    let asset = ok(app.call(&frank, "data_asset", &[("id", asset_id.as_str().unwrap())]).await).await;
    assert_eq!(asset["publication"], "Published");
    assert_eq!(asset["description"], "Weekly churn risk per account.");
    assert_eq!(asset["terms"][0]["name"], "Churn");

    // Applying again changes nothing.
    let (code, out, _) = cli(&app, &secret, &[], &["apply", "-f", file, "--output", "json"]).await;
    assert_eq!(code, 0);
    let again: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(again["applied"], json!([]), "{again}");

    // A file with a mistake is refused with its line, before anything is called.
    std::fs::write(&path, PRODUCT_FILE.replace("stage = \"staging\"", "stage = \"prod\"")).unwrap();
    let (code, _, err) = cli(&app, &secret, &[], &["plan", "-f", file]).await;
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("in order from dev"), "{err}");
}

/// Every read of the OpenAPI document answers through `meshgate-cli api` for a platform
/// admin who is also a steward's peer (every scope), and a call the token may not make
/// ends in the exit code a pipeline branches on.
#[sqlx::test(migrations = "../migrations")]
async fn every_api_read_answers_through_the_command_line(pool: PgPool) {
    let app = spawn(pool).await;
    let secret = token(&app, "alice", &["read", "projects", "subscriptions", "decide", "admin"]).await;
    let document: Value =
        support::plain().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut called = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        if item.get("get").is_none() || path.contains('{') {
            continue;
        }
        let path = path.strip_prefix("/api/v1").unwrap();
        let (code, out, err) = cli(&app, &secret, &[], &["api", "GET", path]).await;
        assert_eq!(code, 0, "GET {path}: {err}");
        serde_json::from_str::<Value>(&out).unwrap_or_else(|e| panic!("GET {path} printed no JSON ({e}): {out}"));
        called += 1;
    }
    assert!(called >= 15, "{called} reads");
    let reader = token(&app, "erin", &["read"]).await;
    let (code, _, err) =
        cli(&app, &reader, &[], &["api", "POST", "/decisions", "--data", r#"{"ids":[],"accept":true,"comment":""}"#])
            .await;
    assert_eq!(code, 3, "a missing scope: {err}");
    let (code, _, _) = cli(&app, &reader, &[], &["api", "DELETE", "/me"]).await;
    assert_eq!(code, 2);
}

/// In a GitHub Actions job with `id-token: write` and no MESHGATE_TOKEN, the CLI asks the job's
/// ID-token endpoint for a token whose audience is the portal, and the pipeline an admin
/// bound acts for its person.
#[sqlx::test(migrations = "../migrations")]
async fn a_github_actions_job_signs_in_with_its_own_id_token(pool: PgPool) {
    let app = spawn(pool).await;
    let issuer = support::issuer::start().await;
    let alice = app.signed_in("alice").await;
    let binding = json!({ "form": {
        "name": "churn-radar deploy", "issuer": issuer.url, "repository": "data/churn-radar",
        "ref_pattern": "refs/heads/main", "product": "Churn Radar", "acts_for": "frank", "scopes": ["read"],
    }});
    ok(app.call_json(&alice, "bind_pipeline", &binding).await).await;
    let job = [
        ("ACTIONS_ID_TOKEN_REQUEST_URL", format!("{}/github-token?api-version=2.0", issuer.url)),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "runner-secret".to_owned()),
    ];
    let job: Vec<(&str, &str)> = job.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (code, out, err) = cli(&app, "", &job, &["whoami", "--output", "json"]).await;
    assert_eq!(code, 0, "{err}");
    let me: Value = serde_json::from_str(&out).unwrap();
    assert_eq!((me["username"].as_str(), me["token"].as_str()), (Some("frank"), Some("pipeline churn-radar deploy")));
}
