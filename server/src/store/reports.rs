//! Aggregates over the workflow tables for the dashboard, usage and access reports. Each
//! is one statement; the time windows and indexes keep them fast on large tables.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::subscriptions::SubRow;

/// (week start, environment, outcome, count) of project requests in the last `weeks`.
pub async fn project_weeks(
    pool: &PgPool,
    weeks: i32,
) -> Result<Vec<(DateTime<Utc>, String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT date_trunc('week', created_at) AS week, environment,
                CASE status WHEN 'pending_approval' THEN 'pending' WHEN 'rejected' THEN 'rejected'
                            WHEN 'failed' THEN 'failed' WHEN 'cancelled' THEN 'cancelled' ELSE 'approved' END,
                count(*)
           FROM project_requests
          WHERE created_at >= date_trunc('week', now()) - make_interval(weeks => $1 - 1)
          GROUP BY 1, 2, 3",
    )
    .bind(weeks)
    .fetch_all(pool)
    .await
}

/// (status, count) of all subscription requests (extensions left out).
pub async fn subscription_statuses(pool: &PgPool) -> Result<Vec<(String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT CASE WHEN subscription_status IS NOT NULL AND subscription_status <> 'APPROVED'
                     THEN subscription_status ELSE status END,
                count(*)
           FROM subscription_requests WHERE kind = 'access' GROUP BY 1 ORDER BY 2 DESC",
    )
    .fetch_all(pool)
    .await
}

/// (grouping, group, count, median hours, p90 hours) of the decisions made in the last
/// `weeks`: grouping `unit` (the asset owner's top-level domain unit) and grouping `who`
/// (Rules or People).
pub async fn decision_times(pool: &PgPool, weeks: i32) -> Result<Vec<(String, String, i64, f64, f64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT CASE WHEN grouping(unit) = 0 THEN 'unit' ELSE 'who' END, coalesce(unit, who), count(*),
                percentile_cont(0.5) WITHIN GROUP (ORDER BY hours),
                percentile_cont(0.9) WITHIN GROUP (ORDER BY hours)
           FROM (SELECT coalesce(owner_unit_names[1], 'No unit') AS unit,
                        CASE WHEN rule_id IS NULL THEN 'People' ELSE 'Rules' END AS who,
                        date_part('epoch', decided_at - created_at) / 3600 AS hours
                   FROM subscription_requests
                  WHERE decided_at >= date_trunc('week', now()) - make_interval(weeks => $1 - 1)
                    AND kind = 'access') AS decided
          GROUP BY GROUPING SETS ((unit), (who))
          ORDER BY 1, 2",
    )
    .bind(weeks)
    .fetch_all(pool)
    .await
}

/// (domain unit, environment, count) of live portal projects.
pub async fn projects_by_unit(pool: &PgPool) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT domain_unit_name, environment, count(*) FROM project_requests
          WHERE status IN ('active', 'retire_pending', 'retiring') GROUP BY 1, 2 ORDER BY 1",
    )
    .fetch_all(pool)
    .await
}

/// The `limit` assets asked for most in the last `weeks`: (asset, owner project, requests).
pub async fn top_assets(pool: &PgPool, weeks: i32, limit: i64) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    sqlx::query_as(&format!(
        "WITH counted AS (
            SELECT listing_id, count(*) AS requests FROM subscription_requests
             WHERE created_at >= date_trunc('week', now()) - make_interval(weeks => $1 - 1) AND kind = 'access'
             GROUP BY listing_id ORDER BY 2 DESC, 1 LIMIT $2)
         SELECT named.asset_name, named.owner_project_name, counted.requests
           FROM counted {NAMED}
          ORDER BY 3 DESC, 1"
    ))
    .bind(weeks)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Names an asset in `counted` by one of its requests (one index probe per asset).
const NAMED: &str = "CROSS JOIN LATERAL (
    SELECT asset_name, owner_project_name FROM subscription_requests AS s
     WHERE s.listing_id = counted.listing_id LIMIT 1) AS named";

/// One usage row per asset, most requested first: (listing, asset, owner project,
/// subscribed projects now, requests, rejections). Counted per asset and subscribing
/// project first, so the index on both answers it in order.
pub async fn usage(pool: &PgPool, limit: i64) -> Result<Vec<(String, String, String, i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(&format!(
        "WITH counted AS (
            SELECT listing_id, count(*) FILTER (WHERE subscribed) AS subscribers,
                   sum(requests)::int8 AS requests, sum(rejections)::int8 AS rejections
              FROM (SELECT listing_id, subscriber_project_id,
                           bool_or(subscription_status = 'APPROVED') AS subscribed, count(*) AS requests,
                           count(*) FILTER (WHERE status = 'REJECTED') AS rejections
                      FROM subscription_requests WHERE kind = 'access'
                     GROUP BY listing_id, subscriber_project_id) AS per_project
             GROUP BY listing_id ORDER BY 3 DESC, 1 LIMIT $1)
         SELECT counted.listing_id, named.asset_name, named.owner_project_name,
                counted.subscribers, counted.requests, counted.rejections
           FROM counted {NAMED}
          ORDER BY 5 DESC, 2"
    ))
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// (listing, weeks ago, requests) for the last `weeks` weeks, for the given listings.
pub async fn usage_trend(
    pool: &PgPool,
    listings: &[String],
    weeks: i32,
) -> Result<Vec<(String, i32, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT listing_id,
                (extract(epoch FROM date_trunc('week', now()) - date_trunc('week', created_at)) / 604800)::int,
                count(*)
           FROM subscription_requests
          WHERE kind = 'access' AND listing_id = ANY($1)
            AND created_at >= date_trunc('week', now()) - make_interval(weeks => $2 - 1)
          GROUP BY 1, 2",
    )
    .bind(listings)
    .bind(weeks)
    .fetch_all(pool)
    .await
}

/// Requests for one asset (by listing id or asset name), newest first.
pub async fn access_to_asset(pool: &PgPool, asset: &str) -> Result<Vec<SubRow>, sqlx::Error> {
    rows(pool, "s.kind = 'access' AND (s.listing_id = $1 OR s.asset_name = $1)", asset).await
}

/// Requests of one subscribing project (by id or name), newest first.
pub async fn access_of_project(pool: &PgPool, project: &str) -> Result<Vec<SubRow>, sqlx::Error> {
    rows(pool, "s.kind = 'access' AND (s.subscriber_project_id = $1 OR s.subscriber_project_name = $1)", project).await
}

async fn rows(pool: &PgPool, condition: &str, value: &str) -> Result<Vec<SubRow>, sqlx::Error> {
    let sql = format!("{} WHERE {condition} ORDER BY s.created_at DESC LIMIT 5000", super::subscriptions::select_sql());
    sqlx::query_as(&sql).bind(value).fetch_all(pool).await
}
