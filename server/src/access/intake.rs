//! Taking in subscription requests, from the portal or synced from DataZone: the stored
//! row with names and unit paths, the `subscription.requested` event, and the
//! auto-approval rules tried in order, whose accept or reject is queued.

use app::model::{RequestFacts, RuleAction, RuleConditions};
use serde_json::json;
use sqlx::PgConnection;

use super::{record, Access, Requester};
use crate::aws::subscriptions::{is_pending, SubRequest};
use crate::error::AppError;
use crate::store::subscriptions::{self as store, RuleRow, SubRow};

impl Access {
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
        if row.status == "PENDING" && !self.apply_rules(conn, row).await? {
            self.apply_terms(conn, row).await?;
        }
        Ok(true)
    }

    /// A request no rule decided, for an asset or product whose producers need no approval
    /// and within its longest period, is accepted on their terms.
    async fn apply_terms(&self, conn: &mut PgConnection, row: &SubRow) -> Result<(), AppError> {
        let terms = crate::store::terms::get(&mut *conn, &row.asset_id).await?;
        let days = row.requested_days.and_then(|d| u32::try_from(d).ok());
        if terms.approval_required || terms.refuses(days).is_some() {
            return Ok(());
        }
        let comment = format!("Granted on the access terms of {}: no approval needed.", row.asset_name);
        record(
            &mut *conn,
            "meshgate (access terms)",
            "subscription.terms_matched",
            &row.id,
            json!({"terms": "no approval"}),
        )
        .await?;
        store::queue_decision(&mut *conn, &row.id, true, Some(&comment), "access terms", None, None).await?;
        self.kick(conn, &row.id).await
    }

    /// The first enabled rule covering the request that matches it decides: accept and
    /// reject are queued, "leave to a steward" stops there. `true` when a rule matched.
    async fn apply_rules(&self, conn: &mut PgConnection, row: &SubRow) -> Result<bool, AppError> {
        let rules = store::rules(&mut *conn).await?;
        let Some((rule, why)) = first_match(&rules, row) else { return Ok(false) };
        let action = RuleAction::parse(&rule.action).unwrap_or(RuleAction::Review);
        let after = json!({ "rule": rule.name, "rule_id": rule.id, "action": rule.action, "why": why });
        record(&mut *conn, "meshgate (rules)", "subscription.rule_matched", &row.id, after).await?;
        let accept = match action {
            RuleAction::Accept => true,
            RuleAction::Reject => false,
            RuleAction::Review => return Ok(true),
        };
        let comment = if rule.comment.trim().is_empty() {
            format!("Decided by rule \"{}\": {why}.", rule.name)
        } else {
            rule.comment.clone()
        };
        store::set_rule_match(&mut *conn, &row.id, rule.id, &format!("Rule \"{}\": {why}", rule.name)).await?;
        let actor = format!("rule: {}", rule.name);
        store::queue_decision(&mut *conn, &row.id, accept, Some(&comment), &actor, Some(rule.id), None).await?;
        self.kick(conn, &row.id).await?;
        Ok(true)
    }
}

/// What rules know about a stored request.
pub fn facts_of(row: &SubRow) -> RequestFacts {
    RequestFacts {
        subscriber_units: row.subscriber_unit_ids.clone(),
        subscriber_unit_names: row.subscriber_unit_names.clone(),
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
