//! The overview's description of the domain, straight from DataZone.

use app::api::ports::Domain;
use app::model::{ApiError, DomainInfo};
use async_trait::async_trait;

use crate::aws::Aws;

pub struct DomainDescription {
    pub aws: Aws,
}

#[async_trait]
impl Domain for DomainDescription {
    async fn describe(&self) -> Result<DomainInfo, ApiError> {
        Ok(self.aws.describe_domain().await?)
    }
}
