//! Producers' side of the catalog: a project's assets, their business metadata and
//! revisions, and whether (and which revision) the catalog shows.

use serde::{Deserialize, Serialize};

use super::{AccessTerms, FormTypeView, FormValues, TermSummary};

/// DataZone's limits on a revision: name 1..256 characters, description ≤ 2,048,
/// at most 20 glossary terms.
pub const ASSET_NAME_MAX: usize = 256;
pub const ASSET_DESCRIPTION_MAX: usize = 2048;
pub const ASSET_TERMS_MAX: usize = 20;
pub const ASSET_FORMS_MAX: usize = 10;
/// DataZone's limits on a data product: name 1..64 characters, description ≤ 4,096; the
/// portal groups at most 50 assets in one product (a project's inventory page).
pub const PRODUCT_NAME_MAX: usize = 64;
pub const PRODUCT_DESCRIPTION_MAX: usize = 4096;
pub const PRODUCT_ASSETS_MAX: usize = 50;

/// Where an asset stands in the catalog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProjectChoice {
    pub id: String,
    pub name: String,
}

/// One asset in a project's inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Inventory {
    pub projects: Vec<ProjectChoice>,
    /// The project shown (the first when none was asked for); `None` without projects.
    pub project: Option<String>,
    pub items: Vec<InventoryItem>,
    /// The project's data products.
    pub products: Vec<ProductSummary>,
    /// Whether the person may add assets to the project shown (an owner or contributor).
    pub may_add: bool,
    /// The portal's AWS region, the default for a new Glue table's region.
    pub region: String,
    /// A fresh idempotency token for the "Add a Glue table" form shown with this page.
    pub form_token: String,
}

/// A Glue table to add to a project as a draft asset (CreateAsset, GlueTableAssetType),
/// before any data source has brought it in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct NewGlueAsset {
    pub project_id: String,
    /// The AWS account holding the Glue Data Catalog: 12 digits.
    pub account_id: String,
    /// e.g. `eu-west-1`.
    pub region: String,
    pub database: String,
    pub table: String,
    /// The asset's name; the table's name when empty.
    pub name: String,
    /// Markdown, up to 2,048 characters.
    pub description: String,
    /// Sending the same form twice makes one asset (DataZone's client token).
    pub token: String,
}

/// Glue database and table names as Athena and Lake Formation take them: lower-case
/// letters, digits and underscores, 1..255 characters.
fn glue_name_problem(what: &str, name: &str) -> Option<String> {
    let ok = !name.is_empty()
        && name.len() <= 255
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    (!ok).then(|| format!("Give the Glue {what} name as the catalog spells it: lower-case letters, digits and _."))
}

impl NewGlueAsset {
    /// The first field problem, as (field, message), checked the same in the browser and
    /// on the server.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        if self.project_id.trim().is_empty() || self.project_id.len() > super::ID_MAX {
            return Some(("project_id", "Choose a project.".into()));
        }
        if self.account_id.len() != 12 || !self.account_id.chars().all(|c| c.is_ascii_digit()) {
            return Some(("account_id", "An AWS account id is 12 digits.".into()));
        }
        let region_ok = self.region.len() <= 32
            && self.region.split('-').count() >= 3
            && self
                .region
                .split('-')
                .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()));
        if !region_ok {
            return Some(("region", "Give a region such as eu-west-1.".into()));
        }
        if let Some(problem) = glue_name_problem("database", &self.database) {
            return Some(("database", problem));
        }
        if let Some(problem) = glue_name_problem("table", &self.table) {
            return Some(("table", problem));
        }
        if self.name.chars().count() > ASSET_NAME_MAX || self.name.chars().any(char::is_control) {
            return Some(("name", format!("Keep the name to one line of at most {ASSET_NAME_MAX} characters.")));
        }
        if self.description.chars().count() > ASSET_DESCRIPTION_MAX {
            return Some(("description", format!("Keep the description within {ASSET_DESCRIPTION_MAX} characters.")));
        }
        if self.token.is_empty() || self.token.len() > 128 || !self.token.chars().all(|c| c.is_ascii_graphic()) {
            return Some(("token", "Reload the page and try again.".into()));
        }
        None
    }

    /// The table's ARN, which becomes the asset's external identifier.
    pub fn table_arn(&self) -> String {
        format!("arn:aws:glue:{}:{}:table/{}/{}", self.region, self.account_id, self.database, self.table)
    }
}

/// One revision of an asset: who made it and when (from DataZone).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RevisionView {
    pub revision: String,
    pub created_at: String,
    pub created_by: String,
}

/// A change made through Meshgate, from the audit trail: who, when, and what changed
/// (e.g. "description; glossary terms: + Churn").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssetChange {
    pub at_text: String,
    pub actor: String,
    pub action: String,
    pub what: String,
}

/// An asset as its producers edit it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
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
    /// Table columns the catalog lists that the latest revision no longer has: publishing
    /// it takes them from subscribers.
    pub dropped_columns: Vec<String>,
    /// What its producers promise about access.
    pub access_terms: AccessTerms,
    /// The domain's metadata form types Meshgate can edit, offered to be attached.
    pub form_types: Vec<FormTypeView>,
    /// The attached forms of those types, with their values.
    pub business_forms: Vec<FormValues>,
    pub revisions: Vec<RevisionView>,
    /// Changes made through Meshgate, newest first.
    pub changes: Vec<AssetChange>,
    /// Whether the person may revise and publish it (an owner or contributor of its project).
    pub may_edit: bool,
}

/// A new revision's business metadata, made on top of `base_revision` (the one the editor
/// showed; a newer one in DataZone means someone else saved first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AssetEdit {
    pub asset_id: String,
    pub base_revision: String,
    pub name: String,
    pub description: String,
    pub glossary_terms: Vec<String>,
    /// Every attached form of the domain's types, as edited (at most 10, DataZone's limit).
    #[serde(default)]
    pub forms: Vec<FormValues>,
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
        if self.forms.len() > ASSET_FORMS_MAX {
            return Some(("forms", format!("Attach at most {ASSET_FORMS_MAX} metadata forms.")));
        }
        let long = |v: &str| v.chars().count() > super::FORM_TEXT_MAX;
        if self.forms.iter().any(|f| {
            f.type_name.len() > super::ID_MAX
                || f.values.len() > 100
                || f.values.iter().any(|(k, v)| k.len() > super::ID_MAX || long(v))
        }) {
            return Some(("forms", "A metadata form is larger than Meshgate takes.".into()));
        }
        None
    }

    /// The first problem of the attached forms against their types, as
    /// (`forms.<type>.<member>`, message); a form of a type not offered is one too.
    pub fn form_problem(&self, types: &[FormTypeView]) -> Option<(String, String)> {
        self.forms.iter().find_map(|form| match types.iter().find(|t| t.name == form.type_name) {
            Some(form_type) => form_type.problem(form),
            None => {
                Some(("forms".to_owned(), format!("{} is not a metadata form type of this domain.", form.type_name)))
            }
        })
    }
}

/// One data product of a project's inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductSummary {
    pub id: String,
    pub name: String,
    /// One line of plain text.
    pub description: String,
    pub publication: Publication,
}

/// One asset as a data product shows it (or offers it to be grouped in).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductPart {
    pub id: String,
    pub name: String,
    pub publication: Publication,
}

/// A data product as its producers see it, or a new one (`id` empty) for a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProducerProduct {
    /// Empty for a product not made yet.
    pub id: String,
    pub name: String,
    /// Markdown, as DataZone holds it.
    pub description: String,
    pub description_html: String,
    /// DataZone's revision ("1", "2", …); empty for a new product.
    pub revision: String,
    pub project_id: String,
    pub project_name: String,
    /// The assets it groups.
    pub parts: Vec<ProductPart>,
    /// Every asset of the project, offered to be grouped.
    pub choices: Vec<ProductPart>,
    pub publication: Publication,
    /// The catalog entry while the catalog lists the product.
    pub listing_id: Option<String>,
    /// Projects, people and groups with approved access to the product.
    pub subscribers: Vec<String>,
    /// What its producers promise about access (standard terms for a new product).
    pub access_terms: AccessTerms,
    /// Changes made through Meshgate, newest first.
    pub changes: Vec<AssetChange>,
    pub may_edit: bool,
    /// A fresh idempotency token for the form shown with this page.
    pub form_token: String,
}

/// A data product to create (`id` empty) or its next revision, made on top of
/// `base_revision`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductEdit {
    pub id: String,
    pub project_id: String,
    pub base_revision: String,
    pub name: String,
    pub description: String,
    pub asset_ids: Vec<String>,
    /// Chosen by the form when it is shown; a resubmitted form creates one product.
    pub token: String,
}

impl ProductEdit {
    /// The first field problem, as (field, message), checked the same in the browser and
    /// on the server.
    pub fn problem(&self) -> Option<(&'static str, String)> {
        let name = self.name.trim();
        if name.is_empty() {
            return Some(("name", "Give the data product a name.".into()));
        }
        if name.chars().count() > PRODUCT_NAME_MAX {
            return Some(("name", format!("Keep the name within {PRODUCT_NAME_MAX} characters.")));
        }
        if name.chars().any(char::is_control) {
            return Some(("name", "The name cannot contain line breaks or control characters.".into()));
        }
        if self.description.chars().count() > PRODUCT_DESCRIPTION_MAX {
            return Some(("description", format!("Keep the description within {PRODUCT_DESCRIPTION_MAX} characters.")));
        }
        if self.asset_ids.is_empty() {
            return Some(("asset_ids", "Choose at least one asset for the product.".into()));
        }
        if self.asset_ids.len() > PRODUCT_ASSETS_MAX {
            return Some(("asset_ids", format!("Choose at most {PRODUCT_ASSETS_MAX} assets.")));
        }
        let too_long = |v: &str| v.len() > super::ID_MAX;
        if self.asset_ids.iter().any(|a| a.is_empty() || too_long(a))
            || [&self.id, &self.project_id, &self.base_revision, &self.token].iter().any(|v| too_long(v))
        {
            return Some(("asset_ids", "The form sent an identifier that is not one.".into()));
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
            forms: vec![],
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
    fn a_glue_table_is_checked_before_it_is_sent() {
        let table = NewGlueAsset {
            project_id: "p1".into(),
            account_id: "123456789012".into(),
            region: "eu-west-1".into(),
            database: "sales".into(),
            table: "leads_2026".into(),
            name: String::new(),
            description: String::new(),
            token: "t-1".into(),
        };
        assert_eq!(table.problem(), None);
        assert_eq!(table.table_arn(), "arn:aws:glue:eu-west-1:123456789012:table/sales/leads_2026");
        assert_eq!(NewGlueAsset { account_id: "12345".into(), ..table.clone() }.problem().unwrap().0, "account_id");
        assert_eq!(NewGlueAsset { region: "west".into(), ..table.clone() }.problem().unwrap().0, "region");
        assert_eq!(NewGlueAsset { database: "Sales DB".into(), ..table.clone() }.problem().unwrap().0, "database");
        assert_eq!(NewGlueAsset { table: String::new(), ..table.clone() }.problem().unwrap().0, "table");
    }

    #[test]
    fn a_product_edit_names_its_first_problem() {
        let edit = ProductEdit {
            project_id: "p1".into(),
            name: "Order book".into(),
            asset_ids: vec!["a1".into()],
            token: "t".into(),
            ..ProductEdit::default()
        };
        assert_eq!(edit.problem(), None);
        assert_eq!(ProductEdit { name: "x".repeat(65), ..edit.clone() }.problem().unwrap().0, "name");
        assert_eq!(ProductEdit { description: "x".repeat(4097), ..edit.clone() }.problem().unwrap().0, "description");
        assert_eq!(ProductEdit { asset_ids: vec![], ..edit.clone() }.problem().unwrap().0, "asset_ids");
        assert_eq!(ProductEdit { asset_ids: vec!["a".into(); 51], ..edit.clone() }.problem().unwrap().0, "asset_ids");
    }

    #[test]
    fn publication_follows_the_listing() {
        assert_eq!(Publication::of("2", None), Publication::Draft);
        assert_eq!(Publication::of("2", Some(("2", true))), Publication::Published);
        assert_eq!(Publication::of("2", Some(("1", true))), Publication::Changed);
        assert_eq!(Publication::of("2", Some(("2", false))), Publication::Unpublished);
    }
}
