//! Describes the DataZone domain for the overview page.

use leptos::prelude::*;

use crate::model::{ApiError, DomainInfo};

#[server(endpoint = "describe_domain")]
pub async fn describe_domain() -> Result<DomainInfo, ApiError> {
    super::ports::require(crate::model::Role::TeamLead).await?;
    let services = super::ports::services()?;
    super::ports::respond(services.domain.describe().await)
}
