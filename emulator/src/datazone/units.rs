//! Domain units: the business-area tree, its owners and its depth limit.

use serde::Deserialize;
use serde_json::{json, Value};

use super::domain_id;
use crate::dispatch::Call;
use crate::ids::new_resource_id;
use crate::state::{DomainUnit, Principal, State};
use crate::wire::{self, epoch, ApiError, Outcome, Reply, CLIENT_TOKEN, DOMAIN_UNIT_ID, NAME};

/// DataZone allows five levels of units below the root.
const MAX_DEPTH: usize = 5;

fn owners(u: &DomainUnit) -> Vec<Value> {
    u.owners
        .iter()
        .map(|o| match o {
            Principal::User(id) => json!({"user": {"userId": id}}),
            Principal::Group(id) => json!({"group": {"groupId": id}}),
        })
        .collect()
}

fn unit_json(u: &DomainUnit) -> Value {
    json!({
        "id": u.id,
        "domainId": u.domain_id,
        "name": u.name,
        "parentDomainUnitId": u.parent_id,
        "description": u.description,
        "owners": owners(u),
        "createdAt": epoch(u.created_at),
        "lastUpdatedAt": epoch(u.updated_at),
        "createdBy": u.created_by,
        "lastUpdatedBy": u.updated_by,
    })
}

/// Ids from the root down to the unit's parent.
fn ancestors(state: &State, unit: &DomainUnit) -> Vec<String> {
    let mut chain = Vec::new();
    let mut parent = unit.parent_id.clone();
    while let Some(id) = parent {
        parent = state.units.iter().find(|u| u.id == id).and_then(|u| u.parent_id.clone());
        chain.push(id);
    }
    chain.reverse();
    chain
}

fn check_unit_id(field: &str, id: &str) -> Result<(), ApiError> {
    wire::check_len(field, id, 1, 256)?;
    wire::check_pattern(field, id, &DOMAIN_UNIT_ID)
}

fn check_name(name: &str) -> Result<(), ApiError> {
    wire::check_len("name", name, 1, 128)?;
    wire::check_pattern("name", name, &NAME)
}

pub fn get_unit(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = call.label(1);
    check_unit_id("identifier", id)?;
    Ok(Reply::ok(unit_json(state.unit(&domain, id)?)))
}

pub fn list_units(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let parent = call
        .query("parentDomainUnitIdentifier")
        .ok_or_else(|| ApiError::validation("parentDomainUnitIdentifier is required"))?;
    check_unit_id("parentDomainUnitIdentifier", parent)?;
    let page = call.query_page((1, 25))?;
    state.unit(&domain, parent)?;
    let items: Vec<Value> = state
        .units
        .iter()
        .filter(|u| u.domain_id == domain && u.parent_id.as_deref() == Some(parent))
        .map(|u| json!({"name": u.name, "id": u.id}))
        .collect();
    let (items, next) = page.page(items);
    Ok(Reply::ok(json!({"items": items, "nextToken": next})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateUnitInput {
    name: String,
    parent_domain_unit_identifier: String,
    description: Option<String>,
    client_token: Option<String>,
}

fn sibling_named(state: &State, parent: &str, name: &str, except: Option<&str>) -> bool {
    state
        .units
        .iter()
        .any(|u| u.parent_id.as_deref() == Some(parent) && u.name == name && Some(u.id.as_str()) != except)
}

fn created_json(state: &State, u: &DomainUnit) -> Value {
    json!({
        "id": u.id,
        "domainId": u.domain_id,
        "name": u.name,
        "parentDomainUnitId": u.parent_id,
        "description": u.description,
        "owners": owners(u),
        "ancestorDomainUnitIds": ancestors(state, u),
        "createdAt": epoch(u.created_at),
        "createdBy": u.created_by,
    })
}

pub fn create_unit(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let input: CreateUnitInput = call.body()?;
    check_name(&input.name)?;
    check_unit_id("parentDomainUnitIdentifier", &input.parent_domain_unit_identifier)?;
    wire::check_opt_len("description", input.description.as_deref(), 0, 2048)?;
    if let Some(token) = &input.client_token {
        wire::check_len("clientToken", token, 1, 128)?;
        wire::check_pattern("clientToken", token, &CLIENT_TOKEN)?;
        let key = (call.operation, token.clone());
        if let Some(id) = state.client_tokens.get(&key) {
            let unit = state.unit(&domain, id)?;
            return Ok(Reply::created(created_json(state, unit)));
        }
    }
    let parent = state.unit(&domain, &input.parent_domain_unit_identifier).map_err(|_| {
        ApiError::validation(format!("Parent domain unit {} does not exist", input.parent_domain_unit_identifier))
    })?;
    if ancestors(state, parent).len() + 1 > MAX_DEPTH {
        return Err(ApiError::quota_exceeded(format!("Domain units can be nested at most {MAX_DEPTH} levels deep")));
    }
    if sibling_named(state, &parent.id, &input.name, None) {
        return Err(ApiError::conflict(format!("A domain unit named {} already exists under this parent", input.name)));
    }
    let unit = DomainUnit {
        id: new_resource_id(),
        domain_id: domain,
        name: input.name,
        parent_id: Some(parent.id.clone()),
        description: input.description,
        owners: Vec::new(),
        created_at: call.now,
        updated_at: call.now,
        created_by: call.caller.to_owned(),
        updated_by: call.caller.to_owned(),
    };
    let body = created_json(state, &unit);
    if let Some(token) = input.client_token {
        state.client_tokens.insert((call.operation, token), unit.id.clone());
    }
    state.units.push(unit);
    Ok(Reply::created(body))
}

#[derive(Deserialize)]
struct UpdateUnitInput {
    name: Option<String>,
    description: Option<String>,
}

pub fn update_unit(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = call.label(1).to_owned();
    check_unit_id("identifier", &id)?;
    let input: UpdateUnitInput = call.body()?;
    if let Some(name) = &input.name {
        check_name(name)?;
    }
    wire::check_opt_len("description", input.description.as_deref(), 0, 2048)?;
    let unit = state.unit(&domain, &id)?;
    if let (Some(name), Some(parent)) = (&input.name, &unit.parent_id) {
        if sibling_named(state, parent, name, Some(&id)) {
            return Err(ApiError::conflict(format!("A domain unit named {name} already exists under this parent")));
        }
    }
    let unit = state
        .units
        .iter_mut()
        .find(|u| u.domain_id == domain && u.id == id)
        .ok_or_else(|| ApiError::not_found(format!("Domain unit {id} not found")))?;
    if let Some(name) = input.name {
        unit.name = name;
    }
    if let Some(description) = input.description {
        unit.description = Some(description);
    }
    unit.updated_at = call.now;
    call.caller.clone_into(&mut unit.updated_by);
    Ok(Reply::ok(unit_json(unit)))
}

#[derive(Deserialize)]
struct OwnerInput {
    owner: Value,
}

/// The unit an owner change is about and the owner, from an `OwnerProperties` union
/// (`{"user":{"userIdentifier"}}` or `{"group":{"groupIdentifier"}}`).
fn owner_change(state: &State, call: &Call) -> Result<(String, String, Principal), ApiError> {
    let domain = domain_id(state, call)?;
    wire::check_enum("entityType", call.label(1), &["DOMAIN_UNIT"])?;
    let unit = state.unit(&domain, call.label(2))?.id.clone();
    let input: OwnerInput = call.body()?;
    let (key, value) = wire::union_key("owner", &input.owner)?;
    let member = match key {
        "user" => json!({ "userIdentifier": value.get("userIdentifier").cloned().unwrap_or(Value::Null) }),
        "group" => json!({ "groupIdentifier": value.get("groupIdentifier").cloned().unwrap_or(Value::Null) }),
        other => {
            return Err(ApiError::validation(format!("owner.{other} is not a member of the OwnerProperties union")))
        }
    };
    Ok((domain, unit, super::resolve_member(state, &member)?))
}

pub fn add_owner(state: &mut State, call: &Call) -> Outcome {
    let (domain, id, owner) = owner_change(state, call)?;
    let unit = state.units.iter_mut().find(|u| u.domain_id == domain && u.id == id).expect("checked above");
    if !unit.owners.contains(&owner) {
        if unit.owners.len() >= 20 {
            return Err(ApiError::quota_exceeded("A domain unit has at most 20 owners"));
        }
        unit.owners.push(owner);
        unit.updated_at = call.now;
    }
    Ok(Reply::created(json!({})))
}

pub fn remove_owner(state: &mut State, call: &Call) -> Outcome {
    let (domain, id, owner) = owner_change(state, call)?;
    let unit = state.units.iter_mut().find(|u| u.domain_id == domain && u.id == id).expect("checked above");
    unit.owners.retain(|o| o != &owner);
    unit.updated_at = call.now;
    Ok(Reply::Empty(axum::http::StatusCode::NO_CONTENT))
}
