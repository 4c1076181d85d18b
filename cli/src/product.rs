//! Metadata as code: a product file (`meshgate.toml`) in the team's repository declares the
//! product's environments, members, the subscriptions its jobs need and the assets it
//! publishes. `plan` compares it with what Meshgate and DataZone hold now and prints the
//! steps; `apply` takes them through the normal API, so approvals still apply (a Prod
//! project waits for its approver; `apply --wait` waits).
//!
//! What the file does not name is left alone: members, subscriptions and assets are added
//! or changed, never removed, so a file that lists less never takes anything away.

use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use serde_json::{json, Value};

use crate::{encode, text, Client, Failure};

/// The product file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductFile {
    pub product: Product,
    /// In promotion order: `dev`, then `staging`, then `prod`.
    #[serde(default, rename = "environment")]
    pub environments: Vec<EnvironmentSpec>,
    #[serde(default, rename = "member")]
    pub members: Vec<MemberSpec>,
    #[serde(default, rename = "subscription")]
    pub subscriptions: Vec<SubscriptionSpec>,
    #[serde(default, rename = "asset")]
    pub assets: Vec<AssetSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub name: String,
    /// The domain unit's name (or `Parent / Child` path) its projects are requested in.
    pub domain_unit: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentSpec {
    /// `dev`, `staging` or `prod`.
    pub stage: String,
    pub justification: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberSpec {
    /// A person's username or email, or a group's name, as Identity Center knows them.
    pub name: String,
    /// `owner` or `contributor`.
    #[serde(default = "contributor")]
    pub designation: String,
    /// The stages they belong to; every stage when left out.
    #[serde(default)]
    pub environments: Vec<String>,
}

fn contributor() -> String {
    "contributor".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionSpec {
    /// The asset's or data product's name in the catalog.
    pub asset: String,
    /// The stage whose project subscribes.
    pub environment: String,
    pub reason: String,
    /// Days of access; no end when left out.
    pub days: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssetSpec {
    /// The asset's name in its project's inventory.
    pub name: String,
    /// The stage whose project owns it.
    pub environment: String,
    /// Markdown; left as it is when left out.
    pub description: Option<String>,
    /// Glossary term names; left as they are when left out.
    pub glossary_terms: Option<Vec<String>>,
    /// Publish the latest revision in the catalog.
    #[serde(default)]
    pub publish: bool,
}

const STAGES: [&str; 3] = ["dev", "staging", "prod"];

fn stage_label(stage: &str) -> String {
    let mut letters = stage.chars();
    letters.next().map(|c| c.to_uppercase().chain(letters).collect()).unwrap_or_default()
}

/// Reads and checks the file; exit code 5 with the line and field when it is wrong.
pub fn read(path: &Path) -> Result<ProductFile, Failure> {
    let source =
        std::fs::read_to_string(path).map_err(|e| Failure::new(2, format!("cannot read {}: {e}", path.display())))?;
    if source.len() > 256 * 1024 {
        return Err(Failure::new(5, format!("{} is over 256 KiB", path.display())));
    }
    let file: ProductFile = toml::from_str(&source).map_err(|e| Failure::new(5, format!("{}: {e}", path.display())))?;
    let wrong = |message: String| Err(Failure::new(5, format!("{}: {message}", path.display())));
    if file.product.name.trim().is_empty() || file.product.domain_unit.trim().is_empty() {
        return wrong("[product] needs a name and a domain_unit".into());
    }
    let stages: Vec<&str> = file.environments.iter().map(|e| e.stage.as_str()).collect();
    if stages.is_empty() || !STAGES.starts_with(&stages) {
        return wrong("list [[environment]] stages in order from dev: dev, then staging, then prod".into());
    }
    let known = |stage: &str| stages.contains(&stage);
    for member in &file.members {
        if !matches!(member.designation.as_str(), "owner" | "contributor") {
            return wrong(format!("member {}: designation is owner or contributor", member.name));
        }
        if let Some(stage) = member.environments.iter().find(|s| !known(s)) {
            return wrong(format!("member {}: no [[environment]] {stage}", member.name));
        }
    }
    for sub in &file.subscriptions {
        if !known(&sub.environment) {
            return wrong(format!("subscription {}: no [[environment]] {}", sub.asset, sub.environment));
        }
    }
    for asset in &file.assets {
        if !known(&asset.environment) {
            return wrong(format!("asset {}: no [[environment]] {}", asset.name, asset.environment));
        }
    }
    Ok(file)
}

/// One change `apply` makes.
#[derive(Debug, Clone)]
pub enum Step {
    RequestProject { stage: String, body: Value },
    Promote { stage: String, from: String, body: Value },
    AddMember { stage: String, request: String, name: String, body: Value },
    Subscribe { stage: String, asset: String, body: Value },
    Revise { stage: String, asset: String, asset_id: String, body: Value },
    Publish { stage: String, asset: String, asset_id: String, revision: Option<String> },
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RequestProject { stage, .. } => write!(f, "+ request the {stage} project"),
            Self::Promote { stage, .. } => write!(f, "+ promote to {stage}"),
            Self::AddMember { stage, name, body, .. } => {
                write!(f, "+ {stage}: {name} as {}", text(body, "designation"))
            }
            Self::Subscribe { stage, asset, .. } => write!(f, "+ {stage}: ask for access to {asset}"),
            Self::Revise { stage, asset, .. } => write!(f, "~ {stage}: new revision of {asset}"),
            Self::Publish { stage, asset, .. } => write!(f, "+ {stage}: publish {asset}"),
        }
    }
}

impl Step {
    /// A stable name for the step, part of its `Idempotency-Key`.
    fn key(&self) -> String {
        match self {
            Self::RequestProject { stage, body } | Self::Promote { stage, body, .. } => {
                let kind = if matches!(self, Self::RequestProject { .. }) { "request" } else { "promote" };
                format!("{kind}:{stage}:{:016x}", fnv(text(body, "justification")))
            }
            Self::AddMember { stage, name, .. } => format!("member:{stage}:{name}"),
            Self::Subscribe { stage, asset, .. } => format!("subscribe:{stage}:{asset}"),
            Self::Revise { asset_id, body, .. } => format!("revise:{asset_id}:{}", text(body, "base_revision")),
            Self::Publish { asset_id, revision, .. } => {
                format!("publish:{asset_id}:{}", revision.as_deref().unwrap_or("new"))
            }
        }
    }
}

/// A short, stable digest (FNV-1a) of a text, to tell steps with different inputs apart
/// in their `Idempotency-Key`.
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
}

/// What `plan` found: the steps to take now, what waits (for an approval, a project being
/// made, an earlier stage) and what needs a person (access that was rejected or failed).
#[derive(Debug, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    pub waiting: Vec<String>,
    pub attention: Vec<String>,
}

impl Plan {
    pub fn to_json(&self) -> Value {
        json!({
            "steps": self.steps.iter().map(|s| json!({"step": s.key(), "change": s.to_string()})).collect::<Vec<_>>(),
            "waiting": self.waiting,
            "attention": self.attention,
        })
    }

    pub fn print(&self) {
        if self.steps.is_empty() && self.waiting.is_empty() && self.attention.is_empty() {
            println!("No changes: Meshgate already holds what the file declares.");
        }
        for step in &self.steps {
            println!("{step}");
        }
        for wait in &self.waiting {
            println!("… {wait}");
        }
        for note in &self.attention {
            println!("! {note}");
        }
    }
}

/// The product's environment of `stage` as Meshgate holds it: its request id, status and
/// DataZone project id.
struct Current {
    request: String,
    status: String,
    project_id: Option<String>,
}

async fn current(client: &Client, product: &str) -> Result<Vec<(String, Current)>, Failure> {
    let projects = client.get("/projects").await?;
    let row = projects["products"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| text(p, "product").eq_ignore_ascii_case(product.trim()));
    let mut found: Vec<(String, Current)> = Vec::new();
    for env in row.and_then(|r| r["environments"].as_array()).into_iter().flatten() {
        let status = text(env, "status");
        // A cancelled, failed or retired request does not hold the stage: a new one may be
        // made. A rejected one does, until the file asks differently (see `plan`).
        if matches!(status, "cancelled" | "failed" | "retired") {
            continue;
        }
        let stage = text(env, "environment").to_owned();
        let now = Current {
            request: text(env, "id").to_owned(),
            status: status.to_owned(),
            project_id: env["project_id"].as_str().map(str::to_owned),
        };
        // A live request wins over a rejected one of the same stage.
        match found.iter_mut().find(|(s, _)| *s == stage) {
            Some((_, held)) if held.status == "rejected" => *held = now,
            Some(_) => {}
            None => found.push((stage, now)),
        }
    }
    Ok(found)
}

async fn unit_id(client: &Client, unit: &str) -> Result<String, Failure> {
    let units = client.get("/domain-units").await?;
    units
        .as_array()
        .into_iter()
        .flatten()
        .find(|u| {
            text(u, "name").eq_ignore_ascii_case(unit.trim()) || text(u, "path").eq_ignore_ascii_case(unit.trim())
        })
        .map(|u| text(u, "id").to_owned())
        .ok_or_else(|| Failure::new(5, format!("no domain unit named {unit} is open to you")))
}

async fn principal(client: &Client, name: &str) -> Result<Value, Failure> {
    let found = client.get(&format!("/principals?query={}", encode(name))).await?;
    found
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| text(p, "name").eq_ignore_ascii_case(name) || text(p, "detail").eq_ignore_ascii_case(name))
        .cloned()
        .ok_or_else(|| Failure::new(5, format!("Identity Center has no person or group named {name}")))
}

/// Compares the file with what Meshgate and DataZone hold now.
pub async fn plan(client: &Client, file: &ProductFile) -> Result<Plan, Failure> {
    let mut plan = Plan::default();
    let product = file.product.name.trim();
    let held = current(client, product).await?;
    let active = |stage: &str| held.iter().find(|(s, c)| s == stage && c.status == "active").map(|(_, c)| c);
    let mut members_of_first = Vec::new();
    for member in file.members.iter().filter(|m| m.environments.is_empty() || m.environments.contains(&"dev".into())) {
        let found = principal(client, &member.name).await?;
        members_of_first.push(json!({ "principal": found, "designation": member.designation }));
    }
    let mut previous: Option<&str> = None;
    for env in &file.environments {
        let stage = env.stage.as_str();
        let rejected = match held.iter().find(|(s, _)| s == stage) {
            Some((_, now)) if now.status == "rejected" => {
                // Asked again only when the file gives a new justification.
                let detail = client.get(&format!("/project-requests/{}", now.request)).await?;
                if text(&detail, "justification").trim() == env.justification.trim() {
                    plan.attention.push(format!(
                        "{stage}: {} was rejected ({}); give a new justification to ask again",
                        now.request,
                        detail["decision_comment"].as_str().unwrap_or("no comment")
                    ));
                    previous = Some(stage);
                    continue;
                }
                true
            }
            _ => false,
        };
        if let Some((_, now)) = held.iter().find(|(s, _)| s == stage).filter(|_| !rejected) {
            if now.status != "active" {
                plan.waiting.push(format!("{stage}: {} is {}", now.request, now.status.replace('_', " ")));
            }
        } else if let Some(from) = previous {
            match active(from) {
                Some(source) => plan.steps.push(Step::Promote {
                    stage: stage.to_owned(),
                    from: source.request.clone(),
                    body: json!({ "environment": stage, "justification": env.justification }),
                }),
                None => plan.waiting.push(format!("{stage}: waits for {from} to be active")),
            }
        } else {
            let unit = unit_id(client, &file.product.domain_unit).await?;
            plan.steps.push(Step::RequestProject {
                stage: stage.to_owned(),
                body: json!({
                    "product": product, "project_name": format!("{product} {}", stage_label(stage)),
                    "description": file.product.description, "domain_unit_id": unit, "environment": stage,
                    "members": members_of_first, "justification": env.justification,
                }),
            });
        }
        previous = Some(stage);
        let Some(now) = active(stage) else { continue };
        members(client, file, stage, now, &mut plan).await?;
        let Some(project_id) = now.project_id.as_deref() else { continue };
        subscriptions(client, file, stage, project_id, &mut plan).await?;
        assets(client, file, stage, project_id, &mut plan).await?;
    }
    Ok(plan)
}

async fn members(
    client: &Client,
    file: &ProductFile,
    stage: &str,
    now: &Current,
    plan: &mut Plan,
) -> Result<(), Failure> {
    let wanted: Vec<&MemberSpec> = file
        .members
        .iter()
        .filter(|m| m.environments.is_empty() || m.environments.iter().any(|s| s == stage))
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let detail = client.get(&format!("/project-requests/{}", now.request)).await?;
    let rows = detail["members"].as_array().cloned().unwrap_or_default();
    for member in wanted {
        let found = principal(client, &member.name).await?;
        let holds = rows
            .iter()
            .any(|r| text(&r["principal"], "id") == text(&found, "id") && text(r, "designation") == member.designation);
        if !holds {
            plan.steps.push(Step::AddMember {
                stage: stage.to_owned(),
                request: now.request.clone(),
                name: member.name.clone(),
                body: json!({ "principal": found, "designation": member.designation, "remove": false }),
            });
        }
    }
    Ok(())
}

async fn subscriptions(
    client: &Client,
    file: &ProductFile,
    stage: &str,
    project_id: &str,
    plan: &mut Plan,
) -> Result<(), Failure> {
    for sub in file.subscriptions.iter().filter(|s| s.environment == stage) {
        let page = client.get(&format!("/catalog?q={}", encode(&sub.asset))).await?;
        let Some(item) = page["items"].as_array().into_iter().flatten().find(|i| text(i, "name") == sub.asset) else {
            return Err(Failure::new(5, format!("the catalog has no asset named {}", sub.asset)));
        };
        let listing = text(item, "listing_id");
        let entry = client.get(&format!("/catalog/{listing}")).await?;
        let state = entry["access"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| text(a, "project_id") == project_id)
            .map_or("none", |a| text(a, "state"));
        match state {
            "none" | "ended" => plan.steps.push(Step::Subscribe {
                stage: stage.to_owned(),
                asset: sub.asset.clone(),
                body: json!({ "listing_id": listing, "project_id": project_id, "reason": sub.reason, "days": sub.days }),
            }),
            "pending" | "granting" => plan.waiting.push(format!("{stage}: access to {} is {state}", sub.asset)),
            "granted" => {}
            other => plan.attention.push(format!(
                "{stage}: access to {} was {other}; ask on the portal or change the file",
                sub.asset
            )),
        }
    }
    Ok(())
}

async fn assets(
    client: &Client,
    file: &ProductFile,
    stage: &str,
    project_id: &str,
    plan: &mut Plan,
) -> Result<(), Failure> {
    for spec in file.assets.iter().filter(|a| a.environment == stage) {
        let inventory =
            client.get(&format!("/data?project={}&query={}", encode(project_id), encode(&spec.name))).await?;
        let Some(item) = inventory["items"].as_array().into_iter().flatten().find(|i| text(i, "name") == spec.name)
        else {
            plan.attention
                .push(format!("{stage}: the project has no asset named {} yet; add it on My data", spec.name));
            continue;
        };
        let asset = client.get(&format!("/data/{}", text(item, "id"))).await?;
        let asset_id = text(&asset, "id").to_owned();
        let held_terms: BTreeSet<String> =
            asset["terms"].as_array().into_iter().flatten().map(|t| text(t, "id").to_owned()).collect();
        let wanted_terms = match &spec.glossary_terms {
            None => held_terms.clone(),
            Some(names) => {
                let glossary = asset["glossary"].as_array().cloned().unwrap_or_default();
                let mut ids = BTreeSet::new();
                for name in names {
                    let term =
                        glossary.iter().find(|t| text(t, "name").eq_ignore_ascii_case(name)).ok_or_else(|| {
                            Failure::new(5, format!("asset {}: the glossary has no term {name}", spec.name))
                        })?;
                    ids.insert(text(term, "id").to_owned());
                }
                ids
            }
        };
        let description = spec.description.clone().unwrap_or_else(|| text(&asset, "description").to_owned());
        let revise = description.trim() != text(&asset, "description").trim() || wanted_terms != held_terms;
        if revise {
            plan.steps.push(Step::Revise {
                stage: stage.to_owned(),
                asset: spec.name.clone(),
                asset_id: asset_id.clone(),
                body: json!({
                    "asset_id": asset_id, "base_revision": text(&asset, "revision"), "name": text(&asset, "name"),
                    "description": description, "glossary_terms": wanted_terms,
                    "forms": asset["business_forms"].clone(),
                }),
            });
        }
        let shown = text(&asset, "publication") == "Published";
        if spec.publish && (revise || !shown) {
            let revision = (!revise).then(|| text(&asset, "revision").to_owned());
            plan.steps.push(Step::Publish { stage: stage.to_owned(), asset: spec.name.clone(), asset_id, revision });
        }
    }
    Ok(())
}

/// Takes the plan's steps in order; a new revision's number is carried to its publication.
pub async fn apply(client: &Client, plan: &Plan, json_output: bool) -> Result<Vec<Value>, Failure> {
    let mut done = Vec::new();
    let mut last_revision: Option<(String, String)> = None;
    for step in &plan.steps {
        let key = step.key();
        let answer = match step {
            Step::RequestProject { body, .. } => client.post_step("/project-requests", body.clone(), &key).await?,
            Step::Promote { from, body, .. } => {
                client.post_step(&format!("/project-requests/{from}/promote"), body.clone(), &key).await?
            }
            Step::AddMember { request, body, .. } => {
                client.post_step(&format!("/project-requests/{request}/members"), body.clone(), &key).await?
            }
            Step::Subscribe { body, .. } => client.post_step("/subscription-requests", body.clone(), &key).await?,
            Step::Revise { asset_id, body, .. } => {
                let made = client.post_step(&format!("/data/{asset_id}/revisions"), body.clone(), &key).await?;
                last_revision = Some((asset_id.clone(), text(&made, "id").to_owned()));
                made
            }
            Step::Publish { asset_id, revision, .. } => {
                let revision = revision
                    .clone()
                    .or_else(|| last_revision.as_ref().filter(|(id, _)| id == asset_id).map(|(_, r)| r.clone()));
                let body = json!({ "revision": revision.unwrap_or_default(), "publish": true });
                client.post_step(&format!("/data/{asset_id}/publication"), body, &key).await?
            }
        };
        if !json_output {
            println!("{step}: done");
        }
        done.push(json!({ "step": key, "answer": answer }));
    }
    Ok(done)
}
