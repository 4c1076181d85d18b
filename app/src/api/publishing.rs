//! Producers: a project's assets, an asset's business metadata and revisions, publishing.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::model::{
    AccessTerms, ApiError, AssetEdit, Inventory, NewGlueAsset, ProducerAsset, ProducerProduct, ProductEdit,
};

#[cfg(feature = "ssr")]
use super::ports::{require, respond, services};
#[cfg(feature = "ssr")]
use crate::model::{capped, Role, ID_MAX, SEARCH_MAX};

/// The assets of one of the caller's projects (`project` empty: the first), matching
/// `query` by name; drafts, published and changed alike.
#[server(endpoint = "my_data")]
pub async fn my_data(project: String, query: String) -> Result<Inventory, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(capped(&[("project", &project, ID_MAX), ("query", &query, SEARCH_MAX)]))?;
    respond(services()?.publishing.inventory(&caller, project.trim(), query.trim()).await)
}

/// One asset for its producers: metadata, revisions, publication and subscribers. Members
/// of its project only.
#[server(endpoint = "data_asset")]
pub async fn data_asset(id: String) -> Result<ProducerAsset, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(capped(&[("id", &id, ID_MAX)]))?;
    respond(services()?.publishing.asset(&caller, id.trim()).await)
}

/// Saves the edit as the asset's next revision (owners and contributors of its project);
/// answers the new revision. `Conflict` when someone saved a newer revision first.
#[server(endpoint = "revise_asset", input = Json)]
pub async fn revise_asset(edit: AssetEdit) -> Result<String, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(capped(&[("asset_id", &edit.asset_id, ID_MAX), ("base_revision", &edit.base_revision, ID_MAX)]))?;
    if let Some((field, message)) = edit.problem() {
        return respond(Err(ApiError::Invalid { field: field.to_owned(), message }));
    }
    respond(services()?.publishing.revise(&caller, edit).await)
}

/// Adds a Glue table to one of the caller's projects as a draft asset (owners and
/// contributors of the project); answers the asset's id. A table already in the
/// domain's inventory is refused (its ARN is the asset's external identifier).
#[server(endpoint = "add_glue_asset", input = Json)]
pub async fn add_glue_asset(form: NewGlueAsset) -> Result<String, ApiError> {
    let caller = require(Role::TeamLead).await?;
    if let Some((field, message)) = form.problem() {
        return respond(Err(ApiError::Invalid { field: field.to_owned(), message }));
    }
    respond(services()?.publishing.add_glue(&caller, form).await)
}

/// Publishes `revision` of the asset in the catalog (`publish`), or takes it out.
#[server(endpoint = "publish_asset")]
pub async fn publish_asset(id: String, revision: String, publish: bool) -> Result<(), ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(capped(&[("id", &id, ID_MAX), ("revision", &revision, ID_MAX)]))?;
    respond(services()?.publishing.publish(&caller, id.trim(), revision.trim(), publish).await)
}

/// A Markdown description rendered as the asset page will show it (safe HTML); at most
/// 2,048 characters, as DataZone takes.
#[server(endpoint = "preview_description")]
pub async fn preview_description(text: String) -> Result<String, ApiError> {
    require(Role::TeamLead).await?;
    respond(capped(&[("text", &text, crate::model::ASSET_DESCRIPTION_MAX)]))?;
    Ok(services()?.publishing.preview(&text))
}

/// A data product for its producers (`id`), or the form for a new one in `project`
/// (`id` empty; owners and contributors of the project).
#[server(endpoint = "data_product")]
pub async fn data_product(id: String, project: String) -> Result<ProducerProduct, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(capped(&[("id", &id, ID_MAX), ("project", &project, ID_MAX)]))?;
    respond(services()?.publishing.product(&caller, id.trim(), project.trim()).await)
}

/// Creates a data product of the project's assets, or saves its next revision (owners and
/// contributors of its project); answers the product's id. `Conflict` when someone saved a
/// newer revision first.
#[server(endpoint = "save_data_product", input = Json)]
pub async fn save_data_product(edit: ProductEdit) -> Result<String, ApiError> {
    let caller = require(Role::TeamLead).await?;
    if let Some((field, message)) = edit.problem() {
        return respond(Err(ApiError::Invalid { field: field.to_owned(), message }));
    }
    respond(services()?.publishing.save_product(&caller, edit).await)
}

/// Publishes `revision` of the data product, with those of its assets the catalog does not
/// list yet (`publish`), or takes the product out of the catalog.
#[server(endpoint = "publish_data_product")]
pub async fn publish_data_product(id: String, revision: String, publish: bool) -> Result<(), ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(capped(&[("id", &id, ID_MAX), ("revision", &revision, ID_MAX)]))?;
    respond(services()?.publishing.publish_product(&caller, id.trim(), revision.trim(), publish).await)
}

/// Sets whether requests for an asset or data product need a steward's approval and the
/// access periods Meshgate applies (owners and contributors of its project).
#[server(endpoint = "set_access_terms", input = Json)]
pub async fn set_access_terms(terms: AccessTerms) -> Result<(), ApiError> {
    let caller = require(Role::TeamLead).await?;
    if let Some((field, message)) = terms.problem() {
        return respond(Err(ApiError::Invalid { field: field.to_owned(), message }));
    }
    respond(services()?.publishing.set_access_terms(&caller, terms).await)
}
