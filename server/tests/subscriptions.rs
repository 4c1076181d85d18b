//! The catalog and subscriptions through the portal's server functions: a lead asks for
//! access, stewards decide by hand and by rule, requests made straight in DataZone reach
//! the inbox, time-limited access expires; checked in the emulator and in Postgres.

mod support;

use serde_json::{json, Value};
use sqlx::PgPool;
use support::{open_requests_in_datazone, spawn, spawn_with, wait_until, Setup, TestApp};

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

async fn search(app: &TestApp, client: &reqwest::Client, q: &str) -> Value {
    let query =
        json!({ "query": { "q": q, "unit": "", "project": "", "asset_type": "", "term": "", "sort": "", "page": "" } });
    ok(app.call_json(client, "catalog_search", &query).await).await
}

fn listing_of(page: &Value, name: &str) -> String {
    page["items"].as_array().unwrap().iter().find(|i| i["name"] == name).unwrap()["listing_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn inbox(app: &TestApp, client: &reqwest::Client, status: &str) -> Value {
    let query = json!({ "query": { "status": status, "q": "", "sort": "", "offset": 0 } });
    ok(app.call_json(client, "steward_inbox", &query).await).await
}

fn request_form(listing: &str, project: &str, reason: &str, days: Option<u32>, token: &str) -> Value {
    json!({ "form": { "listing_id": listing, "project_id": project, "reason": reason, "days": days, "token": token } })
}

/// A domain unit's id, as the project form lists it.
async fn unit_id(app: &TestApp, client: &reqwest::Client, name: &str) -> String {
    let units = ok(app.call(client, "project_units", &[]).await).await;
    let unit = units.as_array().unwrap().iter().find(|u| u["name"] == name).expect("unit in the demo mesh");
    unit["id"].as_str().unwrap().to_owned()
}

async fn detail(app: &TestApp, client: &reqwest::Client, id: &str) -> Value {
    ok(app.call(client, "subscription_request", &[("id", id)]).await).await
}

async fn settled(app: &TestApp, client: &reqwest::Client, id: &str) -> Value {
    let mut last = Value::Null;
    wait_until("the decision", 30, async || {
        last = detail(app, client, id).await;
        last["row"]["status"] != "PENDING"
    })
    .await;
    last
}

#[sqlx::test(migrations = "../migrations")]
async fn a_lead_asks_for_access_and_stewards_decide_by_hand_and_by_rule(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let erin = app.signed_in("erin").await;
    let dave = app.signed_in("dave").await;

    // Found by search, with facets to narrow it.
    let page = search(&app, &erin, "pipeline").await;
    assert!(page["total"].as_u64().unwrap() >= 2, "{page}");
    assert!(page["units"].as_array().unwrap().iter().any(|f| f["label"] == "SalesOperations"), "{page}");
    let daily = listing_of(&page, "sales_pipeline_daily");
    let asset = ok(app.call(&erin, "catalog_asset", &[("listing_id", &daily)]).await).await;
    assert_eq!(asset["owner_project"], "SalesPipeline Prod");
    assert!(asset["forms"][0]["fields"].as_array().unwrap().iter().any(|f| f[0] == "tableName"), "{asset}");
    let dev =
        asset["access"].as_array().unwrap().iter().find(|a| a["project_name"] == "CustomerChurnModel-v2 Dev").unwrap();
    let dev = dev["project_id"].as_str().unwrap().to_owned();

    // Bad input is refused and nothing is created.
    let refused = app.call_json(&erin, "request_access", &request_form(&daily, &dev, "  ", None, "t1")).await;
    assert_eq!(refused.status(), 422);
    let refused = app.call_json(&erin, "request_access", &request_form(&daily, &dev, "x", Some(0), "t1")).await;
    assert_eq!(refused.status(), 422);

    // The same form sent twice is one request; another form for the same pair is refused.
    let form = request_form(&daily, &dev, "Pipeline features for churn", Some(30), "token-one");
    let id: String = serde_json::from_value(ok(app.call_json(&erin, "request_access", &form).await).await).unwrap();
    let again: String = serde_json::from_value(ok(app.call_json(&erin, "request_access", &form).await).await).unwrap();
    assert_eq!(id, again, "a resubmitted form does not ask twice");
    let duplicate =
        app.call_json(&erin, "request_access", &request_form(&daily, &dev, "Again", None, "token-two")).await;
    assert_eq!(duplicate.status(), 409, "one open request per asset and project");
    let rows: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM subscription_requests WHERE listing_id = $1 AND subscriber_project_id = $2",
    )
    .bind(&daily)
    .bind(&dev)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(rows, 1);

    // The sales steward sees it (and the seeded one) in the inbox; the marketing steward not.
    let queue = inbox(&app, &dave, "").await;
    let ids: Vec<&str> = queue["rows"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&id.as_str()), "{queue}");
    assert!(queue["rows"].as_array().unwrap().iter().any(|r| r["requester"] == "Peggy Park"), "{queue}");
    let carol = app.signed_in("carol").await;
    let theirs = inbox(&app, &carol, "").await;
    assert!(!theirs["rows"].as_array().unwrap().iter().any(|r| r["id"] == id.as_str()), "{theirs}");
    let zoe = app.signed_in("zoe").await;
    let query = json!({ "query": { "status": "", "q": "", "sort": "", "offset": 0 } });
    assert_eq!(app.call_json(&zoe, "steward_inbox", &query).await.status(), 403);

    // Rejecting needs a comment; the lead sees the decision and the comment.
    let reject = |comment: &str| json!({ "decision": { "ids": [id], "accept": false, "comment": comment } });
    assert_eq!(app.call_json(&dave, "decide_subscriptions", &reject("")).await.status(), 422);
    ok(app.call_json(&dave, "decide_subscriptions", &reject("Use the weekly coverage table instead.")).await).await;
    let decided = settled(&app, &erin, &id).await;
    assert_eq!(decided["row"]["status"], "REJECTED");
    assert_eq!(decided["decision_comment"], "Use the weekly coverage table instead.");
    let mine = ok(app.call(&erin, "my_subscriptions", &[]).await).await;
    let item = mine
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["items"].as_array().unwrap())
        .find(|i| i["request_id"] == id.as_str())
        .unwrap();
    assert_eq!(item["status"], "REJECTED");
    assert_eq!(item["decided_by"], "dave");

    // A rule: Marketing projects get sales opportunities for up to 90 days without waiting.
    let (sales, marketing) =
        (unit_id(&app, &dave, "SalesOperations").await, unit_id(&app, &dave, "MarketingAnalytics").await);
    let rule = json!({ "form": {
        "id": "", "name": "Marketing reads sales", "scope_unit": sales,
        "conditions": { "subscriber_units": ["MarketingAnalytics"], "max_days": 90 },
        "action": "accept", "comment": "", "enabled": true,
    }});
    let dry = ok(app.call_json(&dave, "dry_run_rule", &rule).await).await;
    assert_eq!(dry["matches"], json!([]), "nothing pending matches yet: {dry}");
    let outside = json!({ "form": { "id": "", "name": "x", "scope_unit": marketing,
        "conditions": {}, "action": "accept", "comment": "", "enabled": true }});
    assert_eq!(app.call_json(&dave, "save_approval_rule", &outside).await.status(), 422, "only units one governs");
    ok(app.call_json(&dave, "save_approval_rule", &rule).await).await;

    let opportunities = listing_of(&search(&app, &erin, "opportunities").await, "opportunities");
    let form = request_form(&opportunities, &dev, "Deal history as churn signal", Some(30), "token-three");
    let auto: String = serde_json::from_value(ok(app.call_json(&erin, "request_access", &form).await).await).unwrap();
    let decided = settled(&app, &erin, &auto).await;
    assert_eq!(decided["row"]["status"], "ACCEPTED", "{decided}");
    assert_eq!(decided["decided_by"], "rule: Marketing reads sales");
    assert!(decided["rule_reason"].as_str().unwrap().contains("subscriber in MarketingAnalytics"), "{decided}");
    assert!(decided["expires_at"].is_string(), "30 days of access end: {decided}");
    let history: Vec<&str> =
        decided["history"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(history, ["subscription.requested", "subscription.rule_matched", "subscription.accepted"]);

    // Stewards read the audit trail of the requests they govern, and only those.
    let filters = [("actor", ""), ("action", ""), ("target", ""), ("from", ""), ("to", "")];
    let seen = ok(app.call(&dave, "audit_log", &filters).await).await;
    let rows = seen["rows"].as_array().unwrap();
    assert!(rows.iter().all(|r| r["entry"]["target_kind"] == "subscription_request"), "{seen}");
    assert!(rows
        .iter()
        .any(|r| r["entry"]["target_id"] == id.as_str() && r["entry"]["action"] == "subscription.rejected"));
    let theirs = ok(app.call(&carol, "audit_log", &filters).await).await;
    assert!(!theirs["rows"].as_array().unwrap().iter().any(|r| r["entry"]["target_id"] == id.as_str()), "{theirs}");

    // A request made straight in DataZone reaches the inbox.
    let outside = open_requests_in_datazone(&app.datazone().await, 1).await;
    let alice = app.signed_in("alice").await;
    wait_until("the DataZone request in the inbox", 20, async || {
        inbox(&app, &alice, "").await["rows"].as_array().unwrap().iter().any(|r| r["id"] == outside[0].as_str())
    })
    .await;
}

/// Decisions and ended access made straight in DataZone, as in SageMaker Unified Studio,
/// reach the portal within a sync interval — though DataZone lists only PENDING requests and
/// APPROVED subscriptions unless asked for a status.
#[sqlx::test(migrations = "../migrations")]
async fn decisions_and_ended_access_made_in_datazone_reach_the_portal(pool: PgPool) {
    let setup = Setup { extra: vec![("subscription_sync_seconds", json!(1))], ..Setup::default() };
    let app = spawn_with(pool, setup).await;
    let dz = app.datazone().await;
    let domain = app.aws.emulator.domain_id();
    let ids = open_requests_in_datazone(&dz, 2).await;
    let alice = app.signed_in("alice").await;
    wait_until("both requests in the inbox", 20, async || {
        let pending = inbox(&app, &alice, "").await;
        ids.iter().all(|id| pending["rows"].as_array().unwrap().iter().any(|r| r["id"] == id.as_str()))
    })
    .await;
    let synced = inbox(&app, &alice, "").await;
    assert!(synced["sync"]["synced_ago"].is_string() && synced["sync"]["failed"].is_null(), "{synced}");

    let accepted =
        dz.accept_subscription_request().domain_identifier(&domain).identifier(&ids[0]).send().await.unwrap();
    dz.reject_subscription_request()
        .domain_identifier(&domain)
        .identifier(&ids[1])
        .decision_comment("Not for this use")
        .send()
        .await
        .unwrap();
    wait_until("both decisions in the portal", 10, async || {
        detail(&app, &alice, &ids[0]).await["row"]["status"] == "ACCEPTED"
            && detail(&app, &alice, &ids[1]).await["row"]["status"] == "REJECTED"
    })
    .await;
    let rejected = detail(&app, &alice, &ids[1]).await;
    assert_eq!(rejected["decision_comment"], "Not for this use");
    assert!(rejected["decided_by"].as_str().unwrap().contains("in DataZone"), "{rejected}");
    let pending = inbox(&app, &alice, "").await;
    assert!(!pending["rows"].as_array().unwrap().iter().any(|r| ids.contains(&r["id"].as_str().unwrap().to_owned())));

    // Revoked in DataZone: the portal stops counting it as access, and says who ended it.
    let subscription = accepted.existing_subscription_id().unwrap();
    dz.revoke_subscription().domain_identifier(&domain).identifier(subscription).send().await.unwrap();
    wait_until("the revocation in the portal", 10, async || {
        detail(&app, &alice, &ids[0]).await["subscription_status"] == "REVOKED"
    })
    .await;
    let history = detail(&app, &alice, &ids[0]).await["history"].clone();
    assert!(
        history.as_array().unwrap().iter().any(|e| e["action"] == "subscription.revoked" && e["actor"] == "DataZone"),
        "{history}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn nobody_decides_a_request_for_a_project_they_belong_to(pool: PgPool) {
    let app = spawn(pool).await;
    let erin = app.signed_in("erin").await;
    // Carol stewards MarketingAnalytics and owns both the publishing project
    // (MarketingDataFoundation Prod) and the subscribing one (CustomerChurnModel-v2 Prod).
    let contacts = listing_of(&search(&app, &erin, "contacts").await, "customer_contacts");
    let asset = ok(app.call(&erin, "catalog_asset", &[("listing_id", &contacts)]).await).await;
    let project = |name: &str| {
        let found = asset["access"].as_array().unwrap().iter().find(|a| a["project_name"] == name).unwrap();
        found["project_id"].as_str().unwrap().to_owned()
    };
    let (prod, staging) = (project("CustomerChurnModel-v2 Prod"), project("CustomerChurnModel-v2 Staging"));
    let ask =
        |project: &str, token: &str| request_form(&contacts, project, "Contact details for win-back", None, token);
    let hers: String =
        serde_json::from_value(ok(app.call_json(&erin, "request_access", &ask(&prod, "a")).await).await).unwrap();
    let other: String =
        serde_json::from_value(ok(app.call_json(&erin, "request_access", &ask(&staging, "b")).await).await).unwrap();

    let carol = app.signed_in("carol").await;
    assert_eq!(detail(&app, &carol, &hers).await["can_decide"], false, "not offered");
    assert_eq!(detail(&app, &carol, &other).await["can_decide"], true);
    let accept = |ids: Vec<&str>| json!({ "decision": { "ids": ids, "accept": true, "comment": "" } });
    let refused = app.call_json(&carol, "decide_subscriptions", &accept(vec![&hers])).await;
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("CustomerChurnModel-v2 Prod"), "the reason names the project");
    // In a bulk run hers is left out; the other one is decided.
    let run = ok(app.call_json(&carol, "decide_subscriptions", &accept(vec![&hers, &other])).await).await;
    assert_eq!((run["total"].as_u64(), run["skipped"].as_u64()), (Some(1), Some(1)), "{run}");
    assert_eq!(settled(&app, &erin, &other).await["row"]["status"], "ACCEPTED");
    assert_eq!(detail(&app, &erin, &hers).await["row"]["status"], "PENDING");

    // Heidi stewards the same unit without a stake in the project: she decides it.
    let heidi = app.signed_in("heidi").await;
    assert_eq!(detail(&app, &heidi, &hers).await["can_decide"], true);
    ok(app.call_json(&heidi, "decide_subscriptions", &accept(vec![&hers])).await).await;
    assert_eq!(settled(&app, &erin, &hers).await["row"]["status"], "ACCEPTED");
}

/// A platform admin may allow self-decisions for one unit's assets; each such decision then
/// says so in the audit trail, and other units keep the default.
#[sqlx::test(migrations = "../migrations")]
async fn an_admin_may_allow_self_decisions_per_unit_and_each_is_audited(pool: PgPool) {
    let app = spawn(pool).await;
    let erin = app.signed_in("erin").await;
    let contacts = listing_of(&search(&app, &erin, "contacts").await, "customer_contacts");
    let asset = ok(app.call(&erin, "catalog_asset", &[("listing_id", &contacts)]).await).await;
    let prod = asset["access"].as_array().unwrap().iter().find(|a| a["project_name"] == "CustomerChurnModel-v2 Prod");
    let prod = prod.unwrap()["project_id"].as_str().unwrap().to_owned();
    let form = request_form(&contacts, &prod, "Contact details for win-back", None, "self-1");
    let hers: String = serde_json::from_value(ok(app.call_json(&erin, "request_access", &form).await).await).unwrap();
    let carol = app.signed_in("carol").await;
    assert_eq!(detail(&app, &carol, &hers).await["can_decide"], false, "the default: not hers to decide");

    // customer_contacts belongs to MarketingDataFoundation Prod, in MarketingAnalytics.
    let alice = app.signed_in("alice").await;
    let marketing = unit_id(&app, &alice, "MarketingAnalytics").await;
    let allow = [("unit_id", marketing.as_str()), ("allow", "true")];
    assert_eq!(app.call(&carol, "set_unit_self_decisions", &allow).await.status(), 403, "admins only");
    ok(app.call(&alice, "set_unit_self_decisions", &allow).await).await;
    assert_eq!(detail(&app, &carol, &hers).await["can_decide"], true);
    let accept = json!({ "decision": { "ids": [hers], "accept": true, "comment": "" } });
    ok(app.call_json(&carol, "decide_subscriptions", &accept).await).await;
    let decided = settled(&app, &erin, &hers).await;
    assert_eq!(decided["row"]["status"], "ACCEPTED");
    let history = decided["history"].as_array().unwrap();
    assert!(
        history.iter().any(|e| e["action"] == "subscription.self_decision" && e["actor"] == "carol"),
        "the decision says it was hers: {history:?}"
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn an_inbox_page_of_fifty_costs_at_most_three_datazone_calls(pool: PgPool) {
    let app = spawn(pool).await;
    let alice = app.signed_in("alice").await;
    let made = open_requests_in_datazone(&app.datazone().await, 60).await;
    assert_eq!(made.len(), 60);
    let first = inbox(&app, &alice, "").await;
    assert_eq!(first["total"].as_u64().unwrap(), 64, "the seed's four and the sixty: {}", first["total"]);

    // One more request by someone new, then a page of fifty after the sync interval.
    let newest = open_requests_in_datazone(&app.datazone().await, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(3_100)).await;
    app.aws.emulator.reset(false);
    let page = inbox(&app, &alice, "").await;
    assert_eq!(page["rows"].as_array().unwrap().len(), 50);
    assert_eq!(page["total"].as_u64().unwrap(), 65, "the newest request was synced: {newest:?}");
    let calls = app.aws.emulator.calls();
    let total: u64 = calls.values().sum();
    assert!(total <= 3, "DataZone calls for one inbox page: {calls:?}");
}

#[sqlx::test(migrations = "../migrations")]
async fn time_limited_access_is_revoked_when_it_ends(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let erin = app.signed_in("erin").await;
    let alice = app.signed_in("alice").await;
    let listing = listing_of(&search(&app, &erin, "territories").await, "territories");
    let projects = ok(app.call(&erin, "my_subscriptions", &[]).await).await;
    let staging =
        projects.as_array().unwrap().iter().find(|p| p["project_name"] == "CustomerChurnModel-v2 Staging").unwrap();
    let form = request_form(&listing, staging["project_id"].as_str().unwrap(), "Territory joins", Some(7), "exp-1");
    let id: String = serde_json::from_value(ok(app.call_json(&erin, "request_access", &form).await).await).unwrap();
    ok(app
        .call_json(
            &alice,
            "decide_subscriptions",
            &json!({ "decision": { "ids": [id], "accept": true, "comment": "" } }),
        )
        .await)
    .await;
    let decided = settled(&app, &erin, &id).await;
    assert_eq!(decided["subscription_status"], "APPROVED");
    assert_eq!(decided["can_extend"], true);

    // An extension goes through the same decisions; asked for twice at once, it is one.
    let form = [("id", id.as_str()), ("days", "14"), ("reason", "Quarter close")];
    let ask = || app.call(&erin, "extend_subscription", &form);
    let (first, second) = tokio::join!(ask(), ask());
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409], "one extension, one refusal");
    let winner = if first.status() == 200 { first } else { second };
    let extension: String = winner.json().await.unwrap();
    ok(app
        .call_json(
            &alice,
            "decide_subscriptions",
            &json!({ "decision": { "ids": [extension], "accept": true, "comment": "" } }),
        )
        .await)
    .await;
    let extended = settled(&app, &erin, &extension).await;
    assert_eq!(extended["row"]["status"], "ACCEPTED");

    // The period ends: the expiry job revokes the subscription in DataZone.
    sqlx::query("UPDATE subscription_requests SET expires_at = now() - interval '1 second' WHERE id = $1")
        .bind(&id)
        .execute(&pool)
        .await
        .unwrap();
    wait_until("the expiry", 20, async || detail(&app, &erin, &id).await["subscription_status"] == "EXPIRED").await;
    let subscription = decided["row"]["id"].as_str().unwrap().to_owned();
    let dz = app.datazone().await;
    let domain = dz.list_domains().send().await.unwrap().items()[0].id().to_owned();
    let subs = dz
        .list_subscriptions()
        .domain_identifier(&domain)
        .subscription_request_identifier(&subscription)
        .status(aws_sdk_datazone::types::SubscriptionStatus::Revoked)
        .send()
        .await
        .unwrap();
    assert_eq!(subs.items().len(), 1, "the subscription is revoked in DataZone");
    let history = detail(&app, &erin, &id).await["history"].clone();
    assert!(history.as_array().unwrap().iter().any(|e| e["action"] == "subscription.expired"), "{history}");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_steward_cannot_move_a_rule_past_one_they_may_not_edit(pool: PgPool) {
    let app = spawn(pool).await;
    let alice = app.signed_in("alice").await;
    let dave = app.signed_in("dave").await;
    let rule = |name: &str, scope: &str| {
        json!({ "form": { "id": "", "name": name, "scope_unit": scope, "conditions": {}, "action": "review",
                          "comment": "", "enabled": true }})
    };
    ok(app.call_json(&alice, "save_approval_rule", &rule("Domain: people decide", "")).await).await;
    let sales = unit_id(&app, &dave, "SalesOperations").await;
    ok(app.call_json(&dave, "save_approval_rule", &rule("Sales: people decide", &sales)).await).await;
    let order = async |client| {
        let page = ok(app.call(client, "approval_rules", &[]).await).await;
        page["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| (r["form"]["name"].clone(), r["form"]["id"].clone()))
            .collect::<Vec<_>>()
    };
    let rules = order(&dave).await;
    assert_eq!(rules[0].0, "Domain: people decide");
    let daves = rules[1].1.as_str().unwrap().to_owned();
    let moved = app.call(&dave, "move_approval_rule", &[("id", daves.as_str()), ("up", "true")]).await;
    assert_eq!(moved.status(), 409, "the admin's rule keeps its place");
    assert_eq!(order(&dave).await[0].0, "Domain: people decide");
    // An admin may edit both, so she may reorder them.
    ok(app.call(&alice, "move_approval_rule", &[("id", daves.as_str()), ("up", "true")]).await).await;
    assert_eq!(order(&alice).await[0].0, "Sales: people decide");
}

/// Walter and the analysts staff CustomerSuccessInsights Dev through the meshgate-analysts
/// group only (Judy is a direct member of other projects): a group membership counts
/// everywhere a user membership does.
#[sqlx::test(migrations = "../migrations")]
async fn a_project_joined_through_a_group_counts_as_the_persons_own(pool: PgPool) {
    const THROUGH_GROUP: &str = "CustomerSuccessInsights Dev";
    let app = spawn(pool).await;
    let judy = app.signed_in("judy").await;
    let mine: Value = ok(app.call(&judy, "my_projects", &[]).await).await;
    let others = mine["other_projects"].as_array().unwrap();
    assert!(others.iter().any(|p| p["name"] == THROUGH_GROUP), "{mine}");
    assert!(others.iter().any(|p| p["name"] == "CustomerChurnModel-v2 Dev"), "and her own: {mine}");

    let listing = listing_of(&search(&app, &judy, "bookings").await, "bookings_daily");
    let asset = ok(app.call(&judy, "catalog_asset", &[("listing_id", &listing)]).await).await;
    let choice = asset["access"].as_array().unwrap().iter().find(|a| a["project_name"] == THROUGH_GROUP);
    let project = choice.unwrap_or_else(|| panic!("offered as a project to ask for: {asset}"))["project_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let form = request_form(&listing, &project, "Bookings next to support tickets", None, "group-1");
    let id: String = serde_json::from_value(ok(app.call_json(&judy, "request_access", &form).await).await).unwrap();
    let mine = ok(app.call(&judy, "my_subscriptions", &[]).await).await;
    assert!(mine.to_string().contains(&id), "her request is among her access: {mine}");

    // Someone outside the group cannot ask for that project.
    let zoe = app.signed_in("zoe").await;
    let form = request_form(&listing, &project, "Not my project", None, "group-2");
    let refused = app.call_json(&zoe, "request_access", &form).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("only for a project you are a member of"));
}

/// Access exists once DataZone's subscription grant completes: the access period starts
/// then. A grant that fails shows DataZone's cause to the steward and the requester, and is
/// an audit event.
#[sqlx::test(migrations = "../migrations")]
async fn access_starts_when_the_grant_completes_and_a_failed_grant_says_why(pool: PgPool) {
    let setup = Setup { extra: vec![("subscription_sync_seconds", json!(1))], ..Setup::default() };
    let app = spawn_with(pool.clone(), setup).await;
    let faults = |patch: emulator::FaultsPatch| app.aws.emulator.set_faults(patch).unwrap();
    faults(emulator::FaultsPatch { deploy_delay_ms: Some(500), ..emulator::FaultsPatch::default() });
    let (erin, alice) = (app.signed_in("erin").await, app.signed_in("alice").await);
    let projects = ok(app.call(&erin, "my_subscriptions", &[]).await).await;
    let staging =
        projects.as_array().unwrap().iter().find(|p| p["project_name"] == "CustomerChurnModel-v2 Staging").unwrap();
    let staging = staging["project_id"].as_str().unwrap().to_owned();
    let accepted = async |asset: &str, days: Option<u32>| -> String {
        let listing = listing_of(&search(&app, &erin, asset).await, asset);
        let form = request_form(&listing, &staging, "Joins for the churn model", days, asset);
        let id: String = serde_json::from_value(ok(app.call_json(&erin, "request_access", &form).await).await).unwrap();
        let decision = json!({ "decision": { "ids": [id], "accept": true, "comment": "" } });
        ok(app.call_json(&alice, "decide_subscriptions", &decision).await).await;
        id
    };
    let history_has = |detail: &Value, action: &str| {
        detail["history"].as_array().unwrap().iter().any(|e| e["action"] == action && e["actor"] == "DataZone")
    };

    let granted = accepted("territories", Some(7)).await;
    wait_until("the grant to complete", 20, async || detail(&app, &erin, &granted).await["grant_status"] == "GRANTED")
        .await;
    let shown = detail(&app, &erin, &granted).await;
    assert!(shown["granted_at"].is_string() && history_has(&shown, "subscription.granted"), "{shown}");
    let period: (bool,) = sqlx::query_as(
        "SELECT expires_at = granted_at + interval '7 days' AND granted_at > decided_at
           FROM subscription_requests WHERE id = $1",
    )
    .bind(&granted)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(period.0, "seven days from the grant, not from the decision");

    faults(emulator::FaultsPatch { grant_fail_next: Some(1), ..emulator::FaultsPatch::default() });
    let failed = accepted("bookings_daily", None).await;
    wait_until("the grant to fail", 20, async || detail(&app, &alice, &failed).await["grant_status"] == "GRANT_FAILED")
        .await;
    let shown = detail(&app, &alice, &failed).await;
    assert!(shown["grant_failure"].as_str().unwrap().contains("Lake Formation"), "the steward sees why: {shown}");
    assert!(history_has(&shown, "subscription.grant_failed"), "{shown}");
    let mine = ok(app.call(&erin, "my_subscriptions", &[]).await).await;
    assert!(mine.to_string().contains("Lake Formation"), "the requester sees why: {mine}");
    let listing = listing_of(&search(&app, &erin, "bookings_daily").await, "bookings_daily");
    let asset = ok(app.call(&erin, "catalog_asset", &[("listing_id", &listing)]).await).await;
    let row = asset["access"].as_array().unwrap().iter().find(|a| a["project_id"] == staging.as_str()).unwrap();
    assert_eq!(row["state"], "grantfailed", "not shown as access: {row}");

    // The cause fixed, a steward grants again; DataZone grants and the portal follows.
    assert_eq!(shown["can_retry_grant"], true, "{shown}");
    assert_eq!(detail(&app, &erin, &failed).await["can_retry_grant"], false, "not the requester's to retry");
    assert_eq!(app.call(&erin, "retry_grant", &[("id", &failed)]).await.status(), 403);
    ok(app.call(&alice, "retry_grant", &[("id", &failed)]).await).await;
    assert_eq!(app.call(&alice, "retry_grant", &[("id", &failed)]).await.status(), 409, "one retry at a time");
    wait_until("the grant made again", 20, async || detail(&app, &erin, &failed).await["grant_status"] == "GRANTED")
        .await;
    let shown = detail(&app, &alice, &failed).await;
    assert!(shown["grant_failure"].is_null() && history_has(&shown, "subscription.granted"), "{shown}");
    let retried = shown["history"].as_array().unwrap().iter().any(|e| e["action"] == "subscription.grant_retried");
    assert!(retried, "{shown}");
    let (subscription,): (String,) = sqlx::query_as("SELECT subscription_id FROM subscription_requests WHERE id = $1")
        .bind(&failed)
        .fetch_one(&pool)
        .await
        .unwrap();
    let grants = app
        .datazone()
        .await
        .list_subscription_grants()
        .domain_identifier(app.aws.emulator.domain_id())
        .subscription_id(&subscription)
        .send()
        .await
        .unwrap();
    let statuses: Vec<&str> = grants.items().iter().map(|g| g.status().as_str()).collect();
    assert_eq!(statuses, ["COMPLETED"], "the failed grant is gone, the new one done");
}

/// Steward scope and rule scope are unit ids: configured by id, a steward keeps governing
/// a unit (its inbox and its rules) after the unit is renamed in DataZone.
#[sqlx::test(migrations = "../migrations")]
async fn steward_and_rule_scopes_are_unit_ids_that_survive_a_rename(pool: PgPool) {
    // The demo's unit ids derive from their paths: SalesOperations, MarketingAnalytics.
    let (sales, marketing) = ("jfsvu1d35z58uj", "aoavcdz4dvo12y");
    let groups = format!("meshgate-stewards-sales={sales},meshgate-stewards-marketing={marketing}");
    let app = spawn_with(pool, Setup { extra: vec![("steward_groups", json!(groups))], ..Setup::default() }).await;
    let dz = app.datazone().await;
    dz.update_domain_unit()
        .domain_identifier(app.aws.emulator.domain_id())
        .identifier(sales)
        .name("Sales and Operations")
        .send()
        .await
        .unwrap();
    let dave = app.signed_in("dave").await;
    let pending = inbox(&app, &dave, "").await;
    let assets: Vec<&str> =
        pending["rows"].as_array().unwrap().iter().map(|r| r["asset_name"].as_str().unwrap()).collect();
    assert!(assets.contains(&"sales_pipeline_daily"), "the renamed unit's request: {pending}");
    assert!(!assets.contains(&"customer_segments"), "not marketing's: {pending}");

    let rules = ok(app.call(&dave, "approval_rules", &[]).await).await;
    assert_eq!(rules["scopes"], json!([{ "id": sales, "name": "Sales and Operations" }]), "{rules}");
    let rule = |scope: &str| {
        json!({ "form": { "id": "", "name": "Sales: people decide", "scope_unit": scope, "conditions": {},
                          "action": "review", "comment": "", "enabled": true }})
    };
    ok(app.call_json(&dave, "save_approval_rule", &rule(sales)).await).await;
    assert_eq!(app.call_json(&dave, "save_approval_rule", &rule(marketing)).await.status(), 422, "not his unit");
    assert_eq!(
        app.call_json(&dave, "save_approval_rule", &rule("SalesOperations")).await.status(),
        422,
        "a name is not a scope"
    );

    // A subscriber-unit condition keeps the unit's id, so the rename changes nothing; a
    // reference no single unit answers to is refused before anything is stored.
    let subscriber = |units: Value| {
        json!({ "form": { "id": "", "name": "Marketing subscribers", "scope_unit": sales,
                          "conditions": { "subscriber_units": units }, "action": "review", "comment": "", "enabled": true }})
    };
    ok(app.call_json(&dave, "save_approval_rule", &subscriber(json!(["MarketingAnalytics"]))).await).await;
    let rules = ok(app.call(&dave, "approval_rules", &[]).await).await;
    let saved =
        rules["rules"].as_array().unwrap().iter().find(|r| r["form"]["name"] == "Marketing subscribers").unwrap();
    assert_eq!(saved["form"]["conditions"]["subscriber_units"], json!([marketing]), "{saved}");
    assert!(saved["summary"].as_str().unwrap().contains("subscriber unit is MarketingAnalytics"), "{saved}");
    assert!(rules["units"].as_array().unwrap().iter().any(|u| u["id"] == sales && u["name"] == "Sales and Operations"));
    let refused = app.call_json(&dave, "save_approval_rule", &subscriber(json!(["Nowhere"]))).await;
    assert_eq!(refused.status(), 422);
    assert_eq!(refused.json::<Value>().await.unwrap()["Invalid"]["field"], "subscriber_units");
}
