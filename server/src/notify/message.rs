//! What each notified event says, and to whom: the people (Identity Center userNames) and
//! the domain units whose chat channels hear of it.

use std::collections::BTreeSet;

use serde_json::Value;

use super::Notifier;
use crate::error::AppError;
use crate::store::notify::{self as store, PendingEvent};
use crate::store::projects as project_store;
use crate::store::subscriptions::{self as requests, SubRow};

/// One event, as people are told of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub topic: &'static str,
    pub title: String,
    pub body: String,
    /// A path in the portal (`/subscriptions/…`), where the reader acts on it.
    pub link: String,
    pub people: BTreeSet<String>,
    /// The units whose chat webhooks hear of it, root first: the nearest one with a
    /// webhook is used.
    pub chat_units: Vec<String>,
}

fn text<'a>(after: Option<&'a Value>, key: &str) -> Option<&'a str> {
    after.and_then(|a| a.get(key)).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

impl Notifier {
    /// What `event` tells whom; `None` when it concerns nobody any more (a request decided
    /// before its stewards were told, say).
    pub(super) async fn notice_of(&self, event: &PendingEvent) -> Result<Option<Notice>, AppError> {
        let (kind, _) = event.action.split_once('.').unwrap_or_default();
        match kind {
            "subscription" => self.request_notice(event).await,
            "project" => self.project_notice(event).await,
            "asset" => self.asset_notice(event).await,
            _ => Ok(None),
        }
    }

    async fn request_notice(&self, event: &PendingEvent) -> Result<Option<Notice>, AppError> {
        let pool = self.pool();
        let Some(row) = requests::get(pool, &event.target_id).await? else { return Ok(None) };
        let after = event.after.as_ref();
        let link = format!("/subscriptions/{}", row.id);
        let asset = &row.asset_name;
        let project = &row.subscriber_project_name;
        let notice = |topic, title: String, body: String, people| Notice {
            topic,
            title,
            body,
            link: link.clone(),
            people,
            chat_units: Vec::new(),
        };
        let requester = || async { self.requester_of(&row).await };
        let notice = match event.action.as_str() {
            "subscription.requested" => {
                // A rule or the access terms may have decided it already: nobody to tell.
                if row.status != "PENDING" || row.decision_state.is_some() {
                    return Ok(None);
                }
                let days = row.requested_days.map(|d| format!(" for {d} days")).unwrap_or_default();
                let mut stewards = self.stewards_of(&row).await?;
                if let Some(requester) = requester().await? {
                    stewards.remove(&requester);
                }
                Notice {
                    chat_units: row.owner_unit_ids.clone(),
                    ..notice(
                        "requests",
                        format!("New access request: {asset} for {project}"),
                        format!(
                            "{} asks for access to {asset} (owned by {}) for project {project}{days}.\nReason: {}",
                            row.requester_name,
                            row.owner_project_name,
                            if row.reason.trim().is_empty() { "none given" } else { row.reason.trim() },
                        ),
                        stewards,
                    )
                }
            }
            "subscription.accepted" | "subscription.rejected" => {
                let accepted = event.action.ends_with("accepted");
                let by = text(after, "by").unwrap_or(&event.actor);
                let comment = text(after, "comment").map(|c| format!("\nComment: {c}")).unwrap_or_default();
                notice(
                    "decisions",
                    if accepted {
                        format!("Access to {asset} approved")
                    } else {
                        format!("Access request for {asset} rejected")
                    },
                    format!(
                        "{by} {} your request for access to {asset} for project {project}.{comment}",
                        if accepted { "approved" } else { "rejected" }
                    ),
                    requester().await?.into_iter().collect(),
                )
            }
            "subscription.expiring" => {
                let ends = row.expires_at.map(|e| e.format("%Y-%m-%d").to_string()).unwrap_or_default();
                notice(
                    "expiry",
                    format!("Access to {asset} ends on {ends}"),
                    format!(
                        "Project {project}'s access to {asset} ends on {ends} (UTC). \
                         To keep it, ask for an extension from My access."
                    ),
                    requester().await?.into_iter().collect(),
                )
            }
            "subscription.expired" | "subscription.revoked" => {
                let how =
                    if event.action.ends_with("expired") { "its access period is over" } else { "it was revoked" };
                notice(
                    "expiry",
                    format!("Access to {asset} has ended"),
                    format!("Project {project}'s access to {asset} has ended: {how}."),
                    requester().await?.into_iter().collect(),
                )
            }
            "subscription.reminder" | "subscription.escalated" => {
                if row.status != "PENDING" {
                    return Ok(None);
                }
                let waited = after.and_then(|a| a.get("waited_hours")).and_then(Value::as_f64).unwrap_or_default();
                let sla = after.and_then(|a| a.get("sla_hours")).and_then(Value::as_i64).unwrap_or_default();
                let escalated = event.action.ends_with("escalated");
                let people = if escalated {
                    let unit = text(after, "unit").unwrap_or_default();
                    self.unit_owners(unit).await?
                } else {
                    self.stewards_of(&row).await?
                };
                Notice {
                    chat_units: row.owner_unit_ids.clone(),
                    ..notice(
                        "reminders",
                        format!(
                            "{}: access request for {asset} waiting {:.0} hours",
                            if escalated { "Escalation" } else { "Reminder" },
                            waited
                        ),
                        format!(
                            "{} asked for access to {asset} for project {project} {:.0} hours ago; the review time here is {sla} hours.{}",
                            row.requester_name,
                            waited,
                            if escalated {
                                " You are told as an owner of the domain unit: its stewards have not decided."
                            } else {
                                ""
                            }
                        ),
                        people,
                    )
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(notice))
    }

    async fn project_notice(&self, event: &PendingEvent) -> Result<Option<Notice>, AppError> {
        let Ok(id) = event.target_id.parse() else { return Ok(None) };
        let Some(row) = project_store::get(self.pool(), id).await? else { return Ok(None) };
        let after = event.after.as_ref();
        let name = &row.project_name;
        let environment = &row.environment;
        let (title, body) = match event.action.as_str() {
            "project.approved" => (
                format!("Project request {name} approved"),
                format!("Your request for {name} ({environment}) was approved; the project is being created."),
            ),
            "project.rejected" => (
                format!("Project request {name} rejected"),
                format!(
                    "Your request for {name} ({environment}) was rejected.{}",
                    text(after, "comment")
                        .or(row.decision_comment.as_deref())
                        .map(|c| format!("\nComment: {c}"))
                        .unwrap_or_default()
                ),
            ),
            "project.active" => (
                format!("Project {name} is ready"),
                format!("{name} ({environment}) is created and ready in SageMaker Unified Studio."),
            ),
            "project.failed" => (
                format!("Project {name} could not be created"),
                format!(
                    "Creating {name} ({environment}) failed: {}. You can retry from the request page.",
                    text(after, "reason").unwrap_or("see the request page")
                ),
            ),
            _ => return Ok(None),
        };
        let people = [&row.requested_by, &row.acting_for].into_iter().filter(|p| !p.is_empty()).cloned().collect();
        Ok(Some(Notice {
            topic: "projects",
            title,
            body,
            link: format!("/requests/{}", row.id),
            people,
            chat_units: Vec::new(),
        }))
    }

    async fn asset_notice(&self, event: &PendingEvent) -> Result<Option<Notice>, AppError> {
        let pool = self.pool();
        let mut people = BTreeSet::new();
        for requester in store::subscribers_of(pool, &event.target_id).await? {
            people.extend(self.username_of(&requester).await?);
        }
        if people.is_empty() {
            return Ok(None);
        }
        let after = event.after.as_ref();
        let asset = text(after, "name").map_or_else(|| event.target_id.clone(), str::to_owned);
        let (title, body) = if event.action == "asset.unpublished" {
            (
                format!("{asset} was taken out of the catalog"),
                format!(
                    "{} unpublished {asset}, which a project of yours subscribes to. Existing access stays until it is revoked.",
                    event.actor
                ),
            )
        } else {
            let revision = text(after, "revision").unwrap_or("a new revision");
            (
                format!("{asset} changed"),
                format!(
                    "{} saved revision {revision} of {asset}, which a project of yours subscribes to.",
                    event.actor
                ),
            )
        };
        Ok(Some(Notice {
            topic: "changes",
            title,
            body,
            link: "/subscriptions".into(),
            people,
            chat_units: Vec::new(),
        }))
    }

    /// The requester's userName.
    async fn requester_of(&self, row: &SubRow) -> Result<Option<String>, AppError> {
        self.username_of(&row.requester_id).await
    }

    async fn username_of(&self, datazone_user: &str) -> Result<Option<String>, AppError> {
        if let Some(name) = store::username_of(self.pool(), datazone_user).await? {
            return Ok(Some(name));
        }
        // Seen first now: looked up (and remembered) as the inbox does.
        self.inner.access.requester(datazone_user).await?;
        Ok(store::username_of(self.pool(), datazone_user).await?)
    }

    /// Who decides a request: the owners of the project that owns the asset (DataZone
    /// routes requests to them) and the members of the steward groups that govern one of
    /// its units; the platform admins when nobody else would hear of it.
    async fn stewards_of(&self, row: &SubRow) -> Result<BTreeSet<String>, AppError> {
        let aws = self.inner.access.aws();
        let mut people = BTreeSet::new();
        for (member, designation) in aws.memberships(&row.owner_project_id).await? {
            if designation == "PROJECT_OWNER" {
                if let Some(name) = self.username_of_member(&member).await? {
                    people.insert(name);
                }
            }
        }
        let index = self.inner.access.index(None).await?;
        for (group, units) in &self.inner.steward_groups {
            let governs = units.iter().filter_map(|u| index.unit_id_of(u)).any(|u| row.owner_unit_ids.contains(&u));
            if governs {
                people.extend(self.group_usernames(group).await?);
            }
        }
        if people.is_empty() {
            for group in &self.inner.admin_groups {
                people.extend(self.group_usernames(group).await?);
            }
        }
        Ok(people)
    }

    /// The owners of a domain unit who are users (GetDomainUnit), and the members of the
    /// groups among them.
    async fn unit_owners(&self, unit: &str) -> Result<BTreeSet<String>, AppError> {
        let mut people = BTreeSet::new();
        if unit.is_empty() {
            return Ok(people);
        }
        for owner in self.inner.access.aws().unit(unit).await?.owner_ids {
            if let Some(name) = self.username_of_member(&owner).await? {
                people.insert(name);
            }
        }
        Ok(people)
    }

    /// A project member or unit owner that is a user; `None` for a group or an IAM role.
    async fn username_of_member(&self, id: &str) -> Result<Option<String>, AppError> {
        match self.username_of(id).await {
            Ok(name) => Ok(name.filter(|n| n != id)),
            Err(AppError::NotFound(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }

    async fn group_usernames(&self, group: &str) -> Result<Vec<String>, AppError> {
        let contacts = self.inner.access.aws().group_contacts(group).await?;
        Ok(contacts.into_iter().map(|c| c.username).collect())
    }
}
