//! Project profiles (environment templates) and the blueprint configurations they draw on.

use serde::Deserialize;
use serde_json::{json, Value};

use super::{descending, domain_id, id_label};
use crate::dispatch::Call;
use crate::ids::new_resource_id;
use crate::state::{ProjectProfile, State};
use crate::wire::{self, iso, ApiError, Outcome, Reply, DOMAIN_UNIT_ID, NAME};

fn summary(p: &ProjectProfile) -> Value {
    json!({
        "domainId": p.domain_id,
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "status": p.status,
        "createdBy": p.created_by,
        "createdAt": iso(p.created_at),
        "lastUpdatedAt": iso(p.updated_at),
        "domainUnitId": p.unit_id,
    })
}

fn detail(p: &ProjectProfile) -> Value {
    let mut value = summary(p);
    value["projectResourceTags"] = json!(p.resource_tags);
    value["allowCustomProjectResourceTags"] = json!(p.allow_custom_tags);
    value["projectResourceTagsDescription"] = json!(p.tags_description);
    value["environmentConfigurations"] = json!(p.environment_configurations);
    value
}

pub fn list_profiles(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let page = call.query_page((1, 50))?;
    let name = call.query("name");
    if let Some(name) = name {
        wire::check_len("name", name, 1, 64)?;
    }
    if let Some(sort) = call.query("sortBy") {
        wire::check_enum("sortBy", sort, &["NAME"])?;
    }
    let descending = descending(call, false)?;
    let mut profiles: Vec<&ProjectProfile> =
        state.profiles.iter().filter(|p| p.domain_id == domain && name.is_none_or(|n| p.name == n)).collect();
    if call.query("sortBy").is_some() {
        profiles.sort_by_key(|p| p.name.to_lowercase());
        if descending {
            profiles.reverse();
        }
    }
    let (items, next) = page.page(profiles.into_iter().map(summary).collect());
    Ok(Reply::ok(json!({"items": items, "nextToken": next})))
}

pub fn get_profile(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?;
    Ok(Reply::ok(detail(state.profile(&domain, id)?)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProfileInput {
    name: Option<String>,
    description: Option<String>,
    status: Option<String>,
    project_resource_tags: Option<Vec<TagParameter>>,
    allow_custom_project_resource_tags: Option<bool>,
    project_resource_tags_description: Option<String>,
    environment_configurations: Option<Vec<Value>>,
    domain_unit_identifier: Option<String>,
}

#[derive(Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct TagParameter {
    key: String,
    value: String,
    is_value_editable: bool,
}

impl ProfileInput {
    fn check(&self) -> Result<(), ApiError> {
        if let Some(name) = &self.name {
            wire::check_len("name", name, 1, 64)?;
            wire::check_pattern("name", name, &NAME)?;
        }
        wire::check_opt_len("description", self.description.as_deref(), 0, 2048)?;
        if let Some(status) = &self.status {
            wire::check_enum("status", status, &["ENABLED", "DISABLED"])?;
        }
        if let Some(tags) = &self.project_resource_tags {
            wire::check_count("projectResourceTags", tags, 0, 25)?;
            for tag in tags {
                wire::check_len("projectResourceTags.key", &tag.key, 1, 128)?;
                wire::check_len("projectResourceTags.value", &tag.value, 0, 256)?;
            }
        }
        wire::check_opt_len(
            "projectResourceTagsDescription",
            self.project_resource_tags_description.as_deref(),
            0,
            2048,
        )?;
        for config in self.environment_configurations.iter().flatten() {
            let name = config["name"]
                .as_str()
                .ok_or_else(|| ApiError::validation("environmentConfigurations.name is required"))?;
            wire::check_len("environmentConfigurations.name", name, 1, 64)?;
            wire::check_pattern("environmentConfigurations.name", name, &NAME)?;
            if !config["environmentBlueprintId"].is_string() {
                return Err(ApiError::validation("environmentConfigurations.environmentBlueprintId is required"));
            }
        }
        if let Some(unit) = &self.domain_unit_identifier {
            wire::check_len("domainUnitIdentifier", unit, 1, 256)?;
            wire::check_pattern("domainUnitIdentifier", unit, &DOMAIN_UNIT_ID)?;
        }
        Ok(())
    }
}

/// Configurations get an id when created, as DataZone assigns one to each.
fn with_ids(configs: Vec<Value>) -> Vec<Value> {
    configs
        .into_iter()
        .map(|mut c| {
            if !c["id"].is_string() {
                c["id"] = json!(new_resource_id());
            }
            c
        })
        .collect()
}

fn name_taken(state: &State, domain: &str, name: &str, except: Option<&str>) -> bool {
    state.profiles.iter().any(|p| p.domain_id == domain && p.name == name && Some(p.id.as_str()) != except)
}

pub fn create_profile(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let input: ProfileInput = call.body()?;
    let name = input.name.clone().ok_or_else(|| ApiError::validation("name is required"))?;
    input.check()?;
    let unit_id = match &input.domain_unit_identifier {
        Some(unit) => state.unit(&domain, unit)?.id.clone(),
        None => state.domain(&domain)?.root_unit_id.clone(),
    };
    if name_taken(state, &domain, &name, None) {
        return Err(ApiError::conflict(format!("A project profile named {name} already exists")));
    }
    let profile = ProjectProfile {
        id: new_resource_id(),
        domain_id: domain,
        name,
        description: input.description,
        status: input.status.unwrap_or_else(|| "ENABLED".into()),
        unit_id,
        environment_configurations: with_ids(input.environment_configurations.unwrap_or_default()),
        resource_tags: input.project_resource_tags.unwrap_or_default().iter().map(|t| json!(t)).collect(),
        allow_custom_tags: input.allow_custom_project_resource_tags,
        tags_description: input.project_resource_tags_description,
        created_at: call.now,
        updated_at: call.now,
        created_by: call.caller.to_owned(),
    };
    let body = detail(&profile);
    state.profiles.push(profile);
    Ok(Reply::created(body))
}

pub fn update_profile(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?.to_owned();
    let input: ProfileInput = call.body()?;
    input.check()?;
    state.profile(&domain, &id)?;
    if let Some(unit) = &input.domain_unit_identifier {
        state.unit(&domain, unit)?;
    }
    if let Some(name) = &input.name {
        if name_taken(state, &domain, name, Some(&id)) {
            return Err(ApiError::conflict(format!("A project profile named {name} already exists")));
        }
    }
    let profile = state
        .profiles
        .iter_mut()
        .find(|p| p.domain_id == domain && p.id == id)
        .ok_or_else(|| ApiError::not_found(format!("Project profile {id} not found")))?;
    if let Some(name) = input.name {
        profile.name = name;
    }
    if let Some(description) = input.description {
        profile.description = Some(description);
    }
    if let Some(status) = input.status {
        profile.status = status;
    }
    if let Some(tags) = input.project_resource_tags {
        profile.resource_tags = tags.iter().map(|t| json!(t)).collect();
    }
    if let Some(allow) = input.allow_custom_project_resource_tags {
        profile.allow_custom_tags = Some(allow);
    }
    if let Some(text) = input.project_resource_tags_description {
        profile.tags_description = Some(text);
    }
    if let Some(configs) = input.environment_configurations {
        profile.environment_configurations = with_ids(configs);
    }
    if let Some(unit) = input.domain_unit_identifier {
        profile.unit_id = unit;
    }
    profile.updated_at = call.now;
    Ok(Reply::ok(detail(profile)))
}

pub fn list_blueprint_configurations(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let page = call.query_page((1, 50))?;
    let d = state.domain(&domain)?;
    let mut blueprints: Vec<&str> = state
        .profiles
        .iter()
        .filter(|p| p.domain_id == domain)
        .flat_map(|p| p.environment_configurations.iter())
        .filter_map(|c| c["environmentBlueprintId"].as_str())
        .collect();
    blueprints.sort_unstable();
    blueprints.dedup();
    let role = |name: &str| format!("arn:aws:iam::{}:role/service-role/AmazonSageMaker{name}", d.account_id);
    let items: Vec<Value> = blueprints
        .into_iter()
        .map(|id| {
            json!({
                "domainId": domain,
                "environmentBlueprintId": id,
                "provisioningRoleArn": role("Provisioning"),
                "manageAccessRoleArn": role("ManageAccess"),
                "enabledRegions": [d.region],
                "createdAt": iso(d.created_at),
                "updatedAt": iso(d.created_at),
            })
        })
        .collect();
    let (items, next) = page.page(items);
    Ok(Reply::ok(json!({"items": items, "nextToken": next})))
}
