//! Identity Store (awsJson1_1): users, groups and memberships of the Identity Center directory.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::dispatch::{Call, Handler, Route};
use crate::ids::IdGen;
use crate::state::{Group, GroupMembership, State, User};
use crate::wire::{self, epoch, ApiError, Outcome, PageRequest, Reply, IDENTITY_RESOURCE_ID, IDENTITY_STORE_ID};

pub fn route(name: &str) -> Option<Route> {
    let (operation, handler): (&'static str, Handler) = match name {
        "GetUserId" => ("GetUserId", get_user_id),
        "GetGroupId" => ("GetGroupId", get_group_id),
        "DescribeUser" => ("DescribeUser", describe_user),
        "DescribeGroup" => ("DescribeGroup", describe_group),
        "ListUsers" => ("ListUsers", list_users),
        "ListGroups" => ("ListGroups", list_groups),
        "ListGroupMemberships" => ("ListGroupMemberships", list_group_memberships),
        "ListGroupMembershipsForMember" => ("ListGroupMembershipsForMember", list_group_memberships_for_member),
        "IsMemberInGroups" => ("IsMemberInGroups", is_member_in_groups),
        "CreateUser" => ("CreateUser", create_user),
        "CreateGroup" => ("CreateGroup", create_group),
        "CreateGroupMembership" => ("CreateGroupMembership", create_group_membership),
        "DeleteGroupMembership" => ("DeleteGroupMembership", delete_group_membership),
        _ => return None,
    };
    Some(Route { operation, handler, labels: Vec::new() })
}

fn not_found(kind: &str, id: &str) -> ApiError {
    ApiError::not_found(format!("{kind} {id} not found")).with("ResourceType", kind).with("ResourceId", id)
}

/// Checks `IdentityStoreId` (an id or an ARN) and that it names this directory.
fn check_store(state: &State, id: &str) -> Result<(), ApiError> {
    wire::check_len("IdentityStoreId", id, 1, 93)?;
    wire::check_pattern("IdentityStoreId", id, &IDENTITY_STORE_ID)?;
    let bare = id.rsplit('/').next().unwrap_or(id);
    if bare == state.directory.identity_store_id {
        Ok(())
    } else {
        Err(not_found("IDENTITY_STORE", id))
    }
}

/// Checks a `UserId`/`GroupId`/`MembershipId` and strips an ARN down to the id.
fn resource_id<'a>(field: &str, id: &'a str) -> Result<&'a str, ApiError> {
    wire::check_len(field, id, 1, 100)?;
    wire::check_pattern(field, id, &IDENTITY_RESOURCE_ID)?;
    Ok(id.rsplit('/').next().unwrap_or(id))
}

fn user_arn(id: &str) -> String {
    format!("arn:aws:identitystore:::user/{id}")
}

fn group_arn(id: &str) -> String {
    format!("arn:aws:identitystore:::group/{id}")
}

fn user_json(store: &str, u: &User) -> Value {
    json!({
        "IdentityStoreId": store,
        "UserId": u.id,
        "UserArn": user_arn(&u.id),
        "Revision": "1",
        "UserName": u.user_name,
        "Name": {
            "Formatted": u.display_name,
            "GivenName": (!u.given_name.is_empty()).then_some(&u.given_name),
            "FamilyName": (!u.family_name.is_empty()).then_some(&u.family_name),
        },
        "DisplayName": u.display_name,
        "Emails": [{"Value": u.email, "Type": "work", "Primary": true}],
        "Title": u.title,
        "UserStatus": "ENABLED",
        "CreatedAt": epoch(u.created_at),
        "CreatedBy": "meshgate-seed",
        "UpdatedAt": epoch(u.created_at),
        "UpdatedBy": "meshgate-seed",
    })
}

fn group_json(store: &str, g: &Group) -> Value {
    json!({
        "IdentityStoreId": store,
        "GroupId": g.id,
        "GroupArn": group_arn(&g.id),
        "Revision": "1",
        "DisplayName": g.name,
        "Description": g.description,
        "CreatedAt": epoch(g.created_at),
        "UpdatedAt": epoch(g.created_at),
    })
}

fn membership_json(store: &str, m: &GroupMembership) -> Value {
    json!({
        "IdentityStoreId": store,
        "MembershipId": m.id,
        "MembershipArn": format!("arn:aws:identitystore:::membership/{}", m.id),
        "GroupId": m.group_id,
        "MemberId": {"UserId": m.user_id},
        "CreatedAt": epoch(m.created_at),
        "UpdatedAt": epoch(m.created_at),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AlternateIdInput {
    identity_store_id: String,
    alternate_identifier: Value,
}

/// Reads `UniqueAttribute` from an `AlternateIdentifier`; an `ExternalId` matches nothing seeded.
fn unique_attribute(input: &AlternateIdInput) -> Result<Option<(String, String)>, ApiError> {
    let (key, inner) = wire::union_key("AlternateIdentifier", &input.alternate_identifier)?;
    match key {
        "UniqueAttribute" => {
            let path = inner["AttributePath"]
                .as_str()
                .ok_or_else(|| ApiError::validation("AlternateIdentifier.UniqueAttribute.AttributePath is required"))?;
            wire::check_len("AttributePath", path, 1, 255)?;
            let value = inner["AttributeValue"]
                .as_str()
                .ok_or_else(|| ApiError::validation("AttributeValue must be a string for this attribute path"))?;
            Ok(Some((path.to_owned(), value.to_owned())))
        }
        "ExternalId" => {
            for member in ["Issuer", "Id"] {
                let value = inner[member].as_str().ok_or_else(|| {
                    ApiError::validation(format!("AlternateIdentifier.ExternalId.{member} is required"))
                })?;
                wire::check_len(member, value, 1, 256)?;
            }
            Ok(None)
        }
        other => {
            Err(ApiError::validation(format!("AlternateIdentifier.{other} is not a member of AlternateIdentifier")))
        }
    }
}

fn get_user_id(state: &mut State, call: &Call) -> Outcome {
    let input: AlternateIdInput = call.body()?;
    check_store(state, &input.identity_store_id)?;
    let user = match unique_attribute(&input)? {
        Some((path, value)) => match path.as_str() {
            "userName" => state.users.iter().find(|u| u.user_name.eq_ignore_ascii_case(&value)),
            "emails.value" => state.users.iter().find(|u| u.email.eq_ignore_ascii_case(&value)),
            _ => {
                return Err(ApiError::validation(format!(
                    "{path} is not a unique attribute of users; use userName or emails.value"
                )));
            }
        },
        None => None,
    };
    let user = user.ok_or_else(|| not_found("USER", "the given alternate identifier"))?;
    Ok(Reply::ok(json!({
        "IdentityStoreId": input.identity_store_id,
        "UserId": user.id,
        "UserArn": user_arn(&user.id),
    })))
}

fn get_group_id(state: &mut State, call: &Call) -> Outcome {
    let input: AlternateIdInput = call.body()?;
    check_store(state, &input.identity_store_id)?;
    let group = match unique_attribute(&input)? {
        Some((path, value)) if path == "displayName" => state.groups.iter().find(|g| g.name == value),
        Some((path, _)) => {
            return Err(ApiError::validation(format!("{path} is not a unique attribute of groups; use displayName")));
        }
        None => None,
    };
    let group = group.ok_or_else(|| not_found("GROUP", "the given alternate identifier"))?;
    Ok(Reply::ok(json!({
        "IdentityStoreId": input.identity_store_id,
        "GroupId": group.id,
        "GroupArn": group_arn(&group.id),
    })))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeUserInput {
    identity_store_id: String,
    user_id: String,
}

fn describe_user(state: &mut State, call: &Call) -> Outcome {
    let input: DescribeUserInput = call.body()?;
    check_store(state, &input.identity_store_id)?;
    let id = resource_id("UserId", &input.user_id)?;
    let user = state.user(id).ok_or_else(|| not_found("USER", id))?;
    Ok(Reply::ok(user_json(&input.identity_store_id, user)))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DescribeGroupInput {
    identity_store_id: String,
    group_id: String,
}

fn describe_group(state: &mut State, call: &Call) -> Outcome {
    let input: DescribeGroupInput = call.body()?;
    check_store(state, &input.identity_store_id)?;
    let id = resource_id("GroupId", &input.group_id)?;
    let group = state.group(id).ok_or_else(|| not_found("GROUP", id))?;
    Ok(Reply::ok(group_json(&input.identity_store_id, group)))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Filter {
    attribute_path: String,
    attribute_value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListInput {
    identity_store_id: String,
    max_results: Option<i64>,
    next_token: Option<String>,
    filters: Option<Vec<Filter>>,
}

impl ListInput {
    fn page(&self) -> Result<PageRequest, ApiError> {
        PageRequest::new(self.max_results, self.next_token.as_deref(), (1, 100))
    }

    /// The one filter allowed, checked against the attribute path the operation supports.
    fn filter(&self, path: &str) -> Result<Option<&str>, ApiError> {
        let filters = self.filters.as_deref().unwrap_or_default();
        wire::check_count("Filters", filters, 0, 1)?;
        let Some(filter) = filters.first() else {
            return Ok(None);
        };
        wire::check_len("Filters.AttributeValue", &filter.attribute_value, 1, 1024)?;
        if filter.attribute_path.eq_ignore_ascii_case(path) {
            Ok(Some(&filter.attribute_value))
        } else {
            Err(ApiError::validation(format!("Filtering by {} is not supported; use {path}", filter.attribute_path)))
        }
    }
}

fn list_users(state: &mut State, call: &Call) -> Outcome {
    let input: ListInput = call.body()?;
    check_store(state, &input.identity_store_id)?;
    let page = input.page()?;
    let name = input.filter("UserName")?;
    let users: Vec<Value> = state
        .users
        .iter()
        .filter(|u| name.is_none_or(|n| u.user_name.eq_ignore_ascii_case(n)))
        .map(|u| user_json(&input.identity_store_id, u))
        .collect();
    let (users, next) = page.page(users);
    Ok(Reply::ok(json!({"Users": users, "NextToken": next})))
}

fn list_groups(state: &mut State, call: &Call) -> Outcome {
    let input: ListInput = call.body()?;
    check_store(state, &input.identity_store_id)?;
    let page = input.page()?;
    let name = input.filter("DisplayName")?;
    let groups: Vec<Value> = state
        .groups
        .iter()
        .filter(|g| name.is_none_or(|n| g.name == n))
        .map(|g| group_json(&input.identity_store_id, g))
        .collect();
    let (groups, next) = page.page(groups);
    Ok(Reply::ok(json!({"Groups": groups, "NextToken": next})))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct GroupMembershipsInput {
    identity_store_id: String,
    group_id: String,
    max_results: Option<i64>,
    next_token: Option<String>,
}

fn list_group_memberships(state: &mut State, call: &Call) -> Outcome {
    let input: GroupMembershipsInput = call.body()?;
    check_store(state, &input.identity_store_id)?;
    let group = resource_id("GroupId", &input.group_id)?;
    state.group(group).ok_or_else(|| not_found("GROUP", group))?;
    let page = PageRequest::new(input.max_results, input.next_token.as_deref(), (1, 100))?;
    let items: Vec<Value> = state
        .group_memberships
        .iter()
        .filter(|m| m.group_id == group)
        .map(|m| membership_json(&input.identity_store_id, m))
        .collect();
    let (items, next) = page.page(items);
    Ok(Reply::ok(json!({"GroupMemberships": items, "NextToken": next})))
}

/// Reads the `MemberId` union, whose only member is `UserId`, and checks the user exists.
fn member_user<'s>(state: &'s State, member: &Value) -> Result<&'s User, ApiError> {
    let (key, inner) = wire::union_key("MemberId", member)?;
    if key != "UserId" {
        return Err(ApiError::validation(format!("MemberId.{key} is not a member of MemberId")));
    }
    let raw = inner.as_str().ok_or_else(|| ApiError::validation("MemberId.UserId must be a string"))?;
    let id = resource_id("MemberId.UserId", raw)?;
    state.user(id).ok_or_else(|| not_found("USER", id))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct MemberMembershipsInput {
    identity_store_id: String,
    member_id: Value,
    max_results: Option<i64>,
    next_token: Option<String>,
}

fn list_group_memberships_for_member(state: &mut State, call: &Call) -> Outcome {
    let input: MemberMembershipsInput = call.body()?;
    check_store(state, &input.identity_store_id)?;
    let user = member_user(state, &input.member_id)?.id.clone();
    let page = PageRequest::new(input.max_results, input.next_token.as_deref(), (1, 100))?;
    let items: Vec<Value> = state
        .group_memberships
        .iter()
        .filter(|m| m.user_id == user)
        .map(|m| membership_json(&input.identity_store_id, m))
        .collect();
    let (items, next) = page.page(items);
    Ok(Reply::ok(json!({"GroupMemberships": items, "NextToken": next})))
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IsMemberInput {
    identity_store_id: String,
    member_id: Value,
    group_ids: Vec<String>,
}

fn is_member_in_groups(state: &mut State, call: &Call) -> Outcome {
    let input: IsMemberInput = call.body()?;
    check_store(state, &input.identity_store_id)?;
    wire::check_count("GroupIds", &input.group_ids, 1, 100)?;
    let user = member_user(state, &input.member_id)?.id.clone();
    let mut results = Vec::new();
    for raw in &input.group_ids {
        let group = resource_id("GroupIds", raw)?;
        let exists = state.group_memberships.iter().any(|m| m.group_id == group && m.user_id == user);
        results.push(json!({
            "GroupId": raw,
            "MemberId": {"UserId": user},
            "MembershipExists": exists,
        }));
    }
    Ok(Reply::ok(json!({ "Results": results })))
}

fn check_text(field: &str, value: Option<&str>) -> Result<(), ApiError> {
    wire::check_opt_len(field, value, 1, 1024)
}

fn conflict(message: String) -> ApiError {
    ApiError::conflict(message).with("Reason", "UNIQUENESS_CONSTRAINT_VIOLATION")
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct NameInput {
    given_name: Option<String>,
    family_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct EmailInput {
    value: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateUserInput {
    identity_store_id: String,
    user_name: Option<String>,
    name: Option<NameInput>,
    display_name: Option<String>,
    emails: Option<Vec<EmailInput>>,
    title: Option<String>,
}

/// Users created at run time also get a DataZone user profile, as automatic assignment does.
fn create_user(state: &mut State, call: &Call) -> Outcome {
    let input: CreateUserInput = call.body()?;
    check_store(state, &input.identity_store_id)?;
    let user_name = input.user_name.ok_or_else(|| ApiError::validation("UserName is required"))?;
    wire::check_len("UserName", &user_name, 1, 128)?;
    if user_name.chars().any(char::is_whitespace) {
        return Err(ApiError::validation("UserName must not contain spaces"));
    }
    let display_name = input.display_name.ok_or_else(|| ApiError::validation("DisplayName is required"))?;
    check_text("DisplayName", Some(&display_name))?;
    check_text("Title", input.title.as_deref())?;
    // "When used in IAM Identity Center, this parameter is required" (Name and DisplayName).
    if input.name.is_none() {
        return Err(ApiError::validation("Name is required"));
    }
    let emails = input.emails.unwrap_or_default();
    wire::check_count("Emails", &emails, 0, 1)?;
    check_reserved(&user_name)?;
    if state.users.iter().any(|u| u.user_name.eq_ignore_ascii_case(&user_name)) {
        return Err(conflict(format!("A user named {user_name} already exists")));
    }
    let (given, family) =
        input.name.map(|n| (n.given_name.unwrap_or_default(), n.family_name.unwrap_or_default())).unwrap_or_default();
    let user = User {
        id: IdGen::random().identity_center(),
        email: emails.into_iter().find_map(|e| e.value).unwrap_or_else(|| format!("{user_name}@example.com")),
        user_name,
        display_name,
        given_name: given,
        family_name: family,
        title: input.title,
        created_at: call.now,
    };
    let body = json!({
        "IdentityStoreId": input.identity_store_id,
        "UserId": user.id,
        "UserArn": user_arn(&user.id),
        "Revision": "1",
    });
    state.users.push(user);
    Ok(Reply::ok(body))
}

/// "Administrator and AWSAdministrators are reserved names and can't be used for users or
/// groups" (Identity Store reference, CreateUser/CreateGroup `DisplayName`).
fn check_reserved(name: &str) -> Result<(), ApiError> {
    if ["administrator", "awsadministrators"].contains(&name.to_lowercase().as_str()) {
        return Err(ApiError::validation(format!("{name} is a reserved name")));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateGroupInput {
    identity_store_id: String,
    display_name: Option<String>,
    description: Option<String>,
}

fn create_group(state: &mut State, call: &Call) -> Outcome {
    let input: CreateGroupInput = call.body()?;
    check_store(state, &input.identity_store_id)?;
    let name = input.display_name.ok_or_else(|| ApiError::validation("DisplayName is required"))?;
    check_text("DisplayName", Some(&name))?;
    check_text("Description", input.description.as_deref())?;
    check_reserved(&name)?;
    if state.groups.iter().any(|g| g.name == name) {
        return Err(conflict(format!("A group named {name} already exists")));
    }
    let group =
        Group { id: IdGen::random().identity_center(), name, description: input.description, created_at: call.now };
    let body = json!({
        "IdentityStoreId": input.identity_store_id,
        "GroupId": group.id,
        "GroupArn": group_arn(&group.id),
        "Revision": "1",
    });
    state.groups.push(group);
    Ok(Reply::ok(body))
}

// The members are named by the wire model, which happens to end them all in `Id`.
#[allow(clippy::struct_field_names)]
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct CreateMembershipInput {
    identity_store_id: String,
    group_id: String,
    member_id: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteMembershipInput {
    identity_store_id: String,
    membership_id: String,
}

/// DeleteGroupMembership (Identity Store API reference): `IdentityStoreId` and
/// `MembershipId` in, an empty object out; an unknown membership is
/// `ResourceNotFoundException` with `ResourceType` `GROUP_MEMBERSHIP`.
fn delete_group_membership(state: &mut State, call: &Call) -> Outcome {
    let input: DeleteMembershipInput = call.body()?;
    check_store(state, &input.identity_store_id)?;
    let id = resource_id("MembershipId", &input.membership_id)?.to_owned();
    let before = state.group_memberships.len();
    state.group_memberships.retain(|m| m.id != id);
    if state.group_memberships.len() == before {
        return Err(not_found("GROUP_MEMBERSHIP", &id));
    }
    Ok(Reply::ok(json!({})))
}

fn create_group_membership(state: &mut State, call: &Call) -> Outcome {
    let input: CreateMembershipInput = call.body()?;
    check_store(state, &input.identity_store_id)?;
    let group = resource_id("GroupId", &input.group_id)?.to_owned();
    state.group(&group).ok_or_else(|| not_found("GROUP", &group))?;
    let user = member_user(state, &input.member_id)?.id.clone();
    if state.group_memberships.iter().any(|m| m.group_id == group && m.user_id == user) {
        return Err(conflict("The user is already a member of the group".into()));
    }
    let membership =
        GroupMembership { id: IdGen::random().identity_center(), group_id: group, user_id: user, created_at: call.now };
    let body = json!({
        "IdentityStoreId": input.identity_store_id,
        "MembershipId": membership.id,
        "MembershipArn": format!("arn:aws:identitystore:::membership/{}", membership.id),
    });
    state.group_memberships.push(membership);
    Ok(Reply::ok(body))
}
