//! Access to data products, the part web requests and background jobs share: what the
//! portal knows about the domain's projects and units (cached, read in batches), taking in
//! subscription requests (from the portal or synced from DataZone) and putting them
//! through the auto-approval rules, queueing decisions, and ending expired access.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use app::model::{RequestFacts, RuleAction, RuleConditions};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use tokio::sync::Mutex;

use crate::aws::subscriptions::{is_pending, SubRequest};
use crate::aws::Aws;
use crate::error::AppError;
use crate::jobs::rate::RateLimits;
use crate::jobs::{DecisionKick, DecisionQueue, DecisionTask};
use crate::store::audit;
use crate::store::subscriptions::{self as store, RuleRow, SubRow};

mod expiry;
mod reconcile;
mod sync;

pub use reconcile::DRIFT;

/// How long the project and unit index is trusted.
const INDEX_TTL: Duration = Duration::from_mins(1);

/// The domain's projects and units, for names and unit paths.
#[derive(Default)]
pub struct MeshIndex {
    /// id → (name, unit id)
    pub projects: HashMap<String, (String, Option<String>)>,
    /// id → (name, parent id)
    pub units: HashMap<String, (String, Option<String>)>,
}

impl MeshIndex {
    /// The unit of a project and its ancestors below the root, root side first: (ids, names).
    pub fn unit_path(&self, project: &str) -> (Vec<String>, Vec<String>) {
        let mut ids = Vec::new();
        let mut at = self.projects.get(project).and_then(|(_, unit)| unit.as_ref());
        // DataZone nests units at most five deep; the bound also stops a malformed cycle.
        while let Some(id) = at.filter(|_| ids.len() < 8) {
            let Some((_, parent)) = self.units.get(id) else { break };
            ids.push(id.clone());
            at = parent.as_ref();
        }
        ids.reverse();
        let names = ids.iter().filter_map(|id| self.units.get(id).map(|(n, _)| n.clone())).collect();
        (ids, names)
    }

    pub fn project_name(&self, id: &str) -> Option<&str> {
        self.projects.get(id).map(|(name, _)| name.as_str())
    }

    pub fn unit_name(&self, id: &str) -> Option<&str> {
        self.units.get(id).map(|(name, _)| name.as_str())
    }

    /// A unit's names from the top-level unit down, for people (`Parent / Child`). The
    /// domain's root unit is not in the index, so it is not in the label.
    pub fn unit_label(&self, id: &str) -> String {
        let mut names = Vec::new();
        let mut at = Some(id);
        while let Some(unit) = at.filter(|_| names.len() < 8) {
            let Some((name, parent)) = self.units.get(unit) else { break };
            names.push(name.clone());
            at = parent.as_deref();
        }
        names.reverse();
        names.join(" / ")
    }

    /// The id of the unit a configuration names: its id, or a name or `Parent/Child` path
    /// that only one unit has (names are unique only among siblings). `None` when no unit,
    /// or more than one, answers to it.
    pub fn unit_id_of(&self, reference: &str) -> Option<String> {
        let reference = reference.trim();
        if self.units.contains_key(reference) {
            return Some(reference.to_owned());
        }
        let wanted: Vec<&str> = reference.split('/').map(str::trim).collect();
        let matches: Vec<&String> = self
            .units
            .keys()
            .filter(|id| {
                let mut at = Some(id.as_str());
                wanted.iter().rev().all(|name| {
                    let Some((unit_name, parent)) = at.and_then(|u| self.units.get(u)) else { return false };
                    at = parent.as_deref();
                    unit_name.eq_ignore_ascii_case(name)
                })
            })
            .collect();
        match matches.as_slice() {
            [only] => Some((*only).clone()),
            _ => None,
        }
    }
}

/// Who a requester is, as rules and the inbox need them.
#[derive(Debug, Clone, Default)]
pub struct Requester {
    pub id: String,
    pub name: String,
    pub groups: Vec<String>,
}

#[derive(Clone)]
pub struct Access {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    aws: Aws,
    limits: RateLimits,
    queue: DecisionQueue,
    index: Mutex<Option<(Instant, Arc<MeshIndex>)>>,
}

impl Access {
    pub fn new(pool: PgPool, aws: Aws, limits: RateLimits, queue: DecisionQueue) -> Self {
        Self { inner: Arc::new(Inner { pool, aws, limits, queue, index: Mutex::new(None) }) }
    }

    pub fn pool(&self) -> &PgPool {
        &self.inner.pool
    }

    pub fn aws(&self) -> &Aws {
        &self.inner.aws
    }

    /// Waits for a token of the shared rate limit of `operation`.
    pub async fn pace(&self, operation: &str) -> Result<(), AppError> {
        Ok(self.inner.limits.acquire(operation).await?)
    }

    /// The project and unit index, read again when older than a minute or when `missing`
    /// names a project it does not know (a project created since).
    pub async fn index(&self, missing: Option<&str>) -> Result<Arc<MeshIndex>, AppError> {
        let mut cached = self.inner.index.lock().await;
        if let Some((at, index)) = cached.as_ref() {
            let fresh = at.elapsed() < INDEX_TTL;
            let knows = missing.is_none_or(|p| index.projects.contains_key(p));
            // A missing project triggers at most one read every five seconds.
            if fresh && (knows || at.elapsed() < Duration::from_secs(5)) {
                return Ok(index.clone());
            }
        }
        let aws = &self.inner.aws;
        let (projects, tree, root) = tokio::try_join!(aws.all_projects(), aws.unit_tree(), aws.root_unit_id())?;
        let index = Arc::new(MeshIndex {
            projects: projects.into_iter().map(|p| (p.id, (p.name, p.unit_id))).collect(),
            units: tree
                .into_iter()
                .map(|u| {
                    let parent = u.ancestors.last().filter(|a| **a != root).cloned();
                    (u.id, (u.name, parent))
                })
                .collect(),
        });
        *cached = Some((Instant::now(), index.clone()));
        Ok(index)
    }

    /// Name and groups of a DataZone user, from Postgres when seen within the hour.
    pub async fn requester(&self, id: &str) -> Result<Requester, AppError> {
        if let Some((_, name, groups)) = store::person(&self.inner.pool, id).await? {
            return Ok(Requester { id: id.to_owned(), name, groups });
        }
        let aws = &self.inner.aws;
        let (username, name) = match aws.user_names(id).await {
            Ok(names) => names,
            // Not a person (a service role, say): shown as DataZone names it.
            Err(AppError::NotFound(_)) => {
                return Ok(Requester { id: id.to_owned(), name: id.to_owned(), groups: vec![] })
            }
            Err(other) => return Err(other),
        };
        let groups = match aws.store_user_id(&username, None).await? {
            Some(user) => aws.group_ids(&user).await?,
            None => Vec::new(),
        };
        store::remember_person(&self.inner.pool, id, &username, &name, &groups).await?;
        Ok(Requester { id: id.to_owned(), name, groups })
    }

    /// The row for a request DataZone describes, with names and unit paths filled in.
    pub async fn row_of(
        &self,
        r: &SubRequest,
        requester: Requester,
        days: Option<i32>,
    ) -> Result<Option<SubRow>, AppError> {
        let Some((project_id, project_name)) = r.project.clone() else {
            tracing::debug!(id = %r.id, "subscription request for a user, group or IAM principal: not tracked");
            return Ok(None);
        };
        let mut index = self.index(None).await?;
        if let Some(unknown) = [&project_id, &r.owner_project_id].into_iter().find(|p| !index.projects.contains_key(*p))
        {
            index = self.index(Some(unknown)).await?;
        }
        let (owner_unit_ids, owner_unit_names) = index.unit_path(&r.owner_project_id);
        let (subscriber_unit_ids, subscriber_unit_names) = index.unit_path(&project_id);
        let decided = !is_pending(&r.status);
        let reviewer = match (&r.reviewer_id, decided) {
            (Some(id), true) => Some(format!("{} (in DataZone)", self.requester(id).await?.name)),
            _ => None,
        };
        Ok(Some(SubRow {
            id: r.id.clone(),
            kind: "access".into(),
            extends_id: None,
            listing_id: r.listing_id.clone(),
            asset_id: r.asset_id.clone(),
            asset_name: r.asset_name.clone(),
            asset_type: r.asset_type.clone(),
            asset_terms: r.terms.clone(),
            owner_project_name: if r.owner_project_name.is_empty() {
                index.project_name(&r.owner_project_id).unwrap_or(&r.owner_project_id).to_owned()
            } else {
                r.owner_project_name.clone()
            },
            owner_project_id: r.owner_project_id.clone(),
            owner_unit_ids,
            owner_unit_names,
            subscriber_project_name: if project_name.is_empty() {
                index.project_name(&project_id).unwrap_or(&project_id).to_owned()
            } else {
                project_name
            },
            subscriber_project_id: project_id,
            subscriber_unit_ids,
            subscriber_unit_names,
            requester_id: requester.id,
            requester_name: requester.name,
            requester_groups: requester.groups,
            reason: r.reason.clone(),
            requested_days: days,
            source: "datazone".into(),
            status: r.status.clone(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            decided_at: decided.then_some(r.updated_at),
            decided_by: reviewer,
            rule_id: None,
            rule_reason: None,
            decision_comment: r.decision_comment.clone(),
            subscription_id: r.subscription_id.clone(),
            subscription_status: (r.status == "ACCEPTED").then(|| "APPROVED".to_owned()),
            grant_status: None,
            grant_failure: None,
            granted_at: None,
            expires_at: None,
            client_token: None,
            decision_accept: None,
            decision_state: None,
            decision_outcome: None,
            decision_actor: None,
        }))
    }

    /// Stores a new request in the caller's transaction, runs the rules on it and queues
    /// what they decide; `false` when the request was already stored.
    pub async fn take_in(&self, conn: &mut PgConnection, row: &SubRow, actor: &str) -> Result<bool, AppError> {
        if !store::insert(&mut *conn, row).await? {
            return Ok(false);
        }
        let after = json!({
            "asset": row.asset_name, "listing_id": row.listing_id, "project": row.subscriber_project_name,
            "requester": row.requester_name, "reason": row.reason, "days": row.requested_days, "source": row.source,
            "kind": row.kind, "extends": row.extends_id,
        });
        record(&mut *conn, actor, "subscription.requested", &row.id, after).await?;
        if row.status == "PENDING" {
            self.apply_rules(conn, row).await?;
        }
        Ok(true)
    }

    /// The first enabled rule covering the request that matches it decides: accept and
    /// reject are queued, "leave to a steward" stops there.
    async fn apply_rules(&self, conn: &mut PgConnection, row: &SubRow) -> Result<(), AppError> {
        let rules = store::rules(&mut *conn).await?;
        let Some((rule, why)) = first_match(&rules, row) else { return Ok(()) };
        let action = RuleAction::parse(&rule.action).unwrap_or(RuleAction::Review);
        let after = json!({ "rule": rule.name, "rule_id": rule.id, "action": rule.action, "why": why });
        record(&mut *conn, "meshgate (rules)", "subscription.rule_matched", &row.id, after).await?;
        let accept = match action {
            RuleAction::Accept => true,
            RuleAction::Reject => false,
            RuleAction::Review => return Ok(()),
        };
        let comment = if rule.comment.trim().is_empty() {
            format!("Decided by rule \"{}\": {why}.", rule.name)
        } else {
            rule.comment.clone()
        };
        sqlx::query("UPDATE subscription_requests SET rule_id = $2, rule_reason = $3 WHERE id = $1")
            .bind(&row.id)
            .bind(rule.id)
            .bind(format!("Rule \"{}\": {why}", rule.name))
            .execute(&mut *conn)
            .await?;
        let actor = format!("rule: {}", rule.name);
        store::queue_decision(&mut *conn, &row.id, accept, Some(&comment), &actor, Some(rule.id), None).await?;
        self.kick(conn, &row.id).await
    }

    /// Queues the decision job of a request, in the caller's transaction.
    pub async fn kick(&self, conn: &mut PgConnection, request: &str) -> Result<(), AppError> {
        let queue = crate::jobs::decision_queue(&self.inner.queue, &self.inner.pool).await?;
        let task = DecisionTask::new(self.clone());
        queue.enqueue(conn, &task, &DecisionKick { request_id: request.to_owned() }).await?;
        Ok(())
    }

    /// Queues the decision job of a request again after `after`.
    pub async fn requeue(&self, conn: &mut PgConnection, request: &str, after: jiff::Span) -> Result<(), AppError> {
        let queue = crate::jobs::decision_queue(&self.inner.queue, &self.inner.pool).await?;
        let task = DecisionTask::new(self.clone());
        queue.enqueue_after(conn, &task, &DecisionKick { request_id: request.to_owned() }, after).await?;
        Ok(())
    }
}

/// What rules know about a stored request.
pub fn facts_of(row: &SubRow) -> RequestFacts {
    RequestFacts {
        subscriber_units: row.subscriber_unit_names.clone(),
        requester_groups: row.requester_groups.clone(),
        asset_name: row.asset_name.clone(),
        terms: row.asset_terms.clone(),
        requested_days: row.requested_days.and_then(|d| u32::try_from(d).ok()),
    }
}

/// Whether a rule covers requests for assets of this owner unit path: its scope is the
/// unit's id, so a rename or a sibling of the same name changes nothing.
pub fn covers(rule: &RuleRow, row: &SubRow) -> bool {
    rule.scope_unit.as_ref().is_none_or(|unit| row.owner_unit_ids.contains(unit))
}

pub fn conditions_of(rule: &RuleRow) -> RuleConditions {
    serde_json::from_value(rule.conditions.clone()).unwrap_or_default()
}

/// The first enabled rule that covers and matches the request, with why it matches.
pub fn first_match<'r>(rules: &'r [RuleRow], row: &SubRow) -> Option<(&'r RuleRow, String)> {
    let facts = facts_of(row);
    rules
        .iter()
        .filter(|r| r.enabled && covers(r, row))
        .find_map(|r| conditions_of(r).explain(&facts).map(|why| (r, why)))
}

/// An audit event about a subscription request.
pub async fn record(
    conn: &mut PgConnection,
    actor: &str,
    action: &str,
    request: &str,
    after: serde_json::Value,
) -> Result<(), AppError> {
    let request_id = crate::error::current_request_id();
    audit::record(
        conn,
        &audit::NewEvent {
            actor,
            action,
            target_kind: "subscription_request",
            target_id: request,
            before: None,
            after: Some(after),
            request_id: request_id.as_deref(),
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::MeshIndex;

    fn index() -> MeshIndex {
        let mut index = MeshIndex::default();
        // As `Access::index` builds it: top-level units have no parent (the root is left out).
        for (id, name, parent) in [
            ("mkt", "Marketing", None),
            ("sales", "Sales", None),
            ("mkt-fin", "Finance", Some("mkt")),
            ("sales-fin", "Finance", Some("sales")),
            ("mkt-web", "Web", Some("mkt")),
        ] {
            index.units.insert(id.into(), (name.into(), parent.map(Into::into)));
        }
        index
    }

    #[test]
    fn a_unit_is_found_by_id_unique_name_or_path_never_by_a_shared_name() {
        let index = index();
        assert_eq!(index.unit_id_of("mkt-web").as_deref(), Some("mkt-web"), "by id");
        assert_eq!(index.unit_id_of("web").as_deref(), Some("mkt-web"), "a name only one unit has");
        assert_eq!(index.unit_id_of("Finance"), None, "two siblings' trees share the name: neither");
        assert_eq!(index.unit_id_of("Sales/Finance").as_deref(), Some("sales-fin"), "a path tells them apart");
        assert_eq!(index.unit_id_of("Nowhere"), None);
    }

    #[test]
    fn a_label_is_the_path_below_the_domain() {
        assert_eq!(index().unit_label("sales-fin"), "Sales / Finance");
        assert_eq!(index().unit_label("mkt"), "Marketing");
    }
}
