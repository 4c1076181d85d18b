//! `/api/v1` latency for the calls pipelines make most, list and get, against the local
//! stack (HTTP, Postgres, the stand-in over the SDK), each beside the server function the
//! page calls for the same data, in one run: the ratio is what the token check, the
//! `api.call` audit row and the JSON reshaping cost.
//! Run by `cargo xtask bench` against a throwaway database (DATABASE_URL).

// Figures for printing: counts far below 2^52, indexes within the list.
#![allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sqlx::PgPool;

/// Calls per operation (after five warm-up calls).
const CALLS: usize = 300;

fn quantiles(mut times: Vec<Duration>) -> (f64, f64) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1000.0;
    (at(0.5), at(0.99))
}

async fn time<F, Fut>(call: F) -> (f64, f64)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = reqwest::Response>,
{
    for _ in 0..5 {
        assert!(call().await.status().is_success());
    }
    let mut times = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let started = Instant::now();
        let response = call().await;
        assert!(response.status().is_success(), "{}", response.status());
        response.bytes().await.unwrap();
        times.push(started.elapsed());
    }
    quantiles(times)
}

#[tokio::main]
async fn main() {
    let url = std::env::var("DATABASE_URL").expect("DATABASE_URL names a throwaway database");
    let pool = PgPool::connect(&url).await.unwrap();
    meshgate::store::migrate(&pool).await.unwrap();
    let setup = support::Setup { extra: vec![("log_filter", json!("warn"))], ..support::Setup::default() };
    let app = support::spawn_with(pool, setup).await;
    let erin = app.signed_in("erin").await;
    let made = support::ok(
        app.call_json(&erin, "create_token", &json!({"form": {"name": "bench", "scopes": ["read"], "days": 1}})).await,
    )
    .await;
    let secret = made["secret"].as_str().unwrap().to_owned();
    let client = support::plain();
    let api = |path: String| {
        let request = client.get(app.url(&format!("/api/v1{path}"))).bearer_auth(&secret);
        async move { request.send().await.unwrap() }
    };
    let page: Value = api("/catalog?q=pipeline".into()).await.json().await.unwrap();
    let listing = page["items"][0]["listing_id"].as_str().unwrap().to_owned();

    println!("\n/api/v1 latency, one caller, {CALLS} calls each (beside the page's server function)");
    // (what, API path, the page's server function and its form; none for a JSON one).
    let listing_form = [("listing_id", listing.as_str())];
    let rows = [
        ("list projects", "/projects".to_owned(), "my_projects", &[][..]),
        ("list catalog (q=pipeline)", "/catalog?q=pipeline".to_owned(), "", &[][..]),
        ("get catalog entry", format!("/catalog/{listing}"), "catalog_asset", &listing_form[..]),
        ("list subscriptions", "/subscriptions".to_owned(), "my_subscriptions", &[][..]),
    ];
    for (label, path, function, form) in rows {
        let (p50, p99) = time(|| api(path.clone())).await;
        let page = if function.is_empty() {
            String::new()
        } else {
            let (f50, f99) = time(|| app.call(&erin, function, form)).await;
            format!("; server function p50 {f50:.1} ms, p99 {f99:.1} ms; API/function p50 ratio {:.2}", p50 / f50)
        };
        println!("  {label:<28} p50 {p50:>6.1} ms, p99 {p99:>6.1} ms{page}");
    }
    let (p50, p99) = time(|| api("/me".into())).await;
    println!("  {:<28} p50 {p50:>6.1} ms, p99 {p99:>6.1} ms", "get me");
}
