//! Who is calling: OIDC sign-in against the company IdP, the Postgres-backed session,
//! the mapping to Identity Center and DataZone, roles, and the guard server functions use.

mod guard;
mod oidc;
pub mod pipeline;
pub mod roles;
pub mod routes;
mod session;

use std::sync::Arc;

use sqlx::PgPool;

pub use guard::Guard;
pub use oidc::Oidc;
pub use session::{SignedIn, USER_KEY};

use crate::aws::Aws;
use crate::config::Config;

/// Everything sign-in and the guard need, built once at start.
pub struct AuthService {
    pub oidc: Oidc,
    pub aws: Aws,
    pub pool: PgPool,
    pub roles: roles::RoleRules,
    pub base_url: String,
    pub identity_ttl_secs: i64,
    pub session_max_secs: i64,
    pub session_idle_minutes: i64,
    pub sign_in_starts_per_minute: f64,
    pub person_calls_per_second: f64,
    /// Checks the ID tokens of bound CI/CD pipelines.
    pub pipelines: Arc<pipeline::PipelineVerifier>,
}

impl AuthService {
    pub fn new(config: &Config, base_url: String, aws: Aws, pool: PgPool) -> anyhow::Result<Arc<Self>> {
        Ok(Arc::new(Self {
            oidc: Oidc::new(config, &base_url)?,
            aws,
            pool,
            roles: roles::RoleRules::from_config(config),
            base_url: base_url.clone(),
            identity_ttl_secs: i64::try_from(config.identity_cache_seconds).unwrap_or(i64::MAX),
            session_max_secs: i64::from(config.session_max_hours) * 3600,
            session_idle_minutes: i64::from(config.session_idle_minutes),
            sign_in_starts_per_minute: f64::from(config.sign_in_starts_per_minute),
            person_calls_per_second: config.person_calls_per_second,
            pipelines: Arc::new(pipeline::PipelineVerifier::new(base_url)?),
        }))
    }
}
