//! The decision job: sends one queued accept or reject to DataZone, paced to the account's
//! quota, and records it. DataZone takes no client token for these calls, so a decision
//! is marked "sent" (committed) before the call goes out; a later attempt that finds it
//! so asks DataZone first and records what it finds instead of deciding again.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::{Postgres, Transaction};
use underway::task::{Error as TaskError, Result as TaskResult, RetryPolicy};
use underway::Task;

use crate::access::{record, Access};
use crate::aws::subscriptions::is_pending;
use crate::error::AppError;
use crate::store::subscriptions::{self as store, Decided, DecisionRow, SubRow};

/// Attempts of one decision (throttled or failing calls) before it is given up.
const MAX_ATTEMPTS: i32 = 12;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DecisionKick {
    pub request_id: String,
}

#[derive(Clone)]
pub struct DecisionTask {
    access: Access,
}

/// How a run ended.
enum Outcome {
    Done,
    /// Try again after this long (throttled, or DataZone unavailable).
    Again(Duration),
}

impl DecisionTask {
    pub fn new(access: Access) -> Self {
        Self { access }
    }

    async fn run(&self, tx: &mut Transaction<'_, Postgres>, id: &str) -> Result<Outcome, AppError> {
        let pool = self.access.pool();
        let Some(decision) = store::mark_sent(pool, id).await? else { return Ok(Outcome::Done) };
        let Some(row) = store::get(pool, id).await? else { return Ok(Outcome::Done) };
        if row.kind == "extension" {
            self.extend(tx, &row, &decision).await?;
            return Ok(Outcome::Done);
        }
        if row.status != "PENDING" || decision.state == "sent" {
            // Decided meanwhile (in DataZone, seen by the sync), or an earlier attempt may
            // have reached DataZone: look before sending anything.
            let current = self.access.aws().subscription_request(id).await;
            match current {
                Ok(r) if !is_pending(&r.status) => {
                    let ours = (r.status == "ACCEPTED") == decision.accept;
                    let actor = decision.actor.as_str();
                    self.access.record_from_datazone(&r, ours.then_some((actor, decision.rule_id))).await?;
                    let outcome = if ours { "decided" } else { "already decided in DataZone" };
                    store::finish_decision(&mut **tx, id, if ours { "done" } else { "failed" }, outcome).await?;
                    return Ok(Outcome::Done);
                }
                Ok(_) => {}
                Err(AppError::NotFound(_)) => return self.give_up(tx, id, "the request no longer exists").await,
                Err(error) => return self.retry_later(tx, id, &decision, &error).await,
            }
        }
        let operation = if decision.accept { "AcceptSubscriptionRequest" } else { "RejectSubscriptionRequest" };
        self.access.pace(operation).await?;
        let sent =
            self.access.aws().decide_subscription_request(id, decision.accept, decision.comment.as_deref()).await;
        match sent {
            Ok(r) => {
                let rule = decision.rule_id.zip(row.rule_reason.clone());
                let decided = Decided {
                    id,
                    status: &r.status,
                    at: r.updated_at,
                    by: &decision.actor,
                    comment: r.decision_comment.as_deref(),
                    subscription_id: r.subscription_id.as_deref(),
                    rule: rule.as_ref().map(|(id, why)| (*id, why.as_str())),
                };
                store::record_decision(&mut **tx, &decided).await?;
                let action = if decision.accept { "subscription.accepted" } else { "subscription.rejected" };
                let after = json!({ "comment": decision.comment, "subscription_id": r.subscription_id,
                                    "rule": row.rule_reason, "call": operation, "attempt": decision.attempts + 1 });
                record(tx, &decision.actor, action, id, after).await?;
                store::finish_decision(&mut **tx, id, "done", "decided").await?;
                Ok(Outcome::Done)
            }
            Err(AppError::Upstream { code, .. }) if code == "ConflictException" => {
                // Decided by someone else between our look and our call: record theirs.
                let r = self.access.aws().subscription_request(id).await?;
                let ours = (r.status == "ACCEPTED") == decision.accept;
                self.access
                    .record_from_datazone(&r, ours.then_some((decision.actor.as_str(), decision.rule_id)))
                    .await?;
                store::finish_decision(&mut **tx, id, if ours { "done" } else { "failed" }, "already decided").await?;
                Ok(Outcome::Done)
            }
            Err(AppError::NotFound(_)) => self.give_up(tx, id, "the request no longer exists").await,
            Err(error @ AppError::Upstream { retryable: true, .. }) => {
                self.retry_later(tx, id, &decision, &error).await
            }
            Err(AppError::Upstream { code, detail, .. }) => {
                tracing::warn!(id, code, detail, "decision refused by DataZone");
                self.give_up(tx, id, &format!("DataZone refused it ({code})")).await
            }
            Err(other) => Err(other),
        }
    }

    /// Extensions are the portal's own: accepting one moves the end of access.
    async fn extend(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        row: &SubRow,
        decision: &DecisionRow,
    ) -> Result<(), AppError> {
        let status = if decision.accept { "ACCEPTED" } else { "REJECTED" };
        let decided = Decided {
            id: &row.id,
            status,
            at: chrono::Utc::now(),
            by: &decision.actor,
            comment: decision.comment.as_deref(),
            subscription_id: None,
            rule: decision.rule_id.zip(row.rule_reason.as_deref()),
        };
        store::record_decision(&mut **tx, &decided).await?;
        let mut ends = None;
        if decision.accept {
            if let (Some(parent), Some(days)) = (&row.extends_id, row.requested_days) {
                ends = store::extend(&mut **tx, parent, days).await?;
            }
        }
        let action =
            if decision.accept { "subscription.extension_accepted" } else { "subscription.extension_rejected" };
        let after =
            json!({ "comment": decision.comment, "extends": row.extends_id, "days": row.requested_days, "ends": ends });
        record(tx, &decision.actor, action, &row.id, after).await?;
        store::finish_decision(&mut **tx, &row.id, "done", "decided").await?;
        Ok(())
    }

    async fn retry_later(
        &self,
        tx: &mut Transaction<'_, Postgres>,
        id: &str,
        decision: &DecisionRow,
        error: &AppError,
    ) -> Result<Outcome, AppError> {
        if decision.attempts + 1 >= MAX_ATTEMPTS {
            return self.give_up(tx, id, &format!("DataZone kept failing: {error}")).await;
        }
        tracing::info!(id, attempt = decision.attempts + 1, %error, "decision will be tried again");
        let delay = Duration::from_millis(300 * 2u64.pow(u32::try_from(decision.attempts.min(5)).unwrap_or(5)));
        Ok(Outcome::Again(delay))
    }

    async fn give_up(&self, tx: &mut Transaction<'_, Postgres>, id: &str, why: &str) -> Result<Outcome, AppError> {
        store::finish_decision(&mut **tx, id, "failed", why).await?;
        record(tx, "meshgate", "subscription.decision_failed", id, json!({ "reason": why })).await?;
        Ok(Outcome::Done)
    }
}

impl Task for DecisionTask {
    type Input = DecisionKick;
    type Output = ();

    async fn execute(&self, mut tx: Transaction<'_, Postgres>, input: DecisionKick) -> TaskResult<()> {
        match self.run(&mut tx, &input.request_id).await {
            Ok(Outcome::Done) => {
                tx.commit().await?;
                Ok(())
            }
            Ok(Outcome::Again(delay)) => {
                let span = jiff::Span::new().milliseconds(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX));
                self.access
                    .requeue(&mut tx, &input.request_id, span)
                    .await
                    .map_err(|e| TaskError::Retryable(e.to_string()))?;
                tx.commit().await?;
                Ok(())
            }
            // Only the database can fail a run; the task is retried with the queue's backoff.
            Err(error) => Err(TaskError::Retryable(error.to_string())),
        }
    }

    fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::builder().max_attempts(50).initial_interval_ms(500).max_interval_ms(30_000).build()
    }

    /// A killed worker's decision is taken over this long after its last heartbeat.
    fn heartbeat(&self) -> jiff::Span {
        jiff::Span::new().seconds(5)
    }
}
