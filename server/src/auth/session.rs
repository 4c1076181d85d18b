//! What the session holds between requests. Sessions live in Postgres (tower-sessions),
//! so any replica can serve any request.

use serde::{Deserialize, Serialize};

use crate::aws::Identity;

/// Key of the signed-in person in the session.
pub const USER_KEY: &str = "meshgate.user";
/// Key of a sign-in that has gone to the IdP and not come back yet.
pub const PENDING_KEY: &str = "meshgate.pending_sign_in";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// Where to go after sign-in: always a path on this site.
    pub next: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SignedIn {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    /// Group names from the IdP's groups claim at sign-in; roles come from Identity
    /// Center's groups instead (`identity.group_names`), these only explain differences.
    pub groups: Vec<String>,
    pub identity: Identity,
    /// Kept for the IdP's end-session endpoint (`id_token_hint`); never sent to the browser.
    pub id_token: String,
    /// Unix seconds.
    pub signed_in_at: i64,
    /// When `identity` was last read from AWS, unix seconds.
    pub checked_at: i64,
}
