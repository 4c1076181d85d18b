//! Data products: CreateDataProduct, CreateDataProductRevision, GetDataProduct,
//! ListDataProductRevisions, and their listings (CreateListingChangeSet `DATA_PRODUCT`).

use serde::Deserialize;
use serde_json::{json, Value};

use super::catalog::{apply_change, detailed_terms, forms_output, non_empty, ChangeSetInput, FormInput, ListingState};
use super::{domain_id, id_label};
use crate::dispatch::Call;
use crate::ids::new_resource_id;
use crate::state::{DataProduct, DataProductRevision, Listing, ProductItem, State};
use crate::wire::{self, epoch, ApiError, Outcome, PageRequest, Reply, CLIENT_TOKEN, RESOURCE_ID};

/// The product as revision `r` describes it (CreateDataProductOutput, GetDataProductOutput):
/// `createdAt`/`createdBy` are the revision's, `firstRevision…` the product's.
fn product_json(p: &DataProduct, r: &DataProductRevision) -> Value {
    let items: Vec<Value> = r
        .items
        .iter()
        .map(|i| {
            json!({
                "itemType": "ASSET",
                "identifier": i.asset_id,
                "revision": i.revision.to_string(),
                "glossaryTerms": non_empty(&i.glossary_terms),
            })
        })
        .collect();
    json!({
        "domainId": p.domain_id,
        "id": p.id,
        "revision": r.revision.to_string(),
        "owningProjectId": p.owning_project_id,
        "name": r.name,
        "status": "CREATED",
        "description": r.description,
        "glossaryTerms": non_empty(&r.glossary_terms),
        "items": items,
        "formsOutput": forms_output(&r.forms),
        "createdAt": epoch(r.created_at),
        "createdBy": r.created_by,
        "firstRevisionCreatedAt": epoch(p.created_at),
        "firstRevisionCreatedBy": p.created_by,
    })
}

/// The `ListingSummary` of each item of a published product revision: the item asset's own
/// listing (DataProductListing names its items by listing id).
pub(super) fn item_listings(state: &State, r: &DataProductRevision) -> Vec<Value> {
    r.items
        .iter()
        .filter_map(|i| state.assets.iter().find(|a| a.id == i.asset_id))
        .filter_map(|a| a.listing.as_ref().map(|l| (a, l)))
        .map(|(a, l)| {
            json!({
                "listingId": l.id,
                "listingRevision": l.revision.to_string(),
                "glossaryTerms": detailed_terms(state, &a.current().glossary_terms),
            })
        })
        .collect()
}

/// A search result for a product: `DataProductResultItem` (Search) or
/// `DataProductListingItem` (SearchListings, `listed` set).
pub(super) fn search_item(state: &State, p: &DataProduct, r: &DataProductRevision, listed: bool) -> Value {
    let mut item = json!({
        "domainId": p.domain_id,
        "id": p.id,
        "name": r.name,
        "owningProjectId": p.owning_project_id,
        "description": r.description,
        "glossaryTerms": non_empty(&r.glossary_terms),
        "createdAt": epoch(p.created_at),
        "createdBy": p.created_by,
        "firstRevisionCreatedAt": epoch(p.created_at),
        "firstRevisionCreatedBy": p.created_by,
    });
    if let (true, Some(l)) = (listed, &p.listing) {
        item = json!({
            "listingId": l.id,
            "listingRevision": l.revision.to_string(),
            "name": r.name,
            "entityId": p.id,
            "entityRevision": r.revision.to_string(),
            "description": r.description,
            "createdAt": epoch(l.created_at),
            "listingCreatedBy": l.created_by,
            "listingUpdatedBy": l.updated_by,
            "glossaryTerms": detailed_terms(state, &r.glossary_terms),
            "owningProjectId": p.owning_project_id,
            "items": item_listings(state, r),
        });
    }
    item
}

/// What filters and text match on for product `p` as revision `r` describes it.
pub(super) fn fields(state: &State, p: &DataProduct, r: &DataProductRevision) -> Vec<(&'static str, Vec<String>)> {
    let term_names: Vec<String> = r
        .glossary_terms
        .iter()
        .filter_map(|id| state.terms.iter().find(|t| &t.id == id))
        .map(|t| t.name.clone())
        .collect();
    let unit = state.projects.iter().find(|x| x.id == p.owning_project_id).map(|x| x.unit_id.clone());
    vec![
        ("id", vec![p.id.clone()]),
        ("name", vec![r.name.clone()]),
        ("description", r.description.clone().into_iter().collect()),
        ("owningprojectid", vec![p.owning_project_id.clone()]),
        ("glossaryterms", [r.glossary_terms.clone(), term_names].concat()),
        ("domainunitid", unit.into_iter().collect()),
        ("listingid", p.listing.iter().map(|l| l.id.clone()).collect()),
        ("createdat", vec![p.created_at.timestamp().to_string()]),
    ]
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ItemInput {
    item_type: String,
    identifier: String,
    revision: Option<String>,
    glossary_terms: Option<Vec<String>>,
}

/// What CreateDataProduct and CreateDataProductRevision both take.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProductInput {
    name: String,
    description: Option<String>,
    glossary_terms: Option<Vec<String>>,
    forms_input: Option<Vec<FormInput>>,
    items: Option<Vec<ItemInput>>,
    client_token: Option<String>,
}

fn check_terms(state: &State, domain: &str, field: &str, terms: &[String]) -> Result<(), ApiError> {
    wire::check_count(field, terms, 1, 20)?;
    match terms.iter().find(|t| state.term(domain, t).is_err()) {
        Some(unknown) => Err(ApiError::validation(format!("Glossary term {unknown} does not exist"))),
        None => Ok(()),
    }
}

impl ProductInput {
    /// The documented limits: name 1..64, description 1..4096, 1..20 glossary terms (which
    /// must exist), 0..10 forms, at least one item when `items` is given, each item an
    /// `ASSET` with an id of the resource pattern and a revision of 1..64 characters, and
    /// clientToken 1..128 printable ASCII.
    fn check(&self, state: &State, domain: &str) -> Result<(), ApiError> {
        wire::check_len("name", &self.name, 1, 64)?;
        wire::check_opt_len("description", self.description.as_deref(), 1, 4096)?;
        if let Some(terms) = &self.glossary_terms {
            check_terms(state, domain, "glossaryTerms", terms)?;
        }
        if let Some(forms) = &self.forms_input {
            wire::check_count("formsInput", forms, 0, 10)?;
            for form in forms {
                form.check("formsInput")?;
                form.check_content(state, domain)?;
            }
        }
        if let Some(items) = &self.items {
            wire::check_count("items", items, 1, usize::MAX)?;
            for item in items {
                wire::check_enum("items.itemType", &item.item_type, &["ASSET"])?;
                wire::check_pattern("items.identifier", &item.identifier, &RESOURCE_ID)?;
                wire::check_opt_len("items.revision", item.revision.as_deref(), 1, 64)?;
                if let Some(terms) = &item.glossary_terms {
                    check_terms(state, domain, "items.glossaryTerms", terms)?;
                }
            }
        }
        if let Some(token) = &self.client_token {
            wire::check_len("clientToken", token, 1, 128)?;
            wire::check_pattern("clientToken", token, &CLIENT_TOKEN)?;
        }
        Ok(())
    }

    /// Revision `number` of a product of `project`. The reference calls the items "the data
    /// assets of the data product" and says no more; the stand-in takes assets that the
    /// owning project holds, each at the revision given (the asset's latest when absent), and
    /// answers ValidationException for any other item.
    fn into_revision(
        self,
        state: &State,
        project: &str,
        number: u32,
        call: &Call,
    ) -> Result<DataProductRevision, ApiError> {
        let mut items = Vec::new();
        for item in self.items.unwrap_or_default() {
            let asset =
                state.assets.iter().find(|a| a.id == item.identifier && a.owning_project_id == project).ok_or_else(
                    || ApiError::validation(format!("Asset {} is not an asset of project {project}", item.identifier)),
                )?;
            let revision = match item.revision.as_deref() {
                None => asset.current().revision,
                Some(wanted) => asset.revisions.iter().find(|r| r.revision.to_string() == wanted).map_or_else(
                    || Err(ApiError::validation(format!("Revision {wanted} of asset {} does not exist", asset.id))),
                    |r| Ok(r.revision),
                )?,
            };
            if items.iter().any(|i: &ProductItem| i.asset_id == asset.id) {
                return Err(ApiError::validation(format!("Asset {} is named twice in items", asset.id)));
            }
            items.push(ProductItem {
                asset_id: asset.id.clone(),
                revision,
                glossary_terms: item.glossary_terms.unwrap_or_default(),
            });
        }
        Ok(DataProductRevision {
            revision: number,
            name: self.name,
            description: self.description,
            glossary_terms: self.glossary_terms.unwrap_or_default(),
            items,
            forms: self.forms_input.unwrap_or_default().into_iter().map(FormInput::into_form).collect(),
            created_at: call.now,
            created_by: call.caller.to_owned(),
        })
    }

    fn replayed<'s>(&self, state: &'s State, call: &Call) -> Option<&'s String> {
        self.client_token.as_ref().and_then(|t| state.client_tokens.get(&(call.operation, t.clone())))
    }
}

/// "The name must be unique within the domain (no existing data product with the same
/// name)" (CreateDataProduct prerequisites): ConflictException.
fn name_taken(state: &State, domain: &str, name: &str, except: Option<&str>) -> Result<(), ApiError> {
    if state.products.iter().any(|p| p.domain_id == domain && Some(p.id.as_str()) != except && p.current().name == name)
    {
        return Err(ApiError::conflict(format!("A data product named {name} already exists")));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateProductInput {
    owning_project_identifier: String,
    #[serde(flatten)]
    product: ProductInput,
}

/// CreateDataProduct (`POST /v2/domains/{domainIdentifier}/data-products`, 201): revision 1
/// of a new product, status CREATED. A repeated clientToken answers the product it made.
pub fn create_product(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let input: CreateProductInput = call.body()?;
    wire::check_pattern("owningProjectIdentifier", &input.owning_project_identifier, &RESOURCE_ID)?;
    input.product.check(state, &domain)?;
    if let Some(id) = input.product.replayed(state, call) {
        let product = state.product(&domain, id)?;
        return Ok(Reply::created(product_json(product, product.current())));
    }
    let project = state.project(&domain, &input.owning_project_identifier)?.id.clone();
    name_taken(state, &domain, &input.product.name, None)?;
    let token = input.product.client_token.clone();
    let product = DataProduct {
        id: new_resource_id(),
        domain_id: domain,
        owning_project_id: project.clone(),
        created_at: call.now,
        created_by: call.caller.to_owned(),
        revisions: vec![input.product.into_revision(state, &project, 1, call)?],
        listing: None,
    };
    let body = product_json(&product, product.current());
    if let Some(token) = token {
        state.client_tokens.insert((call.operation, token), product.id.clone());
    }
    state.products.push(product);
    Ok(Reply::created(body))
}

/// CreateDataProductRevision (`POST /v2/domains/{domainIdentifier}/data-products/{identifier}/revisions`,
/// 201): the next revision, with CreateDataProduct's limits; what a revision does not give
/// (terms, items, forms) it does not have. A repeated clientToken answers the revision it made.
pub fn create_product_revision(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?.to_owned();
    let input: ProductInput = call.body()?;
    input.check(state, &domain)?;
    if let Some((product_id, number)) = input.replayed(state, call).and_then(|made| made.split_once('@')) {
        let product = state.product(&domain, product_id)?;
        let revision = product.revisions.iter().find(|r| r.revision.to_string() == number).unwrap_or(product.current());
        return Ok(Reply::created(product_json(product, revision)));
    }
    let product = state.product(&domain, &id)?;
    name_taken(state, &domain, &input.name, Some(&id))?;
    let token = input.client_token.clone();
    let project = product.owning_project_id.clone();
    let number = product.current().revision + 1;
    let revision = input.into_revision(state, &project, number, call)?;
    let product = state.products.iter_mut().find(|p| p.domain_id == domain && p.id == id).expect("found above");
    product.revisions.push(revision);
    let body = product_json(product, product.current());
    if let Some(token) = token {
        state.client_tokens.insert((call.operation, token), format!("{id}@{number}"));
    }
    Ok(Reply::created(body))
}

/// GetDataProduct: the product as it stands, or as `revision` describes it.
pub fn get_product(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?;
    let product = state.product(&domain, id)?;
    let revision = match call.query("revision") {
        None => product.current(),
        Some(wanted) => {
            wire::check_len("revision", wanted, 1, 64)?;
            product
                .revisions
                .iter()
                .find(|r| r.revision.to_string() == wanted)
                .ok_or_else(|| ApiError::not_found(format!("Revision {wanted} of data product {id} not found")))?
        }
    };
    Ok(Reply::ok(product_json(product, revision)))
}

/// ListDataProductRevisions: `maxResults` 1..50, `nextToken`; the reference names no order,
/// the stand-in lists the newest revision first (as ListAssetRevisions).
pub fn list_product_revisions(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?;
    let page = PageRequest::new(call.query_int("maxResults")?, call.query("nextToken"), (1, 50))?;
    let product = state.product(&domain, id)?;
    let items: Vec<Value> = product
        .revisions
        .iter()
        .rev()
        .map(|r| {
            json!({
                "domainId": product.domain_id,
                "id": product.id,
                "revision": r.revision.to_string(),
                "createdAt": epoch(r.created_at),
                "createdBy": r.created_by,
            })
        })
        .collect();
    let (items, next) = page.page(items);
    Ok(Reply::ok(json!({"items": items, "nextToken": next})))
}

/// CreateListingChangeSet for a `DATA_PRODUCT`. A DataProductListing names each item by its
/// own listing, and the reference does not say that publishing a product publishes its
/// assets: the stand-in answers ValidationException when an item asset has no active
/// listing, so a client publishes the assets first.
pub(super) fn change_listing(
    state: &mut State,
    call: &Call,
    domain: &str,
    input: &ChangeSetInput,
) -> Result<ListingState, ApiError> {
    let product = state.product(domain, &input.entity_identifier)?;
    let revision = match input.entity_revision.as_deref() {
        None => product.current().clone(),
        Some(wanted) => {
            product.revisions.iter().find(|r| r.revision.to_string() == wanted).cloned().ok_or_else(|| {
                ApiError::not_found(format!("Revision {wanted} of data product {} not found", product.id))
            })?
        }
    };
    if input.action == "PUBLISH" {
        if let Some(item) = revision.items.iter().find(|i| {
            !state.assets.iter().any(|a| a.id == i.asset_id && a.listing.as_ref().is_some_and(Listing::is_active))
        }) {
            return Err(ApiError::validation(format!(
                "Asset {} of the data product is not published: publish it first",
                item.asset_id
            )));
        }
    }
    let id = product.id.clone();
    let product = state.products.iter_mut().find(|p| p.domain_id == domain && p.id == id).expect("found above");
    let number = revision.revision;
    apply_change(
        &mut product.listing,
        &input.action,
        revision,
        number,
        |r| r.revision,
        &format!("data product {id}"),
        call,
    )
}
