//! `/auth/login`, `/auth/callback` and `/auth/logout`: the browser's side of OIDC sign-in.

use std::sync::Arc;

use app::model::local_path;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use chrono::Utc;
use serde::Deserialize;
use tower_sessions::cookie::time::Duration as SessionDuration;
use tower_sessions::{Expiry, Session};

use super::oidc::SignInError;
use super::session::{PendingSignIn, SignedIn, PENDING_KEY};
use super::{AuthService, USER_KEY};
use crate::error::{request_id, AppError};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", get(login))
        .route("/auth/callback", get(callback))
        .route("/auth/logout", post(logout))
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

/// How long a started sign-in waits for the IdP's answer before its session row goes.
const PENDING_MINUTES: i64 = 10;

/// Starts a sign-in. Its state waits in a session row that lives ten minutes unless the
/// sign-in completes; sign-ins started per minute, across all replicas, are capped by a
/// token bucket in Postgres (`sign_in_starts_per_minute`, also the burst),
/// so anonymous clients cannot grow the sessions table without bound.
async fn login(State(auth): State<Arc<AuthService>>, session: Session, Query(query): Query<LoginQuery>) -> Response {
    // A token bucket rather than a count per calendar minute: a burst that straddles a
    // minute boundary is held to the same cap as one inside a minute.
    let per_minute = auth.sign_in_starts_per_minute;
    match crate::jobs::rate::take(&auth.pool, "sign_in_start", per_minute / 60.0, per_minute).await {
        Ok(Err(_)) => {
            tracing::warn!(per_minute, "sign-ins refused: too many started in the last minute");
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, "60")],
                "Too many sign-ins are starting right now. Try again in a minute.",
            )
                .into_response();
        }
        Ok(Ok(())) => {}
        Err(error) => return failed(&SignInError::Unavailable(error.to_string())),
    }
    let next = local_path(query.next.as_deref());
    match auth.oidc.begin(next).await {
        Ok((url, pending)) => {
            session.set_expiry(Some(Expiry::OnInactivity(SessionDuration::minutes(PENDING_MINUTES))));
            match session.insert(PENDING_KEY, &pending).await {
                Ok(()) => Redirect::to(&url).into_response(),
                Err(error) => failed(&SignInError::Unavailable(error.to_string())),
            }
        }
        Err(error) => failed(&error),
    }
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

async fn callback(
    State(auth): State<Arc<AuthService>>,
    session: Session,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let request_id = request_id(&headers);
    // Taking the pending sign-in out of the session makes every callback single-use.
    let pending = match session.remove::<PendingSignIn>(PENDING_KEY).await {
        Ok(pending) => pending,
        Err(error) => return failed(&SignInError::Unavailable(error.to_string())),
    };
    let Some(pending) = pending.filter(|p| query.state.as_deref().is_some_and(|s| constant_time_eq(s, &p.state)))
    else {
        return failed(&SignInError::State);
    };
    if let Some(error) = query.error {
        let detail = query.error_description.map_or(error.clone(), |d| format!("{error}: {d}"));
        return failed(&SignInError::Refused(detail));
    }
    let Some(code) = query.code else { return failed(&SignInError::Refused("no code".into())) };
    let person = match auth.oidc.finish(&pending, code).await {
        Ok(person) => person,
        Err(error) => return failed(&error),
    };
    match complete(&auth, &session, person, request_id).await {
        Ok(Completed::Signed) => Redirect::to(&pending.next).into_response(),
        // The sign-in page says why, then leads on to where the person was going.
        Ok(Completed::FewerRoles) => {
            let next = url::form_urlencoded::byte_serialize(pending.next.as_bytes()).collect::<String>();
            Redirect::to(&format!("/sign-in?notice=fewer_roles&next={next}")).into_response()
        }
        Ok(Completed::Unknown) => Redirect::to("/sign-in?error=unknown_user").into_response(),
        Err(error) => {
            tracing::error!(%error, "sign-in could not be completed");
            Redirect::to("/sign-in?error=unavailable").into_response()
        }
    }
}

/// How a sign-in ended.
enum Completed {
    Signed,
    /// Signed in, with fewer roles than the ID token's groups suggest.
    FewerRoles,
    /// Identity Center does not know the person.
    Unknown,
}

/// Maps the person to their AWS identities and starts the session under a new id.
async fn complete(
    auth: &AuthService,
    session: &Session,
    person: super::oidc::Person,
    request_id: Option<&str>,
) -> Result<Completed, AppError> {
    let Some(identity) = auth.aws.find_identity(&person.username, person.email.as_deref()).await? else {
        tracing::warn!(username = %person.username, "signed in at the IdP but unknown to IAM Identity Center");
        auth.audit(
            &person.username,
            "auth.sign_in_refused",
            &person.username,
            serde_json::json!({ "reason": "unknown to IAM Identity Center" }),
            request_id,
        )
        .await?;
        return Ok(Completed::Unknown);
    };
    let now = Utc::now().timestamp();
    let signed_in = SignedIn {
        username: person.username,
        display_name: person.display_name,
        email: person.email,
        groups: person.groups,
        identity,
        id_token: person.id_token,
        signed_in_at: now,
        checked_at: now,
    };
    // A new id at sign-in: a session id planted before sign-in is worthless after it. The
    // session now lives as long as the person keeps using it.
    session.cycle_id().await?;
    session.set_expiry(Some(Expiry::OnInactivity(SessionDuration::minutes(auth.session_idle_minutes))));
    session.insert(USER_KEY, &signed_in).await?;
    let roles: Vec<&str> = auth.roles.roles_of(&signed_in).into_iter().map(app::model::Role::label).collect();
    let unconfirmed = auth.roles.unconfirmed_role_groups(&signed_in.groups, &signed_in);
    if !unconfirmed.is_empty() {
        tracing::warn!(
            username = %signed_in.username,
            groups = ?unconfirmed,
            "the ID token names role groups Identity Center does not list for this person: no role from them"
        );
    }
    auth.audit(
        &signed_in.username,
        "auth.signed_in",
        &signed_in.username,
        serde_json::json!({ "roles": roles, "unconfirmed_role_groups": unconfirmed }),
        request_id,
    )
    .await?;
    tracing::info!(username = %signed_in.username, "signed in");
    Ok(if unconfirmed.is_empty() { Completed::Signed } else { Completed::FewerRoles })
}

async fn logout(State(auth): State<Arc<AuthService>>, session: Session, headers: HeaderMap) -> Response {
    let request_id = request_id(&headers);
    let person = session.get::<SignedIn>(USER_KEY).await.ok().flatten();
    if let Err(error) = session.flush().await {
        tracing::error!(%error, "could not end the session");
        return Redirect::to("/sign-in?error=unavailable").into_response();
    }
    let Some(person) = person else { return Redirect::to("/signed-out").into_response() };
    if let Err(error) =
        auth.audit(&person.username, "auth.signed_out", &person.username, serde_json::json!({}), request_id).await
    {
        tracing::warn!(%error, "could not record a sign-out");
    }
    match auth.oidc.end_session_url(&person.id_token).await {
        Some(url) => Redirect::to(&url).into_response(),
        None => Redirect::to("/signed-out").into_response(),
    }
}

fn failed(error: &SignInError) -> Response {
    tracing::warn!(%error, "sign-in failed");
    Redirect::to(&format!("/sign-in?error={}", error.code())).into_response()
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
