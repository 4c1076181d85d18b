//! The business glossary, read from DataZone.

use app::api::ports::Glossary;
use app::model::{ApiError, TermDetail, TermSummary};
use async_trait::async_trait;

use crate::aws::Aws;

pub struct GlossaryService {
    pub aws: Aws,
}

#[async_trait]
impl Glossary for GlossaryService {
    async fn terms(&self, query: &str) -> Result<Vec<TermSummary>, ApiError> {
        Ok(self.aws.search_terms(query).await?)
    }

    async fn term(&self, id: &str) -> Result<TermDetail, ApiError> {
        let term = self.aws.term(id.trim()).await?;
        let (glossary_name, assets) =
            tokio::try_join!(self.aws.glossary_name(&term.summary.glossary_id), self.aws.assets_with_term(id.trim()))?;
        let mut related = Vec::new();
        for other in &term.related {
            related.push(self.aws.term(other).await?.summary);
        }
        Ok(TermDetail { term: term.summary, glossary_name, long_description: term.long_description, related, assets })
    }
}
