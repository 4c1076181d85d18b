//! The server's implementations of the ports the UI's server functions call.

mod activity;
mod domain;

use std::sync::Arc;

use app::api::ports::Services;
use sqlx::PgPool;

use crate::auth::{AuthService, Guard};
use crate::aws::Aws;

pub fn build(pool: &PgPool, aws: &Aws, auth: &Arc<AuthService>) -> Services {
    Services {
        auth: Arc::new(Guard { auth: auth.clone() }),
        activity: Arc::new(activity::AuditTrail { pool: pool.clone() }),
        domain: Arc::new(domain::DomainDescription { aws: aws.clone() }),
    }
}
