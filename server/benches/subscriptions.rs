//! The subscription workflow against the emulator's quotas: DataZone calls made to render
//! one page of the steward inbox (50 rows) and of the catalog, and a bulk accept of 300
//! requests paced under the 3 TPS AcceptSubscriptionRequest quota, as a fraction of it,
//! checking that none was lost or decided twice. Run by `cargo xtask bench` against a
//! throwaway database; DATABASE_URL says which.

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use app::api::ports::{Catalog, Subscriptions};
use app::model::{BulkDecision, Caller, CatalogQuery, InboxQuery, Role};
use meshgate::aws::Aws;
use meshgate::jobs::Jobs;
use meshgate::services::subscriptions::SubscriptionService;
use meshgate::Config;
use sqlx::PgPool;

const BULK: usize = 300;
const QUOTA_TPS: f64 = 3.0;
/// The scheduled sync's interval (the portal's default).
const SYNC_SECONDS: u64 = 30;

fn datazone_calls(aws: &emulator::RunningEmulator) -> u64 {
    aws.emulator.calls().iter().filter(|(op, _)| !IDENTITY_OPS.contains(&op.as_str())).map(|(_, n)| n).sum()
}

const IDENTITY_OPS: &[&str] = &["GetUserId", "ListGroupMembershipsForMember", "DescribeUser", "ListInstances"];

#[tokio::main]
async fn main() {
    std::env::set_var("AWS_ACCESS_KEY_ID", "meshgate-bench");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "meshgate-bench");
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL names a throwaway database");
    let pool = PgPool::connect(&url).await.unwrap();
    meshgate::store::migrate(&pool).await.unwrap();
    sqlx::query("TRUNCATE subscription_decisions, decision_runs, subscription_requests, schedules, people")
        .execute(&pool)
        .await
        .unwrap();
    let aws = emulator::spawn(emulator::EmulatorConfig::default()).await.unwrap();
    let figment = Config::figment(None)
        .unwrap()
        .merge(("database_url", url.as_str()))
        .merge(("aws_domain", "enterprise-data-mesh"))
        .merge(("aws_region", "us-east-1"))
        .merge(("aws_endpoint_url", aws.endpoint_url()))
        .merge(("oidc_issuer_url", "http://127.0.0.1:9"))
        .merge(("oidc_client_id", "bench"))
        .merge(("oidc_client_secret", "bench"))
        .merge(("subscription_sync_seconds", SYNC_SECONDS))
        .merge(("log_filter", "warn"));
    let config = Config::from_figment(figment).unwrap();
    let client = Aws::connect(&config).await.unwrap();
    let jobs = Jobs::new(&config, &pool, &client, "http://127.0.0.1:3000").unwrap();
    let service = SubscriptionService { access: jobs.access().clone(), pool: pool.clone(), aws: client.clone() };
    let alice = client.find_identity("alice", None).await.unwrap().unwrap();
    let caller = Caller {
        username: "alice".into(),
        display_name: "Alice Andersen".into(),
        email: None,
        roles: vec![Role::TeamLead, Role::Steward, Role::Admin],
        user_id: alice.datazone_user_id,
        group_ids: alice.group_ids,
        steward_units: Vec::new(),
        publishing_projects: alice.publishing_projects,
        member_projects: alice.member_projects,
        role_note: None,
        unread_notifications: 0,
        token: None,
    };

    let dz = support::datazone_client(&aws.endpoint_url()).await;
    let ids = support::open_requests_in_datazone(&dz, BULK).await;
    assert_eq!(ids.len(), BULK, "enough project and listing pairs for the bulk run");
    let pending = InboxQuery::default();
    let first = service.inbox(&caller, &pending).await.unwrap();
    println!("\nSubscriptions ({} pending requests taken in by the first inbox sync):", first.total);

    // A page of the inbox after the sync interval: the sync's list call plus Postgres.
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    aws.emulator.reset(false);
    let page = service.inbox(&caller, &pending).await.unwrap();
    println!("  inbox page ({} rows): {} DataZone calls (budget 3)", page.rows.len(), datazone_calls(&aws));
    // The catalog: the first view reads the person's projects (one ListProjects per user and
    // group), later views within `membership_cache_seconds` only search.
    for (view, q) in [("first", "customer"), ("next", "pipeline")] {
        aws.emulator.reset(false);
        let found = service.search(&caller, &CatalogQuery { q: q.into(), ..CatalogQuery::default() }).await.unwrap();
        println!(
            "  catalog page, {view} view ({} of {} assets, 4 facets): {} DataZone calls (budget 2)",
            found.items.len(),
            found.total,
            datazone_calls(&aws)
        );
    }

    // Accept all 300 at once and let the decision queue work through them.
    aws.emulator.reset(false);
    let started = Instant::now();
    let run = service
        .decide(&caller, BulkDecision { ids: ids.clone(), accept: true, comment: "Bench".into() })
        .await
        .unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let workers = jobs.start(stop.clone());
    loop {
        let progress = service.progress(&caller, &run.id).await.unwrap();
        if progress.finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let progress = service.progress(&caller, &run.id).await.unwrap();
    let calls = aws.emulator.calls();
    let sent = calls.get("AcceptSubscriptionRequest").copied().unwrap_or(0);
    let mut accepted = 0;
    let mut doubled = 0;
    for id in &ids {
        if client.subscription_request(id).await.unwrap().status == "ACCEPTED" {
            accepted += 1;
        }
        if support::subscriptions_from(&aws, &dz, id).await > 1 {
            doubled += 1;
        }
    }
    let rate = f64::from(progress.done) / elapsed;
    println!(
        "  bulk accept of {BULK}: {:.1} s, {rate:.2} decisions/s = {:.2} of the {QUOTA_TPS} TPS quota (aim >= 0.9)",
        elapsed,
        rate / QUOTA_TPS
    );
    // Requests for projects Alice belongs to are left to other stewards (separation of duties).
    let left = usize::try_from(run.skipped).unwrap_or(0);
    println!(
        "    {} done, {} failed, {left} left to other stewards; {accepted} accepted in DataZone, {} lost, {doubled} decided twice; {sent} AcceptSubscriptionRequest calls sent",
        progress.done,
        progress.failed,
        BULK - accepted - left
    );

    outside_the_portal(&aws, &dz, &service, &caller, &pool).await;
    stop.cancel();
    let _ = workers.await;
}

/// People in SageMaker Unified Studio open 300 more requests (for new projects) and decide
/// each of them there: how long until the scheduled sync shows the decisions, and what an
/// inbox page and a catalog page cost afterwards.
async fn outside_the_portal(
    aws: &emulator::RunningEmulator,
    dz: &aws_sdk_datazone::Client,
    service: &SubscriptionService,
    caller: &Caller,
    pool: &PgPool,
) {
    let domain = aws.emulator.domain_id();
    for n in 0..12 {
        dz.create_project().domain_identifier(&domain).name(format!("Outside {n}")).send().await.unwrap();
    }
    let ids = support::open_requests_in_datazone(dz, BULK).await;
    assert_eq!(ids.len(), BULK, "enough new project and listing pairs");
    let pending = InboxQuery::default();
    service.inbox(caller, &pending).await.unwrap();
    // A burst no person could make under the 3 TPS quota; the quota is back on after it.
    aws.emulator.set_faults(emulator::FaultsPatch { quotas: Some(false), ..emulator::FaultsPatch::default() }).unwrap();
    for (n, id) in ids.iter().enumerate() {
        if n % 2 == 0 {
            dz.accept_subscription_request().domain_identifier(&domain).identifier(id).send().await.unwrap();
        } else {
            dz.reject_subscription_request().domain_identifier(&domain).identifier(id).send().await.unwrap();
        }
    }
    aws.emulator.set_faults(emulator::FaultsPatch { quotas: Some(true), ..emulator::FaultsPatch::default() }).unwrap();
    let decided = Instant::now();
    let waiting = || async {
        let count: i64 =
            sqlx::query_scalar("SELECT count(*) FROM subscription_requests WHERE id = ANY($1) AND status = 'PENDING'")
                .bind(&ids)
                .fetch_one(pool)
                .await
                .unwrap();
        count
    };
    while waiting().await > 0 {
        assert!(decided.elapsed() < Duration::from_secs(SYNC_SECONDS * 4), "the decisions never reached the portal");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    println!("\nOutside the portal ({BULK} requests opened and decided in DataZone):");
    println!(
        "  all {BULK} decisions shown by the portal {:.1} s after the last one (goal <= one sync interval, {SYNC_SECONDS} s)",
        decided.elapsed().as_secs_f64()
    );
    tokio::time::sleep(Duration::from_millis(3_100)).await;
    aws.emulator.reset(false);
    let page = service.inbox(caller, &pending).await.unwrap();
    println!("  inbox page ({} rows): {} DataZone calls (budget 3)", page.rows.len(), datazone_calls(aws));
    aws.emulator.reset(false);
    let found =
        service.search(caller, &CatalogQuery { q: "forecast".into(), ..CatalogQuery::default() }).await.unwrap();
    println!("  catalog page ({} assets): {} DataZone calls (budget 2)", found.total, datazone_calls(aws));
}
