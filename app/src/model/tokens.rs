//! Personal access tokens for the `/api/v1` API and the `meshgate` command line.

use serde::{Deserialize, Serialize};

use super::Role;

/// What a token may be used for. A token never does more than its owner's roles allow at
/// the moment of use; scopes narrow that further.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Read what the owner can read: projects, catalog, access, inbox, rules, audit log.
    Read,
    /// Request, promote, retire projects and change their members; describe and publish
    /// their assets.
    Projects,
    /// Ask for access to data, extend and cancel it.
    Subscriptions,
    /// Decide the subscription and project requests the owner may decide.
    Decide,
    /// Platform admins' reports.
    Admin,
}

impl TokenScope {
    pub const ALL: [TokenScope; 5] = [Self::Read, Self::Projects, Self::Subscriptions, Self::Decide, Self::Admin];

    /// The name used on the wire and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Projects => "projects",
            Self::Subscriptions => "subscriptions",
            Self::Decide => "decide",
            Self::Admin => "admin",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn description(self) -> &'static str {
        match self {
            Self::Read => "Read projects, the catalog, your access, the inbox, rules and the audit log",
            Self::Projects => "Request, promote and retire projects; change members; describe and publish assets",
            Self::Subscriptions => "Ask for access to data; extend and cancel it",
            Self::Decide => "Decide the subscription and project requests you may decide",
            Self::Admin => "Read the platform reports",
        }
    }

    /// The role a person needs to give a token this scope. Who may decide a request is
    /// settled per request (a unit's owners approve its projects, whoever is a team lead), so
    /// any signed-in person may give `decide`; the portal still refuses what is not theirs.
    pub fn needs(self) -> Role {
        match self {
            Self::Read | Self::Projects | Self::Subscriptions | Self::Decide => Role::TeamLead,
            Self::Admin => Role::Admin,
        }
    }
}

/// A token as its owner sees it; the secret itself is never shown again after creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub scopes: Vec<TokenScope>,
    /// The secret's first characters, to tell tokens apart.
    pub prefix: String,
    /// RFC 3339 times.
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Expired or revoked.
    pub usable: bool,
}

/// The tokens page: the caller's tokens, newest first, and what they may create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TokensPage {
    pub tokens: Vec<ApiToken>,
    /// The scopes the caller's roles allow.
    pub allowed_scopes: Vec<TokenScope>,
    /// The longest life an admin allows a token, in days.
    pub max_days: u32,
}

/// A new token: a name unique among the caller's live tokens, 1..=5 scopes, a life in days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewToken {
    pub name: String,
    pub scopes: Vec<TokenScope>,
    pub days: u32,
}

/// The longest token name, in characters.
pub const TOKEN_NAME_MAX: usize = 64;

impl NewToken {
    /// What is wrong with the form, as `(field, message)`, or `None`.
    pub fn problem(&self, allowed: &[TokenScope], max_days: u32) -> Option<(&'static str, String)> {
        let name = self.name.trim();
        if name.is_empty() {
            return Some(("name", "Give the token a name, such as the pipeline that will use it.".into()));
        }
        if name.chars().count() > TOKEN_NAME_MAX {
            return Some(("name", format!("Keep the name to {TOKEN_NAME_MAX} characters or fewer.")));
        }
        if self.scopes.is_empty() {
            return Some(("scopes", "Choose at least one scope.".into()));
        }
        if let Some(scope) = self.scopes.iter().find(|s| !allowed.contains(s)) {
            return Some((
                "scopes",
                format!("Your roles do not allow the {} scope (it needs {}).", scope.name(), scope.needs().label()),
            ));
        }
        if self.days == 0 || self.days > max_days {
            return Some(("days", format!("Choose a life of 1 to {max_days} days.")));
        }
        None
    }
}

/// A token just made: shown once, with its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct CreatedToken {
    pub token: ApiToken,
    pub secret: String,
}

/// The `/api/v1` reference the developers page shows, read from the OpenAPI document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiReference {
    pub operations: Vec<ApiOperation>,
}

/// One call of the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    /// `GET` or `POST`.
    pub method: String,
    pub path: String,
    pub summary: String,
    /// The group it belongs to (projects, catalog, access, decisions, admin, people).
    pub tag: String,
    /// The token scope it needs.
    pub scope: String,
    /// `name (where): description`, for path and query parameters.
    pub parameters: Vec<String>,
    /// The request body's schema name, for POSTs.
    pub body: Option<String>,
    /// The success status and its body's schema name.
    pub answer: String,
}

/// A CI/CD pipeline allowed to call `/api/v1` with the OIDC ID token its job is given
/// (GitLab CI `id_tokens`, GitHub Actions `id-token: write`), so no secret is stored in the
/// pipeline. Admins bind an issuer, a repository and a ref pattern to a product; the
/// pipeline then acts for the person named, with that person's roles at the moment of use
/// narrowed by the scopes, and may request and change only that product's projects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PipelineBinding {
    pub id: String,
    pub name: String,
    /// The ID tokens' `iss`: `https://gitlab.example.com`, `https://token.actions.githubusercontent.com`.
    pub issuer: String,
    /// GitLab's `project_path` or GitHub's `repository` claim: `data/sales-orders`.
    pub repository: String,
    /// The full git ref the job runs for: `refs/heads/main`, `refs/tags/v*` (`*` at the end
    /// matches any rest).
    pub ref_pattern: String,
    pub product: String,
    /// The username the pipeline acts for.
    pub acts_for: String,
    pub scopes: Vec<TokenScope>,
    pub created_by: String,
    /// RFC 3339 times.
    pub created_at: String,
    pub last_used_at: Option<String>,
}

/// The pipelines page: the live bindings and the audience their ID tokens must name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PipelinesPage {
    pub bindings: Vec<PipelineBinding>,
    /// The `aud` a job's ID token must carry: the portal's address.
    pub audience: String,
}

/// A new pipeline binding, as an admin fills it in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct PipelineBindingForm {
    pub name: String,
    pub issuer: String,
    pub repository: String,
    pub ref_pattern: String,
    pub product: String,
    pub acts_for: String,
    pub scopes: Vec<TokenScope>,
}

/// The longest issuer address, repository path and ref pattern, in characters.
pub const PIPELINE_TEXT_MAX: usize = 256;

impl PipelineBindingForm {
    /// What is wrong with the form, as `(field, message)`, or `None`. The issuer's address
    /// is checked further by the server, which reads its discovery document.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let too_long = |value: &str| value.chars().count() > PIPELINE_TEXT_MAX;
        let name = self.name.trim();
        if name.is_empty() {
            return Some(("name", "Name the pipeline, such as “sales-orders deploy”.".into()));
        }
        if name.chars().count() > TOKEN_NAME_MAX {
            return Some(("name", format!("Keep the name to {TOKEN_NAME_MAX} characters or fewer.")));
        }
        let issuer = self.issuer.trim();
        let https = issuer.starts_with("https://");
        // Plain http only for a test issuer on this machine (the server checks the host exactly).
        let local = ["http://127.0.0.1:", "http://localhost:", "http://[::1]:"].iter().any(|p| issuer.starts_with(p));
        if !(https || local) || too_long(issuer) || issuer.contains(char::is_whitespace) {
            return Some((
                "issuer",
                "Enter the issuer's https address, such as https://gitlab.example.com or \
                 https://token.actions.githubusercontent.com."
                    .into(),
            ));
        }
        let repository = self.repository.trim();
        if repository.is_empty() || too_long(repository) || !repository.contains('/') {
            return Some(("repository", "Enter the project path or repository, such as data/sales-orders.".into()));
        }
        let pattern = self.ref_pattern.trim();
        if !pattern.starts_with("refs/")
            || too_long(pattern)
            || pattern.strip_suffix('*').unwrap_or(pattern).contains('*')
        {
            return Some((
                "ref_pattern",
                "Enter a full git ref such as refs/heads/main; a * may end it (refs/tags/v*).".into(),
            ));
        }
        if let Some(message) = super::name_problem(&self.product, "product name", 64) {
            return Some(("product", message));
        }
        if self.acts_for.trim().is_empty() || too_long(&self.acts_for) {
            return Some(("acts_for", "Enter the username of the person the pipeline acts for.".into()));
        }
        if self.scopes.is_empty() {
            return Some(("scopes", "Choose at least one scope.".into()));
        }
        None
    }
}

/// Whether a git ref matches a binding's pattern: equal, or the pattern ends in `*` and the
/// ref starts with the rest.
pub fn ref_matches(pattern: &str, git_ref: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => git_ref.starts_with(prefix),
        None => pattern == git_ref,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> PipelineBindingForm {
        PipelineBindingForm {
            name: "deploy".into(),
            issuer: "https://gitlab.example.com".into(),
            repository: "data/sales".into(),
            ref_pattern: "refs/heads/main".into(),
            product: "Sales".into(),
            acts_for: "frank".into(),
            scopes: vec![TokenScope::Read],
        }
    }

    #[test]
    fn a_binding_form_checks_its_issuer_and_ref_pattern() {
        assert_eq!(form().problem(), None);
        let with = |issuer: &str, pattern: &str| {
            PipelineBindingForm { issuer: issuer.into(), ref_pattern: pattern.into(), ..form() }.problem().map(|p| p.0)
        };
        assert_eq!(with("http://gitlab.example.com", "refs/heads/main"), Some("issuer"));
        assert_eq!(with("http://localhost.evil.example", "refs/heads/main"), Some("issuer"));
        assert_eq!(with("http://127.0.0.1:8080", "refs/tags/v*"), None);
        assert_eq!(with("https://gitlab.example.com", "refs/heads/é"), None, "a pattern of any letters");
        assert_eq!(with("https://gitlab.example.com", "refs/*/main"), Some("ref_pattern"));
        assert!(ref_matches("refs/tags/v*", "refs/tags/v1.2") && !ref_matches("refs/tags/v*", "refs/heads/v1"));
    }
}
