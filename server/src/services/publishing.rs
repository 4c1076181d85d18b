//! Producers publishing: a project's inventory, an asset's business metadata as new
//! revisions, and publishing it in the catalog. Who may do what comes from DataZone's
//! project memberships, read when asked; every change is audited with before and after.

use std::collections::HashMap;

use app::api::ports::Publishing;
use app::model::{
    ApiError, AssetChange, AssetEdit, Caller, Inventory, InventoryItem, NewGlueAsset, ProducerAsset, ProjectChoice,
    Publication, RevisionView, TermSummary,
};
use async_trait::async_trait;
use futures_util::{stream, StreamExt, TryStreamExt};
use serde_json::json;
use sqlx::PgPool;

use crate::aws::assets::{AssetState, BusinessMetadata};
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
        let Some((listing, _)) = &asset.listing else { return Ok((Publication::Draft, None)) };
        let (shown, active) = self.aws.listed_revision(listing).await?;
        let publication = Publication::of(&asset.revision, Some((&shown, active)));
        Ok((publication, active.then_some(shown)))
    }

    /// Serialises changes to one asset across replicas for the rest of `tx`, so a read,
    /// compare and write is never interleaved with another person's.
    async fn lock(tx: &mut sqlx::PgConnection, id: &str) -> Result<(), AppError> {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))").bind(format!("asset:{id}")).execute(tx).await?;
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

    async fn changes(&self, id: &str) -> Result<Vec<AssetChange>, AppError> {
        let filter = store::audit::Filter { target: Some(id.to_owned()), ..Default::default() };
        let events = store::audit::page(&self.pool, &filter, 50).await?;
        Ok(events
            .into_iter()
            .filter(|e| e.target_kind == "asset")
            .map(|e| AssetChange {
                at_text: e.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                actor: e.actor,
                what: describe_change(e.before.as_ref(), e.after.as_ref()),
                action: e.action,
            })
            .collect())
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

    async fn save(&self, caller: &Caller, edit: AssetEdit) -> Result<String, AppError> {
        let asset = self.for_producer(caller, &edit.asset_id).await?;
        let unknown = self.unknown_terms(&edit.glossary_terms).await?;
        if let Some(first) = unknown.first() {
            return Err(AppError::invalid("glossary_terms", format!("{first} is not a glossary term of this domain.")));
        }
        let metadata = BusinessMetadata {
            name: edit.name.trim().to_owned(),
            description: edit.description.trim_end().to_owned(),
            glossary_terms: edit.glossary_terms.clone(),
        };
        let mut tx = self.pool.begin().await?;
        Self::lock(&mut tx, &asset.id).await?;
        // Read again under the lock: what DataZone holds now decides.
        let current = self.aws.asset_state(&asset.id).await?;
        let unchanged = current.name == metadata.name
            && current.description == metadata.description
            && sorted(&current.glossary_terms) == sorted(&metadata.glossary_terms);
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
        let revision = self.aws.revise_asset(&current, &metadata, &token).await.map_err(refused)?;
        let before = json!({
            "revision": current.revision,
            "name": current.name,
            "description": current.description,
            "glossary_terms": current.glossary_terms,
        });
        let after = json!({
            "revision": revision,
            "name": metadata.name,
            "description": metadata.description,
            "glossary_terms": metadata.glossary_terms,
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
        let nothing_to_do = if publish {
            before == Publication::Published
        } else {
            matches!(before, Publication::Draft | Publication::Unpublished)
        };
        if nothing_to_do {
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
        return after["table"].as_str().map(|t| format!("added from {t}")).unwrap_or_default();
    };
    if let (Some(from), Some(to)) = (before["publication"].as_str(), after["publication"].as_str()) {
        return format!("{from} → {to}");
    }
    let mut parts = Vec::new();
    for field in ["name", "description"] {
        if before[field] != after[field] {
            parts.push(field.to_owned());
        }
    }
    let terms = |v: &serde_json::Value| -> Vec<String> {
        v["glossary_terms"]
            .as_array()
            .map(|a| a.iter().filter_map(|t| t.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    };
    let (old, new) = (terms(before), terms(after));
    let added = new.iter().filter(|t| !old.contains(t)).count();
    let removed = old.iter().filter(|t| !new.contains(t)).count();
    if added + removed > 0 {
        parts.push(format!("glossary terms (+{added}, −{removed})"));
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
            return Ok(Inventory { projects, project: None, items: Vec::new(), may_add: false, region, form_token });
        };
        let may_add = self.standing(caller, &shown).await? == Standing::Producer;
        let assets = self.aws.project_assets(&shown, query).await?;
        let items: Vec<InventoryItem> = stream::iter(assets)
            .map(|a| async move {
                let state = self.aws.asset_state(&a.id).await?;
                let (publication, _) = self.publication(&state).await?;
                Ok::<_, AppError>(InventoryItem {
                    id: a.id,
                    name: state.name,
                    description: super::markdown::to_text(&state.description),
                    asset_type: a.asset_type,
                    revision: state.revision,
                    publication,
                })
            })
            .buffered(READS_AT_ONCE)
            .try_collect()
            .await?;
        Ok(Inventory { projects, project: Some(shown), items, may_add, region, form_token })
    }

    async fn asset(&self, caller: &Caller, id: &str) -> Result<ProducerAsset, ApiError> {
        let asset = self.aws.asset_state(id).await?;
        let standing = self.standing(caller, &asset.owning_project_id).await?;
        if standing == Standing::None {
            return Err(ApiError::Forbidden);
        }
        let ((publication, published_revision), revisions, changes, glossary, project) = tokio::try_join!(
            self.publication(&asset),
            self.revisions(&asset.id),
            self.changes(&asset.id),
            self.aws.search_terms(""),
            self.aws.project(&asset.owning_project_id),
        )?;
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
