//! The server's implementations of the ports the UI's server functions call.

pub mod activity;
mod admin;
mod domain;
mod glossary;
mod projects;

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
    Services {
        projects: projects.clone(),
        admin: projects,
        auth: Arc::new(Guard { auth: auth.clone() }),
        activity: Arc::new(activity::AuditTrail { pool: pool.clone() }),
        domain: Arc::new(domain::DomainDescription { aws: aws.clone() }),
        glossary: Arc::new(glossary::GlossaryService { aws: aws.clone() }),
    }
}
