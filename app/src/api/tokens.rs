//! Personal access tokens: listed, made and revoked by their owner in a signed-in browser
//! (a token cannot make or revoke tokens).

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::model::{
    ApiError, ApiReference, CreatedToken, NewToken, PipelineBinding, PipelineBindingForm, PipelinesPage, TokensPage,
};

#[cfg(feature = "ssr")]
use super::ports::{require, respond, services};
#[cfg(feature = "ssr")]
use crate::model::{Caller, Role};

/// The signed-in person in a browser with `role`; tokens and pipelines are managed only
/// there, never with a token.
#[cfg(feature = "ssr")]
async fn browser_caller(role: Role) -> Result<Caller, ApiError> {
    let caller = require(role).await?;
    if caller.token.is_some() {
        return respond(Err(ApiError::Forbidden));
    }
    Ok(caller)
}

/// The caller's tokens, newest first, with the scopes and life they may give a new one.
#[server(endpoint = "my_tokens")]
pub async fn my_tokens() -> Result<TokensPage, ApiError> {
    let caller = browser_caller(Role::TeamLead).await?;
    respond(services()?.tokens.page(&caller).await)
}

/// Makes a token; the answer carries its secret, which is never shown again.
#[server(endpoint = "create_token", input = Json)]
pub async fn create_token(form: NewToken) -> Result<CreatedToken, ApiError> {
    let caller = browser_caller(Role::TeamLead).await?;
    respond(services()?.tokens.create(&caller, form).await)
}

/// Revokes one of the caller's tokens at once.
#[server(endpoint = "revoke_token")]
pub async fn revoke_token(id: String) -> Result<(), ApiError> {
    let caller = browser_caller(Role::TeamLead).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX)]))?;
    respond(services()?.tokens.revoke(&caller, &id).await)
}

/// The CI/CD pipelines that may call the API with their jobs' OIDC ID tokens (admins, in a
/// browser).
#[server(endpoint = "pipeline_bindings")]
pub async fn pipeline_bindings() -> Result<PipelinesPage, ApiError> {
    let caller = browser_caller(Role::Admin).await?;
    respond(services()?.tokens.pipelines(&caller).await)
}

/// Lets a pipeline call the API: its issuer, repository and ref pattern, the product it
/// works on, the person it acts for and its scopes. Reads the issuer's
/// `/.well-known/openid-configuration`; 422 when it cannot be read or the person is unknown.
#[server(endpoint = "bind_pipeline", input = Json)]
pub async fn bind_pipeline(form: PipelineBindingForm) -> Result<PipelineBinding, ApiError> {
    let caller = browser_caller(Role::Admin).await?;
    respond(services()?.tokens.bind_pipeline(&caller, form).await)
}

/// Stops a pipeline binding at once: ID tokens that matched it are refused from now on.
#[server(endpoint = "unbind_pipeline")]
pub async fn unbind_pipeline(id: String) -> Result<(), ApiError> {
    let caller = browser_caller(Role::Admin).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX)]))?;
    respond(services()?.tokens.unbind_pipeline(&caller, &id).await)
}

/// The API's operations, for the developers page; anyone may read it (it holds no data).
#[server(endpoint = "api_reference")]
#[allow(clippy::unused_async)] // a server function is async whether or not it waits
pub async fn load_api_reference() -> Result<ApiReference, ApiError> {
    Ok(services()?.api_reference.as_ref().clone())
}
