//! The catalog, subscription requests and their decisions, approval rules, and people's
//! subscriptions. Who may see and do what is decided by the services, per caller.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::model::{
    AccessRequestForm, ApiError, AssetDetail, BulkDecision, CatalogPage, CatalogQuery, DryRun, InboxPage, InboxQuery,
    ProjectSubscriptions, RuleForm, RulesPage, RunProgress, SubscriptionDetail,
};

#[cfg(feature = "ssr")]
use super::ports::{require, respond, services};
#[cfg(feature = "ssr")]
use crate::model::Role;

/// One page of published assets matching the search, with facet counts.
#[server(endpoint = "catalog_search", input = Json)]
pub async fn catalog_search(query: CatalogQuery) -> Result<CatalogPage, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[
        ("q", &query.q, crate::model::SEARCH_MAX),
        ("unit", &query.unit, crate::model::SEARCH_MAX),
        ("project", &query.project, crate::model::SEARCH_MAX),
        ("type", &query.asset_type, crate::model::SEARCH_MAX),
        ("term", &query.term, crate::model::SEARCH_MAX),
        ("sort", &query.sort, crate::model::SEARCH_MAX),
        ("page", &query.page, 8192),
    ]))?;
    respond(services()?.catalog.search(&caller, &query).await)
}

#[server(endpoint = "catalog_asset")]
pub async fn catalog_asset(listing_id: String) -> Result<AssetDetail, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("listing_id", &listing_id, crate::model::ID_MAX)]))?;
    respond(services()?.catalog.asset(&caller, &listing_id).await)
}

/// Asks for access to an asset for one of the caller's projects; answers the request id.
#[server(endpoint = "request_access", input = Json)]
pub async fn request_access(form: AccessRequestForm) -> Result<String, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[
        ("listing_id", &form.listing_id, crate::model::ID_MAX),
        ("project_id", &form.project_id, crate::model::ID_MAX),
        ("token", &form.token, crate::model::ID_MAX),
    ]))?;
    respond(services()?.catalog.request_access(&caller, form).await)
}

/// The steward inbox: requests for the assets the caller governs.
#[server(endpoint = "steward_inbox", input = Json)]
pub async fn steward_inbox(query: InboxQuery) -> Result<InboxPage, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[
        ("q", &query.q, crate::model::SEARCH_MAX),
        ("status", &query.status, crate::model::SEARCH_MAX),
        ("sort", &query.sort, crate::model::SEARCH_MAX),
    ]))?;
    respond(services()?.subscriptions.inbox(&caller, &query).await)
}

#[server(endpoint = "subscription_request")]
pub async fn subscription_request(id: String) -> Result<SubscriptionDetail, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX)]))?;
    respond(services()?.subscriptions.detail(&caller, &id).await)
}

/// Accepts or rejects one or many requests through the decision queue.
#[server(endpoint = "decide_subscriptions", input = Json)]
pub async fn decide_subscriptions(decision: BulkDecision) -> Result<RunProgress, ApiError> {
    let caller = require(Role::TeamLead).await?;
    for id in &decision.ids {
        respond(crate::model::capped(&[("ids", id, crate::model::ID_MAX)]))?;
    }
    respond(services()?.subscriptions.decide(&caller, decision).await)
}

#[server(endpoint = "decision_progress")]
pub async fn decision_progress(run: String) -> Result<RunProgress, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("run", &run, crate::model::ID_MAX)]))?;
    respond(services()?.subscriptions.progress(&caller, &run).await)
}

#[server(endpoint = "my_subscriptions")]
pub async fn my_subscriptions() -> Result<Vec<ProjectSubscriptions>, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(services()?.subscriptions.mine(&caller).await)
}

/// Ends the subscription a request granted: `revoke` by a steward, otherwise a cancel by
/// the subscribing project.
#[server(endpoint = "end_subscription")]
pub async fn end_subscription(id: String, revoke: bool) -> Result<(), ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX)]))?;
    respond(services()?.subscriptions.end(&caller, &id, revoke).await)
}

/// Grants again, where DataZone's subscription grant failed: CreateSubscriptionGrant with
/// the failed grant's environment, target and listing revision, then DeleteSubscriptionGrant
/// of the failed one. For stewards of the asset; 409 when the grant has not failed.
#[server(endpoint = "retry_grant")]
pub async fn retry_grant(id: String) -> Result<(), ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX)]))?;
    respond(services()?.subscriptions.retry_grant(&caller, &id).await)
}

#[server(endpoint = "extend_subscription")]
pub async fn extend_subscription(id: String, days: u32, reason: String) -> Result<String, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX), ("reason", &reason, crate::model::REASON_MAX)]))?;
    respond(services()?.subscriptions.extend(&caller, &id, days, &reason).await)
}

#[server(endpoint = "approval_rules")]
pub async fn approval_rules() -> Result<RulesPage, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(services()?.subscriptions.rules(&caller).await)
}

#[server(endpoint = "save_approval_rule", input = Json)]
pub async fn save_approval_rule(form: RuleForm) -> Result<String, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(services()?.subscriptions.save_rule(&caller, form).await)
}

#[server(endpoint = "delete_approval_rule")]
pub async fn delete_approval_rule(id: String) -> Result<(), ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX)]))?;
    respond(services()?.subscriptions.delete_rule(&caller, &id).await)
}

#[server(endpoint = "move_approval_rule")]
pub async fn move_approval_rule(id: String, up: bool) -> Result<(), ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX)]))?;
    respond(services()?.subscriptions.move_rule(&caller, &id, up).await)
}

/// What a rule (saved or not) would do to the pending requests the caller governs.
#[server(endpoint = "dry_run_rule", input = Json)]
pub async fn dry_run_rule(form: RuleForm) -> Result<DryRun, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(services()?.subscriptions.dry_run(&caller, form).await)
}
