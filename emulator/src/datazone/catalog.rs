//! The catalog: assets, listings and glossaries, with text search, filters, sorting and aggregations.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use super::{domain_id, id_label};
use crate::dispatch::Call;
use crate::ids::new_resource_id;
use crate::state::{Asset, AssetRevision, Form, FormType, Glossary, GlossaryTerm, Listed, Listing, State};
use crate::wire::{self, epoch, ApiError, Outcome, PageRequest, Reply, ASSET_TYPE, CLIENT_TOKEN};

/// Form types and glossary entries never change in the stand-in: one revision of each.
/// Assets and listings count their revisions.
const REVISION: &str = "1";

pub(super) fn detailed_terms(state: &State, ids: &[String]) -> Vec<Value> {
    ids.iter()
        .filter_map(|id| state.terms.iter().find(|t| &t.id == id))
        .map(|t| json!({"name": t.name, "shortDescription": t.short_description}))
        .collect()
}

pub(super) fn forms_output(forms: &[Form]) -> Vec<Value> {
    forms
        .iter()
        .map(|f| {
            json!({
                "formName": f.name,
                "typeName": f.type_name,
                "typeRevision": REVISION,
                "content": f.content,
            })
        })
        .collect()
}

/// Listings carry the forms as one JSON document in a string, keyed by form name.
pub(super) fn forms_document(forms: &[Form]) -> String {
    let map: Map<String, Value> = forms
        .iter()
        .map(|f| {
            let content = serde_json::from_str(&f.content).unwrap_or(Value::String(f.content.clone()));
            (f.name.clone(), content)
        })
        .collect();
    Value::Object(map).to_string()
}

pub(super) fn non_empty(ids: &[String]) -> Option<&[String]> {
    (!ids.is_empty()).then_some(ids)
}

/// The asset as revision `r` describes it: `createdAt`/`createdBy` are the revision's,
/// `firstRevision…` the asset's.
fn asset_json(a: &Asset, r: &AssetRevision) -> Value {
    json!({
        "id": a.id,
        "name": r.name,
        "typeIdentifier": a.type_identifier,
        "typeRevision": REVISION,
        "externalIdentifier": a.external_identifier,
        "revision": r.revision.to_string(),
        "description": r.description,
        "createdAt": epoch(r.created_at),
        "createdBy": r.created_by,
        "firstRevisionCreatedAt": epoch(a.created_at),
        "firstRevisionCreatedBy": a.created_by,
        "glossaryTerms": non_empty(&r.glossary_terms),
        "owningProjectId": a.owning_project_id,
        "domainId": a.domain_id,
        "listing": a.listing.as_ref().map(|l| json!({"listingId": l.id, "listingStatus": l.status})),
        "formsOutput": forms_output(&r.forms),
        "readOnlyFormsOutput": [],
    })
}

fn glossary_json(g: &Glossary) -> Value {
    json!({
        "domainId": g.domain_id,
        "id": g.id,
        "owningProjectId": g.owning_project_id,
        "name": g.name,
        "description": g.description,
        "status": "ENABLED",
        "createdAt": epoch(g.created_at),
        "createdBy": g.created_by,
        "updatedAt": epoch(g.created_at),
        "updatedBy": g.created_by,
    })
}

fn term_json(t: &GlossaryTerm) -> Value {
    json!({
        "domainId": t.domain_id,
        "glossaryId": t.glossary_id,
        "id": t.id,
        "name": t.name,
        "shortDescription": t.short_description,
        "longDescription": t.long_description,
        "status": "ENABLED",
        "createdAt": epoch(t.created_at),
        "createdBy": t.created_by,
        "updatedAt": epoch(t.created_at),
        "updatedBy": t.created_by,
    })
}

/// GetAsset's `identifier` "supports either the value of assetId or externalIdentifier as
/// input"; an external identifier comes with the prefix `externalIdentifer%2F` (the
/// reference's spelling), which arrives as `externalIdentifer/` once the path is decoded.
/// The same page gives the member the pattern of an id, `[a-zA-Z0-9_-]{1,36}`, which no
/// prefixed value can meet: the stand-in takes the prefixed form as documented (up to
/// externalIdentifier's 600 characters) and holds plain ids to the pattern.
const EXTERNAL_PREFIXES: [&str; 2] = ["externalIdentifer%2F", "externalIdentifer/"];

pub fn get_asset(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let label = call.label(1);
    let external = EXTERNAL_PREFIXES.iter().find_map(|p| label.strip_prefix(p));
    let id = match external {
        Some(external) => {
            wire::check_len("identifier", external, 1, 600)?;
            label
        }
        None => id_label(call, 1, "identifier")?,
    };
    let asset = match external {
        Some(external) => state
            .assets
            .iter()
            .find(|a| a.domain_id == domain && a.external_identifier.as_deref() == Some(external))
            .ok_or_else(|| ApiError::not_found(format!("Asset with external identifier {external} not found")))?,
        None => state.asset(&domain, id)?,
    };
    let revision = match call.query("revision") {
        None => asset.current(),
        Some(wanted) => {
            wire::check_len("revision", wanted, 1, 64)?;
            asset
                .revisions
                .iter()
                .find(|r| r.revision.to_string() == wanted)
                .ok_or_else(|| ApiError::not_found(format!("Revision {wanted} of asset {} not found", asset.id)))?
        }
    };
    Ok(Reply::ok(asset_json(asset, revision)))
}

/// GetListing answers unpublished (INACTIVE) listings too; `listingRevision` must be the
/// current one (the stand-in keeps no older listing revisions). `item` is an `assetListing`
/// or a `dataProductListing` (ListingItem), as published.
pub fn get_listing(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?;
    let listed = state
        .listing(id)
        .filter(|l| l.domain_id() == domain)
        .ok_or_else(|| ApiError::not_found(format!("Listing {id} not found")))?;
    if let Some(wanted) = call.query("listingRevision") {
        wire::check_len("listingRevision", wanted, 1, 64)?;
        if wanted != listed.revision().to_string() {
            return Err(ApiError::not_found(format!("Revision {wanted} of listing {id} not found")));
        }
    }
    let listing = match listed {
        Listed::Asset(asset, l) => {
            let shown = &l.published;
            listing_json(
                &asset.domain_id,
                l,
                &shown.name,
                shown.description.as_ref(),
                json!({"assetListing": {
                    "assetId": asset.id,
                    "assetRevision": shown.revision.to_string(),
                    "assetType": asset.type_identifier,
                    "createdAt": epoch(shown.created_at),
                    "forms": forms_document(&shown.forms),
                    "glossaryTerms": detailed_terms(state, &shown.glossary_terms),
                    "owningProjectId": asset.owning_project_id,
                }}),
            )
        }
        Listed::Product(product, l) => {
            let shown = &l.published;
            listing_json(
                &product.domain_id,
                l,
                &shown.name,
                shown.description.as_ref(),
                json!({"dataProductListing": {
                    "dataProductId": product.id,
                    "dataProductRevision": shown.revision.to_string(),
                    "createdAt": epoch(shown.created_at),
                    "forms": forms_document(&shown.forms),
                    "glossaryTerms": detailed_terms(state, &shown.glossary_terms),
                    "owningProjectId": product.owning_project_id,
                    "items": super::products::item_listings(state, shown),
                }}),
            )
        }
    };
    Ok(Reply::ok(listing))
}

/// What GetListing says of any listing around its item.
fn listing_json<R>(domain: &str, l: &Listing<R>, name: &str, description: Option<&String>, item: Value) -> Value {
    json!({
        "domainId": domain,
        "id": l.id,
        "listingRevision": l.revision.to_string(),
        "createdAt": epoch(l.created_at),
        "updatedAt": epoch(l.updated_at),
        "createdBy": l.created_by,
        "updatedBy": l.updated_by,
        "item": item,
        "name": name,
        "description": description,
        "status": l.status,
    })
}

pub fn get_glossary(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?;
    Ok(Reply::ok(glossary_json(state.glossary(&domain, id)?)))
}

pub fn get_term(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?;
    Ok(Reply::ok(term_json(state.term(&domain, id)?)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct FormInput {
    form_name: String,
    type_identifier: Option<String>,
    content: Option<String>,
}

impl FormInput {
    /// FormInput's documented limits: formName 1..128 characters, content up to 300,000.
    pub(super) fn check(&self, field: &str) -> Result<(), ApiError> {
        wire::check_len(&format!("{field}.formName"), &self.form_name, 1, 128)?;
        wire::check_opt_len(&format!("{field}.content"), self.content.as_deref(), 0, 300_000)
    }

    /// A form of one of the domain's own form types must fit its model (required members,
    /// member types). The stand-in holds no models of the managed `amazon.datazone` types,
    /// whose forms it takes as given.
    pub(super) fn check_content(&self, state: &State, domain: &str) -> Result<(), ApiError> {
        let type_name = self.type_identifier.as_deref().unwrap_or(&self.form_name);
        let Some(form_type) = state.form_types.iter().find(|t| t.domain_id == domain && t.name == type_name) else {
            return Ok(());
        };
        let model = crate::forms::FormModel::parse(&form_type.model)
            .map_err(|e| ApiError::validation(format!("Form type {type_name}: {}", e.message())))?;
        model.check(&self.form_name, self.content.as_deref().unwrap_or_default())
    }

    pub(super) fn into_form(self) -> Form {
        Form {
            type_name: self.type_identifier.unwrap_or_else(|| self.form_name.clone()),
            name: self.form_name,
            content: self.content.unwrap_or_default(),
        }
    }
}

/// What CreateAsset and CreateAssetRevision both take: the content of a revision.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RevisionInput {
    name: String,
    type_revision: Option<String>,
    description: Option<String>,
    glossary_terms: Option<Vec<String>>,
    forms_input: Option<Vec<FormInput>>,
    client_token: Option<String>,
}

impl RevisionInput {
    /// The documented limits (name 1..256, description ..2048, 1..20 glossary terms that
    /// exist, up to 10 forms, clientToken 1..128 printable ASCII).
    fn check(&self, state: &State, domain: &str) -> Result<(), ApiError> {
        wire::check_len("name", &self.name, 1, 256)?;
        wire::check_opt_len("typeRevision", self.type_revision.as_deref(), 1, 64)?;
        wire::check_opt_len("description", self.description.as_deref(), 0, 2048)?;
        if let Some(terms) = &self.glossary_terms {
            wire::check_count("glossaryTerms", terms, 1, 20)?;
            if let Some(unknown) = terms.iter().find(|t| state.term(domain, t).is_err()) {
                return Err(ApiError::validation(format!("Glossary term {unknown} does not exist")));
            }
        }
        if let Some(forms) = &self.forms_input {
            wire::check_count("formsInput", forms, 0, 10)?;
            for form in forms {
                form.check("formsInput")?;
                form.check_content(state, domain)?;
            }
        }
        if let Some(token) = &self.client_token {
            wire::check_len("clientToken", token, 1, 128)?;
            wire::check_pattern("clientToken", token, &CLIENT_TOKEN)?;
        }
        Ok(())
    }

    /// The asset id an earlier call with the same client token made, if any.
    fn replayed<'s>(&self, state: &'s State, call: &Call) -> Option<&'s String> {
        self.client_token.as_ref().and_then(|t| state.client_tokens.get(&(call.operation, t.clone())))
    }

    /// Revision `number`, made now by the caller; `previous` forms stay attached unless a
    /// form of the same name replaces them ("the metadata forms to be attached to the asset
    /// as part of asset revision").
    fn into_revision(self, number: u32, previous: &[Form], call: &Call) -> AssetRevision {
        let mut forms = previous.to_vec();
        for form in self.forms_input.unwrap_or_default().into_iter().map(FormInput::into_form) {
            match forms.iter_mut().find(|f| f.name == form.name) {
                Some(slot) => *slot = form,
                None => forms.push(form),
            }
        }
        AssetRevision {
            revision: number,
            name: self.name,
            description: self.description,
            glossary_terms: self.glossary_terms.unwrap_or_default(),
            forms,
            created_at: call.now,
            created_by: call.caller.to_owned(),
        }
    }
}

/// An asset of `project` other than `except` already named `name`: DataZone keeps asset
/// names unique within a project (ConflictException).
fn name_taken(state: &State, project: &str, name: &str, except: Option<&str>) -> Result<(), ApiError> {
    if state
        .assets
        .iter()
        .any(|a| a.owning_project_id == project && Some(a.id.as_str()) != except && a.current().name == name)
    {
        return Err(ApiError::conflict(format!("Project {project} already has an asset named {name}")));
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateAssetInput {
    external_identifier: Option<String>,
    type_identifier: String,
    owning_project_identifier: String,
    #[serde(flatten)]
    revision: RevisionInput,
}

pub fn create_asset(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let input: CreateAssetInput = call.body()?;
    input.revision.check(state, &domain)?;
    wire::check_opt_len("externalIdentifier", input.external_identifier.as_deref(), 1, 600)?;
    wire::check_len("typeIdentifier", &input.type_identifier, 1, 513)?;
    wire::check_pattern("typeIdentifier", &input.type_identifier, &ASSET_TYPE)?;
    if let Some(id) = input.revision.replayed(state, call) {
        let asset = state.asset(&domain, id)?;
        return Ok(Reply::created(asset_json(asset, asset.current())));
    }
    let project = state.project(&domain, &input.owning_project_identifier)?.id.clone();
    // "If the value for the externalIdentifier parameter is specified, it must be a unique value."
    if let Some(external) = &input.external_identifier {
        if state.assets.iter().any(|a| a.domain_id == domain && a.external_identifier.as_ref() == Some(external)) {
            return Err(ApiError::conflict(format!("An asset with external identifier {external} already exists")));
        }
    }
    name_taken(state, &project, &input.revision.name, None)?;
    let token = input.revision.client_token.clone();
    let asset = Asset {
        id: new_resource_id(),
        domain_id: domain,
        type_identifier: input.type_identifier,
        external_identifier: input.external_identifier,
        owning_project_id: project,
        created_at: call.now,
        created_by: call.caller.to_owned(),
        revisions: vec![input.revision.into_revision(1, &[], call)],
        listing: None,
    };
    let body = asset_json(&asset, asset.current());
    if let Some(token) = token {
        state.client_tokens.insert((call.operation, token), asset.id.clone());
    }
    state.assets.push(asset);
    Ok(Reply::created(body))
}

/// CreateAssetRevision (`POST /v2/domains/{domainIdentifier}/assets/{identifier}/revisions`,
/// 200): the next revision of the asset, with the same limits as CreateAsset; the name must
/// stay unique within the owning project (ConflictException). A repeated clientToken
/// answers the revision it made.
pub fn create_asset_revision(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?.to_owned();
    let input: RevisionInput = call.body()?;
    input.check(state, &domain)?;
    if let Some((asset_id, number)) = input.replayed(state, call).and_then(|made| made.split_once('@')) {
        let asset = state.asset(&domain, asset_id)?;
        let revision = asset.revisions.iter().find(|r| r.revision.to_string() == number).unwrap_or(asset.current());
        return Ok(Reply::ok(asset_json(asset, revision)));
    }
    let asset = state.asset(&domain, &id)?;
    name_taken(state, &asset.owning_project_id, &input.name, Some(&id))?;
    let token = input.client_token.clone();
    let revision = input.into_revision(asset.current().revision + 1, &asset.current().forms, call);
    let number = revision.revision;
    let asset = state.assets.iter_mut().find(|a| a.domain_id == domain && a.id == id).expect("found above");
    asset.revisions.push(revision);
    let body = asset_json(asset, asset.current());
    if let Some(token) = token {
        state.client_tokens.insert((call.operation, token), format!("{id}@{number}"));
    }
    Ok(Reply::ok(body))
}

/// ListAssetRevisions (`GET /v2/domains/{domainIdentifier}/assets/{identifier}/revisions`):
/// `maxResults` 1..50, `nextToken`; the reference names no order, the stand-in lists the
/// newest revision first.
pub fn list_asset_revisions(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let id = id_label(call, 1, "identifier")?;
    let page = PageRequest::new(call.query_int("maxResults")?, call.query("nextToken"), (1, 50))?;
    let asset = state.asset(&domain, id)?;
    let items: Vec<Value> = asset
        .revisions
        .iter()
        .rev()
        .map(|r| {
            json!({
                "domainId": asset.domain_id,
                "id": asset.id,
                "revision": r.revision.to_string(),
                "createdAt": epoch(r.created_at),
                "createdBy": r.created_by,
            })
        })
        .collect();
    let (items, next) = page.page(items);
    Ok(Reply::ok(json!({"items": items, "nextToken": next})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ChangeSetInput {
    pub(super) action: String,
    pub(super) entity_identifier: String,
    entity_type: String,
    pub(super) entity_revision: Option<String>,
    client_token: Option<String>,
}

/// A listing's id, revision and status after a change set.
pub(super) type ListingState = (String, u32, &'static str);

/// Applies a change set's `action` to one entity's listing slot: PUBLISH lists `revision`
/// (numbered `number`; `number_of` reads the number of what is listed) under the entity's
/// one listing id with the next listing revision; UNPUBLISH makes it INACTIVE. Publishing
/// what is already listed, or unpublishing what is not, is a ConflictException.
pub(super) fn apply_change<R: Clone>(
    slot: &mut Option<Listing<R>>,
    action: &str,
    revision: R,
    number: u32,
    number_of: impl Fn(&R) -> u32,
    what: &str,
    call: &Call,
) -> Result<ListingState, ApiError> {
    let listing = match (action, slot.as_mut()) {
        ("PUBLISH", Some(l)) if l.is_active() && number_of(&l.published) == number => {
            return Err(ApiError::conflict(format!("Revision {number} of {what} is already published")));
        }
        ("PUBLISH", Some(l)) => {
            l.revision += 1;
            l.status = "ACTIVE";
            l.published = revision;
            l.updated_at = call.now;
            call.caller.clone_into(&mut l.updated_by);
            l
        }
        ("PUBLISH", None) => slot.insert(Listing {
            id: new_resource_id(),
            created_at: call.now,
            created_by: call.caller.to_owned(),
            revision: 1,
            updated_at: call.now,
            updated_by: call.caller.to_owned(),
            status: "ACTIVE",
            published: revision,
        }),
        (_, Some(l)) if l.is_active() => {
            l.status = "INACTIVE";
            l.updated_at = call.now;
            call.caller.clone_into(&mut l.updated_by);
            l
        }
        _ => return Err(ApiError::conflict(format!("The {what} has no published listing"))),
    };
    Ok((listing.id.clone(), listing.revision, listing.status))
}

/// CreateListingChangeSet (`POST /v2/domains/{domainIdentifier}/listings/change-set`):
/// `PUBLISH` lists `entityRevision` (the latest when absent) in the catalog, as the
/// asset's one listing (same listing id, next listing revision); `UNPUBLISH` makes the
/// listing INACTIVE: it leaves SearchListings and takes no new subscription requests,
/// existing subscriptions stay. Answers `listingId`, `listingRevision` and `status`
/// (ACTIVE or INACTIVE; the stand-in does not pass through CREATING). Publishing the
/// revision already listed, or unpublishing what is not listed, is a ConflictException.
/// `DATA_PRODUCT` entities are data products (see `products::change_listing`).
pub fn create_listing_change_set(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let input: ChangeSetInput = call.body()?;
    wire::check_enum("action", &input.action, &["PUBLISH", "UNPUBLISH"])?;
    wire::check_enum("entityType", &input.entity_type, &["ASSET", "DATA_PRODUCT"])?;
    wire::check_pattern("entityIdentifier", &input.entity_identifier, &wire::RESOURCE_ID)?;
    wire::check_opt_len("entityRevision", input.entity_revision.as_deref(), 1, 64)?;
    if let Some(token) = &input.client_token {
        wire::check_len("clientToken", token, 1, 128)?;
        wire::check_pattern("clientToken", token, &CLIENT_TOKEN)?;
        // The answer a change set with this token gave, kept as its JSON text.
        if let Some(answer) = state.client_tokens.get(&(call.operation, token.clone())) {
            return Ok(Reply::ok(serde_json::from_str(answer).unwrap_or(Value::Null)));
        }
    }
    let listing = if input.entity_type == "DATA_PRODUCT" {
        super::products::change_listing(state, call, &domain, &input)?
    } else {
        let asset = state.asset(&domain, &input.entity_identifier)?;
        let revision = match input.entity_revision.as_deref() {
            None => asset.current().clone(),
            Some(wanted) => asset
                .revisions
                .iter()
                .find(|r| r.revision.to_string() == wanted)
                .cloned()
                .ok_or_else(|| ApiError::not_found(format!("Revision {wanted} of asset {} not found", asset.id)))?,
        };
        let id = asset.id.clone();
        let asset = state.assets.iter_mut().find(|a| a.domain_id == domain && a.id == id).expect("found above");
        let number = revision.revision;
        apply_change(&mut asset.listing, &input.action, revision, number, |r| r.revision, &format!("asset {id}"), call)?
    };
    let answer = json!({"listingId": listing.0, "listingRevision": listing.1.to_string(), "status": listing.2});
    if let Some(token) = input.client_token {
        state.client_tokens.insert((call.operation, token), answer.to_string());
    }
    Ok(Reply::ok(answer))
}

/// One searchable thing: its wire item and the attribute values filters and text match on.
struct Doc {
    item: Value,
    name: String,
    created: DateTime<Utc>,
    fields: Vec<(&'static str, Vec<String>)>,
}

/// Attribute names are matched loosely (case, punctuation, a namespace prefix, synonyms).
/// The Search and SearchListings reference names two special attributes: "To filter on
/// glossary terms, use the special attribute __DataZoneGlossaryTerms" and "Create/update
/// timestamp filtering is supported using the special creationTime/lastUpdatedTime
/// attributes" (an item here is never updated after it is created).
fn normalize(attribute: &str) -> String {
    let last = attribute.rsplit('.').next().unwrap_or(attribute);
    let key: String = last.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase();
    match key.as_str() {
        "assetname" | "title" => "name".into(),
        "owningproject" | "owningprojectidentifier" => "owningprojectid".into(),
        "assettype" | "entitytype" | "type" => "typeidentifier".into(),
        "glossaryterm" | "terms" | "datazoneglossaryterms" => "glossaryterms".into(),
        "identifier" | "entityid" | "assetid" => "id".into(),
        "updatedat" | "createdat" | "firstrevisioncreatedat" | "creationtime" | "lastupdatedtime" => "createdat".into(),
        _ => key,
    }
}

impl Doc {
    fn values(&self, attribute: &str) -> Vec<&str> {
        let key = normalize(attribute);
        self.fields.iter().filter(|(k, _)| *k == key).flat_map(|(_, v)| v.iter().map(String::as_str)).collect()
    }

    /// Every whitespace-separated word of the text must occur in one of the fields searched.
    /// Double quotes mark a lexical query ("enclose the query with double quotes", Search
    /// reference); every word must occur either way, so the quotes themselves are dropped.
    fn matches_text(&self, text: &str, search_in: &[String]) -> bool {
        let haystack: Vec<String> = if search_in.is_empty() {
            self.fields
                .iter()
                .filter(|(k, _)| TEXT_FIELDS.contains(k))
                .flat_map(|(_, v)| v.iter().map(|s| s.to_lowercase()))
                .collect()
        } else {
            search_in.iter().flat_map(|a| self.values(a)).map(str::to_lowercase).collect()
        };
        text.split_whitespace()
            .map(|w| w.trim_matches('"').to_lowercase())
            .filter(|w| !w.is_empty())
            .all(|word| haystack.iter().any(|h| h.contains(&word)))
    }
}

const TEXT_FIELDS: &[&str] = &[
    "name",
    "description",
    "glossaryterms",
    "typeidentifier",
    "externalidentifier",
    "shortdescription",
    "longdescription",
];

fn compare(op: &str, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match op {
        "LE" => ordering != Greater,
        "LT" => ordering == Less,
        "GE" => ordering != Less,
        "GT" => ordering == Greater,
        _ => ordering == Equal,
    }
}

/// Evaluates a `FilterClause`; every branch is visited so that a bad clause is always reported.
fn eval(clause: &Value, doc: &Doc) -> Result<bool, ApiError> {
    let (key, inner) = wire::union_key("filters", clause)?;
    match key {
        "filter" => {
            let attribute = inner["attribute"]
                .as_str()
                .ok_or_else(|| ApiError::validation("filters.filter.attribute is required"))?;
            wire::check_len("filters.filter.attribute", attribute, 1, 128)?;
            let op = inner["operator"].as_str().unwrap_or("EQ");
            wire::check_enum("filters.filter.operator", op, &["EQ", "LE", "LT", "GE", "GT", "TEXT_SEARCH"])?;
            let values = doc.values(attribute);
            if let Some(int) = inner["intValue"].as_i64() {
                return Ok(values.iter().filter_map(|v| v.parse::<i64>().ok()).any(|v| compare(op, v.cmp(&int))));
            }
            let wanted = inner["value"].as_str().unwrap_or_default();
            wire::check_len("filters.filter.value", wanted, 0, 128)?;
            let wanted = wanted.to_lowercase();
            Ok(values.iter().any(|v| {
                let v = v.to_lowercase();
                if op == "TEXT_SEARCH" {
                    v.contains(&wanted)
                } else {
                    compare(op, v.as_str().cmp(wanted.as_str()))
                }
            }))
        }
        "and" | "or" => {
            let clauses =
                inner.as_array().ok_or_else(|| ApiError::validation(format!("filters.{key} must be a list")))?;
            wire::check_count(&format!("filters.{key}"), clauses, 1, 100)?;
            let results = clauses.iter().map(|c| eval(c, doc)).collect::<Result<Vec<bool>, _>>()?;
            Ok(if key == "and" { results.iter().all(|r| *r) } else { results.iter().any(|r| *r) })
        }
        other => Err(ApiError::validation(format!("filters.{other} is not a member of FilterClause"))),
    }
}

#[derive(Deserialize)]
struct SearchSort {
    attribute: String,
    order: Option<String>,
}

#[derive(Deserialize)]
struct SearchInItem {
    attribute: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Aggregation {
    attribute: String,
    display_value: Option<String>,
}

/// The members Search and SearchListings share.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Query {
    search_text: Option<String>,
    search_in: Option<Vec<SearchInItem>>,
    max_results: Option<i64>,
    next_token: Option<String>,
    filters: Option<Value>,
    sort: Option<SearchSort>,
    additional_attributes: Option<Vec<String>>,
}

impl Query {
    fn check(&self) -> Result<(), ApiError> {
        if let Some(items) = &self.search_in {
            wire::check_count("searchIn", items, 1, 10)?;
            for item in items {
                wire::check_len("searchIn.attribute", &item.attribute, 1, 128)?;
            }
        }
        if let Some(sort) = &self.sort {
            wire::check_len("sort.attribute", &sort.attribute, 1, 128)?;
            if let Some(order) = &sort.order {
                wire::check_enum("sort.order", order, &["ASCENDING", "DESCENDING"])?;
            }
        }
        for attribute in self.additional_attributes.iter().flatten() {
            wire::check_enum(
                "additionalAttributes",
                attribute,
                &["FORMS", "TIME_SERIES_DATA_POINT_FORMS", "TEXT_MATCH_RATIONALE"],
            )?;
        }
        if let Some(filters) = &self.filters {
            let probe = Doc {
                item: Value::Null,
                name: String::new(),
                created: DateTime::<Utc>::UNIX_EPOCH,
                fields: Vec::new(),
            };
            eval(filters, &probe)?;
        }
        Ok(())
    }

    fn wants_forms(&self) -> bool {
        self.additional_attributes.iter().flatten().any(|a| a == "FORMS")
    }

    /// Filters, text-matches and sorts the documents; unsorted results keep catalog order.
    fn run(&self, docs: Vec<Doc>) -> Result<Vec<Doc>, ApiError> {
        let search_in: Vec<String> = self.search_in.iter().flatten().map(|s| s.attribute.clone()).collect();
        let mut hits = Vec::new();
        for doc in docs {
            let text_ok = self.search_text.as_deref().is_none_or(|t| doc.matches_text(t, &search_in));
            let filter_ok = match &self.filters {
                Some(f) => eval(f, &doc)?,
                None => true,
            };
            if text_ok && filter_ok {
                hits.push(doc);
            }
        }
        if let Some(sort) = &self.sort {
            if normalize(&sort.attribute) == "createdat" {
                hits.sort_by_key(|d| d.created);
            } else {
                hits.sort_by_key(|d| d.name.to_lowercase());
            }
            if sort.order.as_deref() == Some("DESCENDING") {
                hits.reverse();
            }
        }
        Ok(hits)
    }
}

/// What filters and text match on for asset `a` as revision `r` describes it.
fn asset_fields(state: &State, a: &Asset, r: &AssetRevision) -> Vec<(&'static str, Vec<String>)> {
    let term_names: Vec<String> = r
        .glossary_terms
        .iter()
        .filter_map(|id| state.terms.iter().find(|t| &t.id == id))
        .map(|t| t.name.clone())
        .collect();
    let unit = state.projects.iter().find(|p| p.id == a.owning_project_id).map(|p| p.unit_id.clone());
    vec![
        ("id", vec![a.id.clone()]),
        ("name", vec![r.name.clone()]),
        ("description", r.description.clone().into_iter().collect()),
        ("owningprojectid", vec![a.owning_project_id.clone()]),
        ("typeidentifier", vec![a.type_identifier.clone()]),
        ("externalidentifier", a.external_identifier.clone().into_iter().collect()),
        ("glossaryterms", [r.glossary_terms.clone(), term_names].concat()),
        ("domainunitid", unit.into_iter().collect()),
        ("listingid", a.listing.iter().map(|l| l.id.clone()).collect()),
        ("createdat", vec![a.created_at.timestamp().to_string()]),
    ]
}

fn glossary_fields(g: &Glossary) -> Vec<(&'static str, Vec<String>)> {
    vec![
        ("id", vec![g.id.clone()]),
        ("name", vec![g.name.clone()]),
        ("description", g.description.clone().into_iter().collect()),
        ("owningprojectid", vec![g.owning_project_id.clone()]),
        ("status", vec!["ENABLED".into()]),
        ("createdat", vec![g.created_at.timestamp().to_string()]),
    ]
}

fn term_fields(state: &State, t: &GlossaryTerm) -> Vec<(&'static str, Vec<String>)> {
    let project = state.glossaries.iter().find(|g| g.id == t.glossary_id).map(|g| g.owning_project_id.clone());
    vec![
        ("id", vec![t.id.clone()]),
        ("name", vec![t.name.clone()]),
        ("shortdescription", t.short_description.clone().into_iter().collect()),
        ("longdescription", t.long_description.clone().into_iter().collect()),
        ("glossaryid", vec![t.glossary_id.clone()]),
        ("owningprojectid", project.into_iter().collect()),
        ("status", vec!["ENABLED".into()]),
        ("createdat", vec![t.created_at.timestamp().to_string()]),
    ]
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchInput {
    search_scope: String,
    owning_project_identifier: Option<String>,
    #[serde(flatten)]
    query: Query,
}

pub fn search(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let input: SearchInput = call.body()?;
    wire::check_enum("searchScope", &input.search_scope, &["ASSET", "GLOSSARY", "GLOSSARY_TERM", "DATA_PRODUCT"])?;
    wire::check_opt_len("searchText", input.query.search_text.as_deref(), 1, 512)?;
    input.query.check()?;
    let page = PageRequest::new(input.query.max_results, input.query.next_token.as_deref(), (1, 50))?;
    let forms = input.query.wants_forms();
    let docs: Vec<Doc> = match input.search_scope.as_str() {
        "ASSET" => state
            .assets
            .iter()
            .filter(|a| a.domain_id == domain)
            .map(|a| {
                let mut item = asset_json(a, a.current());
                item["identifier"] = item["id"].take();
                for key in ["revision", "listing", "formsOutput", "readOnlyFormsOutput", "id"] {
                    if let Some(map) = item.as_object_mut() {
                        map.remove(key);
                    }
                }
                if forms {
                    item["additionalAttributes"] = json!({"formsOutput": forms_output(&a.current().forms)});
                }
                Doc {
                    item: json!({ "assetItem": item }),
                    name: a.current().name.clone(),
                    created: a.created_at,
                    fields: asset_fields(state, a, a.current()),
                }
            })
            .collect(),
        "GLOSSARY" => state
            .glossaries
            .iter()
            .filter(|g| g.domain_id == domain)
            .map(|g| Doc {
                item: json!({ "glossaryItem": glossary_json(g) }),
                name: g.name.clone(),
                created: g.created_at,
                fields: glossary_fields(g),
            })
            .collect(),
        "GLOSSARY_TERM" => state
            .terms
            .iter()
            .filter(|t| t.domain_id == domain)
            .map(|t| Doc {
                item: json!({ "glossaryTermItem": term_json(t) }),
                name: t.name.clone(),
                created: t.created_at,
                fields: term_fields(state, t),
            })
            .collect(),
        _ => state
            .products
            .iter()
            .filter(|p| p.domain_id == domain)
            .map(|p| Doc {
                item: json!({ "dataProductItem": super::products::search_item(state, p, p.current(), false) }),
                name: p.current().name.clone(),
                created: p.created_at,
                fields: super::products::fields(state, p, p.current()),
            })
            .collect(),
    };
    let docs: Vec<Doc> = docs
        .into_iter()
        .filter(|d| input.owning_project_identifier.as_deref().is_none_or(|p| d.values("owningProjectId").contains(&p)))
        .collect();
    let hits = input.query.run(docs)?;
    let total = hits.len();
    let (items, next) = page.page(hits.into_iter().map(|d| d.item).collect());
    Ok(Reply::ok(json!({
        "items": items,
        "nextToken": next,
        "totalMatchCount": total,
    })))
}

fn form_type_json(t: &FormType) -> Value {
    json!({
        "domainId": t.domain_id,
        "name": t.name,
        "revision": REVISION,
        "model": {"smithy": t.model},
        "status": "ENABLED",
        "owningProjectId": t.owning_project_id,
        "createdAt": epoch(t.created_at),
        "createdBy": t.created_by,
        "description": t.description,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchTypesInput {
    search_scope: String,
    managed: Option<bool>,
    #[serde(flatten)]
    query: Query,
}

/// SearchTypes (`POST /v2/domains/{domainIdentifier}/types-search`): `searchScope`
/// (ASSET_TYPE, FORM_TYPE, LINEAGE_NODE_TYPE) and `managed` are required, `searchText`
/// 1..4096, `maxResults` 1..50. Form types answer as `formTypeItem` with their Smithy model.
/// The stand-in holds only the domain's own (`managed: false`) form types: managed types
/// and asset types answer no items.
pub fn search_types(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let input: SearchTypesInput = call.body()?;
    wire::check_enum("searchScope", &input.search_scope, &["ASSET_TYPE", "FORM_TYPE", "LINEAGE_NODE_TYPE"])?;
    let managed = input.managed.ok_or_else(|| ApiError::validation("managed is required"))?;
    wire::check_opt_len("searchText", input.query.search_text.as_deref(), 1, 4096)?;
    input.query.check()?;
    let page = PageRequest::new(input.query.max_results, input.query.next_token.as_deref(), (1, 50))?;
    let docs: Vec<Doc> = if input.search_scope == "FORM_TYPE" && !managed {
        state
            .form_types
            .iter()
            .filter(|t| t.domain_id == domain)
            .map(|t| Doc {
                item: json!({"formTypeItem": form_type_json(t)}),
                name: t.name.clone(),
                created: t.created_at,
                fields: vec![
                    ("name", vec![t.name.clone()]),
                    ("description", t.description.clone().into_iter().collect()),
                    ("owningprojectid", vec![t.owning_project_id.clone()]),
                    ("createdat", vec![t.created_at.timestamp().to_string()]),
                ],
            })
            .collect()
    } else {
        Vec::new()
    };
    let hits = input.query.run(docs)?;
    let total = hits.len();
    let (items, next) = page.page(hits.into_iter().map(|d| d.item).collect());
    Ok(Reply::ok(json!({"items": items, "nextToken": next, "totalMatchCount": total})))
}

/// GetFormType: the form type with its Smithy model; `revision` (1..64) must be its one
/// revision, else ResourceNotFoundException.
pub fn get_form_type(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let name = id_label(call, 1, "formTypeIdentifier")?;
    wire::check_len("formTypeIdentifier", name, 1, 385)?;
    let form_type = state
        .form_types
        .iter()
        .find(|t| t.domain_id == domain && t.name == name)
        .ok_or_else(|| ApiError::not_found(format!("Form type {name} not found")))?;
    if let Some(wanted) = call.query("revision") {
        wire::check_len("revision", wanted, 1, 64)?;
        if wanted != REVISION {
            return Err(ApiError::not_found(format!("Revision {wanted} of form type {name} not found")));
        }
    }
    Ok(Reply::ok(form_type_json(form_type)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SearchListingsInput {
    aggregations: Option<Vec<Aggregation>>,
    #[serde(flatten)]
    query: Query,
}

fn aggregate(state: &State, hits: &[Doc], aggregations: &[Aggregation]) -> Vec<Value> {
    aggregations
        .iter()
        .map(|agg| {
            let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
            for doc in hits {
                for value in doc.values(&agg.attribute) {
                    *counts.entry(value).or_default() += 1;
                }
            }
            let items: Vec<Value> = counts
                .into_iter()
                .map(|(value, count)| {
                    let display = state
                        .projects
                        .iter()
                        .find(|p| p.id == value)
                        .map(|p| p.name.as_str())
                        .or_else(|| state.terms.iter().find(|t| t.id == value).map(|t| t.name.as_str()))
                        .unwrap_or(value);
                    json!({"value": value, "count": count, "displayValue": display})
                })
                .collect();
            json!({
                "attribute": agg.attribute,
                "displayValue": agg.display_value.clone().unwrap_or_else(|| agg.attribute.clone()),
                "items": items,
            })
        })
        .collect()
}

pub fn search_listings(state: &mut State, call: &Call) -> Outcome {
    let domain = domain_id(state, call)?;
    let input: SearchListingsInput = call.body()?;
    wire::check_opt_len("searchText", input.query.search_text.as_deref(), 0, 512)?;
    input.query.check()?;
    if let Some(aggregations) = &input.aggregations {
        wire::check_count("aggregations", aggregations, 1, 10)?;
        for agg in aggregations {
            wire::check_len("aggregations.attribute", &agg.attribute, 1, 128)?;
            wire::check_opt_len("aggregations.displayValue", agg.display_value.as_deref(), 1, 100)?;
        }
    }
    let page = PageRequest::new(input.query.max_results, input.query.next_token.as_deref(), (1, 50))?;
    let forms = input.query.wants_forms();
    let docs: Vec<Doc> = state
        .assets
        .iter()
        .filter(|a| a.domain_id == domain)
        .filter_map(|a| a.listing.as_ref().filter(|l| l.is_active()).map(|l| (a, l)))
        .map(|(a, l)| {
            // The catalog shows the published revision, not the asset as it stands.
            let shown = &l.published;
            let item = json!({
                "listingId": l.id,
                "listingRevision": l.revision.to_string(),
                "name": shown.name,
                "entityId": a.id,
                "entityRevision": shown.revision.to_string(),
                "entityType": a.type_identifier,
                "description": shown.description,
                "createdAt": epoch(l.created_at),
                "listingCreatedBy": l.created_by,
                "listingUpdatedBy": l.updated_by,
                "glossaryTerms": detailed_terms(state, &shown.glossary_terms),
                "owningProjectId": a.owning_project_id,
                "additionalAttributes": forms.then(|| json!({"forms": forms_document(&shown.forms)})),
            });
            Doc {
                item: json!({ "assetListing": item }),
                name: shown.name.clone(),
                created: l.created_at,
                fields: asset_fields(state, a, shown),
            }
        })
        .chain(state.products.iter().filter(|p| p.domain_id == domain).filter_map(|p| {
            let l = p.listing.as_ref().filter(|l| l.is_active())?;
            let shown = &l.published;
            let mut item = super::products::search_item(state, p, shown, true);
            if forms {
                item["additionalAttributes"] = json!({"forms": forms_document(&shown.forms)});
            }
            Some(Doc {
                item: json!({ "dataProductListing": item }),
                name: shown.name.clone(),
                created: l.created_at,
                fields: super::products::fields(state, p, shown),
            })
        }))
        .collect();
    let hits = input.query.run(docs)?;
    let aggregates = input.aggregations.as_deref().map(|aggs| aggregate(state, &hits, aggs));
    let total = hits.len();
    let (items, next) = page.page(hits.into_iter().map(|d| d.item).collect());
    Ok(Reply::ok(json!({
        "items": items,
        "nextToken": next,
        "totalMatchCount": total,
        "aggregates": aggregates,
    })))
}
