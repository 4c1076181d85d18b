//! `access_terms`: what producing teams promise about access to their assets and products.

use app::model::AccessTerms;
use sqlx::{PgExecutor, Row};

fn days(value: Option<i32>) -> Option<u32> {
    value.and_then(|d| u32::try_from(d).ok())
}

/// The entity's terms, or the standard ones when none were set.
pub async fn get(db: impl PgExecutor<'_>, entity_id: &str) -> Result<AccessTerms, sqlx::Error> {
    let row = sqlx::query("SELECT approval_required, default_days, max_days FROM access_terms WHERE entity_id = $1")
        .bind(entity_id)
        .fetch_optional(db)
        .await?;
    Ok(row.map_or_else(
        || AccessTerms::standard(entity_id),
        |r| AccessTerms {
            entity_id: entity_id.to_owned(),
            approval_required: r.get("approval_required"),
            default_days: days(r.get("default_days")),
            max_days: days(r.get("max_days")),
        },
    ))
}

/// Sets the entity's terms (checked by [`AccessTerms::problem`] before).
pub async fn put(db: impl PgExecutor<'_>, terms: &AccessTerms, actor: &str) -> Result<(), sqlx::Error> {
    let as_int = |d: Option<u32>| d.and_then(|d| i32::try_from(d).ok());
    sqlx::query(
        "INSERT INTO access_terms (entity_id, approval_required, default_days, max_days, updated_by) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (entity_id) DO UPDATE SET approval_required = $2, default_days = $3, max_days = $4, \
         updated_by = $5, updated_at = now()",
    )
    .bind(&terms.entity_id)
    .bind(terms.approval_required)
    .bind(as_int(terms.default_days))
    .bind(as_int(terms.max_days))
    .bind(actor)
    .execute(db)
    .await?;
    Ok(())
}
