//! `api_tokens` and `api_idempotency`: personal access tokens (kept as SHA-256 of their
//! secret) and the first answers to POSTs that carried an `Idempotency-Key`.

use app::model::{ApiToken, PipelineBinding, PipelineBindingForm, TokenScope};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgExecutor, Row};
use uuid::Uuid;

/// Every secret starts with this, so secret scanners (and people) recognise one.
pub const SECRET_PREFIX: &str = "mgp_";

/// A new random secret: `mgp_` and 64 hex digits (256 bits).
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("{SECRET_PREFIX}{}", hex::encode(bytes))
}

pub fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// The owner a token acts for, as it was when the token was made; roles are read again at
/// every use.
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub token_id: Uuid,
    pub token_name: String,
    pub scopes: Vec<TokenScope>,
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    /// For a pipeline: the one product whose projects it may request and change.
    pub product: Option<String>,
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn scopes(names: Vec<String>) -> Vec<TokenScope> {
    names.iter().filter_map(|n| TokenScope::parse(n)).collect()
}

fn token_of(row: &sqlx::postgres::PgRow, now: DateTime<Utc>) -> ApiToken {
    let expires_at: DateTime<Utc> = row.get("expires_at");
    let revoked_at: Option<DateTime<Utc>> = row.get("revoked_at");
    ApiToken {
        id: row.get::<Uuid, _>("id").to_string(),
        name: row.get("name"),
        scopes: scopes(row.get("scopes")),
        prefix: row.get("prefix"),
        created_at: rfc3339(row.get("created_at")),
        expires_at: rfc3339(expires_at),
        last_used_at: row.get::<Option<DateTime<Utc>>, _>("last_used_at").map(rfc3339),
        revoked_at: revoked_at.map(rfc3339),
        usable: revoked_at.is_none() && expires_at > now,
    }
}

pub struct NewTokenRow<'a> {
    pub owner: &'a str,
    pub owner_display_name: &'a str,
    pub owner_email: Option<&'a str>,
    pub name: &'a str,
    pub scopes: &'a [TokenScope],
    pub days: u32,
}

/// Stores a token for `secret`; `Ok(None)` when the owner already has a live token of
/// that name.
pub async fn insert(
    db: impl PgExecutor<'_>,
    token: &NewTokenRow<'_>,
    secret: &str,
) -> Result<Option<ApiToken>, sqlx::Error> {
    let names: Vec<&str> = token.scopes.iter().map(|s| s.name()).collect();
    let row = sqlx::query(
        "INSERT INTO api_tokens (id, owner, owner_display_name, owner_email, name, scopes, secret_sha256, prefix, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now() + make_interval(days => $9)) \
         ON CONFLICT (owner, name) WHERE revoked_at IS NULL DO NOTHING RETURNING *",
    )
    .bind(Uuid::new_v4())
    .bind(token.owner)
    .bind(token.owner_display_name)
    .bind(token.owner_email)
    .bind(token.name)
    .bind(&names)
    .bind(digest(secret))
    .bind(&secret[..SECRET_PREFIX.len() + 6])
    .bind(i32::try_from(token.days).unwrap_or(i32::MAX))
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| token_of(&r, Utc::now())))
}

/// The owner's tokens, newest first (at most 200: live ones and the last revoked).
pub async fn of_owner(db: impl PgExecutor<'_>, owner: &str) -> Result<Vec<ApiToken>, sqlx::Error> {
    let rows = sqlx::query("SELECT * FROM api_tokens WHERE owner = $1 ORDER BY created_at DESC, id LIMIT 200")
        .bind(owner)
        .fetch_all(db)
        .await?;
    let now = Utc::now();
    Ok(rows.iter().map(|r| token_of(r, now)).collect())
}

/// Revokes the owner's token `id`; the token as it was before, or `None` when the owner
/// has no such live token.
pub async fn revoke(db: impl PgExecutor<'_>, owner: &str, id: Uuid) -> Result<Option<ApiToken>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND owner = $2 AND revoked_at IS NULL RETURNING *",
    )
    .bind(id)
    .bind(owner)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| token_of(&r, Utc::now())))
}

/// The live token whose secret this is, its last use set to now; `None` for an unknown,
/// expired or revoked secret.
pub async fn authenticate(db: impl PgExecutor<'_>, secret: &str) -> Result<Option<TokenOwner>, sqlx::Error> {
    let row = sqlx::query(
        "UPDATE api_tokens SET last_used_at = now() \
         WHERE secret_sha256 = $1 AND revoked_at IS NULL AND expires_at > now() \
         RETURNING id, name, scopes, owner, owner_display_name, owner_email",
    )
    .bind(digest(secret))
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| TokenOwner {
        token_id: r.get("id"),
        token_name: r.get("name"),
        scopes: scopes(r.get("scopes")),
        username: r.get("owner"),
        display_name: r.get("owner_display_name"),
        email: r.get("owner_email"),
        product: None,
    }))
}

/// What a retried POST finds under its `Idempotency-Key`.
#[derive(Debug, PartialEq)]
pub enum Claim {
    /// The key is new (or its first call died long ago): this call does the work.
    First,
    /// The first call finished: its answer.
    Answered { status: u16, body: serde_json::Value },
    /// The first call is still running.
    InFlight,
    /// The key was used for another request.
    Mismatch,
}

/// How long a first call may run before a retry with its key takes over (the server that
/// ran it was killed), and how long answers are kept.
const IN_FLIGHT_SECS: i32 = 120;
const KEEP_HOURS: i32 = 24;

/// Claims `key` for this token and request, or finds what an earlier call with it left.
/// A key older than 24 hours counts as unused (the periodic [`sweep`] deletes it later).
pub async fn claim(pool: &sqlx::PgPool, token_id: Uuid, key: &str, fingerprint: &str) -> Result<Claim, sqlx::Error> {
    let claimed = sqlx::query(
        "INSERT INTO api_idempotency (token_id, key, fingerprint) VALUES ($1, $2, $3) \
         ON CONFLICT (token_id, key) DO UPDATE SET created_at = now(), fingerprint = $3, status = NULL, body = NULL \
         WHERE (api_idempotency.status IS NULL AND api_idempotency.fingerprint = $3 \
                AND api_idempotency.created_at < now() - make_interval(secs => $4)) \
            OR api_idempotency.created_at < now() - make_interval(hours => $5) \
         RETURNING key",
    )
    .bind(token_id)
    .bind(key)
    .bind(fingerprint)
    .bind(f64::from(IN_FLIGHT_SECS))
    .bind(KEEP_HOURS)
    .fetch_optional(pool)
    .await?;
    if claimed.is_some() {
        return Ok(Claim::First);
    }
    let row = sqlx::query("SELECT fingerprint, status, body FROM api_idempotency WHERE token_id = $1 AND key = $2")
        .bind(token_id)
        .bind(key)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        None => Claim::InFlight,
        Some(r) if r.get::<String, _>("fingerprint") != fingerprint => Claim::Mismatch,
        Some(r) => match r.get::<Option<i32>, _>("status") {
            Some(status) => Claim::Answered {
                status: u16::try_from(status).unwrap_or(500),
                body: r.get::<Option<serde_json::Value>, _>("body").unwrap_or(serde_json::Value::Null),
            },
            None => Claim::InFlight,
        },
    })
}

/// Keeps the first call's answer for retries. Answers that a retry could change (403, 404,
/// 409, 429, 5xx) are not kept: the key is released so the retry does the work.
pub async fn answer(
    pool: &sqlx::PgPool,
    token_id: Uuid,
    key: &str,
    status: u16,
    body: &serde_json::Value,
) -> Result<(), sqlx::Error> {
    // Success and refused input (the same body is refused again) are kept; an answer that
    // depends on the moment (not allowed yet, not found yet, a conflict, too many calls, a
    // failure) is not, so a retry does the work then.
    let kept = (200..400).contains(&status) || status == 400 || status == 422;
    if !kept {
        sqlx::query("DELETE FROM api_idempotency WHERE token_id = $1 AND key = $2 AND status IS NULL")
            .bind(token_id)
            .bind(key)
            .execute(pool)
            .await?;
        return Ok(());
    }
    sqlx::query("UPDATE api_idempotency SET status = $3, body = $4 WHERE token_id = $1 AND key = $2")
        .bind(token_id)
        .bind(key)
        .bind(i32::from(status))
        .bind(body)
        .execute(pool)
        .await?;
    Ok(())
}

/// Deletes answers kept longer than 24 hours; the number deleted.
pub async fn sweep(pool: &sqlx::PgPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query("DELETE FROM api_idempotency WHERE created_at < now() - make_interval(hours => $1)")
        .bind(KEEP_HOURS)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

// ---- pipeline bindings ---------------------------------------------------------------

fn binding_of(row: &sqlx::postgres::PgRow) -> PipelineBinding {
    PipelineBinding {
        id: row.get::<Uuid, _>("id").to_string(),
        name: row.get("name"),
        issuer: row.get("issuer"),
        repository: row.get("repository"),
        ref_pattern: row.get("ref_pattern"),
        product: row.get("product"),
        acts_for: row.get("acts_for"),
        scopes: scopes(row.get("scopes")),
        created_by: row.get("created_by"),
        created_at: rfc3339(row.get("created_at")),
        last_used_at: row.get::<Option<DateTime<Utc>>, _>("last_used_at").map(rfc3339),
    }
}

/// The person a new binding acts for, as Identity Center names them.
pub struct ActsFor<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
}

/// Stores a binding; `Ok(None)` when a live binding already has that name.
pub async fn bind(
    db: impl PgExecutor<'_>,
    form: &PipelineBindingForm,
    acts_for: &ActsFor<'_>,
    created_by: &str,
) -> Result<Option<PipelineBinding>, sqlx::Error> {
    let names: Vec<&str> = form.scopes.iter().map(|s| s.name()).collect();
    let row = sqlx::query(
        "INSERT INTO pipeline_bindings (id, name, issuer, repository, ref_pattern, product, acts_for, \
         acts_for_display_name, acts_for_email, scopes, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (name) WHERE revoked_at IS NULL DO NOTHING RETURNING *",
    )
    .bind(Uuid::new_v4())
    .bind(form.name.trim())
    .bind(form.issuer.trim().trim_end_matches('/'))
    .bind(form.repository.trim())
    .bind(form.ref_pattern.trim())
    .bind(form.product.trim())
    .bind(acts_for.username)
    .bind(acts_for.display_name)
    .bind(acts_for.email)
    .bind(&names)
    .bind(created_by)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| binding_of(&r)))
}

/// The live bindings, oldest first (at most 500).
pub async fn bindings(db: impl PgExecutor<'_>) -> Result<Vec<PipelineBinding>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT * FROM pipeline_bindings WHERE revoked_at IS NULL ORDER BY created_at, id LIMIT 500")
            .fetch_all(db)
            .await?;
    Ok(rows.iter().map(binding_of).collect())
}

/// Ends the live binding `id`; the binding as it was, or `None`.
pub async fn unbind(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<PipelineBinding>, sqlx::Error> {
    let row =
        sqlx::query("UPDATE pipeline_bindings SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING *")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(row.map(|r| binding_of(&r)))
}

/// Whether any live binding trusts `issuer`.
pub async fn issuer_is_bound(db: impl PgExecutor<'_>, issuer: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pipeline_bindings WHERE issuer = $1 AND revoked_at IS NULL)")
        .bind(issuer.trim_end_matches('/'))
        .fetch_one(db)
        .await
}

/// The caller a verified ID token acts as: the oldest live binding of its issuer and
/// repository whose ref pattern matches, its last use set to now; `None` when none does.
pub async fn pipeline_caller(
    db: &sqlx::PgPool,
    issuer: &str,
    repository: &str,
    git_ref: &str,
) -> Result<Option<TokenOwner>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT * FROM pipeline_bindings WHERE issuer = $1 AND lower(repository) = lower($2) \
         AND revoked_at IS NULL ORDER BY created_at, id",
    )
    .bind(issuer.trim_end_matches('/'))
    .bind(repository)
    .fetch_all(db)
    .await?;
    let Some(row) = rows.iter().find(|r| app::model::ref_matches(r.get("ref_pattern"), git_ref)) else {
        return Ok(None);
    };
    let id: Uuid = row.get("id");
    sqlx::query("UPDATE pipeline_bindings SET last_used_at = now() WHERE id = $1").bind(id).execute(db).await?;
    Ok(Some(TokenOwner {
        token_id: id,
        token_name: format!("pipeline {}", row.get::<String, _>("name")),
        scopes: scopes(row.get("scopes")),
        username: row.get("acts_for"),
        display_name: row.get("acts_for_display_name"),
        email: row.get("acts_for_email"),
        product: Some(row.get("product")),
    }))
}
