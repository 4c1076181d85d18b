//! Subscriptions: requests and their decisions, subscriptions, and the grants that fulfil them.

use std::cmp::Reverse;

use chrono::{DateTime, TimeDelta, Utc};
use serde::Deserialize;
use serde_json::{json, Value};

use super::events;
use super::{descending, domain_id, id_label};
use crate::dispatch::Call;
use crate::ids::{new_resource_id, seeded_resource_id};
use crate::seed::environment_id;
use crate::state::{Listed, State, Subscriber, Subscription, SubscriptionGrant, SubscriptionRequest};
use crate::wire::{self, epoch, ApiError, Outcome, Reply};

/// Form types never change in the stand-in: one revision of each.
const FORM_TYPE_REVISION: &str = "1";

fn principal_json(state: &State, who: &Subscriber) -> Value {
    match who {
        Subscriber::Project(id) => json!({"project": {
            "id": id,
            "name": state.projects.iter().find(|p| &p.id == id).map(|p| &p.name),
        }}),
        Subscriber::User(id) => json!({"user": {
            "id": id,
            "details": state.user(id).map(|u| json!({"sso": {
                "username": u.user_name,
                "firstName": u.given_name,
                "lastName": u.family_name,
            }})),
        }}),
        Subscriber::Group(id) => json!({"group": {
            "id": id,
            "name": state.group(id).map(|g| &g.name),
        }}),
    }
}

fn term_details(state: &State, ids: &[String]) -> Vec<Value> {
    ids.iter()
        .filter_map(|id| state.terms.iter().find(|t| &t.id == id))
        .map(|t| json!({"name": t.name, "shortDescription": t.short_description}))
        .collect()
}

/// A `SubscribedListing`: an `assetListing` or a `productListing` (SubscribedListingItem),
/// as published; a listing whose project has since been deleted keeps its id only.
fn listing_json(state: &State, listing_id: &str) -> Value {
    let Some(listed) = state.listing(listing_id) else {
        return json!({
            "id": listing_id,
            "name": listing_id,
            "description": "",
            "item": {"assetListing": {"entityId": ""}},
            "ownerProjectId": "",
        });
    };
    // What the catalog shows is the published revision, not the asset or product as it stands.
    let (name, description, item) = match listed {
        Listed::Asset(asset, listing) => {
            let shown = &listing.published;
            let item = json!({"assetListing": {
                "entityId": asset.id,
                "entityRevision": shown.revision.to_string(),
                "entityType": asset.type_identifier,
                "glossaryTerms": term_details(state, &shown.glossary_terms),
            }});
            (&shown.name, &shown.description, item)
        }
        Listed::Product(product, listing) => {
            let shown = &listing.published;
            let assets: Vec<Value> = shown
                .items
                .iter()
                .map(|i| {
                    let kind = state.assets.iter().find(|a| a.id == i.asset_id).map(|a| a.type_identifier.as_str());
                    json!({"entityId": i.asset_id, "entityRevision": i.revision.to_string(), "entityType": kind})
                })
                .collect();
            let item = json!({"productListing": {
                "entityId": product.id,
                "entityRevision": shown.revision.to_string(),
                "glossaryTerms": term_details(state, &shown.glossary_terms),
                "name": shown.name,
                "description": shown.description,
                "assetListings": assets,
            }});
            (&shown.name, &shown.description, item)
        }
    };
    let owner = listed.owning_project_id();
    json!({
        "id": listing_id,
        "revision": listed.revision().to_string(),
        "name": name,
        "description": description.clone().unwrap_or_default(),
        "item": item,
        "ownerProjectId": owner,
        "ownerProjectName": state.projects.iter().find(|p| p.id == owner).map(|p| &p.name),
    })
}

fn request_json(state: &State, r: &SubscriptionRequest, summary: bool) -> Value {
    let mut value = json!({
        "id": r.id,
        "createdBy": r.created_by,
        "updatedBy": r.updated_by,
        "domainId": r.domain_id,
        "status": r.status,
        "createdAt": epoch(r.created_at),
        "updatedAt": epoch(r.updated_at),
        "requestReason": r.reason,
        "subscribedPrincipals": [principal_json(state, &r.subscriber)],
        "subscribedListings": [listing_json(state, &r.listing_id)],
        "reviewerId": r.reviewer_id,
        "decisionComment": r.decision_comment,
        "existingSubscriptionId": r.existing_subscription_id,
    });
    // Details carry FormOutput (formName, typeName, typeRevision, content), list items
    // MetadataFormSummary (the same without content).
    let forms: Vec<Value> = r
        .metadata_forms
        .iter()
        .map(|f| {
            let mut form = json!({"formName": f.name, "typeName": f.type_name, "typeRevision": FORM_TYPE_REVISION});
            if !summary {
                form["content"] = json!(f.content);
            }
            form
        })
        .collect();
    let key = if summary { "metadataFormsSummary" } else { "metadataForms" };
    value[key] = json!(forms);
    value
}

fn subscription_json(state: &State, s: &Subscription) -> Value {
    json!({
        "id": s.id,
        "createdBy": s.created_by,
        "updatedBy": s.updated_by,
        "domainId": s.domain_id,
        "status": s.status,
        "createdAt": epoch(s.created_at),
        "updatedAt": epoch(s.updated_at),
        "subscribedPrincipal": principal_json(state, &s.subscriber),
        "subscribedListing": listing_json(state, &s.listing_id),
        "subscriptionRequestId": s.request_id,
        "retainPermissions": s.retain_permissions,
    })
}

fn grant_json(state: &State, g: &SubscriptionGrant, now: DateTime<Utc>) -> Value {
    let grant = g.state(now);
    // A grant follows its listing's latest publication (revision 1 once the asset is gone);
    // a data product's grant covers each of its assets.
    let (listing_revision, granted) = state
        .listing(&g.listing_id)
        .map_or_else(|| (1, vec![(g.asset_id.clone(), 1)]), |l| (l.revision(), l.granted_assets()));
    let target = state
        .projects
        .iter()
        .find(|p| {
            state
                .subscriptions
                .iter()
                .any(|s| s.id == g.subscription_id && s.subscriber == Subscriber::Project(p.id.clone()))
        })
        .map(|p| format!("{} Lakehouse Database", p.name));
    let assets: Vec<Value> = granted
        .into_iter()
        .map(|(asset_id, revision)| {
            let mut asset = json!({
                "assetId": asset_id,
                "assetRevision": revision.to_string(),
                "status": grant.asset,
                "targetName": target,
                "grantedTimestamp": g.granted_timestamp(now).map(epoch),
            });
            if let Some((cause, at)) = grant.failure {
                asset["failureCause"] = json!({"message": cause});
                asset["failureTimestamp"] = json!(epoch(at));
            }
            asset
        })
        .collect();
    json!({
        "id": g.id,
        "createdBy": g.created_by,
        "domainId": g.domain_id,
        "createdAt": epoch(g.created_at),
        "updatedAt": epoch(g.updated_at(now)),
        "environmentId": g.environment_id,
        "subscriptionTargetId": g.target_id,
        "grantedEntity": {"listing": {"id": g.listing_id, "revision": listing_revision.to_string()}},
        "status": grant.overall,
        "assets": assets,
        "subscriptionId": g.subscription_id,
    })
}

/// Resolves one `SubscribedPrincipalInput` to an existing project, user or group.
fn subscriber(state: &State, domain: &str, principal: &Value) -> Result<Subscriber, ApiError> {
    let (key, inner) = wire::union_key("subscribedPrincipals", principal)?;
    let identifier = inner["identifier"]
        .as_str()
        .ok_or_else(|| ApiError::validation(format!("subscribedPrincipals.{key}.identifier is required")))?;
    match key {
        "project" => Ok(Subscriber::Project(state.project(domain, identifier)?.id.clone())),
        "user" => state
            .user_by_any(identifier)
            .map(|u| Subscriber::User(u.id.clone()))
            .ok_or_else(|| ApiError::not_found(format!("User {identifier} not found"))),
        "group" => state
            .group_by_any(identifier)
            .map(|g| Subscriber::Group(g.id.clone()))
            .ok_or_else(|| ApiError::not_found(format!("Group {identifier} not found"))),
        "iam" => Err(ApiError::validation("IAM principals cannot subscribe in this domain")),
        other => Err(ApiError::validation(format!(
            "subscribedPrincipals.{other} is not a member of SubscribedPrincipalInput"
        ))),
    }
}

#[derive(Deserialize)]
struct ListingInput {
    identifier: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateRequestInput {
    subscribed_principals: Vec<Value>,
    subscribed_listings: Vec<ListingInput>,
    request_reason: String,
    client_token: Option<String>,
    metadata_forms: Option<Vec<super::catalog::FormInput>>,
}

pub fn create_request(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let input: CreateRequestInput = call.body()?;
    wire::check_count("subscribedPrincipals", &input.subscribed_principals, 1, 1)?;
    wire::check_count("subscribedListings", &input.subscribed_listings, 1, 1)?;
    wire::check_len("requestReason", &input.request_reason, 1, 4096)?;
    let forms = input.metadata_forms.unwrap_or_default();
    for form in &forms {
        form.check("metadataForms")?;
    }
    if let Some(token) = &input.client_token {
        if let Some(id) = state.client_tokens.get(&(call.operation, token.clone())) {
            if let Some(existing) = state.requests.iter().find(|r| &r.id == id) {
                return Ok(Reply::ok(request_json(state, existing, false)));
            }
        }
    }
    let who = subscriber(state, &domain, &input.subscribed_principals[0])?;
    let listing_id = state.active_listing(&domain, &input.subscribed_listings[0].identifier)?.id().to_owned();
    if state.requests.iter().any(|r| r.subscriber == who && r.listing_id == listing_id && r.status == "PENDING") {
        return Err(ApiError::conflict("A pending subscription request for this listing and principal already exists"));
    }
    if state.subscriptions.iter().any(|s| s.subscriber == who && s.listing_id == listing_id && s.status == "APPROVED") {
        return Err(ApiError::conflict("The principal is already subscribed to this listing"));
    }
    let request = SubscriptionRequest {
        id: new_resource_id(),
        domain_id: domain,
        status: "PENDING".into(),
        subscriber: who,
        listing_id,
        reason: input.request_reason,
        reviewer_id: None,
        decision_comment: None,
        existing_subscription_id: None,
        metadata_forms: forms.into_iter().map(super::catalog::FormInput::into_form).collect(),
        created_at: call.now,
        updated_at: call.now,
        created_by: call.caller.to_owned(),
        updated_by: None,
    };
    let body = request_json(state, &request, false);
    if let Some(token) = input.client_token {
        state.client_tokens.insert((call.operation, token), request.id.clone());
    }
    let event = events::request(state, events::REQUEST_CREATED, &request, call.caller);
    state.requests.push(request);
    state.emit(event);
    Ok(Reply::ok(body))
}

fn find_request<'s>(state: &'s State, domain: &str, id: &str) -> Result<&'s SubscriptionRequest, ApiError> {
    state
        .requests
        .iter()
        .find(|r| r.domain_id == domain && r.id == id)
        .ok_or_else(|| ApiError::not_found(format!("Subscription request {id} not found")))
}

pub fn get_request(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?;
    let request = find_request(state, &domain, id)?;
    Ok(Reply::ok(request_json(state, request, false)))
}

/// The project that owns a listing, which is the project that approves requests for it.
fn approver_project(state: &State, listing_id: &str) -> Option<String> {
    state.listing(listing_id).map(|l| l.owning_project_id().to_owned())
}

/// The list filters requests and subscriptions share.
fn matches_owner(call: &Call, who: &Subscriber) -> bool {
    call.query("owningProjectId").is_none_or(|p| *who == Subscriber::Project(p.to_owned()))
        && call.query("owningUserId").is_none_or(|u| *who == Subscriber::User(u.to_owned()))
        && call.query("owningGroupId").is_none_or(|g| *who == Subscriber::Group(g.to_owned()))
}

/// Checks `sortBy` and `sortOrder` and answers whether the order is descending. The three
/// subscription lists are "always sorted by updatedAt" (API reference: `sortBy` deprecated
/// since 31 Jan 2026), so `sortBy` is validated and otherwise ignored. The reference names no
/// default `sortOrder`; the stand-in lists the most recently updated first.
fn sort_spec(call: &Call) -> Result<bool, ApiError> {
    if let Some(s) = call.query("sortBy") {
        wire::check_enum("sortBy", s, &["CREATED_AT", "UPDATED_AT"])?;
    }
    if let Some(arn) = call.query("owningIamPrincipalArn") {
        wire::check_len("owningIamPrincipalArn", arn, 1, 255)?;
    }
    descending(call, true)
}

fn sorted<T>(mut items: Vec<T>, key: impl Fn(&T) -> DateTime<Utc>, descending: bool) -> Vec<T> {
    if descending {
        items.sort_by_key(|i| Reverse(key(i)));
    } else {
        items.sort_by_key(|i| key(i));
    }
    items
}

/// ListSubscriptionRequests. `status` defaults to PENDING: "This is not a required
/// parameter, but if not specified, by default, Amazon DataZone returns only PENDING
/// subscription requests" (API reference, ListSubscriptionRequests, `status`).
pub fn list_requests(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let status = call.query("status").unwrap_or("PENDING");
    wire::check_enum("status", status, &["PENDING", "ACCEPTED", "REJECTED"])?;
    let descending = sort_spec(call)?;
    let page = call.query_page((1, 50))?;
    let requests: Vec<&SubscriptionRequest> = state
        .requests
        .iter()
        .filter(|r| r.domain_id == domain)
        .filter(|r| r.status == status)
        .filter(|r| call.query("subscribedListingId").is_none_or(|l| r.listing_id == l))
        .filter(|r| matches_owner(call, &r.subscriber))
        .filter(|r| {
            call.query("approverProjectId").is_none_or(|p| approver_project(state, &r.listing_id).as_deref() == Some(p))
        })
        .collect();
    let requests = sorted(requests, |r| r.updated_at, descending);
    let (items, next) = page.page(requests.into_iter().map(|r| request_json(state, r, true)).collect());
    Ok(Reply::ok(json!({"items": items, "nextToken": next})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DecisionInput {
    decision_comment: Option<String>,
}

/// Checks that a request can still be decided and returns its index.
fn pending_request(state: &State, call: &Call) -> Result<(usize, Option<String>), ApiError> {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?;
    let input: DecisionInput = call.body()?;
    wire::check_opt_len("decisionComment", input.decision_comment.as_deref(), 1, 4096)?;
    let index = state
        .requests
        .iter()
        .position(|r| r.domain_id == domain && r.id == id)
        .ok_or_else(|| ApiError::not_found(format!("Subscription request {id} not found")))?;
    let status = &state.requests[index].status;
    if status != "PENDING" {
        return Err(ApiError::conflict(format!("Subscription request {id} is already {status}")));
    }
    Ok((index, input.decision_comment))
}

/// The subscription target (and, for a project, its environment) that serves a subscriber.
fn target_of(who: &Subscriber) -> (String, Option<String>) {
    match who {
        Subscriber::Project(p) => {
            (seeded_resource_id(&format!("target:{p}")), Some(environment_id(p, "Lakehouse Database")))
        }
        Subscriber::User(id) | Subscriber::Group(id) => (seeded_resource_id(&format!("target:{id}")), None),
    }
}

/// A grant of a listing's asset to a target, starting now: it progresses over the deploy
/// delay and fails if a grant failure is injected.
fn new_grant(
    state: &State,
    call: &Call,
    domain: &str,
    subscription: &str,
    listing: &str,
    target_id: String,
    environment_id: Option<String>,
) -> SubscriptionGrant {
    // The first granted asset names the grant should its listing disappear.
    let asset_id = state
        .listing(listing)
        .and_then(|l| l.granted_assets().into_iter().next())
        .map(|(id, _)| id)
        .unwrap_or_default();
    SubscriptionGrant {
        id: new_resource_id(),
        domain_id: domain.to_owned(),
        subscription_id: subscription.to_owned(),
        listing_id: listing.to_owned(),
        asset_id,
        target_id,
        environment_id,
        started: call.now,
        delay: call.deploy_delay(),
        fails: call.take_grant_failure(false),
        revoked_at: None,
        revoke_delay: TimeDelta::zero(),
        revoke_fails: false,
        created_at: call.now,
        created_by: call.caller.to_owned(),
        announced: None,
    }
}

pub fn accept_request(state: &mut State, call: &Call) -> Outcome {
    let (index, comment) = pending_request(state, call)?;
    let subscription_id = new_resource_id();
    let request = &mut state.requests[index];
    request.status = "ACCEPTED".into();
    request.decision_comment = comment;
    request.reviewer_id = Some(call.caller.to_owned());
    request.updated_by = Some(call.caller.to_owned());
    request.updated_at = call.now;
    request.existing_subscription_id = Some(subscription_id.clone());
    let request = request.clone();
    let (target_id, environment) = target_of(&request.subscriber);
    let grant =
        new_grant(state, call, &request.domain_id, &subscription_id, &request.listing_id, target_id, environment);
    let subscription = Subscription {
        id: subscription_id,
        domain_id: request.domain_id.clone(),
        status: "APPROVED".into(),
        subscriber: request.subscriber.clone(),
        listing_id: request.listing_id.clone(),
        request_id: Some(request.id.clone()),
        retain_permissions: None,
        created_at: call.now,
        updated_at: call.now,
        created_by: call.caller.to_owned(),
        updated_by: None,
    };
    let accepted = events::request(state, events::REQUEST_ACCEPTED, &request, call.caller);
    let created = events::subscription(state, events::SUBSCRIPTION_CREATED, &subscription, call.caller);
    state.subscriptions.push(subscription);
    let requested = events::grant(state, events::GRANT_REQUESTED, &grant, call.caller, call.now);
    state.grants.push(grant);
    for event in [accepted, created, requested] {
        state.emit(event);
    }
    Ok(Reply::ok(request_json(state, &request, false)))
}

pub fn reject_request(state: &mut State, call: &Call) -> Outcome {
    let (index, comment) = pending_request(state, call)?;
    let request = &mut state.requests[index];
    request.status = "REJECTED".into();
    request.decision_comment = comment;
    request.reviewer_id = Some(call.caller.to_owned());
    request.updated_by = Some(call.caller.to_owned());
    request.updated_at = call.now;
    let request = request.clone();
    let event = events::request(state, events::REQUEST_REJECTED, &request, call.caller);
    state.emit(event);
    Ok(Reply::ok(request_json(state, &request, false)))
}

fn find_subscription<'s>(state: &'s State, call: &Call) -> Result<&'s Subscription, ApiError> {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?;
    state
        .subscriptions
        .iter()
        .find(|s| s.domain_id == domain && s.id == id)
        .ok_or_else(|| ApiError::not_found(format!("Subscription {id} not found")))
}

pub fn get_subscription(state: &mut State, call: &Call) -> Outcome {
    let subscription = find_subscription(state, call)?;
    Ok(Reply::ok(subscription_json(state, subscription)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevokeInput {
    retain_permissions: Option<bool>,
}

/// Ends an APPROVED subscription with `status` and revokes its grants.
fn end_subscription(state: &mut State, call: &Call, status: &str, retain: Option<bool>) -> Outcome {
    let id = find_subscription(state, call)?.id.clone();
    let subscription = state
        .subscriptions
        .iter_mut()
        .find(|s| s.id == id)
        .ok_or_else(|| ApiError::not_found(format!("Subscription {id} not found")))?;
    if subscription.status != "APPROVED" {
        return Err(ApiError::conflict(format!("Subscription {id} is already {}", subscription.status)));
    }
    subscription.status = status.into();
    subscription.updated_at = call.now;
    subscription.updated_by = Some(call.caller.to_owned());
    if retain.is_some() {
        subscription.retain_permissions = retain;
    }
    let ended = if status == "REVOKED" { events::SUBSCRIPTION_REVOKED } else { events::SUBSCRIPTION_CANCELLED };
    let event = events::subscription(state, ended, find_subscription(state, call)?, call.caller);
    state.emit(event);
    // "Specifies whether permissions are retained when the subscription is revoked"
    // (RevokeSubscription, retainPermissions): retained grants stay as they are.
    if retain == Some(true) {
        let subscription = find_subscription(state, call)?;
        return Ok(Reply::ok(subscription_json(state, subscription)));
    }
    let revoke_fails = call.take_grant_failure(true);
    for grant in state.grants.iter_mut().filter(|g| g.subscription_id == id) {
        grant.revoked_at = Some(call.now);
        grant.revoke_delay = call.deploy_delay();
        grant.revoke_fails = revoke_fails;
    }
    let revoking: Vec<_> = state
        .grants
        .iter()
        .filter(|g| g.subscription_id == id)
        .map(|g| events::grant(state, events::GRANT_REVOKE_REQUESTED, g, call.caller, call.now))
        .collect();
    for event in revoking {
        state.emit(event);
    }
    let subscription = find_subscription(state, call)?;
    Ok(Reply::ok(subscription_json(state, subscription)))
}

pub fn revoke_subscription(state: &mut State, call: &Call) -> Outcome {
    let input: RevokeInput = call.body()?;
    end_subscription(state, call, "REVOKED", input.retain_permissions)
}

pub fn cancel_subscription(state: &mut State, call: &Call) -> Outcome {
    end_subscription(state, call, "CANCELLED", None)
}

/// ListSubscriptions. `status` defaults to APPROVED: "This is not a required parameter, but
/// if not provided, by default, Amazon DataZone returns only APPROVED subscriptions" (API
/// reference, ListSubscriptions, `status`).
pub fn list_subscriptions(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let status = call.query("status").unwrap_or("APPROVED");
    wire::check_enum("status", status, &["APPROVED", "REVOKED", "CANCELLED"])?;
    let descending = sort_spec(call)?;
    let page = call.query_page((1, 50))?;
    let subscriptions: Vec<&Subscription> = state
        .subscriptions
        .iter()
        .filter(|s| s.domain_id == domain)
        .filter(|s| s.status == status)
        .filter(|s| call.query("subscriptionRequestIdentifier").is_none_or(|r| s.request_id.as_deref() == Some(r)))
        .filter(|s| call.query("subscribedListingId").is_none_or(|l| s.listing_id == l))
        .filter(|s| matches_owner(call, &s.subscriber))
        .filter(|s| {
            call.query("approverProjectId").is_none_or(|p| approver_project(state, &s.listing_id).as_deref() == Some(p))
        })
        .collect();
    let subscriptions = sorted(subscriptions, |s| s.updated_at, descending);
    let (items, next) = page.page(subscriptions.into_iter().map(|s| subscription_json(state, s)).collect());
    Ok(Reply::ok(json!({"items": items, "nextToken": next})))
}

pub fn list_grants(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let descending = sort_spec(call)?;
    let page = call.query_page((1, 50))?;
    let owner_of = |g: &SubscriptionGrant| {
        state.subscriptions.iter().find(|s| s.id == g.subscription_id).map(|s| s.subscriber.clone())
    };
    let grants: Vec<&SubscriptionGrant> = state
        .grants
        .iter()
        .filter(|g| g.domain_id == domain)
        .filter(|g| call.query("environmentId").is_none_or(|e| g.environment_id.as_deref() == Some(e)))
        .filter(|g| call.query("subscriptionTargetId").is_none_or(|t| g.target_id == t))
        .filter(|g| call.query("subscribedListingId").is_none_or(|l| g.listing_id == l))
        .filter(|g| call.query("subscriptionId").is_none_or(|s| g.subscription_id == s))
        .filter(|g| owner_of(g).is_some_and(|who| matches_owner(call, &who)))
        .collect();
    let grants = sorted(grants, |g| g.updated_at(call.now), descending);
    let (items, next) = page.page(grants.into_iter().map(|g| grant_json(state, g, call.now)).collect());
    Ok(Reply::ok(json!({"items": items, "nextToken": next})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateGrantInput {
    environment_identifier: String,
    subscription_target_identifier: Option<String>,
    granted_entity: Value,
    client_token: Option<String>,
}

/// CreateSubscriptionGrant: `environmentIdentifier` and `grantedEntity` (a union; only
/// `listing` with `identifier` and `revision`) are required, as is
/// `subscriptionTargetIdentifier` in the API reference's request body (the SDK's model marks
/// it optional; the reference wins). The grant belongs to the APPROVED subscription of that
/// listing whose subscriber the target serves — the reference does not say what happens
/// without one; the stand-in answers ValidationException. It then progresses like the
/// grants acceptance creates (`grantFailNext` applies); a repeated `clientToken` answers the
/// grant it made.
pub fn create_grant(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let input: CreateGrantInput = call.body()?;
    wire::check_pattern("environmentIdentifier", &input.environment_identifier, &wire::RESOURCE_ID)?;
    let target = input
        .subscription_target_identifier
        .ok_or_else(|| ApiError::validation("subscriptionTargetIdentifier is required"))?;
    wire::check_pattern("subscriptionTargetIdentifier", &target, &wire::RESOURCE_ID)?;
    if let Some(token) = &input.client_token {
        wire::check_pattern("clientToken", token, &wire::CLIENT_TOKEN)?;
        if let Some(id) = state.client_tokens.get(&(call.operation, token.clone())) {
            if let Some(existing) = state.grants.iter().find(|g| &g.id == id) {
                return Ok(Reply::ok(grant_json(state, existing, call.now)));
            }
        }
    }
    let entity = input.granted_entity.as_object().filter(|o| o.len() == 1);
    let listing = entity.and_then(|o| o.get("listing")).ok_or_else(|| {
        ApiError::validation("grantedEntity must set exactly one member, and the only member is listing")
    })?;
    let listing_ref = listing["identifier"]
        .as_str()
        .ok_or_else(|| ApiError::validation("grantedEntity.listing.identifier is required"))?;
    if listing["revision"].as_str().is_none_or(|r| r.is_empty() || r.len() > 64) {
        return Err(ApiError::validation("grantedEntity.listing.revision must be 1 to 64 characters"));
    }
    let listing_id = state.active_listing(&domain, listing_ref)?.id().to_owned();
    let subscription = state
        .subscriptions
        .iter()
        .find(|s| {
            s.domain_id == domain
                && s.listing_id == listing_id
                && s.status == "APPROVED"
                && target_of(&s.subscriber).0 == target
        })
        .ok_or_else(|| {
            ApiError::validation("No approved subscription of this listing is served by that subscription target")
        })?;
    let subscription = subscription.id.clone();
    let grant = new_grant(state, call, &domain, &subscription, &listing_id, target, Some(input.environment_identifier));
    let body = grant_json(state, &grant, call.now);
    if let Some(token) = input.client_token {
        state.client_tokens.insert((call.operation, token), grant.id.clone());
    }
    let event = events::grant(state, events::GRANT_REQUESTED, &grant, call.caller, call.now);
    state.grants.push(grant);
    state.emit(event);
    Ok(Reply::ok(body))
}

/// GetSubscriptionGrant: the grant, or ResourceNotFoundException.
pub fn get_grant(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?;
    let grant = state
        .grants
        .iter()
        .find(|g| g.domain_id == domain && g.id == id)
        .ok_or_else(|| ApiError::not_found(format!("Subscription grant {id} not found")))?;
    Ok(Reply::ok(grant_json(state, grant, call.now)))
}

/// DeleteSubscriptionGrant: removes the grant and answers it as it was (200), or
/// ResourceNotFoundException.
pub fn delete_grant(state: &mut State, call: &Call) -> Outcome {
    let body = get_grant(state, call)?;
    let id = id_label(call, 1, "identifier")?;
    state.grants.retain(|g| g.id != id);
    Ok(body)
}
