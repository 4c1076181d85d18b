//! Describes the DataZone domain for the overview page.

use leptos::prelude::*;

use crate::model::{ApiError, DomainInfo};

#[server(endpoint = "describe_domain")]
pub async fn describe_domain() -> Result<DomainInfo, ApiError> {
    let services = super::ports::services()?;
    super::ports::respond(services.domain.describe().await)
}
