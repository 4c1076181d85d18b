//! Report query speed on a large history: seeds 100,000 subscription requests and 20,000
//! project requests (once per database) and prints p50 / p99 of the dashboard (its five
//! queries, run together as the page runs them), the usage report and each access report.
//! Run by `cargo xtask bench` against a throwaway database; DATABASE_URL says which.

use std::time::{Duration, Instant};

use meshgate::store::reports as store;
use sqlx::PgPool;

const REQUESTS: i64 = 100_000;
const PROJECTS: i64 = 20_000;
const ROUNDS: usize = 100;

fn percentile(sorted: &[Duration], per_mille: usize) -> f64 {
    let index = (sorted.len() - 1) * per_mille / 1000;
    sorted[index].as_secs_f64() * 1000.0
}

async fn seed(pool: &PgPool) {
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM subscription_requests").fetch_one(pool).await.unwrap();
    if have >= REQUESTS {
        return;
    }
    let started = Instant::now();
    // A year of requests: 500 assets of 50 projects in 8 units, 400 subscribing projects.
    sqlx::query(
        "INSERT INTO subscription_requests (id, listing_id, asset_id, asset_name, owner_project_id, owner_project_name,
            owner_unit_ids, owner_unit_names, subscriber_project_id, subscriber_project_name, requester_id,
            requester_name, reason, source, status, created_at, updated_at, decided_at, decided_by, rule_id,
            subscription_status)
         SELECT 'bench-' || n, 'listing-' || (n % 500), 'asset-' || (n % 500), 'asset_' || (n % 500),
                'owner-' || (n % 50), 'Owner ' || (n % 50), ARRAY['unit-' || (n % 8)], ARRAY['Unit ' || (n % 8)],
                -- One open request per pair: pending ones get a project of their own.
                CASE WHEN n % 10 = 0 THEN 'pending-' || n ELSE 'sub-' || (n % 400) END, 'Subscriber ' || (n % 400), 'user-' || (n % 2000), 'User ' || (n % 2000),
                'Bench', 'datazone',
                CASE WHEN n % 10 = 0 THEN 'PENDING' WHEN n % 10 < 3 THEN 'REJECTED' ELSE 'ACCEPTED' END,
                at, at, CASE WHEN n % 10 <> 0 THEN at + make_interval(hours => (n % 97)::int) END,
                CASE WHEN n % 10 <> 0 THEN 'User ' || (n % 30) END,
                CASE WHEN n % 10 >= 7 THEN gen_random_uuid() END,
                CASE WHEN n % 10 >= 3 THEN (CASE WHEN n % 50 = 3 THEN 'REVOKED' ELSE 'APPROVED' END) END
           FROM (SELECT n, now() - make_interval(secs => (($1 - n) * 315.0)::float8) AS at
                   FROM generate_series(1, $1) AS n) AS s",
    )
    .bind(REQUESTS)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO project_requests (id, product, project_name, domain_unit_id, domain_unit_name, environment,
            profile_id, profile_name, requested_by, requested_by_name, lineage, status, acting_for, created_at)
         SELECT gen_random_uuid(), 'Product ' || n, 'Bench project ' || n, 'unit-' || (n % 8), 'Unit ' || (n % 8),
                (ARRAY['dev', 'staging', 'prod'])[1 + n % 3], 'profile', 'Profile', 'user-' || (n % 2000),
                'User ' || (n % 2000), gen_random_uuid(),
                (ARRAY['active', 'active', 'active', 'rejected', 'pending_approval', 'failed', 'retired'])[1 + n % 7],
                'user-' || (n % 2000), now() - make_interval(secs => (($1 - n) * 1577.0)::float8)
           FROM generate_series(1, $1) AS n",
    )
    .bind(PROJECTS)
    .execute(pool)
    .await
    .unwrap();
    // What autovacuum does soon after a load: statistics, and the visibility map that lets
    // covering indexes answer without reading rows.
    sqlx::query("VACUUM ANALYZE subscription_requests").execute(pool).await.unwrap();
    sqlx::query("VACUUM ANALYZE project_requests").execute(pool).await.unwrap();
    println!(
        "  seeded {REQUESTS} subscription and {PROJECTS} project requests in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

async fn time<F, Fut>(label: &str, aim_ms: f64, mut run: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut samples = Vec::with_capacity(ROUNDS);
    for _ in 0..ROUNDS {
        let started = Instant::now();
        run().await;
        samples.push(started.elapsed());
    }
    samples.sort();
    let p99 = percentile(&samples, 990);
    let verdict = if p99 <= aim_ms { "within" } else { "OVER" };
    println!("  {label:<34} p50 {:>7.2} ms   p99 {p99:>7.2} ms   ({verdict} {aim_ms} ms)", percentile(&samples, 500));
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL names a throwaway database");
    let pool = PgPool::connect(&url).await.unwrap();
    meshgate::store::migrate(&pool).await.unwrap();
    println!("\nReports over {REQUESTS} subscription and {PROJECTS} project requests, {ROUNDS} rounds each:");
    seed(&pool).await;
    let p = &pool;
    time("dashboard (five queries at once)", 100.0, || async move {
        tokio::try_join!(
            store::project_weeks(p, 12),
            store::subscription_statuses(p),
            store::decision_times(p, 12),
            store::projects_by_unit(p),
            store::top_assets(p, 12, 10),
        )
        .unwrap();
    })
    .await;
    time("usage of data products (200 rows)", 100.0, || async move {
        let rows = store::usage(p, 200).await.unwrap();
        let listings: Vec<String> = rows.into_iter().map(|r| r.0).collect();
        store::usage_trend(p, &listings, 8).await.unwrap();
    })
    .await;
    time("who has access to an asset", 100.0, || async move {
        store::access_to_asset(p, "listing-42").await.unwrap();
    })
    .await;
    time("what a project subscribes to", 100.0, || async move {
        store::access_of_project(p, "sub-42").await.unwrap();
    })
    .await;
}
