//! The subscription sync: brings Postgres up to date with what DataZone holds, using only
//! documented behaviour of the list operations.
//!
//! - ListSubscriptionRequests returns only PENDING requests unless `status` is given, and
//!   always sorts by update time; so the sync makes one pass per status (PENDING for new
//!   requests, ACCEPTED and REJECTED for decisions made in SageMaker Unified Studio), newest
//!   first, each down to its own watermark.
//! - ListSubscriptions returns only APPROVED subscriptions unless `status` is given; a pass
//!   over REVOKED and one over CANCELLED learn about access ended outside the portal.
//! - Access exists once a subscription grant is COMPLETED; grants can fail. The grants of
//!   accepted requests that have not settled are read (ListSubscriptionGrants by
//!   `subscriptionId`; a grant's own `subscriptionId` is deprecated) until they do.
//!
//! A sync started by opening the inbox makes only the PENDING pass (one DataZone call when
//! nothing is new, within the inbox page's budget of three); the scheduled sync makes every
//! pass, so a decision made elsewhere shows within one sync interval. The outcome of the last sync, and
//! DataZone's refusal if it refused, is kept for the inbox to show.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use uuid::Uuid;

use super::{record, Access};
use crate::aws::subscriptions::{is_pending, SubRequest};
use crate::error::AppError;
use crate::store::subscriptions::{self as store, Decided, GrantSeen, RunOutcome};

/// The schedule row holding the outcome of the last sync.
pub const SYNC: &str = "subscription_sync";
/// Opening the inbox syncs at most this often (all replicas together).
const SYNC_ON_OPEN: Duration = Duration::from_secs(3);
/// The advisory lock that keeps subscription syncs one at a time.
const SYNC_LOCK: i64 = 0x006d_675f_7379_6e63;
/// Items changed this close to a watermark are read again (equal or late timestamps).
const SYNC_OVERLAP: chrono::TimeDelta = chrono::TimeDelta::seconds(2);
/// The request statuses the scheduled sync reads, new requests first.
const REQUEST_PASSES: [&str; 3] = ["PENDING", "ACCEPTED", "REJECTED"];
/// Grants followed per sync, most recently decided first.
const GRANT_CHECKS: i64 = 50;
/// The subscription statuses that mean access ended.
const ENDED_PASSES: [&str; 2] = ["REVOKED", "CANCELLED"];

fn watermark_of(pass: &str) -> String {
    format!("{SYNC}:{pass}")
}

impl Access {
    /// Brings Postgres up to date with DataZone (see the module notes); answers how many
    /// requests were taken in. When `on_open`, runs only if no sync ran in the last few
    /// seconds, reads only new requests and stops early at a page that brings nothing new;
    /// the watermark then stays put, so the next scheduled sync still reads everything after it.
    ///
    /// # Errors
    /// DataZone's refusal of a list call, or a database error; either is also kept as the
    /// last outcome.
    pub async fn sync(&self, on_open: bool) -> Result<usize, AppError> {
        let pool = &self.inner.pool;
        if on_open && !store::claim(pool, "subscription_sync_open", SYNC_ON_OPEN, true).await? {
            return Ok(0);
        }
        // One sync at a time across replicas: a second one waits for the first and then finds
        // its work done, so an inbox never lists what another sync is half-way through taking
        // in. The lock lives as long as this transaction (rolled back, or committed, at the end).
        let mut exclusive = pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(SYNC_LOCK).execute(&mut *exclusive).await?;
        let outcome = self.sync_passes(on_open).await;
        let error = outcome.as_ref().err().map(ToString::to_string);
        store::record_outcome(pool, SYNC, error.as_deref()).await?;
        exclusive.commit().await?;
        outcome
    }

    async fn sync_passes(&self, on_open: bool) -> Result<usize, AppError> {
        // The inbox page's budget is three DataZone calls: on opening, new requests only.
        let passes = if on_open { &REQUEST_PASSES[..1] } else { &REQUEST_PASSES[..] };
        let mut taken = 0;
        for status in passes {
            taken += self.sync_requests(status, on_open).await?;
        }
        if !on_open {
            for status in ENDED_PASSES {
                self.sync_ended(status).await?;
            }
            self.sync_grants().await?;
        }
        Ok(taken)
    }

    /// How the sync went lately: its last success, and DataZone's refusal (or another
    /// failure) when the last run failed.
    ///
    /// # Errors
    /// A database error.
    pub async fn sync_status(&self) -> Result<RunOutcome, AppError> {
        Ok(store::outcome(&self.inner.pool, SYNC).await?)
    }

    /// One pass over the requests in `status`, newest first, down to the pass's watermark.
    async fn sync_requests(&self, status: &str, on_open: bool) -> Result<usize, AppError> {
        let pool = &self.inner.pool;
        let mark = watermark_of(status);
        let since = store::watermark(pool, &mark).await?.map(|w| w - SYNC_OVERLAP);
        let (mut taken, mut newest, mut token) = (0, None, None);
        loop {
            let (page, next) = self.inner.aws.subscription_requests_page(status, token).await?;
            let fresh: Vec<&SubRequest> = page.iter().take_while(|r| since.is_none_or(|s| r.updated_at >= s)).collect();
            newest = newest.max(fresh.iter().map(|r| r.updated_at).max());
            let (page_taken, news) = self.sync_page(&fresh).await?;
            taken += page_taken;
            if next.is_none() || fresh.len() < page.len() {
                break;
            }
            if on_open && !news {
                return Ok(taken);
            }
            token = next;
        }
        if let Some(newest) = newest {
            store::advance_watermark(pool, &mark, newest).await?;
        }
        Ok(taken)
    }

    /// Takes in or records one request as DataZone has it now (an event named it).
    ///
    /// # Errors
    /// DataZone's or the database's.
    pub async fn sync_one(&self, request: &SubRequest) -> Result<(), AppError> {
        self.sync_page(&[request]).await.map(|_| ())
    }

    /// Takes in or records what one page of the sync shows; returns how many requests were
    /// taken in and whether anything on the page was news to Postgres.
    async fn sync_page(&self, page: &[&SubRequest]) -> Result<(usize, bool), AppError> {
        let pool = &self.inner.pool;
        let ids: Vec<String> = page.iter().map(|r| r.id.clone()).collect();
        let known: HashMap<String, (String, Option<String>)> = store::known(pool, &ids)
            .await?
            .into_iter()
            .map(|(id, status, decision)| (id, (status, decision)))
            .collect();
        let (mut taken, mut news) = (0, false);
        for r in page {
            match known.get(&r.id) {
                None => {
                    news = true;
                    let requester = self.requester(&r.created_by).await?;
                    let Some(row) = self.row_of(r, requester, None).await? else { continue };
                    let mut tx = pool.begin().await?;
                    if self.take_in(&mut tx, &row, &row.requester_name.clone()).await? {
                        taken += 1;
                    }
                    tx.commit().await?;
                }
                // A decision of ours in flight records itself.
                Some((status, decision))
                    if status == "PENDING"
                        && !is_pending(&r.status)
                        && !matches!(decision.as_deref(), Some("queued" | "sent")) =>
                {
                    news = true;
                    self.record_from_datazone(r, None).await?;
                }
                Some(_) => {}
            }
        }
        Ok((taken, news))
    }

    /// One pass over the subscriptions in an ended `status` (REVOKED or CANCELLED), newest
    /// first, down to the pass's watermark: access that the portal still counts as granted is
    /// marked ended, with an audit event saying it happened in DataZone.
    async fn sync_ended(&self, status: &str) -> Result<(), AppError> {
        let pool = &self.inner.pool;
        let mark = watermark_of(status);
        let since = store::watermark(pool, &mark).await?.map(|w| w - SYNC_OVERLAP);
        let (mut newest, mut token) = (None, None);
        loop {
            let (page, next) = self.inner.aws.subscriptions_page(status, token).await?;
            let fresh: Vec<_> = page.iter().take_while(|s| since.is_none_or(|at| s.updated_at >= at)).collect();
            newest = newest.max(fresh.iter().map(|s| s.updated_at).max());
            let ids: Vec<String> = fresh.iter().map(|s| s.id.clone()).collect();
            for (request, subscription) in store::approved_with_subscriptions(pool, &ids).await? {
                let mut tx = pool.begin().await?;
                if store::set_subscription_status(&mut *tx, &request, status).await? {
                    let action = if status == "REVOKED" { "subscription.revoked" } else { "subscription.cancelled" };
                    let after = json!({ "subscription_id": subscription, "status": status, "source": "datazone",
                                        "found_by": "ListSubscriptions" });
                    record(&mut tx, "DataZone", action, &request, after).await?;
                }
                tx.commit().await?;
            }
            if next.is_none() || fresh.len() < page.len() {
                break;
            }
            token = next;
        }
        if let Some(newest) = newest {
            store::advance_watermark(pool, &mark, newest).await?;
        }
        Ok(())
    }

    /// Follows the grants that have not settled yet (ListSubscriptionGrants by subscription,
    /// up to [`GRANT_CHECKS`] per sync; a grant settles within seconds, so steady state costs
    /// nothing): each request keeps its grant's state, the access period starts when the
    /// grant does, and a failed grant or revocation is an audit event with DataZone's cause.
    async fn sync_grants(&self) -> Result<(), AppError> {
        let pool = &self.inner.pool;
        for (request, subscription, before) in store::unsettled_grants(pool, GRANT_CHECKS).await? {
            let Some(grant) = self.inner.aws.grant_state(&subscription).await? else { continue };
            let seen = GrantSeen {
                subscription_id: &subscription,
                status: &grant.status,
                failure: grant.failure.as_deref(),
                granted_at: grant.granted_at,
            };
            let mut tx = pool.begin().await?;
            if store::record_grant(&mut *tx, &seen).await? {
                let action = match grant.status.as_str() {
                    "GRANT_FAILED" => Some("subscription.grant_failed"),
                    "REVOKE_FAILED" => Some("subscription.revoke_failed"),
                    "GRANTED" => Some("subscription.granted"),
                    _ => None,
                };
                if let Some(action) = action {
                    let after = json!({ "subscription_id": subscription, "grant_status": grant.status,
                                        "before": before, "failure": grant.failure, "granted_at": grant.granted_at,
                                        "found_by": "ListSubscriptionGrants" });
                    record(&mut tx, "DataZone", action, &request, after).await?;
                }
            }
            tx.commit().await?;
        }
        Ok(())
    }

    /// Records the decision DataZone shows for a request; `ours` is the portal's own
    /// decision whose earlier attempt made it, if it matches.
    ///
    /// # Errors
    /// A database error, or DataZone's refusal to name the reviewer.
    pub async fn record_from_datazone(
        &self,
        r: &SubRequest,
        ours: Option<(&str, Option<Uuid>)>,
    ) -> Result<bool, AppError> {
        let by = match (ours, &r.reviewer_id) {
            (Some((actor, _)), _) => actor.to_owned(),
            (None, Some(reviewer)) => format!("{} (in DataZone)", self.requester(reviewer).await?.name),
            (None, None) => "DataZone".to_owned(),
        };
        let mut tx = self.inner.pool.begin().await?;
        let rule_reason = match ours.and_then(|o| o.1) {
            Some(rule) => store::get(&mut *tx, &r.id).await?.and_then(|row| row.rule_reason).map(|why| (rule, why)),
            None => None,
        };
        let decided = Decided {
            id: &r.id,
            status: &r.status,
            at: r.updated_at,
            by: &by,
            comment: r.decision_comment.as_deref(),
            subscription_id: r.subscription_id.as_deref(),
            rule: rule_reason.as_ref().map(|(id, why)| (*id, why.as_str())),
        };
        let recorded = store::record_decision(&mut *tx, &decided).await?;
        if recorded {
            let action = if r.status == "ACCEPTED" { "subscription.accepted" } else { "subscription.rejected" };
            let after = json!({ "comment": r.decision_comment, "subscription_id": r.subscription_id, "by": by });
            record(&mut tx, &by, action, &r.id, after).await?;
        }
        tx.commit().await?;
        Ok(recorded)
    }
}
