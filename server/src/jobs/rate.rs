//! Token buckets in Postgres, so every replica's jobs together keep to one rate per
//! DataZone operation. A bucket refills continuously; taking a token is one statement.

use std::collections::HashMap;
use std::time::Duration;

use sqlx::PgPool;

#[derive(Clone)]
pub struct RateLimits {
    pool: PgPool,
    /// Operation → calls per second. Operations not listed are not paced.
    rates: HashMap<String, f64>,
}

impl RateLimits {
    pub fn new(pool: PgPool, rates: impl IntoIterator<Item = (String, f64)>) -> Self {
        Self { pool, rates: rates.into_iter().collect() }
    }

    /// Waits until `operation` may be called once more. Runs outside the caller's
    /// transaction: a bucket row is locked only for the instant of taking a token.
    pub async fn acquire(&self, operation: &str) -> Result<(), sqlx::Error> {
        let Some(&rate) = self.rates.get(operation) else { return Ok(()) };
        // A burst of one second's worth of calls.
        let burst = rate.max(1.0);
        loop {
            match take(&self.pool, operation, rate, burst).await? {
                Ok(()) => return Ok(()),
                Err(available) => tokio::time::sleep(Duration::from_secs_f64((1.0 - available) / rate)).await,
            }
        }
    }
}

/// Takes one token from the bucket `name`, which refills at `rate` per second up to
/// `burst`: `Ok(Ok(()))` when taken, `Ok(Err(tokens))` with the tokens there were when not.
pub async fn take(pool: &PgPool, name: &str, rate: f64, burst: f64) -> Result<Result<(), f64>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query!(
        "INSERT INTO rate_limits (name, tokens, refilled_at) VALUES ($1, $2, now()) ON CONFLICT (name) DO NOTHING",
        name,
        burst,
    )
    .execute(&mut *tx)
    .await?;
    let bucket = sqlx::query!(
        r#"SELECT tokens, EXTRACT(EPOCH FROM now() - refilled_at)::float8 AS "elapsed!"
                   FROM rate_limits WHERE name = $1 FOR UPDATE"#,
        name,
    )
    .fetch_one(&mut *tx)
    .await?;
    let available = (bucket.tokens + bucket.elapsed.max(0.0) * rate).min(burst);
    let taken = available >= 1.0;
    let left = if taken { available - 1.0 } else { available };
    sqlx::query!("UPDATE rate_limits SET tokens = $2, refilled_at = now() WHERE name = $1", name, left)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(if taken { Ok(()) } else { Err(available) })
}
