//! The drift check: a periodic reconciliation of what the portal holds with what DataZone
//! holds. Each difference is a finding (an audit event when first found, and a row on the
//! admin page "Drift") saying what the portal did about it. The portal follows DataZone
//! where DataZone is authoritative (a project deleted, a member removed, a subscription
//! ended) and says so; it never overwrites a change made in DataZone.
//!
//! Cost per check: ListProjects and ListSubscriptions(APPROVED) pages, one
//! ListProjectMemberships per active project the portal created, one GetSubscription per
//! subscription DataZone no longer lists as approved.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use serde_json::json;

use super::Access;
use crate::error::AppError;
use crate::store::audit;
use crate::store::drift::{self as store, Finding};
use crate::store::subscriptions::{self as subs};

/// The schedule row of the drift check (its last outcome).
pub const DRIFT: &str = "drift_check";

fn designation_of(datazone: &str) -> &'static str {
    if datazone == "PROJECT_OWNER" {
        "owner"
    } else {
        "contributor"
    }
}

impl Access {
    /// Runs the drift check once; answers how many findings are open after it.
    ///
    /// # Errors
    /// DataZone's refusal of a read, or a database error; either is kept as the last outcome.
    pub async fn reconcile(&self) -> Result<usize, AppError> {
        let started = Utc::now();
        let outcome = self.find_drift().await;
        let error = outcome.as_ref().err().map(ToString::to_string);
        subs::record_outcome(&self.inner.pool, DRIFT, error.as_deref()).await?;
        let findings = outcome?;
        let pool = &self.inner.pool;
        for finding in &findings {
            let mut tx = pool.begin().await?;
            if store::seen(&mut *tx, finding).await? {
                audit::record(
                    &mut *tx,
                    &audit::NewEvent {
                        actor: "meshgate (drift check)",
                        action: &format!("drift.{}", finding.kind),
                        target_kind: finding.target_kind,
                        target_id: &finding.target_id,
                        before: None,
                        after: Some(json!({ "summary": finding.summary, "action": finding.action })),
                        request_id: None,
                    },
                )
                .await?;
            }
            tx.commit().await?;
        }
        store::resolve_unseen(pool, started).await?;
        Ok(findings.len())
    }

    async fn find_drift(&self) -> Result<Vec<Finding>, AppError> {
        let mut findings = self.project_drift().await?;
        findings.extend(self.subscription_drift().await?);
        Ok(findings)
    }

    /// Projects deleted outside the portal, and members removed, added or re-designated there.
    async fn project_drift(&self) -> Result<Vec<Finding>, AppError> {
        let (pool, aws) = (&self.inner.pool, &self.inner.aws);
        let active = store::active_projects(pool).await?;
        if active.is_empty() {
            return Ok(Vec::new());
        }
        let existing: HashSet<String> = aws.all_projects().await?.into_iter().map(|p| p.id).collect();
        let ids: Vec<uuid::Uuid> = active.iter().map(|a| a.0).collect();
        let mut ours: HashMap<uuid::Uuid, Vec<(String, String, String)>> = HashMap::new();
        for (request, principal, name, designation) in store::added_members(pool, &ids).await? {
            ours.entry(request).or_default().push((principal, name, designation));
        }
        let mut findings = Vec::new();
        for (request, project, name) in active {
            let target_id = request.to_string();
            if !existing.contains(&project) {
                let why = "Deleted in DataZone outside the portal (found by the drift check).";
                store::retire_gone(pool, request, why).await?;
                findings.push(Finding {
                    kind: "project_deleted",
                    target_kind: "project_request",
                    target_id,
                    summary: format!("Project {name} ({project}) no longer exists in DataZone."),
                    action: "Marked the request retired.".into(),
                });
                continue;
            }
            let members = aws.memberships(&project).await?;
            let listed = ours.remove(&request).unwrap_or_default();
            for (principal, display, designation) in &listed {
                match members.get(principal) {
                    None => {
                        store::member_gone(pool, request, principal).await?;
                        findings.push(Finding {
                            kind: "member_removed",
                            target_kind: "project_request",
                            target_id: format!("{request}:{principal}"),
                            summary: format!("{display} is no longer a member of {name} in DataZone."),
                            action: "Recorded the removal in the portal's member list.".into(),
                        });
                    }
                    Some(theirs) if designation_of(theirs) != designation => findings.push(Finding {
                        kind: "member_redesignated",
                        target_kind: "project_request",
                        target_id: format!("{request}:{principal}"),
                        summary: format!(
                            "{display} is {} of {name} in DataZone; the portal added them as {designation}.",
                            designation_of(theirs)
                        ),
                        action: "None: DataZone's designation stands and is what every check reads.".into(),
                    }),
                    Some(_) => {}
                }
            }
            let known: HashSet<&str> = listed.iter().map(|m| m.0.as_str()).collect();
            for (principal, designation) in members.iter().filter(|(p, _)| !known.contains(p.as_str())) {
                findings.push(Finding {
                    kind: "member_added",
                    target_kind: "project_request",
                    target_id: format!("{request}:{principal}"),
                    summary: format!(
                        "{principal} was made {} of {name} in DataZone, not through the portal.",
                        designation_of(designation)
                    ),
                    action: "None: DataZone's membership stands and is what every check reads.".into(),
                });
            }
        }
        Ok(findings)
    }

    /// Access the portal counts that DataZone does not hold, access DataZone still holds
    /// that the portal counts as ended, and grants that failed.
    async fn subscription_drift(&self) -> Result<Vec<Finding>, AppError> {
        let (pool, aws) = (&self.inner.pool, &self.inner.aws);
        let mut approved = HashSet::new();
        let mut token = None;
        loop {
            let (page, next) = aws.subscriptions_page("APPROVED", token).await?;
            approved.extend(page.into_iter().map(|s| s.id));
            if next.is_none() {
                break;
            }
            token = next;
        }
        let mut findings = Vec::new();
        for (request, subscription, asset, project) in store::approved_subscriptions(pool).await? {
            if approved.contains(&subscription) {
                continue;
            }
            let status = aws.subscription_status(&subscription).await?;
            let (kind, now, what) = match status.as_deref() {
                Some(s @ ("REVOKED" | "CANCELLED")) => ("subscription_ended", s.to_owned(), s.to_lowercase()),
                Some(other) => ("subscription_changed", "REVOKED".to_owned(), other.to_lowercase()),
                None => ("subscription_vanished", "REVOKED".to_owned(), "gone".to_owned()),
            };
            let mut tx = pool.begin().await?;
            subs::set_subscription_status(&mut *tx, &request, &now).await?;
            tx.commit().await?;
            findings.push(Finding {
                kind,
                target_kind: "subscription_request",
                target_id: request,
                summary: format!(
                    "{project}'s subscription to {asset} is {what} in DataZone; the portal counted it as access."
                ),
                action: format!("Marked the access {}.", now.to_lowercase()),
            });
        }
        let approved: Vec<String> = approved.into_iter().collect();
        for (request, _, status, asset, project) in store::ended_here(pool, &approved).await? {
            findings.push(Finding {
                kind: "access_still_granted",
                target_kind: "subscription_request",
                target_id: request,
                summary: format!(
                    "{project}'s subscription to {asset} is {} here but still APPROVED in DataZone.",
                    status.to_lowercase()
                ),
                action: "None: revoke it from the request page or in SageMaker Unified Studio.".into(),
            });
        }
        for (request, status, cause, asset, project) in store::failed_grants(pool).await? {
            let revoke = status == "REVOKE_FAILED";
            findings.push(Finding {
                kind: if revoke { "revoke_failed" } else { "grant_failed" },
                target_kind: "subscription_request",
                target_id: request,
                summary: format!(
                    "DataZone could not {} {project}'s access to {asset}: {}",
                    if revoke { "revoke" } else { "grant" },
                    cause.unwrap_or_else(|| "no cause given".into())
                ),
                action: "None: shown to the steward and the requester on the request page.".into(),
            });
        }
        Ok(findings)
    }
}
