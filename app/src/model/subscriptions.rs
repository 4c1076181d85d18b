//! The catalog and access to data: search, subscription requests, the steward inbox, bulk
//! decisions, auto-approval rules and people's subscriptions, as the UI sees them. Rule
//! matching lives here too: the same code explains a decision and runs a dry-run.

use serde::{Deserialize, Serialize};

use super::{AuditEntry, Principal};

/// Longest reason DataZone takes for a subscription request.
pub const REASON_MAX: usize = 4096;
/// Longest access period a request may ask for, in days.
pub const DAYS_MAX: u32 = 3650;

/// A catalog search, as it appears in the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct CatalogQuery {
    pub q: String,
    /// Domain unit id of the owning project.
    pub unit: String,
    /// Owning project id.
    pub project: String,
    pub asset_type: String,
    /// Glossary term name.
    pub term: String,
    /// `relevance` (default), `name` or `newest`.
    pub sort: String,
    /// DataZone's page token of the page shown; empty for the first.
    pub page: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Facet {
    pub value: String,
    pub label: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CatalogItem {
    pub listing_id: String,
    pub name: String,
    pub description: String,
    pub asset_type: String,
    pub owner_project: String,
    pub terms: Vec<String>,
    /// The best access any of the viewer's projects has to it.
    pub access: AccessState,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CatalogPage {
    pub items: Vec<CatalogItem>,
    pub total: u32,
    pub next_page: Option<String>,
    pub units: Vec<Facet>,
    pub projects: Vec<Facet>,
    pub types: Vec<Facet>,
    pub terms: Vec<Facet>,
}

/// Where a project stands with one asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum AccessState {
    None,
    Ended,
    Rejected,
    /// Accepted, but DataZone's subscription grant failed.
    GrantFailed,
    Pending,
    /// Accepted; the subscription grant has not completed yet.
    Granting,
    /// Accepted and granted: access exists.
    Granted,
}

impl AccessState {
    pub fn label(self) -> &'static str {
        match self {
            Self::None => "No access",
            Self::Ended => "Access ended",
            Self::Rejected => "Rejected",
            Self::Pending => "Requested",
            Self::GrantFailed => "Grant failed",
            Self::Granting => "Accepted · granting",
            Self::Granted => "Subscribed",
        }
    }

    pub fn tone(self) -> &'static str {
        match self {
            Self::None | Self::Ended => "bg-slate-100 text-slate-700 ring-slate-200",
            Self::Rejected | Self::GrantFailed => "bg-red-50 text-red-800 ring-red-200",
            Self::Pending | Self::Granting => "bg-amber-50 text-amber-900 ring-amber-200",
            Self::Granted => "bg-emerald-50 text-emerald-800 ring-emerald-200",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TermRef {
    pub name: String,
    pub short_description: String,
}

/// One metadata form of an asset (its technical description, e.g. the Glue table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FormView {
    pub name: String,
    pub fields: Vec<(String, String)>,
}

/// One of the viewer's projects and where it stands with the asset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProjectAccess {
    pub project_id: String,
    pub project_name: String,
    pub state: AccessState,
    pub request_id: Option<String>,
    pub expires_at: Option<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssetDetail {
    pub listing_id: String,
    pub asset_id: String,
    pub name: String,
    /// Markdown, as published.
    pub description: String,
    /// The description rendered for reading (safe HTML).
    pub description_html: String,
    pub asset_type: String,
    pub owner_project: String,
    pub owner_unit: String,
    pub terms: Vec<TermRef>,
    pub forms: Vec<FormView>,
    /// For a data product: its assets in the catalog, as (listing id, name).
    pub product_assets: Vec<(String, String)>,
    /// What its producers promise about access.
    pub access_terms: AccessTerms,
    /// The viewer's projects: those with a request or subscription first.
    pub access: Vec<ProjectAccess>,
    /// A fresh idempotency token for the request form shown with this page.
    pub form_token: String,
}

/// What a producing team promises about access to one of its assets or data products
/// (`entity_id`, DataZone's id): whether a steward must approve, and the access periods
/// Meshgate applies — `default_days` offered on the request form, `max_days` the longest
/// that may be asked (then "no end date" may not).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessTerms {
    pub entity_id: String,
    pub approval_required: bool,
    pub default_days: Option<u32>,
    pub max_days: Option<u32>,
}

impl AccessTerms {
    /// The terms of an entity nobody set terms for: a steward approves, any period.
    pub fn standard(entity_id: &str) -> Self {
        Self { entity_id: entity_id.to_owned(), approval_required: true, default_days: None, max_days: None }
    }

    /// The first field problem of the terms themselves, as (field, message).
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if self.entity_id.is_empty() || self.entity_id.len() > super::ID_MAX {
            return Some(("entity_id", "These terms are not for an asset.".into()));
        }
        if self.default_days.is_some_and(|d| d == 0 || d > DAYS_MAX) {
            return Some(("default_days", format!("The default period is 1 to {DAYS_MAX} days, or none.")));
        }
        if self.max_days.is_some_and(|d| d == 0 || d > DAYS_MAX) {
            return Some(("max_days", format!("The longest period is 1 to {DAYS_MAX} days, or none.")));
        }
        if let (Some(default), Some(max)) = (self.default_days, self.max_days) {
            if default > max {
                return Some(("default_days", "The default period cannot be longer than the longest one.".into()));
            }
        }
        None
    }

    /// Why a request for `days` (`None`: no end date) does not fit the terms.
    pub fn refuses(&self, days: Option<u32>) -> Option<String> {
        match (self.max_days, days) {
            (Some(max), None) => Some(format!("Access is for at most {max} days: ask for a period.")),
            (Some(max), Some(d)) if d > max => Some(format!("Access is for at most {max} days.")),
            _ => None,
        }
    }

    /// The terms in one sentence, as a consumer reads them before asking.
    pub fn summary(&self) -> String {
        let approval = if self.approval_required {
            "A steward approves each request"
        } else {
            "Requests within these terms are granted without waiting for a steward"
        };
        let period = match (self.default_days, self.max_days) {
            (None, None) => String::new(),
            (Some(d), None) => format!("; access runs {d} days unless you ask otherwise"),
            (None, Some(m)) => format!("; access is for at most {m} days"),
            (Some(d), Some(m)) => format!("; access runs {d} days by default, at most {m}"),
        };
        format!("{approval}{period}.")
    }
}

/// Asking for access to an asset for one of the viewer's projects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AccessRequestForm {
    pub listing_id: String,
    pub project_id: String,
    pub reason: String,
    /// Days of access wanted; `None`: no end date.
    pub days: Option<u32>,
    /// Chosen by the form when it is shown; a resubmitted form creates nothing new. The API
    /// fills it from the call's `Idempotency-Key` when left out.
    #[serde(default)]
    pub token: String,
}

impl AccessRequestForm {
    /// The first problem with the form, as (field, message).
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let reason = self.reason.trim();
        if self.listing_id.trim().is_empty() {
            return Some(("listing_id", "Choose the data to ask for.".into()));
        }
        if self.project_id.trim().is_empty() {
            return Some(("project_id", "Choose the project that will use the data.".into()));
        }
        if reason.is_empty() {
            return Some(("reason", "Say what the data will be used for.".into()));
        }
        if reason.chars().count() > REASON_MAX {
            return Some(("reason", format!("Keep the reason under {REASON_MAX} characters.")));
        }
        if self.days.is_some_and(|d| d == 0 || d > DAYS_MAX) {
            return Some(("days", format!("Ask for 1 to {DAYS_MAX} days, or leave it empty for no end date.")));
        }
        None
    }
}

/// Filters of the steward inbox, as they appear in the URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
#[serde(default)]
pub struct InboxQuery {
    /// `pending` (default), `accepted`, `rejected` or `all`.
    pub status: String,
    /// Text in the asset, subscriber project or requester.
    pub q: String,
    /// `oldest` (default) or `newest`.
    pub sort: String,
    /// Rows to skip.
    pub offset: u32,
}

/// Where a request stands in the portal's decision queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct QueuedDecision {
    pub accept: bool,
    /// queued, sent, done or failed
    pub state: String,
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InboxRow {
    pub id: String,
    /// `access` or `extension`.
    pub kind: String,
    pub listing_id: String,
    pub asset_name: String,
    pub owner_project: String,
    pub subscriber_project: String,
    pub requester: String,
    pub reason: String,
    pub requested_days: Option<u32>,
    pub status: String,
    pub created_at: String,
    pub age: String,
    pub decision: Option<QueuedDecision>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct InboxPage {
    pub rows: Vec<InboxRow>,
    pub total: u32,
    pub offset: u32,
    pub page_size: u32,
    /// Whether the viewer may decide every request of the domain (platform admins).
    pub everything: bool,
    /// How the last sync with DataZone went.
    pub sync: SyncNote,
}

/// The last sync with DataZone, as the inbox tells it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SyncNote {
    /// How long ago the last sync succeeded ("2 min"), if one did.
    pub synced_ago: Option<String>,
    /// When the last sync failed after the last success: how long ago, and why (DataZone's
    /// refusal as it gave it).
    pub failed: Option<(String, String)>,
}

/// What the caller may do with a request right now: each flag is a button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[allow(clippy::struct_excessive_bools)]
pub struct SubscriptionDetail {
    pub row: InboxRow,
    pub asset_type: String,
    pub terms: Vec<String>,
    pub subscriber_unit: String,
    pub source: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_comment: Option<String>,
    pub rule_reason: Option<String>,
    pub subscription_status: Option<String>,
    /// Where DataZone's subscription grant stands (SubscriptionGrantStatus, as last synced).
    pub grant_status: Option<String>,
    /// DataZone's failure cause of a failed grant or revocation.
    pub grant_failure: Option<String>,
    /// When access started: the grant completed.
    pub granted_at: Option<String>,
    pub expires_at: Option<String>,
    pub extends: Option<String>,
    pub history: Vec<AuditEntry>,
    pub can_decide: bool,
    pub can_revoke: bool,
    /// A steward may ask DataZone to grant again: the grant failed.
    #[serde(default)]
    pub can_retry_grant: bool,
    pub can_cancel: bool,
    pub can_extend: bool,
}

/// Many requests decided at once.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct BulkDecision {
    pub ids: Vec<String>,
    pub accept: bool,
    pub comment: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RunProgress {
    pub id: String,
    pub total: u32,
    pub done: u32,
    pub failed: u32,
    pub accept: bool,
    /// Requests left out: already decided, or already waiting for a decision.
    pub skipped: u32,
}

impl RunProgress {
    pub fn finished(&self) -> bool {
        self.done + self.failed >= self.total
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RuleAction {
    Accept,
    Reject,
    /// Leave the request to a steward (stops later rules from deciding it).
    Review,
}

impl RuleAction {
    pub const ALL: [Self; 3] = [Self::Accept, Self::Reject, Self::Review];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Reject => "reject",
            Self::Review => "review",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Accept => "Accept",
            Self::Reject => "Reject",
            Self::Review => "Leave to a steward",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == value)
    }
}

/// What a rule looks at; every condition given must hold, an empty one always does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RuleConditions {
    /// DataZone ids of domain units of the subscribing project (its unit or one above it
    /// counts). A saved rule holds ids; a form may also name a unit the server can resolve.
    #[serde(default)]
    pub subscriber_units: Vec<String>,
    /// Groups the requester must belong to (any of them).
    #[serde(default)]
    pub requester_groups: Vec<Principal>,
    /// Asset names (any of them).
    #[serde(default)]
    pub assets: Vec<String>,
    /// Glossary terms the asset carries (any of them).
    #[serde(default)]
    pub terms: Vec<String>,
    /// Longest access period, in days; a request without an end date does not match.
    #[serde(default)]
    pub max_days: Option<u32>,
}

/// What rules know about a request.
#[derive(Debug, Clone, Default)]
pub struct RequestFacts {
    /// Ids of the subscribing project's unit and the units above it.
    pub subscriber_units: Vec<String>,
    /// Their names, in the same order.
    pub subscriber_unit_names: Vec<String>,
    pub requester_groups: Vec<String>,
    pub asset_name: String,
    pub terms: Vec<String>,
    pub requested_days: Option<u32>,
}

fn any_equal(wanted: &[String], have: &[String]) -> Option<String> {
    wanted.iter().find(|w| have.iter().any(|h| h.eq_ignore_ascii_case(w))).cloned()
}

impl RuleConditions {
    /// Why the request matches, in words, or `None` when it does not.
    pub fn explain(&self, facts: &RequestFacts) -> Option<String> {
        let mut why = Vec::new();
        if !self.subscriber_units.is_empty() {
            let at = facts.subscriber_units.iter().position(|unit| self.subscriber_units.contains(unit))?;
            let name = facts.subscriber_unit_names.get(at).unwrap_or(&facts.subscriber_units[at]);
            why.push(format!("subscriber in {name}"));
        }
        if !self.requester_groups.is_empty() {
            let group = self.requester_groups.iter().find(|g| facts.requester_groups.contains(&g.id))?;
            why.push(format!("requester in group {}", group.name));
        }
        if !self.assets.is_empty() {
            why.push(format!("asset {}", any_equal(&self.assets, std::slice::from_ref(&facts.asset_name))?));
        }
        if !self.terms.is_empty() {
            why.push(format!("term {}", any_equal(&self.terms, &facts.terms)?));
        }
        if let Some(max) = self.max_days {
            let days = facts.requested_days.filter(|d| *d <= max)?;
            why.push(format!("{days} days ≤ {max}"));
        }
        Some(if why.is_empty() { "matches every request".into() } else { why.join(", ") })
    }

    /// The conditions in words; `unit_label` names a unit id for people.
    pub fn summary(&self, unit_label: impl Fn(&str) -> String) -> String {
        let mut parts = Vec::new();
        if !self.subscriber_units.is_empty() {
            let units: Vec<String> = self.subscriber_units.iter().map(|id| unit_label(id)).collect();
            parts.push(format!("subscriber unit is {}", units.join(" or ")));
        }
        if !self.requester_groups.is_empty() {
            let names: Vec<&str> = self.requester_groups.iter().map(|g| g.name.as_str()).collect();
            parts.push(format!("requester in {}", names.join(" or ")));
        }
        if !self.assets.is_empty() {
            parts.push(format!("asset is {}", self.assets.join(" or ")));
        }
        if !self.terms.is_empty() {
            parts.push(format!("asset has term {}", self.terms.join(" or ")));
        }
        if let Some(max) = self.max_days {
            parts.push(format!("at most {max} days"));
        }
        if parts.is_empty() {
            "every request".into()
        } else {
            parts.join(" and ")
        }
    }
}

/// A rule as edited: `id` empty for a new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RuleForm {
    pub id: String,
    pub name: String,
    /// Domain unit name the rule covers; empty: the whole domain.
    pub scope_unit: String,
    pub conditions: RuleConditions,
    pub action: RuleAction,
    pub comment: String,
    pub enabled: bool,
}

impl RuleForm {
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Some(("name", "Give the rule a name of 1 to 100 characters.".into()));
        }
        if self.conditions.max_days.is_some_and(|d| d == 0 || d > DAYS_MAX) {
            return Some(("max_days", format!("The longest period is 1 to {DAYS_MAX} days.")));
        }
        if self.comment.chars().count() > REASON_MAX {
            return Some(("comment", format!("Keep the comment under {REASON_MAX} characters.")));
        }
        None
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RuleView {
    pub form: RuleForm,
    /// The label of the unit the rule is scoped to, or "Whole domain".
    pub scope_name: String,
    pub position: i32,
    pub summary: String,
    pub updated_by: String,
    pub updated_at: String,
    pub editable: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RulesPage {
    pub rules: Vec<RuleView>,
    /// Units the viewer may scope rules to (all, for admins: empty `scope_unit` allowed).
    pub scopes: Vec<ScopeChoice>,
    /// Every domain unit, for the subscriber-unit condition.
    pub units: Vec<ScopeChoice>,
    pub whole_domain: bool,
}

/// A domain unit a rule can be scoped to: its id (what the rule keeps) and its label.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ScopeChoice {
    pub id: String,
    /// `Parent / Child`.
    pub name: String,
}

/// What a rule would do to the pending queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DryRunRow {
    pub id: String,
    pub asset_name: String,
    pub subscriber_project: String,
    pub requester: String,
    pub why: String,
    /// An earlier rule decides it first, so this one would not.
    pub taken_by: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DryRun {
    pub examined: u32,
    pub matches: Vec<DryRunRow>,
}

/// A grant of a subscription to one target (environment) of the subscribing project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct GrantView {
    pub target: String,
    /// SubscriptionGrantStatus of the asset at this target.
    pub status: String,
    /// DataZone's failure cause, when the grant or its revocation failed.
    pub failure: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MySubscription {
    pub request_id: String,
    pub listing_id: String,
    pub asset_name: String,
    pub owner_project: String,
    /// PENDING, ACCEPTED or REJECTED.
    pub status: String,
    pub subscription_status: Option<String>,
    pub decided_by: Option<String>,
    pub decision_comment: Option<String>,
    pub expires_at: Option<String>,
    pub expiring_soon: bool,
    pub extension_pending: bool,
    pub grants: Vec<GrantView>,
    pub created_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProjectSubscriptions {
    pub project_id: String,
    pub project_name: String,
    pub items: Vec<MySubscription>,
}

#[cfg(test)]
mod access_terms_tests {
    use super::*;

    #[test]
    fn terms_check_themselves_and_the_periods_asked_for() {
        let terms = AccessTerms { default_days: Some(30), max_days: Some(90), ..AccessTerms::standard("a1") };
        assert_eq!(terms.problem(), None);
        assert_eq!(AccessTerms { default_days: Some(120), ..terms.clone() }.problem().unwrap().0, "default_days");
        assert_eq!(AccessTerms { max_days: Some(0), ..terms.clone() }.problem().unwrap().0, "max_days");
        assert_eq!(terms.refuses(Some(90)), None);
        assert!(terms.refuses(Some(91)).is_some() && terms.refuses(None).is_some());
        assert_eq!(AccessTerms::standard("a1").refuses(None), None);
        assert_eq!(terms.summary(), "A steward approves each request; access runs 30 days by default, at most 90.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> RequestFacts {
        RequestFacts {
            subscriber_units: vec!["u-sales".into(), "u-forecast".into()],
            subscriber_unit_names: vec!["SalesOperations".into(), "Forecasting".into()],
            requester_groups: vec!["g-analysts".into()],
            asset_name: "sales_pipeline_daily".into(),
            terms: vec!["Opportunity".into()],
            requested_days: Some(30),
        }
    }

    #[test]
    fn every_condition_must_hold() {
        let mut rule = RuleConditions {
            subscriber_units: vec!["u-forecast".into()],
            max_days: Some(90),
            ..RuleConditions::default()
        };
        assert_eq!(rule.explain(&facts()).as_deref(), Some("subscriber in Forecasting, 30 days ≤ 90"));
        rule.max_days = Some(7);
        assert_eq!(rule.explain(&facts()), None);
        let open_ended = RequestFacts { requested_days: None, ..facts() };
        rule.max_days = Some(90);
        assert_eq!(rule.explain(&open_ended), None, "no end date never fits a maximum");
    }

    #[test]
    fn an_empty_rule_matches_everything() {
        assert_eq!(RuleConditions::default().explain(&facts()).as_deref(), Some("matches every request"));
        assert_eq!(RuleConditions::default().summary(str::to_owned), "every request");
    }

    #[test]
    fn groups_match_by_id() {
        let group = |id: &str| Principal {
            id: id.into(),
            kind: super::super::PrincipalKind::Group,
            name: "Analysts".into(),
            detail: String::new(),
        };
        let rule = RuleConditions { requester_groups: vec![group("g-analysts")], ..RuleConditions::default() };
        assert!(rule.explain(&facts()).is_some());
        let rule = RuleConditions { requester_groups: vec![group("g-other")], ..RuleConditions::default() };
        assert!(rule.explain(&facts()).is_none());
    }

    #[test]
    fn the_form_explains_what_is_wrong() {
        let form = AccessRequestForm { project_id: "p".into(), reason: " ".into(), ..AccessRequestForm::default() };
        assert_eq!(form.problem().map(|p| p.0), Some("listing_id"));
        let form = AccessRequestForm { listing_id: "l".into(), ..form };
        assert_eq!(form.problem().map(|p| p.0), Some("reason"));
        let form = AccessRequestForm { reason: "x".into(), days: Some(0), ..form };
        assert_eq!(form.problem().map(|p| p.0), Some("days"));
        let form = AccessRequestForm { days: Some(30), ..form };
        assert_eq!(form.problem(), None);
    }
}
