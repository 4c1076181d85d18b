//! Project requests as the UI sees them: the form, its validation rules (the same code runs
//! in the browser before submit and on the server after), and the request's life.

use serde::{Deserialize, Serialize};

/// A product's environments, each created from its own project profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Dev,
    Staging,
    Prod,
}

impl Environment {
    pub const ALL: [Self; 3] = [Self::Dev, Self::Staging, Self::Prod];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Staging => "staging",
            Self::Prod => "prod",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Dev => "Dev",
            Self::Staging => "Staging",
            Self::Prod => "Prod",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == value)
    }

    /// The environment a promotion of this one creates.
    pub fn next(self) -> Option<Self> {
        match self {
            Self::Dev => Some(Self::Staging),
            Self::Staging => Some(Self::Prod),
            Self::Prod => None,
        }
    }

    /// Whether requests for it need a platform admin or a domain-unit owner to approve.
    pub fn needs_approval(self) -> bool {
        !matches!(self, Self::Dev)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Designation {
    Owner,
    Contributor,
}

impl Designation {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Contributor => "contributor",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Owner => "Owner",
            Self::Contributor => "Contributor",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        [Self::Owner, Self::Contributor].into_iter().find(|d| d.as_str() == value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    User,
    Group,
}

/// A person or group as DataZone knows them (user or group profile id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Principal {
    pub id: String,
    pub kind: PrincipalKind,
    pub name: String,
    /// Email for people, description for groups.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MemberInput {
    pub principal: Principal,
    pub designation: Designation,
}

/// What a team lead submits. The requester always becomes an owner; `members` are the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProjectRequestForm {
    pub product: String,
    pub project_name: String,
    pub description: String,
    pub domain_unit_id: String,
    pub environment: Option<Environment>,
    pub members: Vec<MemberInput>,
    pub justification: String,
}

/// One thing wrong with a form field, shown next to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

pub const MAX_MEMBERS: usize = 20;

/// DataZone's rule for project names (and ours for product names): letters, digits,
/// underscores, spaces and hyphens.
pub fn name_problem(value: &str, what: &str, max: usize) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return Some(format!("Enter a {what}."));
    }
    if value.chars().count() > max {
        return Some(format!("The {what} can be at most {max} characters."));
    }
    if !value.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | ' ' | '-')) {
        return Some(format!("The {what} may contain only letters, digits, spaces, hyphens and underscores."));
    }
    None
}

/// A comment or justification: optional or required, and at most `max` characters.
pub fn text_problem(value: &str, what: &str, required: bool, max: usize) -> Option<String> {
    if required && value.trim().is_empty() {
        return Some(format!("Enter a {what}."));
    }
    (value.chars().count() > max).then(|| format!("The {what} can be at most {max} characters."))
}

impl ProjectRequestForm {
    /// Every problem with the form; empty when it may be submitted.
    pub fn problems(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        let mut add = |field: &str, message: Option<String>| {
            if let Some(message) = message {
                problems.push(FieldProblem { field: field.to_owned(), message });
            }
        };
        add("product", name_problem(&self.product, "product name", 48));
        add("project_name", name_problem(&self.project_name, "project name", 64));
        add("description", text_problem(&self.description, "description", false, 2048));
        add("domain_unit_id", self.domain_unit_id.trim().is_empty().then(|| "Choose a domain unit.".to_owned()));
        add("environment", self.environment.is_none().then(|| "Choose an environment.".to_owned()));
        let needs_reason = self.environment.is_some_and(Environment::needs_approval);
        add("justification", text_problem(&self.justification, "justification", needs_reason, 1000));
        let mut seen = std::collections::HashSet::new();
        let duplicate = self.members.iter().find(|m| !seen.insert(&m.principal.id));
        add("members", duplicate.map(|m| format!("{} is listed twice.", m.principal.name)));
        add(
            "members",
            (self.members.len() > MAX_MEMBERS).then(|| format!("A request can add at most {MAX_MEMBERS} members.")),
        );
        problems
    }

    /// The form with surrounding spaces removed, as it is stored.
    #[must_use]
    pub fn trimmed(mut self) -> Self {
        for field in [&mut self.product, &mut self.project_name, &mut self.description, &mut self.justification] {
            *field = field.trim().to_owned();
        }
        self
    }
}

/// A domain unit in the picker: the tree flattened in display order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct UnitChoice {
    pub id: String,
    /// The parent unit (the domain's root unit for top-level units).
    pub parent_id: String,
    pub name: String,
    /// `Parent / Child`, for people.
    pub path: String,
    pub depth: usize,
    /// Environments whose project profile the unit allows.
    pub environments: Vec<Environment>,
    /// Whether Dev requests here are approved without a person.
    pub auto_approve_dev: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    PendingApproval,
    Rejected,
    Provisioning,
    Active,
    Failed,
    Cancelled,
    RetirePending,
    Retiring,
    Retired,
}

impl RequestStatus {
    pub const ALL: [Self; 9] = [
        Self::PendingApproval,
        Self::Rejected,
        Self::Provisioning,
        Self::Active,
        Self::Failed,
        Self::Cancelled,
        Self::RetirePending,
        Self::Retiring,
        Self::Retired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::PendingApproval => "pending_approval",
            Self::Rejected => "rejected",
            Self::Provisioning => "provisioning",
            Self::Active => "active",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
            Self::RetirePending => "retire_pending",
            Self::Retiring => "retiring",
            Self::Retired => "retired",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::PendingApproval => "Awaiting approval",
            Self::Rejected => "Rejected",
            Self::Provisioning => "Provisioning",
            Self::Active => "Active",
            Self::Failed => "Failed",
            Self::Cancelled => "Cancelled",
            Self::RetirePending => "Retirement awaiting approval",
            Self::Retiring => "Retiring",
            Self::Retired => "Retired",
        }
    }

    /// Whether the portal is still working on it (the page keeps refreshing).
    pub fn in_flight(self) -> bool {
        matches!(self, Self::Provisioning | Self::Retiring)
    }

    /// Tailwind classes of the status badge.
    pub fn tone(self) -> &'static str {
        match self {
            Self::Active => "bg-emerald-50 text-emerald-800 ring-emerald-200",
            Self::Provisioning | Self::Retiring => "bg-sky-50 text-sky-800 ring-sky-200",
            Self::PendingApproval | Self::RetirePending => "bg-amber-50 text-amber-800 ring-amber-200",
            Self::Failed | Self::Rejected => "bg-red-50 text-red-800 ring-red-200",
            Self::Cancelled | Self::Retired => "bg-slate-100 text-slate-700 ring-slate-200",
        }
    }
}

/// A request in lists: "my projects", the approval queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RequestSummary {
    pub id: String,
    pub product: String,
    pub project_name: String,
    pub environment: Environment,
    pub status: RequestStatus,
    pub domain_unit_name: String,
    pub requested_by: String,
    pub requested_by_name: String,
    pub created_at: String,
    /// "3 h", "2 d": how long ago it was submitted.
    pub age: String,
    pub project_id: Option<String>,
    /// The project in SageMaker Unified Studio, once it exists.
    pub portal_url: Option<String>,
}

/// One step of the request's progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Step {
    pub label: String,
    pub state: StepState,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum StepState {
    Done,
    Current,
    Waiting,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MemberRow {
    pub principal: Principal,
    pub designation: Designation,
    /// "adding", "added", "removing" or "removed".
    pub state: String,
}

/// An owner adding, re-designating or removing a member of an active project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MemberChange {
    pub principal: Principal,
    pub designation: Designation,
    pub remove: bool,
}

/// What the caller may do with a request right now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[allow(clippy::struct_excessive_bools)]
pub struct Allowed {
    pub decide: bool,
    pub cancel: bool,
    pub retry: bool,
    pub retire: bool,
    /// Environments the project can be promoted to now (Staging, Prod).
    pub promote_to: Vec<Environment>,
    pub manage_members: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct RequestDetail {
    pub summary: RequestSummary,
    pub description: String,
    pub justification: String,
    pub profile_name: String,
    pub decided_by: Option<String>,
    pub decision_comment: Option<String>,
    pub failure: Option<String>,
    pub steps: Vec<Step>,
    pub members: Vec<MemberRow>,
    /// The product's other environments (promotions and their source).
    pub twins: Vec<RequestSummary>,
    pub history: Vec<crate::model::AuditEntry>,
    pub allowed: Allowed,
}

/// A product with its environments side by side, for "My projects".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ProductRow {
    pub product: String,
    pub environments: Vec<RequestSummary>,
}

/// A DataZone project the person belongs to that the portal did not create.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct ExternalProject {
    pub id: String,
    pub name: String,
    pub description: String,
    pub portal_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct MyProjects {
    pub products: Vec<ProductRow>,
    pub other_projects: Vec<ExternalProject>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ProjectRequestForm {
        ProjectRequestForm {
            product: "Churn".into(),
            project_name: "Churn Dev".into(),
            domain_unit_id: "unit".into(),
            environment: Some(Environment::Dev),
            ..ProjectRequestForm::default()
        }
    }

    #[test]
    fn a_complete_dev_request_has_no_problems() {
        assert!(form().problems().is_empty());
    }

    #[test]
    fn names_follow_datazone_rules() {
        let bad = ProjectRequestForm { project_name: "churn/dev".into(), ..form() };
        assert_eq!(bad.problems()[0].field, "project_name");
        let long = ProjectRequestForm { project_name: "x".repeat(65), ..form() };
        assert!(long.problems()[0].message.contains("64"));
        assert_eq!(ProjectRequestForm { product: "  ".into(), ..form() }.problems()[0].field, "product");
    }

    #[test]
    fn prod_needs_a_justification() {
        let prod = ProjectRequestForm { environment: Some(Environment::Prod), ..form() };
        assert_eq!(prod.problems()[0].field, "justification");
    }

    #[test]
    fn a_member_listed_twice_is_refused() {
        let member = MemberInput {
            principal: Principal {
                id: "u1".into(),
                kind: PrincipalKind::User,
                name: "Ivan".into(),
                detail: String::new(),
            },
            designation: Designation::Contributor,
        };
        let twice = ProjectRequestForm { members: vec![member.clone(), member], ..form() };
        assert_eq!(twice.problems()[0].message, "Ivan is listed twice.");
    }
}
