//! Project requests: the form's choices, submitting, deciding, and everything after.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::model::{
    ApiError, MemberChange, MyProjects, Principal, ProjectRequestForm, RequestDetail, RequestSummary, UnitChoice,
};

#[cfg(feature = "ssr")]
use super::ports::{require, respond, services};
#[cfg(feature = "ssr")]
use crate::model::Role;

/// The domain units a project can be requested in, with the environments each allows the
/// caller (those whose CREATE_PROJECT_FROM_PROJECT_PROFILE grant names them, one of their
/// groups, or all users).
#[server(endpoint = "project_units")]
pub async fn project_units() -> Result<Vec<UnitChoice>, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(services()?.projects.units(&caller).await)
}

/// People and groups to add as members, by name.
#[server(endpoint = "search_principals")]
pub async fn search_principals(query: String) -> Result<Vec<Principal>, ApiError> {
    require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("query", &query, crate::model::SEARCH_MAX)]))?;
    respond(services()?.projects.search_principals(query.trim()).await)
}

/// Why a project name cannot be used, or `None` when it is free.
#[server(endpoint = "check_project_name")]
pub async fn check_project_name(name: String) -> Result<Option<String>, ApiError> {
    require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("name", &name, crate::model::SEARCH_MAX)]))?;
    respond(services()?.projects.name_problem(name.trim()).await)
}

/// Submits a project request; answers with the new request's id.
#[server(endpoint = "submit_project_request", input = Json)]
pub async fn submit_project_request(form: ProjectRequestForm) -> Result<String, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(services()?.projects.submit(&caller, form).await)
}

#[server(endpoint = "my_projects")]
pub async fn load_my_projects() -> Result<MyProjects, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(services()?.projects.mine(&caller).await)
}

#[server(endpoint = "project_request")]
pub async fn project_request(id: String) -> Result<RequestDetail, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX)]))?;
    respond(services()?.projects.detail(&caller, &id).await)
}

/// Requests waiting for the caller's decision: all of them for platform admins, those of
/// the domain units they own for everybody else.
#[server(endpoint = "project_approvals")]
pub async fn project_approvals() -> Result<Vec<RequestSummary>, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(services()?.projects.approvals(&caller).await)
}

#[server(endpoint = "decide_project_request")]
pub async fn decide_project_request(id: String, approve: bool, comment: String) -> Result<(), ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[
        ("id", &id, crate::model::ID_MAX),
        ("comment", &comment, crate::model::REASON_MAX),
    ]))?;
    respond(services()?.projects.decide(&caller, &id, approve, &comment).await)
}

/// Requests a later environment (`staging` or `prod`) of an active project, with the same
/// members; answers with the new request's id.
#[server(endpoint = "promote_project")]
pub async fn promote_project(id: String, environment: String, justification: String) -> Result<String, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[
        ("id", &id, crate::model::ID_MAX),
        ("environment", &environment, crate::model::ID_MAX),
        ("justification", &justification, crate::model::REASON_MAX),
    ]))?;
    respond(services()?.projects.promote(&caller, &id, &environment, &justification).await)
}

#[server(endpoint = "retire_project")]
pub async fn retire_project(id: String, reason: String) -> Result<(), ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX), ("reason", &reason, crate::model::REASON_MAX)]))?;
    respond(services()?.projects.retire(&caller, &id, &reason).await)
}

#[server(endpoint = "cancel_project_request")]
pub async fn cancel_project_request(id: String) -> Result<(), ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX)]))?;
    respond(services()?.projects.cancel(&caller, &id).await)
}

/// Starts a failed provisioning again (platform admins).
#[server(endpoint = "retry_project_request")]
pub async fn retry_project_request(id: String) -> Result<(), ApiError> {
    let caller = require(Role::Admin).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX)]))?;
    respond(services()?.projects.retry(&caller, &id).await)
}

#[server(endpoint = "change_project_member", input = Json)]
pub async fn change_project_member(id: String, change: MemberChange) -> Result<(), ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(crate::model::capped(&[
        ("id", &id, crate::model::ID_MAX),
        ("principal", &change.principal.id, crate::model::ID_MAX),
    ]))?;
    respond(services()?.projects.change_member(&caller, &id, change).await)
}
