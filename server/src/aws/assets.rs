//! A producing project's assets: its inventory, one asset as it stands, its revisions, and
//! the two writes producers make — a new revision of the business metadata and publishing
//! (or unpublishing) it in the catalog.

use aws_sdk_datazone::types::{
    ChangeAction, EntityType, FormInput, InventorySearchScope, ListingStatus, SearchInventoryResultItem,
    SubscriptionStatus, TypesSearchScope,
};
use chrono::{DateTime, Utc};

use super::{not_found, upstream, Aws};
use crate::error::AppError;

/// One asset of a project's inventory, as Search (ASSET scope) describes it.
#[derive(Debug, Clone)]
pub struct InventoryAsset {
    pub id: String,
    pub name: String,
    pub description: String,
    pub asset_type: String,
}

/// An asset as GetAsset describes its latest revision.
#[derive(Debug, Clone)]
pub struct AssetState {
    pub id: String,
    pub name: String,
    pub description: String,
    pub asset_type: String,
    /// DataZone's revision string ("1", "2", ...).
    pub revision: String,
    pub owning_project_id: String,
    pub glossary_terms: Vec<String>,
    /// Attached metadata forms: (form name, form type, content as DataZone holds it).
    pub forms: Vec<(String, String, String)>,
    /// The asset's listing and its status (`ACTIVE`, `INACTIVE`, ...), once ever published.
    pub listing: Option<(String, String)>,
}

/// One entry of ListAssetRevisions.
#[derive(Debug, Clone)]
pub struct RevisionEntry {
    pub revision: String,
    pub created_at: Option<DateTime<Utc>>,
    /// The DataZone user profile id of whoever made the revision.
    pub created_by: String,
}

/// What a new revision says: name (1..256 characters), Markdown description (≤ 2,048) and
/// glossary term ids (≤ 20).
#[derive(Debug, Clone, serde::Serialize)]
pub struct BusinessMetadata {
    pub name: String,
    pub description: String,
    pub glossary_terms: Vec<String>,
}

/// The column names of a GlueTableForm's content (`columns[].columnName`).
pub fn table_columns(form: &serde_json::Value) -> Vec<String> {
    form["columns"]
        .as_array()
        .map(|columns| columns.iter().filter_map(|c| c["columnName"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default()
}

impl AssetState {
    /// The table columns of its GlueTableForm, if it has one.
    pub fn columns(&self) -> Vec<String> {
        self.forms
            .iter()
            .find(|(name, _, _)| name == "GlueTableForm")
            .and_then(|(_, _, content)| serde_json::from_str::<serde_json::Value>(content).ok())
            .map(|form| table_columns(&form))
            .unwrap_or_default()
    }
}

fn time(t: Option<&aws_sdk_datazone::primitives::DateTime>) -> Option<DateTime<Utc>> {
    t.and_then(|t| DateTime::from_timestamp(t.secs(), t.subsec_nanos()))
}

impl Aws {
    /// The assets a project owns, draft or published, matching `text` (all when empty), by
    /// name; at most 50 (Search, ASSET scope, `owningProjectIdentifier`), read now.
    pub async fn project_assets(&self, project: &str, text: &str) -> Result<Vec<InventoryAsset>, AppError> {
        let mut search = self
            .datazone
            .search()
            .domain_identifier(&self.domain_id)
            .search_scope(InventorySearchScope::Asset)
            .owning_project_identifier(project)
            .max_results(50);
        if !text.trim().is_empty() {
            search = search.search_text(text.trim());
        }
        let found = search.send().await.map_err(|e| upstream("Search", e))?;
        let mut assets: Vec<InventoryAsset> = found
            .items()
            .iter()
            .filter_map(|item| match item {
                SearchInventoryResultItem::AssetItem(a) => Some(InventoryAsset {
                    id: a.identifier().to_owned(),
                    name: a.name().to_owned(),
                    description: a.description().unwrap_or_default().to_owned(),
                    asset_type: a.type_identifier().to_owned(),
                }),
                _ => None,
            })
            .collect();
        assets.sort_by_key(|a| a.name.to_lowercase());
        Ok(assets)
    }

    /// The asset's latest revision (GetAsset), read now; `NotFound` for an unknown id.
    pub async fn asset_state(&self, id: &str) -> Result<AssetState, AppError> {
        let a = self
            .datazone
            .get_asset()
            .domain_identifier(&self.domain_id)
            .identifier(id)
            .send()
            .await
            .map_err(|e| not_found(upstream("GetAsset", e), "Asset"))?;
        Ok(AssetState {
            id: a.id().to_owned(),
            name: a.name().to_owned(),
            description: a.description().unwrap_or_default().to_owned(),
            asset_type: a.type_identifier().to_owned(),
            revision: a.revision().to_owned(),
            owning_project_id: a.owning_project_id().to_owned(),
            glossary_terms: a.glossary_terms().to_vec(),
            forms: a
                .forms_output()
                .iter()
                .map(|f| {
                    (
                        f.form_name().to_owned(),
                        f.type_name().unwrap_or_default().to_owned(),
                        f.content().unwrap_or_default().to_owned(),
                    )
                })
                .collect(),
            listing: a.listing().map(|l| (l.listing_id().to_owned(), l.listing_status().as_str().to_owned())),
        })
    }

    /// The asset's revisions, newest first, at most 50 (ListAssetRevisions).
    pub async fn asset_revisions(&self, id: &str) -> Result<Vec<RevisionEntry>, AppError> {
        let page = self
            .datazone
            .list_asset_revisions()
            .domain_identifier(&self.domain_id)
            .identifier(id)
            .max_results(50)
            .send()
            .await
            .map_err(|e| upstream("ListAssetRevisions", e))?;
        let mut revisions: Vec<RevisionEntry> = page
            .items()
            .iter()
            .map(|r| RevisionEntry {
                revision: r.revision().unwrap_or_default().to_owned(),
                created_at: time(r.created_at()),
                created_by: r.created_by().unwrap_or_default().to_owned(),
            })
            .collect();
        revisions.sort_by_key(|r| std::cmp::Reverse(r.revision.parse::<u64>().unwrap_or(0)));
        Ok(revisions)
    }

    /// Makes the next revision of `asset` with `metadata` and `forms` — every form to stay
    /// attached, as (form name, form type, JSON content) — (CreateAssetRevision); `token`
    /// makes a retry answer the same revision. Answers the new revision.
    pub async fn revise_asset(
        &self,
        asset: &AssetState,
        metadata: &BusinessMetadata,
        forms: &[(String, String, String)],
        token: &str,
    ) -> Result<String, AppError> {
        let forms = forms
            .iter()
            .map(|(name, type_name, content)| {
                FormInput::builder()
                    .form_name(name)
                    .set_type_identifier((!type_name.is_empty()).then(|| type_name.clone()))
                    .content(content)
                    .build()
                    .map_err(|e| AppError::invalid("forms", e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let revised = self
            .datazone
            .create_asset_revision()
            .domain_identifier(&self.domain_id)
            .identifier(&asset.id)
            .name(&metadata.name)
            .description(&metadata.description)
            .set_glossary_terms((!metadata.glossary_terms.is_empty()).then(|| metadata.glossary_terms.clone()))
            .set_forms_input((!forms.is_empty()).then_some(forms))
            .client_token(token)
            .send()
            .await
            .map_err(|e| upstream("CreateAssetRevision", e))?;
        Ok(revised.revision().to_owned())
    }

    /// Adds a Glue table to `project` as a draft asset of type GlueTableAssetType with its
    /// GlueTableForm (CreateAsset; the table ARN is the external identifier, so a table
    /// already in the domain's inventory is a ConflictException). Answers the asset id.
    pub async fn create_glue_asset(
        &self,
        project: &str,
        table: &app::model::NewGlueAsset,
        name: &str,
        token: &str,
    ) -> Result<String, AppError> {
        let content = serde_json::json!({
            "catalogId": table.account_id,
            "region": table.region,
            "databaseName": table.database,
            "tableName": table.table,
            "tableArn": table.table_arn(),
        });
        let form = FormInput::builder()
            .form_name("GlueTableForm")
            .type_identifier("amazon.datazone.GlueTableFormType")
            .content(content.to_string())
            .build()
            .map_err(|e| AppError::invalid("table", e.to_string()))?;
        let made = self
            .datazone
            .create_asset()
            .domain_identifier(&self.domain_id)
            .owning_project_identifier(project)
            .name(name)
            .description(table.description.trim_end())
            .type_identifier("amazon.datazone.GlueTableAssetType")
            .external_identifier(table.table_arn())
            .forms_input(form)
            .client_token(token)
            .send()
            .await
            .map_err(|e| upstream("CreateAsset", e))?;
        Ok(made.id().to_owned())
    }

    /// Publishes `revision` of the asset in the catalog, or takes its listing out
    /// (CreateListingChangeSet, without a client token: a token would replay an earlier
    /// publication of the same revision after an unpublish). Answers the listing id. The
    /// portal's own catalog caches are cleared.
    pub async fn change_listing(&self, asset: &str, revision: Option<&str>, publish: bool) -> Result<String, AppError> {
        let change = self
            .datazone
            .create_listing_change_set()
            .domain_identifier(&self.domain_id)
            .entity_identifier(asset)
            .entity_type(EntityType::Asset)
            .set_entity_revision(revision.map(str::to_owned))
            .action(if publish { ChangeAction::Publish } else { ChangeAction::Unpublish })
            .send()
            .await
            .map_err(|e| upstream("CreateListingChangeSet", e))?;
        self.forget_catalog();
        Ok(change.listing_id().to_owned())
    }

    /// The asset revision a listing shows now, whether it is active, and the table columns
    /// it lists (GetListing, read now: a producer must see what the catalog holds, not a
    /// cached copy).
    pub async fn listed_revision(&self, listing: &str) -> Result<(String, bool, Vec<String>), AppError> {
        let l = self
            .datazone
            .get_listing()
            .domain_identifier(&self.domain_id)
            .identifier(listing)
            .send()
            .await
            .map_err(|e| upstream("GetListing", e))?;
        let asset = l.item().and_then(|i| i.as_asset_listing().ok());
        let revision = asset.and_then(|a| a.asset_revision()).unwrap_or_default().to_owned();
        let columns = asset
            .and_then(|a| a.forms())
            .and_then(|forms| serde_json::from_str::<serde_json::Value>(forms).ok())
            .map(|forms| table_columns(&forms["GlueTableForm"]))
            .unwrap_or_default();
        Ok((revision, l.status() == Some(&ListingStatus::Active), columns))
    }

    /// Names of the principals with an approved subscription to the listing, at most 50
    /// (ListSubscriptions, `subscribedListingId`, status APPROVED).
    pub async fn listing_subscribers(&self, listing: &str) -> Result<Vec<String>, AppError> {
        let page = self
            .datazone
            .list_subscriptions()
            .domain_identifier(&self.domain_id)
            .subscribed_listing_id(listing)
            .status(SubscriptionStatus::Approved)
            .max_results(50)
            .send()
            .await
            .map_err(|e| upstream("ListSubscriptions", e))?;
        let mut names: Vec<String> = page
            .items()
            .iter()
            .filter_map(|s| s.subscribed_principal())
            .map(|p| match p {
                aws_sdk_datazone::types::SubscribedPrincipal::Project(p) => {
                    p.name().or(p.id()).unwrap_or_default().to_owned()
                }
                aws_sdk_datazone::types::SubscribedPrincipal::User(u) => u.id().unwrap_or_default().to_owned(),
                aws_sdk_datazone::types::SubscribedPrincipal::Group(g) => {
                    g.name().or(g.id()).unwrap_or_default().to_owned()
                }
                _ => String::new(),
            })
            .filter(|n| !n.is_empty())
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }

    /// The domain's own metadata form types with their Smithy models, at most 50
    /// (SearchTypes, FORM_TYPE, `managed` false), read now: (name, description, model).
    pub async fn form_types(&self) -> Result<Vec<(String, String, String)>, AppError> {
        let found = self
            .datazone
            .search_types()
            .domain_identifier(&self.domain_id)
            .search_scope(TypesSearchScope::FormType)
            .managed(false)
            .max_results(50)
            .send()
            .await
            .map_err(|e| upstream("SearchTypes", e))?;
        Ok(found
            .items()
            .iter()
            .filter_map(|item| item.as_form_type_item().ok())
            .map(|t| {
                let model = t.model().and_then(|m| m.as_smithy().ok()).cloned().unwrap_or_default();
                (t.name().to_owned(), t.description().unwrap_or_default().to_owned(), model)
            })
            .collect())
    }

    /// Forgets cached catalog reads (searches and listings): the portal changed what the
    /// catalog holds.
    pub fn forget_catalog(&self) {
        if let Some(cache) = &self.caches.searches {
            cache.invalidate_all();
        }
        if let Some(cache) = &self.caches.listings {
            cache.invalidate_all();
        }
    }
}
