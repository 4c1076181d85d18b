//! Reports for platform admins: the dashboard's charts, usage of data products, and who
//! has access to what.

use serde::{Deserialize, Serialize};

/// One named row of numbers, one per category of a chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Series {
    pub label: String,
    pub values: Vec<u32>,
}

/// Columns (categories) stacked from several series.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct StackedChart {
    pub categories: Vec<String>,
    pub series: Vec<Series>,
}

impl StackedChart {
    /// The largest column total (at least 1, so scales never divide by zero).
    pub fn max_total(&self) -> u32 {
        (0..self.categories.len())
            .map(|i| self.series.iter().map(|s| s.values.get(i).copied().unwrap_or(0)).sum::<u32>())
            .max()
            .unwrap_or(0)
            .max(1)
    }

    pub fn is_empty(&self) -> bool {
        self.series.iter().all(|s| s.values.iter().all(|v| *v == 0))
    }
}

/// One bar of a horizontal bar chart, with a note shown beside the value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BarItem {
    pub label: String,
    pub value: f64,
    /// Written after the bar: the value as people read it.
    pub note: String,
    /// Written opposite the label, e.g. the asset's owning project.
    pub detail: Option<String>,
}

/// How long decisions took for one group of requests, in hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DecisionTime {
    pub group: String,
    pub decided: u32,
    pub median_hours: f64,
    pub p90_hours: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Dashboard {
    /// Project requests per week (last 12 weeks), by environment.
    pub project_weeks_by_environment: StackedChart,
    /// The same weeks, by outcome.
    pub project_weeks_by_outcome: StackedChart,
    /// All subscription requests by their status now.
    pub subscription_statuses: Vec<BarItem>,
    /// Decisions made in the last 12 weeks, by the asset owner's domain unit.
    pub decision_by_unit: Vec<DecisionTime>,
    /// Rules against people.
    pub decision_by_kind: Vec<DecisionTime>,
    /// Live projects per domain unit (categories), by environment.
    pub projects_by_unit: StackedChart,
    /// Assets asked for most in the last 12 weeks.
    pub top_assets: Vec<BarItem>,
}

/// Usage of one data product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UsageRow {
    pub listing_id: String,
    pub asset_name: String,
    pub owner_project: String,
    /// Projects subscribed now.
    pub subscribers: u32,
    pub requests: u32,
    pub rejections: u32,
    /// Requests per week, oldest first (last 8 weeks).
    pub trend: Vec<u32>,
}

/// An access report: by asset (listing id or name), by subscribing project (id or name) or
/// by person (user name), as it appears in the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct AccessQuery {
    /// `asset`, `project` or `person`.
    pub by: String,
    pub value: String,
}

/// One request or subscription in an access report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessRow {
    pub request_id: String,
    pub asset_name: String,
    pub owner_project: String,
    pub project_name: String,
    /// PENDING, ACCEPTED or REJECTED.
    pub status: String,
    /// APPROVED, REVOKED, CANCELLED or EXPIRED once accepted.
    pub subscription: Option<String>,
    pub since: Option<String>,
    pub expires_at: Option<String>,
    /// Who decided: a person, or the rule.
    pub decided_by: Option<String>,
    pub requester: String,
    /// Where access was granted, for approved subscriptions: DataZone's grant statuses
    /// counted, e.g. "2 granted"; "unavailable" when DataZone could not be asked.
    pub grants: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessReport {
    pub title: String,
    pub rows: Vec<AccessRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chart_scales_to_its_tallest_column() {
        let chart = StackedChart {
            categories: vec!["a".into(), "b".into()],
            series: vec![
                Series { label: "x".into(), values: vec![1, 4] },
                Series { label: "y".into(), values: vec![2, 3] },
            ],
        };
        assert_eq!(chart.max_total(), 7);
        assert!(!chart.is_empty());
        assert_eq!(StackedChart::default().max_total(), 1, "an empty chart still has a scale");
    }
}

/// One difference between the portal and DataZone, found by the drift check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DriftFinding {
    pub id: i64,
    /// e.g. `project_deleted`, `member_removed`, `subscription_ended`, `grant_failed`.
    pub kind: String,
    /// What kind of difference, for people ("Project deleted outside the portal").
    pub kind_label: String,
    /// The portal page of the request it is about.
    pub href: Option<String>,
    pub summary: String,
    /// What the portal did about it.
    pub action: String,
    /// `YYYY-MM-DD HH:MM UTC`.
    pub found_at: String,
    pub resolved_at: Option<String>,
}

/// The Drift report: open findings, recently resolved ones, and how the last check went.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DriftReport {
    pub open: Vec<DriftFinding>,
    pub resolved: Vec<DriftFinding>,
    /// When the last check succeeded.
    pub checked_at: Option<String>,
    /// When the last check failed after the last success, and why.
    pub failed: Option<(String, String)>,
    /// How often the check runs, in seconds.
    pub every_seconds: u64,
}
