//! Projects: lifecycle with timed environment deployment and deletion, memberships, environments.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Value};

use super::{descending, domain_id, id_label, resolve_member};
use crate::dispatch::Call;
use crate::ids::new_resource_id;
use crate::seed::environment_id;
use crate::state::{Deployment, Membership, Principal, Project, State};
use crate::wire::{self, iso, ApiError, Outcome, Reply, DOMAIN_UNIT_ID, NAME, RESOURCE_ID, TAG_KEY, TAG_VALUE};

const DESIGNATIONS: &[&str] = &[
    "PROJECT_OWNER",
    "PROJECT_CONTRIBUTOR",
    "PROJECT_CATALOG_VIEWER",
    "PROJECT_CATALOG_CONSUMER",
    "PROJECT_CATALOG_STEWARD",
    "USER_CREATED_DESIGNATION",
];

fn check_name(name: &str) -> Result<(), ApiError> {
    wire::check_len("name", name, 1, 64)?;
    wire::check_pattern("name", name, &NAME)
}

fn check_tags(tags: Option<&BTreeMap<String, String>>) -> Result<(), ApiError> {
    let Some(tags) = tags else { return Ok(()) };
    if tags.len() > 25 {
        return Err(ApiError::validation("resourceTags must have at most 25 entries"));
    }
    for (key, value) in tags {
        wire::check_len("resourceTags.key", key, 1, 128)?;
        wire::check_pattern("resourceTags.key", key, &TAG_KEY)?;
        wire::check_len("resourceTags.value", value, 0, 256)?;
        wire::check_pattern("resourceTags.value", value, &TAG_VALUE)?;
    }
    Ok(())
}

fn check_terms(terms: Option<&Vec<String>>) -> Result<(), ApiError> {
    terms.map_or(Ok(()), |t| wire::check_count("glossaryTerms", t, 1, 20))
}

fn check_unit_id(field: &str, id: &str) -> Result<(), ApiError> {
    wire::check_len(field, id, 1, 256)?;
    wire::check_pattern(field, id, &DOMAIN_UNIT_ID)
}

/// The name of the environment configuration a failed deployment reports against.
fn first_environment(state: &State, p: &Project) -> String {
    p.profile_id
        .as_ref()
        .and_then(|id| state.profiles.iter().find(|pp| &pp.id == id))
        .and_then(|pp| pp.environment_configurations.first())
        .and_then(|c| c["name"].as_str())
        .unwrap_or("Tooling")
        .to_owned()
}

fn project_json(state: &State, p: &Project, now: chrono::DateTime<chrono::Utc>) -> Value {
    let status = p.deployment.status(now);
    let failures = (status == "FAILED_DEPLOYMENT").then(|| {
        json!({
            first_environment(state, p): [{
                "code": "DEPLOYMENT_FAILED",
                "message": "The environment stack failed to deploy (injected by the emulator).",
            }]
        })
    });
    json!({
        "domainId": p.domain_id,
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "projectStatus": p.status(),
        "createdBy": p.created_by,
        "createdAt": iso(p.created_at),
        "lastUpdatedAt": iso(p.updated_at),
        "resourceTags": p.resource_tags.iter().map(|(k, v)| json!({
            "key": k, "value": v, "source": "PROJECT",
        })).collect::<Vec<_>>(),
        "glossaryTerms": (!p.glossary_terms.is_empty()).then_some(&p.glossary_terms),
        "domainUnitId": p.unit_id,
        "projectProfileId": p.profile_id,
        "userParameters": p.user_parameters,
        "projectCategory": p.category,
        "environmentDeploymentDetails": {
            "overallDeploymentStatus": status,
            "environmentFailureReasons": failures,
        },
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MembershipAssignment {
    member: Value,
    designation: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateProjectInput {
    name: String,
    description: Option<String>,
    resource_tags: Option<BTreeMap<String, String>>,
    glossary_terms: Option<Vec<String>>,
    domain_unit_id: Option<String>,
    project_profile_id: Option<String>,
    user_parameters: Option<Value>,
    project_category: Option<String>,
    membership_assignments: Option<Vec<MembershipAssignment>>,
}

fn name_taken(state: &State, domain: &str, name: &str, except: Option<&str>) -> bool {
    state.projects.iter().any(|p| p.domain_id == domain && p.name == name && Some(p.id.as_str()) != except)
}

pub fn create_project(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let input: CreateProjectInput = call.body()?;
    check_name(&input.name)?;
    wire::check_opt_len("description", input.description.as_deref(), 0, 2048)?;
    check_tags(input.resource_tags.as_ref())?;
    check_terms(input.glossary_terms.as_ref())?;
    let unit_id = match &input.domain_unit_id {
        Some(id) => {
            check_unit_id("domainUnitId", id)?;
            state.unit(&domain, id)?.id.clone()
        }
        None => state.domain(&domain)?.root_unit_id.clone(),
    };
    if let Some(profile_id) = &input.project_profile_id {
        wire::check_pattern("projectProfileId", profile_id, &RESOURCE_ID)?;
        let profile = state.profile(&domain, profile_id)?;
        if profile.status != "ENABLED" {
            return Err(ApiError::validation(format!("Project profile {profile_id} is disabled")));
        }
    }
    let mut members = Vec::new();
    for assignment in input.membership_assignments.iter().flatten() {
        wire::check_enum("designation", &assignment.designation, DESIGNATIONS)?;
        members.push(Membership {
            member: resolve_member(state, &assignment.member)?,
            designation: assignment.designation.clone(),
        });
    }
    if name_taken(state, &domain, &input.name, None) {
        return Err(ApiError::conflict(format!("A project named {} already exists in domain {domain}", input.name)));
    }
    let project = Project {
        id: new_resource_id(),
        domain_id: domain,
        name: input.name,
        description: input.description,
        unit_id,
        profile_id: input.project_profile_id,
        category: input.project_category,
        glossary_terms: input.glossary_terms.unwrap_or_default(),
        resource_tags: input.resource_tags.unwrap_or_default().into_iter().collect(),
        user_parameters: input.user_parameters,
        created_at: call.now,
        updated_at: call.now,
        created_by: call.caller.to_owned(),
        deployment: Deployment { started: call.now, delay: call.deploy_delay(), fails: call.take_deploy_failure() },
        members,
        deleted_at: None,
    };
    let body = project_json(state, &project, call.now);
    // "Project creation succeeded: Event is generated when project creation succeeds" (User
    // Guide, "Amazon DataZone events and notifications"); CreateProject answers an ACTIVE
    // project, so the stand-in announces it at once.
    let event = super::events::project_created(state, &project, call.caller);
    state.projects.push(project);
    state.emit(event);
    Ok(Reply::created(body))
}

pub fn get_project(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?;
    let project = state.project(&domain, id)?;
    Ok(Reply::ok(project_json(state, project, call.now)))
}

pub fn list_projects(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let page = call.query_page((1, 50))?;
    if let Some(name) = call.query("name") {
        wire::check_len("name", name, 1, 64)?;
    }
    // An unknown user or group matches no project rather than failing the listing.
    let user = call.query("userIdentifier").map(|u| state.user_by_any(u).map(|u| Principal::User(u.id.clone())));
    let group = call.query("groupIdentifier").map(|g| state.group_by_any(g).map(|g| Principal::Group(g.id.clone())));
    let is_member =
        |p: &Project, who: &Option<Principal>| who.as_ref().is_some_and(|w| p.members.iter().any(|m| &m.member == w));
    let items: Vec<Value> = state
        .projects
        .iter()
        .filter(|p| p.domain_id == domain)
        .filter(|p| call.query("name").is_none_or(|n| p.name == n))
        .filter(|p| call.query("projectCategory").is_none_or(|c| p.category.as_deref() == Some(c)))
        .filter(|p| user.as_ref().is_none_or(|u| is_member(p, u)))
        .filter(|p| group.as_ref().is_none_or(|g| is_member(p, g)))
        .map(|p| {
            json!({
                "domainId": p.domain_id,
                "id": p.id,
                "name": p.name,
                "description": p.description,
                "projectStatus": p.status(),
                "createdBy": p.created_by,
                "createdAt": iso(p.created_at),
                "updatedAt": iso(p.updated_at),
                "domainUnitId": p.unit_id,
                "projectCategory": p.category,
            })
        })
        .collect();
    let (items, next) = page.page(items);
    Ok(Reply::ok(json!({"items": items, "nextToken": next})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UpdateProjectInput {
    name: Option<String>,
    description: Option<String>,
    resource_tags: Option<BTreeMap<String, String>>,
    glossary_terms: Option<Vec<String>>,
    domain_unit_id: Option<String>,
    user_parameters: Option<Value>,
    project_profile_version: Option<String>,
}

pub fn update_project(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?.to_owned();
    let input: UpdateProjectInput = call.body()?;
    if let Some(name) = &input.name {
        check_name(name)?;
    }
    wire::check_opt_len("description", input.description.as_deref(), 0, 2048)?;
    check_tags(input.resource_tags.as_ref())?;
    check_terms(input.glossary_terms.as_ref())?;
    if let Some(unit) = &input.domain_unit_id {
        check_unit_id("domainUnitId", unit)?;
        state.unit(&domain, unit)?;
    }
    // "You can only specify the following string for this parameter: latest" (UpdateProject).
    if input.project_profile_version.as_deref().is_some_and(|v| v != "latest") {
        return Err(ApiError::validation("projectProfileVersion can only be latest"));
    }
    if state.project(&domain, &id)?.deleted_at.is_some() {
        return Err(ApiError::conflict(format!("Project {id} is being deleted")));
    }
    if let Some(name) = &input.name {
        if name_taken(state, &domain, name, Some(&id)) {
            return Err(ApiError::conflict(format!("A project named {name} already exists in domain {domain}")));
        }
    }
    let project = state.project_mut(&domain, &id)?;
    if let Some(name) = input.name {
        project.name = name;
    }
    if let Some(description) = input.description {
        project.description = Some(description);
    }
    if let Some(tags) = input.resource_tags {
        project.resource_tags = tags.into_iter().collect();
    }
    if let Some(terms) = input.glossary_terms {
        project.glossary_terms = terms;
    }
    if let Some(unit) = input.domain_unit_id {
        project.unit_id = unit;
    }
    if let Some(params) = input.user_parameters {
        project.user_parameters = Some(params);
    }
    project.updated_at = call.now;
    let project = state.project(&domain, &id)?;
    Ok(Reply::ok(project_json(state, project, call.now)))
}

pub fn delete_project(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?.to_owned();
    let skip_check = call.query_bool("skipDeletionCheck")?.unwrap_or(false);
    let owns_catalog = state.assets.iter().any(|a| a.owning_project_id == id)
        || state.glossaries.iter().any(|g| g.owning_project_id == id);
    let delay = call.deploy_delay();
    let project = state.project_mut(&domain, &id)?;
    if project.deleted_at.is_none() {
        if owns_catalog && !skip_check {
            return Err(ApiError::validation(format!(
                "Project {id} owns assets or glossaries; delete them first or set skipDeletionCheck"
            )));
        }
        project.deleted_at = Some(call.now + delay);
        project.updated_at = call.now;
    }
    state.advance(call.now);
    Ok(Reply::Empty(axum::http::StatusCode::NO_CONTENT))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateMembershipInput {
    member: Value,
    designation: String,
}

/// A project that exists and is not being deleted, for membership changes.
fn live_project<'s>(state: &'s mut State, domain: &str, id: &str) -> Result<&'s mut Project, ApiError> {
    let project = state.project_mut(domain, id)?;
    if project.deleted_at.is_some() {
        return Err(ApiError::not_found(format!("Project {id} is being deleted")));
    }
    Ok(project)
}

pub fn create_membership(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "projectIdentifier")?.to_owned();
    let input: CreateMembershipInput = call.body()?;
    wire::check_enum("designation", &input.designation, DESIGNATIONS)?;
    let member = resolve_member(state, &input.member)?;
    let project = live_project(state, &domain, &id)?;
    // Adding an existing member again only changes the designation, so retries are harmless.
    match project.members.iter_mut().find(|m| m.member == member) {
        Some(existing) => existing.designation = input.designation,
        None => project.members.push(Membership { member, designation: input.designation }),
    }
    project.updated_at = call.now;
    Ok(Reply::Empty(axum::http::StatusCode::CREATED))
}

#[derive(Deserialize)]
struct DeleteMembershipInput {
    member: Value,
}

pub fn delete_membership(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "projectIdentifier")?.to_owned();
    let input: DeleteMembershipInput = call.body()?;
    let member = resolve_member(state, &input.member)?;
    let project = live_project(state, &domain, &id)?;
    let Some(index) = project.members.iter().position(|m| m.member == member) else {
        return Err(ApiError::not_found(format!("The member is not in project {id}")));
    };
    let owners = project.members.iter().filter(|m| m.designation == "PROJECT_OWNER").count();
    if project.members[index].designation == "PROJECT_OWNER" && owners == 1 {
        return Err(ApiError::validation("A project must keep at least one owner"));
    }
    project.members.remove(index);
    project.updated_at = call.now;
    Ok(Reply::Empty(axum::http::StatusCode::NO_CONTENT))
}

pub fn list_memberships(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "projectIdentifier")?;
    let page = call.query_page((1, 50))?;
    if let Some(sort) = call.query("sortBy") {
        wire::check_enum("sortBy", sort, &["NAME"])?;
    }
    let descending = descending(call, false)?;
    let project = state.project(&domain, id)?;
    let name_of = |m: &Membership| match &m.member {
        Principal::User(u) => state.user(u).map(|u| u.display_name.clone()).unwrap_or_default(),
        Principal::Group(g) => state.group(g).map(|g| g.name.clone()).unwrap_or_default(),
    };
    let mut members: Vec<&Membership> = project.members.iter().collect();
    if call.query("sortBy").is_some() {
        members.sort_by_key(|m| name_of(m).to_lowercase());
        if descending {
            members.reverse();
        }
    }
    let items: Vec<Value> = members
        .into_iter()
        .map(|m| {
            let details = match &m.member {
                Principal::User(u) => json!({"user": {"userId": u}}),
                Principal::Group(g) => json!({"group": {"groupId": g}}),
            };
            json!({"memberDetails": details, "designation": m.designation})
        })
        .collect();
    let (items, next) = page.page(items);
    Ok(Reply::ok(json!({"members": items, "nextToken": next})))
}

const ENVIRONMENT_STATUSES: &[&str] = &[
    "ACTIVE",
    "CREATING",
    "UPDATING",
    "DELETING",
    "CREATE_FAILED",
    "UPDATE_FAILED",
    "DELETE_FAILED",
    "VALIDATION_FAILED",
    "SUSPENDED",
    "DISABLED",
    "EXPIRED",
    "DELETED",
    "INACCESSIBLE",
];

pub fn list_environments(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let project_id =
        call.query("projectIdentifier").ok_or_else(|| ApiError::validation("projectIdentifier is required"))?;
    wire::check_pattern("projectIdentifier", project_id, &RESOURCE_ID)?;
    if let Some(status) = call.query("status") {
        wire::check_enum("status", status, ENVIRONMENT_STATUSES)?;
    }
    let page = call.query_page((1, 50))?;
    let project = state.project(&domain, project_id)?;
    let d = state.domain(&domain)?;
    let status = match project.deployment.status(call.now) {
        "SUCCESSFUL" => "ACTIVE",
        "FAILED_DEPLOYMENT" => "CREATE_FAILED",
        _ => "CREATING",
    };
    let status = if project.deleted_at.is_some() { "DELETING" } else { status };
    let configurations = project
        .profile_id
        .as_ref()
        .and_then(|id| state.profiles.iter().find(|p| &p.id == id))
        .map(|p| p.environment_configurations.as_slice())
        .unwrap_or_default();
    let items: Vec<Value> = configurations
        .iter()
        .filter(|c| c["deploymentMode"].as_str() != Some("ON_DEMAND"))
        .map(|c| {
            let name = c["name"].as_str().unwrap_or_default();
            json!({
                "projectId": project.id,
                "id": environment_id(&project.id, name),
                "domainId": domain,
                "createdBy": project.created_by,
                "createdAt": iso(project.created_at),
                "updatedAt": iso(project.updated_at),
                "name": name,
                "description": c["description"],
                "awsAccountId": d.account_id,
                "awsAccountRegion": d.region,
                "provider": "Amazon SageMaker",
                "status": status,
                "environmentConfigurationId": c["id"],
                "environmentConfigurationName": name,
            })
        })
        .collect();
    // Every documented filter of ListEnvironments, each an exact match when given. Projects
    // of project profiles have no environment profile, so that filter matches none of them;
    // the blueprint is the environment configuration's.
    let blueprint_of = |e: &Value| {
        configurations
            .iter()
            .find(|c| c["id"] == e["environmentConfigurationId"])
            .map(|c| c["environmentBlueprintId"].clone())
    };
    let items: Vec<Value> = items
        .into_iter()
        .filter(|e| {
            ["name", "status", "awsAccountId", "awsAccountRegion", "provider", "environmentProfileId"]
                .iter()
                .zip(["name", "status", "awsAccountId", "awsAccountRegion", "provider", "environmentProfileIdentifier"])
                .all(|(field, param)| call.query(param).is_none_or(|v| e[*field] == v))
        })
        .filter(|e| {
            call.query("environmentBlueprintIdentifier").is_none_or(|b| blueprint_of(e).is_some_and(|id| id == b))
        })
        .collect();
    let (items, next) = page.page(items);
    Ok(Reply::ok(json!({"items": items, "nextToken": next})))
}
