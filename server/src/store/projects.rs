//! The `project_requests` tables: requests, their members, and the create intents that
//! make CreateProject safe to retry.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

#[derive(Debug, Clone, Default)]
pub struct RequestRow {
    pub id: Uuid,
    pub product: String,
    pub project_name: String,
    pub description: String,
    pub domain_unit_id: String,
    pub domain_unit_name: String,
    pub environment: String,
    pub profile_id: String,
    pub profile_name: String,
    pub justification: String,
    pub requested_by: String,
    pub requested_by_name: String,
    pub source_request_id: Option<Uuid>,
    pub lineage: Uuid,
    pub status: String,
    pub decided_by: Option<String>,
    pub decision_comment: Option<String>,
    pub project_id: Option<String>,
    pub deployment_status: Option<String>,
    pub failure: Option<String>,
    pub failed_in: Option<String>,
    pub attempts: i32,
    pub acting_for: String,
    pub origin_request_id: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// Full rows for `ids`, oldest first. Every read of requests finds ids first and comes
/// here, so the column list is written once.
async fn rows(db: impl PgExecutor<'_>, ids: &[Uuid]) -> Result<Vec<RequestRow>, sqlx::Error> {
    sqlx::query_as!(
        RequestRow,
        r#"SELECT id, product, project_name, description, domain_unit_id, domain_unit_name, environment,
                  profile_id, profile_name, justification, requested_by, requested_by_name, source_request_id,
                  lineage, status, decided_by, decision_comment, project_id, deployment_status, failure, failed_in,
                  attempts, acting_for, origin_request_id, created_at AS "created_at: DateTime<Utc>"
           FROM project_requests WHERE id = ANY($1) ORDER BY created_at, id"#,
        ids,
    )
    .fetch_all(db)
    .await
}

#[derive(Debug, Clone)]
pub struct MemberRow {
    pub principal_id: String,
    pub kind: String,
    pub display_name: String,
    pub designation: String,
    pub state: String,
}

pub struct NewMember<'a> {
    pub principal_id: &'a str,
    pub kind: &'a str,
    pub display_name: &'a str,
    pub designation: &'a str,
}

pub async fn insert(db: impl PgExecutor<'_>, row: &RequestRow) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO project_requests (id, product, project_name, description, domain_unit_id, domain_unit_name,
               environment, profile_id, profile_name, justification, requested_by, requested_by_name,
               source_request_id, lineage, status, decided_by, decision_comment, decided_at, acting_for,
               origin_request_id, job_queued)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
                   CASE WHEN $16::text IS NULL THEN NULL ELSE now() END, $18, $19, $15 = 'provisioning')"#,
        row.id,
        row.product,
        row.project_name,
        row.description,
        row.domain_unit_id,
        row.domain_unit_name,
        row.environment,
        row.profile_id,
        row.profile_name,
        row.justification,
        row.requested_by,
        row.requested_by_name,
        row.source_request_id,
        row.lineage,
        row.status,
        row.decided_by,
        row.decision_comment,
        row.acting_for,
        row.origin_request_id,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Adds a member in state `adding`, or sets an existing one back to `adding` with the new
/// designation.
pub async fn want_member(db: impl PgExecutor<'_>, request: Uuid, member: &NewMember<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO project_request_members (request_id, principal_id, kind, display_name, designation, state)
           VALUES ($1, $2, $3, $4, $5, 'adding')
           ON CONFLICT (request_id, principal_id) DO UPDATE
           SET designation = EXCLUDED.designation, display_name = EXCLUDED.display_name, state = 'adding',
               updated_at = now()"#,
        request,
        member.principal_id,
        member.kind,
        member.display_name,
        member.designation,
    )
    .execute(db)
    .await?;
    Ok(())
}

pub async fn set_member_state(
    db: impl PgExecutor<'_>,
    request: Uuid,
    principal: &str,
    state: &str,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "UPDATE project_request_members SET state = $3, updated_at = now() WHERE request_id = $1 AND principal_id = $2",
        request,
        principal,
        state,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn members(db: impl PgExecutor<'_>, request: Uuid) -> Result<Vec<MemberRow>, sqlx::Error> {
    sqlx::query_as!(
        MemberRow,
        r#"SELECT principal_id, kind, display_name, designation, state FROM project_request_members
           WHERE request_id = $1 ORDER BY designation DESC, display_name"#,
        request,
    )
    .fetch_all(db)
    .await
}

pub async fn get(pool: &PgPool, id: Uuid) -> Result<Option<RequestRow>, sqlx::Error> {
    Ok(rows(pool, &[id]).await?.pop())
}

/// The request, locked for the rest of the transaction against other writers (readers and
/// writers of other tables that reference it are not blocked).
pub async fn lock(conn: &mut PgConnection, id: Uuid) -> Result<Option<RequestRow>, sqlx::Error> {
    let found = sqlx::query_scalar!("SELECT id FROM project_requests WHERE id = $1 FOR NO KEY UPDATE", id)
        .fetch_optional(&mut *conn)
        .await?;
    match found {
        Some(id) => Ok(rows(conn, &[id]).await?.pop()),
        None => Ok(None),
    }
}

/// Requests of the products `username` asked for or whose projects are in `project_ids`,
/// newest first.
pub async fn of_person(pool: &PgPool, username: &str, project_ids: &[String]) -> Result<Vec<RequestRow>, sqlx::Error> {
    let ids = sqlx::query_scalar!(
        r#"SELECT id FROM project_requests
           WHERE lineage IN (SELECT lineage FROM project_requests WHERE requested_by = $1 OR project_id = ANY($2))
           ORDER BY created_at DESC LIMIT 500"#,
        username,
        project_ids,
    )
    .fetch_all(pool)
    .await?;
    let mut found = rows(pool, &ids).await?;
    found.reverse();
    Ok(found)
}

/// The requests of one product (same lineage), oldest first.
pub async fn lineage(pool: &PgPool, lineage: Uuid) -> Result<Vec<RequestRow>, sqlx::Error> {
    let ids = sqlx::query_scalar!("SELECT id FROM project_requests WHERE lineage = $1 LIMIT 50", lineage)
        .fetch_all(pool)
        .await?;
    rows(pool, &ids).await
}

/// Requests waiting for a decision, oldest first.
pub async fn awaiting_decision(pool: &PgPool) -> Result<Vec<RequestRow>, sqlx::Error> {
    let ids = sqlx::query_scalar!(
        "SELECT id FROM project_requests WHERE status IN ('pending_approval', 'retire_pending')
         ORDER BY created_at LIMIT 500"
    )
    .fetch_all(pool)
    .await?;
    rows(pool, &ids).await
}

/// Whether a live request already uses `name` (any case).
pub async fn name_in_use(pool: &PgPool, name: &str) -> Result<bool, sqlx::Error> {
    let found = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM project_requests
                          WHERE lower(project_name) = lower($1)
                            AND status NOT IN ('rejected', 'cancelled', 'retired')) AS "found!""#,
        name,
    )
    .fetch_one(pool)
    .await?;
    Ok(found)
}

/// Moves a request to `status`; `decision` records who decided and why.
pub async fn set_status(
    db: impl PgExecutor<'_>,
    id: Uuid,
    status: &str,
    decision: Option<(&str, &str)>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE project_requests
           SET status = $2,
               decided_by = COALESCE($3, decided_by),
               decision_comment = CASE WHEN $3::text IS NULL THEN decision_comment ELSE $4 END,
               decided_at = CASE WHEN $3::text IS NULL THEN decided_at ELSE now() END,
               updated_at = now()
           WHERE id = $1"#,
        id,
        status,
        decision.map(|d| d.0),
        decision.map(|d| d.1),
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Hands the request to the job queue: `status` is where the work starts, `actor` whose
/// action it carries out. Returns false when a job is already queued (it will see the new
/// state), true when the caller must enqueue one.
pub async fn start_work(
    db: impl PgExecutor<'_>,
    id: Uuid,
    status: &str,
    actor: &str,
    request_id: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let was_queued = sqlx::query_scalar!(
        r#"UPDATE project_requests new
           SET status = $2, acting_for = $3, origin_request_id = $4, failure = NULL, failed_in = NULL,
               attempts = 0, job_queued = TRUE, updated_at = now()
           FROM project_requests old
           WHERE new.id = $1 AND old.id = new.id
           RETURNING old.job_queued"#,
        id,
        status,
        actor,
        request_id,
    )
    .fetch_one(db)
    .await?;
    Ok(!was_queued)
}

/// Progress of the job: the project's id and deployment status as last seen, attempts reset.
pub async fn record_progress(
    db: impl PgExecutor<'_>,
    id: Uuid,
    project_id: Option<&str>,
    deployment: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE project_requests
           SET project_id = COALESCE($2, project_id), deployment_status = COALESCE($3, deployment_status),
               attempts = 0, updated_at = now()
           WHERE id = $1"#,
        id,
        project_id,
        deployment,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// A failed attempt that will be tried again; returns the attempt count.
pub async fn record_attempt(db: impl PgExecutor<'_>, id: Uuid, error: &str) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        "UPDATE project_requests SET attempts = attempts + 1, failure = $2, updated_at = now() WHERE id = $1
         RETURNING attempts",
        id,
        error,
    )
    .fetch_one(db)
    .await
}

/// The job is done with the request for now: `status` is where it ended.
pub async fn finish_work(
    db: impl PgExecutor<'_>,
    id: Uuid,
    status: &str,
    failure: Option<&str>,
    failed_in: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE project_requests
           SET status = $2, failure = $3, failed_in = $4, job_queued = FALSE, updated_at = now()
           WHERE id = $1"#,
        id,
        status,
        failure,
        failed_in,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Commits (on the pool, outside any job transaction) that CreateProject is about to be sent.
pub async fn record_create_intent(pool: &PgPool, id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query!("INSERT INTO project_create_intents (request_id) VALUES ($1) ON CONFLICT DO NOTHING", id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn create_was_sent(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool, sqlx::Error> {
    let sent = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM project_create_intents WHERE request_id = $1) AS "sent!""#,
        id
    )
    .fetch_one(db)
    .await?;
    Ok(sent)
}

/// Whether Dev requests in `unit` are approved without a person (the default).
pub async fn auto_approves_dev(db: impl PgExecutor<'_>, unit: &str) -> Result<bool, sqlx::Error> {
    let setting = sqlx::query_scalar!("SELECT auto_approve_dev FROM unit_settings WHERE domain_unit_id = $1", unit)
        .fetch_optional(db)
        .await?;
    Ok(setting.unwrap_or(true))
}

/// Whether a platform admin allows stewards to decide, for the assets of `unit`, requests
/// they made or for projects they belong to (off by default).
pub async fn allows_self_decisions(db: impl PgExecutor<'_>, unit: &str) -> Result<bool, sqlx::Error> {
    let setting: Option<bool> =
        sqlx::query_scalar("SELECT allow_self_decisions FROM unit_settings WHERE domain_unit_id = $1")
            .bind(unit)
            .fetch_optional(db)
            .await?;
    Ok(setting.unwrap_or(false))
}

/// The units among `units` (an asset's owner unit path) that allow self-decisions.
pub async fn self_decision_units(db: impl PgExecutor<'_>, units: &[String]) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT domain_unit_id FROM unit_settings WHERE allow_self_decisions AND domain_unit_id = ANY($1)",
    )
    .bind(units)
    .fetch_all(db)
    .await
}

pub async fn set_self_decisions(db: impl PgExecutor<'_>, unit: &str, allow: bool, by: &str) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO unit_settings (domain_unit_id, allow_self_decisions, updated_by) VALUES ($1, $2, $3)
         ON CONFLICT (domain_unit_id) DO UPDATE
         SET allow_self_decisions = EXCLUDED.allow_self_decisions, updated_by = EXCLUDED.updated_by, updated_at = now()",
    )
    .bind(unit)
    .bind(allow)
    .bind(by)
    .execute(db)
    .await?;
    Ok(())
}

/// Every unit's Dev auto-approval setting that differs from the default.
pub async fn unit_settings(pool: &PgPool) -> Result<Vec<(String, bool)>, sqlx::Error> {
    let rows = sqlx::query!("SELECT domain_unit_id, auto_approve_dev FROM unit_settings").fetch_all(pool).await?;
    Ok(rows.into_iter().map(|r| (r.domain_unit_id, r.auto_approve_dev)).collect())
}

pub async fn set_auto_approve_dev(
    db: impl PgExecutor<'_>,
    unit: &str,
    auto_approve_dev: bool,
    by: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"INSERT INTO unit_settings (domain_unit_id, auto_approve_dev, updated_by) VALUES ($1, $2, $3)
           ON CONFLICT (domain_unit_id) DO UPDATE
           SET auto_approve_dev = EXCLUDED.auto_approve_dev, updated_by = EXCLUDED.updated_by, updated_at = now()"#,
        unit,
        auto_approve_dev,
        by,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Projects the portal requested in `unit` that still exist or are on their way.
pub async fn live_in_unit(pool: &PgPool, unit: &str) -> Result<usize, sqlx::Error> {
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM project_requests
           WHERE domain_unit_id = $1 AND status NOT IN ('rejected', 'cancelled', 'retired')"#,
        unit,
    )
    .fetch_one(pool)
    .await?;
    Ok(usize::try_from(count).unwrap_or(0))
}
