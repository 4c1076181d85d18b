//! What platform admins see and change: domain units, who may create projects from which
//! profile where, per-unit approval settings, and project profiles.

use serde::{Deserialize, Serialize};

use crate::model::{Environment, Principal};

/// A CREATE_PROJECT_FROM_PROJECT_PROFILE grant, on the unit itself or inherited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProfileGrantView {
    /// The unit the grant is made on.
    pub unit_id: String,
    pub unit_name: String,
    /// `*` (every user), `user:ID` or `group:ID`.
    pub principal: String,
    pub principal_name: String,
    pub profile_ids: Vec<String>,
    pub profile_names: Vec<String>,
    pub include_children: bool,
    /// Made on an ancestor and reaching this unit through `include_children`.
    pub inherited: bool,
    pub created_by: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProfileSummary {
    pub id: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
    /// The environments the request form maps to this profile.
    pub environments: Vec<Environment>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UnitDetail {
    pub id: String,
    pub name: String,
    pub path: String,
    pub description: String,
    pub parent_id: Option<String>,
    pub owners: Vec<Principal>,
    pub children: Vec<(String, String)>,
    pub grants: Vec<ProfileGrantView>,
    pub profiles: Vec<ProfileSummary>,
    pub auto_approve_dev: bool,
    /// Whether stewards may decide requests they made or for projects they belong to, for
    /// this unit's assets (each such decision is marked in the audit trail).
    pub allow_self_decisions: bool,
    /// Projects in the unit that the portal knows of (requests not cancelled, rejected or retired).
    pub live_projects: usize,
}

/// A grant to add on a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewProfileGrant {
    pub unit_id: String,
    /// `*`, `user:ID` or `group:ID`.
    pub principal: String,
    pub profile_ids: Vec<String>,
    pub include_children: bool,
}

/// A glossary term in lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TermSummary {
    pub id: String,
    pub name: String,
    pub short_description: String,
    pub glossary_id: String,
}

/// An asset carrying a glossary term.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TermAsset {
    pub id: String,
    pub name: String,
    pub asset_type: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct TermDetail {
    pub term: TermSummary,
    pub glossary_name: String,
    pub long_description: String,
    pub related: Vec<TermSummary>,
    pub assets: Vec<TermAsset>,
}
