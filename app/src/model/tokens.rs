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
    /// Request, promote, retire projects and change their members.
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
            Self::Projects => "Request, promote and retire projects; change members",
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
