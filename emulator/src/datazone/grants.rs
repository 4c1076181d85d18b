//! Managed policy grants on domain units and other entities: add, remove, list.

use serde::Deserialize;
use serde_json::{json, Value};

use super::domain_id;
use crate::dispatch::Call;
use crate::ids::IdGen;
use crate::state::{PolicyGrant, State};
use crate::wire::{self, epoch, ApiError, Outcome, PageRequest, Reply, CLIENT_TOKEN};

const ENTITY_TYPES: &[&str] =
    &["DOMAIN_UNIT", "ENVIRONMENT_BLUEPRINT_CONFIGURATION", "ENVIRONMENT_PROFILE", "ASSET_TYPE"];

const POLICY_TYPES: &[&str] = &[
    "CREATE_DOMAIN_UNIT",
    "OVERRIDE_DOMAIN_UNIT_OWNERS",
    "ADD_TO_PROJECT_MEMBER_POOL",
    "OVERRIDE_PROJECT_OWNERS",
    "CREATE_GLOSSARY",
    "CREATE_FORM_TYPE",
    "CREATE_ASSET_TYPE",
    "CREATE_PROJECT",
    "CREATE_ENVIRONMENT_PROFILE",
    "DELEGATE_CREATE_ENVIRONMENT_PROFILE",
    "CREATE_ENVIRONMENT",
    "CREATE_ENVIRONMENT_FROM_BLUEPRINT",
    "CREATE_PROJECT_FROM_PROJECT_PROFILE",
    "USE_ASSET_TYPE",
];

const DETAIL_MEMBERS: &[&str] = &[
    "createDomainUnit",
    "overrideDomainUnitOwners",
    "addToProjectMemberPool",
    "overrideProjectOwners",
    "createGlossary",
    "createFormType",
    "createAssetType",
    "createProject",
    "createEnvironmentProfile",
    "delegateCreateEnvironmentProfile",
    "createEnvironment",
    "createEnvironmentFromBlueprint",
    "createProjectFromProjectProfile",
    "useAssetType",
];

/// The entity a grant is attached to, from the path, checked against the model and the state.
fn entity(state: &State, call: &Call, domain: &str) -> Result<(String, String), ApiError> {
    let entity_type = call.label(1);
    wire::check_enum("entityType", entity_type, ENTITY_TYPES)?;
    let entity_id = call.label(2);
    if entity_type == "DOMAIN_UNIT" {
        state.unit(domain, entity_id)?;
    }
    Ok((entity_type.to_owned(), entity_id.to_owned()))
}

/// Validates the `PolicyGrantPrincipal` union down to its nested unions and enums.
fn check_principal(principal: &Value) -> Result<(), ApiError> {
    let (key, inner) = wire::union_key("principal", principal)?;
    match key {
        "user" => {
            let (member, _) = wire::union_key("principal.user", inner)?;
            if !["userIdentifier", "allUsersGrantFilter"].contains(&member) {
                return Err(ApiError::validation(format!(
                    "principal.user.{member} is not a member of UserPolicyGrantPrincipal"
                )));
            }
        }
        "group" => {
            let (member, _) = wire::union_key("principal.group", inner)?;
            if member != "groupIdentifier" {
                return Err(ApiError::validation(format!(
                    "principal.group.{member} is not a member of GroupPolicyGrantPrincipal"
                )));
            }
        }
        "project" => {
            let designation = inner["projectDesignation"]
                .as_str()
                .ok_or_else(|| ApiError::validation("principal.project.projectDesignation is required"))?;
            wire::check_enum(
                "principal.project.projectDesignation",
                designation,
                &["OWNER", "CONTRIBUTOR", "PROJECT_CATALOG_STEWARD", "USER_CREATED_DESIGNATION"],
            )?;
        }
        "domainUnit" => {
            let designation = inner["domainUnitDesignation"]
                .as_str()
                .ok_or_else(|| ApiError::validation("principal.domainUnit.domainUnitDesignation is required"))?;
            wire::check_enum("principal.domainUnit.domainUnitDesignation", designation, &["OWNER"])?;
        }
        other => {
            return Err(ApiError::validation(format!("principal.{other} is not a member of PolicyGrantPrincipal")));
        }
    }
    Ok(())
}

fn check_token(token: Option<&str>) -> Result<(), ApiError> {
    if let Some(token) = token {
        wire::check_len("clientToken", token, 1, 128)?;
        wire::check_pattern("clientToken", token, &CLIENT_TOKEN)?;
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AddGrantInput {
    policy_type: String,
    principal: Value,
    detail: Value,
    client_token: Option<String>,
}

pub fn add_grant(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let (entity_type, entity_id) = entity(state, call, &domain)?;
    let input: AddGrantInput = call.body()?;
    wire::check_enum("policyType", &input.policy_type, POLICY_TYPES)?;
    check_principal(&input.principal)?;
    let (detail_key, _) = wire::union_key("detail", &input.detail)?;
    wire::check_enum("detail", detail_key, DETAIL_MEMBERS)?;
    check_token(input.client_token.as_deref())?;
    if let Some(token) = &input.client_token {
        if let Some(id) = state.client_tokens.get(&(call.operation, token.clone())) {
            return Ok(Reply::created(json!({"grantId": id})));
        }
    }
    let principal = wire::strip_nulls(input.principal);
    let detail = wire::strip_nulls(input.detail);
    // The same grant twice is one grant: DataZone answers with the existing id.
    let existing = state.policy_grants.iter().find(|g| {
        g.domain_id == domain
            && g.entity_type == entity_type
            && g.entity_id == entity_id
            && g.policy_type == input.policy_type
            && g.principal == principal
            && g.detail == detail
    });
    let grant_id = if let Some(g) = existing {
        g.grant_id.clone()
    } else {
        let grant_id = IdGen::random().grant();
        state.policy_grants.push(PolicyGrant {
            domain_id: domain,
            entity_type,
            entity_id,
            policy_type: input.policy_type,
            principal,
            detail,
            grant_id: grant_id.clone(),
            created_at: call.now,
            created_by: call.caller.to_owned(),
        });
        grant_id
    };
    if let Some(token) = input.client_token {
        state.client_tokens.insert((call.operation, token), grant_id.clone());
    }
    Ok(Reply::created(json!({ "grantId": grant_id })))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RemoveGrantInput {
    policy_type: String,
    principal: Value,
    grant_identifier: Option<String>,
    client_token: Option<String>,
}

pub fn remove_grant(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let (entity_type, entity_id) = entity(state, call, &domain)?;
    let input: RemoveGrantInput = call.body()?;
    wire::check_enum("policyType", &input.policy_type, POLICY_TYPES)?;
    check_principal(&input.principal)?;
    check_token(input.client_token.as_deref())?;
    let principal = wire::strip_nulls(input.principal);
    // Removing a grant that is already gone succeeds: the model has no not-found error here.
    state.policy_grants.retain(|g| {
        !(g.domain_id == domain
            && g.entity_type == entity_type
            && g.entity_id == entity_id
            && g.policy_type == input.policy_type
            && g.principal == principal
            && input.grant_identifier.as_ref().is_none_or(|id| &g.grant_id == id))
    });
    Ok(Reply::Empty(axum::http::StatusCode::NO_CONTENT))
}

pub fn list_grants(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let (entity_type, entity_id) = entity(state, call, &domain)?;
    let policy_type = call.query("policyType").ok_or_else(|| ApiError::validation("policyType is required"))?;
    wire::check_enum("policyType", policy_type, POLICY_TYPES)?;
    let page = PageRequest::new(call.query_int("maxResults")?, call.query("nextToken"), (1, 25))?;
    let items: Vec<Value> = state
        .policy_grants
        .iter()
        .filter(|g| {
            g.domain_id == domain
                && g.entity_type == entity_type
                && g.entity_id == entity_id
                && g.policy_type == policy_type
        })
        .map(|g| {
            json!({
                "principal": g.principal,
                "detail": g.detail,
                "createdAt": epoch(g.created_at),
                "createdBy": g.created_by,
                "grantId": g.grant_id,
            })
        })
        .collect();
    let (items, next) = page.page(items);
    Ok(Reply::ok(json!({"grantList": items, "nextToken": next})))
}
