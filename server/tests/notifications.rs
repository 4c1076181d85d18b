//! Notifications end to end: requests made in the portal and straight in DataZone (reaching
//! the portal through the SQS events queue) reach the stewards' mailboxes on a real SMTP
//! server, the unit's Slack and Teams webhooks and their in-portal lists, once each; a
//! decision reaches the requester with its comment; reminders, escalations and expiry
//! warnings fire on their schedule (time given to the notices run); and a delivery cut by
//! a kill -9 of the server is sent once by the next one.

mod support;

use std::process::Stdio;
use std::time::Duration;

use chrono::Utc;
use meshgate::aws::Aws;
use meshgate::jobs::Jobs;
use serde_json::{json, Value};
use sqlx::PgPool;
use support::{spawn_with, wait_until, ChatReceiver, Mailbox, Setup, TestApp};

async fn ok(response: reqwest::Response) -> Value {
    support::ok(response).await
}

/// Erin's request for `asset` (a SalesOperations listing) for her Dev project; its id.
async fn request_access(app: &TestApp, erin: &reqwest::Client, asset: &str, days: Option<u32>) -> String {
    let query = json!({ "query": { "q": asset, "unit": "", "project": "", "asset_type": "", "term": "", "sort": "", "page": "" } });
    let page = ok(app.call_json(erin, "catalog_search", &query).await).await;
    let listing = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["name"] == asset)
        .and_then(|i| i["listing_id"].as_str())
        .expect("the asset is in the catalog")
        .to_owned();
    let detail = ok(app.call(erin, "catalog_asset", &[("listing_id", &listing)]).await).await;
    let project = detail["access"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["project_name"] == "CustomerChurnModel-v2 Dev")
        .and_then(|a| a["project_id"].as_str())
        .unwrap()
        .to_owned();
    let form = json!({ "form": { "listing_id": listing, "project_id": project, "reason": "Churn features <b>now</b>",
                                  "days": days, "token": format!("t-{asset}") } });
    serde_json::from_value(ok(app.call_json(erin, "request_access", &form).await).await).unwrap()
}

async fn sales_unit(app: &TestApp, admin: &reqwest::Client) -> String {
    let units = ok(app.call(admin, "project_units", &[]).await).await;
    let unit = units.as_array().unwrap().iter().find(|u| u["name"] == "SalesOperations").unwrap();
    unit["id"].as_str().unwrap().to_owned()
}

async fn setup(pool: PgPool, mail: &Mailbox) -> TestApp {
    let extra = vec![("smtp_url", json!(mail.url)), ("mail_from", json!("Meshgate <meshgate@example.com>"))];
    spawn_with(pool, Setup { extra, events_queue: Some("meshgate-events"), ..Setup::default() }).await
}

async fn wait_for_mail(mail: &Mailbox, to: &str, subject: &str) -> String {
    let mut found = None;
    wait_until(&format!("mail to {to} about {subject}"), 30, async || {
        found = mail.to(to).into_iter().find(|m| m.contains(subject));
        found.is_some()
    })
    .await;
    found.unwrap()
}

fn count(mail: &Mailbox, to: &str, subject: &str) -> usize {
    mail.to(to).iter().filter(|m| m.contains(subject)).count()
}

#[sqlx::test(migrations = "../migrations")]
async fn requests_from_the_portal_and_from_datazone_reach_stewards_once_on_every_channel(pool: PgPool) {
    let mail = Mailbox::start().await;
    let chat = ChatReceiver::start(Duration::ZERO).await;
    let app = setup(pool.clone(), &mail).await;
    let alice = app.signed_in("alice").await;
    let unit = sales_unit(&app, &alice).await;

    // A URL that is not a webhook is refused with a reason, and nothing is saved.
    let bad = json!({ "form": { "unit_id": unit, "slack_webhook_url": "https://example.com/hook" } });
    let refused = app.call_json(&alice, "save_unit_channels", &bad).await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("hooks.slack.com"));
    let form = json!({ "form": { "unit_id": unit, "slack_webhook_url": chat.url, "teams_webhook_url": chat.url } });
    let saved = ok(app.call_json(&alice, "save_unit_channels", &form).await).await;
    assert!(saved["slack"].as_str().unwrap().starts_with("127.0.0.1:"), "shown, never whole: {saved}");
    let tested = ok(app.call(&alice, "test_unit_channel", &[("unit_id", &unit), ("channel", "slack")]).await).await;
    assert_eq!(tested, "Slack accepted the test message.");
    assert_eq!(chat.messages().len(), 1);

    // Rupert mutes new requests: he is told in the portal, not by email.
    let rupert = app.signed_in("rupert").await;
    let muted = json!({ "preferences": { "email": true, "daily_digest": false, "muted": ["requests"] } });
    ok(app.call_json(&rupert, "save_notification_preferences", &muted).await).await;
    let unknown = json!({ "preferences": { "email": true, "daily_digest": false, "muted": ["everything"] } });
    assert_eq!(app.call_json(&rupert, "save_notification_preferences", &unknown).await.status(), 422);

    let erin = app.signed_in("erin").await;
    let id = request_access(&app, &erin, "sales_pipeline_daily", Some(30)).await;
    let subject = "New access request: sales_pipeline_daily for CustomerChurnModel-v2 Dev";
    // Stewards: the owning project's owners (frank, dave) and the sales steward group.
    let to_dave = wait_for_mail(&mail, "dave@example.com", subject).await;
    wait_for_mail(&mail, "frank@example.com", subject).await;
    assert!(to_dave.contains(&format!("/subscriptions/{id}")), "a link to act on: {to_dave}");
    assert!(to_dave.contains("Content-Type: text/html") && to_dave.contains("&lt;b&gt;now"), "{to_dave}");
    wait_until("both chat channels", 20, async || chat.messages().len() == 3).await;
    let messages = chat.messages();
    assert!(messages.iter().any(|m| m["blocks"][0]["text"]["text"].as_str().is_some_and(|t| t.contains(subject))));
    assert!(messages.iter().any(|m| m["attachments"][0]["content"]["type"] == "AdaptiveCard"));

    let page = ok(app.call(&rupert, "my_notifications", &[]).await).await;
    assert!(page["items"].as_array().unwrap().iter().any(|i| i["title"].as_str().unwrap().contains(subject)));
    assert_eq!(count(&mail, "rupert@example.com", subject), 0, "muted topics are not emailed");
    let me = app.who_am_i(&app.signed_in("dave").await).await;
    assert!(me["unread_notifications"].as_u64().unwrap() >= 1, "{me}");

    // A request made straight in DataZone arrives through the events queue, long before
    // the periodic sync (an hour here), and is notified the same way.
    let dz = app.datazone().await;
    let outside = support::open_requests_in_datazone(&dz, 1).await.remove(0);
    wait_until("the event-driven take-in", 15, async || {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM subscription_requests WHERE id = $1")
            .bind(&outside)
            .fetch_one(&pool)
            .await
            .unwrap()
            == 1
    })
    .await;
    wait_until("its notification", 20, async || {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM notifications n JOIN audit_events a ON a.id = n.audit_id WHERE a.target_id = $1",
        )
        .bind(&outside)
        .fetch_one(&pool)
        .await
        .unwrap()
            > 0
    })
    .await;

    // The decision reaches the requester with its comment.
    let dave = app.signed_in("dave").await;
    let decision = json!({ "decision": { "ids": [id], "accept": true, "comment": "Use the EU copy only." } });
    ok(app.call_json(&dave, "decide_subscriptions", &decision).await).await;
    let to_erin = wait_for_mail(&mail, "erin@example.com", "Access to sales_pipeline_daily approved").await;
    assert!(to_erin.contains("Use the EU copy only."), "{to_erin}");

    // Nothing twice, however long the jobs run.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(count(&mail, "dave@example.com", subject), 1);
    assert_eq!(count(&mail, "frank@example.com", subject), 1);
    assert_eq!(count(&mail, "erin@example.com", "approved"), 1);
    let about_erins = chat.messages().iter().filter(|m| m.to_string().contains(subject)).count();
    assert_eq!(about_erins, 2, "once on Slack, once on Teams");
    let mut all: Vec<String> = chat.messages().iter().map(Value::to_string).collect();
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), total, "no chat message twice");
    let failed: i64 =
        sqlx::query_scalar("SELECT count(*) FROM deliveries WHERE state <> 'sent'").fetch_one(&pool).await.unwrap();
    assert_eq!(failed, 0);

    // Read, the count goes to zero.
    ok(app.call_json(&dave, "mark_notifications_read", &json!({ "ids": [] })).await).await;
    assert_eq!(app.who_am_i(&dave).await["unread_notifications"], 0);
    // Only admins see the delivery log.
    assert_eq!(app.call(&dave, "notification_deliveries", &[]).await.status(), 403);
    let log = ok(app.call(&alice, "notification_deliveries", &[]).await).await;
    assert!(log["counts"].as_array().unwrap().iter().any(|c| c[0] == "sent"), "{log}");
}

#[sqlx::test(migrations = "../migrations")]
async fn reminders_escalations_and_expiry_warnings_fire_on_their_schedule(pool: PgPool) {
    let mail = Mailbox::start().await;
    let app = setup(pool.clone(), &mail).await;
    let alice = app.signed_in("alice").await;
    let unit = sales_unit(&app, &alice).await;
    let form = json!({ "form": { "unit_id": unit, "review_sla_hours": 4 } });
    ok(app.call_json(&alice, "save_unit_channels", &form).await).await;
    let erin = app.signed_in("erin").await;
    let id = request_access(&app, &erin, "opportunities", Some(30)).await;
    wait_for_mail(&mail, "dave@example.com", "New access request: opportunities").await;

    // The notices run with the clock moved on.
    let aws = Aws::connect(&app.config).await.unwrap();
    let jobs = Jobs::new(&app.config, &pool, &aws, &app.base).unwrap();
    let notices = jobs.notifier();
    let now = Utc::now();
    let hours = |h| now + chrono::TimeDelta::hours(h);
    notices.notices_due(hours(3)).await.unwrap();
    assert_eq!(recorded(&pool, &id, "subscription.reminder").await, 0, "within the SLA");
    notices.notices_due(hours(5)).await.unwrap();
    notices.notices_due(hours(6)).await.unwrap();
    assert_eq!(recorded(&pool, &id, "subscription.reminder").await, 1, "once");
    assert_eq!(recorded(&pool, &id, "subscription.escalated").await, 0, "not before twice the SLA");
    let reminder = wait_for_mail(&mail, "frank@example.com", "Reminder: access request for opportunities").await;
    assert!(reminder.contains("review time here is 4 hours"), "{reminder}");
    notices.notices_due(hours(9)).await.unwrap();
    assert_eq!(recorded(&pool, &id, "subscription.escalated").await, 1);
    // Escalation: the unit's owners (dave, and the sales stewards group's members are not
    // users, so not asked).
    wait_for_mail(&mail, "dave@example.com", "Escalation: access request for opportunities").await;

    // Access ending in seven days warns the requester once.
    let dave = app.signed_in("dave").await;
    let decision = json!({ "decision": { "ids": [id], "accept": true, "comment": "" } });
    ok(app.call_json(&dave, "decide_subscriptions", &decision).await).await;
    wait_until("access granted", 30, async || {
        sqlx::query_scalar::<_, Option<chrono::DateTime<Utc>>>(
            "SELECT expires_at FROM subscription_requests WHERE id = $1",
        )
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap()
        .is_some()
    })
    .await;
    let later = now + chrono::TimeDelta::days(24);
    notices.notices_due(later).await.unwrap();
    notices.notices_due(later).await.unwrap();
    assert_eq!(recorded(&pool, &id, "subscription.expiring").await, 1);
    let warning = wait_for_mail(&mail, "erin@example.com", "Access to opportunities ends on").await;
    assert!(warning.contains("extension"), "{warning}");
}

/// How many `action` audit events request `id` has.
async fn recorded(pool: &PgPool, id: &str, action: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM audit_events WHERE target_id = $1 AND action = $2")
        .bind(id)
        .bind(action)
        .fetch_one(pool)
        .await
        .unwrap()
}

fn database_url(pool: &PgPool) -> String {
    let o = pool.connect_options();
    format!("postgres://{}@{}:{}/{}", o.get_username(), o.get_host(), o.get_port(), o.get_database().unwrap_or(""))
}

fn start_meshgate(pool: &PgPool, aws: &str, smtp: &str) -> tokio::process::Child {
    let settings = [
        ("LISTEN", "127.0.0.1:0"),
        ("DATABASE_URL", &database_url(pool)),
        ("AWS_DOMAIN", "enterprise-data-mesh"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", aws),
        // Never contacted: discovery happens at the first sign-in.
        ("OIDC_ISSUER_URL", "http://127.0.0.1:9"),
        ("OIDC_CLIENT_ID", "meshgate-local"),
        ("OIDC_CLIENT_SECRET", "meshgate-local-secret"),
        ("SMTP_URL", smtp),
        ("LOG_FILTER", "warn"),
    ];
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_meshgate"));
    command.arg("serve").stdin(Stdio::null()).stdout(Stdio::null()).kill_on_drop(true);
    for (key, value) in settings {
        command.env(format!("MESHGATE_{key}"), value);
    }
    command.env("AWS_ACCESS_KEY_ID", "meshgate-test").env("AWS_SECRET_ACCESS_KEY", "meshgate-test");
    command.spawn().expect("the meshgate binary starts")
}

#[sqlx::test(migrations = "../migrations")]
async fn a_delivery_cut_by_a_kill_is_sent_once_by_the_next_server(pool: PgPool) {
    let aws = emulator::spawn(emulator::EmulatorConfig::default()).await.unwrap();
    underway::run_migrations(&pool).await.unwrap();
    let mail = Mailbox::start().await;
    // An SMTP server that accepts the connection and never greets: the first server is
    // killed in the middle of its conversation, before any message was accepted.
    let tarpit = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let tarpit_url = format!("smtp://{}", tarpit.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = tarpit.accept().await {
            sockets.push(socket);
        }
    });

    // A decided project request, recorded as the web side does: the trigger queues it.
    let id = uuid::Uuid::new_v4();
    sqlx::query(
        "INSERT INTO project_requests (id, product, project_name, description, domain_unit_id, domain_unit_name,
             environment, profile_id, profile_name, justification, requested_by, requested_by_name, lineage, status,
             acting_for)
         VALUES ($1, 'Churn', 'Churn Dev', '', 'u', 'Unit', 'dev', 'p', 'Development', 'x', 'erin', 'Erin', $1,
                 'rejected', 'erin')",
    )
    .bind(id)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO audit_events (actor, action, target_kind, target_id, after)
         VALUES ('dave', 'project.rejected', 'project_request', $1, '{\"comment\": \"Use the shared project.\"}')",
    )
    .bind(id.to_string())
    .execute(&pool)
    .await
    .unwrap();

    let mut first = start_meshgate(&pool, &aws.endpoint_url(), &tarpit_url);
    wait_until("the first server to be mid-delivery", 30, async || {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM deliveries").fetch_one(&pool).await.unwrap() == 1
    })
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    first.kill().await.unwrap();
    let state: String = sqlx::query_scalar("SELECT state FROM deliveries").fetch_one(&pool).await.unwrap();
    assert_eq!(state, "queued", "nothing was sent, so nothing is marked");

    let _second = start_meshgate(&pool, &aws.endpoint_url(), &mail.url);
    let to_erin = wait_for_mail(&mail, "erin@example.com", "Project request Churn Dev rejected").await;
    assert!(to_erin.contains("Use the shared project."), "{to_erin}");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(count(&mail, "erin@example.com", "Churn Dev"), 1, "sent once");
    let (state, attempts): (String, i32) =
        sqlx::query_as("SELECT state, attempts FROM deliveries").fetch_one(&pool).await.unwrap();
    assert_eq!((state.as_str(), attempts), ("sent", 1));
    held.abort();
}
