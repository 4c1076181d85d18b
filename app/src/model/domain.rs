//! The DataZone domain the portal manages, as people see it.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct DomainInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub region: String,
    pub status: String,
    /// The SageMaker Unified Studio portal of the domain, when DataZone reports one.
    pub portal_url: Option<String>,
}
