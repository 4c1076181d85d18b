//! Background work, durable in Postgres: an `underway` queue (tasks taken with
//! `FOR UPDATE SKIP LOCKED` and an advisory lock, recovered from a dead worker by
//! heartbeat) per kind of job. Any replica runs any job; none runs the same job twice at
//! once. The workers' loop is ours (polling with backoff) rather than underway's
//! LISTEN-based one, which spins when the database goes away.

mod decisions;
mod projects;
pub mod rate;

use std::sync::Arc;
use std::time::Duration;

use sqlx::{PgConnection, PgPool};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;
use underway::{Queue, Worker};
use uuid::Uuid;

pub use decisions::{DecisionKick, DecisionTask};
pub use projects::{ProjectKick, ProjectTask};
use rate::RateLimits;

use crate::access::Access;
use crate::aws::Aws;
use crate::config::Config;
use crate::error::AppError;
use crate::notify::{DeliveryTask, Notifier};

/// How long an idle worker waits before looking for due tasks again.
const IDLE_POLL: Duration = Duration::from_millis(250);

/// A queue created in the database on first use, so the portal starts (and answers 503)
/// while the database is away.
pub(crate) type LazyQueue = Arc<OnceCell<Arc<Queue<ProjectTask>>>>;
pub(crate) type DecisionQueue = Arc<OnceCell<Arc<Queue<DecisionTask>>>>;

/// The decision queue, registered in the database on first use.
pub(crate) async fn decision_queue(
    cell: &DecisionQueue,
    pool: &PgPool,
) -> Result<Arc<Queue<DecisionTask>>, underway::queue::Error> {
    let queue = cell
        .get_or_try_init(|| async {
            let queue = Queue::builder().name("meshgate.decisions").pool(pool.clone()).build().await?;
            Ok::<_, underway::queue::Error>(Arc::new(queue))
        })
        .await?;
    Ok(queue.clone())
}

/// Enqueues jobs, from web requests (in their transaction) and from jobs themselves.
#[derive(Clone)]
pub struct Jobs {
    pool: PgPool,
    projects: LazyQueue,
    project_task: ProjectTask,
    decisions: DecisionQueue,
    access: Access,
    notifier: Notifier,
    events_queue_url: String,
    workers: usize,
    sync_every: Duration,
    notice_every: Duration,
    expiry_every: Duration,
    drift_every: Duration,
}

impl Jobs {
    /// `base_url` is the portal's address as people reach it, for links in notifications.
    ///
    /// # Errors
    /// Notification settings that cannot be used (`smtp_url`, `mail_from`).
    pub fn new(config: &Config, pool: &PgPool, aws: &Aws, base_url: &str) -> Result<Self, AppError> {
        let projects = LazyQueue::default();
        let limits = RateLimits::new(pool.clone(), config.rate_limits().unwrap_or_default());
        let decisions = DecisionQueue::default();
        let access = Access::new(pool.clone(), aws.clone(), limits.clone(), decisions.clone());
        let project_task = ProjectTask::new(
            aws.clone(),
            pool.clone(),
            limits,
            projects.clone(),
            Duration::from_millis(config.job_poll_ms),
            config.job_max_attempts,
        );
        let notifier = Notifier::new(config, pool, &access, base_url)?;
        Ok(Self {
            pool: pool.clone(),
            projects,
            project_task,
            decisions,
            access,
            notifier,
            events_queue_url: config.events_queue_url.clone(),
            workers: config.job_workers as usize,
            sync_every: Duration::from_secs(config.subscription_sync_seconds),
            notice_every: Duration::from_secs(config.notice_check_seconds),
            expiry_every: Duration::from_secs(config.expiry_check_seconds),
            drift_every: Duration::from_secs(config.drift_check_seconds),
        })
    }

    /// Notifications: the outbox, deliveries and notices.
    pub fn notifier(&self) -> &Notifier {
        &self.notifier
    }

    /// Subscription requests, rules and decisions, shared with the web side.
    pub fn access(&self) -> &Access {
        &self.access
    }

    /// The project queue, registered in the database on first use (the `underway` schema
    /// comes with the portal's migrations).
    async fn projects(&self) -> Result<Arc<Queue<ProjectTask>>, underway::queue::Error> {
        let queue = self
            .projects
            .get_or_try_init(|| async {
                let queue = Queue::builder().name("meshgate.projects").pool(self.pool.clone()).build().await?;
                Ok::<_, underway::queue::Error>(Arc::new(queue))
            })
            .await?;
        Ok(queue.clone())
    }

    /// Queues work on a project request, in the caller's transaction: if that rolls back,
    /// nothing was queued.
    pub async fn kick_project(&self, conn: &mut PgConnection, request: Uuid) -> Result<(), underway::queue::Error> {
        let queue = self.projects().await?;
        queue.enqueue(conn, &self.project_task, &ProjectKick { request_id: request }).await?;
        Ok(())
    }

    /// Runs `job_workers` workers per queue, and the periodic work, until `stop` is
    /// cancelled. Each worker takes one task at a time and finishes it before looking at
    /// `stop`; a task cut short by a crash is taken over by any replica once its heartbeat
    /// stops. An unreachable database makes the workers back off rather than spin.
    pub fn start(&self, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..self.workers {
            let jobs = self.clone();
            workers.spawn(work(stop.clone(), self.project_task.clone(), move || {
                let jobs = jobs.clone();
                async move { jobs.projects().await }
            }));
            let (cell, pool) = (self.decisions.clone(), self.pool.clone());
            workers.spawn(work(stop.clone(), DecisionTask::new(self.access.clone()), move || {
                let (cell, pool) = (cell.clone(), pool.clone());
                async move { decision_queue(&cell, &pool).await }
            }));
            let notifier = self.notifier.clone();
            workers.spawn(work(stop.clone(), DeliveryTask::new(self.notifier.clone()), move || {
                let notifier = notifier.clone();
                async move { notifier.queue().await }
            }));
        }
        workers.spawn(self.notifier.clone().run_fan_out(stop.clone()));
        if !self.events_queue_url.is_empty() {
            workers.spawn(self.access.clone().consume_events(self.events_queue_url.clone(), stop.clone()));
        }
        let every = Every {
            sync: self.sync_every,
            expiry: self.expiry_every,
            drift: self.drift_every,
            notices: self.notice_every,
        };
        workers.spawn(periodic(stop, self.access.clone(), self.notifier.clone(), every));
        tokio::spawn(async move { while workers.join_next().await.is_some() {} })
    }
}

/// One worker: takes the next task of the queue `open` returns, or waits and looks again.
async fn work<T, F, Fut>(stop: CancellationToken, task: T, open: F)
where
    T: underway::Task + Sync + Clone,
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<Arc<Queue<T>>, underway::queue::Error>>,
{
    let mut failures = 0;
    let mut worker = None;
    while !stop.is_cancelled() {
        let next = match &worker {
            Some(worker) => Worker::process_next_task(worker).await,
            None => open()
                .await
                .map(|queue| {
                    worker = Some(Worker::new(queue, task.clone()));
                    None
                })
                .map_err(underway::worker::Error::from),
        };
        let pause = match next {
            Ok(Some(_)) => {
                failures = 0;
                continue;
            }
            Ok(None) => {
                failures = 0;
                IDLE_POLL
            }
            Err(error) => {
                failures += 1;
                tracing::warn!(%error, failures, "job worker could not take a task");
                IDLE_POLL * 2u32.saturating_pow(failures.min(6))
            }
        };
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(pause) => {}
        }
    }
}

/// How often each periodic job runs.
struct Every {
    sync: Duration,
    expiry: Duration,
    drift: Duration,
    notices: Duration,
}

/// The periodic work: syncing subscription requests from DataZone, ending expired access,
/// the drift check, notices due by time and (hourly) forgetting API answers kept past their 24 hours. Every replica looks each second; the schedule rows let one of them run it.
async fn periodic(stop: CancellationToken, access: Access, notifier: Notifier, every: Every) {
    let pool = access.pool().clone();
    while !stop.is_cancelled() {
        match crate::store::subscriptions::claim(&pool, "subscription_sync_scheduled", every.sync, false).await {
            Ok(true) => {
                if let Err(error) = access.sync(false).await {
                    tracing::warn!(%error, "subscription sync failed");
                }
            }
            Ok(false) => {}
            Err(error) => tracing::debug!(%error, "schedule not reachable"),
        }
        if let Ok(true) = crate::store::subscriptions::claim(&pool, "drift_check_scheduled", every.drift, false).await {
            match access.reconcile().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(open = n, "drift check: differences with DataZone"),
                Err(error) => tracing::warn!(%error, "drift check failed"),
            }
        }
        if let Ok(true) = crate::store::subscriptions::claim(&pool, "subscription_expiry", every.expiry, false).await {
            match access.expire_due().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(ended = n, "expired subscriptions revoked"),
                Err(error) => tracing::warn!(%error, "expiry run failed"),
            }
        }
        if let Ok(true) = crate::store::subscriptions::claim(&pool, "notices", every.notices, false).await {
            match notifier.notices_due(chrono::Utc::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(notices = n, "expiry warnings, reminders and digests recorded"),
                Err(error) => tracing::warn!(%error, "notices could not be recorded"),
            }
        }
        if let Ok(true) =
            crate::store::subscriptions::claim(&pool, "idempotency_sweep", Duration::from_hours(1), false).await
        {
            if let Err(error) = crate::store::tokens::sweep(&pool).await {
                tracing::warn!(%error, "could not forget old API answers");
            }
        }
        tokio::select! {
            () = stop.cancelled() => break,
            () = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
    }
}
