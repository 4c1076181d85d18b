//! One line of the audit trail as the UI shows it.

use serde::{Deserialize, Serialize};

/// Times arrive formatted by the server, so the browser bundle carries no date library.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}
