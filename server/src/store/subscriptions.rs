//! Subscription requests, their queued decisions, bulk runs, approval rules, schedules and
//! the people seen as requesters.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool, Postgres, QueryBuilder};
use uuid::Uuid;

/// One request as stored, with its queued decision if any.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubRow {
    pub id: String,
    pub kind: String,
    pub extends_id: Option<String>,
    pub listing_id: String,
    pub asset_id: String,
    pub asset_name: String,
    pub asset_type: String,
    pub asset_terms: Vec<String>,
    pub owner_project_id: String,
    pub owner_project_name: String,
    pub owner_unit_ids: Vec<String>,
    pub owner_unit_names: Vec<String>,
    pub subscriber_project_id: String,
    pub subscriber_project_name: String,
    pub subscriber_unit_ids: Vec<String>,
    pub subscriber_unit_names: Vec<String>,
    pub requester_id: String,
    pub requester_name: String,
    pub requester_groups: Vec<String>,
    pub reason: String,
    pub requested_days: Option<i32>,
    pub source: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub rule_id: Option<Uuid>,
    pub rule_reason: Option<String>,
    pub decision_comment: Option<String>,
    pub subscription_id: Option<String>,
    pub subscription_status: Option<String>,
    /// The subscription grant's overall status as the sync last saw it
    /// (SubscriptionGrantOverallStatus), its failure cause, and when it was granted.
    pub grant_status: Option<String>,
    pub grant_failure: Option<String>,
    pub granted_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub client_token: Option<String>,
    pub decision_accept: Option<bool>,
    pub decision_state: Option<String>,
    pub decision_outcome: Option<String>,
    pub decision_actor: Option<String>,
}

const COLUMNS: &str = "s.id, s.kind, s.extends_id, s.listing_id, s.asset_id, s.asset_name, s.asset_type, s.asset_terms,
    s.owner_project_id, s.owner_project_name, s.owner_unit_ids, s.owner_unit_names, s.subscriber_project_id,
    s.subscriber_project_name, s.subscriber_unit_ids, s.subscriber_unit_names, s.requester_id, s.requester_name,
    s.requester_groups, s.reason, s.requested_days, s.source, s.status, s.created_at, s.updated_at, s.decided_at,
    s.decided_by, s.rule_id, s.rule_reason, s.decision_comment, s.subscription_id, s.subscription_status,
    s.grant_status, s.grant_failure, s.granted_at, s.expires_at, s.client_token, d.accept AS decision_accept, d.state AS decision_state, d.outcome AS decision_outcome,
    d.actor AS decision_actor";

/// The start of every query for [`SubRow`]s: their columns and the decision join.
pub fn select_sql() -> String {
    format!("SELECT {COLUMNS} FROM subscription_requests s LEFT JOIN subscription_decisions d ON d.request_id = s.id ")
}

fn select() -> QueryBuilder<'static, Postgres> {
    QueryBuilder::new(select_sql())
}

/// Which requests a person governs: everything (platform admins), or those of assets
/// owned by their projects or by projects in their units (sub-units included).
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub everything: bool,
    pub owner_projects: Vec<String>,
    pub units: Vec<String>,
}

fn push_scope(q: &mut QueryBuilder<'_, Postgres>, scope: &Scope) {
    q.push("(")
        .push_bind(scope.everything)
        .push(" OR s.owner_project_id = ANY(")
        .push_bind(scope.owner_projects.clone())
        .push(") OR s.owner_unit_ids && ")
        .push_bind(scope.units.clone())
        .push(")");
}

/// Stores a request seen for the first time; `false` when it was already there.
pub async fn insert(conn: &mut PgConnection, r: &SubRow) -> Result<bool, sqlx::Error> {
    let inserted = sqlx::query(
        "INSERT INTO subscription_requests (id, kind, extends_id, listing_id, asset_id, asset_name, asset_type,
            asset_terms, owner_project_id, owner_project_name, owner_unit_ids, owner_unit_names,
            subscriber_project_id, subscriber_project_name, subscriber_unit_ids, subscriber_unit_names,
            requester_id, requester_name, requester_groups, reason, requested_days, source, status, created_at,
            updated_at, decided_at, decided_by, decision_comment, subscription_id, subscription_status, expires_at,
            client_token)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,
            $28,$29,$30,$31,$32)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(&r.id)
    .bind(&r.kind)
    .bind(&r.extends_id)
    .bind(&r.listing_id)
    .bind(&r.asset_id)
    .bind(&r.asset_name)
    .bind(&r.asset_type)
    .bind(&r.asset_terms)
    .bind(&r.owner_project_id)
    .bind(&r.owner_project_name)
    .bind(&r.owner_unit_ids)
    .bind(&r.owner_unit_names)
    .bind(&r.subscriber_project_id)
    .bind(&r.subscriber_project_name)
    .bind(&r.subscriber_unit_ids)
    .bind(&r.subscriber_unit_names)
    .bind(&r.requester_id)
    .bind(&r.requester_name)
    .bind(&r.requester_groups)
    .bind(&r.reason)
    .bind(r.requested_days)
    .bind(&r.source)
    .bind(&r.status)
    .bind(r.created_at)
    .bind(r.updated_at)
    .bind(r.decided_at)
    .bind(&r.decided_by)
    .bind(&r.decision_comment)
    .bind(&r.subscription_id)
    .bind(&r.subscription_status)
    .bind(r.expires_at)
    .bind(&r.client_token)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(inserted == 1)
}

/// Marks a stored request as made in the portal by this person (the sync may have stored
/// it first, knowing only DataZone's caller).
pub async fn claim_for_portal(
    db: impl PgExecutor<'_>,
    id: &str,
    requester: &str,
    name: &str,
    groups: &[String],
    days: Option<i32>,
    token: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE subscription_requests SET source = 'portal', requester_id = $2, requester_name = $3,
            requester_groups = $4, requested_days = coalesce(requested_days, $5), client_token = $6
          WHERE id = $1 AND source = 'datazone'",
    )
    .bind(id)
    .bind(requester)
    .bind(name)
    .bind(groups)
    .bind(days)
    .bind(token)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn get(db: impl PgExecutor<'_>, id: &str) -> Result<Option<SubRow>, sqlx::Error> {
    let mut q = select();
    q.push("WHERE s.id = ").push_bind(id.to_owned());
    q.build_query_as().fetch_optional(db).await
}

/// Takes the request's row lock for the rest of the transaction.
pub async fn lock(conn: &mut PgConnection, id: &str) -> Result<Option<SubRow>, sqlx::Error> {
    let mut q = select();
    q.push("WHERE s.id = ").push_bind(id.to_owned()).push(" FOR UPDATE OF s");
    q.build_query_as().fetch_optional(conn).await
}

/// (id, status, decision state) of the requests among `ids` that are already stored.
pub async fn known(
    db: impl PgExecutor<'_>,
    ids: &[String],
) -> Result<Vec<(String, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT s.id, s.status, d.state FROM subscription_requests s
           LEFT JOIN subscription_decisions d ON d.request_id = s.id WHERE s.id = ANY($1)",
    )
    .bind(ids)
    .fetch_all(db)
    .await
}

/// A decision DataZone reports (made in the portal or elsewhere), recorded once.
pub struct Decided<'a> {
    pub id: &'a str,
    pub status: &'a str,
    pub at: DateTime<Utc>,
    pub by: &'a str,
    pub comment: Option<&'a str>,
    pub subscription_id: Option<&'a str>,
    pub rule: Option<(Uuid, &'a str)>,
}

/// Records a decision on a pending request; `false` when it was already decided. Access
/// with a requested period ends that many days after the decision.
pub async fn record_decision(db: impl PgExecutor<'_>, d: &Decided<'_>) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE subscription_requests SET status = $2, updated_at = GREATEST(updated_at, $3), decided_at = $3,
            decided_by = $4, decision_comment = $5, subscription_id = $6, rule_id = $7, rule_reason = $8,
            subscription_status = CASE WHEN $2 = 'ACCEPTED' AND kind = 'access' THEN 'APPROVED' END,
            expires_at = CASE WHEN $2 = 'ACCEPTED' AND kind = 'access' AND requested_days IS NOT NULL
                              THEN $3 + make_interval(days => requested_days) END
         WHERE id = $1 AND status = 'PENDING'",
    )
    .bind(d.id)
    .bind(d.status)
    .bind(d.at)
    .bind(d.by)
    .bind(d.comment)
    .bind(d.subscription_id)
    .bind(d.rule.map(|r| r.0))
    .bind(d.rule.map(|r| r.1))
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

pub async fn set_subscription_status(db: impl PgExecutor<'_>, id: &str, status: &str) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE subscription_requests SET subscription_status = $2 WHERE id = $1 AND subscription_status = 'APPROVED'",
    )
    .bind(id)
    .bind(status)
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed == 1)
}

/// Moves the end of access of an accepted request by `days` from the later of now and the
/// current end.
pub async fn extend(db: impl PgExecutor<'_>, id: &str, days: i32) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE subscription_requests
            SET expires_at = GREATEST(coalesce(expires_at, now()), now()) + make_interval(days => $2)
          WHERE id = $1 AND subscription_status = 'APPROVED' RETURNING expires_at",
    )
    .bind(id)
    .bind(days)
    .fetch_optional(db)
    .await
    .map(Option::flatten)
}

/// Filters of the inbox and of the dry-run.
#[derive(Debug, Clone, Default)]
pub struct InboxFilter {
    /// PENDING, ACCEPTED, REJECTED; `None` for all.
    pub status: Option<String>,
    pub text: String,
    pub newest_first: bool,
    pub offset: i64,
    pub limit: i64,
}

/// Ids of every request in `scope` (a steward's view of the audit log).
pub async fn ids_in(pool: &PgPool, scope: &Scope) -> Result<Vec<String>, sqlx::Error> {
    let mut q = QueryBuilder::<Postgres>::new("SELECT s.id FROM subscription_requests s WHERE ");
    push_scope(&mut q, scope);
    q.push(" LIMIT 100000");
    q.build_query_scalar().fetch_all(pool).await
}

/// One page of the requests in `scope`, and how many match in all.
pub async fn inbox(pool: &PgPool, scope: &Scope, filter: &InboxFilter) -> Result<(Vec<SubRow>, i64), sqlx::Error> {
    let mut where_ = QueryBuilder::<Postgres>::new("");
    let build = |q: &mut QueryBuilder<'_, Postgres>| {
        q.push("WHERE ");
        push_scope(q, scope);
        if let Some(status) = &filter.status {
            q.push(" AND s.status = ").push_bind(status.clone());
        }
        if !filter.text.trim().is_empty() {
            let like =
                format!("%{}%", filter.text.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
            q.push(" AND (s.asset_name ILIKE ")
                .push_bind(like.clone())
                .push(" OR s.subscriber_project_name ILIKE ")
                .push_bind(like.clone())
                .push(" OR s.requester_name ILIKE ")
                .push_bind(like)
                .push(")");
        }
    };
    build(&mut where_);
    let mut count = QueryBuilder::<Postgres>::new(
        "SELECT count(*) FROM subscription_requests s LEFT JOIN subscription_decisions d ON d.request_id = s.id ",
    );
    build(&mut count);
    let mut q = select();
    build(&mut q);
    q.push(if filter.newest_first { " ORDER BY s.created_at DESC, s.id" } else { " ORDER BY s.created_at, s.id" });
    q.push(" LIMIT ").push_bind(filter.limit).push(" OFFSET ").push_bind(filter.offset);
    // One snapshot for the count and the page, so they agree while requests come in.
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").execute(&mut *tx).await?;
    let total: i64 = count.build_query_scalar().fetch_one(&mut *tx).await?;
    let rows = q.build_query_as().fetch_all(&mut *tx).await?;
    tx.commit().await?;
    Ok((rows, total))
}

/// Requests into any of `projects` (the subscriber side), newest first.
pub async fn of_subscribers(pool: &PgPool, projects: &[String]) -> Result<Vec<SubRow>, sqlx::Error> {
    let mut q = select();
    q.push("WHERE s.subscriber_project_id = ANY(")
        .push_bind(projects.to_vec())
        .push(") ORDER BY s.created_at DESC LIMIT 1000");
    q.build_query_as().fetch_all(pool).await
}

/// The newest request per subscribing project for one listing, among `projects`.
pub async fn for_listing(pool: &PgPool, listing: &str, projects: &[String]) -> Result<Vec<SubRow>, sqlx::Error> {
    let mut q = select();
    q.push("WHERE s.kind = 'access' AND s.listing_id = ")
        .push_bind(listing.to_owned())
        .push(" AND s.subscriber_project_id = ANY(")
        .push_bind(projects.to_vec())
        .push(") ORDER BY s.created_at DESC");
    q.build_query_as().fetch_all(pool).await
}

/// The project's open request for this listing, if any: (id, status, client token). Open
/// means pending, or accepted with the subscription still in force.
pub async fn open_for(
    db: impl PgExecutor<'_>,
    listing: &str,
    project: &str,
) -> Result<Option<(String, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, status, client_token FROM subscription_requests
          WHERE kind = 'access' AND listing_id = $1 AND subscriber_project_id = $2
            AND (status = 'PENDING' OR subscription_status = 'APPROVED')
          LIMIT 1",
    )
    .bind(listing)
    .bind(project)
    .fetch_optional(db)
    .await
}

/// A pending extension of this request, if one waits.
pub async fn pending_extension(db: impl PgExecutor<'_>, id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM subscription_requests WHERE extends_id = $1 AND status = 'PENDING' LIMIT 1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Approved subscriptions whose access period is over.
pub async fn expired(pool: &PgPool, limit: i64) -> Result<Vec<SubRow>, sqlx::Error> {
    let mut q = select();
    q.push("WHERE s.subscription_status = 'APPROVED' AND s.expires_at <= now() ORDER BY s.expires_at LIMIT ")
        .push_bind(limit);
    q.build_query_as().fetch_all(pool).await
}

/// Notes on a request which rule matched it and why.
pub async fn set_rule_match(
    conn: &mut PgConnection,
    request: &str,
    rule: Uuid,
    reason: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE subscription_requests SET rule_id = $2, rule_reason = $3 WHERE id = $1")
        .bind(request)
        .bind(rule)
        .bind(reason)
        .execute(conn)
        .await?;
    Ok(())
}

// ---- decisions ----

/// Queues a decision; `false` when the request already has one that is not failed.
pub async fn queue_decision(
    conn: &mut PgConnection,
    request: &str,
    accept: bool,
    comment: Option<&str>,
    actor: &str,
    rule: Option<Uuid>,
    run: Option<Uuid>,
) -> Result<bool, sqlx::Error> {
    let queued = sqlx::query(
        "INSERT INTO subscription_decisions (request_id, accept, comment, actor, rule_id, run_id)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (request_id) DO UPDATE
            SET accept = $2, comment = $3, actor = $4, rule_id = $5, run_id = $6, state = 'queued', outcome = NULL,
                attempts = 0, created_at = now(), finished_at = NULL
          WHERE subscription_decisions.state = 'failed'",
    )
    .bind(request)
    .bind(accept)
    .bind(comment)
    .bind(actor)
    .bind(rule)
    .bind(run)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(queued == 1)
}

#[derive(sqlx::FromRow)]
pub struct DecisionRow {
    pub accept: bool,
    pub comment: Option<String>,
    pub actor: String,
    pub rule_id: Option<Uuid>,
    pub state: String,
    pub attempts: i32,
}

/// Marks the decision as possibly sent before the call goes out, committed at once: a
/// later attempt then asks DataZone before sending again. Returns the decision as it was.
pub async fn mark_sent(pool: &PgPool, request: &str) -> Result<Option<DecisionRow>, sqlx::Error> {
    sqlx::query_as(
        "UPDATE subscription_decisions d SET state = 'sent', attempts = d.attempts + 1
           FROM subscription_decisions old
          WHERE d.request_id = $1 AND old.request_id = d.request_id AND d.state IN ('queued', 'sent')
          RETURNING d.accept, d.comment, d.actor, d.rule_id, old.state, old.attempts",
    )
    .bind(request)
    .fetch_optional(pool)
    .await
}

pub async fn finish_decision(
    db: impl PgExecutor<'_>,
    request: &str,
    state: &str,
    outcome: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE subscription_decisions SET state = $2, outcome = $3, finished_at = now() WHERE request_id = $1",
    )
    .bind(request)
    .bind(state)
    .bind(outcome)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn create_run(
    conn: &mut PgConnection,
    id: Uuid,
    actor: &str,
    accept: bool,
    total: i32,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO decision_runs (id, actor, accept, total) VALUES ($1, $2, $3, $4)")
        .bind(id)
        .bind(actor)
        .bind(accept)
        .bind(total)
        .execute(conn)
        .await?;
    Ok(())
}

/// (actor, accept, total, done, failed) of a bulk run.
pub async fn run_progress(pool: &PgPool, id: Uuid) -> Result<Option<(String, bool, i32, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.actor, r.accept, r.total,
                count(*) FILTER (WHERE d.state = 'done'), count(*) FILTER (WHERE d.state = 'failed')
           FROM decision_runs r LEFT JOIN subscription_decisions d ON d.run_id = r.id
          WHERE r.id = $1 GROUP BY r.id",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

// ---- rules ----

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RuleRow {
    pub id: Uuid,
    pub name: String,
    pub position: i32,
    pub scope_unit: Option<String>,
    pub conditions: serde_json::Value,
    pub action: String,
    pub comment: String,
    pub enabled: bool,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

pub async fn rules(db: impl PgExecutor<'_>) -> Result<Vec<RuleRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, position, scope_unit, conditions, action, comment, enabled, updated_by, updated_at
           FROM approval_rules ORDER BY position, id",
    )
    .fetch_all(db)
    .await
}

pub async fn rule(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<RuleRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, name, position, scope_unit, conditions, action, comment, enabled, updated_by, updated_at
           FROM approval_rules WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Saves a rule; a new one goes last.
pub async fn save_rule(conn: &mut PgConnection, rule: &RuleRow) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO approval_rules (id, name, position, scope_unit, conditions, action, comment, enabled, created_by,
                                     updated_by)
         VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM approval_rules), $3, $4, $5, $6, $7, $8, $8)
         ON CONFLICT (id) DO UPDATE SET name = $2, scope_unit = $3, conditions = $4, action = $5, comment = $6,
            enabled = $7, updated_by = $8, updated_at = now()",
    )
    .bind(rule.id)
    .bind(&rule.name)
    .bind(&rule.scope_unit)
    .bind(&rule.conditions)
    .bind(&rule.action)
    .bind(&rule.comment)
    .bind(rule.enabled)
    .bind(&rule.updated_by)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn delete_rule(conn: &mut PgConnection, id: Uuid) -> Result<bool, sqlx::Error> {
    Ok(sqlx::query("DELETE FROM approval_rules WHERE id = $1").bind(id).execute(conn).await?.rows_affected() == 1)
}

/// Swaps the rule with its neighbour above (`up`) or below.
pub async fn move_rule(conn: &mut PgConnection, id: Uuid, up: bool) -> Result<(), sqlx::Error> {
    let sql = if up {
        "WITH me AS (SELECT id, position FROM approval_rules WHERE id = $1 FOR UPDATE),
              other AS (SELECT r.id, r.position FROM approval_rules r, me WHERE r.position < me.position
                         ORDER BY r.position DESC LIMIT 1 FOR UPDATE)
         UPDATE approval_rules a SET position = CASE WHEN a.id = me.id THEN other.position ELSE me.position END
           FROM me, other WHERE a.id IN (me.id, other.id)"
    } else {
        "WITH me AS (SELECT id, position FROM approval_rules WHERE id = $1 FOR UPDATE),
              other AS (SELECT r.id, r.position FROM approval_rules r, me WHERE r.position > me.position
                         ORDER BY r.position LIMIT 1 FOR UPDATE)
         UPDATE approval_rules a SET position = CASE WHEN a.id = me.id THEN other.position ELSE me.position END
           FROM me, other WHERE a.id IN (me.id, other.id)"
    };
    sqlx::query(sql).bind(id).execute(conn).await?;
    Ok(())
}

// ---- schedules ----

/// Claims periodic work `name` if it is due, for `every` from now; `false` when another
/// replica (or an earlier run) has it. Work never run before is due at once when
/// `first_at_once`, else `every` from its first sight.
pub async fn claim(
    pool: &PgPool,
    name: &str,
    every: std::time::Duration,
    first_at_once: bool,
) -> Result<bool, sqlx::Error> {
    let every = every.as_secs_f64();
    sqlx::query(
        "INSERT INTO schedules (name, next_run_at)
         VALUES ($1, CASE WHEN $3 THEN now() ELSE now() + make_interval(secs => $2) END)
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(every)
    .bind(first_at_once)
    .execute(pool)
    .await?;
    let claimed = sqlx::query(
        "UPDATE schedules SET next_run_at = now() + make_interval(secs => $2)
          WHERE name = $1 AND next_run_at <= now()",
    )
    .bind(name)
    .bind(every)
    .execute(pool)
    .await?
    .rows_affected();
    Ok(claimed == 1)
}

pub async fn watermark(pool: &PgPool, name: &str) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    sqlx::query_scalar("SELECT watermark FROM schedules WHERE name = $1")
        .bind(name)
        .fetch_optional(pool)
        .await
        .map(Option::flatten)
}

/// Records how a run of schedule `name` ended: `None` when it succeeded, else its error
/// (kept to 500 characters).
pub async fn record_outcome(pool: &PgPool, name: &str, error: Option<&str>) -> Result<(), sqlx::Error> {
    let error: Option<String> = error.map(|e| e.chars().take(500).collect());
    sqlx::query(
        "INSERT INTO schedules (name, last_ok_at, last_error, last_error_at)
         VALUES ($1, CASE WHEN $2::text IS NULL THEN now() END, $2, CASE WHEN $2::text IS NOT NULL THEN now() END)
         ON CONFLICT (name) DO UPDATE SET
           last_ok_at = CASE WHEN $2::text IS NULL THEN now() ELSE schedules.last_ok_at END,
           last_error = $2,
           last_error_at = CASE WHEN $2::text IS NOT NULL THEN now() ELSE schedules.last_error_at END",
    )
    .bind(name)
    .bind(error)
    .execute(pool)
    .await?;
    Ok(())
}

/// How the runs of a schedule (the subscription sync, the drift check) went lately.
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    /// When a run last succeeded.
    pub ok_at: Option<DateTime<Utc>>,
    /// The error of the last run and when it happened, only when it failed after the last
    /// success (a later success means the failure is over).
    pub failed: Option<(String, DateTime<Utc>)>,
}

/// The [`RunOutcome`] of schedule `name`; the default when it never ran.
pub async fn outcome(pool: &PgPool, name: &str) -> Result<RunOutcome, sqlx::Error> {
    type Row = (Option<DateTime<Utc>>, Option<String>, Option<DateTime<Utc>>);
    let row: Option<Row> =
        sqlx::query_as("SELECT last_ok_at, last_error, last_error_at FROM schedules WHERE name = $1")
            .bind(name)
            .fetch_optional(pool)
            .await?;
    let Some((ok_at, error, error_at)) = row else { return Ok(RunOutcome::default()) };
    let failed = error.zip(error_at).filter(|(_, at)| ok_at.is_none_or(|ok| ok < *at));
    Ok(RunOutcome { ok_at, failed })
}

/// A grant's state as ListSubscriptionGrants shows it.
pub struct GrantSeen<'a> {
    pub subscription_id: &'a str,
    pub status: &'a str,
    pub failure: Option<&'a str>,
    pub granted_at: Option<DateTime<Utc>>,
}

/// Accepted requests whose grant has not settled: still approved but not GRANTED or
/// GRANT_FAILED, or ended but not REVOKED or REVOKE_FAILED. (request id, subscription id,
/// grant status), most recently decided first.
pub async fn unsettled_grants(
    db: impl PgExecutor<'_>,
    limit: i64,
) -> Result<Vec<(String, String, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, subscription_id, grant_status FROM subscription_requests
          WHERE kind = 'access' AND subscription_id IS NOT NULL AND (
                (subscription_status = 'APPROVED' AND grant_status IS DISTINCT FROM 'GRANTED'
                    AND grant_status IS DISTINCT FROM 'GRANT_FAILED')
             OR (subscription_status <> 'APPROVED'
                    AND grant_status IS DISTINCT FROM 'REVOKED' AND grant_status IS DISTINCT FROM 'REVOKE_FAILED'
                    AND grant_status IS DISTINCT FROM 'GRANT_FAILED'))
          ORDER BY decided_at DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Stores the grant state of the request whose subscription it is; `true` when it changed.
/// A first grant moves the end of time-limited access to `granted_at + requested_days`
/// (unless it was extended meanwhile): the access period starts when access does.
pub async fn record_grant(db: impl PgExecutor<'_>, g: &GrantSeen<'_>) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE subscription_requests s SET grant_status = $2, grant_failure = $3,
            granted_at = coalesce(s.granted_at, $4),
            expires_at = CASE WHEN s.granted_at IS NULL AND $4::timestamptz IS NOT NULL AND s.kind = 'access'
                                   AND s.expires_at = s.decided_at + make_interval(days => s.requested_days)
                              THEN $4 + make_interval(days => s.requested_days) ELSE s.expires_at END
          WHERE s.subscription_id = $1 AND (s.grant_status IS DISTINCT FROM $2 OR s.grant_failure IS DISTINCT FROM $3)",
    )
    .bind(g.subscription_id)
    .bind(g.status)
    .bind(g.failure)
    .bind(g.granted_at)
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// Marks the grant of a request's subscription as asked for again (GRANT_PENDING, no
/// failure), so the sync follows it; `false` when its grant had not failed.
pub async fn grant_retried(db: impl PgExecutor<'_>, request: &str) -> Result<bool, sqlx::Error> {
    let changed = sqlx::query(
        "UPDATE subscription_requests SET grant_status = 'GRANT_PENDING', grant_failure = NULL
          WHERE id = $1 AND grant_status = 'GRANT_FAILED'",
    )
    .bind(request)
    .execute(db)
    .await?
    .rows_affected();
    Ok(changed > 0)
}

/// Requests whose subscription is among `subscriptions` and still APPROVED here:
/// (request id, subscription id).
pub async fn approved_with_subscriptions(
    db: impl PgExecutor<'_>,
    subscriptions: &[String],
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, subscription_id FROM subscription_requests
          WHERE subscription_id = ANY($1) AND subscription_status = 'APPROVED'",
    )
    .bind(subscriptions)
    .fetch_all(db)
    .await
}

pub async fn advance_watermark(pool: &PgPool, name: &str, to: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO schedules (name, watermark) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET watermark = GREATEST(schedules.watermark, $2)",
    )
    .bind(name)
    .bind(to)
    .execute(pool)
    .await?;
    Ok(())
}

// ---- people ----

/// (username, display name, group ids) of someone seen within the last hour.
pub async fn person(pool: &PgPool, id: &str) -> Result<Option<(String, String, Vec<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT username, display_name, group_ids FROM people
          WHERE id = $1 AND refreshed_at > now() - interval '1 hour'",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn remember_person(
    pool: &PgPool,
    id: &str,
    username: &str,
    display_name: &str,
    groups: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO people (id, username, display_name, group_ids) VALUES ($1, $2, $3, $4)
         ON CONFLICT (id) DO UPDATE SET username = $2, display_name = $3, group_ids = $4, refreshed_at = now()",
    )
    .bind(id)
    .bind(username)
    .bind(display_name)
    .bind(groups)
    .execute(pool)
    .await?;
    Ok(())
}
