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

/// Accepts only a path on this site as a place to return to, so sign-in cannot be used to
/// send people elsewhere. `next` is read the way a browser reads a `Location` (the WHATWG
/// URL parser: tabs and newlines dropped, `\` as `/`), and kept only when it stays on this
/// origin and outside `/auth/`; what is returned is that parsed path and query, so the
/// browser follows exactly what was checked. Anything else returns to `/`.
pub fn local_path(next: Option<&str>) -> String {
    const HERE: &str = "http://meshgate.invalid/";
    let base = url::Url::parse(HERE).expect("a valid base URL");
    let Some(next) = next.filter(|n| n.starts_with(['/', '\\'])) else { return "/".to_owned() };
    match base.join(next) {
        Ok(url) if url.origin() == base.origin() && !url.path().starts_with("/auth/") => {
            url.query().map_or_else(|| url.path().to_owned(), |query| format!("{}?{query}", url.path()))
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn sign_in_returns_only_to_paths_on_this_site() {
        for (next, expected) in [
            ("/catalog?q=churn", "/catalog?q=churn"),
            ("/inbox", "/inbox"),
            ("/%09/evil.example", "/%09/evil.example"),
            ("/a/../b", "/b"),
        ] {
            assert_eq!(local_path(Some(next)), expected, "{next:?}");
        }
        for next in [
            "//evil.example",
            "/\t/evil.example",
            "/\r/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "\\\\evil.example",
            "/\t\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "/auth/login?next=//evil.example",
            "",
        ] {
            assert_eq!(local_path(Some(next)), "/", "{next:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
