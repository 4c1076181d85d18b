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
    Row { endpoint: "request_access", args: Args::Json(r#"{"form":{"listing_id":"l","project_id":"","reason":"","days":null,"token":""}}"#), expect: [401, 422, 422, 422, 422] },
    Row { endpoint: "steward_inbox", args: Args::Json(r#"{"query":{"status":"","q":"","sort":"","offset":0}}"#), expect: [401, 403, 200, 200, 200] },
    Row { endpoint: "subscription_request", args: Args::Form(&[("id", NO_SUCH)]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "decide_subscriptions", args: Args::Json(r#"{"decision":{"ids":["no-such"],"accept":true,"comment":""}}"#), expect: [401, 403, 404, 404, 404] },
    Row { endpoint: "decision_progress", args: Args::Form(&[("run", NO_SUCH)]), expect: [401, 404, 404, 404, 404] },
    Row { endpoint: "my_subscriptions", args: Args::Form(&[]), expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "end_subscription", args: Args::Form(&[("id", NO_SUCH), ("revoke", "true")]), expect: [401, 404, 404, 404, 404] },
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
