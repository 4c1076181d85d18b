//! Personal access tokens, made and revoked by their owner, and the CI/CD pipelines admins
//! let call the API with their jobs' ID tokens; each change is audited.

use app::api::ports::Tokens;
use std::sync::Arc;

use app::model::{
    ApiError, Caller, CreatedToken, NewToken, PipelineBinding, PipelineBindingForm, PipelinesPage, TokenScope,
    TokensPage,
};
use async_trait::async_trait;
use serde_json::json;
use sqlx::PgPool;

use super::audit_event;
use crate::error::AppError;
use crate::store::tokens;

pub struct TokenService {
    pub pool: PgPool,
    /// The longest life a token may have, in days (`token_max_days`).
    pub max_days: u32,
    /// Finds the person a pipeline acts for.
    pub aws: crate::aws::Aws,
    pub pipelines: Arc<crate::auth::pipeline::PipelineVerifier>,
}

/// The scopes `caller`'s roles allow on a token.
fn allowed(caller: &Caller) -> Vec<TokenScope> {
    TokenScope::ALL.into_iter().filter(|s| caller.has(s.needs())).collect()
}

#[async_trait]
impl Tokens for TokenService {
    async fn page(&self, caller: &Caller) -> Result<TokensPage, ApiError> {
        let tokens = tokens::of_owner(&self.pool, &caller.username).await.map_err(AppError::from)?;
        Ok(TokensPage { tokens, allowed_scopes: allowed(caller), max_days: self.max_days })
    }

    async fn create(&self, caller: &Caller, mut form: NewToken) -> Result<CreatedToken, ApiError> {
        form.scopes.sort();
        form.scopes.dedup();
        if let Some((field, message)) = form.problem(&allowed(caller), self.max_days) {
            return Err(AppError::invalid(field, message).into());
        }
        let name = form.name.trim();
        let secret = tokens::new_secret();
        let row = tokens::NewTokenRow {
            owner: &caller.username,
            owner_display_name: &caller.display_name,
            owner_email: caller.email.as_deref(),
            name,
            scopes: &form.scopes,
            days: form.days,
        };
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let Some(token) = tokens::insert(&mut *tx, &row, &secret).await.map_err(AppError::from)? else {
            return Err(AppError::invalid("name", format!("You already have a token named “{name}”.")).into());
        };
        let after = json!({ "name": token.name, "scopes": form.scopes, "expires_at": token.expires_at });
        audit_event(&mut *tx, &caller.username, "token.created", ("token", &token.id), None, Some(after)).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(CreatedToken { token, secret })
    }

    async fn revoke(&self, caller: &Caller, id: &str) -> Result<(), ApiError> {
        let Ok(id) = uuid::Uuid::parse_str(id.trim()) else {
            return Err(AppError::NotFound("The token".into()).into());
        };
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let Some(token) = tokens::revoke(&mut *tx, &caller.username, id).await.map_err(AppError::from)? else {
            return Err(AppError::NotFound("The token".into()).into());
        };
        let before = json!({ "name": token.name, "scopes": token.scopes });
        audit_event(&mut *tx, &caller.username, "token.revoked", ("token", &token.id), Some(before), None).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }

    async fn pipelines(&self, _caller: &Caller) -> Result<PipelinesPage, ApiError> {
        let bindings = tokens::bindings(&self.pool).await.map_err(AppError::from)?;
        Ok(PipelinesPage { bindings, audience: self.pipelines.audience.clone() })
    }

    async fn bind_pipeline(&self, caller: &Caller, mut form: PipelineBindingForm) -> Result<PipelineBinding, ApiError> {
        form.scopes.sort();
        form.scopes.dedup();
        if let Some((field, message)) = form.problem() {
            return Err(AppError::invalid(field, message).into());
        }
        if let Err(message) = self.pipelines.discover(form.issuer.trim()).await {
            return Err(AppError::invalid("issuer", format!("The issuer could not be used: {message}.")).into());
        }
        let username = form.acts_for.trim();
        if self.aws.find_identity(username, None).await?.is_none() {
            return Err(AppError::invalid("acts_for", format!("Identity Center has no user {username}.")).into());
        }
        let acts_for = tokens::ActsFor { username, display_name: username, email: None };
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let Some(binding) = tokens::bind(&mut *tx, &form, &acts_for, &caller.username).await.map_err(AppError::from)?
        else {
            let name = form.name.trim();
            return Err(AppError::invalid("name", format!("A pipeline named “{name}” is already bound.")).into());
        };
        let after = serde_json::to_value(&binding).unwrap_or_default();
        audit_event(&mut *tx, &caller.username, "pipeline.bound", ("pipeline", &binding.id), None, Some(after)).await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(binding)
    }

    async fn unbind_pipeline(&self, caller: &Caller, id: &str) -> Result<(), ApiError> {
        let Ok(id) = uuid::Uuid::parse_str(id.trim()) else {
            return Err(AppError::NotFound("The pipeline".into()).into());
        };
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let Some(binding) = tokens::unbind(&mut *tx, id).await.map_err(AppError::from)? else {
            return Err(AppError::NotFound("The pipeline".into()).into());
        };
        let before = serde_json::to_value(&binding).unwrap_or_default();
        audit_event(&mut *tx, &caller.username, "pipeline.unbound", ("pipeline", &binding.id), Some(before), None)
            .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }
}
