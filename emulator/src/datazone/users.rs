//! DataZone user and group profiles, mirrored from the Identity Center directory.

use serde::Deserialize;
use serde_json::{json, Value};

use super::domain_id;
use crate::dispatch::Call;
use crate::state::{Group, State, User};
use crate::wire::{self, ApiError, Outcome, PageRequest, Reply};

/// SSO user profiles share their id with the Identity Center user, as in a real domain.
fn user_profile(domain: &str, u: &User) -> Value {
    json!({
        "domainId": domain,
        "id": u.id,
        "type": "SSO",
        "status": "ACTIVATED",
        "details": {"sso": {
            "username": u.user_name,
            "firstName": u.given_name,
            "lastName": u.family_name,
        }},
    })
}

fn group_profile(domain: &str, g: &Group) -> Value {
    json!({
        "domainId": domain,
        "id": g.id,
        "status": "ASSIGNED",
        "groupName": g.name,
    })
}

pub fn get_user_profile(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let identifier = call.label(1);
    if let Some(kind) = call.query("type") {
        wire::check_enum("type", kind, &["IAM", "SSO"])?;
        if kind == "IAM" {
            return Err(ApiError::not_found(format!("No IAM user profile for {identifier}")));
        }
    }
    if let Some(session) = call.query("sessionName") {
        wire::check_len("sessionName", session, 2, 64)?;
    }
    let user = state
        .user_by_any(identifier)
        .ok_or_else(|| ApiError::not_found(format!("User profile {identifier} not found")))?;
    Ok(Reply::ok(user_profile(&domain, user)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchUsersInput {
    user_type: String,
    search_text: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

fn matches(text: Option<&str>, fields: &[&str]) -> bool {
    let Some(text) = text.map(str::to_lowercase).filter(|t| !t.is_empty()) else {
        return true;
    };
    fields.iter().any(|f| f.to_lowercase().contains(&text))
}

pub fn search_user_profiles(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let input: SearchUsersInput = call.body()?;
    wire::check_enum(
        "userType",
        &input.user_type,
        &["SSO_USER", "DATAZONE_USER", "DATAZONE_SSO_USER", "DATAZONE_IAM_USER"],
    )?;
    wire::check_opt_len("searchText", input.search_text.as_deref(), 0, 1024)?;
    let page = PageRequest::new(input.max_results, input.next_token.as_deref(), (1, 50))?;
    let items: Vec<Value> = state
        .users
        .iter()
        .filter(|_| input.user_type != "DATAZONE_IAM_USER")
        .filter(|u| matches(input.search_text.as_deref(), &[&u.user_name, &u.display_name, &u.email]))
        .map(|u| user_profile(&domain, u))
        .collect();
    let (items, next) = page.page(items);
    Ok(Reply::ok(json!({"items": items, "nextToken": next})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchGroupsInput {
    group_type: String,
    search_text: Option<String>,
    max_results: Option<i64>,
    next_token: Option<String>,
}

pub fn search_group_profiles(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let input: SearchGroupsInput = call.body()?;
    wire::check_enum("groupType", &input.group_type, &["SSO_GROUP", "DATAZONE_SSO_GROUP", "IAM_ROLE_SESSION_GROUP"])?;
    wire::check_opt_len("searchText", input.search_text.as_deref(), 0, 1024)?;
    let page = PageRequest::new(input.max_results, input.next_token.as_deref(), (1, 50))?;
    let items: Vec<Value> = state
        .groups
        .iter()
        .filter(|_| input.group_type != "IAM_ROLE_SESSION_GROUP")
        .filter(|g| matches(input.search_text.as_deref(), &[&g.name]))
        .map(|g| group_profile(&domain, g))
        .collect();
    let (items, next) = page.page(items);
    Ok(Reply::ok(json!({"items": items, "nextToken": next})))
}
