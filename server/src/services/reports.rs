//! Reports for platform admins, from the workflow tables in Postgres: the dashboard, usage
//! of data products, and access reports (DataZone is asked only for a person's projects).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use app::api::ports::Reports;
use app::model::{
    AccessQuery, AccessReport, AccessRow, ApiError, BarItem, Dashboard, DecisionTime, Series, StackedChart, UsageRow,
};
use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, Utc};
use futures_util::StreamExt;
use sqlx::PgPool;

use super::activity::time_text;
use crate::aws::subscriptions::SubscriptionGrant;
use crate::aws::Aws;
use crate::error::AppError;
use crate::store::reports as store;
use crate::store::subscriptions::SubRow;

const WEEKS: i32 = 12;
const TREND_WEEKS: i32 = 8;
const ENVIRONMENTS: [(&str, &str); 3] = [("dev", "Dev"), ("staging", "Staging"), ("prod", "Prod")];
/// Projects whose grants an access report reads at once.
const GRANT_LOOKUPS: usize = 4;
const OUTCOMES: [&str; 5] = ["approved", "pending", "rejected", "failed", "cancelled"];

pub struct ReportService {
    pub pool: PgPool,
    pub aws: Aws,
}

/// The last `weeks` week starts (Mondays), oldest first.
fn week_starts(weeks: i32) -> Vec<DateTime<Utc>> {
    let now = Utc::now();
    let monday = now.date_naive() - TimeDelta::days(i64::from(now.date_naive().weekday_number()));
    (0..weeks)
        .rev()
        .map(|n| (monday - TimeDelta::weeks(i64::from(n))).and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
        .collect()
}

trait Weekday {
    fn weekday_number(&self) -> u32;
}

impl Weekday for chrono::NaiveDate {
    fn weekday_number(&self) -> u32 {
        chrono::Datelike::weekday(self).num_days_from_monday()
    }
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Columns by week, one series per value of `key`.
fn weekly(
    rows: &[(DateTime<Utc>, String, String, i64)],
    weeks: &[DateTime<Utc>],
    labels: &[(&str, &str)],
    key: impl Fn(&(DateTime<Utc>, String, String, i64)) -> String,
) -> StackedChart {
    let series = labels
        .iter()
        .map(|(value, label)| Series {
            label: (*label).to_owned(),
            values: weeks
                .iter()
                .map(|week| rows.iter().filter(|r| r.0 == *week && key(r) == *value).map(|r| count(r.3)).sum())
                .collect(),
        })
        .collect();
    StackedChart { categories: weeks.iter().map(|w| w.format("%b %d").to_string()).collect(), series }
}

fn access_row(row: SubRow, grants: Option<String>) -> AccessRow {
    AccessRow {
        request_id: row.id,
        asset_name: row.asset_name,
        owner_project: row.owner_project_name,
        project_name: row.subscriber_project_name,
        status: row.status,
        subscription: row.subscription_status,
        since: row.decided_at.filter(|_| row.rule_id.is_some() || row.decided_by.is_some()).map(time_text),
        expires_at: row.expires_at.map(time_text),
        decided_by: row.decided_by,
        requester: row.requester_name,
        grants,
    }
}

/// DataZone's grant statuses counted: "granted", "2 granted, 1 grant failed".
fn grant_summary(statuses: &[&str]) -> String {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for status in statuses {
        *counts.entry(status.to_lowercase().replace('_', " ")).or_default() += 1;
    }
    if statuses.len() == 1 {
        return counts.into_keys().collect();
    }
    counts.iter().map(|(status, n)| format!("{n} {status}")).collect::<Vec<_>>().join(", ")
}

/// What an access report says of a row's grants; only approved subscriptions have any.
fn grant_text(row: &SubRow, grants: &HashMap<String, Result<Vec<SubscriptionGrant>, AppError>>) -> Option<String> {
    if row.subscription_status.as_deref() != Some("APPROVED") {
        return None;
    }
    let Some(Ok(grants)) = grants.get(&row.subscriber_project_id) else { return Some("unavailable".to_owned()) };
    let statuses: Vec<&str> =
        grants.iter().filter(|g| g.listing_id == row.listing_id).map(|g| g.status.as_str()).collect();
    Some(if statuses.is_empty() { "none yet".to_owned() } else { grant_summary(&statuses) })
}

impl ReportService {
    /// The report's title and rows; also what the CSV export writes.
    pub async fn access_rows(&self, query: &AccessQuery) -> Result<AccessReport, AppError> {
        let value = query.value.trim();
        if value.is_empty() {
            return Ok(AccessReport::default());
        }
        let (title, rows) = match query.by.as_str() {
            "asset" => (format!("Who has access to {value}"), store::access_to_asset(&self.pool, value).await?),
            "project" => (format!("What {value} subscribes to"), store::access_of_project(&self.pool, value).await?),
            "person" => {
                let Some(identity) = self.aws.find_identity(value, None).await? else {
                    return Err(AppError::NotFound(format!("Person {value}")));
                };
                let mut rows = Vec::new();
                for project in self.aws.projects_of(&identity.datazone_user_id, &identity.group_ids).await? {
                    rows.extend(store::access_of_project(&self.pool, &project.id).await?);
                }
                rows.sort_by_key(|r| std::cmp::Reverse(r.created_at));
                (format!("What {value} can reach through their projects"), rows)
            }
            _ => return Err(AppError::invalid("by", "Report by asset, project or person.")),
        };
        let grants = self.grants_of(&rows).await;
        let rows = rows
            .into_iter()
            .map(|row| {
                let text = grant_text(&row, &grants);
                access_row(row, text)
            })
            .collect();
        Ok(AccessReport { title, rows })
    }

    /// The grants of every subscribing project with an approved subscription among `rows`
    /// (to the one listing, when all rows are of one), a few projects at a time. A project
    /// whose grants cannot be read is reported as such rather than failing the report.
    async fn grants_of(&self, rows: &[SubRow]) -> HashMap<String, Result<Vec<SubscriptionGrant>, AppError>> {
        let approved: BTreeSet<&str> = rows
            .iter()
            .filter(|r| r.subscription_status.as_deref() == Some("APPROVED"))
            .map(|r| r.subscriber_project_id.as_str())
            .collect();
        let listings: BTreeSet<&str> = rows.iter().map(|r| r.listing_id.as_str()).collect();
        let listing = (listings.len() == 1).then(|| listings.into_iter().collect::<String>());
        // Owned futures: a borrowing closure is not Send for every lifetime axum asks for.
        let lookups: Vec<_> = approved
            .into_iter()
            .map(|project| {
                let (aws, project, listing) = (self.aws.clone(), project.to_owned(), listing.clone());
                async move {
                    let grants = aws.subscription_grants(&project, listing.as_deref()).await;
                    if let Err(error) = &grants {
                        tracing::warn!(project, %error, "grants not read for the access report");
                    }
                    (project, grants)
                }
            })
            .collect();
        futures_util::stream::iter(lookups).buffer_unordered(GRANT_LOOKUPS).collect().await
    }
}

#[async_trait]
impl Reports for ReportService {
    async fn dashboard(&self) -> Result<Dashboard, ApiError> {
        let pool = &self.pool;
        let (weeks_rows, statuses, times, by_unit, top) = tokio::try_join!(
            store::project_weeks(pool, WEEKS),
            store::subscription_statuses(pool),
            store::decision_times(pool, WEEKS),
            store::projects_by_unit(pool),
            store::top_assets(pool, WEEKS, 10),
        )
        .map_err(AppError::from)?;
        let weeks = week_starts(WEEKS);
        let outcomes: Vec<(&str, &str)> = OUTCOMES.iter().map(|o| (*o, *o)).collect();
        let units: BTreeSet<&String> = by_unit.iter().map(|r| &r.0).collect();
        let decision = |grouping: &str| -> Vec<DecisionTime> {
            times
                .iter()
                .filter(|t| t.0 == grouping)
                .map(|(_, group, n, median, p90)| DecisionTime {
                    group: group.clone(),
                    decided: count(*n),
                    median_hours: *median,
                    p90_hours: *p90,
                })
                .collect()
        };
        Ok(Dashboard {
            project_weeks_by_environment: weekly(&weeks_rows, &weeks, &ENVIRONMENTS, |r| r.1.clone()),
            project_weeks_by_outcome: weekly(&weeks_rows, &weeks, &outcomes, |r| r.2.clone()),
            subscription_statuses: statuses
                .into_iter()
                .map(|(status, n)| BarItem {
                    label: status.to_lowercase(),
                    value: f64::from(count(n)),
                    note: n.to_string(),
                    detail: None,
                })
                .collect(),
            decision_by_unit: decision("unit"),
            decision_by_kind: decision("who"),
            projects_by_unit: StackedChart {
                categories: units.iter().map(|u| (*u).clone()).collect(),
                series: ENVIRONMENTS
                    .iter()
                    .map(|(env, label)| Series {
                        label: (*label).to_owned(),
                        values: units
                            .iter()
                            .map(|u| by_unit.iter().filter(|r| &r.0 == *u && r.1 == *env).map(|r| count(r.2)).sum())
                            .collect(),
                    })
                    .collect(),
            },
            top_assets: top
                .into_iter()
                .map(|(name, owner, requests)| BarItem {
                    label: name,
                    value: f64::from(count(requests)),
                    note: requests.to_string(),
                    detail: Some(owner),
                })
                .collect(),
        })
    }

    async fn usage(&self) -> Result<Vec<UsageRow>, ApiError> {
        let rows = store::usage(&self.pool, 200).await.map_err(AppError::from)?;
        let listings: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
        let trend = store::usage_trend(&self.pool, &listings, TREND_WEEKS).await.map_err(AppError::from)?;
        let mut weekly: HashMap<&str, BTreeMap<i32, i64>> = HashMap::new();
        for (listing, ago, n) in &trend {
            weekly.entry(listing.as_str()).or_default().insert(*ago, *n);
        }
        Ok(rows
            .iter()
            .map(|(listing, asset, owner, subscribers, requests, rejections)| UsageRow {
                listing_id: listing.clone(),
                asset_name: asset.clone(),
                owner_project: owner.clone(),
                subscribers: count(*subscribers),
                requests: count(*requests),
                rejections: count(*rejections),
                trend: (0..TREND_WEEKS)
                    .rev()
                    .map(|ago| count(weekly.get(listing.as_str()).and_then(|w| w.get(&ago)).copied().unwrap_or(0)))
                    .collect(),
            })
            .collect())
    }

    async fn access(&self, query: &AccessQuery) -> Result<AccessReport, ApiError> {
        Ok(self.access_rows(query).await?)
    }
}
