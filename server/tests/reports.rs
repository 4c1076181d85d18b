//! Reports: empty states on an empty database, then numbers that match what the demo mesh
//! and the flows of the test put there; the access report's CSV has the page's rows.

mod support;

use serde_json::{json, Value};
use sqlx::PgPool;
use support::spawn;

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

fn total(chart: &Value) -> u64 {
    chart["series"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["values"].as_array().unwrap())
        .map(|v| v.as_u64().unwrap())
        .sum()
}

#[sqlx::test(migrations = "../migrations")]
async fn reports_are_empty_then_count_what_happened(pool: PgPool) {
    let app = spawn(pool.clone()).await;
    let alice = app.signed_in("alice").await;
    let empty = ok(app.call(&alice, "report_dashboard", &[]).await).await;
    assert_eq!(total(&empty["project_weeks_by_environment"]), 0);
    assert_eq!(empty["subscription_statuses"], json!([]));
    assert_eq!(empty["decision_by_unit"], json!([]));
    assert_eq!(empty["top_assets"], json!([]));
    assert_eq!(ok(app.call(&alice, "report_usage", &[]).await).await, json!([]));
    let report = json!({ "query": { "by": "asset", "value": "customer_segments" } });
    assert_eq!(ok(app.call_json(&alice, "access_report", &report).await).await["rows"], json!([]));

    // Opening the inbox takes in the demo mesh's pending requests; a lead requests a Dev project.
    let query = json!({ "query": { "status": "", "q": "", "sort": "", "offset": 0 } });
    ok(app.call_json(&alice, "steward_inbox", &query).await).await;
    let frank = app.signed_in("frank").await;
    let units = ok(app.call(&frank, "project_units", &[]).await).await;
    let sales = units.as_array().unwrap().iter().find(|u| u["name"] == "SalesOperations").unwrap()["id"].clone();
    let request = json!({ "form": {
        "product": "Quota Planning", "project_name": "Quota Planning Dev", "description": "", "domain_unit_id": sales,
        "environment": "dev", "members": [], "justification": "",
    }});
    ok(app.call_json(&frank, "submit_project_request", &request).await).await;
    // The demo's decided requests come with the scheduled sync (its ACCEPTED and REJECTED
    // passes): run it now rather than after its hour.
    sqlx::query("UPDATE schedules SET next_run_at = now() WHERE name = 'subscription_sync_scheduled'")
        .execute(&pool)
        .await
        .unwrap();
    support::wait_until("the scheduled sync", 20, async || {
        let dashboard = ok(app.call(&alice, "report_dashboard", &[]).await).await;
        dashboard["subscription_statuses"].as_array().unwrap().len() == 3
    })
    .await;

    let dashboard = ok(app.call(&alice, "report_dashboard", &[]).await).await;
    let by_env = &dashboard["project_weeks_by_environment"];
    let dev = by_env["series"].as_array().unwrap().iter().find(|s| s["label"] == "Dev").unwrap();
    assert_eq!(dev["values"].as_array().unwrap().last().unwrap(), 1, "this week's Dev request: {by_env}");
    let mut statuses: Vec<(String, u64)> = dashboard["subscription_statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["label"].as_str().unwrap().to_owned(), b["note"].as_str().unwrap().parse().unwrap()))
        .collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [("accepted".into(), 4), ("pending".into(), 4), ("rejected".into(), 2)],
        "the demo mesh's requests"
    );
    let people = dashboard["decision_by_kind"].as_array().unwrap().iter().find(|t| t["group"] == "People").unwrap();
    assert_eq!(people["decided"], 6);
    assert_eq!(dashboard["top_assets"][0]["label"], "customer_segments", "the one asset asked for twice");

    let usage = ok(app.call(&alice, "report_usage", &[]).await).await;
    let segments = usage.as_array().unwrap().iter().find(|u| u["asset_name"] == "customer_segments").unwrap();
    assert_eq!((segments["requests"].as_u64(), segments["subscribers"].as_u64()), (Some(2), Some(1)));

    let access = ok(app.call_json(&alice, "access_report", &report).await).await;
    let rows = access["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{access}");
    let granted = rows.iter().find(|r| r["subscription"] == "APPROVED").unwrap();
    assert_eq!(granted["project_name"], "CampaignAttribution Prod");
    assert_eq!(granted["decided_by"], "Carol Castillo (in DataZone)", "decided in SageMaker Unified Studio");
    assert_eq!(granted["grants"], "granted", "DataZone's grant of the subscription: {granted}");
    let refused = rows.iter().find(|r| r["subscription"].is_null()).unwrap();
    assert_eq!(refused["grants"], Value::Null, "no grants without a subscription");

    let csv = alice.get(app.url("/reports/access.csv?by=asset&value=customer_segments")).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    let text = csv.text().await.unwrap();
    assert_eq!(text.lines().count(), 3, "a header and the two rows:\n{text}");
    assert!(text.lines().next().unwrap().ends_with(",grants"), "{text}");
    assert!(text.contains("CampaignAttribution Prod") && text.contains(",granted"), "{text}");
    assert_eq!(frank.get(app.url("/reports/access.csv?by=asset&value=x")).send().await.unwrap().status(), 403);

    let erin = json!({ "query": { "by": "person", "value": "erin" } });
    let reach = ok(app.call_json(&alice, "access_report", &erin).await).await;
    let assets: Vec<&str> =
        reach["rows"].as_array().unwrap().iter().map(|r| r["asset_name"].as_str().unwrap()).collect();
    assert_eq!(assets.len(), 3, "{reach}");
    assert!(assets.contains(&"customer_master") && assets.contains(&"bookings_daily"), "{assets:?}");

    // A year later: statuses and usage count all time, decisions and top assets the last 12 weeks.
    sqlx::query(
        "UPDATE subscription_requests SET created_at = created_at - interval '1 year',
                decided_at = decided_at - interval '1 year'",
    )
    .execute(&pool)
    .await
    .unwrap();
    let later = ok(app.call(&alice, "report_dashboard", &[]).await).await;
    assert_eq!(later["subscription_statuses"], dashboard["subscription_statuses"]);
    assert_eq!((&later["decision_by_kind"], &later["top_assets"]), (&json!([]), &json!([])));
    let usage_later = ok(app.call(&alice, "report_usage", &[]).await).await;
    assert_eq!(usage_later.as_array().map(Vec::len), usage.as_array().map(Vec::len));
}
