//! DataZone (restJson1): operation routing by method and path, and helpers the areas share.

mod catalog;
mod domains;
mod events;
mod grants;
mod products;
mod profiles;
mod projects;
mod subscriptions;
mod units;
mod users;

use axum::http::Method;
use serde_json::Value;

pub use self::events::announce_grants;
use crate::dispatch::{Call, Handler, Route};
use crate::state::{Principal, State};
use crate::wire::{self, ApiError, DOMAIN_ID, RESOURCE_ID};

/// Maps `METHOD /v2/domains/...` (percent-decoded segments) to an operation.
pub fn route(method: &Method, segments: &[String]) -> Option<Route> {
    let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
    let (operation, handler, labels): (&'static str, Handler, Vec<&str>) = match (method.as_str(), segs.as_slice()) {
        ("GET", ["v2", "domains"]) => ("ListDomains", domains::list_domains, vec![]),
        ("GET", ["v2", "domains", id]) => ("GetDomain", domains::get_domain, vec![*id]),

        ("POST", ["v2", "domains", d, "projects"]) => ("CreateProject", projects::create_project, vec![*d]),
        ("GET", ["v2", "domains", d, "projects"]) => ("ListProjects", projects::list_projects, vec![*d]),
        ("GET", ["v2", "domains", d, "projects", id]) => ("GetProject", projects::get_project, vec![*d, *id]),
        ("PATCH", ["v2", "domains", d, "projects", id]) => ("UpdateProject", projects::update_project, vec![*d, *id]),
        ("DELETE", ["v2", "domains", d, "projects", id]) => ("DeleteProject", projects::delete_project, vec![*d, *id]),
        ("POST", ["v2", "domains", d, "projects", p, "createMembership"]) => {
            ("CreateProjectMembership", projects::create_membership, vec![*d, *p])
        }
        ("POST", ["v2", "domains", d, "projects", p, "deleteMembership"]) => {
            ("DeleteProjectMembership", projects::delete_membership, vec![*d, *p])
        }
        ("GET", ["v2", "domains", d, "projects", p, "memberships"]) => {
            ("ListProjectMemberships", projects::list_memberships, vec![*d, *p])
        }
        ("GET", ["v2", "domains", d, "environments"]) => ("ListEnvironments", projects::list_environments, vec![*d]),
        ("GET", ["v2", "domains", d, "project-profiles"]) => ("ListProjectProfiles", profiles::list_profiles, vec![*d]),
        ("POST", ["v2", "domains", d, "project-profiles"]) => {
            ("CreateProjectProfile", profiles::create_profile, vec![*d])
        }
        ("GET", ["v2", "domains", d, "project-profiles", id]) => {
            ("GetProjectProfile", profiles::get_profile, vec![*d, *id])
        }
        ("PATCH", ["v2", "domains", d, "project-profiles", id]) => {
            ("UpdateProjectProfile", profiles::update_profile, vec![*d, *id])
        }
        ("GET", ["v2", "domains", d, "environment-blueprint-configurations"]) => {
            ("ListEnvironmentBlueprintConfigurations", profiles::list_blueprint_configurations, vec![*d])
        }

        ("GET", ["v2", "domains", d, "domain-units"]) => ("ListDomainUnitsForParent", units::list_units, vec![*d]),
        ("POST", ["v2", "domains", d, "domain-units"]) => ("CreateDomainUnit", units::create_unit, vec![*d]),
        ("GET", ["v2", "domains", d, "domain-units", id]) => ("GetDomainUnit", units::get_unit, vec![*d, *id]),
        ("PUT", ["v2", "domains", d, "domain-units", id]) => ("UpdateDomainUnit", units::update_unit, vec![*d, *id]),
        ("POST", ["v2", "domains", d, "entities", kind, entity, "addOwner"]) => {
            ("AddEntityOwner", units::add_owner, vec![*d, *kind, *entity])
        }
        ("POST", ["v2", "domains", d, "entities", kind, entity, "removeOwner"]) => {
            ("RemoveEntityOwner", units::remove_owner, vec![*d, *kind, *entity])
        }

        ("POST", ["v2", "domains", d, "policies", "managed", kind, entity, "addGrant"]) => {
            ("AddPolicyGrant", grants::add_grant, vec![*d, *kind, *entity])
        }
        ("POST", ["v2", "domains", d, "policies", "managed", kind, entity, "removeGrant"]) => {
            ("RemovePolicyGrant", grants::remove_grant, vec![*d, *kind, *entity])
        }
        ("GET", ["v2", "domains", d, "policies", "managed", kind, entity, "grants"]) => {
            ("ListPolicyGrants", grants::list_grants, vec![*d, *kind, *entity])
        }

        ("POST", ["v2", "domains", d, "search"]) => ("Search", catalog::search, vec![*d]),
        ("POST", ["v2", "domains", d, "listings", "search"]) => ("SearchListings", catalog::search_listings, vec![*d]),
        ("GET", ["v2", "domains", d, "listings", id]) => ("GetListing", catalog::get_listing, vec![*d, *id]),
        ("GET", ["v2", "domains", d, "assets", id]) => ("GetAsset", catalog::get_asset, vec![*d, *id]),
        ("POST", ["v2", "domains", d, "assets"]) => ("CreateAsset", catalog::create_asset, vec![*d]),
        ("POST", ["v2", "domains", d, "assets", id, "revisions"]) => {
            ("CreateAssetRevision", catalog::create_asset_revision, vec![*d, *id])
        }
        ("GET", ["v2", "domains", d, "assets", id, "revisions"]) => {
            ("ListAssetRevisions", catalog::list_asset_revisions, vec![*d, *id])
        }
        ("POST", ["v2", "domains", d, "listings", "change-set"]) => {
            ("CreateListingChangeSet", catalog::create_listing_change_set, vec![*d])
        }
        ("POST", ["v2", "domains", d, "types-search"]) => ("SearchTypes", catalog::search_types, vec![*d]),
        ("GET", ["v2", "domains", d, "form-types", id]) => ("GetFormType", catalog::get_form_type, vec![*d, *id]),
        ("POST", ["v2", "domains", d, "data-products"]) => ("CreateDataProduct", products::create_product, vec![*d]),
        ("GET", ["v2", "domains", d, "data-products", id]) => ("GetDataProduct", products::get_product, vec![*d, *id]),
        ("POST", ["v2", "domains", d, "data-products", id, "revisions"]) => {
            ("CreateDataProductRevision", products::create_product_revision, vec![*d, *id])
        }
        ("GET", ["v2", "domains", d, "data-products", id, "revisions"]) => {
            ("ListDataProductRevisions", products::list_product_revisions, vec![*d, *id])
        }
        ("GET", ["v2", "domains", d, "glossaries", id]) => ("GetGlossary", catalog::get_glossary, vec![*d, *id]),
        ("GET", ["v2", "domains", d, "glossary-terms", id]) => ("GetGlossaryTerm", catalog::get_term, vec![*d, *id]),

        ("POST", ["v2", "domains", d, "subscription-requests"]) => {
            ("CreateSubscriptionRequest", subscriptions::create_request, vec![*d])
        }
        ("GET", ["v2", "domains", d, "subscription-requests"]) => {
            ("ListSubscriptionRequests", subscriptions::list_requests, vec![*d])
        }
        ("GET", ["v2", "domains", d, "subscription-requests", id]) => {
            ("GetSubscriptionRequestDetails", subscriptions::get_request, vec![*d, *id])
        }
        ("PUT", ["v2", "domains", d, "subscription-requests", id, "accept"]) => {
            ("AcceptSubscriptionRequest", subscriptions::accept_request, vec![*d, *id])
        }
        ("PUT", ["v2", "domains", d, "subscription-requests", id, "reject"]) => {
            ("RejectSubscriptionRequest", subscriptions::reject_request, vec![*d, *id])
        }
        ("GET", ["v2", "domains", d, "subscriptions"]) => {
            ("ListSubscriptions", subscriptions::list_subscriptions, vec![*d])
        }
        ("GET", ["v2", "domains", d, "subscriptions", id]) => {
            ("GetSubscription", subscriptions::get_subscription, vec![*d, *id])
        }
        ("PUT", ["v2", "domains", d, "subscriptions", id, "revoke"]) => {
            ("RevokeSubscription", subscriptions::revoke_subscription, vec![*d, *id])
        }
        ("PUT", ["v2", "domains", d, "subscriptions", id, "cancel"]) => {
            ("CancelSubscription", subscriptions::cancel_subscription, vec![*d, *id])
        }
        ("GET", ["v2", "domains", d, "subscription-grants"]) => {
            ("ListSubscriptionGrants", subscriptions::list_grants, vec![*d])
        }
        ("POST", ["v2", "domains", d, "subscription-grants"]) => {
            ("CreateSubscriptionGrant", subscriptions::create_grant, vec![*d])
        }
        ("GET", ["v2", "domains", d, "subscription-grants", id]) => {
            ("GetSubscriptionGrant", subscriptions::get_grant, vec![*d, *id])
        }
        ("DELETE", ["v2", "domains", d, "subscription-grants", id]) => {
            ("DeleteSubscriptionGrant", subscriptions::delete_grant, vec![*d, *id])
        }

        ("GET", ["v2", "domains", d, "user-profiles", user]) => {
            ("GetUserProfile", users::get_user_profile, vec![*d, *user])
        }
        ("POST", ["v2", "domains", d, "search-user-profiles"]) => {
            ("SearchUserProfiles", users::search_user_profiles, vec![*d])
        }
        ("POST", ["v2", "domains", d, "search-group-profiles"]) => {
            ("SearchGroupProfiles", users::search_group_profiles, vec![*d])
        }
        _ => return None,
    };
    Some(Route { operation, handler, labels: labels.into_iter().map(str::to_owned).collect() })
}

/// Operations whose model lists no ResourceNotFoundException: for them DataZone answers an
/// unknown domain or entity with AccessDeniedException, which the SDKs then type correctly.
const WITHOUT_NOT_FOUND: &[&str] = &[
    "ListProjects",
    "ListProjectProfiles",
    "ListDomainUnitsForParent",
    "CreateDomainUnit",
    "AddPolicyGrant",
    "RemovePolicyGrant",
    "ListPolicyGrants",
    "Search",
    "SearchListings",
    "ListEnvironments",
];

/// Turns an error into one the operation's model declares.
pub fn modeled_error(operation: &str, err: ApiError) -> ApiError {
    if err.code == "ResourceNotFoundException" && WITHOUT_NOT_FOUND.contains(&operation) {
        ApiError::access_denied(err.message)
    } else {
        err
    }
}

/// Checks the `domainIdentifier` label and returns the id of an existing domain.
pub fn domain_id(state: &State, call: &Call) -> Result<String, ApiError> {
    let id = call.label(0);
    wire::check_pattern("domainIdentifier", id, &DOMAIN_ID)?;
    Ok(state.domain(id)?.id.clone())
}

/// Checks a resource id label (`identifier`, `projectIdentifier`, ...) against the model pattern.
pub fn id_label<'c>(call: &'c Call, index: usize, field: &str) -> Result<&'c str, ApiError> {
    let id = call.label(index);
    wire::check_pattern(field, id, &RESOURCE_ID)?;
    Ok(id)
}

/// Resolves a `Member` union (`userIdentifier` / `groupIdentifier`) to a known principal.
pub fn resolve_member(state: &State, member: &Value) -> Result<Principal, ApiError> {
    let (key, value) = wire::union_key("member", member)?;
    let identifier = value.as_str().ok_or_else(|| ApiError::validation(format!("member.{key} must be a string")))?;
    match key {
        "userIdentifier" => state
            .user_by_any(identifier)
            .map(|u| Principal::User(u.id.clone()))
            .ok_or_else(|| ApiError::not_found(format!("User {identifier} not found"))),
        "groupIdentifier" => state
            .group_by_any(identifier)
            .map(|g| Principal::Group(g.id.clone()))
            .ok_or_else(|| ApiError::not_found(format!("Group {identifier} not found"))),
        other => Err(ApiError::validation(format!("member.{other} is not a member of the Member union"))),
    }
}

/// Sort order for list operations' `sortOrder`, with the model's enum check.
pub fn descending(call: &Call, default_descending: bool) -> Result<bool, ApiError> {
    match call.query("sortOrder") {
        None => Ok(default_descending),
        Some(order) => {
            wire::check_enum("sortOrder", order, &["ASCENDING", "DESCENDING"])?;
            Ok(order == "DESCENDING")
        }
    }
}
