//! The DataZone domain the portal serves: resolving it at start and describing it.

use app::model::DomainInfo;

use super::{upstream, Aws};
use crate::error::AppError;

/// Accepts the domain's id as is; looks a name up with ListDomains.
pub async fn resolve(client: &aws_sdk_datazone::Client, domain: &str) -> Result<String, AppError> {
    if domain.starts_with("dzd_") || domain.starts_with("dzd-") {
        return Ok(domain.to_owned());
    }
    let mut pages = client.list_domains().into_paginator().items().send();
    while let Some(summary) = pages.next().await {
        let summary = summary.map_err(|e| upstream("ListDomains", e))?;
        if summary.name() == domain {
            return Ok(summary.id().to_owned());
        }
    }
    Err(AppError::NotFound(format!("DataZone domain named {domain}")))
}

impl Aws {
    /// The domain as GetDomain describes it now.
    pub(super) async fn get_domain(
        &self,
    ) -> Result<aws_sdk_datazone::operation::get_domain::GetDomainOutput, AppError> {
        self.datazone.get_domain().identifier(&self.domain_id).send().await.map_err(|e| upstream("GetDomain", e))
    }

    /// What the portal tells people about the mesh it manages (GetDomain), reused for five
    /// minutes.
    pub async fn describe_domain(&self) -> Result<DomainInfo, AppError> {
        let read = Box::pin(async {
            let domain = self.get_domain().await?;
            Ok(DomainInfo {
                id: domain.id().to_owned(),
                name: domain.name().unwrap_or(domain.id()).to_owned(),
                description: domain.description().unwrap_or_default().to_owned(),
                region: self.region.clone(),
                status: domain.status().as_str().to_owned(),
                portal_url: domain.portal_url().map(str::to_owned),
            })
        });
        Ok(super::cached(self.caches.domain.as_ref(), (), read).await?.as_ref().clone())
    }
}
