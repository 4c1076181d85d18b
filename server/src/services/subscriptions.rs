//! The catalog and subscriptions: who may see and decide what, and the web side's state
//! changes. Decisions go through the decision queue (paced to DataZone's quota); every
//! change commits with its audit event.

use std::collections::HashMap;

use app::api::ports::{Catalog, Subscriptions};
use app::model::{
    AccessRequestForm, AccessState, ApiError, AssetDetail, BulkDecision, Caller, CatalogItem, CatalogPage,
    CatalogQuery, DryRun, DryRunRow, Facet, FormView, GrantView, InboxPage, InboxQuery, InboxRow, MySubscription,
    ProjectAccess, ProjectSubscriptions, QueuedDecision, Role, RuleAction, RuleForm, RuleView, RulesPage, RunProgress,
    ScopeChoice, SubscriptionDetail, SyncNote, TermRef, DAYS_MAX, REASON_MAX,
};
use async_trait::async_trait;
use chrono::{TimeDelta, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;
use uuid::Uuid;

use super::activity::{entry, time_text};
use crate::access::{conditions_of, covers, facts_of, first_match, record, Access, MeshIndex, Requester};
use crate::aws::subscriptions::{
    ListingSearch, SubscriptionGrant, PROJECT_ATTRIBUTE, TERM_ATTRIBUTE, TYPE_ATTRIBUTE, UNIT_ATTRIBUTE,
};
use crate::aws::{Aws, ProjectListing};
use crate::error::AppError;
use crate::store::subscriptions::{self as store, InboxFilter, RuleRow, Scope, SubRow};

const CATALOG_PAGE: i32 = 20;
const INBOX_PAGE: u32 = 50;
const BULK_MAX: usize = 500;

pub struct SubscriptionService {
    pub access: Access,
    pub pool: PgPool,
    pub aws: Aws,
}

pub(crate) fn scope_of(caller: &Caller) -> Scope {
    Scope {
        everything: caller.has(Role::Admin),
        owner_projects: caller.publishing_projects.clone(),
        units: caller.steward_units.clone(),
    }
}

/// The subscription whose grant may be made again: an active (APPROVED) subscription whose
/// grant failed.
fn retriable_grant(row: &SubRow) -> Option<&str> {
    match (&row.subscription_id, row.subscription_status.as_deref(), row.grant_status.as_deref()) {
        (Some(subscription), Some("APPROVED"), Some("GRANT_FAILED")) => Some(subscription),
        _ => None,
    }
}

fn governs(caller: &Caller, row: &SubRow) -> bool {
    let scope = scope_of(caller);
    scope.everything
        || scope.owner_projects.contains(&row.owner_project_id)
        || row.owner_unit_ids.iter().any(|u| scope.units.contains(u))
}

/// A unit's label for people, or its id marked as gone when DataZone no longer has it.
fn unit_label_or_gone(index: &MeshIndex, id: &str) -> String {
    if index.units.contains_key(id) {
        index.unit_label(id)
    } else {
        format!("{id} (no longer in DataZone)")
    }
}

fn may_use_inbox(caller: &Caller) -> Result<(), AppError> {
    if caller.has(Role::Steward) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Where a project stands, from its newest request for the asset.
fn state_of(row: &SubRow) -> AccessState {
    match (row.status.as_str(), row.subscription_status.as_deref()) {
        (_, Some("APPROVED")) => match row.grant_status.as_deref() {
            Some("GRANTED") => AccessState::Granted,
            Some("GRANT_FAILED") => AccessState::GrantFailed,
            _ => AccessState::Granting,
        },
        (_, Some(_)) => AccessState::Ended,
        ("PENDING", _) => AccessState::Pending,
        ("REJECTED", _) => AccessState::Rejected,
        _ => AccessState::None,
    }
}

fn age(at: chrono::DateTime<Utc>) -> String {
    let elapsed = Utc::now() - at;
    match elapsed {
        e if e < TimeDelta::hours(1) => format!("{} min", e.num_minutes().max(0)),
        e if e < TimeDelta::days(2) => format!("{} h", e.num_hours()),
        e => format!("{} days", e.num_days()),
    }
}

fn inbox_row(row: &SubRow) -> InboxRow {
    InboxRow {
        id: row.id.clone(),
        kind: row.kind.clone(),
        listing_id: row.listing_id.clone(),
        asset_name: row.asset_name.clone(),
        owner_project: row.owner_project_name.clone(),
        subscriber_project: row.subscriber_project_name.clone(),
        requester: row.requester_name.clone(),
        reason: row.reason.clone(),
        requested_days: row.requested_days.and_then(|d| u32::try_from(d).ok()),
        status: row.status.clone(),
        created_at: time_text(row.created_at),
        age: age(row.created_at),
        decision: row.decision_state.clone().map(|state| QueuedDecision {
            accept: row.decision_accept.unwrap_or(false),
            state,
            outcome: row.decision_outcome.clone(),
        }),
    }
}

/// The asset's forms document (form name → fields) as rows to show.
fn forms_of(document: &str) -> Vec<FormView> {
    let Ok(Value::Object(forms)) = serde_json::from_str::<Value>(document) else { return Vec::new() };
    forms
        .into_iter()
        .map(|(name, content)| {
            let fields = match content {
                Value::Object(map) => {
                    map.into_iter().map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned))).collect()
                }
                other => vec![("value".to_owned(), other.to_string())],
            };
            FormView { name, fields }
        })
        .collect()
}

fn text(value: &str, field: &'static str, max: usize, what: &str) -> Result<String, AppError> {
    let value = value.trim();
    if value.chars().count() > max {
        return Err(AppError::invalid(field, format!("Keep the {what} under {max} characters.")));
    }
    Ok(value.to_owned())
}

impl SubscriptionService {
    async fn projects_of(&self, caller: &Caller) -> Result<Vec<ProjectListing>, AppError> {
        self.aws.projects_of(&caller.user_id, &caller.group_ids).await
    }

    /// Whether `caller` has a stake in a request, and so may not decide it (separation of
    /// duties): they made it, or they belong to the subscribing project, themselves or
    /// through a group, as DataZone lists its memberships now (ListProjectMemberships).
    async fn has_stake(&self, caller: &Caller, row: &SubRow) -> Result<bool, AppError> {
        Ok(row.requester_id == caller.user_id || self.member_of(caller, &row.subscriber_project_id).await?)
    }

    /// Whether the caller may not decide the request: they have a stake in it and no unit of
    /// the asset's owner path allows self-decisions.
    async fn barred(&self, caller: &Caller, row: &SubRow) -> Result<bool, AppError> {
        Ok(self.has_stake(caller, row).await?
            && crate::store::projects::self_decision_units(&self.pool, &row.owner_unit_ids).await?.is_empty())
    }

    async fn member_of(&self, caller: &Caller, project: &str) -> Result<bool, AppError> {
        let members = self.aws.memberships(project).await?;
        Ok(members.keys().any(|id| caller.is_or_in(id)))
    }

    async fn row(&self, id: &str) -> Result<SubRow, AppError> {
        store::get(&self.pool, id).await?.ok_or_else(|| AppError::NotFound("Subscription request".into()))
    }

    /// The rule a form describes, its subscriber units as DataZone unit ids: the form may
    /// name a unit by id, or by a name or `Parent/Child` path only one unit has.
    fn rule_row(caller: &Caller, form: &RuleForm, position: i32, index: &MeshIndex) -> Result<RuleRow, AppError> {
        if let Some((field, message)) = form.problem() {
            return Err(AppError::invalid(field, message));
        }
        let mut conditions = form.conditions.clone();
        for unit in &mut conditions.subscriber_units {
            *unit = index.unit_id_of(unit).ok_or_else(|| {
                AppError::invalid(
                    "subscriber_units",
                    format!(
                        "No single domain unit in DataZone is called \"{}\"; choose it from the list.",
                        unit.trim()
                    ),
                )
            })?;
        }
        conditions.subscriber_units.sort();
        conditions.subscriber_units.dedup();
        let id = if form.id.is_empty() {
            Uuid::new_v4()
        } else {
            Uuid::parse_str(&form.id).map_err(|_| AppError::NotFound("Rule".into()))?
        };
        let scope = form.scope_unit.trim();
        Ok(RuleRow {
            id,
            name: form.name.trim().to_owned(),
            position,
            scope_unit: (!scope.is_empty()).then(|| scope.to_owned()),
            conditions: serde_json::to_value(&conditions).unwrap_or(Value::Null),
            action: form.action.as_str().to_owned(),
            comment: form.comment.trim().to_owned(),
            enabled: form.enabled,
            updated_by: caller.username.clone(),
            updated_at: Utc::now(),
        })
    }

    /// Whether the caller may write rules with this scope (a unit id; `None`: the whole
    /// domain).
    fn may_edit(caller: &Caller, scope: Option<&str>) -> bool {
        caller.has(Role::Admin) || scope.is_some_and(|unit| caller.steward_units.iter().any(|u| u == unit))
    }

    fn view_of(caller: &Caller, rule: &RuleRow, index: &MeshIndex) -> RuleView {
        let conditions = conditions_of(rule);
        RuleView {
            summary: conditions.summary(|id| unit_label_or_gone(index, id)),
            form: RuleForm {
                id: rule.id.to_string(),
                name: rule.name.clone(),
                scope_unit: rule.scope_unit.clone().unwrap_or_default(),
                conditions,
                action: RuleAction::parse(&rule.action).unwrap_or(RuleAction::Review),
                comment: rule.comment.clone(),
                enabled: rule.enabled,
            },
            scope_name: rule
                .scope_unit
                .as_deref()
                .map_or_else(|| "Whole domain".to_owned(), |id| unit_label_or_gone(index, id)),
            position: rule.position,
            updated_by: rule.updated_by.clone(),
            updated_at: time_text(rule.updated_at),
            editable: Self::may_edit(caller, rule.scope_unit.as_deref()),
        }
    }

    async fn editable_rule(&self, caller: &Caller, id: &str) -> Result<RuleRow, AppError> {
        let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound("Rule".into()))?;
        let rule = store::rule(&self.pool, id).await?.ok_or_else(|| AppError::NotFound("Rule".into()))?;
        if !Self::may_edit(caller, rule.scope_unit.as_deref()) {
            return Err(AppError::Forbidden);
        }
        Ok(rule)
    }
}

#[async_trait]
impl Catalog for SubscriptionService {
    async fn search(&self, caller: &Caller, query: &CatalogQuery) -> Result<CatalogPage, ApiError> {
        let mut filters = Vec::new();
        for (attribute, value) in [
            (UNIT_ATTRIBUTE, &query.unit),
            (PROJECT_ATTRIBUTE, &query.project),
            (TYPE_ATTRIBUTE, &query.asset_type),
            (TERM_ATTRIBUTE, &query.term),
        ] {
            if !value.trim().is_empty() {
                filters.push((attribute, value.trim()));
            }
        }
        let search = ListingSearch {
            text: &query.q,
            filters,
            sort: &query.sort,
            page: Some(query.page.as_str()).filter(|p| !p.is_empty()),
            page_size: CATALOG_PAGE,
        };
        let (found, index) = tokio::try_join!(self.aws.search_listings(&search), self.access.index(None))?;
        let found = std::sync::Arc::unwrap_or_clone(found);
        // The marks of the result list ("access", "requested") are for the projects the
        // person belonged to at their last identity read: a list view costs one DataZone call.
        // The asset's page, where access is asked for, reads the person's projects anew.
        let mine = &caller.member_projects;
        let listings: Vec<String> = found.hits.iter().map(|h| h.listing_id.clone()).collect();
        let mut best: HashMap<String, AccessState> = HashMap::new();
        for row in store::of_subscribers(&self.pool, mine).await.map_err(AppError::from)? {
            if row.kind == "access" && listings.contains(&row.listing_id) {
                let state = state_of(&row);
                let entry = best.entry(row.listing_id.clone()).or_insert(AccessState::None);
                *entry = (*entry).max(state);
            }
        }
        let facet = |attribute: &str, label: &dyn Fn(&str, &str) -> String| -> Vec<Facet> {
            let mut merged: Vec<Facet> = Vec::new();
            for (value, display, count) in found.facets.get(attribute).into_iter().flatten() {
                let label = label(value, display);
                match merged.iter_mut().find(|f| f.label == label) {
                    Some(existing) => existing.count = existing.count.max(*count),
                    None => merged.push(Facet { value: value.clone(), label, count: *count }),
                }
            }
            merged.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
            merged
        };
        let mut terms = facet(TERM_ATTRIBUTE, &|_, display| display.to_owned());
        // Terms are filtered by name: the same word the asset page links with.
        for term in &mut terms {
            term.value = term.label.clone();
        }
        Ok(CatalogPage {
            items: found
                .hits
                .into_iter()
                .map(|h| CatalogItem {
                    access: best.get(&h.listing_id).copied().unwrap_or(AccessState::None),
                    owner_project: index.project_name(&h.owner_project_id).unwrap_or(&h.owner_project_id).to_owned(),
                    listing_id: h.listing_id,
                    name: h.name,
                    description: super::markdown::to_text(&h.description),
                    asset_type: h.asset_type,
                    terms: h.terms,
                })
                .collect(),
            total: found.total,
            next_page: found.next_page,
            units: facet(UNIT_ATTRIBUTE, &|value, display| {
                index.unit_name(value).map_or_else(|| display.to_owned(), str::to_owned)
            }),
            projects: facet(PROJECT_ATTRIBUTE, &|value, display| {
                index.project_name(value).map_or_else(|| display.to_owned(), str::to_owned)
            }),
            types: facet(TYPE_ATTRIBUTE, &|_, display| display.to_owned()),
            terms,
        })
    }

    async fn asset(&self, caller: &Caller, listing_id: &str) -> Result<AssetDetail, ApiError> {
        let (listing, index, projects) =
            tokio::try_join!(self.aws.listing(listing_id.trim()), self.access.index(None), self.projects_of(caller))?;
        let listing = std::sync::Arc::unwrap_or_clone(listing);
        let ids: Vec<String> = projects.iter().map(|p| p.id.clone()).collect();
        let rows = store::for_listing(&self.pool, &listing.hit.listing_id, &ids).await.map_err(AppError::from)?;
        let mut access: Vec<ProjectAccess> = projects
            .into_iter()
            .filter(|p| p.id != listing.hit.owner_project_id)
            .map(|p| {
                let newest = rows.iter().find(|r| r.subscriber_project_id == p.id);
                ProjectAccess {
                    state: newest.map_or(AccessState::None, state_of),
                    request_id: newest.map(|r| r.id.clone()),
                    expires_at: newest.and_then(|r| r.expires_at).map(time_text),
                    comment: newest.and_then(|r| r.grant_failure.clone().or_else(|| r.decision_comment.clone())),
                    project_id: p.id,
                    project_name: p.name,
                }
            })
            .collect();
        access.sort_by(|a, b| b.state.cmp(&a.state).then_with(|| a.project_name.cmp(&b.project_name)));
        let owner = &listing.hit.owner_project_id;
        let (_, unit_names) = index.unit_path(owner);
        let mut product_assets = Vec::new();
        for item in &listing.items {
            // An asset the catalog no longer lists is left out rather than failing the page.
            match self.aws.listing(item).await {
                Ok(asset) => product_assets.push((item.clone(), asset.hit.name.clone())),
                Err(AppError::NotFound(_)) => {}
                Err(other) => return Err(other.into()),
            }
        }
        let access_terms = crate::store::terms::get(&self.pool, &listing.hit.asset_id).await.map_err(AppError::from)?;
        Ok(AssetDetail {
            product_assets,
            access_terms,
            owner_project: index.project_name(owner).unwrap_or(owner).to_owned(),
            owner_unit: unit_names.join(" / "),
            terms: listing
                .term_details
                .iter()
                .map(|(name, short)| TermRef { name: name.clone(), short_description: short.clone() })
                .collect(),
            forms: forms_of(&listing.forms),
            listing_id: listing.hit.listing_id,
            asset_id: listing.hit.asset_id,
            name: listing.hit.name,
            description_html: super::markdown::to_html(&listing.hit.description),
            description: listing.hit.description,
            asset_type: listing.hit.asset_type,
            access,
            form_token: Uuid::new_v4().to_string(),
        })
    }

    async fn request_access(&self, caller: &Caller, form: AccessRequestForm) -> Result<String, ApiError> {
        if let Some((field, message)) = form.problem() {
            return Err(AppError::invalid(field, message).into());
        }
        let project = form.project_id.trim();
        let listing = form.listing_id.trim();
        let projects = self.projects_of(caller).await?;
        let Some(project) = projects.iter().find(|p| p.id == project) else {
            return Err(AppError::invalid(
                "project_id",
                "You can ask for access only for a project you are a member of.",
            )
            .into());
        };
        // The producers' terms bound the period asked for.
        let entity = self.aws.listing(listing).await?.hit.asset_id.clone();
        let terms = crate::store::terms::get(&self.pool, &entity).await.map_err(AppError::from)?;
        if let Some(message) = terms.refuses(form.days) {
            return Err(AppError::invalid("days", message).into());
        }
        let token =
            if form.token.trim().is_empty() { Uuid::new_v4().to_string() } else { form.token.trim().to_owned() };
        let token = format!("{}-{}", token.chars().take(64).collect::<String>(), project.id);
        if let Some((id, status, sent_with)) =
            store::open_for(&self.pool, listing, &project.id).await.map_err(AppError::from)?
        {
            if sent_with.as_deref() == Some(token.as_str()) {
                // The same form again: the request it made.
                return Ok(id);
            }
            let message = if status == "PENDING" {
                format!("{} already has a pending request for this asset.", project.name)
            } else {
                format!("{} already has access to this asset.", project.name)
            };
            return Err(AppError::Conflict(message).into());
        }
        let created = match self.aws.create_subscription_request(listing, &project.id, form.reason.trim(), &token).await
        {
            Ok(created) => created,
            Err(AppError::Upstream { code, .. }) if code == "ConflictException" => {
                return Err(AppError::Conflict(format!(
                    "{} already has a pending request or access for this asset in DataZone.",
                    project.name
                ))
                .into());
            }
            Err(AppError::Upstream { code, .. }) if code == "ResourceNotFoundException" => {
                return Err(AppError::NotFound("Asset".into()).into());
            }
            Err(other) => return Err(other.into()),
        };
        let requester = Requester {
            id: caller.user_id.clone(),
            name: caller.display_name.clone(),
            groups: caller.group_ids.clone(),
        };
        let days = form.days.and_then(|d| i32::try_from(d).ok());
        let Some(mut row) = self.access.row_of(&created, requester.clone(), days).await? else {
            return Err(AppError::invalid("project_id", "DataZone did not record a project subscriber.").into());
        };
        row.source = "portal".into();
        row.client_token = Some(token.clone());
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        if !self.access.take_in(&mut tx, &row, &caller.username).await? {
            // Stored already (a resubmitted form, or the sync got there first): it is ours.
            store::claim_for_portal(&mut *tx, &row.id, &requester.id, &requester.name, &requester.groups, days, &token)
                .await
                .map_err(AppError::from)?;
        }
        tx.commit().await.map_err(AppError::from)?;
        Ok(created.id)
    }
}

#[async_trait]
impl Subscriptions for SubscriptionService {
    async fn inbox(&self, caller: &Caller, query: &InboxQuery) -> Result<InboxPage, ApiError> {
        may_use_inbox(caller)?;
        // Requests made in SMUS since the last look; the inbox still shows what Postgres
        // has when DataZone cannot be reached.
        if let Err(error) = self.access.sync(true).await {
            tracing::warn!(%error, "inbox shown without a fresh sync");
        }
        let status = match query.status.as_str() {
            "" | "pending" => Some("PENDING".to_owned()),
            "accepted" => Some("ACCEPTED".to_owned()),
            "rejected" => Some("REJECTED".to_owned()),
            "all" => None,
            other => return Err(AppError::invalid("status", format!("Unknown status {other}.")).into()),
        };
        let filter = InboxFilter {
            status,
            text: query.q.chars().take(200).collect(),
            newest_first: query.sort == "newest",
            offset: i64::from(query.offset),
            limit: i64::from(INBOX_PAGE),
        };
        let (rows, total) = store::inbox(&self.pool, &scope_of(caller), &filter).await.map_err(AppError::from)?;
        let synced = self.access.sync_status().await?;
        let failed = synced.failed.map(|(why, at)| (age(at), why));
        Ok(InboxPage {
            rows: rows.iter().map(inbox_row).collect(),
            total: u32::try_from(total).unwrap_or(u32::MAX),
            offset: query.offset,
            page_size: INBOX_PAGE,
            everything: caller.has(Role::Admin),
            sync: SyncNote { synced_ago: synced.ok_at.map(age), failed },
        })
    }

    async fn detail(&self, caller: &Caller, id: &str) -> Result<SubscriptionDetail, ApiError> {
        let row = self.row(id.trim()).await?;
        let steward = governs(caller, &row);
        let member = row.requester_id == caller.user_id
            || self.projects_of(caller).await?.iter().any(|p| p.id == row.subscriber_project_id);
        if !steward && !member {
            return Err(AppError::NotFound("Subscription request".into()).into());
        }
        let history = crate::store::audit::about(&self.pool, "subscription_request", &row.id)
            .await
            .map_err(AppError::from)?
            .into_iter()
            .map(entry)
            .collect();
        let pending_extension = store::pending_extension(&self.pool, &row.id).await.map_err(AppError::from)?.is_some();
        let approved = row.subscription_status.as_deref() == Some("APPROVED");
        let in_flight = matches!(row.decision_state.as_deref(), Some("queued" | "sent"));
        Ok(SubscriptionDetail {
            row: inbox_row(&row),
            asset_type: row.asset_type.clone(),
            terms: row.asset_terms.clone(),
            subscriber_unit: row.subscriber_unit_names.join(" / "),
            source: row.source.clone(),
            decided_by: row.decided_by.clone(),
            decided_at: row.decided_at.map(time_text),
            decision_comment: row.decision_comment.clone(),
            rule_reason: row.rule_reason.clone(),
            subscription_status: row.subscription_status.clone(),
            grant_status: row.grant_status.clone(),
            grant_failure: row.grant_failure.clone(),
            granted_at: row.granted_at.map(time_text),
            expires_at: row.expires_at.map(time_text),
            extends: row.extends_id.clone(),
            history,
            can_decide: steward && row.status == "PENDING" && !in_flight && !self.barred(caller, &row).await?,
            can_revoke: steward && approved,
            can_retry_grant: steward && retriable_grant(&row).is_some(),
            can_cancel: member && approved,
            can_extend: member && approved && row.expires_at.is_some() && !pending_extension,
        })
    }

    async fn decide(&self, caller: &Caller, decision: BulkDecision) -> Result<RunProgress, ApiError> {
        may_use_inbox(caller)?;
        let comment = text(&decision.comment, "comment", REASON_MAX, "comment")?;
        if decision.ids.is_empty() {
            return Err(AppError::invalid("ids", "Choose at least one request.").into());
        }
        if decision.ids.len() > BULK_MAX {
            return Err(AppError::invalid("ids", format!("Decide at most {BULK_MAX} requests at once.")).into());
        }
        if !decision.accept && comment.is_empty() {
            return Err(AppError::invalid("comment", "Say why the request is rejected.").into());
        }
        let run = Uuid::new_v4();
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let mut ids = decision.ids.clone();
        ids.sort();
        ids.dedup();
        let mut queued = Vec::new();
        let mut staked = Vec::new();
        let mut self_decided = Vec::new();
        let mut membership = std::collections::HashMap::new();
        for id in &ids {
            let Some(row) = store::lock(&mut tx, id).await.map_err(AppError::from)? else {
                return Err(AppError::NotFound("Subscription request".into()).into());
            };
            if !governs(caller, &row) {
                return Err(AppError::Forbidden.into());
            }
            if row.status != "PENDING" {
                continue;
            }
            let member = if let Some(known) = membership.get(&row.subscriber_project_id) {
                *known
            } else {
                let known = self.member_of(caller, &row.subscriber_project_id).await?;
                membership.insert(row.subscriber_project_id.clone(), known);
                known
            };
            if member || row.requester_id == caller.user_id {
                let allowed_by = crate::store::projects::self_decision_units(&mut *tx, &row.owner_unit_ids)
                    .await
                    .map_err(AppError::from)?;
                if allowed_by.is_empty() {
                    staked.push(json!({ "asset": row.asset_name, "project": row.subscriber_project_name }));
                    continue;
                }
                // Allowed for this unit by a platform admin, and said so on the request itself.
                let relation = if row.requester_id == caller.user_id { "requester" } else { "member" };
                let after = json!({ "by": caller.username, "relation": relation, "allowed_by_units": allowed_by,
                                    "accept": decision.accept });
                record(&mut tx, &caller.username, "subscription.self_decision", &row.id, after).await?;
                self_decided.push(row.id.clone());
            }
            queued.push(row.id);
        }
        // Nobody decides a request they made or one for a project they belong to; in a bulk
        // run those are left out (and counted), a single one is refused with the reason.
        if queued.is_empty() && !staked.is_empty() && ids.len() == 1 {
            return Err(ApiError::Conflict {
                message: format!(
                    "You can't decide this request: you made it or belong to {}. Another steward decides it.",
                    staked[0]["project"].as_str().unwrap_or("the subscribing project")
                ),
            });
        }
        let total = i32::try_from(queued.len()).unwrap_or(i32::MAX);
        store::create_run(&mut tx, run, &caller.username, decision.accept, total).await.map_err(AppError::from)?;
        let comment = (!comment.is_empty()).then_some(comment);
        let mut taken = 0;
        for id in &queued {
            let fresh = store::queue_decision(
                &mut tx,
                id,
                decision.accept,
                comment.as_deref(),
                &caller.username,
                None,
                Some(run),
            )
            .await
            .map_err(AppError::from)?;
            if fresh {
                self.access.kick(&mut tx, id).await?;
                taken += 1;
            }
        }
        sqlx::query("UPDATE decision_runs SET total = $2 WHERE id = $1")
            .bind(run)
            .bind(taken)
            .execute(&mut *tx)
            .await
            .map_err(AppError::from)?;
        let after = json!({ "accept": decision.accept, "comment": comment, "requests": taken,
                            "skipped": ids.len() - usize::try_from(taken).unwrap_or(0),
                            "left_to_other_stewards": staked, "self_decisions_allowed_by_unit": self_decided });
        super::audit_event(
            &mut *tx,
            &caller.username,
            "subscription.decisions_queued",
            ("decision_run", &run.to_string()),
            None,
            Some(after),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        let taken = u32::try_from(taken).unwrap_or(0);
        Ok(RunProgress {
            id: run.to_string(),
            total: taken,
            done: 0,
            failed: 0,
            accept: decision.accept,
            skipped: u32::try_from(ids.len()).unwrap_or(0) - taken,
        })
    }

    async fn progress(&self, caller: &Caller, run: &str) -> Result<RunProgress, ApiError> {
        let id = Uuid::parse_str(run.trim()).map_err(|_| AppError::NotFound("Decision run".into()))?;
        let Some((actor, accept, total, done, failed)) =
            store::run_progress(&self.pool, id).await.map_err(AppError::from)?
        else {
            return Err(AppError::NotFound("Decision run".into()).into());
        };
        if actor != caller.username && !caller.has(Role::Admin) {
            return Err(AppError::NotFound("Decision run".into()).into());
        }
        Ok(RunProgress {
            id: id.to_string(),
            total: u32::try_from(total).unwrap_or(0),
            done: u32::try_from(done).unwrap_or(0),
            failed: u32::try_from(failed).unwrap_or(0),
            accept,
            skipped: 0,
        })
    }

    async fn mine(&self, caller: &Caller) -> Result<Vec<ProjectSubscriptions>, ApiError> {
        let projects = self.projects_of(caller).await?;
        let ids: Vec<String> = projects.iter().map(|p| p.id.clone()).collect();
        let rows = store::of_subscribers(&self.pool, &ids).await.map_err(AppError::from)?;
        let with_rows: Vec<&ProjectListing> =
            projects.iter().filter(|p| rows.iter().any(|r| r.subscriber_project_id == p.id)).collect();
        let grants =
            futures_util::future::try_join_all(with_rows.iter().map(|p| self.aws.project_grants(&p.id))).await?;
        let grants: Vec<&SubscriptionGrant> = grants.iter().flat_map(|g| g.iter()).collect();
        let soon = Utc::now() + TimeDelta::days(7);
        let mut out: Vec<ProjectSubscriptions> = projects
            .iter()
            .map(|p| ProjectSubscriptions {
                project_id: p.id.clone(),
                project_name: p.name.clone(),
                items: rows
                    .iter()
                    .filter(|r| r.kind == "access" && r.subscriber_project_id == p.id)
                    .map(|r| MySubscription {
                        request_id: r.id.clone(),
                        listing_id: r.listing_id.clone(),
                        asset_name: r.asset_name.clone(),
                        owner_project: r.owner_project_name.clone(),
                        status: r.status.clone(),
                        subscription_status: r.subscription_status.clone(),
                        decided_by: r.decided_by.clone(),
                        decision_comment: r.decision_comment.clone(),
                        expires_at: r.expires_at.map(time_text),
                        expiring_soon: r.subscription_status.as_deref() == Some("APPROVED")
                            && r.expires_at.is_some_and(|e| e <= soon),
                        extension_pending: rows
                            .iter()
                            .any(|x| x.extends_id.as_deref() == Some(r.id.as_str()) && x.status == "PENDING"),
                        grants: grants
                            .iter()
                            .filter(|g| {
                                r.subscription_status.as_deref() == Some("APPROVED")
                                    && g.listing_id == r.listing_id
                                    && g.project_id == p.id
                            })
                            .map(|g| GrantView {
                                target: g.target.clone(),
                                status: g.status.clone(),
                                failure: g.failure.clone(),
                            })
                            .collect(),
                        created_at: time_text(r.created_at),
                    })
                    .collect(),
            })
            .collect();
        out.sort_by(|a, b| {
            b.items.len().min(1).cmp(&a.items.len().min(1)).then_with(|| a.project_name.cmp(&b.project_name))
        });
        Ok(out)
    }

    async fn end(&self, caller: &Caller, id: &str, revoke: bool) -> Result<(), ApiError> {
        let row = self.row(id.trim()).await?;
        let allowed = if revoke {
            governs(caller, &row)
        } else {
            self.projects_of(caller).await?.iter().any(|p| p.id == row.subscriber_project_id)
        };
        if !allowed {
            return Err(AppError::Forbidden.into());
        }
        let (Some(subscription), Some("APPROVED")) = (&row.subscription_id, row.subscription_status.as_deref()) else {
            return Err(AppError::Conflict("This request has no active subscription.".into()).into());
        };
        let operation = if revoke { "RevokeSubscription" } else { "CancelSubscription" };
        self.access.pace(operation).await?;
        let status = match self.aws.end_subscription(subscription, revoke).await {
            Ok(status) => status,
            Err(AppError::Upstream { code, .. }) if code == "ConflictException" => {
                if revoke {
                    "REVOKED".into()
                } else {
                    "CANCELLED".into()
                }
            }
            Err(other) => return Err(other.into()),
        };
        let status =
            if status == "APPROVED" { if revoke { "REVOKED" } else { "CANCELLED" }.to_owned() } else { status };
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        store::set_subscription_status(&mut *tx, &row.id, &status).await.map_err(AppError::from)?;
        let action = if revoke { "subscription.revoked" } else { "subscription.cancelled" };
        record(
            &mut tx,
            &caller.username,
            action,
            &row.id,
            json!({ "subscription_id": subscription, "call": operation }),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }

    async fn retry_grant(&self, caller: &Caller, id: &str) -> Result<(), ApiError> {
        let row = self.row(id.trim()).await?;
        if !governs(caller, &row) {
            return Err(AppError::Forbidden.into());
        }
        let Some(subscription) = retriable_grant(&row) else {
            return Err(
                AppError::Conflict("Only a failed grant of an active subscription can be retried.".into()).into()
            );
        };
        self.access.pace("CreateSubscriptionGrant").await?;
        let retried = self.aws.retry_failed_grants(subscription).await?;
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        if !store::grant_retried(&mut *tx, &row.id).await.map_err(AppError::from)? {
            return Err(AppError::Conflict("Someone retried this grant a moment ago.".into()).into());
        }
        let after = json!({ "subscription_id": subscription, "grants": retried,
                            "calls": ["CreateSubscriptionGrant", "DeleteSubscriptionGrant"] });
        record(&mut tx, &caller.username, "subscription.grant_retried", &row.id, after).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }

    async fn extend(&self, caller: &Caller, id: &str, days: u32, reason: &str) -> Result<String, ApiError> {
        let row = self.row(id.trim()).await?;
        if !self.projects_of(caller).await?.iter().any(|p| p.id == row.subscriber_project_id) {
            return Err(AppError::Forbidden.into());
        }
        if row.subscription_status.as_deref() != Some("APPROVED") || row.expires_at.is_none() {
            return Err(
                AppError::Conflict("Only time-limited access that is still granted can be extended.".into()).into()
            );
        }
        if days == 0 || days > DAYS_MAX {
            return Err(AppError::invalid("days", format!("Ask for 1 to {DAYS_MAX} more days.")).into());
        }
        let reason = text(reason, "reason", REASON_MAX, "reason")?;
        if reason.is_empty() {
            return Err(AppError::invalid("reason", "Say why the access is still needed.").into());
        }
        // Two asks at once end in one extension: the original request stays locked from
        // this check until the extension is in.
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        store::lock(&mut tx, &row.id).await.map_err(AppError::from)?;
        if store::pending_extension(&mut *tx, &row.id).await.map_err(AppError::from)?.is_some() {
            return Err(AppError::Conflict("An extension of this access already waits for a decision.".into()).into());
        }
        let now = Utc::now();
        let extension = SubRow {
            id: format!("ext-{}", Uuid::new_v4()),
            kind: "extension".into(),
            extends_id: Some(row.id.clone()),
            requester_id: caller.user_id.clone(),
            requester_name: caller.display_name.clone(),
            requester_groups: caller.group_ids.clone(),
            reason,
            requested_days: i32::try_from(days).ok(),
            source: "portal".into(),
            status: "PENDING".into(),
            created_at: now,
            updated_at: now,
            decided_at: None,
            decided_by: None,
            rule_id: None,
            rule_reason: None,
            decision_comment: None,
            subscription_id: row.subscription_id.clone(),
            subscription_status: None,
            grant_status: None,
            grant_failure: None,
            granted_at: None,
            expires_at: None,
            client_token: None,
            ..row
        };
        self.access.take_in(&mut tx, &extension, &caller.username).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(extension.id)
    }

    async fn rules(&self, caller: &Caller) -> Result<RulesPage, ApiError> {
        may_use_inbox(caller)?;
        let rules = store::rules(&self.pool).await.map_err(AppError::from)?;
        let admin = caller.has(Role::Admin);
        let index = self.access.index(None).await?;
        // Rules are scoped by unit id; people choose among the units' labels.
        let mut scopes: Vec<ScopeChoice> = index
            .units
            .iter()
            .filter(|(id, _)| admin || caller.steward_units.contains(id))
            .map(|(id, _)| ScopeChoice { id: id.clone(), name: index.unit_label(id) })
            .collect();
        scopes.sort_by(|a, b| a.name.cmp(&b.name));
        let mut units: Vec<ScopeChoice> =
            index.units.keys().map(|id| ScopeChoice { id: id.clone(), name: index.unit_label(id) }).collect();
        units.sort_by(|a, b| a.name.cmp(&b.name));
        let visible =
            rules.iter().filter(|r| admin || r.scope_unit.as_ref().is_none_or(|u| caller.steward_units.contains(u)));
        let rules = visible.map(|r| Self::view_of(caller, r, &index)).collect();
        Ok(RulesPage { rules, scopes, units, whole_domain: admin })
    }

    async fn save_rule(&self, caller: &Caller, form: RuleForm) -> Result<String, ApiError> {
        may_use_inbox(caller)?;
        let index = self.access.index(None).await?;
        let mut rule = Self::rule_row(caller, &form, 0, &index)?;
        if !Self::may_edit(caller, rule.scope_unit.as_deref()) {
            return Err(AppError::invalid("scope_unit", "Choose a domain unit you govern.").into());
        }
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let before = if form.id.is_empty() {
            None
        } else {
            let existing = self.editable_rule(caller, &form.id).await?;
            rule.position = existing.position;
            Some(json!({ "name": existing.name, "scope": existing.scope_unit, "conditions": existing.conditions,
                         "action": existing.action, "comment": existing.comment, "enabled": existing.enabled }))
        };
        store::save_rule(&mut tx, &rule).await.map_err(AppError::from)?;
        let after = json!({ "name": rule.name, "scope": rule.scope_unit, "conditions": rule.conditions,
                            "action": rule.action, "comment": rule.comment, "enabled": rule.enabled });
        let action = if before.is_some() { "rule.updated" } else { "rule.created" };
        super::audit_event(
            &mut *tx,
            &caller.username,
            action,
            ("approval_rule", &rule.id.to_string()),
            before,
            Some(after),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(rule.id.to_string())
    }

    async fn delete_rule(&self, caller: &Caller, id: &str) -> Result<(), ApiError> {
        let rule = self.editable_rule(caller, id).await?;
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        store::delete_rule(&mut tx, rule.id).await.map_err(AppError::from)?;
        let before = json!({ "name": rule.name, "scope": rule.scope_unit, "conditions": rule.conditions, "action": rule.action });
        super::audit_event(
            &mut *tx,
            &caller.username,
            "rule.deleted",
            ("approval_rule", &rule.id.to_string()),
            Some(before),
            None,
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }

    async fn move_rule(&self, caller: &Caller, id: &str, up: bool) -> Result<(), ApiError> {
        let rule = self.editable_rule(caller, id).await?;
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        // The order is everyone's: a rule passes its neighbour only when the caller may edit
        // that one too (a steward's rule never jumps ahead of an admin's domain-wide rule).
        sqlx::query("LOCK TABLE approval_rules IN SHARE ROW EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await
            .map_err(AppError::from)?;
        let rules = store::rules(&mut *tx).await.map_err(AppError::from)?;
        let at = rules.iter().position(|r| r.id == rule.id).ok_or_else(|| AppError::NotFound("Rule".into()))?;
        let neighbour = if up { at.checked_sub(1).and_then(|i| rules.get(i)) } else { rules.get(at + 1) };
        if let Some(other) = neighbour.filter(|other| !Self::may_edit(caller, other.scope_unit.as_deref())) {
            return Err(ApiError::Conflict {
                message: format!(
                    "{} can't pass \"{}\": that rule is one you may not edit, so its place is not yours to change.",
                    rule.name, other.name
                ),
            });
        }
        store::move_rule(&mut tx, rule.id, up).await.map_err(AppError::from)?;
        let after = json!({ "name": rule.name, "moved": if up { "up" } else { "down" } });
        super::audit_event(
            &mut *tx,
            &caller.username,
            "rule.moved",
            ("approval_rule", &rule.id.to_string()),
            None,
            Some(after),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }

    async fn dry_run(&self, caller: &Caller, form: RuleForm) -> Result<DryRun, ApiError> {
        may_use_inbox(caller)?;
        let mut rules = store::rules(&self.pool).await.map_err(AppError::from)?;
        let position = rules.iter().find(|r| r.id.to_string() == form.id).map_or(i32::MAX, |r| r.position);
        let index = self.access.index(None).await?;
        let mut draft = Self::rule_row(caller, &form, position, &index)?;
        draft.enabled = true;
        rules.retain(|r| r.id != draft.id);
        let earlier: Vec<RuleRow> = rules.into_iter().filter(|r| r.position < position).collect();
        let filter = InboxFilter { status: Some("PENDING".into()), limit: 1000, ..InboxFilter::default() };
        let (pending, _) = store::inbox(&self.pool, &scope_of(caller), &filter).await.map_err(AppError::from)?;
        let conditions = conditions_of(&draft);
        let matches = pending
            .iter()
            .filter(|row| covers(&draft, row))
            .filter_map(|row| {
                let why = conditions.explain(&facts_of(row))?;
                Some(DryRunRow {
                    id: row.id.clone(),
                    asset_name: row.asset_name.clone(),
                    subscriber_project: row.subscriber_project_name.clone(),
                    requester: row.requester_name.clone(),
                    why,
                    taken_by: first_match(&earlier, row).map(|(r, _)| r.name.clone()),
                })
            })
            .collect();
        Ok(DryRun { examined: u32::try_from(pending.len()).unwrap_or(u32::MAX), matches })
    }
}
