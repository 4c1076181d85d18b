//! The authorization matrix: every server function, called by every kind of person, gets
//! the answer the table says. A server function missing from the table fails the test.

mod support;

use sqlx::PgPool;
use support::{browser, spawn};

/// Who calls: anonymous, a team lead, the lead of another project, a data steward and a
/// platform admin (demo users of the emulator's seed).
const PERSONAS: [Option<&str>; 5] = [None, Some("zoe"), Some("trent"), Some("carol"), Some("alice")];

/// What a call sends: form fields (the default encoding) or a JSON body.
enum Args {
    Form(&'static [(&'static str, &'static str)]),
    Json(&'static str),
}

/// A request id that exists nowhere: allowed callers get 404, others 401/403 first.
const NO_SUCH: &str = "00000000-0000-4000-8000-000000000000";

struct Row {
    endpoint: &'static str,
    args: Args,
    /// The HTTP status each persona gets, in the order of `PERSONAS`.
    expect: [u16; 5],
}

const MEMBER_CHANGE: &str = r#"{"id":"00000000-0000-4000-8000-000000000000","change":{"principal":{"id":"u","kind":"user","name":"U","detail":""},"designation":"owner","remove":false}}"#;

#[rustfmt::skip]
const MATRIX: &[Row] = &[
    Row { endpoint: "who_am_i", args: Args::Form(&[]), expect: [200, 200, 200, 200, 200] },
    Row { endpoint: "recent_activity", args: Args::Form(&[("limit", "5")]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "describe_domain", args: Args::Form(&[]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "project_units", args: Args::Form(&[]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "search_principals", args: Args::Form(&[("query", "iv")]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "check_project_name", args: Args::Form(&[("name", "X")]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "submit_project_request", args: Args::Json(r#"{"form":{"product":"","project_name":"","description":"","domain_unit_id":"","environment":null,"members":[],"justification":""}}"#), expect: [401, 422, 422, 422, 422] },
    Row { endpoint: "my_projects", args: Args::Form(&[]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "project_request", args: Args::Form(&[("id", NO_SUCH)]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "project_approvals", args: Args::Form(&[]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "decide_project_request", args: Args::Form(&[("id", NO_SUCH), ("approve", "true"), ("comment", "")]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "promote_project", args: Args::Form(&[("id", NO_SUCH), ("environment", "prod"), ("justification", "x")]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "retire_project", args: Args::Form(&[("id", NO_SUCH), ("reason", "")]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "cancel_project_request", args: Args::Form(&[("id", NO_SUCH)]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "retry_project_request", args: Args::Form(&[("id", NO_SUCH)]), expect: [401, 403, 403, 403, 404] },
    Row { endpoint: "change_project_member", args: Args::Json(MEMBER_CHANGE), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "glossary_terms", args: Args::Form(&[("query", "customer")]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "glossary_term", args: Args::Form(&[("id", "no-such-term")]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "audit_log", args: Args::Form(&[("actor", ""), ("action", ""), ("target", ""), ("from", ""), ("to", "")]), expect: [401, 403, 200, 200, 200] },
    Row { endpoint: "admin_unit", args: Args::Form(&[("id", "no-such-unit")]), expect: [401, 403, 403, 403, 404] },
    Row { endpoint: "create_domain_unit", args: Args::Form(&[("parent_id", "p"), ("name", ""), ("description", "")]), expect: [401, 403, 403, 403, 422] },
    Row { endpoint: "update_domain_unit", args: Args::Form(&[("id", "u"), ("name", ""), ("description", "")]), expect: [401, 403, 403, 403, 422] },
    Row { endpoint: "set_unit_owner", args: Args::Json(r#"{"unit_id":"no-such-unit","owner":{"id":"u","kind":"user","name":"U","detail":""},"add":true}"#), expect: [401, 403, 403, 403, 404] },
    Row { endpoint: "grant_profiles", args: Args::Json(r#"{"grant":{"unit_id":"u","principal":"nobody","profile_ids":[],"include_children":false}}"#), expect: [401, 403, 403, 403, 422] },
    Row { endpoint: "revoke_profile_grant", args: Args::Form(&[("unit_id", "u"), ("principal", "nobody")]), expect: [401, 403, 403, 403, 422] },
    Row { endpoint: "set_unit_approval", args: Args::Form(&[("unit_id", "no-such-unit"), ("auto_approve_dev", "true")]), expect: [401, 403, 403, 403, 404] },
    Row { endpoint: "set_unit_self_decisions", args: Args::Form(&[("unit_id", "no-such-unit"), ("allow", "true")]), expect: [401, 403, 403, 403, 404] },
    Row { endpoint: "project_profiles", args: Args::Form(&[]), expect: [401, 403, 403, 403, 200] },
    Row { endpoint: "catalog_search", args: Args::Json(r#"{"query":{"q":"","unit":"","project":"","asset_type":"","term":"","sort":"","page":""}}"#), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "catalog_asset", args: Args::Form(&[("listing_id", NO_SUCH)]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "my_data", args: Args::Form(&[("project", ""), ("query", "")]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "data_asset", args: Args::Form(&[("id", "nosuchasset00")]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "revise_asset", args: Args::Json(r#"{"edit":{"asset_id":"nosuchasset00","base_revision":"1","name":"x","description":"","glossary_terms":[]}}"#), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "add_glue_asset", args: Args::Json(r#"{"form":{"project_id":"","account_id":"","region":"","database":"","table":"","name":"","description":"","token":""}}"#), expect: [401, 422, 422, 422, 422] },
    Row { endpoint: "publish_asset", args: Args::Form(&[("id", "nosuchasset00"), ("revision", "1"), ("publish", "true")]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "data_product", args: Args::Form(&[("id", "nosuchproduct"), ("project", "")]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "save_data_product", args: Args::Json(r#"{"edit":{"id":"","project_id":"","base_revision":"","name":"","description":"","asset_ids":[],"token":""}}"#), expect: [401, 422, 422, 422, 422] },
    Row { endpoint: "publish_data_product", args: Args::Form(&[("id", "nosuchproduct"), ("revision", "1"), ("publish", "true")]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "api_reference", args: Args::Form(&[]), expect: [200, 200, 200, 200, 200] },
    Row { endpoint: "my_tokens", args: Args::Form(&[]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "create_token", args: Args::Json(r#"{"form":{"name":" ","scopes":["read"],"days":30}}"#), expect: [401, 422, 422, 422, 422] },
    Row { endpoint: "revoke_token", args: Args::Form(&[("id", NO_SUCH)]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "pipeline_bindings", args: Args::Form(&[]), expect: [401, 403, 403, 403, 200] },
    Row { endpoint: "bind_pipeline", args: Args::Json(r#"{"form":{"name":" ","issuer":"","repository":"","ref_pattern":"","product":"","acts_for":"","scopes":[]}}"#), expect: [401, 403, 403, 403, 422] },
    Row { endpoint: "unbind_pipeline", args: Args::Form(&[("id", NO_SUCH)]), expect: [401, 403, 403, 403, 404] },
    Row { endpoint: "my_notifications", args: Args::Form(&[]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "mark_notifications_read", args: Args::Json(r#"{"ids":[]}"#), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "save_notification_preferences", args: Args::Json(r#"{"preferences":{"email":true,"daily_digest":false,"muted":["nope"]}}"#), expect: [401, 422, 422, 422, 422] },
    Row { endpoint: "send_test_email", args: Args::Form(&[]), expect: [401, 422, 422, 422, 422] },
    Row { endpoint: "notification_deliveries", args: Args::Form(&[]), expect: [401, 403, 403, 403, 200] },
    Row { endpoint: "retry_delivery", args: Args::Form(&[("id", NO_SUCH)]), expect: [401, 403, 403, 403, 409] },
    Row { endpoint: "unit_channels", args: Args::Form(&[("unit_id", "nosuchunit")]), expect: [401, 403, 403, 403, 200] },
    Row { endpoint: "save_unit_channels", args: Args::Json(r#"{"form":{"unit_id":"nosuchunit","slack_webhook_url":"x","teams_webhook_url":null,"review_sla_hours":null}}"#), expect: [401, 403, 403, 403, 422] },
    Row { endpoint: "test_unit_channel", args: Args::Form(&[("unit_id", "nosuchunit"), ("channel", "slack")]), expect: [401, 403, 403, 403, 422] },
    Row { endpoint: "set_access_terms", args: Args::Json(r#"{"terms":{"entity_id":"nosuchasset00","approval_required":true,"default_days":null,"max_days":null}}"#), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "preview_description", args: Args::Form(&[("text", "**bold**")]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "request_access", args: Args::Json(r#"{"form":{"listing_id":"l","project_id":"","reason":"","days":null,"token":""}}"#), expect: [401, 422, 422, 422, 422] },
    Row { endpoint: "steward_inbox", args: Args::Json(r#"{"query":{"status":"","q":"","sort":"","offset":0}}"#), expect: [401, 403, 200, 200, 200] },
    Row { endpoint: "subscription_request", args: Args::Form(&[("id", NO_SUCH)]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "decide_subscriptions", args: Args::Json(r#"{"decision":{"ids":["no-such"],"accept":true,"comment":""}}"#), expect: [401, 403, 404, 404, 404] },
    Row { endpoint: "decision_progress", args: Args::Form(&[("run", NO_SUCH)]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "my_subscriptions", args: Args::Form(&[]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "end_subscription", args: Args::Form(&[("id", NO_SUCH), ("revoke", "true")]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "retry_grant", args: Args::Form(&[("id", NO_SUCH)]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "extend_subscription", args: Args::Form(&[("id", NO_SUCH), ("days", "7"), ("reason", "x")]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "approval_rules", args: Args::Form(&[]), expect: [401, 403, 200, 200, 200] },
    Row { endpoint: "save_approval_rule", args: Args::Json(r#"{"form":{"id":"","name":"","scope_unit":"","conditions":{},"action":"accept","comment":"","enabled":true}}"#), expect: [401, 403, 422, 422, 422] },
    Row { endpoint: "delete_approval_rule", args: Args::Form(&[("id", NO_SUCH)]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "move_approval_rule", args: Args::Form(&[("id", NO_SUCH), ("up", "true")]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "dry_run_rule", args: Args::Json(r#"{"form":{"id":"","name":"","scope_unit":"","conditions":{},"action":"accept","comment":"","enabled":true}}"#), expect: [401, 403, 422, 422, 422] },
    Row { endpoint: "report_dashboard", args: Args::Form(&[]), expect: [401, 403, 403, 403, 200] },
    Row { endpoint: "report_usage", args: Args::Form(&[]), expect: [401, 403, 403, 403, 200] },
    Row { endpoint: "report_drift", args: Args::Form(&[]), expect: [401, 403, 403, 403, 200] },
    Row { endpoint: "check_drift", args: Args::Form(&[]), expect: [401, 403, 403, 403, 200] },
    Row { endpoint: "access_report", args: Args::Json(r#"{"query":{"by":"asset","value":"customer_master"}}"#), expect: [401, 403, 403, 403, 200] },
    Row { endpoint: "set_profile_enabled", args: Args::Form(&[("id", "no-such-profile"), ("enabled", "true")]), expect: [401, 403, 403, 403, 404] },
];

#[test]
fn every_server_function_has_a_row_in_the_matrix() {
    let registered: Vec<String> = server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()).collect();
    assert!(!registered.is_empty());
    for path in &registered {
        let endpoint = path.trim_start_matches("/api/");
        assert!(
            MATRIX.iter().any(|row| row.endpoint == endpoint),
            "server function {path} has no row in the authz matrix"
        );
    }
    for row in MATRIX {
        assert!(registered.iter().any(|p| p.ends_with(row.endpoint)), "{} is not a server function", row.endpoint);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn every_persona_gets_what_the_matrix_says(pool: PgPool) {
    let app = spawn(pool).await;
    let mut clients = Vec::new();
    for persona in PERSONAS {
        clients.push(match persona {
            Some(username) => app.signed_in(username).await,
            None => browser(),
        });
    }
    let mut wrong = Vec::new();
    for row in MATRIX {
        for ((persona, client), expected) in PERSONAS.iter().zip(&clients).zip(row.expect) {
            let response = match row.args {
                Args::Form(form) => app.call(client, row.endpoint, form).await,
                Args::Json(body) => app.call_json(client, row.endpoint, &serde_json::from_str(body).unwrap()).await,
            };
            let status = response.status().as_u16();
            if status != expected {
                wrong.push(format!(
                    "{} as {}: {status}, expected {expected}",
                    row.endpoint,
                    persona.unwrap_or("anonymous")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// The `/api/v1` routes over the server functions of the matrix: (server function, method,
/// path, JSON body). The API runs the same function, so each persona's token (with every
/// scope its owner may give) gets the matrix's answer; without a token it is always 401.
#[rustfmt::skip]
const API: &[(&str, &str, &str, Option<&str>)] = &[
    ("who_am_i", "GET", "/me", None),
    ("my_projects", "GET", "/projects", None),
    ("submit_project_request", "POST", "/project-requests", Some(r#"{"product":"","project_name":"","description":"","domain_unit_id":"","environment":null,"members":[],"justification":""}"#)),
    ("project_request", "GET", "/project-requests/00000000-0000-4000-8000-000000000000", None),
    ("promote_project", "POST", "/project-requests/00000000-0000-4000-8000-000000000000/promote", Some(r#"{"environment":"prod","justification":"x"}"#)),
    ("retire_project", "POST", "/project-requests/00000000-0000-4000-8000-000000000000/retire", Some(r#"{"reason":""}"#)),
    ("cancel_project_request", "POST", "/project-requests/00000000-0000-4000-8000-000000000000/cancel", None),
    ("decide_project_request", "POST", "/project-requests/00000000-0000-4000-8000-000000000000/decision", Some(r#"{"approve":true,"comment":""}"#)),
    ("catalog_search", "GET", "/catalog", None),
    ("catalog_asset", "GET", "/catalog/00000000-0000-4000-8000-000000000000", None),
    ("glossary_terms", "GET", "/glossary?q=customer", None),
    ("request_access", "POST", "/subscription-requests", Some(r#"{"listing_id":"l","project_id":"","reason":"","days":null}"#)),
    ("subscription_request", "GET", "/subscription-requests/00000000-0000-4000-8000-000000000000", None),
    ("my_subscriptions", "GET", "/subscriptions", None),
    ("steward_inbox", "GET", "/inbox", None),
    ("decide_subscriptions", "POST", "/decisions", Some(r#"{"ids":["no-such"],"accept":true,"comment":""}"#)),
    ("decision_progress", "GET", "/decisions/00000000-0000-4000-8000-000000000000", None),
    ("approval_rules", "GET", "/rules", None),
    ("dry_run_rule", "POST", "/rules/dry-run", Some(r#"{"id":"","name":"","scope_unit":"","conditions":{},"action":"accept","comment":"","enabled":true}"#)),
    ("audit_log", "GET", "/audit", None),
    ("report_dashboard", "GET", "/reports/dashboard", None),
    ("report_usage", "GET", "/reports/usage", None),
    ("access_report", "GET", "/reports/access?by=person&value=erin", None),
    ("report_drift", "GET", "/reports/drift", None),
    ("change_project_member", "POST", "/project-requests/00000000-0000-4000-8000-000000000000/members", Some(r#"{"principal":{"id":"u","kind":"user","name":"U","detail":""},"designation":"owner","remove":false}"#)),
    ("project_units", "GET", "/domain-units", None),
    ("search_principals", "GET", "/principals?query=iv", None),
    ("my_data", "GET", "/data", None),
    ("data_asset", "GET", "/data/nosuchasset00", None),
    ("revise_asset", "POST", "/data/nosuchasset00/revisions", Some(r#"{"asset_id":"nosuchasset00","base_revision":"1","name":"x","description":"","glossary_terms":[]}"#)),
    ("publish_asset", "POST", "/data/nosuchasset00/publication", Some(r#"{"revision":"1","publish":true}"#)),
];

#[sqlx::test(migrations = "../migrations")]
async fn every_persona_gets_what_the_matrix_says_through_the_api(pool: PgPool) {
    use serde_json::json;
    let app = spawn(pool).await;
    // Every route of the API has a row here.
    let document = support::plain().get(app.url("/api/v1/openapi.json")).send().await.unwrap();
    let document: serde_json::Value = document.json().await.unwrap();
    let operations: usize =
        document["paths"].as_object().unwrap().values().map(|item| item.as_object().unwrap().len()).sum();
    assert_eq!(operations, API.len(), "an /api/v1 route without a row here");

    let mut wrong = Vec::new();
    for (persona, column) in PERSONAS.iter().zip(0..) {
        let secret = match persona {
            None => String::new(),
            Some(username) => {
                let client = app.signed_in(username).await;
                let allowed = support::ok(app.call(&client, "my_tokens", &[]).await).await["allowed_scopes"].clone();
                let made = app
                    .call_json(
                        &client,
                        "create_token",
                        &json!({"form": {"name": "matrix", "scopes": allowed, "days": 1}}),
                    )
                    .await;
                support::ok(made).await["secret"].as_str().unwrap().to_owned()
            }
        };
        for (endpoint, method, path, body) in API {
            let row = MATRIX.iter().find(|r| r.endpoint == *endpoint).expect("a matrix row");
            let expected = if persona.is_none() { 401 } else { row.expect[column] };
            let mut request = support::plain().request(method.parse().unwrap(), app.url(&format!("/api/v1{path}")));
            if !secret.is_empty() {
                request = request.bearer_auth(&secret);
            }
            if let Some(body) = body {
                request = request.header("content-type", "application/json").body(*body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            if status != expected {
                let body = response.text().await.unwrap_or_default();
                wrong.push(format!(
                    "{method} {path} as {}: {status}, expected {expected}: {body}",
                    persona.unwrap_or("anonymous")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// Who calls in the object matrix, in the order of each row's `expect`: anonymous; a team
/// lead with no tie to the objects; the lead of another project; the project's former owner
/// (who requested it, then was removed in DataZone); an owner through a group; a steward of
/// another unit; a steward (and owner) of the project's unit; a platform admin.
const PEOPLE: [Option<&str>; 8] =
    [None, Some("zoe"), Some("trent"), Some("frank"), Some("ivan"), Some("carol"), Some("dave"), Some("alice")];

enum Call {
    Form(Vec<(&'static str, String)>),
    Json(serde_json::Value),
}

/// Calls `endpoint` as each of `PEOPLE` in turn and notes every answer that differs from
/// `expect`; answers the bodies of the 200s by persona.
async fn row(
    app: &support::TestApp,
    clients: &[reqwest::Client],
    wrong: &mut Vec<String>,
    endpoint: &str,
    call: Call,
    expect: [u16; 8],
) -> Vec<Option<serde_json::Value>> {
    let mut bodies = Vec::new();
    for ((persona, client), expected) in PEOPLE.iter().zip(clients).zip(expect) {
        let response = match &call {
            Call::Form(form) => {
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                app.call(client, endpoint, &form).await
            }
            Call::Json(body) => app.call_json(client, endpoint, body).await,
        };
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        if status != expected {
            wrong.push(format!(
                "{endpoint} as {}: {status}, expected {expected}: {body}",
                persona.unwrap_or("anonymous")
            ));
        }
        bodies.push((status == 200).then(|| serde_json::from_str(&body).unwrap_or(serde_json::Value::Null)));
    }
    bodies
}

/// The object-level matrix: real objects that belong to someone else (a project Frank asked
/// for, owned now through the data engineers' group after Frank was removed in DataZone; its
/// subscription request for Sales data; its promotions; a Sales steward's rule; the Sales
/// unit), and every persona's answer for every action on them.
#[sqlx::test(migrations = "../migrations")]
async fn every_persona_gets_what_the_object_matrix_says_on_real_objects(pool: PgPool) {
    use serde_json::json;
    use support::ok;
    let app = support::spawn_with(
        pool,
        support::Setup { extra: vec![("job_poll_ms", json!(100))], ..support::Setup::default() },
    )
    .await;
    app.aws
        .emulator
        .set_faults(emulator::FaultsPatch { deploy_delay_ms: Some(300), ..emulator::FaultsPatch::default() })
        .unwrap();
    let mut clients = Vec::new();
    for persona in PEOPLE {
        clients.push(match persona {
            Some(username) => app.signed_in(username).await,
            None => browser(),
        });
    }
    let [_, _, _, frank, ivan, _, dave, alice] = &clients[..] else { unreachable!() };

    // Frank asks for a Dev project owned by him and the data engineers' group (Ivan's).
    let sales = app.unit_id(frank, "SalesOperations").await;
    let engineers = app.principal(frank, "meshgate-data-engineers").await;
    assert_eq!(engineers["kind"], "group", "{engineers}");
    // The data engineers may create Staging and Prod projects there (an admin's grant).
    let profiles = ok(app.call(alice, "project_profiles", &[]).await).await;
    let later: Vec<&serde_json::Value> = profiles
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] != "Development-Project-Profile")
        .map(|p| &p["id"])
        .collect();
    let principal = format!("group:{}", engineers["id"].as_str().unwrap());
    let grant = json!({ "grant": { "unit_id": sales, "principal": principal, "profile_ids": later, "include_children": false } });
    ok(app.call_json(alice, "grant_profiles", &grant).await).await;
    let form = json!({ "form": {
        "product": "Matrix", "project_name": "Matrix Dev", "description": "Owned by a group.",
        "domain_unit_id": sales, "environment": "dev",
        "members": [{ "principal": engineers, "designation": "owner" }], "justification": "",
    }});
    let project_request: String =
        serde_json::from_value(ok(app.call_json(frank, "submit_project_request", &form).await).await).unwrap();
    let active = app.project_request_reaches(frank, &project_request, "active").await;
    let project = active["summary"]["project_id"].as_str().unwrap().to_owned();

    // Someone takes Frank out of the project in SageMaker Unified Studio.
    let dz = app.datazone().await;
    let members = dz
        .list_project_memberships()
        .domain_identifier(app.aws.emulator.domain_id())
        .project_identifier(&project)
        .send()
        .await
        .unwrap();
    let frank_id = members
        .members()
        .iter()
        .find_map(|m| match m.member_details() {
            Some(aws_sdk_datazone::types::MemberDetails::User(user)) => Some(user.user_id().to_owned()),
            _ => None,
        })
        .expect("frank is a user member");
    app.remove_in_datazone(&project, frank_id).await;

    // Ivan asks for Sales data for it; Dave keeps a rule for the Sales unit.
    let query = json!({ "query": { "q": "forecast accuracy", "unit": "", "project": "", "asset_type": "", "term": "", "sort": "", "page": "" } });
    let page = ok(app.call_json(ivan, "catalog_search", &query).await).await;
    let listing = page["items"].as_array().unwrap().iter().find(|i| i["name"] == "forecast_accuracy").unwrap()
        ["listing_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let ask = json!({ "form": { "listing_id": listing, "project_id": project, "reason": "Forecast error beside the matrix", "days": 30, "token": "matrix-1" } });
    let subscription: String =
        serde_json::from_value(ok(app.call_json(ivan, "request_access", &ask).await).await).unwrap();
    let rule_form = |id: &str, name: &str| json!({ "form": { "id": id, "name": name, "scope_unit": sales, "conditions": {}, "action": "review", "comment": "", "enabled": true }});
    let rule: String = serde_json::from_value(
        ok(app.call_json(dave, "save_approval_rule", &rule_form("", "Sales: people decide")).await).await,
    )
    .unwrap();

    let id = |value: &str| Call::Form(vec![("id", value.to_owned())]);
    let mut wrong = Vec::new();
    let w = &mut wrong;
    let c = &clients;
    //                                                                     anon zoe  trent frank ivan carol dave alice
    row(&app, c, w, "project_request", id(&project_request), [401, 403, 403, 200, 200, 403, 200, 200]).await;
    row(&app, c, w, "subscription_request", id(&subscription), [401, 404, 404, 404, 200, 404, 200, 200]).await;
    row(
        &app,
        c,
        w,
        "catalog_asset",
        Call::Form(vec![("listing_id", listing.clone())]),
        [401, 200, 200, 200, 200, 200, 200, 200],
    )
    .await;
    let walter = app.principal(frank, "walter").await;
    let add_walter = json!({ "id": project_request, "change": { "principal": walter, "designation": "contributor", "remove": false } });
    row(&app, c, w, "change_project_member", Call::Json(add_walter), [401, 403, 403, 403, 200, 403, 403, 403]).await;
    let accept = json!({ "decision": { "ids": [subscription], "accept": true, "comment": "For the matrix" } });
    let runs =
        row(&app, c, w, "decide_subscriptions", Call::Json(accept), [401, 403, 403, 403, 403, 403, 200, 200]).await;
    let run = runs[6].as_ref().map(|r| r["id"].as_str().unwrap().to_owned()).unwrap_or_default();
    row(&app, c, w, "decision_progress", Call::Form(vec![("run", run)]), [401, 404, 404, 404, 404, 404, 200, 200])
        .await;
    support::wait_until("the subscription is granted", 30, async || {
        let detail = ok(app.call(ivan, "subscription_request", &[("id", &subscription)]).await).await;
        detail["row"]["status"] == "ACCEPTED"
    })
    .await;
    let extend =
        Call::Form(vec![("id", subscription.clone()), ("days", "30".into()), ("reason", "Another month".into())]);
    row(&app, c, w, "extend_subscription", extend, [401, 403, 403, 403, 200, 403, 403, 403]).await;
    // Its grant did not fail: stewards may ask but get 409, others are refused.
    row(&app, c, w, "retry_grant", id(&subscription), [401, 403, 403, 403, 403, 403, 409, 409]).await;
    let revoke = Call::Form(vec![("id", subscription.clone()), ("revoke", "true".into())]);
    row(&app, c, w, "end_subscription", revoke, [401, 403, 403, 403, 403, 403, 200, 409]).await;

    let promote = Call::Form(vec![
        ("id", project_request.clone()),
        ("environment", "staging".into()),
        ("justification", "Next".into()),
    ]);
    let staging = row(&app, c, w, "promote_project", promote, [401, 403, 403, 403, 200, 403, 403, 403]).await;
    let staging: String = staging[4].clone().map(|v| serde_json::from_value(v).unwrap()).unwrap_or_default();
    row(&app, c, w, "cancel_project_request", id(&staging), [401, 403, 403, 403, 200, 403, 403, 409]).await;
    let prod = ok(app
        .call(
            ivan,
            "promote_project",
            &[("id", &project_request), ("environment", "prod"), ("justification", "Launch")],
        )
        .await)
    .await;
    let prod = prod.as_str().unwrap().to_owned();
    let decide = Call::Form(vec![("id", prod.clone()), ("approve", "true".into()), ("comment", "Go".into())]);
    row(&app, c, w, "decide_project_request", decide, [401, 403, 403, 403, 403, 403, 200, 409]).await;
    row(&app, c, w, "retry_project_request", id(&project_request), [401, 403, 403, 403, 403, 403, 403, 409]).await;
    let retire = Call::Form(vec![("id", project_request.clone()), ("reason", "Done".into())]);
    row(&app, c, w, "retire_project", retire, [401, 403, 403, 403, 200, 403, 403, 403]).await;

    row(
        &app,
        c,
        w,
        "save_approval_rule",
        Call::Json(rule_form(&rule, "Sales: stewards decide")),
        [401, 403, 422, 422, 403, 422, 200, 200],
    )
    .await;
    let up = Call::Form(vec![("id", rule.clone()), ("up", "true".into())]);
    row(&app, c, w, "move_approval_rule", up, [401, 403, 403, 403, 403, 403, 200, 200]).await;
    row(&app, c, w, "delete_approval_rule", id(&rule), [401, 403, 403, 403, 403, 403, 200, 404]).await;

    let admin_only = [401, 403, 403, 403, 403, 403, 403, 200];
    row(&app, c, w, "admin_unit", id(&sales), admin_only).await;
    row(
        &app,
        c,
        w,
        "set_unit_self_decisions",
        Call::Form(vec![("unit_id", sales.clone()), ("allow", "false".into())]),
        admin_only,
    )
    .await;
    row(
        &app,
        c,
        w,
        "set_unit_approval",
        Call::Form(vec![("unit_id", sales.clone()), ("auto_approve_dev", "true".into())]),
        admin_only,
    )
    .await;
    let rename = Call::Form(vec![
        ("id", sales.clone()),
        ("name", "SalesOperations".into()),
        ("description", "Pipeline and bookings.".into()),
    ]);
    row(&app, c, w, "update_domain_unit", rename, admin_only).await;
    assert!(wrong.is_empty(), "{wrong:#?}");
}
