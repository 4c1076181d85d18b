//! The events DataZone puts on the default EventBridge bus, and their `detail`.
//!
//! The DataZone User Guide ("Amazon DataZone events and notifications", "Events via Amazon
//! EventBridge default bus") lists the detail-types and gives one sample, a "Subscription
//! Request Created" event whose `detail` is
//! `{version, metadata: {domain, user, id, version, typeName, owningProjectId, awsAccountId,
//! clientToken}, data: {autoApproved, requesterId, status, subscribedListings: [{id,
//! ownerProjectId, version}], subscribedPrincipals: [{id, type}]}}`, where `metadata.id` is
//! the subscription request's id and `owningProjectId` the subscribing project. The guide
//! documents no other `detail`; for the other detail-types the stand-in follows the same
//! pattern: `metadata.id` is the id of the entity the event is about (subscription, grant,
//! project), `typeName` its entity type, and `data` carries that entity's members in the
//! sample's vocabulary. `metadata.user` is the caller (or, for a timed transition, whoever
//! started it), `version` is always "1": the stand-in does not version entities.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::events::BusEvent;
use crate::state::{Project, State, Subscriber, Subscription, SubscriptionGrant, SubscriptionRequest};

pub const REQUEST_CREATED: &str = "Subscription Request Created";
pub const REQUEST_ACCEPTED: &str = "Subscription Request Accepted";
pub const REQUEST_REJECTED: &str = "Subscription Request Rejected";
pub const SUBSCRIPTION_CREATED: &str = "Subscription Created";
pub const SUBSCRIPTION_REVOKED: &str = "Subscription Revoked";
pub const SUBSCRIPTION_CANCELLED: &str = "Subscription Cancelled";
pub const GRANT_REQUESTED: &str = "Subscription Grant Requested";
pub const GRANT_COMPLETED: &str = "Subscription Grant Completed";
pub const GRANT_FAILED: &str = "Subscription Grant Failed";
pub const GRANT_REVOKE_REQUESTED: &str = "Subscription Grant Revoke Requested";
pub const GRANT_REVOKE_COMPLETED: &str = "Subscription Grant Revoke Completed";
pub const GRANT_REVOKE_FAILED: &str = "Subscription Grant Revoke Failed";
pub const PROJECT_CREATED: &str = "Project Creation Succeeded";

/// `{id, type}` of a subscribed principal, `type` PROJECT, USER or GROUP.
fn principal(who: &Subscriber) -> Value {
    let (id, kind) = match who {
        Subscriber::Project(id) => (id, "PROJECT"),
        Subscriber::User(id) => (id, "USER"),
        Subscriber::Group(id) => (id, "GROUP"),
    };
    json!({"id": id, "type": kind})
}

/// The subscribing project, which the sample reports as `owningProjectId`.
fn subscribing_project(who: &Subscriber) -> Option<&str> {
    match who {
        Subscriber::Project(id) => Some(id),
        Subscriber::User(_) | Subscriber::Group(_) => None,
    }
}

/// `{id, ownerProjectId, version}` of a subscribed listing, `version` its publication count.
fn listing(state: &State, listing_id: &str) -> Value {
    let listed = state.listing(listing_id);
    json!({
        "id": listing_id,
        "ownerProjectId": listed.map(|l| l.owning_project_id().to_owned()),
        "version": listed.map(|l| l.revision().to_string()),
    })
}

/// What one event is about: its domain, entity id and type, owning project and actor.
struct About<'a> {
    domain_id: &'a str,
    id: &'a str,
    type_name: &'static str,
    owning_project: Option<&'a str>,
    user: &'a str,
}

/// Wraps `data` in the sample's `detail`, with the account and region of the domain.
fn event(state: &State, detail_type: &'static str, about: &About, at: DateTime<Utc>, data: Value) -> BusEvent {
    let (account, region) = state.domain(about.domain_id).map_or_else(
        |_| (state.directory.account_id.clone(), state.directory.region.clone()),
        |d| (d.account_id.clone(), d.region.clone()),
    );
    let detail = json!({
        "version": "1",
        "metadata": {
            "domain": about.domain_id,
            "user": about.user,
            "id": about.id,
            "version": "1",
            "typeName": about.type_name,
            "owningProjectId": about.owning_project,
            "awsAccountId": account,
        },
        "data": data,
    });
    BusEvent { detail_type, account, region, time: at, detail: crate::wire::strip_nulls(detail) }
}

/// A subscription request event; `metadata.id` is the request id, so that a consumer can
/// call GetSubscriptionRequestDetails with it. `autoApproved` is false: the stand-in's
/// listings all need approval.
pub fn request(state: &State, detail_type: &'static str, r: &SubscriptionRequest, user: &str) -> BusEvent {
    let about = About {
        domain_id: &r.domain_id,
        id: &r.id,
        type_name: "SubscriptionRequestEntityType",
        owning_project: subscribing_project(&r.subscriber),
        user,
    };
    let data = json!({
        "autoApproved": false,
        "requesterId": r.created_by,
        "status": r.status,
        "subscribedListings": [listing(state, &r.listing_id)],
        "subscribedPrincipals": [principal(&r.subscriber)],
    });
    event(state, detail_type, &about, r.updated_at, data)
}

/// A subscription event ("Subscription Created", "... Revoked", "... Cancelled").
pub fn subscription(state: &State, detail_type: &'static str, s: &Subscription, user: &str) -> BusEvent {
    let about = About {
        domain_id: &s.domain_id,
        id: &s.id,
        type_name: "SubscriptionEntityType",
        owning_project: subscribing_project(&s.subscriber),
        user,
    };
    let data = json!({
        "status": s.status,
        "subscribedListing": listing(state, &s.listing_id),
        "subscribedPrincipal": principal(&s.subscriber),
        "subscriptionRequestId": s.request_id,
    });
    event(state, detail_type, &about, s.updated_at, data)
}

/// A subscription grant event at `at`, with the asset's grant status at that moment.
pub fn grant(
    state: &State,
    detail_type: &'static str,
    g: &SubscriptionGrant,
    user: &str,
    at: DateTime<Utc>,
) -> BusEvent {
    let subscriber = state.subscriptions.iter().find(|s| s.id == g.subscription_id).map(|s| &s.subscriber);
    let about = About {
        domain_id: &g.domain_id,
        id: &g.id,
        type_name: "SubscriptionGrantEntityType",
        owning_project: subscriber.and_then(subscribing_project),
        user,
    };
    let version = state.listing(&g.listing_id).map(|l| l.revision().to_string());
    let data = json!({
        "status": g.state(at).asset,
        "asset": {"id": g.asset_id, "listingId": g.listing_id, "listingVersion": version},
        "subscriptionTarget": {"id": g.target_id, "environmentId": g.environment_id},
        "subscriptionId": g.subscription_id,
    });
    event(state, detail_type, &about, at, data)
}

/// "Project Creation Succeeded", for a project CreateProject made.
pub fn project_created(state: &State, p: &Project, user: &str) -> BusEvent {
    let about =
        About { domain_id: &p.domain_id, id: &p.id, type_name: "ProjectEntityType", owning_project: Some(&p.id), user };
    let data = json!({
        "name": p.name,
        "domainUnitId": p.unit_id,
        "projectProfileId": p.profile_id,
        "status": p.status(),
    });
    event(state, PROJECT_CREATED, &about, p.created_at, data)
}

/// The detail-type that announces a grant reaching an end state.
fn grant_end(asset_status: &str) -> Option<&'static str> {
    match asset_status {
        "GRANTED" => Some(GRANT_COMPLETED),
        "GRANT_FAILED" => Some(GRANT_FAILED),
        "REVOKED" => Some(GRANT_REVOKE_COMPLETED),
        "REVOKE_FAILED" => Some(GRANT_REVOKE_FAILED),
        _ => None,
    }
}

/// Puts on the bus every grant end state reached by `now` and not yet announced
/// ("Subscription Grant Completed" / "Failed", "Subscription Grant Revoke Completed" /
/// "Failed"), each dated when it was reached.
pub fn announce_grants(state: &mut State, now: DateTime<Utc>) {
    let mut due = Vec::new();
    for (index, g) in state.grants.iter_mut().enumerate() {
        let ends = g.unannounced(now);
        if let Some((_, last)) = ends.last() {
            g.announced = Some(*last);
        }
        due.extend(ends.into_iter().map(|(at, status)| (index, at, status)));
    }
    for (index, at, status) in due {
        let Some(detail_type) = grant_end(status) else { continue };
        let g = &state.grants[index];
        let event = grant(state, detail_type, g, &g.created_by, at);
        state.emit(event);
    }
}
