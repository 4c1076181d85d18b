//! One line of the audit trail as the UI shows it.

use serde::{Deserialize, Serialize};

/// Times arrive formatted by the server, so the browser bundle carries no date library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339, for machines (`<time datetime>`).
    pub at: String,
    /// `YYYY-MM-DD HH:MM UTC`, for people.
    pub at_text: String,
    pub actor: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub request_id: Option<String>,
    /// How many more events straight after this one (older) had the same actor and action
    /// and were folded into it by the overview; 0 in the audit log.
    #[serde(default)]
    pub folded: u32,
}

/// The audit log's filters as the page and the CSV export take them: empty means "any".
/// Dates are `YYYY-MM-DD` (UTC), both ends included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, utoipa::IntoParams), into_params(parameter_in = Query))]
pub struct AuditQuery {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    /// Only events older than this id (the last one of the previous page).
    #[serde(default)]
    pub before: Option<i64>,
}

impl AuditQuery {
    /// The filters as URL query pairs, without the page cursor.
    pub fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("actor", &self.actor),
            ("action", &self.action),
            ("target", &self.target),
            ("from", &self.from),
            ("to", &self.to),
        ]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k, v.trim()))
        .collect()
    }
}

/// An audit event with what changed, for the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditRow {
    pub entry: AuditEntry,
    /// Pretty-printed JSON documents.
    pub before: Option<String>,
    pub after: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AuditLogPage {
    pub rows: Vec<AuditRow>,
    /// The cursor of the next (older) page, when there is one.
    pub next_before: Option<i64>,
}
