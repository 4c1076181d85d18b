//! 200 people browse the portal at once, each opening a page every five seconds (home, My
//! projects, the catalog and an asset, My access, the glossary, and the inbox for stewards):
//! DataZone calls per second per operation against DataZone's quotas, and page latency
//! p50/p99 at that load. The whole portal runs as in production: HTTP, sessions signed in
//! through the local IdP, the stand-in over HTTP, the scheduled sync every 30 s. It runs
//! twice in one go: with the portal's read caches as configured by default, then with them
//! off (every page reads DataZone), so the two can be compared.
//! Run by `cargo xtask bench` against a throwaway database; DATABASE_URL says which (a
//! second one, `<name>_uncached`, is made beside it).

// Figures for printing: counts far below 2^52, durations far below u64::MAX milliseconds.
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use futures_util::{stream, StreamExt};
use sqlx::PgPool;

const PEOPLE: usize = 200;
/// Seconds between two pages of one person.
const THINK_SECONDS: u64 = 5;
/// How long the measured window lasts: several cache lifetimes and sync intervals.
const WINDOW_SECONDS: u64 = 60;
/// DataZone's default quota for most operations, requests per second per account and
/// Region (Service Quotas for Amazon DataZone); those listed in `QUOTAS` differ.
const DEFAULT_QUOTA: f64 = 20.0;
const QUOTAS: &[(&str, f64)] = &[("AcceptSubscriptionRequest", 3.0), ("RejectSubscriptionRequest", 3.0)];
/// The identity operations are IAM Identity Center's, with their own quotas.
const IDENTITY_OPS: &[&str] = &["GetUserId", "ListGroupMembershipsForMember", "DescribeUser", "ListInstances"];

/// The generated people: a third team leads, a third analysts, the rest engineers, one in
/// ten also a steward; each a contributor of one demo project, so My projects and My access
/// have something to show through a user membership as well as through groups.
fn people(seed: &mut emulator::Seed) -> Vec<(String, bool)> {
    let projects: Vec<String> = seed.projects.iter().map(|p| p.name.clone()).collect();
    (0..PEOPLE)
        .map(|i| {
            let name = format!("person{i:03}");
            let mut groups =
                vec![["meshgate-team-leads", "meshgate-analysts", "meshgate-data-engineers"][i % 3].to_owned()];
            let steward = i % 10 == 0;
            if steward {
                groups.push(["meshgate-stewards-marketing", "meshgate-stewards-sales"][i / 10 % 2].to_owned());
            }
            seed.users.push(emulator::seed::UserSeed {
                user_name: name.clone(),
                display_name: format!("Person {i:03}"),
                email: None,
                title: None,
                groups,
            });
            seed.projects[i % projects.len()].contributors.push(name.clone());
            (name, steward)
        })
        .collect()
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL names a throwaway database");
    let pool = PgPool::connect(&url).await.unwrap();
    let (base, name) = url.rsplit_once('/').expect("a database URL ends in its name");
    let uncached = format!("{name}_uncached");
    sqlx::query(&format!(r#"DROP DATABASE IF EXISTS "{uncached}""#)).execute(&pool).await.unwrap();
    sqlx::query(&format!(r#"CREATE DATABASE "{uncached}""#)).execute(&pool).await.unwrap();
    let uncached = PgPool::connect(&format!("{base}/{uncached}")).await.unwrap();
    let defaults = "read caches as by default (membership 30 s, catalog, glossary and grants 30 s, domain 5 min)";
    Box::pin(browse(pool, defaults, &[])).await;
    let off: &[(&str, u64)] = &[("membership_cache_seconds", 0), ("read_cache_seconds", 0)];
    Box::pin(browse(uncached, "read caches off (the domain description kept): every page reads DataZone", off)).await;
}

async fn browse(pool: PgPool, label: &str, settings: &[(&'static str, u64)]) {
    meshgate::store::migrate(&pool).await.unwrap();
    let mut seed = emulator::Seed::demo();
    let people = people(&mut seed);
    let idp_seed = tempfile::Builder::new().suffix(".json").tempfile().unwrap();
    std::fs::write(idp_seed.path(), serde_json::to_vec(&seed).unwrap()).unwrap();
    let setup = support::Setup {
        seed: Some(seed),
        idp_seed: Some(idp_seed.path().to_owned()),
        extra: vec![
            ("subscription_sync_seconds", serde_json::json!(30)),
            ("log_filter", serde_json::json!("warn")),
            // The production default, not the tests' lifted limit.
            ("person_calls_per_second", serde_json::json!(10)),
        ]
        .into_iter()
        .chain(settings.iter().map(|(key, value)| (*key, serde_json::json!(value))))
        .collect(),
        ..support::Setup::default()
    };
    let app = support::spawn_with(pool, setup).await;

    let signed_in: Vec<(reqwest::Client, bool)> = stream::iter(people)
        .map(|(name, steward)| {
            let app = &app;
            async move { (app.signed_in(&name).await, steward) }
        })
        .buffer_unordered(8)
        .collect()
        .await;
    let dz = app.datazone().await;
    let domain = dz.list_domains().send().await.unwrap().items()[0].id().to_owned();
    let listings = dz
        .search_listings()
        .domain_identifier(&domain)
        .max_results(20)
        .send()
        .await
        .unwrap()
        .items()
        .iter()
        .filter_map(|item| item.as_asset_listing().ok().and_then(|l| l.listing_id().map(str::to_owned)))
        .collect::<Vec<_>>();
    let mut pages: Vec<String> = ["/", "/projects", "/catalog", "/catalog?q=customer", "/subscriptions", "/glossary"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    pages.extend(listings.iter().take(4).map(|id| format!("/catalog/{id}")));

    // Everyone opens a first page (the cold start), then the measured window begins.
    let started = Instant::now();
    app.aws.emulator.reset(false);
    let runs = signed_in.iter().enumerate().map(|(i, (client, steward))| {
        let (app, pages) = (&app, &pages);
        async move {
            // People start at different moments within the first five seconds.
            tokio::time::sleep(Duration::from_millis((i as u64 * 4_999 / PEOPLE as u64) % 5_000)).await;
            let mut latencies = Vec::new();
            let mut failed = Vec::new();
            let mut tick = 0usize;
            while started.elapsed() < Duration::from_secs(WINDOW_SECONDS) {
                let path =
                    if *steward && tick.is_multiple_of(3) { "/inbox" } else { &pages[(i * 7 + tick) % pages.len()] };
                let before = Instant::now();
                // A page that does not arrive whole with 200 is counted, not fatal: the
                // figure is how many people would have seen it fail.
                let outcome = match client.get(app.url(path)).send().await {
                    Ok(response) if response.status() == 200 => response.bytes().await.map_err(|e| e.to_string()),
                    Ok(response) => Err(format!("status {}", response.status())),
                    Err(error) => Err(error.to_string()),
                };
                match outcome {
                    Ok(_) => latencies.push(before.elapsed()),
                    Err(error) => failed.push(format!("{path}: {error}")),
                }
                tick += 1;
                tokio::time::sleep(Duration::from_secs(THINK_SECONDS).saturating_sub(before.elapsed())).await;
            }
            (latencies, failed)
        }
    });
    let (latencies, failed): (Vec<_>, Vec<_>) = futures_util::future::join_all(runs).await.into_iter().unzip();
    let mut latencies: Vec<Duration> = latencies.into_iter().flatten().collect();
    let failed: Vec<String> = failed.into_iter().flatten().collect();
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;

    println!("\nBrowsing, {label}: {PEOPLE} people, a page every {THINK_SECONDS} s each, for {seconds:.0} s");
    println!(
        "  {} pages, {:.1} pages/s; page p50 {:.1} ms, p99 {:.1} ms",
        latencies.len(),
        latencies.len() as f64 / seconds,
        at(0.5),
        at(0.99)
    );
    let first = failed.first().map_or(String::new(), |f| format!("; first: {f}"));
    println!("  pages that failed: {} (goal 0){first}", failed.len());
    println!("  DataZone calls per second, per operation (goal: each under its quota):");
    let calls = app.aws.emulator.calls();
    let (identity, datazone): (Vec<_>, Vec<_>) = calls.iter().partition(|(op, _)| IDENTITY_OPS.contains(&op.as_str()));
    let mut over = 0;
    for (operation, count) in &datazone {
        let quota = QUOTAS.iter().find(|(op, _)| op == operation).map_or(DEFAULT_QUOTA, |(_, q)| *q);
        let rate = **count as f64 / seconds;
        if rate > quota {
            over += 1;
        }
        println!("    {operation:<32} {rate:>7.2}/s  (quota {quota}) {}", if rate > quota { "OVER" } else { "ok" });
    }
    let total: u64 = datazone.iter().map(|(_, n)| **n).sum();
    println!(
        "  all DataZone calls: {:.2}/s, {:.3} per page; {over} operations over their quota",
        total as f64 / seconds,
        total as f64 / latencies.len() as f64
    );
    let rates: Vec<String> = identity.iter().map(|(op, n)| format!("{op} {:.2}/s", **n as f64 / seconds)).collect();
    println!(
        "  IAM Identity Center (role checks): {}",
        if rates.is_empty() { "none".into() } else { rates.join(", ") }
    );
}
