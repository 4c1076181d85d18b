//! The audit log: filters, keyset pages and the streamed CSV export, for admins only.

mod support;

use meshgate::store::audit;
use serde_json::Value;
use sqlx::PgPool;
use support::{browser, spawn};

async fn bulk(pool: &PgPool, n: usize) {
    for i in 0..n {
        let event = audit::NewEvent {
            actor: "bulk",
            action: if i % 2 == 0 { "bulk.even" } else { "bulk.odd" },
            target_kind: "thing",
            target_id: &format!("thing-{i}"),
            before: None,
            after: Some(serde_json::json!({ "n": i })),
            request_id: None,
        };
        audit::record(pool, &event).await.unwrap();
    }
}

fn form<'a>(pairs: &'a [(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![("actor", ""), ("action", ""), ("target", ""), ("from", ""), ("to", "")];
    for (k, v) in pairs {
        if let Some(slot) = all.iter_mut().find(|(key, _)| key == k) {
            slot.1 = v;
        } else {
            all.push((k, v));
        }
    }
    all
}

#[sqlx::test(migrations = "../migrations")]
async fn admins_filter_and_page_the_audit_log_and_export_it(pool: PgPool) {
    bulk(&pool, 120).await;
    let app = spawn(pool.clone()).await;
    let alice = app.signed_in("alice").await;

    let first: Value = app.call(&alice, "audit_log", &form(&[("actor", "bulk")])).await.json().await.unwrap();
    let rows = first["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 50);
    assert!(rows.iter().all(|r| r["entry"]["actor"] == "bulk"));
    assert_eq!(rows[0]["entry"]["target_id"], "thing-119", "newest first");
    assert!(rows[0]["after"].as_str().unwrap().contains("119"), "the change is shown");
    let mut seen = rows.len();
    let mut cursor = first["next_before"].as_i64().expect("more pages");
    loop {
        let before = cursor.to_string();
        let page: Value =
            app.call(&alice, "audit_log", &form(&[("actor", "bulk"), ("before", &before)])).await.json().await.unwrap();
        seen += page["rows"].as_array().unwrap().len();
        match page["next_before"].as_i64() {
            Some(next) => cursor = next,
            None => break,
        }
    }
    assert_eq!(seen, 120, "the pages cover every event once");

    let odd: Value = app
        .call(&alice, "audit_log", &form(&[("action", "bulk.odd"), ("target", "thing-7")]))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(odd["rows"].as_array().unwrap().len(), 1);
    let today = chrono::Utc::now().date_naive();
    let tomorrow = (today + chrono::Duration::days(1)).to_string();
    let none: Value =
        app.call(&alice, "audit_log", &form(&[("actor", "bulk"), ("from", &tomorrow)])).await.json().await.unwrap();
    assert!(none["rows"].as_array().unwrap().is_empty());
    let bad = app.call(&alice, "audit_log", &form(&[("from", "23/11/2026")])).await;
    assert_eq!(bad.status(), 422);

    // The export streams the same filtered set as CSV, and is itself audited.
    let csv = alice.get(app.url("/audit/export.csv?actor=bulk&action=bulk.even")).send().await.unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,time,actor,action,target_kind,target_id,request_id,before,after");
    assert_eq!(lines.len(), 61, "a header and the 60 even events");
    assert!(lines[1].contains("thing-118") && lines[1].contains(r#""{""n"":118}""#), "{}", lines[1]);
    // A value a spreadsheet would run as a formula is exported as text.
    let formula = r#"=HYPERLINK("https://evil.example","open")"#;
    let planted = audit::NewEvent {
        actor: formula,
        action: "bulk.formula",
        target_kind: "thing",
        target_id: "@SUM(A1)",
        before: None,
        after: None,
        request_id: Some("-1"),
    };
    audit::record(&pool, &planted).await.unwrap();
    let text = alice.get(app.url("/audit/export.csv?action=bulk.formula")).send().await.unwrap().text().await.unwrap();
    let row = csv::Reader::from_reader(text.as_bytes()).records().next().unwrap().unwrap();
    assert_eq!((&row[2], &row[5], &row[6]), (format!("'{formula}").as_str(), "'@SUM(A1)", "'-1"), "{text}");
    // Compressed, as browsers ask for it, the stream still ends cleanly.
    let gzipped = alice.get(app.url("/audit/export.csv")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    assert!(!gzipped.bytes().await.expect("the whole compressed body").is_empty());
    let exported: Value =
        app.call(&alice, "audit_log", &form(&[("action", "audit.exported")])).await.json().await.unwrap();
    assert_eq!(exported["rows"][0]["entry"]["actor"], "alice");

    let zoe = app.signed_in("zoe").await;
    assert_eq!(zoe.get(app.url("/audit/export.csv")).send().await.unwrap().status(), 403);
    assert_eq!(browser().get(app.url("/audit/export.csv")).send().await.unwrap().status(), 401);
    assert_eq!(app.call(&zoe, "audit_log", &form(&[])).await.status(), 403);
}
