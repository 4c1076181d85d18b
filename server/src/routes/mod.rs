//! Plain HTTP endpoints beside the Leptos pages (health, readiness) and the browser
//! protections around all of them.

pub mod audit;
pub mod health;
pub mod reports;
pub mod security;

/// The signed-in platform admin behind a plain route (the CSV exports), or the answer to
/// give anyone else.
pub(crate) async fn signed_in_admin(
    auth: &crate::auth::AuthService,
    session: &tower_sessions::Session,
) -> Result<crate::auth::SignedIn, axum::response::Response> {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let person = match auth.signed_in(session).await {
        Ok(Some(person)) => person,
        Ok(None) => return Err((StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response()),
        Err(error) => {
            tracing::warn!(%error, "cannot read the session");
            return Err(
                (StatusCode::SERVICE_UNAVAILABLE, "Meshgate can't reach its database right now.").into_response()
            );
        }
    };
    if !auth.caller_of(&person).has(app::model::Role::Admin) {
        return Err((StatusCode::FORBIDDEN, "You don't have permission to do that.").into_response());
    }
    Ok(person)
}
