//! The signed-in person as the UI and the guard see them, with the roles computed for
//! this request.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum Role {
    /// Any signed-in person known to IAM Identity Center.
    TeamLead,
    /// Member of a steward group, or owner of a project that publishes assets.
    Steward,
    /// Member of a configured platform-admin group.
    Admin,
}

impl Role {
    pub fn label(self) -> &'static str {
        match self {
            Self::TeamLead => "Team lead",
            Self::Steward => "Data steward",
            Self::Admin => "Platform admin",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Caller {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub roles: Vec<Role>,
    /// DataZone user profile id; server side only.
    #[serde(skip)]
    pub user_id: String,
    /// Identity Center group ids; server side only.
    #[serde(skip)]
    pub group_ids: Vec<String>,
    /// Ids of the domain units the person's steward groups govern; server side only.
    #[serde(skip)]
    pub steward_units: Vec<String>,
    /// Projects the person owns that publish assets; server side only.
    #[serde(skip)]
    pub publishing_projects: Vec<String>,
    /// Every project the person belonged to when their identity was last read (within
    /// `identity_cache_seconds`): for marks pages show, never for authority; server side only.
    #[serde(skip)]
    pub member_projects: Vec<String>,
    /// Unread entries of the person's notification list (filled by `who_am_i`).
    #[serde(default)]
    pub unread_notifications: u32,
    /// Why the person has fewer roles than their sign-in suggests (their ID token names
    /// role groups IAM Identity Center does not list them in), for the sign-in page.
    #[serde(default)]
    pub role_note: Option<String>,
    /// The personal access token the call came with (`/api/v1`), or `pipeline <name>` for a
    /// CI/CD job's ID token; absent for a signed-in browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

impl Caller {
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    /// Whether a DataZone principal id (a member, an owner, a grantee) is the caller's user
    /// or one of their groups.
    pub fn is_or_in(&self, principal_id: &str) -> bool {
        self.user_id == principal_id || self.group_ids.iter().any(|g| g == principal_id)
    }
}
