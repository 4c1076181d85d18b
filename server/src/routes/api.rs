//! `/api/v1`: the portal's JSON API for pipelines and scripts, authenticated by personal
//! access tokens (`Authorization: Bearer mgp_…`).
//!
//! Every route calls the same server function a page calls, inside the same request
//! context, so authorization, input caps, rate limits and the audit trail are the pages'
//! own; this layer adds the token, its scopes, RFC 9457 problem documents, `Idempotency-Key`
//! on POSTs and one `api.call` audit event per call (actor: the token's owner; target: the
//! token).

use std::future::Future;

use app::model::{
    AccessQuery, AccessReport, AccessRequestForm, ApiError, ApiOperation, ApiReference, AssetDetail, AssetEdit,
    AuditLogPage, AuditQuery, BulkDecision, Caller, CatalogPage, CatalogQuery, Dashboard, DriftReport, DryRun,
    FieldProblem, InboxPage, InboxQuery, Inventory, MemberChange, MyProjects, Principal, ProducerAsset,
    ProjectRequestForm, ProjectSubscriptions, RequestDetail, RuleForm, RulesPage, RunProgress, SubscriptionDetail,
    TermSummary, TokenScope, UnitChoice, UsageRow,
};
use axum::body::{to_bytes, Body};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http::request::Parts;
use leptos::prelude::provide_context;
use leptos::reactive::computed::ScopedFuture;
use leptos::reactive::owner::Owner;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::auth::pipeline::Refusal;
use crate::error::request_id;
use crate::state::AppState;
use crate::store::audit;
use crate::store::tokens::{self, Claim, TokenOwner};

/// The longest `Idempotency-Key`, in characters.
pub const IDEMPOTENCY_KEY_MAX: usize = 255;

/// A failure as an RFC 9457 problem document (`application/problem+json`): `type`, `title`,
/// `status`, `detail`, `instance`, and for invalid input the field problems the pages show
/// (`errors: [{field, message}]`). 401 carries `WWW-Authenticate: Bearer`, 429
/// `Retry-After` in seconds.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    kind: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<Value>,
}

impl Problem {
    fn new(status: StatusCode, kind: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self { status, kind, title, detail: detail.into(), errors: Vec::new() }
    }

    fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad-request", "The request could not be read", detail)
    }

    fn unauthorized(detail: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "not-signed-in", "A valid token is needed", detail)
    }

    fn missing_scope(scope: TokenScope) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "missing-scope",
            "The token lacks a scope",
            format!("This call needs a token with the {} scope.", scope.name()),
        )
    }

    /// The document; `instance` is the path asked for.
    fn into_response_for(self, path: Option<&str>, request_id: Option<&str>) -> Response {
        let mut body = json!({
            "type": format!("/api/v1/problems/{}", self.kind),
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if let Some(path) = path {
            body["instance"] = Value::String(path.to_owned());
        }
        if !self.errors.is_empty() {
            body["errors"] = Value::Array(self.errors);
        }
        if let Some(id) = request_id {
            body["request_id"] = Value::String(id.to_owned());
        }
        let mut response = (self.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"meshgate\""));
        }
        if self.status == StatusCode::TOO_MANY_REQUESTS {
            headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// A handler's problem; the response's `x-request-id` header names the request.
impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        self.into_response_for(None, None)
    }
}

impl From<ApiError> for Problem {
    fn from(error: ApiError) -> Self {
        let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let detail = error.to_string();
        let (kind, title) = match &error {
            ApiError::NotSignedIn => ("not-signed-in", "A valid token is needed"),
            ApiError::Forbidden => ("forbidden", "Not allowed"),
            ApiError::Invalid { .. } => ("invalid", "The input has a problem"),
            ApiError::Conflict { .. } => ("conflict", "The request conflicts with the current state"),
            ApiError::NotFound { .. } => ("not-found", "Not found"),
            ApiError::DatabaseUnavailable => ("database-unavailable", "The portal's database is unavailable"),
            ApiError::Upstream { .. } => ("upstream", "AWS refused or failed the call"),
            ApiError::TooManyRequests => ("too-many-requests", "Too many calls"),
            ApiError::Internal { .. } | ApiError::Transport(_) => ("internal", "Something went wrong"),
        };
        let mut problem = Problem::new(status, kind, title, detail);
        if let ApiError::Invalid { field, message } = error {
            problem.errors.push(json!({ "field": field, "message": message }));
        }
        problem
    }
}

/// An answer ready to send: a status and a JSON body, or a problem.
pub type Answer = Result<(StatusCode, axum::Json<Value>), Problem>;

fn ok<T: Serialize>(status: StatusCode, value: &T) -> Answer {
    serde_json::to_value(value).map(|v| (status, axum::Json(v))).map_err(|error| {
        // The reference a person quotes is the response's x-request-id, not this text.
        tracing::error!(%error, "an API answer could not be written as JSON");
        Problem::from(ApiError::Internal { request_id: None })
    })
}

/// Runs a server function the way the pages' requests run it: in a reactive owner holding
/// the portal's services and this request's parts (with its token's owner), so the guard,
/// the caps and the audit trail behave exactly as for a page.
async fn call<T, F, Fut>(state: &AppState, parts: Parts, scope: TokenScope, function: F) -> Result<T, Problem>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let owner = parts.extensions.get::<TokenOwner>().ok_or_else(|| Problem::unauthorized("Send a token."))?;
    if !owner.scopes.contains(&scope) {
        return Err(Problem::missing_scope(scope));
    }
    let reactive = Owner::new();
    reactive.with(|| {
        provide_context(state.services.clone());
        provide_context(leptos_axum::ResponseOptions::default());
        provide_context(parts);
    });
    let future = reactive.with(|| ScopedFuture::new(function()));
    future.await.map_err(Problem::from)
}

/// What a pipeline's call would change, to check that it belongs to the pipeline's product.
enum Touches<'a> {
    /// A product named in the body.
    Product(&'a str),
    /// A project request, by id.
    Request(&'a str),
    /// A DataZone project, by id.
    Project(&'a str),
    /// A DataZone asset, by id.
    Asset(&'a str),
}

/// For a pipeline, which works on one product only: refuses a change to anything that is
/// not its product's (a project request, one of its projects, an asset of those). People's
/// tokens pass. The lookups run as the pipeline, with `scope`, the scope of the call itself.
async fn pipeline_product(
    state: &AppState,
    parts: &Parts,
    scope: TokenScope,
    touches: Touches<'_>,
) -> Result<(), Problem> {
    let Some(own) = parts.extensions.get::<TokenOwner>().and_then(|o| o.product.clone()) else { return Ok(()) };
    let product = match touches {
        Touches::Product(product) => Some(product.trim().to_owned()),
        Touches::Request(id) => {
            let id = id.to_owned();
            Some(call(state, parts.clone(), scope, || app::api::project_request(id)).await?.summary.product)
        }
        Touches::Project(project_id) => product_of_project(state, parts, scope, project_id).await?,
        Touches::Asset(id) => {
            let id = id.to_owned();
            let asset = call(state, parts.clone(), scope, || app::api::data_asset(id)).await?;
            product_of_project(state, parts, scope, &asset.project_id).await?
        }
    };
    if product.as_deref().is_some_and(|p| p.eq_ignore_ascii_case(&own)) {
        return Ok(());
    }
    let what = product.unwrap_or_else(|| "a project of no Meshgate product".to_owned());
    Err(Problem::new(
        StatusCode::FORBIDDEN,
        "other-product",
        "The pipeline works on another product",
        format!("This pipeline may change what belongs to {own} only, not {what}."),
    ))
}

/// The product whose environment DataZone project `project_id` is, among the caller's.
async fn product_of_project(
    state: &AppState,
    parts: &Parts,
    scope: TokenScope,
    project_id: &str,
) -> Result<Option<String>, Problem> {
    let mine = call(state, parts.clone(), scope, app::api::load_my_projects).await?;
    Ok(mine
        .products
        .into_iter()
        .find(|p| p.environments.iter().any(|e| e.project_id.as_deref() == Some(project_id.trim())))
        .map(|p| p.product))
}

/// Decisions on access are a person's: a pipeline may not make them.
fn not_a_pipeline(parts: &Parts) -> Result<(), Problem> {
    if parts.extensions.get::<TokenOwner>().is_some_and(|o| o.product.is_some()) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "person-only",
            "Only a person decides access",
            "Decide subscription requests with a personal access token, not a pipeline's ID token.",
        ));
    }
    Ok(())
}

/// A JSON body, or a 400 problem naming what could not be read.
fn body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Problem> {
    if bytes.is_empty() {
        return Err(Problem::bad_request("Send a JSON body."));
    }
    serde_json::from_slice(bytes).map_err(|e| Problem::bad_request(format!("The JSON body could not be read: {e}")))
}

/// Query parameters, or a 400 problem naming what could not be read.
fn query<T: DeserializeOwned>(parts: &Parts) -> Result<T, Problem> {
    Query::<T>::try_from_uri(&parts.uri).map(|q| q.0).map_err(|e| Problem::bad_request(e.body_text()))
}

/// The id of what a POST made.
#[derive(Serialize, utoipa::ToSchema)]
struct Created {
    id: String,
}

/// What a change left: `retiring`, `cancelled`, `approved`, `rejected` (project requests),
/// `member`, `removed` (members), `published`, `unpublished` (assets).
#[derive(Serialize, utoipa::ToSchema)]
struct Status {
    status: String,
}

fn status(status: &str) -> Answer {
    ok(StatusCode::OK, &Status { status: status.to_owned() })
}

/// An RFC 9457 problem document.
#[derive(Serialize, utoipa::ToSchema)]
#[allow(dead_code)] // describes the JSON `Problem` writes, for the OpenAPI document
struct ProblemDocument {
    /// `/api/v1/problems/<kind>`: not-signed-in, missing-scope, forbidden, invalid, conflict,
    /// not-found, too-many-requests, idempotency-key-reused, in-flight, bad-request, upstream,
    /// database-unavailable, internal.
    r#type: String,
    title: String,
    status: u16,
    detail: String,
    instance: Option<String>,
    /// For `invalid`: the field and what is wrong with it, as the pages show it.
    errors: Option<Vec<FieldProblem>>,
    request_id: Option<String>,
}

/// The failures every route may answer with, as problem documents.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // describes `Problem`'s answers for the OpenAPI document
enum Problems {
    /// A problem with the call (401 no or bad token, 403 missing scope or role, 404, 409,
    /// 422 field problems, 429 with Retry-After).
    #[response(status = "4XX", content_type = "application/problem+json")]
    Client(ProblemDocument),
    /// The portal, its database or AWS failed.
    #[response(status = "5XX", content_type = "application/problem+json")]
    Server(ProblemDocument),
}

// ---- reads -------------------------------------------------------------------------

#[utoipa::path(
    get,
    path = "/api/v1/me",
    operation_id = "getMe",
    tag = "people",
    summary = "The token's owner and the roles the token acts with",
    responses(
        (status = 200, description = "The caller", body = Caller),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn me(State(s): State<AppState>, parts: Parts) -> Answer {
    let caller = call(&s, parts, TokenScope::Read, app::api::who_am_i).await?;
    ok(StatusCode::OK, &caller)
}

#[utoipa::path(
    get,
    path = "/api/v1/projects",
    operation_id = "listProjects",
    tag = "projects",
    summary = "The caller's projects and project requests",
    responses(
        (status = 200, description = "Projects and requests", body = MyProjects),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn projects(State(s): State<AppState>, parts: Parts) -> Answer {
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, app::api::load_my_projects).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/project-requests/{id}",
    operation_id = "getProjectRequest",
    tag = "projects",
    summary = "A project request with its history",
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "The request", body = RequestDetail),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn project_request(State(s): State<AppState>, Path(id): Path<String>, parts: Parts) -> Answer {
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, || app::api::project_request(id)).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/catalog",
    operation_id = "searchCatalog",
    tag = "catalog",
    summary = "Search the published catalog (DataZone SearchListings)",
    params(CatalogQuery),
    responses(
        (status = 200, description = "One page of listings; `next_page` continues", body = CatalogPage),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn catalog(State(s): State<AppState>, parts: Parts) -> Answer {
    let q: CatalogQuery = query(&parts)?;
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, || app::api::catalog_search(q)).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/catalog/{listing_id}",
    operation_id = "getCatalogEntry",
    tag = "catalog",
    summary = "A listing with its asset or data product (DataZone GetListing)",
    params(("listing_id" = String, Path, description = "The DataZone listing id")),
    responses(
        (status = 200, description = "The listing", body = AssetDetail),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn catalog_entry(State(s): State<AppState>, Path(id): Path<String>, parts: Parts) -> Answer {
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, || app::api::catalog_asset(id)).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/subscription-requests/{id}",
    operation_id = "getSubscriptionRequest",
    tag = "access",
    summary = "A subscription request as its requester or steward sees it",
    params(("id" = String, Path, description = "The DataZone subscription request id")),
    responses(
        (status = 200, description = "The request", body = SubscriptionDetail),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn subscription_request(State(s): State<AppState>, Path(id): Path<String>, parts: Parts) -> Answer {
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, || app::api::subscription_request(id)).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/subscriptions",
    operation_id = "listSubscriptions",
    tag = "access",
    summary = "What the caller's projects subscribe to",
    responses(
        (status = 200, description = "Per project", body = Vec<ProjectSubscriptions>),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn subscriptions(State(s): State<AppState>, parts: Parts) -> Answer {
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, app::api::my_subscriptions).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/inbox",
    operation_id = "listInbox",
    tag = "decisions",
    summary = "The steward inbox: requests for the data the caller governs",
    params(InboxQuery),
    responses(
        (status = 200, description = "One page; `offset` continues", body = InboxPage),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn inbox(State(s): State<AppState>, parts: Parts) -> Answer {
    let q: InboxQuery = query(&parts)?;
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, || app::api::steward_inbox(q)).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/decisions/{run}",
    operation_id = "getDecisionRun",
    tag = "decisions",
    summary = "How far a bulk decision has got",
    params(("run" = String, Path, description = "The run id a decision answered")),
    responses(
        (status = 200, description = "Progress", body = RunProgress),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn decision_run(State(s): State<AppState>, Path(run): Path<String>, parts: Parts) -> Answer {
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, || app::api::decision_progress(run)).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/rules",
    operation_id = "listRules",
    tag = "decisions",
    summary = "Auto-approval rules the caller may see and edit",
    responses(
        (status = 200, description = "The rules, in order", body = RulesPage),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn rules(State(s): State<AppState>, parts: Parts) -> Answer {
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, app::api::approval_rules).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct TextQuery {
    q: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/glossary",
    operation_id = "searchGlossary",
    tag = "catalog",
    summary = "Glossary terms (DataZone Search, GLOSSARY_TERM)",
    params(("q" = Option<String>, Query, description = "Text in the term; all terms when empty")),
    responses(
        (status = 200, description = "Matching terms", body = Vec<TermSummary>),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn glossary(State(s): State<AppState>, parts: Parts) -> Answer {
    let q: TextQuery = query(&parts)?;
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, || app::api::glossary_terms(q.q)).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/audit",
    operation_id = "listAuditEvents",
    tag = "admin",
    summary = "The audit log, newest first, filtered: everything for platform admins, the requests they govern for data stewards",
    params(AuditQuery),
    responses(
        (status = 200, description = "One page; `before` continues", body = AuditLogPage),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn audit_log(State(s): State<AppState>, parts: Parts) -> Answer {
    let q: AuditQuery = query(&parts)?;
    let page =
        call(&s, parts, TokenScope::Read, || app::api::audit_log(q.actor, q.action, q.target, q.from, q.to, q.before))
            .await?;
    ok(StatusCode::OK, &page)
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/dashboard",
    operation_id = "getDashboard",
    tag = "admin",
    summary = "Workflow figures for platform admins",
    responses(
        (status = 200, description = "The dashboard", body = Dashboard),
        Problems,
    ),
    security(("token" = ["admin"])),
)]
async fn dashboard(State(s): State<AppState>, parts: Parts) -> Answer {
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Admin, app::api::report_dashboard).await?)
}

// ---- changes -----------------------------------------------------------------------

#[utoipa::path(
    post,
    path = "/api/v1/project-requests",
    operation_id = "createProjectRequest",
    tag = "projects",
    summary = "Request a project (DataZone CreateProject once approved)",
    request_body(content = ProjectRequestForm, content_type = "application/json"),
    responses(
        (status = 201, description = "The new request's id", body = Created),
        Problems,
    ),
    security(("token" = ["projects"])),
)]
async fn submit_project_request(State(s): State<AppState>, parts: Parts, bytes: axum::body::Bytes) -> Answer {
    let form: ProjectRequestForm = body(&bytes)?;
    pipeline_product(&s, &parts, TokenScope::Projects, Touches::Product(&form.product)).await?;
    let id = call(&s, parts, TokenScope::Projects, || app::api::submit_project_request(form)).await?;
    ok(StatusCode::CREATED, &Created { id })
}

#[derive(Deserialize, utoipa::ToSchema)]
struct Promotion {
    /// `staging` or `prod`.
    environment: String,
    justification: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/project-requests/{id}/promote",
    operation_id = "promoteProject",
    tag = "projects",
    summary = "Request the next environment (Staging, Prod) of an active project",
    params(("id" = String, Path, description = "The request's id")),
    request_body(content = Promotion, content_type = "application/json"),
    responses(
        (status = 201, description = "The new request's id", body = Created),
        Problems,
    ),
    security(("token" = ["projects"])),
)]
async fn promote(State(s): State<AppState>, Path(id): Path<String>, parts: Parts, bytes: axum::body::Bytes) -> Answer {
    let p: Promotion = body(&bytes)?;
    pipeline_product(&s, &parts, TokenScope::Projects, Touches::Request(&id)).await?;
    let id =
        call(&s, parts, TokenScope::Projects, || app::api::promote_project(id, p.environment, p.justification)).await?;
    ok(StatusCode::CREATED, &Created { id })
}

#[derive(Deserialize, utoipa::ToSchema)]
struct Retirement {
    reason: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/project-requests/{id}/retire",
    operation_id = "retireProject",
    tag = "projects",
    summary = "Retire an active project (DataZone DeleteProject)",
    params(("id" = String, Path, description = "The request's id")),
    request_body(content = Retirement, content_type = "application/json"),
    responses(
        (status = 200, description = "Retiring", body = Status),
        Problems,
    ),
    security(("token" = ["projects"])),
)]
async fn retire(State(s): State<AppState>, Path(id): Path<String>, parts: Parts, bytes: axum::body::Bytes) -> Answer {
    let r: Retirement = body(&bytes)?;
    pipeline_product(&s, &parts, TokenScope::Projects, Touches::Request(&id)).await?;
    call(&s, parts, TokenScope::Projects, || app::api::retire_project(id, r.reason)).await?;
    status("retiring")
}

#[utoipa::path(
    post,
    path = "/api/v1/project-requests/{id}/cancel",
    operation_id = "cancelProjectRequest",
    tag = "projects",
    summary = "Withdraw a request still waiting for approval",
    params(("id" = String, Path, description = "The request's id")),
    responses(
        (status = 200, description = "Cancelled", body = Status),
        Problems,
    ),
    security(("token" = ["projects"])),
)]
async fn cancel(State(s): State<AppState>, Path(id): Path<String>, parts: Parts) -> Answer {
    pipeline_product(&s, &parts, TokenScope::Projects, Touches::Request(&id)).await?;
    call(&s, parts, TokenScope::Projects, || app::api::cancel_project_request(id)).await?;
    status("cancelled")
}

#[derive(Deserialize, utoipa::ToSchema)]
struct ProjectDecision {
    approve: bool,
    #[serde(default)]
    comment: String,
}

#[utoipa::path(
    post,
    path = "/api/v1/project-requests/{id}/decision",
    operation_id = "decideProjectRequest",
    tag = "projects",
    summary = "Approve or reject a project request",
    params(("id" = String, Path, description = "The request's id")),
    request_body(content = ProjectDecision, content_type = "application/json"),
    responses(
        (status = 200, description = "Decided", body = Status),
        Problems,
    ),
    security(("token" = ["decide"])),
)]
async fn decide_project(
    State(s): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
    bytes: axum::body::Bytes,
) -> Answer {
    let d: ProjectDecision = body(&bytes)?;
    pipeline_product(&s, &parts, TokenScope::Decide, Touches::Request(&id)).await?;
    call(&s, parts, TokenScope::Decide, || app::api::decide_project_request(id, d.approve, d.comment)).await?;
    status(if d.approve { "approved" } else { "rejected" })
}

#[utoipa::path(
    post,
    path = "/api/v1/subscription-requests",
    operation_id = "createSubscriptionRequest",
    tag = "access",
    summary = "Ask for access to a listing for a project (DataZone CreateSubscriptionRequest)",
    request_body(content = AccessRequestForm, content_type = "application/json"),
    responses(
        (status = 201, description = "The new request's id", body = Created),
        Problems,
    ),
    security(("token" = ["subscriptions"])),
)]
async fn request_access(State(s): State<AppState>, parts: Parts, bytes: axum::body::Bytes) -> Answer {
    let mut form: AccessRequestForm = body(&bytes)?;
    if form.token.is_empty() {
        // DataZone's client token: the caller's Idempotency-Key when there is one, so a
        // retry after a lost answer finds the request already made.
        form.token = idempotency_key(&parts.headers)
            .map_or_else(|| uuid::Uuid::new_v4().to_string(), |k| format!("{:x}", Sha256::digest(k.as_bytes())));
        form.token.truncate(64);
    }
    pipeline_product(&s, &parts, TokenScope::Subscriptions, Touches::Project(&form.project_id)).await?;
    let id = call(&s, parts, TokenScope::Subscriptions, || app::api::request_access(form)).await?;
    ok(StatusCode::CREATED, &Created { id })
}

#[utoipa::path(
    post,
    path = "/api/v1/decisions",
    operation_id = "decideSubscriptionRequests",
    tag = "decisions",
    summary = "Accept or reject subscription requests in bulk (DataZone Accept/RejectSubscriptionRequest, queued)",
    request_body(content = BulkDecision, content_type = "application/json"),
    responses(
        (status = 202, description = "The run that carries the decisions out", body = RunProgress),
        Problems,
    ),
    security(("token" = ["decide"])),
)]
async fn decide(State(s): State<AppState>, parts: Parts, bytes: axum::body::Bytes) -> Answer {
    let decision: BulkDecision = body(&bytes)?;
    not_a_pipeline(&parts)?;
    let run = call(&s, parts, TokenScope::Decide, || app::api::decide_subscriptions(decision)).await?;
    ok(StatusCode::ACCEPTED, &run)
}

#[utoipa::path(
    post,
    path = "/api/v1/rules/dry-run",
    operation_id = "dryRunRule",
    tag = "decisions",
    summary = "What a rule would do to the pending requests the caller governs",
    request_body(content = RuleForm, content_type = "application/json"),
    responses(
        (status = 200, description = "The outcome per request", body = DryRun),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn dry_run(State(s): State<AppState>, parts: Parts, bytes: axum::body::Bytes) -> Answer {
    let form: RuleForm = body(&bytes)?;
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, || app::api::dry_run_rule(form)).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/usage",
    operation_id = "getUsageReport",
    tag = "admin",
    summary = "Per asset: subscribers, requests, decisions and decision times",
    responses(
        (status = 200, description = "One row per listed asset", body = Vec<UsageRow>),
        Problems,
    ),
    security(("token" = ["admin"])),
)]
async fn usage_report(State(s): State<AppState>, parts: Parts) -> Answer {
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Admin, app::api::report_usage).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/access",
    operation_id = "getAccessReport",
    tag = "admin",
    summary = "Who has or asked for access: by asset, by subscribing project or by person",
    params(AccessQuery),
    responses(
        (status = 200, description = "The report", body = AccessReport),
        Problems,
    ),
    security(("token" = ["admin"])),
)]
async fn access_report(State(s): State<AppState>, parts: Parts) -> Answer {
    let q: AccessQuery = query(&parts)?;
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Admin, || app::api::load_access_report(q)).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/reports/drift",
    operation_id = "getDriftReport",
    tag = "admin",
    summary = "Differences between Meshgate's records and DataZone, open and resolved",
    responses(
        (status = 200, description = "The drift report", body = DriftReport),
        Problems,
    ),
    security(("token" = ["admin"])),
)]
async fn drift_report(State(s): State<AppState>, parts: Parts) -> Answer {
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Admin, app::api::report_drift).await?)
}

// ---- members, units and people ------------------------------------------------------

#[utoipa::path(
    post,
    path = "/api/v1/project-requests/{id}/members",
    operation_id = "changeProjectMember",
    tag = "projects",
    summary = "Add a member to the request's project, change their designation, or remove them (DataZone CreateProjectMembership / DeleteProjectMembership)",
    params(("id" = String, Path, description = "The request's id")),
    request_body(content = MemberChange, content_type = "application/json"),
    responses(
        (status = 200, description = "Changed in DataZone", body = Status),
        Problems,
    ),
    security(("token" = ["projects"])),
)]
async fn change_member(
    State(s): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
    bytes: axum::body::Bytes,
) -> Answer {
    let change: MemberChange = body(&bytes)?;
    pipeline_product(&s, &parts, TokenScope::Projects, Touches::Request(&id)).await?;
    let removed = change.remove;
    call(&s, parts, TokenScope::Projects, || app::api::change_project_member(id, change)).await?;
    status(if removed { "removed" } else { "member" })
}

#[utoipa::path(
    get,
    path = "/api/v1/domain-units",
    operation_id = "listDomainUnits",
    tag = "projects",
    summary = "The domain units projects can be requested in, with the environments each allows",
    responses(
        (status = 200, description = "Units, parents first", body = Vec<UnitChoice>),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn domain_units(State(s): State<AppState>, parts: Parts) -> Answer {
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, app::api::project_units).await?)
}

/// `query`: part of a person's or group's name.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct PrincipalQuery {
    #[serde(default)]
    query: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/principals",
    operation_id = "searchPrincipals",
    tag = "people",
    summary = "People and groups of Identity Center, to name as project members",
    params(PrincipalQuery),
    responses(
        (status = 200, description = "Matches, people first", body = Vec<Principal>),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn principals(State(s): State<AppState>, parts: Parts) -> Answer {
    let q: PrincipalQuery = query(&parts)?;
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, || app::api::search_principals(q.query)).await?)
}

// ---- producers: assets and publishing -------------------------------------------------

/// `project`: one of the caller's project ids (empty: the first); `query`: part of a name.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct DataQuery {
    #[serde(default)]
    project: String,
    #[serde(default)]
    query: String,
}

#[utoipa::path(
    get,
    path = "/api/v1/data",
    operation_id = "listProjectAssets",
    tag = "publishing",
    summary = "A project's assets as its producers see them: drafts, published and changed",
    params(DataQuery),
    responses(
        (status = 200, description = "The project's inventory", body = Inventory),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn data(State(s): State<AppState>, parts: Parts) -> Answer {
    let q: DataQuery = query(&parts)?;
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, || app::api::my_data(q.project, q.query)).await?)
}

#[utoipa::path(
    get,
    path = "/api/v1/data/{id}",
    operation_id = "getProjectAsset",
    tag = "publishing",
    summary = "One asset for its producers: metadata, glossary terms, forms, revisions, publication",
    params(("id" = String, Path, description = "The asset's id")),
    responses(
        (status = 200, description = "The asset", body = ProducerAsset),
        Problems,
    ),
    security(("token" = ["read"])),
)]
async fn data_asset(State(s): State<AppState>, Path(id): Path<String>, parts: Parts) -> Answer {
    ok(StatusCode::OK, &call(&s, parts, TokenScope::Read, || app::api::data_asset(id)).await?)
}

#[utoipa::path(
    post,
    path = "/api/v1/data/{id}/revisions",
    operation_id = "reviseAsset",
    tag = "publishing",
    summary = "Save a new revision of the asset's name, description, glossary terms and forms (DataZone CreateAssetRevision)",
    params(("id" = String, Path, description = "The asset's id; must equal asset_id in the body")),
    request_body(content = AssetEdit, content_type = "application/json"),
    responses(
        (status = 201, description = "The new revision", body = Created),
        Problems,
    ),
    security(("token" = ["projects"])),
)]
async fn revise(State(s): State<AppState>, Path(id): Path<String>, parts: Parts, bytes: axum::body::Bytes) -> Answer {
    let edit: AssetEdit = body(&bytes)?;
    if edit.asset_id != id {
        return Err(Problem::from(ApiError::Invalid {
            field: "asset_id".into(),
            message: "The body's asset_id is not the asset in the path.".into(),
        }));
    }
    pipeline_product(&s, &parts, TokenScope::Projects, Touches::Asset(&id)).await?;
    let revision = call(&s, parts, TokenScope::Projects, || app::api::revise_asset(edit)).await?;
    ok(StatusCode::CREATED, &Created { id: revision })
}

/// Which revision to publish, or `publish: false` to take the asset out of the catalog.
#[derive(Deserialize, utoipa::ToSchema)]
struct PublicationChange {
    revision: String,
    publish: bool,
}

#[utoipa::path(
    post,
    path = "/api/v1/data/{id}/publication",
    operation_id = "publishAsset",
    tag = "publishing",
    summary = "Publish a revision of the asset in the catalog, or take it out (DataZone CreateListingChangeSet)",
    params(("id" = String, Path, description = "The asset's id")),
    request_body(content = PublicationChange, content_type = "application/json"),
    responses(
        (status = 200, description = "Published or unpublished", body = Status),
        Problems,
    ),
    security(("token" = ["projects"])),
)]
async fn publication(
    State(s): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
    bytes: axum::body::Bytes,
) -> Answer {
    let p: PublicationChange = body(&bytes)?;
    pipeline_product(&s, &parts, TokenScope::Projects, Touches::Asset(&id)).await?;
    call(&s, parts, TokenScope::Projects, || app::api::publish_asset(id, p.revision, p.publish)).await?;
    status(if p.publish { "published" } else { "unpublished" })
}

// ---- the layer around every route --------------------------------------------------

fn idempotency_key(headers: &HeaderMap) -> Option<&str> {
    headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::trim).filter(|k| !k.is_empty())
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Checks the token, replays or records POST answers under their `Idempotency-Key`, and
/// writes one `api.call` audit event per call.
async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    // The full path: inside the nested router the URI has lost its `/api/v1`.
    let path = request
        .extensions()
        .get::<axum::extract::OriginalUri>()
        .map_or_else(|| request.uri().path().to_owned(), |uri| uri.path().to_owned());
    let method = request.method().clone();
    let request_id = request_id(request.headers()).map(str::to_owned);
    let problem = |p: Problem| p.into_response_for(Some(&path), request_id.as_deref());
    let Some(secret) = bearer(request.headers()) else {
        return problem(Problem::unauthorized(
            "Send a personal access token (Authorization: Bearer mgp_…) or your CI job's OIDC ID token.",
        ));
    };
    let (owner, job) = if secret.starts_with(tokens::SECRET_PREFIX) {
        if secret.len() > 128 {
            return problem(Problem::unauthorized("The token is not a Meshgate token."));
        }
        match tokens::authenticate(&state.pool, secret).await {
            Ok(Some(owner)) => (owner, None),
            Ok(None) => return problem(Problem::unauthorized("The token is unknown, expired or revoked.")),
            Err(error) => {
                tracing::warn!(%error, "cannot check an API token");
                return problem(ApiError::DatabaseUnavailable.into());
            }
        }
    } else {
        match state.auth.pipelines.verify(&state.pool, secret).await {
            Ok((owner, job)) => (owner, Some(job)),
            Err(Refusal::Invalid(why)) => {
                return problem(Problem::unauthorized(&format!("The pipeline's ID token was refused: {why}.")));
            }
            Err(Refusal::Database(error)) => {
                tracing::warn!(%error, "cannot check a pipeline's ID token");
                return problem(ApiError::DatabaseUnavailable.into());
            }
        }
    };
    let key = idempotency_key(request.headers()).map(str::to_owned);
    let (mut parts, body) = request.into_parts();
    parts.extensions.insert(owner.clone());
    let response = if method == Method::POST && key.is_some() {
        let key = key.unwrap_or_default();
        idempotent(&state, &owner, &key, parts, body, next).await.unwrap_or_else(problem)
    } else {
        next.run(Request::from_parts(parts, body)).await
    };
    let mut after = json!({
        "token": owner.token_name,
        "method": method.as_str(),
        "path": path,
        "status": response.status().as_u16(),
    });
    if let Some(job) = job {
        after["pipeline_job"] = job;
    }
    let event = audit::NewEvent {
        actor: &owner.username,
        action: "api.call",
        target_kind: "token",
        target_id: &owner.token_id.to_string(),
        before: None,
        after: Some(after),
        request_id: request_id.as_deref(),
    };
    if let Err(error) = audit::record(&state.pool, &event).await {
        tracing::warn!(%error, "could not record an API call");
    }
    response
}

/// A POST with an `Idempotency-Key`: the first call does the work and its answer is kept
/// (24 hours); a retry with the same key and request gets that answer back
/// (`Idempotent-Replayed: true`); the same key with another request is a 422, and while
/// the first call still runs, a 409.
async fn idempotent(
    state: &AppState,
    owner: &TokenOwner,
    key: &str,
    parts: Parts,
    body: Body,
    next: Next,
) -> Result<Response, Problem> {
    if key.chars().count() > IDEMPOTENCY_KEY_MAX {
        return Err(Problem::bad_request(format!("Keep the Idempotency-Key to {IDEMPOTENCY_KEY_MAX} characters.")));
    }
    let bytes = to_bytes(body, crate::startup::REQUEST_BODY_MAX)
        .await
        .map_err(|_| Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", "The body is too large", "Send less."))?;
    let fingerprint = format!("POST {} {:x}", parts.uri.path(), Sha256::digest(&bytes));
    let unavailable = |error: sqlx::Error| {
        tracing::warn!(%error, "idempotency record unavailable");
        Problem::from(ApiError::DatabaseUnavailable)
    };
    match tokens::claim(&state.pool, owner.token_id, key, &fingerprint).await.map_err(unavailable)? {
        Claim::Answered { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (status, axum::Json(body)).into_response();
            response.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
            if status.is_client_error() {
                response
                    .headers_mut()
                    .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
            }
            return Ok(response);
        }
        Claim::InFlight => {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                "in-flight",
                "The first call with this key is still running",
                "Try again in a moment to get its answer.",
            ));
        }
        Claim::Mismatch => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency-key-reused",
                "The key was used for another request",
                "Use a new Idempotency-Key for a different request.",
            ));
        }
        Claim::First => {}
    }
    let response = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (head, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    tokens::answer(&state.pool, owner.token_id, key, head.status.as_u16(), &value).await.map_err(unavailable)?;
    Ok(Response::from_parts(head, Body::from(bytes)))
}

/// The OpenAPI 3.1 document of `/api/v1`, generated from the routes' annotations.
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "Meshgate API",
        version = "1",
        description = "Projects, catalog, access and decisions of the Meshgate data-mesh portal for pipelines and scripts. Authenticate with a personal access token (`Authorization: Bearer mgp_…`) made on the portal's API tokens page. Every call is authorized and audited as the token's owner; POSTs take an `Idempotency-Key` header (a retry with the same key gets the first answer back).",
    ),
    paths(
        me, projects, project_request, submit_project_request, promote, retire, cancel, decide_project, catalog,
        catalog_entry, glossary, request_access, subscription_request, subscriptions, inbox, decide, decision_run,
        rules, dry_run, audit_log, dashboard, change_member, domain_units, principals, data, data_asset, revise,
        publication, usage_report, access_report, drift_report
    ),
    components(schemas(ProblemDocument, Created, Status)),
    modifiers(&TokenSecurity),
    tags(
        (name = "people", description = "Who the token acts for"),
        (name = "projects", description = "Project requests, promotion through environments, retirement"),
        (name = "catalog", description = "Published assets and data products, and the glossary"),
        (name = "publishing", description = "Producers: a project's assets, their metadata and publication"),
        (name = "access", description = "Subscription requests and what projects subscribe to"),
        (name = "decisions", description = "The steward inbox, decisions and auto-approval rules"),
        (name = "admin", description = "Audit log and reports for platform admins"),
    )
)]
pub struct ApiDoc;

struct TokenSecurity;

impl utoipa::Modify for TokenSecurity {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some(
            "A personal access token (mgp_…), or the OIDC ID token of a CI/CD job whose pipeline an admin \
             bound; scopes: read, projects, subscriptions, decide and admin."
                .into(),
        );
        components.add_security_scheme("token", SecurityScheme::Http(scheme));
    }
}

/// The OpenAPI document as JSON, made once per process.
fn document() -> &'static str {
    use utoipa::OpenApi;
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| ApiDoc::openapi().to_json().unwrap_or_default())
}

/// `GET /api/v1/openapi.json`: the document, for anyone (it holds no data).
async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], document()).into_response()
}

/// The operations of the document, in its order, as the developers page lists them.
pub fn reference() -> ApiReference {
    let document: Value = serde_json::from_str(document()).unwrap_or_default();
    let schema = |value: &Value| -> String {
        let name = |r: &Value| r.as_str().and_then(|r| r.rsplit('/').next()).unwrap_or("object").to_owned();
        match (&value["$ref"], &value["items"]["$ref"]) {
            (r @ Value::String(_), _) => name(r),
            (_, r @ Value::String(_)) => format!("[{}]", name(r)),
            _ => value["type"].as_str().unwrap_or("object").to_owned(),
        }
    };
    let mut operations = Vec::new();
    for (path, item) in document["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let success = op["responses"]
                .as_object()
                .and_then(|r| r.iter().find(|(code, _)| code.starts_with('2')))
                .map(|(code, r)| format!("{code} {}", schema(&r["content"]["application/json"]["schema"])))
                .unwrap_or_default();
            let parameters = op["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    let text = |k: &str| p[k].as_str().unwrap_or_default().to_owned();
                    format!("{} ({}): {}", text("name"), text("in"), text("description"))
                        .trim_end_matches(": ")
                        .to_owned()
                })
                .collect();
            operations.push(ApiOperation {
                method: method.to_uppercase(),
                path: path.clone(),
                summary: op["summary"].as_str().unwrap_or_default().to_owned(),
                tag: op["tags"][0].as_str().unwrap_or_default().to_owned(),
                scope: op["security"][0]["token"][0].as_str().unwrap_or_default().to_owned(),
                parameters,
                body: op["requestBody"]["content"]["application/json"]["schema"]
                    .is_object()
                    .then(|| schema(&op["requestBody"]["content"]["application/json"]["schema"])),
                answer: success,
            });
        }
    }
    ApiReference { operations }
}

/// The routes of `/api/v1`: the document and its reference page for anyone, the rest
/// behind a token.
pub fn router(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/docs", get(|| async { axum::response::Redirect::permanent("/developers") }))
        .merge(token_routes(state))
}

/// The routes of `/api/v1` that need a token.
fn token_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/me", get(me))
        .route("/projects", get(projects))
        .route("/project-requests", post(submit_project_request))
        .route("/project-requests/{id}", get(project_request))
        .route("/project-requests/{id}/promote", post(promote))
        .route("/project-requests/{id}/retire", post(retire))
        .route("/project-requests/{id}/cancel", post(cancel))
        .route("/project-requests/{id}/decision", post(decide_project))
        .route("/project-requests/{id}/members", post(change_member))
        .route("/domain-units", get(domain_units))
        .route("/principals", get(principals))
        .route("/data", get(data))
        .route("/data/{id}", get(data_asset))
        .route("/data/{id}/revisions", post(revise))
        .route("/data/{id}/publication", post(publication))
        .route("/catalog", get(catalog))
        .route("/catalog/{listing_id}", get(catalog_entry))
        .route("/subscription-requests", post(request_access))
        .route("/subscription-requests/{id}", get(subscription_request))
        .route("/subscriptions", get(subscriptions))
        .route("/inbox", get(inbox))
        .route("/decisions", post(decide))
        .route("/decisions/{run}", get(decision_run))
        .route("/rules", get(rules))
        .route("/rules/dry-run", post(dry_run))
        .route("/glossary", get(glossary))
        .route("/audit", get(audit_log))
        .route("/reports/dashboard", get(dashboard))
        .route("/reports/usage", get(usage_report))
        .route("/reports/access", get(access_report))
        .route("/reports/drift", get(drift_report))
        .layer(middleware::from_fn_with_state(state, guard))
}
