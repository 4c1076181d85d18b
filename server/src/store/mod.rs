//! Postgres: the pool, migrations, and the queries per table group. No business rules here.

pub mod audit;
pub mod drift;
pub mod notify;
pub mod projects;
pub mod reports;
pub mod subscriptions;
pub mod terms;
pub mod tokens;

use std::time::{Duration, Instant};

use sqlx::migrate::Migrator;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

use crate::config::Config;

pub static MIGRATOR: Migrator = sqlx::migrate!("../migrations");

/// Connects, retrying while the database is still coming up (a container started together
/// with the portal), for at most `database_startup_wait_ms`.
pub async fn connect(config: &Config) -> Result<PgPool, sqlx::Error> {
    let deadline = Instant::now() + Duration::from_millis(config.database_startup_wait_ms);
    let options = PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(config.database_timeout());
    loop {
        match options.clone().connect_with(config.database_options()).await {
            Ok(pool) => return Ok(pool),
            Err(error) if Instant::now() < deadline => {
                tracing::warn!(%error, database = %config.database_location(), "database not reachable yet; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(error) => return Err(error),
        }
    }
}

/// Arbitrary but fixed: serialises "read version, migrate, record" across replicas
/// starting at once, so exactly one of them audits the change.
const MIGRATION_AUDIT_LOCK: i64 = 0x6d65_7368_6761_7465;

/// Applies pending migrations and records the schema change in the audit trail.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    let mut conn = pool.acquire().await?;
    sqlx::query("SELECT pg_advisory_lock($1)").bind(MIGRATION_AUDIT_LOCK).execute(&mut *conn).await?;
    let outcome = async {
        let before = schema_version(&mut conn).await?;
        MIGRATOR.run(&mut *conn).await?;
        // The job queue's own tables, in their own schema with their own history.
        underway::run_migrations(&mut *conn).await?;
        let after = schema_version(&mut conn).await?;
        if before != after {
            tracing::info!(?before, ?after, "database schema migrated");
            audit::record(
                &mut *conn,
                &audit::NewEvent {
                    actor: "meshgate",
                    action: "schema.migrated",
                    target_kind: "database",
                    target_id: "schema",
                    before: Some(serde_json::json!({ "version": before })),
                    after: Some(serde_json::json!({ "version": after })),
                    request_id: None,
                },
            )
            .await?;
        }
        Ok::<_, sqlx::migrate::MigrateError>(())
    }
    .await;
    sqlx::query("SELECT pg_advisory_unlock($1)").bind(MIGRATION_AUDIT_LOCK).execute(&mut *conn).await?;
    outcome
}

/// The newest successfully applied migration, or `None` on an empty database.
async fn schema_version(conn: &mut sqlx::PgConnection) -> Result<Option<i64>, sqlx::Error> {
    let exists: bool =
        sqlx::query_scalar("SELECT to_regclass('_sqlx_migrations') IS NOT NULL").fetch_one(&mut *conn).await?;
    if !exists {
        return Ok(None);
    }
    sqlx::query_scalar("SELECT max(version) FROM _sqlx_migrations WHERE success").fetch_one(&mut *conn).await
}

/// Whether every migration this build knows has been applied successfully.
pub async fn migrations_applied(pool: &PgPool) -> Result<bool, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let latest = MIGRATOR.iter().map(|m| m.version).max();
    Ok(schema_version(&mut conn).await? >= latest)
}
