//! The seed format (TOML or JSON) and how a seed becomes the emulator's initial state.

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::ids::{seeded_resource_id, IdGen};
use crate::state::{
    Asset, AssetRevision, Deployment, Directory, Domain, DomainUnit, Form, FormType, Glossary, GlossaryTerm, Group,
    GroupMembership, Listing, Membership, PolicyGrant, Principal, Project, ProjectProfile, State, Subscriber,
    Subscription, SubscriptionGrant, SubscriptionRequest, User,
};

const DEMO: &str = include_str!("../seed/demo.toml");

/// Who the seeded mesh says created things; DataZone reports an IAM principal id here.
const SEED_CREATOR: &str = "meshgate-seed";

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("seed is not valid TOML: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("seed is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("seed is inconsistent: {0}")]
    Invalid(String),
}

fn invalid(message: impl Into<String>) -> SeedError {
    SeedError::Invalid(message.into())
}

/// A whole mesh: one domain with its people, structure, catalog and subscriptions.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    pub domain: DomainSeed,
    #[serde(default)]
    pub groups: Vec<GroupSeed>,
    #[serde(default)]
    pub users: Vec<UserSeed>,
    #[serde(default)]
    pub units: Vec<UnitSeed>,
    #[serde(default)]
    pub profiles: Vec<ProfileSeed>,
    #[serde(default)]
    pub projects: Vec<ProjectSeed>,
    #[serde(default)]
    pub policy_grants: Vec<PolicyGrantSeed>,
    #[serde(default)]
    pub glossaries: Vec<GlossarySeed>,
    #[serde(default)]
    pub form_types: Vec<FormTypeSeed>,
    #[serde(default)]
    pub assets: Vec<AssetSeed>,
    #[serde(default)]
    pub subscription_requests: Vec<RequestSeed>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DomainSeed {
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default = "default_account")]
    pub account_id: String,
    #[serde(default = "default_region")]
    pub region: String,
    /// When the mesh was set up; seeded entities are dated a little later, one after another.
    /// Defaults to 09:00 UTC thirty days ago, so a demo's history reads as recent activity.
    #[serde(default = "default_created")]
    pub created: DateTime<Utc>,
}

fn default_account() -> String {
    "123456789012".into()
}

fn default_region() -> String {
    "us-east-1".into()
}

fn default_created() -> DateTime<Utc> {
    let day = Utc::now().date_naive() - TimeDelta::days(30);
    day.and_hms_opt(9, 0, 0).unwrap_or_default().and_utc()
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSeed {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UserSeed {
    pub user_name: String,
    pub display_name: String,
    /// Defaults to `<user_name>@example.com`.
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub groups: Vec<String>,
}

impl UserSeed {
    pub fn email(&self) -> String {
        self.email.clone().unwrap_or_else(|| format!("{}@example.com", self.user_name))
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct UnitSeed {
    /// `Parent/Child`; the parent must come earlier in the list.
    pub path: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub owners: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileSeed {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Unit path; the root unit when absent.
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default = "default_enabled")]
    pub status: String,
    #[serde(default)]
    pub environments: Vec<EnvironmentSeed>,
}

fn default_enabled() -> String {
    "ENABLED".into()
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSeed {
    pub name: String,
    pub blueprint: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "default_deployment_mode")]
    pub deployment_mode: String,
}

fn default_deployment_mode() -> String {
    "ON_CREATE".into()
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectSeed {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub profile: Option<String>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub owners: Vec<String>,
    #[serde(default)]
    pub contributors: Vec<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyGrantSeed {
    /// A `ManagedPolicyType`, e.g. `CREATE_PROJECT_FROM_PROJECT_PROFILE`.
    pub policy: String,
    /// Unit path the grant is attached to; the root unit when absent.
    #[serde(default)]
    pub unit: Option<String>,
    /// `*` (all users), a userName or `group:NAME`.
    pub principal: String,
    #[serde(default = "default_true")]
    pub include_children: bool,
    /// Profile names, for `CREATE_PROJECT_FROM_PROJECT_PROFILE`.
    #[serde(default)]
    pub profiles: Vec<String>,
}

fn default_true() -> bool {
    true
}

/// A metadata form type of the domain, its model in Smithy IDL.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FormTypeSeed {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The owning project's name.
    pub project: String,
    pub model: String,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GlossarySeed {
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    /// The owning project's name.
    pub project: String,
    #[serde(default)]
    pub terms: Vec<TermSeed>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TermSeed {
    pub name: String,
    #[serde(default)]
    pub short: Option<String>,
    #[serde(default)]
    pub long: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AssetSeed {
    pub name: String,
    /// The owning project's name.
    pub project: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "default_asset_type", rename = "type")]
    pub type_identifier: String,
    /// Glue database of the table; defaults to the project's name in snake case.
    #[serde(default)]
    pub database: Option<String>,
    /// Glossary term names.
    #[serde(default)]
    pub terms: Vec<String>,
    /// Whether the asset is listed in the catalog (and so subscribable).
    #[serde(default = "default_true")]
    pub published: bool,
    /// The table's columns as `name:type`; a key and a load time when not given.
    #[serde(default)]
    pub columns: Vec<String>,
}

fn default_asset_type() -> String {
    "amazon.datazone.GlueTableAssetType".into()
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RequestSeed {
    /// The requested asset's name; it must be published.
    pub asset: String,
    /// The subscribing project's name.
    pub project: String,
    /// The requesting user's userName.
    pub requester: String,
    pub reason: String,
    /// `PENDING`, `ACCEPTED` or `REJECTED`.
    #[serde(default = "default_pending")]
    pub status: String,
    /// The deciding user's userName.
    #[serde(default)]
    pub reviewer: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

fn default_pending() -> String {
    "PENDING".into()
}

impl Seed {
    /// The built-in demo mesh (`emulator/seed/demo.toml`).
    pub fn demo() -> Self {
        Self::from_toml_str(DEMO).expect("the built-in demo seed is valid")
    }

    pub fn from_toml_str(text: &str) -> Result<Self, SeedError> {
        Ok(toml::from_str(text)?)
    }

    pub fn from_json_str(text: &str) -> Result<Self, SeedError> {
        Ok(serde_json::from_str(text)?)
    }

    /// Reads a seed file: JSON when the name ends in `.json`, TOML otherwise. The seed is also
    /// built once so that a broken reference fails at start rather than at the first reset.
    pub fn from_path(path: &Path) -> Result<Self, SeedError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| SeedError::Read { path: path.display().to_string(), source })?;
        let seed = if path.extension().is_some_and(|ext| ext == "json") {
            Self::from_json_str(&text)?
        } else {
            Self::from_toml_str(&text)?
        };
        seed.build()?;
        Ok(seed)
    }

    /// The state this seed describes. Ids derive from names, so every build is identical.
    pub fn build(&self) -> Result<State, SeedError> {
        Builder::new(self).run()
    }
}

/// Hands out the seeded timestamps: each entity a few minutes after the previous one.
struct Clock(DateTime<Utc>);

impl Clock {
    fn tick(&mut self) -> DateTime<Utc> {
        self.0 += TimeDelta::minutes(37);
        self.0
    }
}

struct Builder<'a> {
    seed: &'a Seed,
    clock: Clock,
    state: State,
    unit_paths: HashMap<String, String>,
    users: HashMap<String, String>,
    groups: HashMap<String, String>,
    profiles: HashMap<String, String>,
    projects: HashMap<String, String>,
    terms: HashMap<String, String>,
    assets: HashMap<String, String>,
}

impl<'a> Builder<'a> {
    fn new(seed: &'a Seed) -> Self {
        let d = &seed.domain;
        let mut ids = IdGen::seeded(&format!("directory:{}", d.name));
        let directory = Directory {
            identity_store_id: ids.identity_store(),
            instance_arn: format!("arn:aws:sso:::instance/ssoins-{}", ids.instance_suffix()),
            account_id: d.account_id.clone(),
            region: d.region.clone(),
            created_at: d.created,
        };
        let state = State {
            directory,
            domains: Vec::new(),
            units: Vec::new(),
            profiles: Vec::new(),
            projects: Vec::new(),
            policy_grants: Vec::new(),
            glossaries: Vec::new(),
            terms: Vec::new(),
            assets: Vec::new(),
            products: Vec::new(),
            form_types: Vec::new(),
            requests: Vec::new(),
            subscriptions: Vec::new(),
            grants: Vec::new(),
            users: Vec::new(),
            groups: Vec::new(),
            group_memberships: Vec::new(),
            client_tokens: HashMap::new(),
            events: Vec::new(),
        };
        Self {
            seed,
            clock: Clock(d.created),
            state,
            unit_paths: HashMap::new(),
            users: HashMap::new(),
            groups: HashMap::new(),
            profiles: HashMap::new(),
            projects: HashMap::new(),
            terms: HashMap::new(),
            assets: HashMap::new(),
        }
    }

    fn domain_id(&self) -> String {
        IdGen::seeded(&format!("domain:{}", self.seed.domain.name)).domain()
    }

    fn run(mut self) -> Result<State, SeedError> {
        self.people()?;
        self.domain();
        self.units()?;
        self.profiles()?;
        self.projects()?;
        self.policy_grants()?;
        self.glossaries()?;
        self.form_types()?;
        self.assets()?;
        self.requests()?;
        Ok(self.state)
    }

    fn people(&mut self) -> Result<(), SeedError> {
        for g in &self.seed.groups {
            let id = IdGen::seeded(&format!("group:{}", g.name)).identity_center();
            self.groups.insert(g.name.clone(), id.clone());
            self.state.groups.push(Group {
                id,
                name: g.name.clone(),
                description: g.description.clone(),
                created_at: self.clock.tick(),
            });
        }
        for u in &self.seed.users {
            let id = IdGen::seeded(&format!("user:{}", u.user_name)).identity_center();
            if self.users.insert(u.user_name.clone(), id.clone()).is_some() {
                return Err(invalid(format!("user {} appears twice", u.user_name)));
            }
            let (given, family) = u.display_name.split_once(' ').unwrap_or((u.display_name.as_str(), ""));
            let created_at = self.clock.tick();
            for group in &u.groups {
                let group_id = self
                    .groups
                    .get(group)
                    .ok_or_else(|| invalid(format!("user {} is in unknown group {group}", u.user_name)))?;
                self.state.group_memberships.push(GroupMembership {
                    id: IdGen::seeded(&format!("membership:{group}:{}", u.user_name)).identity_center(),
                    group_id: group_id.clone(),
                    user_id: id.clone(),
                    created_at,
                });
            }
            self.state.users.push(User {
                id,
                user_name: u.user_name.clone(),
                display_name: u.display_name.clone(),
                given_name: given.to_owned(),
                family_name: family.to_owned(),
                email: u.email(),
                title: u.title.clone(),
                created_at,
            });
        }
        Ok(())
    }

    fn domain(&mut self) {
        let d = &self.seed.domain;
        let domain_id = self.domain_id();
        let root_id = seeded_resource_id(&format!("unit:{}:", d.name));
        self.state.domains.push(Domain {
            id: domain_id.clone(),
            name: d.name.clone(),
            description: d.description.clone(),
            account_id: d.account_id.clone(),
            region: d.region.clone(),
            root_unit_id: root_id.clone(),
            created_at: d.created,
        });
        self.unit_paths.insert(String::new(), root_id.clone());
        self.state.units.push(DomainUnit {
            id: root_id,
            domain_id,
            name: d.name.clone(),
            parent_id: None,
            description: Some(d.description.clone()).filter(|s| !s.is_empty()),
            owners: self
                .groups
                .get("meshgate-platform-admins")
                .map(|id| vec![Principal::Group(id.clone())])
                .unwrap_or_default(),
            created_at: d.created,
            updated_at: d.created,
            created_by: SEED_CREATOR.into(),
            updated_by: SEED_CREATOR.into(),
        });
    }

    fn principal(&self, name: &str) -> Result<Principal, SeedError> {
        if let Some(group) = name.strip_prefix("group:") {
            self.groups
                .get(group)
                .map(|id| Principal::Group(id.clone()))
                .ok_or_else(|| invalid(format!("unknown group {group}")))
        } else {
            self.users
                .get(name)
                .map(|id| Principal::User(id.clone()))
                .ok_or_else(|| invalid(format!("unknown user {name}")))
        }
    }

    fn unit_id(&self, path: Option<&str>) -> Result<String, SeedError> {
        let path = path.unwrap_or_default();
        self.unit_paths.get(path).cloned().ok_or_else(|| invalid(format!("unknown domain unit {path}")))
    }

    fn user_id(&self, name: &str) -> Result<String, SeedError> {
        self.users.get(name).cloned().ok_or_else(|| invalid(format!("unknown user {name}")))
    }

    fn units(&mut self) -> Result<(), SeedError> {
        let domain_id = self.domain_id();
        for u in &self.seed.units {
            let (parent_path, name) = u.path.rsplit_once('/').unwrap_or(("", u.path.as_str()));
            let parent_id = self.unit_id(Some(parent_path))?;
            let id = seeded_resource_id(&format!("unit:{}:{}", self.seed.domain.name, u.path));
            let owners = u.owners.iter().map(|o| self.principal(o)).collect::<Result<Vec<_>, _>>()?;
            let at = self.clock.tick();
            self.unit_paths.insert(u.path.clone(), id.clone());
            self.state.units.push(DomainUnit {
                id,
                domain_id: domain_id.clone(),
                name: name.to_owned(),
                parent_id: Some(parent_id),
                description: u.description.clone(),
                owners,
                created_at: at,
                updated_at: at,
                created_by: SEED_CREATOR.into(),
                updated_by: SEED_CREATOR.into(),
            });
        }
        Ok(())
    }

    fn profiles(&mut self) -> Result<(), SeedError> {
        let domain_id = self.domain_id();
        let d = &self.seed.domain;
        for p in &self.seed.profiles {
            let id = seeded_resource_id(&format!("profile:{}", p.name));
            let unit_id = self.unit_id(p.unit.as_deref())?;
            let environment_configurations = p
                .environments
                .iter()
                .enumerate()
                .map(|(order, e)| {
                    json!({
                        "name": e.name,
                        "id": seeded_resource_id(&format!("envconfig:{}:{}", p.name, e.name)),
                        "environmentBlueprintId": seeded_resource_id(&format!("blueprint:{}", e.blueprint)),
                        "description": e.description,
                        "deploymentMode": e.deployment_mode,
                        "deploymentOrder": order,
                        "awsAccount": {"awsAccountId": d.account_id},
                        "awsRegion": {"regionName": d.region},
                    })
                })
                .collect();
            let at = self.clock.tick();
            self.profiles.insert(p.name.clone(), id.clone());
            self.state.profiles.push(ProjectProfile {
                id,
                domain_id: domain_id.clone(),
                name: p.name.clone(),
                description: p.description.clone(),
                status: p.status.clone(),
                unit_id,
                environment_configurations,
                resource_tags: Vec::new(),
                allow_custom_tags: Some(true),
                tags_description: None,
                created_at: at,
                updated_at: at,
                created_by: SEED_CREATOR.into(),
            });
        }
        Ok(())
    }

    fn projects(&mut self) -> Result<(), SeedError> {
        let domain_id = self.domain_id();
        for p in &self.seed.projects {
            let id = seeded_resource_id(&format!("project:{}", p.name));
            if self.projects.contains_key(&p.name) {
                return Err(invalid(format!("project {} appears twice", p.name)));
            }
            let profile_id = p
                .profile
                .as_ref()
                .map(|name| {
                    self.profiles.get(name).cloned().ok_or_else(|| invalid(format!("unknown project profile {name}")))
                })
                .transpose()?;
            let mut members = Vec::new();
            for (names, designation) in [(&p.owners, "PROJECT_OWNER"), (&p.contributors, "PROJECT_CONTRIBUTOR")] {
                for name in names {
                    members.push(Membership { member: self.principal(name)?, designation: designation.into() });
                }
            }
            let at = self.clock.tick();
            self.projects.insert(p.name.clone(), id.clone());
            self.state.projects.push(Project {
                id,
                domain_id: domain_id.clone(),
                name: p.name.clone(),
                description: p.description.clone(),
                unit_id: self.unit_id(p.unit.as_deref())?,
                profile_id,
                category: None,
                glossary_terms: Vec::new(),
                resource_tags: Vec::new(),
                user_parameters: None,
                created_at: at,
                updated_at: at,
                created_by: SEED_CREATOR.into(),
                deployment: Deployment::done(at),
                members,
                deleted_at: None,
            });
        }
        Ok(())
    }

    fn policy_grants(&mut self) -> Result<(), SeedError> {
        let domain_id = self.domain_id();
        for (index, g) in self.seed.policy_grants.iter().enumerate() {
            let unit_id = self.unit_id(g.unit.as_deref())?;
            let principal = if g.principal == "*" {
                json!({"user": {"allUsersGrantFilter": {}}})
            } else {
                match self.principal(&g.principal)? {
                    Principal::User(id) => json!({"user": {"userIdentifier": id}}),
                    Principal::Group(id) => json!({"group": {"groupIdentifier": id}}),
                }
            };
            let profiles = g
                .profiles
                .iter()
                .map(|name| {
                    self.profiles.get(name).cloned().ok_or_else(|| invalid(format!("unknown project profile {name}")))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let detail = policy_detail(&g.policy, g.include_children, &profiles, &unit_id)
                .ok_or_else(|| invalid(format!("unknown policy type {}", g.policy)))?;
            self.state.policy_grants.push(PolicyGrant {
                domain_id: domain_id.clone(),
                entity_type: "DOMAIN_UNIT".into(),
                entity_id: unit_id,
                policy_type: g.policy.clone(),
                principal,
                detail,
                grant_id: IdGen::seeded(&format!("grant:{index}:{}", g.policy)).grant(),
                created_at: self.clock.tick(),
                created_by: SEED_CREATOR.into(),
            });
        }
        Ok(())
    }

    fn glossaries(&mut self) -> Result<(), SeedError> {
        let domain_id = self.domain_id();
        for g in &self.seed.glossaries {
            let project_id = self.project_id(&g.project)?;
            let glossary_id = seeded_resource_id(&format!("glossary:{}", g.name));
            self.state.glossaries.push(Glossary {
                id: glossary_id.clone(),
                domain_id: domain_id.clone(),
                name: g.name.clone(),
                description: g.description.clone(),
                owning_project_id: project_id,
                created_at: self.clock.tick(),
                created_by: SEED_CREATOR.into(),
            });
            for t in &g.terms {
                let id = seeded_resource_id(&format!("term:{}:{}", g.name, t.name));
                self.terms.insert(t.name.clone(), id.clone());
                self.state.terms.push(GlossaryTerm {
                    id,
                    domain_id: domain_id.clone(),
                    glossary_id: glossary_id.clone(),
                    name: t.name.clone(),
                    short_description: t.short.clone(),
                    long_description: t.long.clone(),
                    created_at: self.clock.tick(),
                    created_by: SEED_CREATOR.into(),
                });
            }
        }
        Ok(())
    }

    fn form_types(&mut self) -> Result<(), SeedError> {
        let domain_id = self.domain_id();
        for f in &self.seed.form_types {
            crate::forms::FormModel::parse(&f.model)
                .map_err(|e| invalid(format!("form type {}: {}", f.name, e.message())))?;
            let owning_project_id = self.project_id(&f.project)?;
            self.state.form_types.push(FormType {
                name: f.name.clone(),
                domain_id: domain_id.clone(),
                description: f.description.clone(),
                model: f.model.clone(),
                owning_project_id,
                created_at: self.clock.tick(),
                created_by: SEED_CREATOR.into(),
            });
        }
        Ok(())
    }

    fn project_id(&self, name: &str) -> Result<String, SeedError> {
        self.projects.get(name).cloned().ok_or_else(|| invalid(format!("unknown project {name}")))
    }

    fn assets(&mut self) -> Result<(), SeedError> {
        let domain_id = self.domain_id();
        let d = &self.seed.domain;
        for a in &self.seed.assets {
            let project_id = self.project_id(&a.project)?;
            let glossary_terms = a
                .terms
                .iter()
                .map(|t| self.terms.get(t).cloned().ok_or_else(|| invalid(format!("unknown glossary term {t}"))))
                .collect::<Result<Vec<_>, _>>()?;
            let database = a.database.clone().unwrap_or_else(|| a.project.to_lowercase().replace([' ', '-'], "_"));
            let id = seeded_resource_id(&format!("asset:{}:{}", a.project, a.name));
            let at = self.clock.tick();
            let first = AssetRevision {
                revision: 1,
                name: a.name.clone(),
                description: a.description.clone(),
                glossary_terms,
                forms: vec![glue_form(&database, &a.name, &d.region, &d.account_id, &a.columns)],
                created_at: at,
                created_by: SEED_CREATOR.into(),
            };
            let listing = a.published.then(|| Listing {
                id: seeded_resource_id(&format!("listing:{}:{}", a.project, a.name)),
                created_at: at,
                created_by: SEED_CREATOR.into(),
                revision: 1,
                updated_at: at,
                updated_by: SEED_CREATOR.into(),
                status: "ACTIVE",
                published: first.clone(),
            });
            self.assets.insert(a.name.clone(), id.clone());
            self.state.assets.push(Asset {
                id,
                domain_id: domain_id.clone(),
                type_identifier: a.type_identifier.clone(),
                external_identifier: Some(format!(
                    "arn:aws:glue:{}:{}:table/{database}/{}",
                    d.region, d.account_id, a.name
                )),
                owning_project_id: project_id,
                created_at: at,
                created_by: SEED_CREATOR.into(),
                revisions: vec![first],
                listing,
            });
        }
        Ok(())
    }

    fn requests(&mut self) -> Result<(), SeedError> {
        let domain_id = self.domain_id();
        for (index, r) in self.seed.subscription_requests.iter().enumerate() {
            let asset_id = self.assets.get(&r.asset).ok_or_else(|| invalid(format!("unknown asset {}", r.asset)))?;
            let listing_id = self
                .state
                .assets
                .iter()
                .find(|a| &a.id == asset_id)
                .and_then(|a| a.listing.as_ref())
                .map(|l| l.id.clone())
                .ok_or_else(|| invalid(format!("asset {} is not published", r.asset)))?;
            let project_id = self.project_id(&r.project)?;
            let requester = self.user_id(&r.requester)?;
            let reviewer = r.reviewer.as_deref().map(|n| self.user_id(n)).transpose()?;
            if !["PENDING", "ACCEPTED", "REJECTED"].contains(&r.status.as_str()) {
                return Err(invalid(format!("unknown request status {}", r.status)));
            }
            let created_at = self.clock.tick();
            let decided_at = (r.status != "PENDING").then(|| self.clock.tick());
            let request_id = seeded_resource_id(&format!("request:{index}:{}:{}", r.asset, r.project));
            let mut existing_subscription_id = None;
            if r.status == "ACCEPTED" {
                let at = decided_at.unwrap_or(created_at);
                let subscription_id = seeded_resource_id(&format!("subscription:{index}:{}:{}", r.asset, r.project));
                existing_subscription_id = Some(subscription_id.clone());
                self.state.subscriptions.push(Subscription {
                    id: subscription_id.clone(),
                    domain_id: domain_id.clone(),
                    status: "APPROVED".into(),
                    subscriber: Subscriber::Project(project_id.clone()),
                    listing_id: listing_id.clone(),
                    request_id: Some(request_id.clone()),
                    retain_permissions: None,
                    created_at: at,
                    updated_at: at,
                    created_by: reviewer.clone().unwrap_or_else(|| SEED_CREATOR.into()),
                    updated_by: None,
                });
                self.state.grants.push(SubscriptionGrant {
                    id: seeded_resource_id(&format!("grant:{subscription_id}")),
                    domain_id: domain_id.clone(),
                    subscription_id,
                    listing_id: listing_id.clone(),
                    asset_id: asset_id.clone(),
                    target_id: seeded_resource_id(&format!("target:{project_id}")),
                    environment_id: Some(environment_id(&project_id, "Lakehouse Database")),
                    started: at,
                    delay: TimeDelta::zero(),
                    fails: false,
                    revoked_at: None,
                    revoke_delay: TimeDelta::zero(),
                    revoke_fails: false,
                    created_at: at,
                    created_by: SEED_CREATOR.into(),
                    // Seeded grants are history: no event announces them.
                    announced: Some("GRANTED"),
                });
            }
            self.state.requests.push(SubscriptionRequest {
                id: request_id,
                domain_id: domain_id.clone(),
                status: r.status.clone(),
                subscriber: Subscriber::Project(project_id),
                listing_id,
                reason: r.reason.clone(),
                reviewer_id: reviewer.clone(),
                decision_comment: r.comment.clone(),
                existing_subscription_id,
                metadata_forms: Vec::new(),
                created_at,
                updated_at: decided_at.unwrap_or(created_at),
                created_by: requester,
                updated_by: reviewer,
            });
        }
        Ok(())
    }
}

/// The id of a project's environment, stable for a given project and configuration name.
pub fn environment_id(project_id: &str, configuration: &str) -> String {
    seeded_resource_id(&format!("environment:{project_id}:{configuration}"))
}

/// The technical metadata form every Glue table asset carries.
/// A GlueTableForm as a Glue data source writes it, with the table's `columns`
/// (`columnName`, `dataType`); `columns` are `name:type`, a key and a load time when empty.
pub fn glue_form(database: &str, table: &str, region: &str, account: &str, columns: &[String]) -> Form {
    let standard = [format!("{table}_id:string"), "loaded_at:timestamp".to_owned()];
    let columns: Vec<Value> = (if columns.is_empty() { &standard[..] } else { columns })
        .iter()
        .map(|c| {
            let (name, kind) = c.split_once(':').unwrap_or((c.as_str(), "string"));
            json!({"columnName": name, "dataType": kind})
        })
        .collect();
    let content = json!({
        "catalogId": account,
        "region": region,
        "databaseName": database,
        "tableName": table,
        "tableArn": format!("arn:aws:glue:{region}:{account}:table/{database}/{table}"),
        "columns": columns,
    });
    Form {
        name: "GlueTableForm".into(),
        type_name: "amazon.datazone.GlueTableFormType".into(),
        content: content.to_string(),
    }
}

/// The `PolicyGrantDetail` union member for a managed policy type, or `None` if it is unknown.
pub fn policy_detail(policy: &str, include_children: bool, profiles: &[String], unit_id: &str) -> Option<Value> {
    let children = json!({"includeChildDomainUnits": include_children});
    let (key, body) = match policy {
        "CREATE_DOMAIN_UNIT" => ("createDomainUnit", children),
        "OVERRIDE_DOMAIN_UNIT_OWNERS" => ("overrideDomainUnitOwners", children),
        "ADD_TO_PROJECT_MEMBER_POOL" => ("addToProjectMemberPool", children),
        "OVERRIDE_PROJECT_OWNERS" => ("overrideProjectOwners", children),
        "CREATE_GLOSSARY" => ("createGlossary", children),
        "CREATE_FORM_TYPE" => ("createFormType", children),
        "CREATE_ASSET_TYPE" => ("createAssetType", children),
        "CREATE_PROJECT" => ("createProject", children),
        "CREATE_ENVIRONMENT_PROFILE" => ("createEnvironmentProfile", json!({"domainUnitId": unit_id})),
        "DELEGATE_CREATE_ENVIRONMENT_PROFILE" => ("delegateCreateEnvironmentProfile", json!({})),
        "CREATE_ENVIRONMENT" => ("createEnvironment", json!({})),
        "CREATE_ENVIRONMENT_FROM_BLUEPRINT" => ("createEnvironmentFromBlueprint", json!({})),
        "CREATE_PROJECT_FROM_PROJECT_PROFILE" => (
            "createProjectFromProjectProfile",
            json!({"includeChildDomainUnits": include_children, "projectProfiles": profiles}),
        ),
        "USE_ASSET_TYPE" => ("useAssetType", json!({"domainUnitId": unit_id})),
        _ => return None,
    };
    Some(json!({ key: body }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_seed_builds_the_documented_mesh() {
        let state = Seed::demo().build().unwrap();
        assert_eq!(state.domains.len(), 1);
        assert_eq!(state.domains[0].name, "enterprise-data-mesh");
        assert_eq!(state.projects.len(), 12);
        assert!(state.assets.len() >= 40);
        assert_eq!(state.users.len(), 20);
        assert!(state.users.iter().any(|u| u.email == "alice@example.com"));
        assert!(state.requests.iter().any(|r| r.status == "PENDING"));
        assert!(state.requests.iter().any(|r| r.status == "ACCEPTED"));
        assert!(state.requests.iter().any(|r| r.status == "REJECTED"));
    }

    #[test]
    fn seeded_ids_are_the_same_on_every_build() {
        let a = Seed::demo().build().unwrap();
        let b = Seed::demo().build().unwrap();
        assert_eq!(a.domains[0].id, b.domains[0].id);
        assert_eq!(a.projects[3].id, b.projects[3].id);
        assert_eq!(a.users[0].id, b.users[0].id);
        assert_eq!(a.directory.identity_store_id, b.directory.identity_store_id);
    }

    #[test]
    fn a_seed_round_trips_through_json() {
        let json = serde_json::to_string(&Seed::demo()).unwrap();
        let seed = Seed::from_json_str(&json).unwrap();
        assert_eq!(seed.assets.len(), Seed::demo().assets.len());
    }

    #[test]
    fn a_dangling_reference_is_reported() {
        let mut seed = Seed::demo();
        seed.projects[0].owners.push("nobody".into());
        assert!(matches!(seed.build(), Err(SeedError::Invalid(_))));
    }
}
