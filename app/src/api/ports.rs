//! What server functions need from the server, as traits the `server` crate implements.
//! The app cannot depend on the server crate, so the server provides these in context.

use std::sync::Arc;

use async_trait::async_trait;
use leptos::prelude::*;

use crate::model::{
    AccessQuery, AccessReport, AccessRequestForm, AccessTerms, ApiError, ApiReference, AssetDetail, AssetEdit,
    AuditEntry, AuditLogPage, AuditQuery, BulkDecision, Caller, CatalogPage, CatalogQuery, CreatedToken, Dashboard,
    DeliveriesPage, DomainInfo, DriftReport, DryRun, InboxPage, InboxQuery, Inventory, MemberChange, MyProjects,
    NewGlueAsset, NewProfileGrant, NewToken, NotificationPreferences, NotificationsPage, PipelineBinding,
    PipelineBindingForm, PipelinesPage, Principal, ProducerAsset, ProducerProduct, ProductEdit, ProfileSummary,
    ProjectRequestForm, ProjectSubscriptions, RequestDetail, RequestSummary, Role, RuleForm, RulesPage, RunProgress,
    SubscriptionDetail, TermDetail, TermSummary, TokensPage, UnitChannelsForm, UnitChannelsView, UnitChoice,
    UnitDetail, UsageRow,
};

/// Who is calling. The one place identity and roles come from: every server function
/// asks it through [`require`] (or [`caller`] when anonymous use is allowed).
#[async_trait]
pub trait Auth: Send + Sync + 'static {
    /// The signed-in person of the current request, or `None` when anonymous.
    async fn caller(&self) -> Result<Option<Caller>, ApiError>;
    /// Records that `caller` was refused something needing `role`.
    async fn refused(&self, caller: Option<&Caller>, role: Role);
    /// Takes one call from the caller's own rate limit (shared by every replica); `Err`
    /// with [`ApiError::TooManyRequests`] when it is spent.
    async fn take_turn(&self, caller: &Caller) -> Result<(), ApiError>;
}

/// The audit trail, read side.
#[async_trait]
pub trait Activity: Send + Sync + 'static {
    /// The newest events, newest first; `actor` limits them to one person's.
    async fn recent(&self, limit: u32, actor: Option<&str>) -> Result<Vec<AuditEntry>, ApiError>;
    /// One page of the audit log, filtered, newest first: everything for platform admins,
    /// the requests they govern for data stewards.
    async fn search(&self, caller: &Caller, query: &AuditQuery) -> Result<AuditLogPage, ApiError>;
}

/// The DataZone domain the portal serves.
#[async_trait]
pub trait Domain: Send + Sync + 'static {
    async fn describe(&self) -> Result<DomainInfo, ApiError>;
}

/// Project requests: the form's choices, the lifecycle, and who may do what with them.
/// Methods taking a caller decide themselves what that caller may see and do.
#[async_trait]
pub trait Projects: Send + Sync + 'static {
    /// The domain-unit tree with the environments each unit allows.
    /// The domain units, each with the environments `caller` may request there.
    async fn units(&self, caller: &Caller) -> Result<Vec<UnitChoice>, ApiError>;
    /// People and groups whose name starts with or contains `query`.
    async fn search_principals(&self, query: &str) -> Result<Vec<Principal>, ApiError>;
    /// Why `name` cannot be used for a new project, or `None` when it is free.
    async fn name_problem(&self, name: &str) -> Result<Option<String>, ApiError>;
    /// Stores a new request (approving it when policy allows) and returns its id.
    async fn submit(&self, caller: &Caller, form: ProjectRequestForm) -> Result<String, ApiError>;
    async fn mine(&self, caller: &Caller) -> Result<MyProjects, ApiError>;
    async fn detail(&self, caller: &Caller, id: &str) -> Result<RequestDetail, ApiError>;
    /// Requests waiting for a decision `caller` may make.
    async fn approvals(&self, caller: &Caller) -> Result<Vec<RequestSummary>, ApiError>;
    async fn decide(&self, caller: &Caller, id: &str, approve: bool, comment: &str) -> Result<(), ApiError>;
    /// Requests a later environment (Staging, Prod) of an active project; returns the new
    /// request's id.
    async fn promote(&self, caller: &Caller, id: &str, target: &str, justification: &str) -> Result<String, ApiError>;
    async fn retire(&self, caller: &Caller, id: &str, reason: &str) -> Result<(), ApiError>;
    async fn cancel(&self, caller: &Caller, id: &str) -> Result<(), ApiError>;
    async fn retry(&self, caller: &Caller, id: &str) -> Result<(), ApiError>;
    async fn change_member(&self, caller: &Caller, id: &str, change: MemberChange) -> Result<(), ApiError>;
}

/// Platform administration of the mesh's structure; callers are platform admins.
#[async_trait]
pub trait Admin: Send + Sync + 'static {
    async fn unit(&self, id: &str) -> Result<UnitDetail, ApiError>;
    /// Creates a unit under `parent`; returns its id.
    async fn create_unit(
        &self,
        caller: &Caller,
        parent: &str,
        name: &str,
        description: &str,
    ) -> Result<String, ApiError>;
    async fn update_unit(&self, caller: &Caller, id: &str, name: &str, description: &str) -> Result<(), ApiError>;
    async fn set_owner(&self, caller: &Caller, unit: &str, owner: Principal, add: bool) -> Result<(), ApiError>;
    async fn grant(&self, caller: &Caller, grant: NewProfileGrant) -> Result<(), ApiError>;
    async fn revoke(&self, caller: &Caller, unit: &str, principal: &str) -> Result<(), ApiError>;
    async fn set_approval(&self, caller: &Caller, unit: &str, auto_approve_dev: bool) -> Result<(), ApiError>;
    /// Allows (or not) stewards to decide, for the unit's assets, requests they made or for
    /// projects they belong to.
    async fn set_self_decisions(&self, caller: &Caller, unit: &str, allow: bool) -> Result<(), ApiError>;
    async fn profiles(&self) -> Result<Vec<ProfileSummary>, ApiError>;
    async fn set_profile_enabled(&self, caller: &Caller, id: &str, enabled: bool) -> Result<(), ApiError>;
}

/// The business glossary, readable by everyone signed in.
#[async_trait]
pub trait Glossary: Send + Sync + 'static {
    /// Terms matching `query` (all of them when empty), by name.
    async fn terms(&self, query: &str) -> Result<Vec<TermSummary>, ApiError>;
    async fn term(&self, id: &str) -> Result<TermDetail, ApiError>;
}

/// The catalog of published data, and asking for access to it.
#[async_trait]
pub trait Catalog: Send + Sync + 'static {
    async fn search(&self, caller: &Caller, query: &CatalogQuery) -> Result<CatalogPage, ApiError>;
    async fn asset(&self, caller: &Caller, listing_id: &str) -> Result<AssetDetail, ApiError>;
    /// Creates the subscription request; answers its id.
    async fn request_access(&self, caller: &Caller, form: AccessRequestForm) -> Result<String, ApiError>;
}

/// Subscription requests after they are made: the stewards' inbox and decisions, rules,
/// and the subscribers' view. Methods decide themselves what the caller may see and do.
#[async_trait]
pub trait Subscriptions: Send + Sync + 'static {
    async fn inbox(&self, caller: &Caller, query: &InboxQuery) -> Result<InboxPage, ApiError>;
    async fn detail(&self, caller: &Caller, id: &str) -> Result<SubscriptionDetail, ApiError>;
    /// Queues the decisions; answers the run to follow.
    async fn decide(&self, caller: &Caller, decision: BulkDecision) -> Result<RunProgress, ApiError>;
    async fn progress(&self, caller: &Caller, run: &str) -> Result<RunProgress, ApiError>;
    async fn mine(&self, caller: &Caller) -> Result<Vec<ProjectSubscriptions>, ApiError>;
    /// Revokes (steward) or cancels (subscriber) the subscription a request granted.
    async fn end(&self, caller: &Caller, id: &str, revoke: bool) -> Result<(), ApiError>;
    /// Grants the subscription again where DataZone's grant failed (a steward of the asset).
    async fn retry_grant(&self, caller: &Caller, id: &str) -> Result<(), ApiError>;
    /// Asks for `days` more access; answers the extension request's id.
    async fn extend(&self, caller: &Caller, id: &str, days: u32, reason: &str) -> Result<String, ApiError>;
    async fn rules(&self, caller: &Caller) -> Result<RulesPage, ApiError>;
    async fn save_rule(&self, caller: &Caller, form: RuleForm) -> Result<String, ApiError>;
    async fn delete_rule(&self, caller: &Caller, id: &str) -> Result<(), ApiError>;
    async fn move_rule(&self, caller: &Caller, id: &str, up: bool) -> Result<(), ApiError>;
    /// What the rule would do to the pending requests the caller governs.
    async fn dry_run(&self, caller: &Caller, form: RuleForm) -> Result<DryRun, ApiError>;
}

/// Producers' side of the catalog. Who may do what is read from DataZone's project
/// memberships: members see their projects' assets, owners and contributors revise and
/// publish them.
#[async_trait]
pub trait Publishing: Send + Sync + 'static {
    async fn inventory(&self, caller: &Caller, project: &str, query: &str) -> Result<Inventory, ApiError>;
    async fn asset(&self, caller: &Caller, id: &str) -> Result<ProducerAsset, ApiError>;
    /// Answers the new revision.
    async fn revise(&self, caller: &Caller, edit: AssetEdit) -> Result<String, ApiError>;
    /// Answers the new asset's id.
    async fn add_glue(&self, caller: &Caller, form: NewGlueAsset) -> Result<String, ApiError>;
    async fn publish(&self, caller: &Caller, id: &str, revision: &str, publish: bool) -> Result<(), ApiError>;
    /// A data product (`id`), or a new one for `project` (`id` empty).
    async fn product(&self, caller: &Caller, id: &str, project: &str) -> Result<ProducerProduct, ApiError>;
    /// Creates the product or saves its next revision; answers the product's id.
    async fn save_product(&self, caller: &Caller, edit: ProductEdit) -> Result<String, ApiError>;
    /// Publishes the product's `revision` (and any of its assets the catalog does not list),
    /// or takes it out.
    async fn publish_product(&self, caller: &Caller, id: &str, revision: &str, publish: bool) -> Result<(), ApiError>;
    /// Sets what the producers of an asset or data product promise about access.
    async fn set_access_terms(&self, caller: &Caller, terms: AccessTerms) -> Result<(), ApiError>;
    /// A Markdown description as the asset page will show it (safe HTML).
    fn preview(&self, markdown: &str) -> String;
}

/// Reports over the workflow's history; callers are platform admins.
#[async_trait]
pub trait Reports: Send + Sync + 'static {
    async fn dashboard(&self) -> Result<Dashboard, ApiError>;
    async fn usage(&self) -> Result<Vec<UsageRow>, ApiError>;
    async fn access(&self, query: &AccessQuery) -> Result<AccessReport, ApiError>;
}

/// The drift check: differences between the portal and DataZone.
#[async_trait]
pub trait Drift: Send + Sync + 'static {
    async fn report(&self) -> Result<DriftReport, ApiError>;
    /// Runs the check now, for `caller` (audited).
    async fn check_now(&self, caller: &Caller) -> Result<DriftReport, ApiError>;
}

/// Notifications: each person's list and email preferences; admins' channels and log.
#[async_trait]
pub trait Notifications: Send + Sync + 'static {
    async fn page(&self, caller: &Caller) -> Result<NotificationsPage, ApiError>;
    async fn unread(&self, caller: &Caller) -> Result<u32, ApiError>;
    /// Marks the caller's entries read: `ids`, or all when empty.
    async fn mark_read(&self, caller: &Caller, ids: Vec<i64>) -> Result<(), ApiError>;
    async fn save_preferences(&self, caller: &Caller, preferences: NotificationPreferences) -> Result<(), ApiError>;
    /// Sends a test email to the caller now; 422 with the SMTP server's answer when it fails.
    async fn test_email(&self, caller: &Caller) -> Result<String, ApiError>;
    /// Admins: email set-up, delivery counts and the newest deliveries (`state` filters).
    async fn deliveries(&self, caller: &Caller, state: Option<String>) -> Result<DeliveriesPage, ApiError>;
    async fn retry_delivery(&self, caller: &Caller, id: &str) -> Result<(), ApiError>;
    async fn unit_channels(&self, caller: &Caller, unit: &str) -> Result<UnitChannelsView, ApiError>;
    /// Saves a unit's webhooks and review SLA; 422 for a URL that is not a webhook.
    async fn save_unit_channels(&self, caller: &Caller, form: UnitChannelsForm) -> Result<UnitChannelsView, ApiError>;
    /// Posts a test message to a unit's `slack` or `teams` webhook now; 422 with what the
    /// channel answered when it fails.
    async fn test_unit_channel(&self, caller: &Caller, unit: &str, channel: &str) -> Result<String, ApiError>;
}

/// Personal access tokens, managed by their owner from a signed-in browser.
#[async_trait]
pub trait Tokens: Send + Sync + 'static {
    async fn page(&self, caller: &Caller) -> Result<TokensPage, ApiError>;
    async fn create(&self, caller: &Caller, form: NewToken) -> Result<CreatedToken, ApiError>;
    async fn revoke(&self, caller: &Caller, id: &str) -> Result<(), ApiError>;
    /// The live pipeline bindings (admins).
    async fn pipelines(&self, caller: &Caller) -> Result<PipelinesPage, ApiError>;
    /// Binds a pipeline after reading its issuer's discovery document and finding the
    /// person it acts for in Identity Center.
    async fn bind_pipeline(&self, caller: &Caller, form: PipelineBindingForm) -> Result<PipelineBinding, ApiError>;
    async fn unbind_pipeline(&self, caller: &Caller, id: &str) -> Result<(), ApiError>;
}

/// Everything the server provides to server functions, built once at start.
#[derive(Clone)]
pub struct Services {
    pub auth: Arc<dyn Auth>,
    pub activity: Arc<dyn Activity>,
    pub domain: Arc<dyn Domain>,
    pub projects: Arc<dyn Projects>,
    pub admin: Arc<dyn Admin>,
    pub glossary: Arc<dyn Glossary>,
    pub catalog: Arc<dyn Catalog>,
    pub publishing: Arc<dyn Publishing>,
    pub subscriptions: Arc<dyn Subscriptions>,
    pub reports: Arc<dyn Reports>,
    pub drift: Arc<dyn Drift>,
    pub tokens: Arc<dyn Tokens>,
    pub notifications: Arc<dyn Notifications>,
    /// The `/api/v1` reference, made once from the OpenAPI document.
    pub api_reference: Arc<ApiReference>,
}

/// The services of the running portal. A server function called outside the portal's
/// router (there is none) would get an internal error rather than a panic.
pub fn services() -> Result<Services, ApiError> {
    use_context::<Services>().ok_or(ApiError::Internal { request_id: None })
}

/// The signed-in caller, if any; for the few functions anonymous visitors may use.
pub async fn caller() -> Result<Option<Caller>, ApiError> {
    respond(services()?.auth.caller().await)
}

/// The guard: the signed-in caller holding `role`, or 401 (anonymous) / 403 (signed in
/// without the role), recorded in the audit trail, or 429 past the person's rate limit.
/// Every team lead is signed in, so `Role::TeamLead` means "any signed-in person".
pub async fn require(role: Role) -> Result<Caller, ApiError> {
    let auth = services()?.auth;
    let caller = respond(auth.caller().await)?;
    match caller {
        Some(caller) if caller.has(role) => {
            respond(auth.take_turn(&caller).await)?;
            Ok(caller)
        }
        Some(caller) => {
            auth.refused(Some(&caller), role).await;
            respond(Err(ApiError::Forbidden))
        }
        None => {
            auth.refused(None, role).await;
            respond(Err(ApiError::NotSignedIn))
        }
    }
}

/// Sets the HTTP status for a failed server function so clients other than the UI (and
/// load balancers' logs) see 401/403/503 rather than a blanket 500.
pub fn respond<T>(result: Result<T, ApiError>) -> Result<T, ApiError> {
    if let Err(error) = &result {
        if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
            if let Ok(status) = http::StatusCode::from_u16(error.status()) {
                options.set_status(status);
            }
        }
    }
    result
}
