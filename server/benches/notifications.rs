//! Events and notifications, measured:
//! - the time from a decision made outside the portal (AcceptSubscriptionRequest through the
//!   SDK, as SageMaker Unified Studio would) to the inbox showing it, with DataZone's events
//!   read from the SQS queue (goal: at most 5 s) and without them (the periodic sync; here
//!   every 10 s, 30 s by default);
//! - outbox throughput: audit events fanned out and sent as email to the local SMTP server.
//!
//! Run by `cargo xtask bench` against throwaway databases (DATABASE_URL, and
//! `<name>_polling` beside it) with aiosmtpd from `MESHGATE_AIOSMTPD`.

#![allow(clippy::cast_precision_loss)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::json;
use sqlx::PgPool;

/// Outside decisions measured per mode.
const DECISIONS: usize = 8;
/// The sync interval of the run without events.
const SYNC_SECONDS: u64 = 10;
/// Events pushed through the outbox for the throughput figure.
const OUTBOX_EVENTS: usize = 300;

async fn pool(url: &str) -> PgPool {
    let pool = PgPool::connect(url).await.unwrap();
    meshgate::store::migrate(&pool).await.unwrap();
    pool
}

async fn status(pool: &PgPool, id: &str) -> Option<String> {
    sqlx::query_scalar("SELECT status FROM subscription_requests WHERE id = $1")
        .bind(id)
        .fetch_optional(pool)
        .await
        .unwrap()
}

/// Seconds from AcceptSubscriptionRequest in DataZone to the portal holding ACCEPTED.
async fn decision_latencies(app: &support::TestApp, pool: &PgPool) -> Vec<f64> {
    let dz = app.datazone().await;
    let domain = dz.list_domains().send().await.unwrap().items()[0].id().to_owned();
    let ids = support::open_requests_in_datazone(&dz, DECISIONS).await;
    // Every request known to the portal first (the inbox's sync on opening takes them in).
    let steward = app.signed_in("alice").await;
    let query = json!({ "query": { "status": "PENDING", "q": "", "sort": "", "offset": 0 } });
    for id in &ids {
        let deadline = Instant::now() + Duration::from_mins(1);
        while status(pool, id).await.is_none() && Instant::now() < deadline {
            let _ = app.call_json(&steward, "steward_inbox", &query).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    let mut seconds = Vec::new();
    for id in ids {
        let started = Instant::now();
        dz.accept_subscription_request().domain_identifier(&domain).identifier(&id).send().await.unwrap();
        let deadline = started + Duration::from_secs(SYNC_SECONDS * 3 + 30);
        while status(pool, &id).await.as_deref() != Some("ACCEPTED") && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        seconds.push(started.elapsed().as_secs_f64());
        // Decisions spread over the sync interval, not lined up with it.
        tokio::time::sleep(Duration::from_millis(1300)).await;
    }
    seconds.sort_by(f64::total_cmp);
    seconds
}

fn summary(seconds: &[f64]) -> String {
    let median = seconds[seconds.len() / 2];
    let max = seconds.last().copied().unwrap_or_default();
    format!("median {median:.2} s, max {max:.2} s over {} decisions", seconds.len())
}

/// Sends `OUTBOX_EVENTS` project decisions through the outbox to the SMTP server; messages
/// per second from the first event to the last message accepted.
async fn outbox_throughput(pool: &PgPool, mail: &support::Mailbox) -> f64 {
    let started = Instant::now();
    let mut tx = pool.begin().await.unwrap();
    for i in 0..OUTBOX_EVENTS {
        let id = uuid::Uuid::new_v4();
        sqlx::query(
            "INSERT INTO project_requests (id, product, project_name, description, domain_unit_id, domain_unit_name,
                 environment, profile_id, profile_name, justification, requested_by, requested_by_name, lineage,
                 status, acting_for)
             VALUES ($1, $2, $2, '', 'u', 'Unit', 'dev', 'p', 'Development', 'x', 'erin', 'Erin', $1, 'rejected', 'erin')",
        )
        .bind(id)
        .bind(format!("Bench{i}"))
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO audit_events (actor, action, target_kind, target_id) VALUES ('bench', 'project.rejected', 'project_request', $1)",
        )
        .bind(id.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let deadline = Instant::now() + Duration::from_mins(5);
    let arrived =
        || mail.to("erin@example.com").iter().filter(|m| m.contains("Subject: Project request Bench")).count();
    while arrived() < OUTBOX_EVENTS && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sent = arrived();
    assert_eq!(sent, OUTBOX_EVENTS, "every message arrived");
    sent as f64 / started.elapsed().as_secs_f64()
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL names a throwaway database");
    let mail = support::Mailbox::start().await;
    let extra = |events: bool| {
        let mut extra = vec![
            ("smtp_url", json!(mail.url)),
            ("log_filter", json!("warn")),
            ("job_workers", json!(4)),
            ("subscription_sync_seconds", json!(if events { 3600 } else { SYNC_SECONDS })),
        ];
        extra.push(("drift_check_seconds", json!(3600)));
        extra
    };

    println!("\nOutside decision → inbox (AcceptSubscriptionRequest in DataZone until the portal shows it):");
    let events_pool = pool(&url).await;
    let setup =
        support::Setup { extra: extra(true), events_queue: Some("meshgate-bench-events"), ..Default::default() };
    let app = support::spawn_with(events_pool.clone(), setup).await;
    let with_events = decision_latencies(&app, &events_pool).await;
    println!("  with events (SQS long polling): {}  (goal ≤ 5 s)", summary(&with_events));

    let polling_url = format!("{url}_polling");
    let admin = PgPool::connect(&url).await.unwrap();
    let name = polling_url.rsplit('/').next().unwrap().to_owned();
    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\"")).execute(&admin).await;
    sqlx::query(&format!("CREATE DATABASE \"{name}\"")).execute(&admin).await.unwrap();
    let polling_pool = pool(&polling_url).await;
    let setup = support::Setup { extra: extra(false), ..Default::default() };
    let polling = support::spawn_with(polling_pool.clone(), setup).await;
    let without = decision_latencies(&polling, &polling_pool).await;
    println!("  without events (sync every {SYNC_SECONDS} s):   {}", summary(&without));
    println!(
        "  ratio of medians (without / with): {:.1}×",
        without[without.len() / 2] / with_events[with_events.len() / 2].max(0.001)
    );

    println!("\nOutbox throughput ({OUTBOX_EVENTS} events → fan-out → email to the local SMTP server, 4 workers):");
    let rate = outbox_throughput(&events_pool, &mail).await;
    println!("  {rate:.0} messages/s end to end");
}
