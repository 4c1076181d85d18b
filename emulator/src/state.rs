//! The in-memory world every API reads and writes: domains, projects, catalog, subscriptions, people.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::Value;

use crate::events::BusEvent;
use crate::wire::ApiError;

/// A user or a group, as owners and members are named throughout DataZone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Principal {
    User(String),
    Group(String),
}

#[derive(Clone, Debug)]
pub struct Domain {
    pub id: String,
    pub name: String,
    pub description: String,
    pub account_id: String,
    pub region: String,
    pub root_unit_id: String,
    pub created_at: DateTime<Utc>,
}

impl Domain {
    pub fn arn(&self) -> String {
        format!("arn:aws:datazone:{}:{}:domain/{}", self.region, self.account_id, self.id)
    }

    pub fn portal_url(&self) -> String {
        format!("https://{}.sagemaker.{}.on.aws", self.id.replace('_', "-"), self.region)
    }
}

#[derive(Clone, Debug)]
pub struct DomainUnit {
    pub id: String,
    pub domain_id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub description: Option<String>,
    pub owners: Vec<Principal>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_by: String,
}

#[derive(Clone, Debug)]
pub struct ProjectProfile {
    pub id: String,
    pub domain_id: String,
    pub name: String,
    pub description: Option<String>,
    pub status: String,
    pub unit_id: String,
    pub environment_configurations: Vec<Value>,
    pub resource_tags: Vec<Value>,
    pub allow_custom_tags: Option<bool>,
    pub tags_description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
}

/// The environment deployment a project goes through; its status is a function of time.
#[derive(Clone, Debug)]
pub struct Deployment {
    pub started: DateTime<Utc>,
    pub delay: TimeDelta,
    pub fails: bool,
}

impl Deployment {
    /// A deployment that finished long ago, for seeded projects.
    pub fn done(at: DateTime<Utc>) -> Self {
        Self { started: at, delay: TimeDelta::zero(), fails: false }
    }

    /// PENDING_DEPLOYMENT for the first fifth of the delay, IN_PROGRESS until it ends.
    pub fn status(&self, now: DateTime<Utc>) -> &'static str {
        let elapsed = now - self.started;
        if elapsed < self.delay / 5 {
            "PENDING_DEPLOYMENT"
        } else if elapsed < self.delay {
            "IN_PROGRESS"
        } else if self.fails {
            "FAILED_DEPLOYMENT"
        } else {
            "SUCCESSFUL"
        }
    }
}

#[derive(Clone, Debug)]
pub struct Membership {
    pub member: Principal,
    pub designation: String,
}

#[derive(Clone, Debug)]
pub struct Project {
    pub id: String,
    pub domain_id: String,
    pub name: String,
    pub description: Option<String>,
    pub unit_id: String,
    pub profile_id: Option<String>,
    pub category: Option<String>,
    pub glossary_terms: Vec<String>,
    pub resource_tags: Vec<(String, String)>,
    pub user_parameters: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    pub deployment: Deployment,
    pub members: Vec<Membership>,
    /// When set, the project is DELETING and disappears at this instant.
    pub deleted_at: Option<DateTime<Utc>>,
}

impl Project {
    pub fn status(&self) -> &'static str {
        if self.deleted_at.is_some() {
            "DELETING"
        } else {
            "ACTIVE"
        }
    }
}

#[derive(Clone, Debug)]
pub struct PolicyGrant {
    pub domain_id: String,
    pub entity_type: String,
    pub entity_id: String,
    pub policy_type: String,
    pub principal: Value,
    pub detail: Value,
    pub grant_id: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Clone, Debug)]
pub struct Glossary {
    pub id: String,
    pub domain_id: String,
    pub name: String,
    pub description: Option<String>,
    pub owning_project_id: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Clone, Debug)]
pub struct GlossaryTerm {
    pub id: String,
    pub domain_id: String,
    pub glossary_id: String,
    pub name: String,
    pub short_description: Option<String>,
    pub long_description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Clone, Debug)]
pub struct Form {
    pub name: String,
    pub type_name: String,
    pub content: String,
}

/// A metadata form type of the domain (one revision: the stand-in's types never change).
#[derive(Clone, Debug)]
pub struct FormType {
    pub name: String,
    pub domain_id: String,
    pub description: Option<String>,
    /// The Smithy IDL model (`Model.smithy`).
    pub model: String,
    pub owning_project_id: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// What one revision of an asset says (CreateAsset makes revision 1, each
/// CreateAssetRevision the next); revisions are never changed afterwards.
#[derive(Clone, Debug)]
pub struct AssetRevision {
    pub revision: u32,
    pub name: String,
    pub description: Option<String>,
    pub glossary_terms: Vec<String>,
    pub forms: Vec<Form>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// An asset's or data product's listing: the revision CreateListingChangeSet last
/// published, which is what the catalog (SearchListings, GetListing, subscriptions) shows
/// until the next publication.
#[derive(Clone, Debug)]
pub struct Listing<R = AssetRevision> {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// Counts publications of this listing, from 1.
    pub revision: u32,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    /// `ACTIVE`, or `INACTIVE` once unpublished (ListingStatus).
    pub status: &'static str,
    pub published: R,
}

impl<R> Listing<R> {
    pub fn is_active(&self) -> bool {
        self.status == "ACTIVE"
    }
}

#[derive(Clone, Debug)]
pub struct Asset {
    pub id: String,
    pub domain_id: String,
    pub type_identifier: String,
    pub external_identifier: Option<String>,
    pub owning_project_id: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// Every revision, oldest first: the last is the asset as it stands.
    pub revisions: Vec<AssetRevision>,
    pub listing: Option<Listing>,
}

impl Asset {
    pub fn current(&self) -> &AssetRevision {
        self.revisions.last().expect("an asset always has its first revision")
    }
}

/// One asset of a data product revision, at the asset revision the product names.
#[derive(Clone, Debug)]
pub struct ProductItem {
    pub asset_id: String,
    pub revision: u32,
    pub glossary_terms: Vec<String>,
}

/// What one revision of a data product says (CreateDataProduct makes revision 1, each
/// CreateDataProductRevision the next).
#[derive(Clone, Debug)]
pub struct DataProductRevision {
    pub revision: u32,
    pub name: String,
    pub description: Option<String>,
    pub glossary_terms: Vec<String>,
    pub items: Vec<ProductItem>,
    pub forms: Vec<Form>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[derive(Clone, Debug)]
pub struct DataProduct {
    pub id: String,
    pub domain_id: String,
    pub owning_project_id: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// Every revision, oldest first: the last is the product as it stands.
    pub revisions: Vec<DataProductRevision>,
    pub listing: Option<Listing<DataProductRevision>>,
}

impl DataProduct {
    pub fn current(&self) -> &DataProductRevision {
        self.revisions.last().expect("a data product always has its first revision")
    }
}

/// A listing with what it lists: an asset or a data product.
#[derive(Clone, Copy, Debug)]
pub enum Listed<'s> {
    Asset(&'s Asset, &'s Listing),
    Product(&'s DataProduct, &'s Listing<DataProductRevision>),
}

impl Listed<'_> {
    pub fn domain_id(&self) -> &str {
        match self {
            Listed::Asset(a, _) => &a.domain_id,
            Listed::Product(p, _) => &p.domain_id,
        }
    }

    pub fn owning_project_id(&self) -> &str {
        match self {
            Listed::Asset(a, _) => &a.owning_project_id,
            Listed::Product(p, _) => &p.owning_project_id,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Listed::Asset(_, l) => &l.id,
            Listed::Product(_, l) => &l.id,
        }
    }

    /// The listing's own revision (counts publications).
    pub fn revision(&self) -> u32 {
        match self {
            Listed::Asset(_, l) => l.revision,
            Listed::Product(_, l) => l.revision,
        }
    }

    pub fn is_active(&self) -> bool {
        match self {
            Listed::Asset(_, l) => l.is_active(),
            Listed::Product(_, l) => l.is_active(),
        }
    }

    /// The assets a subscription to this listing grants, each at its published revision.
    pub fn granted_assets(&self) -> Vec<(String, u32)> {
        match self {
            Listed::Asset(a, l) => vec![(a.id.clone(), l.published.revision)],
            Listed::Product(_, l) => l.published.items.iter().map(|i| (i.asset_id.clone(), i.revision)).collect(),
        }
    }
}

/// Who a subscription or subscription request is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subscriber {
    Project(String),
    User(String),
    Group(String),
}

#[derive(Clone, Debug)]
pub struct SubscriptionRequest {
    pub id: String,
    pub domain_id: String,
    pub status: String,
    pub subscriber: Subscriber,
    pub listing_id: String,
    pub reason: String,
    pub reviewer_id: Option<String>,
    pub decision_comment: Option<String>,
    pub existing_subscription_id: Option<String>,
    /// The `metadataForms` the requester filled in, echoed back as given.
    pub metadata_forms: Vec<Form>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_by: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Subscription {
    pub id: String,
    pub domain_id: String,
    pub status: String,
    pub subscriber: Subscriber,
    pub listing_id: String,
    pub request_id: Option<String>,
    pub retain_permissions: Option<bool>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_by: Option<String>,
}

/// The fulfilment of a subscription in one target; progresses with time like a deployment.
#[derive(Clone, Debug)]
pub struct SubscriptionGrant {
    pub id: String,
    pub domain_id: String,
    pub subscription_id: String,
    pub listing_id: String,
    pub asset_id: String,
    pub target_id: String,
    pub environment_id: Option<String>,
    pub started: DateTime<Utc>,
    pub delay: TimeDelta,
    /// Set when the grant fails at the end of its delay (fault injection).
    pub fails: bool,
    pub revoked_at: Option<DateTime<Utc>>,
    /// How long the revocation takes.
    pub revoke_delay: TimeDelta,
    /// Set when the revocation fails (fault injection).
    pub revoke_fails: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    /// The last asset status an event announced (GRANTED, GRANT_FAILED, REVOKED or
    /// REVOKE_FAILED), so that each timed transition is put on the bus once.
    pub announced: Option<&'static str>,
}

/// The failure cause DataZone reports on an asset whose grant failed.
pub const GRANT_FAILURE_CAUSE: &str =
    "Lake Formation refused the grant: the subscription target's role is not a data lake administrator";
/// The failure cause DataZone reports on an asset whose revocation failed.
pub const REVOKE_FAILURE_CAUSE: &str =
    "Lake Formation refused the revocation: the permission was changed outside Amazon DataZone";

/// Where a grant stands at one moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GrantState {
    /// `SubscriptionGrantOverallStatus`.
    pub overall: &'static str,
    /// `SubscriptionGrantStatus` of its asset.
    pub asset: &'static str,
    /// The failure cause and when it happened, for a failed grant or revocation.
    pub failure: Option<(&'static str, DateTime<Utc>)>,
}

impl SubscriptionGrant {
    fn granted_at(&self) -> DateTime<Utc> {
        self.started + self.delay
    }

    /// The grant's state at `now`. A grant goes PENDING → IN_PROGRESS → COMPLETED (asset
    /// GRANT_PENDING → GRANT_IN_PROGRESS → GRANTED), or ends in GRANT_FAILED; a revocation
    /// moves the asset through REVOKE_PENDING → REVOKE_IN_PROGRESS to REVOKED (overall
    /// COMPLETED again) or REVOKE_FAILED.
    pub fn state(&self, now: DateTime<Utc>) -> GrantState {
        let phase = |since: DateTime<Utc>, delay: TimeDelta| {
            let elapsed = now - since;
            if elapsed < delay / 5 {
                0
            } else if elapsed < delay {
                1
            } else {
                2
            }
        };
        let state = |overall, asset| GrantState { overall, asset, failure: None };
        let grant_failed = self.fails && phase(self.started, self.delay) == 2;
        match self.revoked_at.filter(|at| *at <= now) {
            Some(at) if !grant_failed => match phase(at, self.revoke_delay) {
                0 => state("PENDING", "REVOKE_PENDING"),
                1 => state("IN_PROGRESS", "REVOKE_IN_PROGRESS"),
                _ if self.revoke_fails => GrantState {
                    overall: "REVOKE_FAILED",
                    asset: "REVOKE_FAILED",
                    failure: Some((REVOKE_FAILURE_CAUSE, at + self.revoke_delay)),
                },
                _ => state("COMPLETED", "REVOKED"),
            },
            _ => match phase(self.started, self.delay) {
                0 => state("PENDING", "GRANT_PENDING"),
                1 => state("IN_PROGRESS", "GRANT_IN_PROGRESS"),
                _ if self.fails => GrantState {
                    overall: "GRANT_FAILED",
                    asset: "GRANT_FAILED",
                    failure: Some((GRANT_FAILURE_CAUSE, self.granted_at())),
                },
                _ => state("COMPLETED", "GRANTED"),
            },
        }
    }

    /// The end states this grant reached by `now` that no event announced yet, oldest first,
    /// each with the moment it was reached: a grant ends in GRANTED or GRANT_FAILED when
    /// its delay is over, a revocation in REVOKED or REVOKE_FAILED when its own is. An end
    /// that `state` never shows (a revocation overtaking a grant still in progress) yields
    /// nothing.
    pub fn unannounced(&self, now: DateTime<Utc>) -> Vec<(DateTime<Utc>, &'static str)> {
        let mut ends = vec![self.granted_at()];
        ends.extend(self.revoked_at.map(|at| at + self.revoke_delay));
        ends.sort();
        let mut last = self.announced;
        ends.into_iter()
            .filter(|at| *at <= now)
            .filter_map(|at| {
                let asset = self.state(at).asset;
                let is_end = ["GRANTED", "GRANT_FAILED", "REVOKED", "REVOKE_FAILED"].contains(&asset);
                (is_end && last != Some(asset)).then(|| {
                    last = Some(asset);
                    (at, asset)
                })
            })
            .collect()
    }

    pub fn granted_timestamp(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let at = self.granted_at();
        (!self.fails && at <= now).then_some(at)
    }

    /// When the grant last changed state, as of `now`.
    pub fn updated_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let step = |since: DateTime<Utc>, delay: TimeDelta| {
            [since + delay, since + delay / 5, since].into_iter().find(|at| *at <= now).unwrap_or(since)
        };
        match self.revoked_at {
            Some(at) if at <= now => step(at, self.revoke_delay),
            _ => step(self.started, self.delay),
        }
    }
}

// `user_name` mirrors Identity Store's `UserName`, the sign-in name, not the display name.
#[allow(clippy::struct_field_names)]
#[derive(Clone, Debug)]
pub struct User {
    pub id: String,
    pub user_name: String,
    pub display_name: String,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
    pub title: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub struct GroupMembership {
    pub id: String,
    pub group_id: String,
    pub user_id: String,
    pub created_at: DateTime<Utc>,
}

/// The Identity Center instance the domain signs users in with.
#[derive(Clone, Debug)]
pub struct Directory {
    pub identity_store_id: String,
    pub instance_arn: String,
    pub account_id: String,
    pub region: String,
    pub created_at: DateTime<Utc>,
}

/// Everything the emulator knows; replaced wholesale on a state reset.
#[derive(Clone, Debug)]
pub struct State {
    pub directory: Directory,
    pub domains: Vec<Domain>,
    pub units: Vec<DomainUnit>,
    pub profiles: Vec<ProjectProfile>,
    pub projects: Vec<Project>,
    pub policy_grants: Vec<PolicyGrant>,
    pub glossaries: Vec<Glossary>,
    pub terms: Vec<GlossaryTerm>,
    pub assets: Vec<Asset>,
    pub products: Vec<DataProduct>,
    pub form_types: Vec<FormType>,
    pub requests: Vec<SubscriptionRequest>,
    pub subscriptions: Vec<Subscription>,
    pub grants: Vec<SubscriptionGrant>,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub group_memberships: Vec<GroupMembership>,
    /// Resource ids already created per (operation, clientToken), for idempotent retries.
    pub client_tokens: HashMap<(&'static str, String), String>,
    /// Events for the default EventBridge bus not yet delivered, oldest first.
    pub events: Vec<BusEvent>,
}

impl State {
    /// Applies what time has done since the last call: grants that reached an end state are
    /// announced on the bus, deleted projects disappear.
    pub fn advance(&mut self, now: DateTime<Utc>) {
        crate::datazone::announce_grants(self, now);
        let gone: Vec<String> =
            self.projects.iter().filter(|p| p.deleted_at.is_some_and(|at| at <= now)).map(|p| p.id.clone()).collect();
        if gone.is_empty() {
            return;
        }
        // A deleted project takes the catalog content it owned with it.
        self.projects.retain(|p| !gone.contains(&p.id));
        self.assets.retain(|a| !gone.contains(&a.owning_project_id));
        self.products.retain(|p| !gone.contains(&p.owning_project_id));
        let glossaries: Vec<String> =
            self.glossaries.iter().filter(|g| gone.contains(&g.owning_project_id)).map(|g| g.id.clone()).collect();
        self.glossaries.retain(|g| !glossaries.contains(&g.id));
        self.terms.retain(|t| !glossaries.contains(&t.glossary_id));
    }

    pub fn domain(&self, id: &str) -> Result<&Domain, ApiError> {
        self.domains.iter().find(|d| d.id == id).ok_or_else(|| ApiError::not_found(format!("Domain {id} not found")))
    }

    pub fn unit(&self, domain_id: &str, id: &str) -> Result<&DomainUnit, ApiError> {
        self.units
            .iter()
            .find(|u| u.domain_id == domain_id && u.id == id)
            .ok_or_else(|| ApiError::not_found(format!("Domain unit {id} not found")))
    }

    pub fn profile(&self, domain_id: &str, id: &str) -> Result<&ProjectProfile, ApiError> {
        self.profiles
            .iter()
            .find(|p| p.domain_id == domain_id && p.id == id)
            .ok_or_else(|| ApiError::not_found(format!("Project profile {id} not found")))
    }

    pub fn project(&self, domain_id: &str, id: &str) -> Result<&Project, ApiError> {
        self.projects
            .iter()
            .find(|p| p.domain_id == domain_id && p.id == id)
            .ok_or_else(|| ApiError::not_found(format!("Project {id} not found")))
    }

    pub fn project_mut(&mut self, domain_id: &str, id: &str) -> Result<&mut Project, ApiError> {
        self.projects
            .iter_mut()
            .find(|p| p.domain_id == domain_id && p.id == id)
            .ok_or_else(|| ApiError::not_found(format!("Project {id} not found")))
    }

    pub fn asset(&self, domain_id: &str, id: &str) -> Result<&Asset, ApiError> {
        self.assets
            .iter()
            .find(|a| a.domain_id == domain_id && a.id == id)
            .ok_or_else(|| ApiError::not_found(format!("Asset {id} not found")))
    }

    /// The listing of that id, active or not, with what it lists.
    pub fn listing(&self, listing_id: &str) -> Option<Listed<'_>> {
        self.assets
            .iter()
            .find_map(|a| a.listing.as_ref().filter(|l| l.id == listing_id).map(|l| Listed::Asset(a, l)))
            .or_else(|| {
                self.products
                    .iter()
                    .find_map(|p| p.listing.as_ref().filter(|l| l.id == listing_id).map(|l| Listed::Product(p, l)))
            })
    }

    /// The active listing of that id in the domain (an unpublished listing cannot be
    /// subscribed to).
    pub fn active_listing(&self, domain_id: &str, listing_id: &str) -> Result<Listed<'_>, ApiError> {
        self.listing(listing_id)
            .filter(|l| l.domain_id() == domain_id && l.is_active())
            .ok_or_else(|| ApiError::not_found(format!("Listing {listing_id} not found")))
    }

    pub fn product(&self, domain_id: &str, id: &str) -> Result<&DataProduct, ApiError> {
        self.products
            .iter()
            .find(|p| p.domain_id == domain_id && p.id == id)
            .ok_or_else(|| ApiError::not_found(format!("Data product {id} not found")))
    }

    pub fn glossary(&self, domain_id: &str, id: &str) -> Result<&Glossary, ApiError> {
        self.glossaries
            .iter()
            .find(|g| g.domain_id == domain_id && g.id == id)
            .ok_or_else(|| ApiError::not_found(format!("Glossary {id} not found")))
    }

    pub fn term(&self, domain_id: &str, id: &str) -> Result<&GlossaryTerm, ApiError> {
        self.terms
            .iter()
            .find(|t| t.domain_id == domain_id && t.id == id)
            .ok_or_else(|| ApiError::not_found(format!("Glossary term {id} not found")))
    }

    /// Puts an event in the outbox for the default EventBridge bus.
    pub fn emit(&mut self, event: BusEvent) {
        self.events.push(event);
    }

    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// A user named by id or by userName, the two ways DataZone callers refer to SSO users.
    pub fn user_by_any(&self, identifier: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == identifier || u.user_name.eq_ignore_ascii_case(identifier))
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// A group named by id or by display name.
    pub fn group_by_any(&self, identifier: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == identifier || g.name == identifier)
    }
}
