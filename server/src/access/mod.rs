//! The subscription-request engine that web requests and background jobs share, one
//! module per job: [`index`] (the domain's projects and units, cached), [`intake`] (new
//! requests and the auto-approval rules), [`sync`] (reading DataZone's requests,
//! subscriptions and grants back), [`expiry`] (ending time-limited access) and
//! [`reconcile`] (the Drift report). This file holds what they share: the index cache,
//! requester names, pacing and the decision queue. SQL lives in `store/`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::{PgConnection, PgPool};
use tokio::sync::Mutex;

use crate::aws::Aws;
use crate::error::AppError;
use crate::jobs::rate::RateLimits;
use crate::jobs::{DecisionKick, DecisionQueue, DecisionTask};
use crate::store::audit;
use crate::store::subscriptions as store;

pub mod events;
mod expiry;
mod index;
mod intake;
mod reconcile;
mod sync;

pub use index::MeshIndex;
pub use intake::{conditions_of, covers, facts_of, first_match};
pub use reconcile::DRIFT;

/// How long the project and unit index is trusted.
const INDEX_TTL: Duration = Duration::from_mins(1);

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
