//! The server's implementations of the ports the UI's server functions call.

pub mod activity;
mod admin;
mod domain;
mod drift;
mod glossary;
pub mod markdown;
pub mod notifications;
mod projects;
pub mod publishing;
pub mod reports;
pub mod subscriptions;
mod tokens;

use std::sync::Arc;

use app::api::ports::Services;
use sqlx::PgPool;

use crate::auth::{AuthService, Guard};
use crate::aws::Aws;
use crate::config::Config;
use crate::jobs::Jobs;

pub fn build(config: &Config, pool: &PgPool, aws: &Aws, auth: &Arc<AuthService>, jobs: &Jobs) -> Services {
    // Project requests and the admin pages share the unit tree and profile mapping.
    let projects = Arc::new(projects::ProjectService {
        pool: pool.clone(),
        aws: aws.clone(),
        jobs: jobs.clone(),
        environment_profiles: config.environment_profile_names().unwrap_or_default(),
        portal_url: tokio::sync::OnceCell::new(),
    });
    let subscriptions = Arc::new(subscriptions::SubscriptionService {
        access: jobs.access().clone(),
        pool: pool.clone(),
        aws: aws.clone(),
    });
    Services {
        reports: Arc::new(reports::ReportService { pool: pool.clone(), aws: aws.clone() }),
        drift: Arc::new(drift::DriftService {
            access: jobs.access().clone(),
            pool: pool.clone(),
            every_seconds: config.drift_check_seconds,
        }),
        catalog: subscriptions.clone(),
        publishing: Arc::new(publishing::PublishingService { pool: pool.clone(), aws: aws.clone() }),
        subscriptions,
        projects: projects.clone(),
        admin: projects,
        auth: Arc::new(Guard::new(auth.clone(), jobs.access().clone())),
        activity: Arc::new(activity::AuditTrail { pool: pool.clone() }),
        domain: Arc::new(domain::DomainDescription { aws: aws.clone() }),
        glossary: Arc::new(glossary::GlossaryService { aws: aws.clone() }),
        tokens: Arc::new(tokens::TokenService {
            pool: pool.clone(),
            max_days: config.token_max_days,
            aws: aws.clone(),
            pipelines: auth.pipelines.clone(),
        }),
        notifications: Arc::new(notifications::NotificationService {
            notifier: jobs.notifier().clone(),
            mail_from: config.mail_from.clone(),
            events_queue: !config.events_queue_url.is_empty(),
        }),
        api_reference: Arc::new(crate::routes::api::reference()),
    }
}

/// Appends an audit event about the server function being served, with its request id, on
/// `db`: the caller's transaction when the event must commit (or roll back) with the change.
pub(crate) async fn audit_event(
    db: impl sqlx::PgExecutor<'_>,
    actor: &str,
    action: &str,
    (target_kind, target_id): (&str, &str),
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
) -> Result<(), crate::error::AppError> {
    let request_id = crate::error::current_request_id();
    let event = crate::store::audit::NewEvent {
        actor,
        action,
        target_kind,
        target_id,
        before,
        after,
        request_id: request_id.as_deref(),
    };
    crate::store::audit::record(db, &event).await?;
    Ok(())
}
