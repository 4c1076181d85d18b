//! Producers publishing: a project's inventory, an asset's business metadata as new
//! revisions, and publishing it in the catalog. Who may do what comes from DataZone's
//! project memberships, read when asked; every change is audited with before and after.

use std::collections::HashMap;

use app::api::ports::Publishing;
use app::model::{
    AccessTerms, ApiError, AssetChange, AssetEdit, Caller, FieldKind, FormTypeView, FormValues, Inventory,
    InventoryItem, NewGlueAsset, ProducerAsset, ProducerProduct, ProductEdit, ProductPart, ProductSummary,
    ProjectChoice, Publication, RevisionView, TermSummary,
};
use async_trait::async_trait;
use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::json;
use sqlx::PgPool;

use crate::aws::assets::{AssetState, BusinessMetadata, InventoryAsset};
use crate::aws::products::{ProductContent, ProductState};
use crate::aws::Aws;
use crate::error::AppError;
use crate::store;

/// DataZone calls made at once for one page (GetAsset and GetListing per asset).
const READS_AT_ONCE: usize = 4;

pub struct PublishingService {
    pub pool: PgPool,
    pub aws: Aws,
}

/// What a person may do with a project's assets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    None,
    /// A member that may read (catalog viewers and the like).
    Member,
    /// An owner or contributor: may revise and publish.
    Producer,
}

impl PublishingService {
    /// The caller's standing in `project`, from its memberships read now
    /// (ListProjectMemberships): never from a copy the portal made.
    async fn standing(&self, caller: &Caller, project: &str) -> Result<Standing, AppError> {
        let members = self.aws.memberships(project).await?;
        let mine: Vec<&String> = members.iter().filter(|(id, _)| caller.is_or_in(id)).map(|(_, d)| d).collect();
        Ok(if mine.iter().any(|d| matches!(d.as_str(), "PROJECT_OWNER" | "PROJECT_CONTRIBUTOR")) {
            Standing::Producer
        } else if mine.is_empty() {
            Standing::None
        } else {
            Standing::Member
        })
    }

    /// The asset as it stands and the caller's right to change it: `Forbidden` unless an
    /// owner or contributor of its project.
    async fn for_producer(&self, caller: &Caller, id: &str) -> Result<AssetState, AppError> {
        let asset = self.aws.asset_state(id).await?;
        if self.standing(caller, &asset.owning_project_id).await? != Standing::Producer {
            return Err(AppError::Forbidden);
        }
        Ok(asset)
    }

    /// Where the asset stands in the catalog, and the revision the catalog shows.
    async fn publication(&self, asset: &AssetState) -> Result<(Publication, Option<String>), AppError> {
        let (publication, shown, _) = self.listed(asset).await?;
        Ok((publication, shown))
    }

    /// [`Self::publication`], with the columns of the table the catalog lists (empty when
    /// it lists none).
    async fn listed(&self, asset: &AssetState) -> Result<(Publication, Option<String>, Vec<String>), AppError> {
        let Some((listing, _)) = &asset.listing else { return Ok((Publication::Draft, None, Vec::new())) };
        let (shown, active, columns) = self.aws.listed_revision(listing).await?;
        let publication = Publication::of(&asset.revision, Some((&shown, active)));
        Ok((publication, active.then_some(shown), if active { columns } else { Vec::new() }))
    }

    /// Serialises changes to one asset across replicas for the rest of `tx`, so a read,
    /// compare and write is never interleaved with another person's.
    async fn lock(tx: &mut sqlx::PgConnection, id: &str) -> Result<(), AppError> {
        Self::lock_key(tx, &format!("asset:{id}")).await
    }

    async fn lock_key(tx: &mut sqlx::PgConnection, key: &str) -> Result<(), AppError> {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))").bind(key).execute(tx).await?;
        Ok(())
    }

    /// Glossary term ids that are not terms of the domain (GetGlossaryTerm for those the
    /// cached term list does not hold).
    async fn unknown_terms(&self, ids: &[String]) -> Result<Vec<String>, AppError> {
        let known = self.aws.search_terms("").await?;
        let mut unknown = Vec::new();
        for id in ids.iter().filter(|id| !known.iter().any(|t| &t.id == *id)) {
            match self.aws.term(id).await {
                Ok(_) => {}
                Err(AppError::NotFound(_)) => unknown.push(id.clone()),
                Err(other) => return Err(other),
            }
        }
        Ok(unknown)
    }

    /// Changes made through Meshgate to the asset or data product (`kind`), newest first.
    async fn changes(&self, kind: &str, id: &str) -> Result<Vec<AssetChange>, AppError> {
        let filter = store::audit::Filter { target: Some(id.to_owned()), ..Default::default() };
        let events = store::audit::page(&self.pool, &filter, 50).await?;
        Ok(events
            .into_iter()
            .filter(|e| e.target_kind == kind)
            .map(|e| AssetChange {
                at_text: e.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                actor: e.actor,
                what: describe_change(e.before.as_ref(), e.after.as_ref()),
                action: e.action,
            })
            .collect())
    }

    /// A project's assets, each with its latest revision and where the catalog stands (GetAsset
    /// and GetListing per asset, a few at once).
    async fn project_assets(
        &self,
        project: &str,
        query: &str,
    ) -> Result<Vec<(InventoryAsset, AssetState, Publication)>, AppError> {
        let assets = self.aws.project_assets(project, query).await?;
        stream::iter(assets)
            .map(|a| async move {
                let state = self.aws.asset_state(&a.id).await?;
                let (publication, _) = self.publication(&state).await?;
                Ok::<_, AppError>((a, state, publication))
            })
            .buffered(READS_AT_ONCE)
            .try_collect()
            .await
    }

    async fn revisions(&self, id: &str) -> Result<Vec<RevisionView>, AppError> {
        let revisions = self.aws.asset_revisions(id).await?;
        let mut names: HashMap<String, String> = HashMap::new();
        for r in &revisions {
            if !names.contains_key(&r.created_by) {
                let name = self.aws.user_names(&r.created_by).await.map_or_else(|_| r.created_by.clone(), |(_, d)| d);
                names.insert(r.created_by.clone(), name);
            }
        }
        Ok(revisions
            .into_iter()
            .map(|r| RevisionView {
                created_at: r.created_at.map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string()).unwrap_or_default(),
                created_by: names.get(&r.created_by).cloned().unwrap_or(r.created_by),
                revision: r.revision,
            })
            .collect())
    }

    /// The domain's form types Meshgate can edit; a model it cannot read is left out (and
    /// logged), its forms then stay as DataZone holds them.
    async fn form_types(&self) -> Result<Vec<FormTypeView>, AppError> {
        Ok(self
            .aws
            .form_types()
            .await?
            .into_iter()
            .filter_map(|(name, description, model)| match FormTypeView::parse(&name, &description, &model) {
                Ok(view) => Some(view),
                Err(why) => {
                    tracing::warn!(form_type = %name, %why, "metadata form type left out of the editor");
                    None
                }
            })
            .collect())
    }

    async fn save(&self, caller: &Caller, edit: AssetEdit) -> Result<String, AppError> {
        let asset = self.for_producer(caller, &edit.asset_id).await?;
        let unknown = self.unknown_terms(&edit.glossary_terms).await?;
        if let Some(first) = unknown.first() {
            return Err(AppError::invalid("glossary_terms", format!("{first} is not a glossary term of this domain.")));
        }
        let types = self.form_types().await?;
        if let Some((field, message)) = edit.form_problem(&types) {
            return Err(AppError::invalid(field, message));
        }
        let edited: Vec<(String, String)> = edit
            .forms
            .iter()
            .filter_map(|f| types.iter().find(|t| t.name == f.type_name).map(|t| (t.name.clone(), form_content(t, f))))
            .collect();
        let metadata = BusinessMetadata {
            name: edit.name.trim().to_owned(),
            description: edit.description.trim_end().to_owned(),
            glossary_terms: edit.glossary_terms.clone(),
        };
        let mut tx = self.pool.begin().await?;
        Self::lock(&mut tx, &asset.id).await?;
        // Read again under the lock: what DataZone holds now decides.
        let current = self.aws.asset_state(&asset.id).await?;
        // Every attached form stays; the edited ones take their new content.
        let mut forms = current.forms.clone();
        for (name, content) in &edited {
            match forms.iter_mut().find(|(n, _, _)| n == name) {
                Some(slot) => slot.2.clone_from(content),
                None => forms.push((name.clone(), name.clone(), content.clone())),
            }
        }
        let unchanged = current.name == metadata.name
            && current.description == metadata.description
            && sorted(&current.glossary_terms) == sorted(&metadata.glossary_terms)
            && forms_json(&forms) == forms_json(&current.forms);
        if unchanged {
            // Nothing to change, or this very edit was saved already (a retried save).
            return Ok(current.revision);
        }
        if current.revision != edit.base_revision {
            return Err(AppError::Conflict(format!(
                "Someone saved revision {} of this asset after you opened it. Reload to see their change, then make yours again.",
                current.revision
            )));
        }
        let token = format!("meshgate-revision-{}-{}", current.id, current.revision);
        let revision = self.aws.revise_asset(&current, &metadata, &forms, &token).await.map_err(refused)?;
        let before = json!({
            "revision": current.revision,
            "name": current.name,
            "description": current.description,
            "glossary_terms": current.glossary_terms,
            "forms": forms_json(&current.forms),
        });
        let after = json!({
            "revision": revision,
            "name": metadata.name,
            "description": metadata.description,
            "glossary_terms": metadata.glossary_terms,
            "forms": forms_json(&forms),
        });
        super::audit_event(
            &mut *tx,
            &caller.username,
            "asset.revised",
            ("asset", &current.id),
            Some(before),
            Some(after),
        )
        .await?;
        tx.commit().await?;
        Ok(revision)
    }

    async fn add_table(&self, caller: &Caller, form: NewGlueAsset) -> Result<String, AppError> {
        if self.standing(caller, &form.project_id).await? != Standing::Producer {
            return Err(AppError::Forbidden);
        }
        let name = if form.name.trim().is_empty() { form.table.clone() } else { form.name.trim().to_owned() };
        let id =
            self.aws.create_glue_asset(&form.project_id, &form, &name, &form.token).await.map_err(|e| match e {
                AppError::Upstream { code, .. } if code == "ConflictException" => AppError::invalid(
                    "table",
                    "This table is already an asset of the domain, or the project has an asset of that name.",
                ),
                other => refused(other),
            })?;
        let after = json!({"name": name, "table": form.table_arn(), "project": form.project_id});
        super::audit_event(&self.pool, &caller.username, "asset.created", ("asset", &id), None, Some(after)).await?;
        Ok(id)
    }

    async fn change_listing(&self, caller: &Caller, id: &str, revision: &str, publish: bool) -> Result<(), AppError> {
        let asset = self.for_producer(caller, id).await?;
        let mut tx = self.pool.begin().await?;
        Self::lock(&mut tx, &asset.id).await?;
        let current = self.aws.asset_state(&asset.id).await?;
        let (before, shown) = self.publication(&current).await?;
        if publish && current.revision != revision {
            return Err(AppError::Conflict(format!(
                "Revision {} of this asset was saved after you opened it. Reload to see it before publishing.",
                current.revision
            )));
        }
        if already(publish, before) {
            return Ok(());
        }
        // The lock and the state read above make a repeated click a no-op.
        let publish_revision = publish.then_some(current.revision.as_str());
        self.aws.change_listing(&current.id, publish_revision, publish).await?;
        let action = if publish { "asset.published" } else { "asset.unpublished" };
        let after = if publish { Publication::Published } else { Publication::Unpublished };
        super::audit_event(
            &mut *tx,
            &caller.username,
            action,
            ("asset", &current.id),
            Some(json!({"publication": before.label(), "revision": shown})),
            Some(json!({"publication": after.label(), "revision": publish_revision})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Data products: the same standing rules as assets, each change under a lock per product.
impl PublishingService {
    /// Where a product stands in the catalog. The catalog's listing decides (read now);
    /// a product it does not list is Unpublished when Meshgate ever published it, else Draft.
    async fn product_publication(
        &self,
        p: &ProductState,
        changes: &[AssetChange],
    ) -> Result<(Publication, Option<String>), AppError> {
        Ok(match self.aws.product_listing(&p.id).await? {
            Some((listing, shown)) => (Publication::of(&p.revision, Some((&shown, true))), Some(listing)),
            None if changes.iter().any(|c| c.action == "product.published") => (Publication::Unpublished, None),
            None => (Publication::Draft, None),
        })
    }

    /// The project's data products matching `query` (all when empty), by name.
    async fn products_of(&self, project: &str, query: &str) -> Result<Vec<ProductSummary>, AppError> {
        let wanted = query.trim().to_lowercase();
        let found = self.aws.project_products(project).await?;
        stream::iter(
            found.into_iter().filter(|(_, name, _)| wanted.is_empty() || name.to_lowercase().contains(&wanted)),
        )
        .map(|(id, _, _)| async move {
            let (state, changes) = tokio::try_join!(self.aws.product_state(&id), self.changes("product", &id))?;
            let (publication, _) = self.product_publication(&state, &changes).await?;
            Ok::<_, AppError>(ProductSummary {
                id,
                name: state.name,
                description: super::markdown::to_text(&state.description),
                publication,
            })
        })
        .buffered(READS_AT_ONCE)
        .try_collect()
        .await
    }

    /// Checks that each asset belongs to `project` (Search, then GetAsset for any the
    /// search did not list).
    async fn own_assets(&self, project: &str, ids: &[String]) -> Result<(), AppError> {
        let listed = self.aws.project_assets(project, "").await?;
        for id in ids.iter().filter(|id| !listed.iter().any(|a| &a.id == *id)) {
            let owner = match self.aws.asset_state(id).await {
                Ok(asset) => asset.owning_project_id,
                Err(AppError::NotFound(_)) => String::new(),
                Err(other) => return Err(other),
            };
            if owner != project {
                return Err(AppError::invalid("asset_ids", format!("{id} is not an asset of this project.")));
            }
        }
        Ok(())
    }

    async fn product_view(&self, caller: &Caller, id: &str, project: &str) -> Result<ProducerProduct, AppError> {
        let state = if id.is_empty() { None } else { Some(self.aws.product_state(id).await?) };
        let project = state.as_ref().map_or(project, |p| p.owning_project_id.as_str()).to_owned();
        if project.is_empty() {
            return Err(AppError::invalid("project", "Choose the project the data product belongs to."));
        }
        let standing = self.standing(caller, &project).await?;
        // Members may read a product; only producers may start one.
        if standing == Standing::None || (standing == Standing::Member && state.is_none()) {
            return Err(AppError::Forbidden);
        }
        let (assets, changes, info) = tokio::try_join!(
            self.project_assets(&project, ""),
            async {
                if id.is_empty() {
                    Ok(Vec::new())
                } else {
                    self.changes("product", id).await
                }
            },
            self.aws.project(&project),
        )?;
        let choices: Vec<ProductPart> = assets
            .into_iter()
            .map(|(a, state, publication)| ProductPart { id: a.id, name: state.name, publication })
            .collect();
        let mut parts = Vec::new();
        for asset in state.iter().flat_map(|p| p.asset_ids.iter()) {
            if let Some(part) = choices.iter().find(|c| &c.id == asset) {
                parts.push(part.clone());
            } else {
                let a = self.aws.asset_state(asset).await?;
                let (publication, _) = self.publication(&a).await?;
                parts.push(ProductPart { id: a.id, name: a.name, publication });
            }
        }
        let (publication, listing) = match &state {
            Some(p) => self.product_publication(p, &changes).await?,
            None => (Publication::Draft, None),
        };
        let subscribers = match &listing {
            Some(listing) => self.aws.listing_subscribers(listing).await?,
            None => Vec::new(),
        };
        let (name, description, revision): (String, String, String) =
            state.map(|p| (p.name, p.description, p.revision)).unwrap_or_default();
        Ok(ProducerProduct {
            id: id.to_owned(),
            description_html: super::markdown::to_html(&description),
            name,
            description,
            revision,
            project_name: info.map_or_else(|| project.clone(), |p| p.name),
            project_id: project,
            parts,
            choices,
            publication,
            listing_id: listing,
            subscribers,
            access_terms: if id.is_empty() {
                AccessTerms::standard("")
            } else {
                store::terms::get(&self.pool, id).await?
            },
            changes,
            may_edit: standing == Standing::Producer,
            form_token: uuid::Uuid::new_v4().to_string(),
        })
    }

    async fn save_product_edit(&self, caller: &Caller, edit: ProductEdit) -> Result<String, AppError> {
        let existing = if edit.id.is_empty() { None } else { Some(self.aws.product_state(&edit.id).await?) };
        let project = existing.as_ref().map_or(edit.project_id.as_str(), |p| p.owning_project_id.as_str()).to_owned();
        if self.standing(caller, &project).await? != Standing::Producer {
            return Err(AppError::Forbidden);
        }
        // Each asset once, in the order chosen (`dedup` alone drops only neighbours).
        let mut asset_ids: Vec<String> = Vec::new();
        for id in &edit.asset_ids {
            if !asset_ids.contains(id) {
                asset_ids.push(id.clone());
            }
        }
        self.own_assets(&project, &asset_ids).await?;
        let content = ProductContent {
            name: edit.name.trim().to_owned(),
            description: edit.description.trim_end().to_owned(),
            asset_ids,
            glossary_terms: existing.as_ref().map(|p| p.glossary_terms.clone()).unwrap_or_default(),
        };
        let after = |revision: &str| json!({"revision": revision, "name": content.name, "description": content.description, "asset_ids": content.asset_ids});
        let Some(existing) = existing else {
            let token: String = edit.token.trim().chars().take(64).collect();
            let token = if token.is_empty() { uuid::Uuid::new_v4().to_string() } else { token };
            let id = self
                .aws
                .create_product(&project, &content, &format!("meshgate-product-{token}"))
                .await
                .map_err(refused_product)?;
            super::audit_event(
                &self.pool,
                &caller.username,
                "product.created",
                ("product", &id),
                None,
                Some(after("1")),
            )
            .await?;
            return Ok(id);
        };
        let mut tx = self.pool.begin().await?;
        Self::lock_key(&mut tx, &format!("product:{}", existing.id)).await?;
        let current = self.aws.product_state(&existing.id).await?;
        if current.name == content.name
            && current.description == content.description
            && current.asset_ids == content.asset_ids
        {
            return Ok(current.id);
        }
        if current.revision != edit.base_revision {
            return Err(AppError::Conflict(format!(
                "Someone saved revision {} of this data product after you opened it. Reload to see their change, then make yours again.",
                current.revision
            )));
        }
        let token = format!("meshgate-product-revision-{}-{}", current.id, current.revision);
        let revision = self.aws.revise_product(&current.id, &content, &token).await.map_err(refused_product)?;
        let before = json!({
            "revision": current.revision,
            "name": current.name,
            "description": current.description,
            "asset_ids": current.asset_ids,
        });
        super::audit_event(
            &mut *tx,
            &caller.username,
            "product.revised",
            ("product", &current.id),
            Some(before),
            Some(after(&revision)),
        )
        .await?;
        tx.commit().await?;
        Ok(current.id)
    }

    async fn change_product_listing(
        &self,
        caller: &Caller,
        id: &str,
        revision: &str,
        publish: bool,
    ) -> Result<(), AppError> {
        let product = self.aws.product_state(id).await?;
        if self.standing(caller, &product.owning_project_id).await? != Standing::Producer {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.pool.begin().await?;
        Self::lock_key(&mut tx, &format!("product:{id}")).await?;
        let (current, changes) = tokio::try_join!(self.aws.product_state(id), self.changes("product", id))?;
        let (before, _) = self.product_publication(&current, &changes).await?;
        if publish && current.revision != revision {
            return Err(AppError::Conflict(format!(
                "Revision {} of this data product was saved after you opened it. Reload to see it before publishing.",
                current.revision
            )));
        }
        if already(publish, before) {
            return Ok(());
        }
        if publish {
            // The catalog lists a product's assets on their own: those it does not list yet
            // are published first, each audited.
            for asset_id in &current.asset_ids {
                let mut asset_tx = self.pool.begin().await?;
                Self::lock(&mut asset_tx, asset_id).await?;
                let asset = self.aws.asset_state(asset_id).await?;
                let (state, _) = self.publication(&asset).await?;
                if matches!(state, Publication::Draft | Publication::Unpublished) {
                    self.aws.change_listing(&asset.id, Some(&asset.revision), true).await?;
                    super::audit_event(
                        &mut *asset_tx,
                        &caller.username,
                        "asset.published",
                        ("asset", &asset.id),
                        Some(json!({"publication": state.label()})),
                        Some(json!({"publication": Publication::Published.label(), "revision": asset.revision, "with_product": id})),
                    )
                    .await?;
                }
                asset_tx.commit().await?;
            }
        }
        let publish_revision = publish.then_some(current.revision.as_str());
        self.aws.change_product_listing(&current.id, publish_revision, publish).await?;
        let (action, after) = if publish {
            ("product.published", Publication::Published)
        } else {
            ("product.unpublished", Publication::Unpublished)
        };
        super::audit_event(
            &mut *tx,
            &caller.username,
            action,
            ("product", &current.id),
            Some(json!({"publication": before.label()})),
            Some(json!({"publication": after.label(), "revision": publish_revision})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl PublishingService {
    /// Sets an asset's or data product's access terms: owners and contributors of the
    /// project that owns it (an asset, else a product, as DataZone holds it now). Audited.
    async fn save_terms(&self, caller: &Caller, terms: AccessTerms) -> Result<(), AppError> {
        let (project, kind) = match self.aws.asset_state(&terms.entity_id).await {
            Ok(asset) => (asset.owning_project_id, "asset"),
            Err(AppError::NotFound(_)) => {
                (self.aws.product_state(&terms.entity_id).await?.owning_project_id, "product")
            }
            Err(other) => return Err(other),
        };
        if self.standing(caller, &project).await? != Standing::Producer {
            return Err(AppError::Forbidden);
        }
        let mut tx = self.pool.begin().await?;
        let before = store::terms::get(&mut *tx, &terms.entity_id).await?;
        if before == terms {
            return Ok(());
        }
        store::terms::put(&mut *tx, &terms, &caller.username).await?;
        let json = |t: &AccessTerms| json!({"approval_required": t.approval_required, "default_days": t.default_days, "max_days": t.max_days});
        super::audit_event(
            &mut *tx,
            &caller.username,
            "access_terms.changed",
            (kind, &terms.entity_id),
            Some(json(&before)),
            Some(json(&terms)),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// DataZone's refusal of a data product as a field problem the form can show.
fn refused_product(error: AppError) -> AppError {
    match error {
        AppError::Upstream { code, .. } if code == "ConflictException" => {
            AppError::invalid("name", "Another data product of the domain already has that name.")
        }
        AppError::Upstream { code, detail, .. } if code == "ValidationException" => {
            AppError::invalid("name", format!("DataZone refused the data product: {detail}"))
        }
        other => other,
    }
}

/// A form's values as JSON content of its type: numbers and booleans typed, a day as epoch
/// seconds at midnight UTC (Smithy's default timestamp format), empty fields left out.
/// The values have passed [`FormTypeView::problem`].
fn form_content(form_type: &FormTypeView, values: &FormValues) -> String {
    let mut content = serde_json::Map::new();
    for field in &form_type.fields {
        let text = values.get(&field.name).trim();
        let value = match &field.kind {
            FieldKind::Boolean => json!(text == "true"),
            _ if text.is_empty() => continue,
            FieldKind::Integer => json!(text.parse::<i64>().unwrap_or_default()),
            FieldKind::Decimal => json!(text.parse::<f64>().unwrap_or_default()),
            FieldKind::Date => json!(chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc().timestamp())
                .unwrap_or_default()),
            FieldKind::Text | FieldKind::Choice(_) => json!(text),
        };
        content.insert(field.name.clone(), value);
    }
    serde_json::Value::Object(content).to_string()
}

/// A form's JSON content as the editor shows it: text per field.
fn form_values(form_type: &FormTypeView, content: &str) -> FormValues {
    let parsed: serde_json::Value = serde_json::from_str(content).unwrap_or_default();
    let values = form_type
        .fields
        .iter()
        .filter_map(|field| {
            let value = parsed.get(&field.name)?;
            let text = match (&field.kind, value) {
                (FieldKind::Date, serde_json::Value::Number(n)) => n
                    .as_i64()
                    .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
                    .map(|t| t.format("%Y-%m-%d").to_string())?,
                (_, serde_json::Value::String(s)) => s.clone(),
                (_, serde_json::Value::Null) => return None,
                (_, other) => other.to_string(),
            };
            Some((field.name.clone(), text))
        })
        .collect();
    FormValues { type_name: form_type.name.clone(), values }
}

/// Attached forms as one JSON object, form name → content (parsed when it is JSON), to
/// compare and to audit.
fn forms_json(forms: &[(String, String, String)]) -> serde_json::Value {
    let map = forms
        .iter()
        .map(|(name, _, content)| (name.clone(), serde_json::from_str(content).unwrap_or_else(|_| json!(content))))
        .collect();
    serde_json::Value::Object(map)
}

/// Whether publishing (`publish`) or unpublishing would change nothing: a repeated click.
fn already(publish: bool, now: Publication) -> bool {
    if publish {
        now == Publication::Published
    } else {
        matches!(now, Publication::Draft | Publication::Unpublished)
    }
}

fn sorted(ids: &[String]) -> Vec<&String> {
    let mut ids: Vec<&String> = ids.iter().collect();
    ids.sort();
    ids
}

/// DataZone's refusal of a revision as a field problem the editor can show.
fn refused(error: AppError) -> AppError {
    match error {
        AppError::Upstream { code, detail, .. } if code == "ConflictException" => {
            AppError::invalid("name", format!("Another asset of this project already has that name. ({detail})"))
        }
        AppError::Upstream { code, detail, .. } if code == "ValidationException" => {
            AppError::invalid("name", format!("DataZone refused the change: {detail}"))
        }
        other => other,
    }
}

/// What an audited change changed, in words: the fields that differ, terms added and removed,
/// or the publication before → after.
fn describe_change(before: Option<&serde_json::Value>, after: Option<&serde_json::Value>) -> String {
    let Some(after) = after else { return String::new() };
    let Some(before) = before else {
        if let Some(assets) = after["asset_ids"].as_array() {
            return format!("created with {} assets", assets.len());
        }
        return after["table"].as_str().map(|t| format!("added from {t}")).unwrap_or_default();
    };
    if let (Some(from), Some(to)) = (before["publication"].as_str(), after["publication"].as_str()) {
        return format!("{from} → {to}");
    }
    if let Some(approval) = after["approval_required"].as_bool() {
        let period = |v: &serde_json::Value| v.as_u64().map_or_else(|| "none".to_owned(), |d| format!("{d} days"));
        return format!(
            "access terms: {}, default {}, at most {}",
            if approval { "approval required" } else { "no approval needed" },
            period(&after["default_days"]),
            period(&after["max_days"])
        );
    }
    let mut parts = Vec::new();
    for field in ["name", "description"] {
        if before[field] != after[field] {
            parts.push(field.to_owned());
        }
    }
    for (key, label) in [("glossary_terms", "glossary terms"), ("asset_ids", "assets")] {
        let ids = |v: &serde_json::Value| -> Vec<String> {
            v[key]
                .as_array()
                .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect())
                .unwrap_or_default()
        };
        let (old, new) = (ids(before), ids(after));
        let added = new.iter().filter(|t| !old.contains(t)).count();
        let removed = old.iter().filter(|t| !new.contains(t)).count();
        if added + removed > 0 {
            parts.push(format!("{label} (+{added}, −{removed})"));
        }
    }
    if let Some(forms) = after["forms"].as_object() {
        let changed: Vec<&str> = forms
            .iter()
            .filter(|(name, content)| before["forms"].get(name.as_str()) != Some(*content))
            .map(|(n, _)| n.as_str())
            .collect();
        if !changed.is_empty() {
            parts.push(format!("forms ({})", changed.join(", ")));
        }
    }
    let revision = after["revision"].as_str().map(|r| format!("revision {r}: ")).unwrap_or_default();
    format!("{revision}{}", if parts.is_empty() { "no change".to_owned() } else { parts.join(", ") })
}

#[async_trait]
impl Publishing for PublishingService {
    async fn inventory(&self, caller: &Caller, project: &str, query: &str) -> Result<Inventory, ApiError> {
        let mut projects: Vec<ProjectChoice> = self
            .aws
            .projects_of(&caller.user_id, &caller.group_ids)
            .await?
            .into_iter()
            .map(|p| ProjectChoice { id: p.id, name: p.name })
            .collect();
        projects.sort_by_key(|p| p.name.to_lowercase());
        let shown = if project.is_empty() {
            projects.first().map(|p| p.id.clone())
        } else if projects.iter().any(|p| p.id == project) {
            Some(project.to_owned())
        } else {
            return Err(ApiError::Forbidden);
        };
        let region = self.aws.region.clone();
        let form_token = uuid::Uuid::new_v4().to_string();
        let Some(shown) = shown else {
            return Ok(Inventory {
                projects,
                project: None,
                items: Vec::new(),
                products: Vec::new(),
                may_add: false,
                region,
                form_token,
            });
        };
        let may_add = self.standing(caller, &shown).await? == Standing::Producer;
        let (assets, products) = tokio::try_join!(self.project_assets(&shown, query), self.products_of(&shown, query))?;
        let items = assets
            .into_iter()
            .map(|(a, state, publication)| InventoryItem {
                id: a.id,
                name: state.name,
                description: super::markdown::to_text(&state.description),
                asset_type: a.asset_type,
                revision: state.revision,
                publication,
            })
            .collect();
        Ok(Inventory { projects, project: Some(shown), items, products, may_add, region, form_token })
    }

    async fn asset(&self, caller: &Caller, id: &str) -> Result<ProducerAsset, ApiError> {
        let asset = self.aws.asset_state(id).await?;
        let standing = self.standing(caller, &asset.owning_project_id).await?;
        if standing == Standing::None {
            return Err(ApiError::Forbidden);
        }
        let ((publication, published_revision, listed_columns), revisions, changes, glossary, project, form_types) = tokio::try_join!(
            self.listed(&asset),
            self.revisions(&asset.id),
            self.changes("asset", &asset.id),
            self.aws.search_terms(""),
            self.aws.project(&asset.owning_project_id),
            self.form_types(),
        )?;
        let columns_now = asset.columns();
        let dropped_columns: Vec<String> = listed_columns.into_iter().filter(|c| !columns_now.contains(c)).collect();
        let business_forms = asset
            .forms
            .iter()
            .filter_map(|(name, type_name, content)| {
                let form_type = form_types.iter().find(|t| &t.name == type_name || &t.name == name)?;
                Some(form_values(form_type, content))
            })
            .collect();
        let subscribers = match &asset.listing {
            Some((listing, _)) => self.aws.listing_subscribers(listing).await?,
            None => Vec::new(),
        };
        let mut glossary = glossary;
        let mut terms: Vec<TermSummary> = Vec::new();
        for id in &asset.glossary_terms {
            if let Some(t) = glossary.iter().find(|t| &t.id == id) {
                terms.push(t.clone());
            } else {
                // Beyond the listed terms: offered too, so it can be taken off.
                let term = self.aws.term(id).await?.summary;
                glossary.push(term.clone());
                terms.push(term);
            }
        }
        Ok(ProducerAsset {
            id: asset.id,
            name: asset.name,
            description_html: super::markdown::to_html(&asset.description),
            description: asset.description,
            asset_type: asset.asset_type,
            revision: asset.revision,
            project_name: project.map_or_else(|| asset.owning_project_id.clone(), |p| p.name),
            project_id: asset.owning_project_id,
            terms,
            glossary,
            publication,
            published_revision,
            listing_id: asset.listing.map(|(id, _)| id),
            subscribers,
            dropped_columns,
            access_terms: store::terms::get(&self.pool, id).await.map_err(AppError::from)?,
            form_types,
            business_forms,
            revisions,
            changes,
            may_edit: standing == Standing::Producer,
        })
    }

    async fn revise(&self, caller: &Caller, edit: AssetEdit) -> Result<String, ApiError> {
        Ok(self.save(caller, edit).await?)
    }

    async fn add_glue(&self, caller: &Caller, form: NewGlueAsset) -> Result<String, ApiError> {
        Ok(self.add_table(caller, form).await?)
    }

    async fn publish(&self, caller: &Caller, id: &str, revision: &str, publish: bool) -> Result<(), ApiError> {
        Ok(self.change_listing(caller, id, revision, publish).await?)
    }

    async fn product(&self, caller: &Caller, id: &str, project: &str) -> Result<ProducerProduct, ApiError> {
        Ok(self.product_view(caller, id, project).await?)
    }

    async fn save_product(&self, caller: &Caller, edit: ProductEdit) -> Result<String, ApiError> {
        Ok(self.save_product_edit(caller, edit).await?)
    }

    async fn publish_product(&self, caller: &Caller, id: &str, revision: &str, publish: bool) -> Result<(), ApiError> {
        Ok(self.change_product_listing(caller, id, revision, publish).await?)
    }

    async fn set_access_terms(&self, caller: &Caller, terms: AccessTerms) -> Result<(), ApiError> {
        Ok(self.save_terms(caller, terms).await?)
    }

    fn preview(&self, markdown: &str) -> String {
        super::markdown::to_html(markdown)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_described_in_words() {
        let before = json!({"revision": "1", "name": "a", "description": "x", "glossary_terms": ["t1"]});
        let after = json!({"revision": "2", "name": "a", "description": "y", "glossary_terms": ["t2", "t3"]});
        assert_eq!(describe_change(Some(&before), Some(&after)), "revision 2: description, glossary terms (+2, −1)");
        let published = (json!({"publication": "Draft"}), json!({"publication": "Published"}));
        assert_eq!(describe_change(Some(&published.0), Some(&published.1)), "Draft → Published");
    }
}
