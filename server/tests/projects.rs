//! Project requests end to end: through the portal's server functions, the job queue in
//! Postgres and the AWS emulator, checked in DataZone with the official SDK.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use aws_sdk_datazone::types::MemberDetails;
use emulator::FaultsPatch;
use serde_json::{json, Value};
use sqlx::PgPool;
use support::{spawn_with, Setup, TestApp};

fn quick() -> Setup {
    Setup { extra: vec![("job_poll_ms", json!(100))], ..Setup::default() }
}

/// Deployments and deletions that take a third of a second instead of three.
fn fast_deployments(app: &TestApp) {
    app.aws.emulator.set_faults(FaultsPatch { deploy_delay_ms: Some(300), ..FaultsPatch::default() }).unwrap();
}

async fn unit_id(app: &TestApp, client: &reqwest::Client, name: &str) -> String {
    let units: Value = app.call(client, "project_units", &[]).await.json().await.unwrap();
    let unit = units.as_array().unwrap().iter().find(|u| u["name"] == name).expect("unit in the demo mesh");
    unit["id"].as_str().unwrap().to_owned()
}

async fn principal(app: &TestApp, client: &reqwest::Client, query: &str) -> Value {
    let found: Value = app.call(client, "search_principals", &[("query", query)]).await.json().await.unwrap();
    found[0].clone()
}

async fn detail(app: &TestApp, client: &reqwest::Client, id: &str) -> Value {
    let response = app.call(client, "project_request", &[("id", id)]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// Waits for the request to reach `status`, failing fast on a different end state.
async fn wait_for(app: &TestApp, client: &reqwest::Client, id: &str, status: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let now = detail(app, client, id).await;
        let current = now["summary"]["status"].as_str().unwrap().to_owned();
        if current == status {
            return now;
        }
        assert!(current != "failed" || status == "failed", "request failed: {}", now["failure"]);
        assert!(Instant::now() < deadline, "still {current} after 30 s, waiting for {status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn datazone_members(app: &TestApp, project: &str) -> HashMap<String, String> {
    let dz = app.datazone().await;
    let out = dz
        .list_project_memberships()
        .domain_identifier(app.aws.emulator.domain_id())
        .project_identifier(project)
        .send()
        .await
        .unwrap();
    out.members()
        .iter()
        .map(|m| {
            let id = match m.member_details().unwrap() {
                MemberDetails::User(u) => u.user_id().to_owned(),
                MemberDetails::Group(g) => g.group_id().to_owned(),
                _ => unreachable!(),
            };
            (id, m.designation().as_str().to_owned())
        })
        .collect()
}

fn form(unit: &str, env: &str, name: &str, members: Value, justification: &str) -> Value {
    json!({ "form": {
        "product": "Churn Radar", "project_name": name, "description": "Churn signals for the sales team.",
        "domain_unit_id": unit, "environment": env, "members": members, "justification": justification,
    }})
}

/// Frank, signed in, and the request he made in `unit` for `env` with Grace as an owner.
async fn with_grace_as_owner(app: &TestApp, unit: &str, env: &str, name: &str) -> (reqwest::Client, String, Value) {
    let frank = app.signed_in("frank").await;
    let unit = unit_id(app, &frank, unit).await;
    let grace = principal(app, &frank, "grace").await;
    let members = json!([{ "principal": grace, "designation": "owner" }]);
    let submitted = app.call_json(&frank, "submit_project_request", &form(&unit, env, name, members, "Launch")).await;
    assert_eq!(submitted.status(), 200);
    let id: String = submitted.json().await.unwrap();
    (frank, id, grace)
}

#[sqlx::test(migrations = "../migrations")]
async fn a_dev_project_is_provisioned_promoted_approved_and_retired(pool: PgPool) {
    let app = spawn_with(pool.clone(), quick()).await;
    fast_deployments(&app);
    let frank = app.signed_in("frank").await;
    let unit = unit_id(&app, &frank, "SalesOperations").await;
    let ivan = principal(&app, &frank, "ivan").await;
    assert_eq!(ivan["name"], "Ivan Ilic");

    let members = json!([{ "principal": ivan, "designation": "contributor" }]);
    let response =
        app.call_json(&frank, "submit_project_request", &form(&unit, "dev", "Churn Radar Dev", members, "")).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let dev: String = response.json().await.unwrap();

    let active = wait_for(&app, &frank, &dev, "active").await;
    assert!(active["steps"].as_array().unwrap().iter().all(|s| s["state"] == "done"), "{}", active["steps"]);
    assert_eq!(active["decided_by"], "meshgate (auto-approval)");
    let project = active["summary"]["project_id"].as_str().unwrap().to_owned();
    assert!(active["summary"]["portal_url"].as_str().unwrap().ends_with(&format!("/projects/{project}/overview")));
    let in_datazone = datazone_members(&app, &project).await;
    assert_eq!(in_datazone.len(), 2, "{in_datazone:?}");
    assert_eq!(in_datazone[ivan["id"].as_str().unwrap()], "PROJECT_CONTRIBUTOR");
    assert_eq!(in_datazone.values().filter(|d| *d == "PROJECT_OWNER").count(), 1);
    let actions: Vec<&str> =
        active["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in
        ["project.requested", "project.approved", "project.created", "project.member_added", "project.active"]
    {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }

    // The same name again is refused before anything is stored.
    let again =
        app.call_json(&frank, "submit_project_request", &form(&unit, "dev", "Churn Radar Dev", json!([]), "")).await;
    assert_eq!(again.status(), 422);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["Invalid"]["field"], "project_name");

    // Prod twin: needs approval, not from the requester, with the Dev project's members.
    let promoted = app
        .call(&frank, "promote_project", &[("id", &dev), ("environment", "prod"), ("justification", "Launch")])
        .await;
    assert_eq!(promoted.status(), 200);
    let prod: String = promoted.json().await.unwrap();
    let waiting = detail(&app, &frank, &prod).await;
    assert_eq!(waiting["summary"]["status"], "pending_approval");
    assert_eq!(waiting["summary"]["project_name"], "Churn Radar Prod");
    assert_eq!(waiting["allowed"]["decide"], false);
    let own = app.call(&frank, "decide_project_request", &[("id", &prod), ("approve", "true"), ("comment", "")]).await;
    assert_eq!(own.status(), 403);
    let zoe = app.signed_in("zoe").await;
    let stranger =
        app.call(&zoe, "decide_project_request", &[("id", &prod), ("approve", "true"), ("comment", "")]).await;
    assert_eq!(stranger.status(), 403);
    let alice = app.signed_in("alice").await;
    let queue: Value = app.call(&alice, "project_approvals", &[]).await.json().await.unwrap();
    assert!(queue.as_array().unwrap().iter().any(|r| r["id"] == prod.as_str()));
    let approved =
        app.call(&alice, "decide_project_request", &[("id", &prod), ("approve", "true"), ("comment", "Go")]).await;
    assert_eq!(approved.status(), 200);
    let twice =
        app.call(&alice, "decide_project_request", &[("id", &prod), ("approve", "true"), ("comment", "")]).await;
    assert_eq!(twice.status(), 409, "a decided request is not decided again");
    let prod_active = wait_for(&app, &frank, &prod, "active").await;
    let prod_project = prod_active["summary"]["project_id"].as_str().unwrap();
    let prod_members = datazone_members(&app, prod_project).await;
    assert_eq!(prod_members, in_datazone, "the Prod twin has the Dev project's members");
    assert_eq!(prod_active["twins"][0]["id"], dev.as_str());

    // Retiring Dev needs no approval; the request stays, the project goes.
    let retire = app.call(&frank, "retire_project", &[("id", &dev), ("reason", "Moved to Prod")]).await;
    assert_eq!(retire.status(), 200);
    wait_for(&app, &frank, &dev, "retired").await;
    let gone = app
        .datazone()
        .await
        .get_project()
        .domain_identifier(app.aws.emulator.domain_id())
        .identifier(&project)
        .send()
        .await;
    assert!(gone.is_err(), "the Dev project is deleted in DataZone");
    let mine: Value = app.call(&frank, "my_projects", &[]).await.json().await.unwrap();
    let product = &mine["products"][0];
    assert_eq!(product["product"], "Churn Radar");
    assert_eq!(product["environments"].as_array().unwrap().len(), 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn only_environments_granted_to_the_requester_are_offered_and_accepted(pool: PgPool) {
    let app = spawn_with(pool, quick()).await;
    fast_deployments(&app);
    let environments = |units: &Value, name: &str| {
        let unit = units.as_array().unwrap().iter().find(|u| u["name"] == name).unwrap();
        unit["environments"].clone()
    };
    // Zoe is in no group: the demo mesh grants Dev to all users, Staging and Prod to team
    // leads (in MarketingAnalytics and SalesOperations) and to platform admins.
    let zoe = app.signed_in("zoe").await;
    let seen: Value = app.call(&zoe, "project_units", &[]).await.json().await.unwrap();
    assert_eq!(environments(&seen, "SalesOperations"), json!(["dev"]));
    let frank = app.signed_in("frank").await;
    let seen: Value = app.call(&frank, "project_units", &[]).await.json().await.unwrap();
    assert_eq!(environments(&seen, "SalesOperations"), json!(["dev", "staging", "prod"]));
    assert_eq!(environments(&seen, "Forecasting"), json!(["dev", "staging", "prod"]), "granted with child units");

    let unit = unit_id(&app, &zoe, "SalesOperations").await;
    let prod = app.call_json(&zoe, "submit_project_request", &form(&unit, "prod", "Zed Prod", json!([]), "Go")).await;
    assert_eq!(prod.status(), 422, "a Prod request without a grant is refused");
    let dev = app.call_json(&zoe, "submit_project_request", &form(&unit, "dev", "Zed Dev", json!([]), "")).await;
    assert_eq!(dev.status(), 200);
    let dev: String = dev.json().await.unwrap();
    wait_for(&app, &zoe, &dev, "active").await;
    let promoted =
        app.call(&zoe, "promote_project", &[("id", &dev), ("environment", "prod"), ("justification", "Launch")]).await;
    assert_eq!(promoted.status(), 422, "nor can a Dev project of hers be promoted to Prod");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_owner_of_the_unit_approves_the_retirement_she_asked_for_only_when_the_unit_allows_it(pool: PgPool) {
    let app = spawn_with(pool, quick()).await;
    fast_deployments(&app);
    // Grace owns the Forecasting unit; Frank's Prod project there has her as an owner.
    let (frank, id, _) = with_grace_as_owner(&app, "Forecasting", "prod", "Quota Prod").await;
    let grace = app.signed_in("grace").await;
    assert_eq!(detail(&app, &grace, &id).await["allowed"]["decide"], false, "she belongs to it");
    let approve = async |client: &reqwest::Client, comment: &str| {
        let form = [("id", id.as_str()), ("approve", "true"), ("comment", comment)];
        app.call(client, "decide_project_request", &form).await
    };
    assert_eq!(approve(&grace, "").await.status(), 409);
    let alice = app.signed_in("alice").await;
    assert_eq!(approve(&alice, "Go").await.status(), 200);
    wait_for(&app, &frank, &id, "active").await;

    let retire = app.call(&grace, "retire_project", &[("id", &id), ("reason", "Replaced")]).await;
    assert_eq!(retire.status(), 200);
    wait_for(&app, &frank, &id, "retire_pending").await;
    assert_eq!(detail(&app, &grace, &id).await["allowed"]["decide"], false);
    let own = approve(&grace, "").await;
    assert_eq!(own.status(), 409, "{}", own.text().await.unwrap());

    // An admin allows self-decisions in the unit: Grace may decide now, and the trail says so.
    let unit = unit_id(&app, &alice, "Forecasting").await;
    let allow = app.call(&alice, "set_unit_self_decisions", &[("unit_id", &unit), ("allow", "true")]).await;
    assert_eq!(allow.status(), 200);
    assert_eq!(detail(&app, &grace, &id).await["allowed"]["decide"], true);
    assert_eq!(approve(&grace, "Replaced by Quota v2").await.status(), 200);
    let history = detail(&app, &grace, &id).await["history"].clone();
    let marked = history.as_array().unwrap().iter().find(|e| e["action"] == "project.self_decision");
    assert_eq!(marked.expect("marked in the audit trail")["actor"], "grace", "{history}");
}

#[sqlx::test(migrations = "../migrations")]
async fn an_owner_removed_in_datazone_has_no_say_in_the_project_any_more(pool: PgPool) {
    let app = spawn_with(pool, quick()).await;
    fast_deployments(&app);
    let (frank, id, grace) = with_grace_as_owner(&app, "SalesOperations", "dev", "Ledger Dev").await;
    let active = wait_for(&app, &frank, &id, "active").await;
    let project = active["summary"]["project_id"].as_str().unwrap().to_owned();
    assert_eq!(active["allowed"]["retire"], true, "the requester owns it");

    // Grace takes Frank out in SageMaker Unified Studio (straight in DataZone).
    let frank_id = datazone_members(&app, &project)
        .await
        .into_keys()
        .find(|member| member.as_str() != grace["id"].as_str().unwrap())
        .expect("frank's membership");
    app.remove_in_datazone(&project, frank_id).await;

    let now = detail(&app, &frank, &id).await;
    assert_eq!(now["allowed"]["retire"], false, "DataZone's memberships decide: {}", now["allowed"]);
    let retire = app.call(&frank, "retire_project", &[("id", &id), ("reason", "Mine")]).await;
    assert_eq!(retire.status(), 403, "no retiring");
    let promote =
        app.call(&frank, "promote_project", &[("id", &id), ("environment", "prod"), ("justification", "x")]).await;
    assert_eq!(promote.status(), 403, "no promoting");
    let me = principal(&app, &frank, "frank").await;
    let back = json!({ "id": id, "change": { "principal": me, "designation": "owner", "remove": false } });
    let readd = app.call_json(&frank, "change_project_member", &back).await;
    assert_eq!(readd.status(), 403, "no re-adding himself through the portal's role");
    // Grace, an owner in DataZone, still decides.
    let grace = app.signed_in("grace").await;
    assert_eq!(detail(&app, &grace, &id).await["allowed"]["retire"], true);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_rejected_request_tells_the_requester_why(pool: PgPool) {
    let app = spawn_with(pool, quick()).await;
    let frank = app.signed_in("frank").await;
    let unit = unit_id(&app, &frank, "SalesOperations").await;
    let missing_reason =
        app.call_json(&frank, "submit_project_request", &form(&unit, "prod", "Radar Prod", json!([]), "")).await;
    assert_eq!(missing_reason.status(), 422, "Prod needs a justification");
    let submitted =
        app.call_json(&frank, "submit_project_request", &form(&unit, "prod", "Radar Prod", json!([]), "Launch")).await;
    let id: String = submitted.json().await.unwrap();
    // dave owns SalesOperations in the demo mesh.
    let dave = app.signed_in("dave").await;
    let silent =
        app.call(&dave, "decide_project_request", &[("id", &id), ("approve", "false"), ("comment", " ")]).await;
    assert_eq!(silent.status(), 422, "rejecting needs a comment");
    let rejected = app
        .call(
            &dave,
            "decide_project_request",
            &[("id", &id), ("approve", "false"), ("comment", "Use the shared Prod project")],
        )
        .await;
    assert_eq!(rejected.status(), 200);
    let seen = detail(&app, &frank, &id).await;
    assert_eq!(seen["summary"]["status"], "rejected");
    assert_eq!(seen["decision_comment"], "Use the shared Prod project");
    assert_eq!(seen["decided_by"], "dave");
    assert_eq!(app.aws.emulator.calls().get("CreateProject"), None, "nothing was created");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failed_deployment_shows_the_reason_and_an_admin_retries(pool: PgPool) {
    let app = spawn_with(pool, quick()).await;
    app.aws
        .emulator
        .set_faults(FaultsPatch { deploy_delay_ms: Some(200), deploy_fail_next: Some(1), ..FaultsPatch::default() })
        .unwrap();
    let frank = app.signed_in("frank").await;
    let unit = unit_id(&app, &frank, "SalesOperations").await;
    let submitted =
        app.call_json(&frank, "submit_project_request", &form(&unit, "dev", "Flaky Dev", json!([]), "")).await;
    let id: String = submitted.json().await.unwrap();
    let failed = wait_for(&app, &frank, &id, "failed").await;
    assert!(failed["failure"].as_str().unwrap().starts_with("Deployment FAILED_DEPLOYMENT"), "{}", failed["failure"]);
    assert_eq!(failed["allowed"]["retry"], false, "only admins retry");
    assert_eq!(app.call(&frank, "retry_project_request", &[("id", &id)]).await.status(), 403);
    let alice = app.signed_in("alice").await;
    assert_eq!(app.call(&alice, "retry_project_request", &[("id", &id)]).await.status(), 200);
    // The emulator's failed deployment stays failed: the retry finds the same project and
    // reports the same reason, without creating a second one.
    let again = wait_for(&app, &frank, &id, "failed").await;
    assert_eq!(again["summary"]["project_id"], failed["summary"]["project_id"]);
    assert_eq!(app.aws.emulator.calls()["CreateProject"], 1);
    // Cancelling a failed project deletes what was created.
    assert_eq!(app.call(&frank, "cancel_project_request", &[("id", &id)]).await.status(), 200);
    wait_for(&app, &frank, &id, "retired").await;
}

/// The drift check finds what changed in DataZone outside the portal, says what the portal
/// did about it, keeps each finding once (an audit event when first found), and resolves it
/// once it is no longer seen.
#[sqlx::test(migrations = "../migrations")]
async fn the_drift_check_finds_changes_made_outside_the_portal(pool: PgPool) {
    let app = spawn_with(pool.clone(), quick()).await;
    fast_deployments(&app);
    let (frank, dev, grace) = with_grace_as_owner(&app, "SalesOperations", "dev", "Drift Radar Dev").await;
    let active = wait_for(&app, &frank, &dev, "active").await;
    let project = active["summary"]["project_id"].as_str().unwrap().to_owned();
    let alice = app.signed_in("alice").await;
    let check = async || -> Value { app.call(&alice, "check_drift", &[]).await.json().await.unwrap() };
    let clean = check().await;
    assert!(clean["open"].as_array().unwrap().is_empty(), "nothing differs yet: {clean}");
    assert!(clean["checked_at"].is_string());

    // In SageMaker Unified Studio: Grace is taken out of the project.
    let dz = app.datazone().await;
    let domain = app.aws.emulator.domain_id();
    dz.delete_project_membership()
        .domain_identifier(&domain)
        .project_identifier(&project)
        .member(aws_sdk_datazone::types::Member::UserIdentifier(grace["id"].as_str().unwrap().to_owned()))
        .send()
        .await
        .unwrap();
    let found = check().await;
    let open = found["open"].as_array().unwrap();
    let removed = open.iter().find(|f| f["kind"] == "member_removed").unwrap_or_else(|| panic!("{found}"));
    assert!(removed["summary"].as_str().unwrap().contains("Grace"), "{removed}");
    assert!(removed["action"].as_str().unwrap().contains("Recorded"), "{removed}");
    // The portal's list now follows DataZone: the next check resolves the finding.
    let again = check().await;
    assert!(!again["open"].as_array().unwrap().iter().any(|f| f["kind"] == "member_removed"), "{again}");

    // Then the whole project is deleted there.
    dz.delete_project().domain_identifier(&domain).identifier(&project).send().await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let found = check().await;
    let deleted = found["open"].as_array().unwrap().iter().find(|f| f["kind"] == "project_deleted").cloned();
    let deleted = deleted.unwrap_or_else(|| panic!("{found}"));
    assert_eq!(deleted["href"], format!("/requests/{dev}"));
    assert_eq!(detail(&app, &frank, &dev).await["summary"]["status"], "retired", "the portal follows DataZone");
    let resolved = found["resolved"].as_array().unwrap().iter().find(|f| f["kind"] == "member_removed").cloned();
    assert!(resolved.is_some_and(|f| f["resolved_at"].is_string()), "listed as resolved: {found}");
    let events: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_events WHERE action LIKE 'drift.%' ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(events.iter().filter(|a| *a == "drift.member_removed").count(), 1, "{events:?}");
    assert_eq!(events.iter().filter(|a| *a == "drift.project_deleted").count(), 1, "{events:?}");

    // Only admins read or run it.
    assert_eq!(app.call(&frank, "check_drift", &[]).await.status(), 403);
    assert_eq!(app.call(&frank, "report_drift", &[]).await.status(), 403);
}
