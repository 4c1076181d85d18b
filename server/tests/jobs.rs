//! The project and decision jobs under stress: the server killed mid-provisioning or
//! mid-decision and restarted, and many requests against an emulator that throttles and
//! fails. The web side is played by the library (store + job queue), the workers by real
//! `meshgate` processes or the in-process runner.

mod support;

use std::collections::{HashMap, HashSet};
use std::process::Stdio;
use std::time::{Duration, Instant};

use chrono::Utc;
use emulator::FaultsPatch;
use meshgate::aws::Aws;
use meshgate::jobs::Jobs;
use meshgate::store::projects::{self as store, NewMember, RequestRow};
use meshgate::store::subscriptions as subs;
use meshgate::Config;
use sqlx::PgPool;
use support::wait_until;
use uuid::Uuid;

fn database_url(pool: &PgPool) -> String {
    let options = pool.connect_options();
    format!(
        "postgres://{}@{}:{}/{}",
        options.get_username(),
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("postgres")
    )
}

/// Settings shared by the test and the `meshgate` processes it starts (as environment).
fn settings(pool: &PgPool, endpoint: &str, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut settings: Vec<(String, String)> = [
        ("listen", "127.0.0.1:0"),
        ("database_url", database_url(pool).as_str()),
        ("aws_domain", "enterprise-data-mesh"),
        ("aws_region", "us-east-1"),
        ("aws_endpoint_url", endpoint),
        // Never contacted: discovery happens at the first sign-in.
        ("oidc_issuer_url", "http://127.0.0.1:9"),
        ("oidc_client_id", "meshgate-local"),
        ("oidc_client_secret", "meshgate-local-secret"),
        ("job_poll_ms", "100"),
        ("log_filter", "warn"),
    ]
    .iter()
    .chain(extra)
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    settings.dedup_by(|a, b| a.0 == b.0);
    settings
}

async fn library(settings: &[(String, String)], pool: &PgPool) -> (Config, Aws, Jobs) {
    std::env::set_var("AWS_ACCESS_KEY_ID", "meshgate-test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "meshgate-test");
    let mut figment = Config::figment(None).unwrap();
    for (key, value) in settings {
        // As the environment provider reads them: numbers stay numbers.
        let value = serde_json::from_str::<serde_json::Value>(value)
            .ok()
            .filter(serde_json::Value::is_number)
            .unwrap_or_else(|| value.as_str().into());
        figment = figment.merge((key.as_str(), value));
    }
    let config = Config::from_figment(figment).unwrap();
    let aws = Aws::connect(&config).await.unwrap();
    meshgate::store::migrate(pool).await.unwrap();
    let jobs = Jobs::new(&config, pool, &aws, "http://127.0.0.1:3000").unwrap();
    (config, aws, jobs)
}

/// Where test requests go, and who joins them: looked up in DataZone once.
struct Target {
    unit: (String, String),
    profile: (String, String),
    /// (profile id, display name, designation)
    members: Vec<(String, String, &'static str)>,
}

async fn target(aws: &Aws, members: &[(&str, &'static str)]) -> Target {
    let root = aws.root_unit_id().await.unwrap();
    let unit = aws.unit_children(&root).await.unwrap().into_iter().find(|(_, n)| n == "SalesOperations").unwrap();
    let profile =
        aws.project_profiles().await.unwrap().into_iter().find(|p| p.name == "Development-Project-Profile").unwrap();
    let mut people = Vec::new();
    for (user, designation) in members {
        let found = aws.search_principals(user, 5).await.unwrap();
        let person = found.iter().find(|p| p.detail == *user).expect("user in the demo mesh");
        people.push((person.id.clone(), person.name.clone(), *designation));
    }
    Target { unit, profile: (profile.id, profile.name), members: people }
}

/// What a submitted, approved Dev request looks like, as the web side stores it.
async fn submit(pool: &PgPool, jobs: &Jobs, target: &Target, name: &str) -> Uuid {
    let id = Uuid::new_v4();
    let row = RequestRow {
        id,
        product: name.to_owned(),
        project_name: name.to_owned(),
        description: String::new(),
        domain_unit_id: target.unit.0.clone(),
        domain_unit_name: target.unit.1.clone(),
        environment: "dev".into(),
        profile_id: target.profile.0.clone(),
        profile_name: target.profile.1.clone(),
        justification: String::new(),
        requested_by: "frank".into(),
        requested_by_name: "Frank Fischer".into(),
        source_request_id: None,
        lineage: id,
        status: "provisioning".into(),
        decided_by: Some("meshgate (auto-approval)".into()),
        decision_comment: None,
        project_id: None,
        deployment_status: None,
        failure: None,
        failed_in: None,
        attempts: 0,
        acting_for: "frank".into(),
        origin_request_id: None,
        created_at: Utc::now(),
    };
    let mut tx = pool.begin().await.unwrap();
    store::insert(&mut *tx, &row).await.unwrap();
    for (principal_id, display_name, designation) in &target.members {
        let member = NewMember { principal_id, kind: "user", display_name, designation };
        store::want_member(&mut *tx, id, &member).await.unwrap();
    }
    jobs.kick_project(&mut tx, id).await.unwrap();
    tx.commit().await.unwrap();
    id
}

async fn status(pool: &PgPool, id: Uuid) -> RequestRow {
    store::get(pool, id).await.unwrap().unwrap()
}

fn start_meshgate(settings: &[(String, String)]) -> tokio::process::Child {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_meshgate"));
    command.arg("serve").stdin(Stdio::null()).stdout(Stdio::null()).kill_on_drop(true);
    for (key, value) in settings {
        command.env(format!("MESHGATE_{}", key.to_ascii_uppercase()), value);
    }
    command.env("AWS_ACCESS_KEY_ID", "meshgate-test").env("AWS_SECRET_ACCESS_KEY", "meshgate-test");
    command.spawn().expect("the meshgate binary starts")
}

/// Holds every reply back `ms` after the call took effect.
fn slow_replies(aws: &emulator::RunningEmulator, ms: u64) {
    aws.emulator
        .set_faults(FaultsPatch { reply_delay_ms: Some(ms), deploy_delay_ms: Some(300), ..FaultsPatch::default() })
        .unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn a_server_killed_mid_provisioning_never_creates_a_second_project(pool: PgPool) {
    let aws = emulator::spawn(emulator::EmulatorConfig::default()).await.unwrap();
    let settings = settings(&pool, &aws.endpoint_url(), &[]);
    let (_, client, jobs) = library(&settings, &pool).await;
    let people = target(&client, &[("frank", "owner"), ("ivan", "contributor"), ("judy", "contributor")]).await;
    let id = submit(&pool, &jobs, &people, "Crash Test Dev").await;

    // Killed while CreateProject is in flight: DataZone creates the project, the portal
    // never records its id.
    slow_replies(&aws, 1_000);
    let mut first = start_meshgate(&settings);
    wait_until("CreateProject", 30, async || aws.emulator.calls().contains_key("CreateProject")).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    first.kill().await.unwrap();
    wait_until("the project in DataZone", 10, async || client.project_named("Crash Test Dev").await.unwrap().is_some())
        .await;
    assert_eq!(status(&pool, id).await.project_id, None, "the id was not recorded");

    // Killed again between adding members.
    let mut second = start_meshgate(&settings);
    wait_until("CreateProjectMembership", 60, async || aws.emulator.calls().contains_key("CreateProjectMembership"))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    second.kill().await.unwrap();

    slow_replies(&aws, 0);
    let mut third = start_meshgate(&settings);
    wait_until("the request to become active", 60, async || status(&pool, id).await.status == "active").await;
    third.kill().await.unwrap();

    let row = status(&pool, id).await;
    let project = client.project_named("Crash Test Dev").await.unwrap().unwrap();
    assert_eq!(row.project_id.as_deref(), Some(project.id.as_str()), "the portal adopted the project it created");
    assert_eq!(aws.emulator.calls()["CreateProject"], 1, "exactly one CreateProject was ever sent");
    let members = client.memberships(&project.id).await.unwrap();
    let designations: Vec<&str> = {
        let mut d: Vec<&str> = members.values().map(String::as_str).collect();
        d.sort_unstable();
        d
    };
    assert_eq!(designations, ["PROJECT_CONTRIBUTOR", "PROJECT_CONTRIBUTOR", "PROJECT_OWNER"], "{members:?}");
    let history = meshgate::store::audit::about(&pool, "project_request", &id.to_string()).await.unwrap();
    assert!(history.iter().any(|e| e.action == "project.adopted"), "the adoption is audited");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_hundred_requests_on_two_replicas_survive_throttling_and_server_errors(pool: PgPool) {
    let aws = emulator::spawn(emulator::EmulatorConfig::default()).await.unwrap();
    let fast = "CreateProject=50,DeleteProject=50,CreateProjectMembership=50,GetProject=100,ListProjects=100,ListProjectMemberships=100";
    let settings = settings(
        &pool,
        &aws.endpoint_url(),
        &[("aws_rate_limits", fast), ("job_workers", "4"), ("job_poll_ms", "200")],
    );
    let (config, client, jobs) = library(&settings, &pool).await;
    // A second replica: its own connection pool and workers, on the same database.
    let other_pool =
        sqlx::postgres::PgPoolOptions::new().max_connections(20).connect(&database_url(&pool)).await.unwrap();
    let other_replica = Jobs::new(&config, &other_pool, &client, "http://127.0.0.1:3000").unwrap();
    let people = target(&client, &[("frank", "owner")]).await;
    let mut ids = Vec::new();
    for n in 0..100 {
        ids.push(submit(&pool, &jobs, &people, &format!("Load {n:03} Dev")).await);
    }
    aws.emulator
        .set_faults(FaultsPatch {
            throttle_rate: Some(0.2),
            error_rate: Some(0.05),
            deploy_delay_ms: Some(200),
            ..FaultsPatch::default()
        })
        .unwrap();
    let stop = tokio_util::sync::CancellationToken::new();
    let workers = jobs.start(stop.clone());
    let other_workers = other_replica.start(stop.clone());
    let started = Instant::now();
    wait_until("every request to end", 240, async || {
        let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM project_requests WHERE status = 'provisioning'")
            .fetch_one(&pool)
            .await
            .unwrap();
        rows == 0
    })
    .await;
    stop.cancel();
    let _ = tokio::join!(workers, other_workers);
    let calls = aws.emulator.calls();
    eprintln!("100 requests ended in {:?}; calls {calls:?}", started.elapsed());

    aws.emulator
        .set_faults(FaultsPatch { throttle_rate: Some(0.0), error_rate: Some(0.0), ..FaultsPatch::default() })
        .unwrap();
    let mut statuses: HashMap<String, usize> = HashMap::new();
    let mut recorded = HashSet::new();
    for id in &ids {
        let row = status(&pool, *id).await;
        *statuses.entry(row.status.clone()).or_default() += 1;
        let project = row.project_id.expect("every request got its project");
        assert!(recorded.insert(project), "no two requests share a project");
    }
    assert_eq!(statuses.get("active"), Some(&100), "{statuses:?}");
    let dz = support::datazone_client(&aws.endpoint_url()).await;
    let mut in_datazone: Vec<String> = Vec::new();
    let mut pages =
        dz.list_projects().domain_identifier(aws.emulator.domain_id()).max_results(50).into_paginator().send();
    while let Some(page) = pages.next().await {
        in_datazone
            .extend(page.unwrap().items().iter().filter(|p| p.name().starts_with("Load ")).map(|p| p.id().to_owned()));
    }
    assert_eq!(in_datazone.len(), 100, "DataZone has exactly one project per request");
    assert_eq!(in_datazone.into_iter().collect::<HashSet<_>>(), recorded, "and they are the ones Postgres recorded");
}

#[sqlx::test(migrations = "../migrations")]
async fn bulk_decisions_reach_datazone_once_through_a_kill_and_throttling(pool: PgPool) {
    let aws = emulator::spawn(emulator::EmulatorConfig::default()).await.unwrap();
    let settings = settings(&pool, &aws.endpoint_url(), &[("job_workers", "2")]);
    let (_, client, jobs) = library(&settings, &pool).await;
    let dz = support::datazone_client(&aws.endpoint_url()).await;
    let ids = support::open_requests_in_datazone(&dz, 30).await;
    assert_eq!(ids.len(), 30);
    let access = jobs.access();
    access.sync(false).await.unwrap();

    // A steward accepts all thirty at once, as the inbox does.
    let run = Uuid::new_v4();
    let mut tx = pool.begin().await.unwrap();
    subs::create_run(&mut tx, run, "dave", true, 30).await.unwrap();
    for id in &ids {
        assert!(subs::queue_decision(&mut tx, id, true, Some("Bulk"), "dave", None, Some(run)).await.unwrap());
        access.kick(&mut tx, id).await.unwrap();
    }
    tx.commit().await.unwrap();

    // Killed while an accept is in flight: DataZone takes it, the portal never hears back.
    slow_replies(&aws, 1_000);
    let mut first = start_meshgate(&settings);
    wait_until("AcceptSubscriptionRequest", 30, async || {
        aws.emulator.calls().contains_key("AcceptSubscriptionRequest")
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    first.kill().await.unwrap();

    // Then two replicas against a DataZone that throttles and fails now and then.
    aws.emulator
        .set_faults(FaultsPatch {
            reply_delay_ms: Some(0),
            throttle_rate: Some(0.2),
            error_rate: Some(0.05),
            ..FaultsPatch::default()
        })
        .unwrap();
    let mut second = start_meshgate(&settings);
    let stop = tokio_util::sync::CancellationToken::new();
    let workers = jobs.start(stop.clone());
    wait_until("every decision", 120, async || {
        subs::run_progress(&pool, run).await.unwrap().is_some_and(|(_, _, _, done, failed)| done + failed == 30)
    })
    .await;
    stop.cancel();
    let _ = workers.await;
    second.kill().await.unwrap();
    aws.emulator
        .set_faults(FaultsPatch { throttle_rate: Some(0.0), error_rate: Some(0.0), ..FaultsPatch::default() })
        .unwrap();

    let (_, _, _, done, failed) = subs::run_progress(&pool, run).await.unwrap().unwrap();
    assert_eq!((done, failed), (30, 0));
    for id in &ids {
        let request = client.subscription_request(id).await.unwrap();
        assert_eq!(request.status, "ACCEPTED", "{id}");
        assert_eq!(support::subscriptions_from(&aws, &dz, id).await, 1, "one subscription per request");
        let row = subs::get(&pool, id).await.unwrap().unwrap();
        assert_eq!((row.status.as_str(), row.decided_by.as_deref()), ("ACCEPTED", Some("dave")));
        let events = meshgate::store::audit::about(&pool, "subscription_request", id).await.unwrap();
        let accepted = events.iter().filter(|e| e.action == "subscription.accepted").count();
        assert_eq!(accepted, 1, "one decision recorded for {id}");
    }
}
