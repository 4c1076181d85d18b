//! Audit-log query speed on a large trail: seeds a million events (once per database) and
//! prints p50 / p99 of a page of 50 rows for each kind of filter. Run by `cargo xtask
//! bench` against a throwaway database; DATABASE_URL says which.

use std::time::{Duration, Instant};

use meshgate::store::audit::{self, Filter};
use sqlx::PgPool;

const EVENTS: i64 = 1_000_000;
const ROUNDS: usize = 200;

/// The `per_mille`-th of a sorted sample, in milliseconds.
fn percentile(sorted: &[Duration], per_mille: usize) -> f64 {
    let index = (sorted.len() - 1) * per_mille / 1000;
    sorted[index].as_secs_f64() * 1000.0
}

async fn seed(pool: &PgPool) {
    let have: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_events").fetch_one(pool).await.unwrap();
    if have >= EVENTS {
        return;
    }
    let started = Instant::now();
    // A year of events: 1,000 people, 20 actions, 50,000 targets.
    sqlx::query(
        "INSERT INTO audit_events (created_at, actor, action, target_kind, target_id, before, after, request_id)
         SELECT now() - make_interval(secs => (($1 - n) * 31.5)::float8),
                'user' || (n % 1000), 'bench.' || chr(97 + (n % 20)::int), 'thing', 'thing-' || (n % 50000),
                NULL, jsonb_build_object('n', n), md5(n::text)
         FROM generate_series(1, $1) AS n",
    )
    .bind(EVENTS)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("ANALYZE audit_events").execute(pool).await.unwrap();
    println!("  seeded {EVENTS} audit events in {:.1} s", started.elapsed().as_secs_f64());
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL names a throwaway database");
    let pool = PgPool::connect(&url).await.unwrap();
    meshgate::store::migrate(&pool).await.unwrap();
    seed(&pool).await;
    let max_id: i64 = sqlx::query_scalar("SELECT max(id) FROM audit_events").fetch_one(&pool).await.unwrap();
    let yesterday = chrono::Utc::now() - chrono::Duration::days(1);
    let cases: Vec<(&str, Filter)> = vec![
        ("newest, no filter", Filter::default()),
        ("one actor", Filter { actor: Some("user42".into()), ..Filter::default() }),
        ("one action", Filter { action: Some("bench.h".into()), ..Filter::default() }),
        ("one target", Filter { target: Some("thing-4242".into()), ..Filter::default() }),
        (
            "one day",
            Filter {
                from: Some(yesterday - chrono::Duration::days(90)),
                to: Some(yesterday - chrono::Duration::days(89)),
                ..Filter::default()
            },
        ),
        ("page 10,000 (keyset)", Filter { before: Some(max_id - 500_000), ..Filter::default() }),
        (
            "one actor, deep page",
            Filter { actor: Some("user42".into()), before: Some(max_id / 3), ..Filter::default() },
        ),
    ];
    println!("\nAudit log: a page of 50 rows over {EVENTS} events ({ROUNDS} runs each):");
    for (name, filter) in cases {
        let mut times = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let started = Instant::now();
            let rows = audit::page(&pool, &filter, 51).await.unwrap();
            times.push(started.elapsed());
            assert!(!rows.is_empty(), "{name} found nothing");
        }
        times.sort();
        println!("  {name:<24} p50 {:>6.2} ms   p99 {:>6.2} ms", percentile(&times, 500), percentile(&times, 990));
    }
}
