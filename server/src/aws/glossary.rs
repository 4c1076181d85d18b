//! The business glossary: terms found by text, one term with its relations, and the
//! assets that carry it.

use app::model::{TermAsset, TermSummary};
use aws_sdk_datazone::types::{Filter, FilterClause, InventorySearchScope, SearchInventoryResultItem};

use super::{upstream, Aws};
use crate::error::AppError;

/// A term as GetGlossaryTerm describes it.
pub struct Term {
    pub summary: TermSummary,
    pub long_description: String,
    /// Ids of the terms this one is a kind of, and of the terms it classifies.
    pub related: Vec<String>,
}

impl Aws {
    /// Terms whose name or description match `text` (every term when empty), by name
    /// (Search in the GLOSSARY_TERM scope), reused for `read_cache_seconds` per text.
    pub async fn search_terms(&self, text: &str) -> Result<Vec<TermSummary>, AppError> {
        let found = super::cached(self.caches.terms.as_ref(), text.to_owned(), Box::pin(self.read_terms(text))).await?;
        Ok(found.as_ref().clone())
    }

    async fn read_terms(&self, text: &str) -> Result<Vec<TermSummary>, AppError> {
        let mut search = self
            .datazone
            .search()
            .domain_identifier(&self.domain_id)
            .search_scope(InventorySearchScope::GlossaryTerm)
            .max_results(50);
        if !text.is_empty() {
            search = search.search_text(text);
        }
        let found = search.send().await.map_err(|e| upstream("Search", e))?;
        let mut terms: Vec<TermSummary> = found
            .items()
            .iter()
            .filter_map(|item| match item {
                SearchInventoryResultItem::GlossaryTermItem(t) => Some(TermSummary {
                    id: t.id().to_owned(),
                    name: t.name().to_owned(),
                    short_description: t.short_description().unwrap_or_default().to_owned(),
                    glossary_id: t.glossary_id().to_owned(),
                }),
                _ => None,
            })
            .collect();
        terms.sort_by_key(|t| t.name.to_lowercase());
        Ok(terms)
    }

    pub async fn term(&self, id: &str) -> Result<Term, AppError> {
        let term =
            self.datazone.get_glossary_term().domain_identifier(&self.domain_id).identifier(id).send().await.map_err(
                |e| match upstream("GetGlossaryTerm", e) {
                    AppError::Upstream { code, .. } if code == "ResourceNotFoundException" => {
                        AppError::NotFound("Glossary term".into())
                    }
                    other => other,
                },
            )?;
        let related =
            term.term_relations().map(|r| r.is_a().iter().chain(r.classifies()).cloned().collect()).unwrap_or_default();
        Ok(Term {
            summary: TermSummary {
                id: term.id().to_owned(),
                name: term.name().to_owned(),
                short_description: term.short_description().unwrap_or_default().to_owned(),
                glossary_id: term.glossary_id().to_owned(),
            },
            long_description: term.long_description().unwrap_or_default().to_owned(),
            related,
        })
    }

    pub async fn glossary_name(&self, id: &str) -> Result<String, AppError> {
        let glossary = self
            .datazone
            .get_glossary()
            .domain_identifier(&self.domain_id)
            .identifier(id)
            .send()
            .await
            .map_err(|e| upstream("GetGlossary", e))?;
        Ok(glossary.name().to_owned())
    }

    /// Assets in the inventory that carry the term.
    pub async fn assets_with_term(&self, term: &str) -> Result<Vec<TermAsset>, AppError> {
        let filter = Filter::builder()
            .attribute("glossaryTerms")
            .value(term)
            .build()
            .map_err(|e| AppError::invalid("term", e.to_string()))?;
        let found = self
            .datazone
            .search()
            .domain_identifier(&self.domain_id)
            .search_scope(InventorySearchScope::Asset)
            .filters(FilterClause::Filter(filter))
            .max_results(50)
            .send()
            .await
            .map_err(|e| upstream("Search", e))?;
        Ok(found
            .items()
            .iter()
            .filter_map(|item| match item {
                SearchInventoryResultItem::AssetItem(a) => Some(TermAsset {
                    id: a.identifier().to_owned(),
                    name: a.name().to_owned(),
                    asset_type: a.type_identifier().to_owned(),
                    description: a.description().unwrap_or_default().to_owned(),
                }),
                _ => None,
            })
            .collect())
    }
}
