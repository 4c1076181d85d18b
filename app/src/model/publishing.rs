//! Producers' side of the catalog: a project's assets, their business metadata and
//! revisions, and whether (and which revision) the catalog shows.

use serde::{Deserialize, Serialize};

use super::TermSummary;

/// DataZone's limits on a revision: name 1..256 characters, description ≤ 2,048,
/// at most 20 glossary terms.
pub const ASSET_NAME_MAX: usize = 256;
pub const ASSET_DESCRIPTION_MAX: usize = 2048;
pub const ASSET_TERMS_MAX: usize = 20;

/// Where an asset stands in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Publication {
    /// Never published: only its project sees it.
    Draft,
    /// The catalog shows the latest revision.
    Published,
    /// Published, but revised since: the catalog shows an older revision.
    Changed,
    /// Taken out of the catalog; existing subscriptions stay.
    Unpublished,
}

impl Publication {
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::Published => "Published",
            Self::Changed => "Changed since publication",
            Self::Unpublished => "Unpublished",
        }
    }

    /// Which of `Draft`, `Published`, … a listing state means: `listing` is the listing's
    /// status and the asset revision it shows, when the asset was ever published.
    pub fn of(revision: &str, listing: Option<(&str, bool)>) -> Self {
        match listing {
            None => Self::Draft,
            Some((_, false)) => Self::Unpublished,
            Some((shown, true)) if shown == revision => Self::Published,
            Some(_) => Self::Changed,
        }
    }
}

/// A project a person may see the assets of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectChoice {
    pub id: String,
    pub name: String,
}

/// One asset in a project's inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryItem {
    pub id: String,
    pub name: String,
    pub description: String,
    pub asset_type: String,
    /// DataZone's revision of the asset as it stands ("1", "2", …).
    pub revision: String,
    pub publication: Publication,
}

/// The "My data" page: the person's projects, the one shown, and its assets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Inventory {
    pub projects: Vec<ProjectChoice>,
    /// The project shown (the first when none was asked for); `None` without projects.
    pub project: Option<String>,
    pub items: Vec<InventoryItem>,
}

/// One revision of an asset: who made it and when (from DataZone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionView {
    pub revision: String,
    pub created_at: String,
    pub created_by: String,
}

/// A change made through Meshgate, from the audit trail: who, when, and what changed
/// (e.g. "description; glossary terms: + Churn").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetChange {
    pub at_text: String,
    pub actor: String,
    pub action: String,
    pub what: String,
}

/// An asset as its producers edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerAsset {
    pub id: String,
    pub name: String,
    /// Markdown, as DataZone holds it.
    pub description: String,
    /// The description rendered for reading (safe HTML).
    pub description_html: String,
    pub asset_type: String,
    pub revision: String,
    pub project_id: String,
    pub project_name: String,
    /// The asset's glossary terms, in the glossary's order.
    pub terms: Vec<TermSummary>,
    /// Every term the picker offers.
    pub glossary: Vec<TermSummary>,
    pub publication: Publication,
    /// The revision the catalog shows, when it shows one.
    pub published_revision: Option<String>,
    /// The catalog entry, once ever published.
    pub listing_id: Option<String>,
    /// Projects, people and groups with approved access: who an unpublish or a new
    /// revision affects.
    pub subscribers: Vec<String>,
    pub revisions: Vec<RevisionView>,
    /// Changes made through Meshgate, newest first.
    pub changes: Vec<AssetChange>,
    /// Whether the person may revise and publish it (an owner or contributor of its project).
    pub may_edit: bool,
}

/// A new revision's business metadata, made on top of `base_revision` (the one the editor
/// showed; a newer one in DataZone means someone else saved first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssetEdit {
    pub asset_id: String,
    pub base_revision: String,
    pub name: String,
    pub description: String,
    pub glossary_terms: Vec<String>,
}

impl AssetEdit {
    /// The first field problem, as (field, message), checked the same in the browser and
    /// on the server.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let name = self.name.trim();
        if name.is_empty() {
            return Some(("name", "Give the asset a name.".into()));
        }
        if name.chars().count() > ASSET_NAME_MAX {
            return Some(("name", format!("Keep the name within {ASSET_NAME_MAX} characters.")));
        }
        if name.chars().any(char::is_control) {
            return Some(("name", "The name cannot contain line breaks or control characters.".into()));
        }
        if self.description.chars().count() > ASSET_DESCRIPTION_MAX {
            return Some(("description", format!("Keep the description within {ASSET_DESCRIPTION_MAX} characters.")));
        }
        if self.glossary_terms.len() > ASSET_TERMS_MAX {
            return Some(("glossary_terms", format!("Choose at most {ASSET_TERMS_MAX} glossary terms.")));
        }
        if self.glossary_terms.iter().any(|t| t.is_empty() || t.len() > super::ID_MAX) {
            return Some(("glossary_terms", "One of the glossary terms is not a term id.".into()));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit() -> AssetEdit {
        AssetEdit {
            asset_id: "a1".into(),
            base_revision: "1".into(),
            name: "orders".into(),
            description: String::new(),
            glossary_terms: vec![],
        }
    }

    #[test]
    fn an_edit_names_its_first_problem() {
        assert_eq!(edit().problem(), None);
        assert_eq!(AssetEdit { name: " ".into(), ..edit() }.problem().unwrap().0, "name");
        assert_eq!(AssetEdit { name: "a\nb".into(), ..edit() }.problem().unwrap().0, "name");
        assert_eq!(AssetEdit { description: "x".repeat(2049), ..edit() }.problem().unwrap().0, "description");
        assert_eq!(AssetEdit { glossary_terms: vec!["t".into(); 21], ..edit() }.problem().unwrap().0, "glossary_terms");
    }

    #[test]
    fn publication_follows_the_listing() {
        assert_eq!(Publication::of("2", None), Publication::Draft);
        assert_eq!(Publication::of("2", Some(("2", true))), Publication::Published);
        assert_eq!(Publication::of("2", Some(("1", true))), Publication::Changed);
        assert_eq!(Publication::of("2", Some(("2", false))), Publication::Unpublished);
    }
}
