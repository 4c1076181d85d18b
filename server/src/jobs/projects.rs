//! The project job: moves one project request forward one step per run, in the same
//! transaction that records the step and queues the next run.
//!
//! Steps, each idempotent against DataZone (which takes no client token for these calls):
//! find-or-create the project by name (a create intent committed first tells "ours" from
//! someone else's), add/remove members after reading the current ones, poll GetProject
//! until the deployment ends, and for retirement DeleteProject then poll until it is gone.
//! Throttling and 5xx are retried by the SDK first, then here with exponential backoff and
//! jitter; a step that keeps failing marks the request failed with DataZone's reason.

use std::sync::Arc;
use std::time::Duration;

use app::model::{Designation, PrincipalKind};
use backon::BackoffBuilder;
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use underway::task::{Error as TaskError, Result as TaskResult, RetryPolicy};
use underway::Task;
use uuid::Uuid;

use super::rate::RateLimits;
use crate::aws::Aws;
use crate::error::AppError;
use crate::store::audit;
use crate::store::projects::{self as store, RequestRow};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ProjectKick {
    pub request_id: Uuid,
}

#[derive(Clone)]
pub struct ProjectTask {
    inner: Arc<Inner>,
}

struct Inner {
    aws: Aws,
    pool: PgPool,
    limits: RateLimits,
    queue: super::LazyQueue,
    poll: Duration,
    max_attempts: u32,
}

/// What a run did, and what comes next.
enum Next {
    /// More to do: run again after this long.
    Again(Duration),
    /// Nothing left to do; the request ends in this status.
    Finish(&'static str),
    /// The request failed for this reason (shown to people).
    Fail(String),
}

impl ProjectTask {
    pub(super) fn new(
        aws: Aws,
        pool: PgPool,
        limits: RateLimits,
        queue: super::LazyQueue,
        poll: Duration,
        max_attempts: u32,
    ) -> Self {
        Self { inner: Arc::new(Inner { aws, pool, limits, queue, poll, max_attempts }) }
    }

    async fn run(&self, tx: &mut PgConnection, id: Uuid) -> Result<(), AppError> {
        let Some(request) = store::lock(tx, id).await? else {
            tracing::warn!(%id, "project job for a request that does not exist");
            return Ok(());
        };
        let phase = request.status.clone();
        let next = match self.advance(tx, &request).await {
            Ok(next) => next,
            Err(AppError::Upstream { operation, code, retryable: true, detail }) => {
                let attempts = store::record_attempt(&mut *tx, id, &format!("{operation}: {code}")).await?;
                let message = format!("DataZone {operation} failed ({code}) {attempts} times in a row");
                if u32::try_from(attempts).unwrap_or(u32::MAX) >= self.inner.max_attempts {
                    Next::Fail(message)
                } else {
                    tracing::warn!(%id, operation, code, detail, attempts, "project step will be retried");
                    let delay = backoff(attempts);
                    let after = json!({ "operation": operation, "code": code, "attempt": attempts, "retry_in_ms": delay.as_millis() });
                    record(tx, &request, "project.step_retried", after).await?;
                    Next::Again(delay)
                }
            }
            Err(AppError::Upstream { operation, code, detail, .. }) => {
                tracing::warn!(%id, operation, code, detail, "project step refused by DataZone");
                Next::Fail(format!("DataZone refused {operation} ({code}): {}", short(&detail)))
            }
            Err(AppError::Database(e)) => return Err(AppError::Database(e)),
            Err(other) => Next::Fail(other.to_string()),
        };
        match next {
            Next::Again(delay) => {
                let kick = ProjectKick { request_id: id };
                let span = jiff::Span::new().milliseconds(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
                // The queue exists: this task came from it.
                let queue = self.inner.queue.get().expect("a running task's queue exists");
                queue.enqueue_after(&mut *tx, self, &kick, span).await?;
            }
            Next::Finish(status) => store::finish_work(&mut *tx, id, status, None, None).await?,
            Next::Fail(reason) if phase == "active" => {
                // A member change that failed leaves the project as it was.
                record(tx, &request, "project.members_failed", json!({ "reason": reason })).await?;
                store::finish_work(&mut *tx, id, "active", Some(&reason), None).await?;
            }
            Next::Fail(reason) => {
                record(tx, &request, "project.failed", json!({ "reason": reason, "during": phase })).await?;
                store::finish_work(&mut *tx, id, "failed", Some(&reason), Some(&phase)).await?;
            }
        }
        Ok(())
    }

    /// Does the next piece of work the request's status calls for.
    async fn advance(&self, tx: &mut PgConnection, request: &RequestRow) -> Result<Next, AppError> {
        match request.status.as_str() {
            "provisioning" => {
                let Some(project) = &request.project_id else { return self.ensure_project(tx, request).await };
                if self.apply_members(tx, request, project).await? {
                    return Ok(Next::Again(Duration::ZERO));
                }
                self.watch_deployment(tx, request, project).await
            }
            "active" => {
                if let Some(project) = &request.project_id {
                    self.apply_members(tx, request, project).await?;
                }
                Ok(Next::Finish("active"))
            }
            "retiring" => self.retire(tx, request).await,
            other => {
                tracing::debug!(id = %request.id, status = other, "nothing to do");
                Ok(Next::Finish(status_str(other)))
            }
        }
    }

    /// Finds the project by name or creates it. A project of that name found before any
    /// create of ours was sent belongs to someone else.
    async fn ensure_project(&self, tx: &mut PgConnection, request: &RequestRow) -> Result<Next, AppError> {
        let aws = &self.inner.aws;
        self.pace("ListProjects").await?;
        let project_id = match aws.project_named(&request.project_name).await? {
            Some(found) if store::create_was_sent(&mut *tx, request.id).await? => {
                record(tx, request, "project.adopted", json!({ "project_id": found.id, "call": "ListProjects" }))
                    .await?;
                found.id
            }
            Some(_) => {
                return Ok(Next::Fail(format!(
                    "A project named {} already exists in DataZone and was not created by this request.",
                    request.project_name
                )))
            }
            None => {
                store::record_create_intent(&self.inner.pool, request.id).await?;
                self.pace("CreateProject").await?;
                let id = aws
                    .create_project(
                        &request.project_name,
                        &request.description,
                        &request.domain_unit_id,
                        &request.profile_id,
                    )
                    .await?;
                let after = json!({ "project_id": id, "call": "CreateProject", "profile": request.profile_name });
                record(tx, request, "project.created", after).await?;
                id
            }
        };
        store::record_progress(&mut *tx, request.id, Some(&project_id), None).await?;
        Ok(Next::Again(Duration::ZERO))
    }

    /// Brings DataZone's members in line with the members wanted; returns whether anything
    /// was pending. Members already there (with the wanted designation) are only marked.
    async fn apply_members(
        &self,
        tx: &mut PgConnection,
        request: &RequestRow,
        project: &str,
    ) -> Result<bool, AppError> {
        let members = store::members(&mut *tx, request.id).await?;
        let pending: Vec<_> = members.iter().filter(|m| m.state == "adding" || m.state == "removing").collect();
        if pending.is_empty() {
            return Ok(false);
        }
        let aws = &self.inner.aws;
        self.pace("ListProjectMemberships").await?;
        let current = aws.memberships(project).await?;
        for member in pending {
            let kind = if member.kind == "group" { PrincipalKind::Group } else { PrincipalKind::User };
            let have = current.get(&member.principal_id).map(String::as_str);
            if member.state == "adding" {
                let designation = Designation::parse(&member.designation).unwrap_or(Designation::Contributor);
                let wanted = match designation {
                    Designation::Owner => "PROJECT_OWNER",
                    Designation::Contributor => "PROJECT_CONTRIBUTOR",
                };
                if have.is_some_and(|h| h != wanted) {
                    self.pace("DeleteProjectMembership").await?;
                    aws.remove_member(project, kind, &member.principal_id).await?;
                }
                if have != Some(wanted) {
                    self.pace("CreateProjectMembership").await?;
                    aws.add_member(project, kind, &member.principal_id, designation).await?;
                    let after = json!({ "member": member.display_name, "principal_id": member.principal_id,
                                        "designation": member.designation, "call": "CreateProjectMembership" });
                    record(tx, request, "project.member_added", after).await?;
                }
                store::set_member_state(&mut *tx, request.id, &member.principal_id, "added").await?;
            } else {
                if have.is_some() {
                    self.pace("DeleteProjectMembership").await?;
                    aws.remove_member(project, kind, &member.principal_id).await?;
                    let after = json!({ "member": member.display_name, "principal_id": member.principal_id,
                                        "call": "DeleteProjectMembership" });
                    record(tx, request, "project.member_removed", after).await?;
                }
                store::set_member_state(&mut *tx, request.id, &member.principal_id, "removed").await?;
            }
        }
        store::record_progress(&mut *tx, request.id, None, None).await?;
        Ok(true)
    }

    async fn watch_deployment(
        &self,
        tx: &mut PgConnection,
        request: &RequestRow,
        project: &str,
    ) -> Result<Next, AppError> {
        self.pace("GetProject").await?;
        let Some(state) = self.inner.aws.project(project).await? else {
            return Ok(Next::Fail(format!("Project {project} no longer exists in DataZone.")));
        };
        let deployment = state.deployment.as_deref().unwrap_or("PENDING_DEPLOYMENT");
        if request.deployment_status.as_deref() != Some(deployment) {
            store::record_progress(&mut *tx, request.id, None, Some(deployment)).await?;
        }
        Ok(match deployment {
            "SUCCESSFUL" => {
                record(tx, request, "project.active", json!({ "project_id": project, "deployment": deployment }))
                    .await?;
                Next::Finish("active")
            }
            failed if failed.starts_with("FAILED") => Next::Fail(format!(
                "Deployment {failed}: {}",
                state.failure.as_deref().unwrap_or("DataZone gave no reason")
            )),
            _ => Next::Again(self.inner.poll),
        })
    }

    async fn retire(&self, tx: &mut PgConnection, request: &RequestRow) -> Result<Next, AppError> {
        let Some(project) = &request.project_id else {
            return Ok(Next::Finish("retired"));
        };
        self.pace("GetProject").await?;
        match self.inner.aws.project(project).await? {
            None => {
                record(tx, request, "project.deleted", json!({ "project_id": project })).await?;
                Ok(Next::Finish("retired"))
            }
            Some(state) if state.status == "DELETING" => Ok(Next::Again(self.inner.poll)),
            Some(state) if state.status == "DELETE_FAILED" => Ok(Next::Fail(format!(
                "DataZone could not delete the project: {}",
                state.failure.as_deref().unwrap_or("no reason given")
            ))),
            Some(_) => {
                self.pace("DeleteProject").await?;
                self.inner.aws.delete_project(project).await?;
                record(
                    tx,
                    request,
                    "project.delete_started",
                    json!({ "project_id": project, "call": "DeleteProject" }),
                )
                .await?;
                store::record_progress(&mut *tx, request.id, None, None).await?;
                Ok(Next::Again(self.inner.poll))
            }
        }
    }

    async fn pace(&self, operation: &str) -> Result<(), AppError> {
        Ok(self.inner.limits.acquire(operation).await?)
    }
}

impl Task for ProjectTask {
    type Input = ProjectKick;
    type Output = ();

    async fn execute(&self, mut tx: Transaction<'_, Postgres>, input: ProjectKick) -> TaskResult<()> {
        match self.run(&mut tx, input.request_id).await {
            Ok(()) => {
                tx.commit().await?;
                Ok(())
            }
            // Only the database can fail a run; the task is retried with the queue's backoff.
            Err(error) => Err(TaskError::Retryable(error.to_string())),
        }
    }

    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::builder().max_attempts(50).initial_interval_ms(1_000).max_interval_ms(60_000).build()
    }

    /// A killed worker's task is taken over this long after its last heartbeat.
    fn heartbeat(&self) -> jiff::Span {
        jiff::Span::new().seconds(5)
    }
}

/// Exponential backoff with jitter for the `attempt`-th retry of a step.
fn backoff(attempt: i32) -> Duration {
    let n = usize::try_from(attempt.max(1) - 1).unwrap_or(0);
    backon::ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(500))
        .with_max_delay(Duration::from_mins(1))
        .with_jitter()
        .with_max_times(n + 1)
        .build()
        .nth(n)
        .unwrap_or(Duration::from_mins(1))
}

fn status_str(status: &str) -> &'static str {
    app::model::RequestStatus::parse(status).map_or("failed", app::model::RequestStatus::as_str)
}

fn short(detail: &str) -> &str {
    let end = detail.char_indices().nth(300).map_or(detail.len(), |(i, _)| i);
    &detail[..end]
}

/// An audit event about the request, on behalf of whoever started the work.
async fn record(
    tx: &mut PgConnection,
    request: &RequestRow,
    action: &str,
    after: serde_json::Value,
) -> Result<(), AppError> {
    audit::record(
        &mut *tx,
        &audit::NewEvent {
            actor: &request.acting_for,
            action,
            target_kind: "project_request",
            target_id: &request.id.to_string(),
            before: None,
            after: Some(after),
            request_id: request.origin_request_id.as_deref(),
        },
    )
    .await?;
    Ok(())
}
