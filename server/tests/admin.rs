//! Platform admin through the portal's server functions, checked in the emulator and in
//! what team leads then see.

mod support;

use serde_json::{json, Value};
use sqlx::PgPool;
use support::{spawn, TestApp};

async fn units(app: &TestApp, client: &reqwest::Client) -> Vec<Value> {
    app.call(client, "project_units", &[]).await.json::<Value>().await.unwrap().as_array().unwrap().clone()
}

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

fn dev_request(unit: &str, name: &str) -> Value {
    json!({ "form": {
        "product": name, "project_name": format!("{name} Dev"), "description": "", "domain_unit_id": unit,
        "environment": "dev", "members": [], "justification": "",
    }})
}

#[sqlx::test(migrations = "../migrations")]
async fn an_admin_shapes_a_unit_that_team_leads_then_use(pool: PgPool) {
    let app = spawn(pool).await;
    let alice = app.signed_in("alice").await;
    let sales = units(&app, &alice).await.into_iter().find(|u| u["name"] == "SalesOperations").unwrap();
    let sales = sales["id"].as_str().unwrap();

    let refused = app
        .call(&alice, "create_domain_unit", &[("parent_id", sales), ("name", "Pricing/EU"), ("description", "")])
        .await;
    assert_eq!(refused.status(), 422, "unit names follow DataZone's rules");
    let created = app
        .call(
            &alice,
            "create_domain_unit",
            &[("parent_id", sales), ("name", "Pricing"), ("description", "Price books")],
        )
        .await;
    let unit: String = serde_json::from_value(ok(created).await).unwrap();

    let grace: Value = app.call(&alice, "search_principals", &[("query", "grace")]).await.json().await.unwrap();
    let owner = json!({ "unit_id": unit, "owner": grace[0], "add": true });
    ok(app.call_json(&alice, "set_unit_owner", &owner).await).await;
    let profiles: Value = ok(app.call(&alice, "project_profiles", &[]).await).await;
    let staging = profiles.as_array().unwrap().iter().find(|p| p["name"] == "Staging-Project-Profile").unwrap();
    assert_eq!(staging["environments"], json!(["staging"]));
    let grant = json!({ "grant": { "unit_id": unit, "principal": "*", "profile_ids": [staging["id"]], "include_children": false } });
    ok(app.call_json(&alice, "grant_profiles", &grant).await).await;
    ok(app.call(&alice, "set_unit_approval", &[("unit_id", &unit), ("auto_approve_dev", "false")]).await).await;

    let detail = ok(app.call(&alice, "admin_unit", &[("id", &unit)]).await).await;
    assert_eq!(detail["path"], "SalesOperations / Pricing");
    assert_eq!(detail["owners"][0]["name"], "Grace Green");
    assert_eq!(detail["auto_approve_dev"], false);
    let grants = detail["grants"].as_array().unwrap();
    assert!(grants.iter().any(|g| g["inherited"] == false && g["profile_names"] == json!(["Staging-Project-Profile"])));
    assert!(grants.iter().any(|g| g["inherited"] == true), "grants on the root reach the new unit: {grants:?}");

    // A team lead sees the unit and the profiles it allows; Dev now waits for an approver.
    let frank = app.signed_in("frank").await;
    let seen = units(&app, &frank).await.into_iter().find(|u| u["id"] == unit.as_str()).expect("the new unit");
    assert_eq!(seen["path"], "SalesOperations / Pricing");
    assert!(seen["environments"].as_array().unwrap().contains(&json!("staging")));
    assert_eq!(seen["auto_approve_dev"], false);
    let first: String = serde_json::from_value(
        ok(app.call_json(&frank, "submit_project_request", &dev_request(&unit, "Quotes")).await).await,
    )
    .unwrap();
    let waiting = ok(app.call(&frank, "project_request", &[("id", &first)]).await).await;
    assert_eq!(waiting["summary"]["status"], "pending_approval");
    // Grace owns the unit, so she decides for it.
    let grace_client = app.signed_in("grace").await;
    let queue = ok(app.call(&grace_client, "project_approvals", &[]).await).await;
    assert!(queue.as_array().unwrap().iter().any(|r| r["id"] == first.as_str()), "{queue}");

    // Turned back on, Dev requests there are approved at once.
    ok(app.call(&alice, "set_unit_approval", &[("unit_id", &unit), ("auto_approve_dev", "true")]).await).await;
    let second: String = serde_json::from_value(
        ok(app.call_json(&frank, "submit_project_request", &dev_request(&unit, "Margins")).await).await,
    )
    .unwrap();
    let approved = ok(app.call(&frank, "project_request", &[("id", &second)]).await).await;
    assert_ne!(approved["summary"]["status"], "pending_approval");

    // Every change is in the audit trail with what it was before.
    let activity: Value = ok(app.call(&alice, "recent_activity", &[("limit", "50")]).await).await;
    let actions: Vec<&str> = activity.as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for expected in [
        "domain_unit.created",
        "domain_unit.owner_added",
        "domain_unit.profile_granted",
        "domain_unit.approval_changed",
    ] {
        assert!(actions.contains(&expected), "{expected} missing from {actions:?}");
    }

    // Revoking the grant takes Staging away from the unit again.
    ok(app.call(&alice, "revoke_profile_grant", &[("unit_id", &unit), ("principal", "*")]).await).await;
    let after = ok(app.call(&alice, "admin_unit", &[("id", &unit)]).await).await;
    assert!(after["grants"].as_array().unwrap().iter().all(|g| g["inherited"] == true));
}

#[sqlx::test(migrations = "../migrations")]
async fn a_profile_can_be_disabled_and_enabled(pool: PgPool) {
    let app = spawn(pool).await;
    let alice = app.signed_in("alice").await;
    let profiles: Value = ok(app.call(&alice, "project_profiles", &[]).await).await;
    let dev = profiles.as_array().unwrap().iter().find(|p| p["name"] == "Development-Project-Profile").unwrap();
    let id = dev["id"].as_str().unwrap();
    ok(app.call(&alice, "set_profile_enabled", &[("id", id), ("enabled", "false")]).await).await;
    let frank = app.signed_in("frank").await;
    let sales = units(&app, &frank).await.into_iter().find(|u| u["name"] == "SalesOperations").unwrap();
    assert!(!sales["environments"].as_array().unwrap().contains(&json!("dev")), "a disabled profile is not offered");
    ok(app.call(&alice, "set_profile_enabled", &[("id", id), ("enabled", "true")]).await).await;
    let sales = units(&app, &frank).await.into_iter().find(|u| u["name"] == "SalesOperations").unwrap();
    assert!(sales["environments"].as_array().unwrap().contains(&json!("dev")));
}

#[sqlx::test(migrations = "../migrations")]
async fn everyone_reads_the_glossary_and_the_assets_that_carry_a_term(pool: PgPool) {
    let app = spawn(pool).await;
    let zoe = app.signed_in("zoe").await;
    let found = ok(app.call(&zoe, "glossary_terms", &[("query", "churn")]).await).await;
    let names: Vec<&str> = found.as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"Churn") && names.contains(&"Churn Risk Score"), "{names:?}");
    let all = ok(app.call(&zoe, "glossary_terms", &[("query", "")]).await).await;
    assert!(all.as_array().unwrap().len() > names.len(), "an empty search lists every term");
    let churn = found.as_array().unwrap().iter().find(|t| t["name"] == "Churn").unwrap();
    let term = ok(app.call(&zoe, "glossary_term", &[("id", churn["id"].as_str().unwrap())]).await).await;
    assert_eq!(term["glossary_name"], "Enterprise Business Glossary");
    assert!(term["term"]["short_description"].as_str().unwrap().contains("ending their relationship"));
    let assets: Vec<&str> = term["assets"].as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
    assert!(assets.contains(&"customer_churn_features") && assets.contains(&"churn_drivers_monthly"), "{assets:?}");
    let missing = app.call(&zoe, "glossary_term", &[("id", "no-such-term")]).await;
    assert_eq!(missing.status(), 404);
}
