//! Background work, durable in Postgres: an `underway` queue (tasks taken with
//! `FOR UPDATE SKIP LOCKED` and an advisory lock, recovered from a dead worker by
//! heartbeat) per kind of job. Any replica runs any job; none runs the same job twice at
//! once. The workers' loop is ours (polling with backoff) rather than underway's
//! LISTEN-based one, which spins when the database goes away.

mod projects;
pub mod rate;

use std::sync::Arc;
use std::time::Duration;

use sqlx::{PgConnection, PgPool};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;
use underway::{Queue, Worker};
use uuid::Uuid;

pub use projects::{ProjectKick, ProjectTask};
use rate::RateLimits;

use crate::aws::Aws;
use crate::config::Config;

/// How long an idle worker waits before looking for due tasks again.
const IDLE_POLL: Duration = Duration::from_millis(250);

/// The project queue, created in the database on first use so the portal starts (and
/// answers 503) while the database is away.
pub(crate) type LazyQueue = Arc<OnceCell<Arc<Queue<ProjectTask>>>>;

/// Enqueues jobs, from web requests (in their transaction) and from jobs themselves.
#[derive(Clone)]
pub struct Jobs {
    pool: PgPool,
    projects: LazyQueue,
    project_task: ProjectTask,
    workers: usize,
}

impl Jobs {
    pub fn new(config: &Config, pool: &PgPool, aws: &Aws) -> Self {
        let projects = LazyQueue::default();
        let limits = RateLimits::new(pool.clone(), config.rate_limits().unwrap_or_default());
        let project_task = ProjectTask::new(
            aws.clone(),
            pool.clone(),
            limits,
            projects.clone(),
            Duration::from_millis(config.job_poll_ms),
            config.job_max_attempts,
        );
        Self { pool: pool.clone(), projects, project_task, workers: config.job_workers as usize }
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

    /// Runs `job_workers` workers until `stop` is cancelled. Each takes one task at a time
    /// and finishes it before looking at `stop`; a task cut short by a crash is taken over
    /// by any replica once its heartbeat stops. An unreachable database makes the workers
    /// back off rather than spin.
    pub fn start(&self, stop: CancellationToken) -> tokio::task::JoinHandle<()> {
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..self.workers {
            let jobs = self.clone();
            let stop = stop.clone();
            workers.spawn(async move {
                let mut failures = 0;
                let mut worker = None;
                while !stop.is_cancelled() {
                    let next = match &worker {
                        Some(worker) => Worker::process_next_task(worker).await,
                        None => jobs
                            .projects()
                            .await
                            .map(|queue| {
                                worker = Some(Worker::new(queue, jobs.project_task.clone()));
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
            });
        }
        tokio::spawn(async move { while workers.join_next().await.is_some() {} })
    }
}
