//! Reports for platform admins: the dashboard, usage of data products, access reports.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::model::{AccessQuery, AccessReport, ApiError, Dashboard, DriftReport, UsageRow};

#[cfg(feature = "ssr")]
use super::ports::{require, respond, services};
#[cfg(feature = "ssr")]
use crate::model::Role;

#[server(endpoint = "report_dashboard")]
pub async fn report_dashboard() -> Result<Dashboard, ApiError> {
    require(Role::Admin).await?;
    respond(services()?.reports.dashboard().await)
}

#[server(endpoint = "report_usage")]
pub async fn report_usage() -> Result<Vec<UsageRow>, ApiError> {
    require(Role::Admin).await?;
    respond(services()?.reports.usage().await)
}

/// Who has access to an asset, what a project subscribes to, or what a person can reach.
#[server(endpoint = "access_report", input = Json)]
pub async fn load_access_report(query: AccessQuery) -> Result<AccessReport, ApiError> {
    require(Role::Admin).await?;
    respond(crate::model::capped(&[
        ("by", &query.by, crate::model::SEARCH_MAX),
        ("value", &query.value, crate::model::SEARCH_MAX),
    ]))?;
    respond(services()?.reports.access(&query).await)
}

/// The Drift report: differences between the portal and DataZone the periodic check found.
#[server(endpoint = "report_drift")]
pub async fn report_drift() -> Result<DriftReport, ApiError> {
    require(Role::Admin).await?;
    respond(services()?.drift.report().await)
}

/// Runs the drift check now and answers the report after it.
#[server(endpoint = "check_drift")]
pub async fn check_drift() -> Result<DriftReport, ApiError> {
    let caller = require(Role::Admin).await?;
    respond(services()?.drift.check_now(&caller).await)
}
