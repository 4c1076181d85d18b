//! Platform admin: domain units, owners, profile grants, approval settings, profiles.
//! Every function here is for platform admins only.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::model::{ApiError, NewProfileGrant, Principal, ProfileSummary, UnitDetail};

#[cfg(feature = "ssr")]
use super::ports::{require, respond, services};
#[cfg(feature = "ssr")]
use crate::model::Role;

#[server(endpoint = "admin_unit")]
pub async fn admin_unit(id: String) -> Result<UnitDetail, ApiError> {
    require(Role::Admin).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX)]))?;
    respond(services()?.admin.unit(&id).await)
}

/// Creates a domain unit under `parent_id`; answers with its id.
#[server(endpoint = "create_domain_unit")]
pub async fn create_domain_unit(parent_id: String, name: String, description: String) -> Result<String, ApiError> {
    let caller = require(Role::Admin).await?;
    respond(crate::model::capped(&[
        ("parent_id", &parent_id, crate::model::ID_MAX),
        ("name", &name, 128),
        ("description", &description, 2048),
    ]))?;
    respond(services()?.admin.create_unit(&caller, &parent_id, &name, &description).await)
}

#[server(endpoint = "update_domain_unit")]
pub async fn update_domain_unit(id: String, name: String, description: String) -> Result<(), ApiError> {
    let caller = require(Role::Admin).await?;
    respond(crate::model::capped(&[
        ("id", &id, crate::model::ID_MAX),
        ("name", &name, 128),
        ("description", &description, 2048),
    ]))?;
    respond(services()?.admin.update_unit(&caller, &id, &name, &description).await)
}

/// Adds (`add`) or removes an owner of a domain unit.
#[server(endpoint = "set_unit_owner", input = Json)]
pub async fn set_unit_owner(unit_id: String, owner: Principal, add: bool) -> Result<(), ApiError> {
    let caller = require(Role::Admin).await?;
    respond(crate::model::capped(&[
        ("unit_id", &unit_id, crate::model::ID_MAX),
        ("owner", &owner.id, crate::model::ID_MAX),
    ]))?;
    respond(services()?.admin.set_owner(&caller, &unit_id, owner, add).await)
}

/// Lets a principal create projects from the given profiles in a unit.
#[server(endpoint = "grant_profiles", input = Json)]
pub async fn grant_profiles(grant: NewProfileGrant) -> Result<(), ApiError> {
    let caller = require(Role::Admin).await?;
    respond(crate::model::capped(&[
        ("unit_id", &grant.unit_id, crate::model::ID_MAX),
        ("principal", &grant.principal, crate::model::ID_MAX),
    ]))?;
    respond(services()?.admin.grant(&caller, grant).await)
}

#[server(endpoint = "revoke_profile_grant")]
pub async fn revoke_profile_grant(unit_id: String, principal: String) -> Result<(), ApiError> {
    let caller = require(Role::Admin).await?;
    respond(crate::model::capped(&[
        ("unit_id", &unit_id, crate::model::ID_MAX),
        ("principal", &principal, crate::model::ID_MAX),
    ]))?;
    respond(services()?.admin.revoke(&caller, &unit_id, &principal).await)
}

/// Whether Dev project requests in the unit are approved without a person.
#[server(endpoint = "set_unit_approval")]
pub async fn set_unit_approval(unit_id: String, auto_approve_dev: bool) -> Result<(), ApiError> {
    let caller = require(Role::Admin).await?;
    respond(crate::model::capped(&[("unit_id", &unit_id, crate::model::ID_MAX)]))?;
    respond(services()?.admin.set_approval(&caller, &unit_id, auto_approve_dev).await)
}

/// Whether stewards may decide, for the unit's assets, requests they made or for projects
/// they belong to (separation of duties; off by default, every such decision is audited).
#[server(endpoint = "set_unit_self_decisions")]
pub async fn set_unit_self_decisions(unit_id: String, allow: bool) -> Result<(), ApiError> {
    let caller = require(Role::Admin).await?;
    respond(crate::model::capped(&[("unit_id", &unit_id, crate::model::ID_MAX)]))?;
    respond(services()?.admin.set_self_decisions(&caller, &unit_id, allow).await)
}

#[server(endpoint = "project_profiles")]
pub async fn project_profiles() -> Result<Vec<ProfileSummary>, ApiError> {
    require(Role::Admin).await?;
    respond(services()?.admin.profiles().await)
}

#[server(endpoint = "set_profile_enabled")]
pub async fn set_profile_enabled(id: String, enabled: bool) -> Result<(), ApiError> {
    let caller = require(Role::Admin).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX)]))?;
    respond(services()?.admin.set_profile_enabled(&caller, &id, enabled).await)
}
