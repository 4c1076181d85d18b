//! Project requests: the policy (who may request, approve, retire what) and the state
//! changes of the web side. Every change commits with its audit event and, when work is
//! needed, with the queued job in one transaction.

use std::collections::{BTreeMap, HashMap, HashSet};

use app::api::ports::Projects;
use app::model::{
    name_problem, text_problem, Allowed, ApiError, Caller, Designation, Environment, ExternalProject, MemberChange,
    MemberInput, MemberRow, MyProjects, Principal, PrincipalKind, ProductRow, ProjectRequestForm, RequestDetail,
    RequestStatus, RequestSummary, Role, Step, StepState, UnitChoice,
};
use async_trait::async_trait;
use chrono::Utc;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use tokio::sync::OnceCell;
use uuid::Uuid;

use super::activity::{entry, time_text};
use crate::aws::Aws;
use crate::error::{current_request_id, AppError};
use crate::jobs::Jobs;
use crate::store::projects::{self as store, NewMember, RequestRow};

/// Who approved a request no person had to look at.
const AUTO_APPROVER: &str = "meshgate (auto-approval)";

pub struct ProjectService {
    pub pool: PgPool,
    pub aws: Aws,
    pub jobs: Jobs,
    /// Environment → project profile name, from configuration.
    pub environment_profiles: Vec<(Environment, String)>,
    pub portal_url: OnceCell<Option<String>>,
}

impl ProjectService {
    /// Environment → profile id, for enabled profiles named in configuration.
    async fn profile_ids(&self) -> Result<HashMap<Environment, (String, String)>, AppError> {
        let profiles = self.aws.project_profiles().await?;
        Ok(self
            .environment_profiles
            .iter()
            .filter_map(|(env, name)| {
                let profile = profiles.iter().find(|p| &p.name == name && p.enabled)?;
                Some((*env, (profile.id.clone(), profile.name.clone())))
            })
            .collect())
    }

    /// Every domain unit, with the environments `caller` may request there: a profile counts
    /// when a grant on the unit (or on an ancestor, including child units) names it and the
    /// caller — all users, the caller's DataZone user, or one of their groups.
    async fn choices(&self, caller: &Caller) -> Result<Vec<UnitChoice>, AppError> {
        let (tree, profiles) = tokio::try_join!(self.aws.unit_tree(), self.profile_ids())?;
        // Grants on a unit, and grants on its ancestors that include child units.
        let mut grants: HashMap<String, Vec<crate::aws::ProfileGrant>> = HashMap::new();
        let root_and_units = tree.iter().flat_map(|u| u.ancestors.iter().chain([&u.id])).collect::<HashSet<_>>();
        for unit in root_and_units {
            grants.insert(unit.clone(), self.aws.profile_grants(unit).await?);
        }
        let settings: HashMap<String, bool> = store::unit_settings(&self.pool).await?.into_iter().collect();
        Ok(tree
            .into_iter()
            .map(|unit| {
                let allowed: HashSet<&String> = grants
                    .get(&unit.id)
                    .into_iter()
                    .flatten()
                    .chain(unit.ancestors.iter().filter_map(|a| grants.get(a)).flatten().filter(|g| g.include_children))
                    .filter(|g| grant_names(g, caller))
                    .flat_map(|g| g.profile_ids.iter())
                    .collect();
                let environments = Environment::ALL
                    .into_iter()
                    .filter(|env| profiles.get(env).is_some_and(|(id, _)| allowed.contains(id)))
                    .collect();
                UnitChoice {
                    auto_approve_dev: settings.get(&unit.id).copied().unwrap_or(true),
                    parent_id: unit.ancestors.last().cloned().unwrap_or_default(),
                    id: unit.id,
                    name: unit.name,
                    path: unit.path,
                    depth: unit.depth,
                    environments,
                }
            })
            .collect())
    }

    /// Whether `caller` has a stake in a request and so may not decide it (separation of
    /// duties, admins included): they made it, they belong to it, or they asked for the
    /// retirement it awaits (the audit trail says who did).
    async fn has_stake(&self, caller: &Caller, row: &RequestRow, who: Standing) -> Result<bool, AppError> {
        if who.requester || who.member {
            return Ok(true);
        }
        if status_of(row) != RequestStatus::RetirePending {
            return Ok(false);
        }
        let history = crate::store::audit::about(&self.pool, "project_request", &row.id.to_string()).await?;
        let asked_by = history.iter().rev().find(|e| e.action == "project.retire_requested").map(|e| e.actor.as_str());
        Ok(asked_by == Some(caller.username.as_str()))
    }

    /// Whether `caller` has a stake in the request (see [`Self::has_stake`]) and whether they
    /// may decide it anyway: no stake, or the unit allows self-decisions (read through `db`,
    /// the decision's own transaction when deciding).
    async fn may_decide_own(
        &self,
        db: impl sqlx::PgExecutor<'_>,
        caller: &Caller,
        row: &RequestRow,
        who: Standing,
    ) -> Result<(bool, bool), AppError> {
        let stake = self.has_stake(caller, row, who).await?;
        let allowed = !stake || store::allows_self_decisions(db, &row.domain_unit_id).await?;
        Ok((stake, allowed))
    }

    async fn check_name_free(&self, name: &str) -> Result<(), AppError> {
        if let Some(problem) = name_problem(name, "project name", 64) {
            return Err(AppError::invalid("project_name", problem));
        }
        if store::name_in_use(&self.pool, name).await? || self.aws.project_named(name).await?.is_some() {
            return Err(AppError::invalid("project_name", format!("A project named {name} already exists.")));
        }
        Ok(())
    }

    async fn portal_url(&self) -> Option<String> {
        self.portal_url
            .get_or_init(|| async { self.aws.describe_domain().await.ok().and_then(|d| d.portal_url) })
            .await
            .clone()
    }

    /// Whether `caller` may approve requests in `unit`: platform admins everywhere, owners of
    /// the unit (as a person or through a group) there.
    async fn may_decide(&self, caller: &Caller, unit: &str) -> Result<bool, AppError> {
        if caller.has(Role::Admin) {
            return Ok(true);
        }
        let info = self.aws.unit(unit).await?;
        Ok(info.owner_ids.iter().any(|o| caller.is_or_in(o)))
    }

    /// Stores a request and its members in `tx`, approving and queueing it when policy says so.
    async fn create(
        &self,
        tx: &mut PgConnection,
        caller: &Caller,
        row: RequestRow,
        members: &[MemberInput],
    ) -> Result<String, AppError> {
        let environment = Environment::parse(&row.environment).unwrap_or(Environment::Prod);
        let auto = !environment.needs_approval() && store::auto_approves_dev(&mut *tx, &row.domain_unit_id).await?;
        // A new submission by `caller`: nothing decided, created or failed yet.
        let row = RequestRow {
            requested_by: caller.username.clone(),
            requested_by_name: caller.display_name.clone(),
            status: if auto { "provisioning" } else { "pending_approval" }.to_owned(),
            decided_by: auto.then(|| AUTO_APPROVER.to_owned()),
            decision_comment: auto.then(|| "Dev projects in this domain unit are approved automatically.".to_owned()),
            project_id: None,
            deployment_status: None,
            failure: None,
            failed_in: None,
            attempts: 0,
            acting_for: caller.username.clone(),
            origin_request_id: current_request_id(),
            created_at: Utc::now(),
            ..row
        };
        store::insert(&mut *tx, &row).await.map_err(|e| unique_name(e, &row.project_name))?;
        let requester = MemberInput {
            principal: Principal {
                id: caller.user_id.clone(),
                kind: PrincipalKind::User,
                name: caller.display_name.clone(),
                detail: caller.username.clone(),
            },
            designation: Designation::Owner,
        };
        for member in std::iter::once(&requester).chain(members.iter().filter(|m| m.principal.id != caller.user_id)) {
            store::want_member(&mut *tx, row.id, &new_member(member)).await?;
        }
        let after = json!({
            "project_name": row.project_name, "product": row.product, "environment": row.environment,
            "domain_unit": row.domain_unit_name, "profile": row.profile_name,
            "members": members.iter().map(|m| json!({ "name": m.principal.name, "designation": m.designation.as_str() })).collect::<Vec<_>>(),
            "source_request_id": row.source_request_id,
        });
        record(
            &mut *tx,
            &caller.username,
            if row.source_request_id.is_some() { "project.promotion_requested" } else { "project.requested" },
            row.id,
            None,
            Some(after),
        )
        .await?;
        if auto {
            record(
                &mut *tx,
                AUTO_APPROVER,
                "project.approved",
                row.id,
                None,
                Some(json!({ "status": "provisioning", "rule": "auto-approve Dev" })),
            )
            .await?;
            self.jobs.kick_project(&mut *tx, row.id).await?;
        }
        Ok(row.id.to_string())
    }

    /// Moves a locked request into work for the job queue, queueing a job unless one is.
    async fn start(&self, tx: &mut PgConnection, id: Uuid, status: &str, caller: &Caller) -> Result<(), AppError> {
        let request_id = current_request_id();
        if store::start_work(&mut *tx, id, status, &caller.username, request_id.as_deref()).await? {
            self.jobs.kick_project(&mut *tx, id).await?;
        }
        Ok(())
    }

    /// The request locked for a change, with the caller's standing on it.
    async fn locked(
        &self,
        tx: &mut PgConnection,
        caller: &Caller,
        id: &str,
    ) -> Result<(RequestRow, Standing), AppError> {
        let id = parse_id(id)?;
        let row = store::lock(&mut *tx, id).await?.ok_or_else(|| AppError::NotFound("Project request".into()))?;
        let members = store::members(&mut *tx, id).await?;
        let standing = self.standing(caller, &row, &members).await?;
        Ok((row, standing))
    }

    /// How `caller` relates to a request. Once its project exists in DataZone, who owns and
    /// who belongs to it is DataZone's answer now (ListProjectMemberships, read on every
    /// action): someone taken out there, in the portal or in SageMaker Unified Studio, has
    /// no say any more, its original requester included. Before the project exists, the
    /// request's requester and the members it lists.
    async fn standing(
        &self,
        caller: &Caller,
        row: &RequestRow,
        members: &[store::MemberRow],
    ) -> Result<Standing, AppError> {
        let mut who = recorded_standing(caller, row, members);
        let Some(project) = row.project_id.as_deref() else { return Ok(who) };
        let current = match self.aws.memberships(project).await {
            Ok(current) => current,
            // Deleted (retired) in DataZone: nobody owns it any more.
            Err(AppError::Upstream { code, .. }) if code == "ResourceNotFoundException" => HashMap::default(),
            Err(other) => return Err(other),
        };
        let mine: Vec<&String> =
            current.iter().filter(|(id, _)| caller.is_or_in(id)).map(|(_, designation)| designation).collect();
        who.member = !mine.is_empty();
        who.owner = mine.iter().any(|d| d.as_str() == "PROJECT_OWNER");
        Ok(who)
    }

    async fn summary(&self, row: &RequestRow) -> RequestSummary {
        let portal = match &row.project_id {
            Some(_) if row.status == "active" => self.portal_url().await,
            _ => None,
        };
        summary(row, portal.as_deref())
    }
}

/// How the caller relates to a request.
#[derive(Debug, Clone, Copy, Default)]
#[allow(clippy::struct_excessive_bools)]
struct Standing {
    requester: bool,
    owner: bool,
    member: bool,
    admin: bool,
}

/// The caller's standing as the request itself records it (its requester and members).
fn recorded_standing(caller: &Caller, row: &RequestRow, members: &[store::MemberRow]) -> Standing {
    let mine = |m: &&store::MemberRow| m.state != "removed" && caller.is_or_in(&m.principal_id);
    Standing {
        requester: row.requested_by == caller.username,
        owner: row.requested_by == caller.username || members.iter().filter(mine).any(|m| m.designation == "owner"),
        member: members.iter().any(|m| mine(&m)),
        admin: caller.has(Role::Admin),
    }
}

fn new_member(m: &MemberInput) -> NewMember<'_> {
    NewMember {
        principal_id: &m.principal.id,
        kind: match m.principal.kind {
            PrincipalKind::User => "user",
            PrincipalKind::Group => "group",
        },
        display_name: &m.principal.name,
        designation: m.designation.as_str(),
    }
}

/// A stored member as the UI names it (the inverse of [`new_member`]).
fn member_input(m: store::MemberRow) -> MemberInput {
    MemberInput {
        principal: Principal {
            kind: if m.kind == "group" { PrincipalKind::Group } else { PrincipalKind::User },
            id: m.principal_id,
            name: m.display_name,
            detail: String::new(),
        },
        designation: Designation::parse(&m.designation).unwrap_or(Designation::Contributor),
    }
}

fn parse_id(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound("Project request".into()))
}

/// The live-name index refusing a second request for the same name.
fn unique_name(error: sqlx::Error, name: &str) -> AppError {
    match &error {
        sqlx::Error::Database(db) if db.constraint() == Some("project_requests_live_name") => {
            AppError::invalid("project_name", format!("A project named {name} already exists."))
        }
        _ => AppError::Database(error),
    }
}

/// An audit event about a project request, in the transaction that changes it.
async fn record(
    db: &mut PgConnection,
    actor: &str,
    action: &str,
    id: Uuid,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), AppError> {
    super::audit_event(db, actor, action, ("project_request", &id.to_string()), before, after).await
}

/// A request that still holds its environment of the product.
fn is_live(row: &RequestRow) -> bool {
    !matches!(row.status.as_str(), "rejected" | "cancelled" | "retired")
}

fn status_of(row: &RequestRow) -> RequestStatus {
    RequestStatus::parse(&row.status).unwrap_or(RequestStatus::Failed)
}

fn age(since: chrono::DateTime<Utc>) -> String {
    let minutes = (Utc::now() - since).num_minutes().max(0);
    match minutes {
        0 => "just now".to_owned(),
        m if m < 60 => format!("{m} min"),
        m if m < 60 * 48 => format!("{} h", m / 60),
        m => format!("{} d", m / (60 * 24)),
    }
}

fn summary(row: &RequestRow, portal: Option<&str>) -> RequestSummary {
    RequestSummary {
        id: row.id.to_string(),
        product: row.product.clone(),
        project_name: row.project_name.clone(),
        environment: Environment::parse(&row.environment).unwrap_or(Environment::Dev),
        status: status_of(row),
        domain_unit_name: row.domain_unit_name.clone(),
        requested_by: row.requested_by.clone(),
        requested_by_name: row.requested_by_name.clone(),
        created_at: time_text(row.created_at),
        age: age(row.created_at),
        project_id: row.project_id.clone(),
        portal_url: portal
            .zip(row.project_id.as_deref())
            .map(|(base, id)| format!("{}/projects/{id}/overview", base.trim_end_matches('/'))),
    }
}

fn step(label: impl Into<String>, state: StepState, detail: Option<String>) -> Step {
    Step { label: label.into(), state, detail }
}

/// The request's progress as people read it.
fn steps(row: &RequestRow, members: &[store::MemberRow]) -> Vec<Step> {
    use StepState::{Current, Done, Failed, Waiting};
    let status = status_of(row);
    let failed_provisioning = status == RequestStatus::Failed && row.failed_in.as_deref() != Some("retiring");
    let mut out =
        vec![step("Submitted", Done, Some(format!("by {} on {}", row.requested_by_name, time_text(row.created_at))))];
    let decided = row.decided_by.as_ref().map(|by| format!("by {by}"));
    out.push(match status {
        RequestStatus::PendingApproval => {
            step("Approval", Current, Some("Waiting for a platform admin or a domain-unit owner".into()))
        }
        RequestStatus::Rejected => step("Approval", Failed, decided),
        RequestStatus::Cancelled if row.project_id.is_none() => step("Approval", Waiting, Some("Cancelled".into())),
        _ => step("Approved", Done, decided),
    });
    let provisioning = status == RequestStatus::Provisioning;
    out.push(match (&row.project_id, provisioning, failed_provisioning) {
        (Some(id), _, _) => step("Project created", Done, Some(id.clone())),
        (None, true, _) => step("Create the project", Current, None),
        (None, _, true) => step("Create the project", Failed, row.failure.clone()),
        _ => step("Create the project", Waiting, None),
    });
    let wanted: Vec<_> = members.iter().filter(|m| m.state != "removed" && m.state != "removing").collect();
    let added = wanted.iter().filter(|m| m.state == "added").count();
    let members_text = Some(format!("{added} of {}", wanted.len()));
    out.push(match (row.project_id.is_some(), added == wanted.len(), provisioning) {
        (true, true, _) => step("Members added", Done, members_text),
        (true, false, true) => step("Add members", Current, members_text),
        _ => step("Add members", Waiting, members_text),
    });
    let deployment = row.deployment_status.clone();
    out.push(match status {
        RequestStatus::Active | RequestStatus::RetirePending | RequestStatus::Retiring | RequestStatus::Retired => {
            step("Environments deployed", Done, deployment)
        }
        RequestStatus::Provisioning if row.project_id.is_some() && added == wanted.len() => {
            step("Deploy environments", Current, deployment.or(Some("PENDING_DEPLOYMENT".into())))
        }
        RequestStatus::Failed if failed_provisioning && row.project_id.is_some() => {
            step("Deploy environments", Failed, row.failure.clone())
        }
        _ => step("Deploy environments", Waiting, None),
    });
    if matches!(status, RequestStatus::RetirePending | RequestStatus::Retiring | RequestStatus::Retired)
        || row.failed_in.as_deref() == Some("retiring")
    {
        out.push(match status {
            RequestStatus::RetirePending => step("Retirement approval", Current, None),
            RequestStatus::Retiring => step("Delete the project", Current, Some("DELETING".into())),
            RequestStatus::Retired => step("Project deleted", Done, None),
            _ => step("Delete the project", Failed, row.failure.clone()),
        });
    } else {
        out.push(match status {
            RequestStatus::Active => step("Active", Done, None),
            _ => step("Active", Waiting, None),
        });
    }
    out
}

/// Whether a profile grant is for `caller`: all users, their DataZone user, or one of
/// their Identity Center groups.
fn grant_names(grant: &crate::aws::ProfileGrant, caller: &Caller) -> bool {
    use crate::aws::Grantee;
    match &grant.grantee {
        Some(Grantee::AllUsers) => true,
        Some(Grantee::User(id)) => id == &caller.user_id,
        Some(Grantee::Group(id)) => caller.group_ids.contains(id),
        None => false,
    }
}

#[async_trait]
impl Projects for ProjectService {
    async fn units(&self, caller: &Caller) -> Result<Vec<UnitChoice>, ApiError> {
        Ok(self.choices(caller).await?)
    }

    async fn search_principals(&self, query: &str) -> Result<Vec<Principal>, ApiError> {
        if query.chars().count() < 2 {
            return Ok(Vec::new());
        }
        Ok(self.aws.search_principals(query, 8).await?)
    }

    async fn name_problem(&self, name: &str) -> Result<Option<String>, ApiError> {
        match self.check_name_free(name).await {
            Ok(()) => Ok(None),
            Err(AppError::Invalid { message, .. }) => Ok(Some(message)),
            Err(other) => Err(other.into()),
        }
    }

    async fn submit(&self, caller: &Caller, form: ProjectRequestForm) -> Result<String, ApiError> {
        let form = form.trimmed();
        if let Some(problem) = form.problems().into_iter().next() {
            return Err(ApiError::Invalid { field: problem.field, message: problem.message });
        }
        if caller.user_id.is_empty() {
            return Err(ApiError::Forbidden);
        }
        self.check_name_free(&form.project_name).await?;
        let environment = form.environment.unwrap_or(Environment::Dev);
        let units = self.choices(caller).await?;
        let unit = units
            .iter()
            .find(|u| u.id == form.domain_unit_id)
            .ok_or_else(|| AppError::invalid("domain_unit_id", "Choose a domain unit from the list."))?;
        if !unit.environments.contains(&environment) {
            return Err(AppError::invalid(
                "environment",
                format!("{} projects cannot be created in {}.", environment.label(), unit.path),
            )
            .into());
        }
        let profiles = self.profile_ids().await?;
        let (profile_id, profile_name) = profiles
            .get(&environment)
            .cloned()
            .ok_or_else(|| AppError::invalid("environment", "No project profile is set up for this environment."))?;
        let id = Uuid::new_v4();
        let row = RequestRow {
            id,
            product: form.product,
            project_name: form.project_name,
            description: form.description,
            domain_unit_id: unit.id.clone(),
            domain_unit_name: unit.path.clone(),
            environment: environment.as_str().to_owned(),
            profile_id,
            profile_name,
            justification: form.justification,
            lineage: id,
            ..RequestRow::default()
        };
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let id = self.create(&mut tx, caller, row, &form.members).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(id)
    }

    async fn mine(&self, caller: &Caller) -> Result<MyProjects, ApiError> {
        let projects = if caller.user_id.is_empty() {
            Vec::new()
        } else {
            self.aws.projects_of(&caller.user_id, &caller.group_ids).await?
        };
        let project_ids: Vec<String> = projects.iter().map(|p| p.id.clone()).collect();
        let rows = store::of_person(&self.pool, &caller.username, &project_ids).await.map_err(AppError::from)?;
        let portal = self.portal_url().await;
        let known: HashSet<&str> = rows.iter().filter_map(|r| r.project_id.as_deref()).collect();
        let mut products: BTreeMap<uuid::Uuid, ProductRow> = BTreeMap::new();
        let mut order = Vec::new();
        for row in rows.iter().rev() {
            let entry = products.entry(row.lineage).or_insert_with(|| {
                order.push(row.lineage);
                ProductRow { product: row.product.clone(), environments: Vec::new() }
            });
            let portal = portal.as_deref().filter(|_| row.status == "active");
            entry.environments.push(summary(row, portal));
        }
        let other_projects = projects
            .iter()
            .filter(|p| !known.contains(p.id.as_str()))
            .map(|p| ExternalProject {
                id: p.id.clone(),
                name: p.name.clone(),
                description: p.description.clone(),
                portal_url: portal
                    .as_deref()
                    .map(|b| format!("{}/projects/{}/overview", b.trim_end_matches('/'), p.id)),
            })
            .collect();
        let products = order
            .into_iter()
            .filter_map(|l| products.remove(&l))
            .map(|mut p| {
                p.environments.sort_by_key(|s| (s.environment, std::cmp::Reverse(s.created_at.clone())));
                p
            })
            .collect();
        Ok(MyProjects { products, other_projects })
    }

    async fn detail(&self, caller: &Caller, id: &str) -> Result<RequestDetail, ApiError> {
        let id = parse_id(id)?;
        let row = store::get(&self.pool, id)
            .await
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound("Project request".into()))?;
        let members = store::members(&self.pool, id).await.map_err(AppError::from)?;
        let who = self.standing(caller, &row, &members).await?;
        let status = status_of(&row);
        let awaiting = matches!(status, RequestStatus::PendingApproval | RequestStatus::RetirePending);
        // The unit's approvers (its owners) see every request in it, deciding only pending ones.
        let approver = self.may_decide(caller, &row.domain_unit_id).await?;
        let decider = awaiting && approver;
        if !(who.requester || who.member || who.admin || approver) {
            return Err(ApiError::Forbidden);
        }
        let lineage = store::lineage(&self.pool, row.lineage).await.map_err(AppError::from)?;
        let environment = Environment::parse(&row.environment).unwrap_or(Environment::Dev);
        let taken = |env: Environment| lineage.iter().any(|r| r.environment == env.as_str() && is_live(r));
        let allowed = Allowed {
            decide: decider && self.may_decide_own(&self.pool, caller, &row, who).await?.1,
            cancel: (who.owner || who.admin)
                && matches!(
                    status,
                    RequestStatus::PendingApproval | RequestStatus::RetirePending | RequestStatus::Failed
                ),
            retry: who.admin && status == RequestStatus::Failed,
            retire: who.owner && status == RequestStatus::Active,
            promote_to: Environment::ALL
                .into_iter()
                .filter(|env| who.owner && status == RequestStatus::Active && *env > environment && !taken(*env))
                .collect(),
            manage_members: who.owner && status == RequestStatus::Active,
        };
        let history = crate::store::audit::about(&self.pool, "project_request", &id.to_string())
            .await
            .map_err(AppError::from)?
            .into_iter()
            .map(entry)
            .collect();
        let mut twins = Vec::new();
        for twin in lineage.iter().filter(|r| r.id != id) {
            twins.push(self.summary(twin).await);
        }
        Ok(RequestDetail {
            summary: self.summary(&row).await,
            steps: steps(&row, &members),
            description: row.description,
            justification: row.justification,
            profile_name: row.profile_name,
            decided_by: row.decided_by,
            decision_comment: row.decision_comment,
            failure: row.failure,
            members: members
                .into_iter()
                .filter(|m| m.state != "removed")
                .map(|m| {
                    let state = m.state.clone();
                    let MemberInput { principal, designation } = member_input(m);
                    MemberRow { principal, designation, state }
                })
                .collect(),
            twins,
            history,
            allowed,
        })
    }

    async fn approvals(&self, caller: &Caller) -> Result<Vec<RequestSummary>, ApiError> {
        let rows = store::awaiting_decision(&self.pool).await.map_err(AppError::from)?;
        let mut decidable: HashMap<String, bool> = HashMap::new();
        let mut out = Vec::new();
        for row in rows {
            let may = if let Some(may) = decidable.get(&row.domain_unit_id) {
                *may
            } else {
                let may = self.may_decide(caller, &row.domain_unit_id).await?;
                decidable.insert(row.domain_unit_id.clone(), may);
                may
            };
            if may && row.requested_by != caller.username {
                out.push(summary(&row, None));
            }
        }
        Ok(out)
    }

    async fn decide(&self, caller: &Caller, id: &str, approve: bool, comment: &str) -> Result<(), ApiError> {
        let comment = comment.trim();
        if let Some(problem) = text_problem(comment, "comment", !approve, 1000) {
            return Err(AppError::invalid("comment", problem).into());
        }
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let (row, who) = self.locked(&mut tx, caller, id).await?;
        let status = status_of(&row);
        if !matches!(status, RequestStatus::PendingApproval | RequestStatus::RetirePending) {
            return Err(ApiError::Conflict {
                message: format!("This request is already {}.", status.label().to_lowercase()),
            });
        }
        if !self.may_decide(caller, &row.domain_unit_id).await? {
            return Err(ApiError::Forbidden);
        }
        let (stake, allowed) = self.may_decide_own(&mut *tx, caller, &row, who).await?;
        if !allowed {
            return Err(ApiError::Conflict {
                message:
                    "You can't decide a request you made or for a project you belong to: another approver decides it."
                        .into(),
            });
        }
        let retiring = status == RequestStatus::RetirePending;
        let (action, next) = match (retiring, approve) {
            (false, true) => ("project.approved", "provisioning"),
            (false, false) => ("project.rejected", "rejected"),
            (true, true) => ("project.retire_approved", "retiring"),
            (true, false) => ("project.retire_rejected", "active"),
        };
        store::set_status(&mut *tx, row.id, &row.status, Some((&caller.username, comment)))
            .await
            .map_err(AppError::from)?;
        if approve {
            self.start(&mut tx, row.id, next, caller).await?;
        } else {
            store::set_status(&mut *tx, row.id, next, None).await.map_err(AppError::from)?;
        }
        record(
            &mut tx,
            &caller.username,
            action,
            row.id,
            Some(json!({ "status": row.status })),
            Some(json!({ "status": next, "comment": comment })),
        )
        .await?;
        if stake {
            // Allowed by the unit's setting: the trail says so beside the decision.
            let relation = if who.requester { "requester" } else { "member" };
            let after = json!({ "by": caller.username, "relation": relation, "decision": action,
                                "allowed_by_units": [row.domain_unit_id] });
            record(&mut tx, &caller.username, "project.self_decision", row.id, None, Some(after)).await?;
        }
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }

    async fn promote(&self, caller: &Caller, id: &str, target: &str, justification: &str) -> Result<String, ApiError> {
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let (source, who) = self.locked(&mut tx, caller, id).await?;
        if !who.owner {
            return Err(ApiError::Forbidden);
        }
        let environment = Environment::parse(&source.environment).unwrap_or(Environment::Prod);
        let Some(next) = Environment::parse(target).filter(|t| *t > environment) else {
            return Err(AppError::invalid("environment", "Choose a later environment: Staging or Prod.").into());
        };
        if source.status != "active" {
            return Err(ApiError::Conflict { message: "Only an active project can be promoted.".into() });
        }
        let base = source.project_name.trim_end_matches(environment.label()).trim_end();
        let base = if base.is_empty() { source.product.as_str() } else { base };
        let form = ProjectRequestForm {
            product: source.product.clone(),
            project_name: format!("{base} {}", next.label()),
            description: source.description.clone(),
            domain_unit_id: source.domain_unit_id.clone(),
            environment: Some(next),
            members: Vec::new(),
            justification: justification.to_owned(),
        }
        .trimmed();
        if let Some(problem) = form.problems().into_iter().next() {
            return Err(ApiError::Invalid { field: problem.field, message: problem.message });
        }
        let lineage = store::lineage(&self.pool, source.lineage).await.map_err(AppError::from)?;
        if lineage.iter().any(|r| r.environment == next.as_str() && is_live(r)) {
            return Err(ApiError::Conflict {
                message: format!("{} already has a {} project or request.", source.product, next.label()),
            });
        }
        self.check_name_free(&form.project_name).await?;
        let allowed = self.choices(caller).await?.into_iter().find(|u| u.id == source.domain_unit_id);
        if !allowed.is_some_and(|u| u.environments.contains(&next)) {
            return Err(AppError::invalid(
                "environment",
                format!("No project profile grant lets you create {} projects in this domain unit.", next.label()),
            )
            .into());
        }
        let (profile_id, profile_name) =
            self.profile_ids().await?.get(&next).cloned().ok_or_else(|| {
                AppError::invalid("environment", "No project profile is set up for this environment.")
            })?;
        // The twin gets the members the project has in DataZone now: someone taken out in
        // SageMaker Unified Studio is not carried over, a changed designation is DataZone's.
        let current = match source.project_id.as_deref() {
            Some(project) => Some(self.aws.memberships(project).await?),
            None => None,
        };
        let members: Vec<MemberInput> = store::members(&mut *tx, source.id)
            .await
            .map_err(AppError::from)?
            .into_iter()
            .filter(|m| m.state == "adding" || m.state == "added")
            .filter_map(|m| {
                let now = current.as_ref().map(|c| c.get(&m.principal_id).cloned());
                let adding = m.state == "adding";
                let mut member = member_input(m);
                match now {
                    Some(Some(designation)) => {
                        member.designation = match designation.as_str() {
                            "PROJECT_OWNER" => Designation::Owner,
                            "PROJECT_CONTRIBUTOR" => Designation::Contributor,
                            _ => member.designation,
                        };
                        Some(member)
                    }
                    // Gone from DataZone: carried over only while the portal is still adding it.
                    Some(None) => adding.then_some(member),
                    None => Some(member),
                }
            })
            .collect();
        let new_id = Uuid::new_v4();
        let row = RequestRow {
            id: new_id,
            project_name: form.project_name,
            environment: next.as_str().to_owned(),
            profile_id,
            profile_name,
            justification: form.justification,
            source_request_id: Some(source.id),
            ..source
        };
        let id = self.create(&mut tx, caller, row, &members).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(id)
    }

    async fn retire(&self, caller: &Caller, id: &str, reason: &str) -> Result<(), ApiError> {
        if let Some(problem) = text_problem(reason, "reason", false, 1000) {
            return Err(AppError::invalid("reason", problem).into());
        }
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let (row, who) = self.locked(&mut tx, caller, id).await?;
        if !who.owner {
            return Err(ApiError::Forbidden);
        }
        if row.status != "active" {
            return Err(ApiError::Conflict { message: "Only an active project can be retired.".into() });
        }
        let environment = Environment::parse(&row.environment).unwrap_or(Environment::Prod);
        let after = json!({ "reason": reason.trim(), "environment": row.environment });
        record(
            &mut tx,
            &caller.username,
            "project.retire_requested",
            row.id,
            Some(json!({ "status": "active" })),
            Some(after),
        )
        .await?;
        if environment.needs_approval() {
            store::set_status(&mut *tx, row.id, "retire_pending", None).await.map_err(AppError::from)?;
        } else {
            self.start(&mut tx, row.id, "retiring", caller).await?;
        }
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }

    async fn cancel(&self, caller: &Caller, id: &str) -> Result<(), ApiError> {
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let (row, who) = self.locked(&mut tx, caller, id).await?;
        if !(who.owner || who.admin) {
            return Err(ApiError::Forbidden);
        }
        let before = Some(json!({ "status": row.status }));
        match (status_of(&row), row.project_id.is_some()) {
            (RequestStatus::PendingApproval, _) | (RequestStatus::Failed, false) => {
                store::finish_work(&mut *tx, row.id, "cancelled", None, None).await.map_err(AppError::from)?;
                record(
                    &mut tx,
                    &caller.username,
                    "project.cancelled",
                    row.id,
                    before,
                    Some(json!({ "status": "cancelled" })),
                )
                .await?;
            }
            (RequestStatus::RetirePending, _) => {
                store::set_status(&mut *tx, row.id, "active", None).await.map_err(AppError::from)?;
                record(
                    &mut tx,
                    &caller.username,
                    "project.retire_withdrawn",
                    row.id,
                    before,
                    Some(json!({ "status": "active" })),
                )
                .await?;
            }
            // A failed project that exists in DataZone is deleted rather than left behind.
            (RequestStatus::Failed, true) => {
                self.start(&mut tx, row.id, "retiring", caller).await?;
                record(
                    &mut tx,
                    &caller.username,
                    "project.cancelled",
                    row.id,
                    before,
                    Some(json!({ "status": "retiring" })),
                )
                .await?;
            }
            (status, _) => {
                return Err(ApiError::Conflict {
                    message: format!("A request that is {} cannot be cancelled.", status.label().to_lowercase()),
                })
            }
        }
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }

    async fn retry(&self, caller: &Caller, id: &str) -> Result<(), ApiError> {
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let (row, _) = self.locked(&mut tx, caller, id).await?;
        if row.status != "failed" {
            return Err(ApiError::Conflict { message: "Only a failed request can be retried.".into() });
        }
        let resume = if row.failed_in.as_deref() == Some("retiring") { "retiring" } else { "provisioning" };
        self.start(&mut tx, row.id, resume, caller).await?;
        record(
            &mut tx,
            &caller.username,
            "project.retried",
            row.id,
            Some(json!({ "status": "failed", "failure": row.failure })),
            Some(json!({ "status": resume })),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }

    async fn change_member(&self, caller: &Caller, id: &str, change: MemberChange) -> Result<(), ApiError> {
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let (row, who) = self.locked(&mut tx, caller, id).await?;
        if !who.owner {
            return Err(ApiError::Forbidden);
        }
        if row.status != "active" {
            return Err(ApiError::Conflict { message: "Members can be changed once the project is active.".into() });
        }
        let members = store::members(&mut *tx, row.id).await.map_err(AppError::from)?;
        let current = members.iter().find(|m| m.principal_id == change.principal.id && m.state != "removed");
        let owners_left = members
            .iter()
            .filter(|m| m.designation == "owner" && m.state != "removed" && m.state != "removing")
            .filter(|m| m.principal_id != change.principal.id)
            .count();
        if (change.remove || change.designation != Designation::Owner)
            && current.is_some_and(|m| m.designation == "owner")
            && owners_left == 0
        {
            return Err(
                AppError::invalid("members", "A project needs at least one owner; add another owner first.").into()
            );
        }
        let before = current.map(|m| json!({ "member": m.display_name, "designation": m.designation }));
        let action = if change.remove {
            if current.is_none() {
                return Err(AppError::NotFound(format!("{} as a member", change.principal.name)).into());
            }
            store::set_member_state(&mut *tx, row.id, &change.principal.id, "removing")
                .await
                .map_err(AppError::from)?;
            "project.member_remove_requested"
        } else {
            let input = MemberInput { principal: change.principal.clone(), designation: change.designation };
            store::want_member(&mut *tx, row.id, &new_member(&input)).await.map_err(AppError::from)?;
            "project.member_add_requested"
        };
        let after = json!({ "member": change.principal.name, "principal_id": change.principal.id, "designation": change.designation.as_str(), "remove": change.remove });
        record(&mut tx, &caller.username, action, row.id, before, Some(after)).await?;
        self.start(&mut tx, row.id, "active", caller).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }
}
