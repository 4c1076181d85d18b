//! A producing project's data products: the products it owns, one product as it stands,
//! new revisions of it, and where its listing stands in the catalog.

use aws_sdk_datazone::types::{
    ChangeAction, DataProductItem, DataProductItemType, EntityType, InventorySearchScope, SearchInventoryResultItem,
    SearchResultItem,
};

use super::{not_found, upstream, Aws};
use crate::error::AppError;

/// A data product as GetDataProduct describes its latest revision.
#[derive(Debug, Clone)]
pub struct ProductState {
    pub id: String,
    pub name: String,
    pub description: String,
    /// DataZone's revision string ("1", "2", ...).
    pub revision: String,
    pub owning_project_id: String,
    pub glossary_terms: Vec<String>,
    /// The assets it groups, by asset id.
    pub asset_ids: Vec<String>,
}

/// What a product revision says: name (1..64 characters), Markdown description (≤ 4,096;
/// empty for none) and the asset ids of its items (at least one).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProductContent {
    pub name: String,
    pub description: String,
    pub asset_ids: Vec<String>,
    pub glossary_terms: Vec<String>,
}

fn items(asset_ids: &[String]) -> Result<Vec<DataProductItem>, AppError> {
    asset_ids
        .iter()
        .map(|id| {
            DataProductItem::builder()
                .item_type(DataProductItemType::Asset)
                .identifier(id)
                .build()
                .map_err(|e| AppError::invalid("asset_ids", e.to_string()))
        })
        .collect()
}

impl Aws {
    /// The data products a project owns, by name, at most 50 (Search, DATA_PRODUCT scope,
    /// `owningProjectIdentifier`), read now: (id, name, description).
    pub async fn project_products(&self, project: &str) -> Result<Vec<(String, String, String)>, AppError> {
        let found = self
            .datazone
            .search()
            .domain_identifier(&self.domain_id)
            .search_scope(InventorySearchScope::DataProduct)
            .owning_project_identifier(project)
            .max_results(50)
            .send()
            .await
            .map_err(|e| upstream("Search", e))?;
        let mut products: Vec<(String, String, String)> = found
            .items()
            .iter()
            .filter_map(|item| match item {
                SearchInventoryResultItem::DataProductItem(p) => {
                    Some((p.id().to_owned(), p.name().to_owned(), p.description().unwrap_or_default().to_owned()))
                }
                _ => None,
            })
            .collect();
        products.sort_by_key(|p| p.1.to_lowercase());
        Ok(products)
    }

    /// The product's latest revision (GetDataProduct), read now; `NotFound` for an unknown id.
    pub async fn product_state(&self, id: &str) -> Result<ProductState, AppError> {
        let p = self
            .datazone
            .get_data_product()
            .domain_identifier(&self.domain_id)
            .identifier(id)
            .send()
            .await
            .map_err(|e| not_found(upstream("GetDataProduct", e), "Data product"))?;
        Ok(ProductState {
            id: p.id().to_owned(),
            name: p.name().to_owned(),
            description: p.description().unwrap_or_default().to_owned(),
            revision: p.revision().to_owned(),
            owning_project_id: p.owning_project_id().to_owned(),
            glossary_terms: p.glossary_terms().to_vec(),
            asset_ids: p.items().iter().map(|i| i.identifier().to_owned()).collect(),
        })
    }

    /// Creates a data product in `project` (CreateDataProduct); `token` makes a retry
    /// answer the same product. Answers its id.
    pub async fn create_product(
        &self,
        project: &str,
        content: &ProductContent,
        token: &str,
    ) -> Result<String, AppError> {
        let made = self
            .datazone
            .create_data_product()
            .domain_identifier(&self.domain_id)
            .owning_project_identifier(project)
            .name(&content.name)
            .set_description((!content.description.is_empty()).then(|| content.description.clone()))
            .set_glossary_terms((!content.glossary_terms.is_empty()).then(|| content.glossary_terms.clone()))
            .set_items(Some(items(&content.asset_ids)?))
            .client_token(token)
            .send()
            .await
            .map_err(|e| upstream("CreateDataProduct", e))?;
        Ok(made.id().to_owned())
    }

    /// Makes the next revision of the product (CreateDataProductRevision); `token` makes a
    /// retry answer the same revision. Answers the new revision.
    pub async fn revise_product(&self, id: &str, content: &ProductContent, token: &str) -> Result<String, AppError> {
        let revised = self
            .datazone
            .create_data_product_revision()
            .domain_identifier(&self.domain_id)
            .identifier(id)
            .name(&content.name)
            .set_description((!content.description.is_empty()).then(|| content.description.clone()))
            .set_glossary_terms((!content.glossary_terms.is_empty()).then(|| content.glossary_terms.clone()))
            .set_items(Some(items(&content.asset_ids)?))
            .client_token(token)
            .send()
            .await
            .map_err(|e| upstream("CreateDataProductRevision", e))?;
        Ok(revised.revision().to_owned())
    }

    /// The product's active listing in the catalog and the product revision it shows
    /// (SearchListings filtered on the entity id, read now), `None` when the catalog does
    /// not list it.
    pub async fn product_listing(&self, id: &str) -> Result<Option<(String, String)>, AppError> {
        let found = self
            .datazone
            .search_listings()
            .domain_identifier(&self.domain_id)
            .filters(super::subscriptions::filter("entityId", id)?)
            .max_results(5)
            .send()
            .await
            .map_err(|e| upstream("SearchListings", e))?;
        Ok(found.items().iter().find_map(|item| match item {
            SearchResultItem::DataProductListing(l) if l.entity_id() == Some(id) => Some((
                l.listing_id().unwrap_or_default().to_owned(),
                l.entity_revision().unwrap_or_default().to_owned(),
            )),
            _ => None,
        }))
    }

    /// Publishes the product's `revision` in the catalog, or takes its listing out
    /// (CreateListingChangeSet, DATA_PRODUCT). Answers the listing id; the portal's catalog
    /// caches are cleared.
    pub async fn change_product_listing(
        &self,
        id: &str,
        revision: Option<&str>,
        publish: bool,
    ) -> Result<String, AppError> {
        let change = self
            .datazone
            .create_listing_change_set()
            .domain_identifier(&self.domain_id)
            .entity_identifier(id)
            .entity_type(EntityType::DataProduct)
            .set_entity_revision(revision.map(str::to_owned))
            .action(if publish { ChangeAction::Publish } else { ChangeAction::Unpublish })
            .send()
            .await
            .map_err(|e| upstream("CreateListingChangeSet", e))?;
        self.forget_catalog();
        Ok(change.listing_id().to_owned())
    }
}
