//! The project port: domain units, profiles, projects and memberships in DataZone, as
//! plain data. Every call here is one DataZone operation (or its pages); retries of
//! throttling and 5xx are the SDK's, pacing and idempotency are the caller's.

use std::collections::{HashMap, HashSet};

use app::model::{Designation, Principal, PrincipalKind};
use aws_sdk_datazone::types::{
    DomainUnitOwnerProperties, GroupSearchType, ManagedPolicyType, Member, MemberDetails, PolicyGrantDetail,
    TargetEntityType, UserDesignation, UserProfileDetails, UserSearchType,
};

use super::units::{grantee_of, Grantee};
use super::{upstream, Aws};
use crate::error::AppError;

#[derive(Debug, Clone)]
pub struct UnitInfo {
    pub id: String,
    pub name: String,
    pub parent_id: Option<String>,
    pub description: String,
    /// User and group profile ids.
    pub owner_ids: Vec<String>,
}

/// A project as provisioning needs to see it.
#[derive(Debug, Clone)]
pub struct ProjectState {
    pub id: String,
    pub name: String,
    /// `ProjectStatus`: ACTIVE, DELETING, DELETE_FAILED, …
    pub status: String,
    /// `OverallDeploymentStatus`: PENDING_DEPLOYMENT, IN_PROGRESS, SUCCESSFUL, FAILED_*.
    pub deployment: Option<String>,
    /// DataZone's reasons when deployment or deletion failed.
    pub failure: Option<String>,
}

#[derive(Debug, Clone)]
pub struct ProjectListing {
    pub id: String,
    pub name: String,
    pub description: String,
}

/// A CREATE_PROJECT_FROM_PROJECT_PROFILE grant on a unit.
#[derive(Debug, Clone)]
pub struct ProfileGrant {
    /// `None` for principals the portal does not manage (projects, domain units).
    pub grantee: Option<Grantee>,
    pub profile_ids: Vec<String>,
    pub include_children: bool,
    pub created_by: String,
}

#[derive(Debug, Clone)]
pub struct ProfileInfo {
    pub id: String,
    pub name: String,
    pub description: String,
    pub enabled: bool,
}

/// DataZone allows domain units five levels deep.
const MAX_UNIT_DEPTH: usize = 5;

/// A unit of the tree with where it sits.
pub struct UnitNode {
    pub id: String,
    pub name: String,
    pub path: String,
    pub depth: usize,
    /// From the root down to the parent.
    pub ancestors: Vec<String>,
}

impl Aws {
    /// The unit tree, depth first, at most [`MAX_UNIT_DEPTH`] levels below the root.
    pub async fn unit_tree(&self) -> Result<Vec<UnitNode>, AppError> {
        let root = self.root_unit_id().await?;
        let mut out = Vec::new();
        let mut stack: Vec<UnitNode> = Vec::new();
        let mut children = self.unit_children(&root).await?;
        children.sort_by(|a, b| b.1.cmp(&a.1));
        for (id, name) in children {
            stack.push(UnitNode { path: name.clone(), id, name, depth: 0, ancestors: vec![root.clone()] });
        }
        while let Some(node) = stack.pop() {
            if node.depth + 1 < MAX_UNIT_DEPTH {
                let mut children = self.unit_children(&node.id).await?;
                children.sort_by(|a, b| b.1.cmp(&a.1));
                for (id, name) in children {
                    let mut ancestors = node.ancestors.clone();
                    ancestors.push(node.id.clone());
                    stack.push(UnitNode {
                        path: format!("{} / {name}", node.path),
                        id,
                        name,
                        depth: node.depth + 1,
                        ancestors,
                    });
                }
            }
            out.push(node);
        }
        Ok(out)
    }
}

fn designation_of(designation: Designation) -> UserDesignation {
    match designation {
        Designation::Owner => UserDesignation::ProjectOwner,
        Designation::Contributor => UserDesignation::ProjectContributor,
    }
}

fn member_of(kind: PrincipalKind, id: &str) -> Member {
    match kind {
        PrincipalKind::User => Member::UserIdentifier(id.to_owned()),
        PrincipalKind::Group => Member::GroupIdentifier(id.to_owned()),
    }
}

impl Aws {
    /// The domain's root unit, read once (every walk of the unit tree starts there).
    pub async fn root_unit_id(&self) -> Result<String, AppError> {
        self.root_unit_id
            .get_or_try_init(|| async {
                self.get_domain()
                    .await?
                    .root_domain_unit_id()
                    .map(str::to_owned)
                    .ok_or_else(|| AppError::NotFound("root domain unit".into()))
            })
            .await
            .cloned()
    }

    /// The child units of `parent`, as `(id, name)`.
    pub async fn unit_children(&self, parent: &str) -> Result<Vec<(String, String)>, AppError> {
        let mut pages = self
            .datazone
            .list_domain_units_for_parent()
            .domain_identifier(&self.domain_id)
            .parent_domain_unit_identifier(parent)
            .max_results(25)
            .into_paginator()
            .send();
        let mut children = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| upstream("ListDomainUnitsForParent", e))?;
            children.extend(page.items().iter().map(|u| (u.id().to_owned(), u.name().to_owned())));
        }
        Ok(children)
    }

    pub async fn unit(&self, id: &str) -> Result<UnitInfo, AppError> {
        let unit =
            self.datazone.get_domain_unit().domain_identifier(&self.domain_id).identifier(id).send().await.map_err(
                |e| match upstream("GetDomainUnit", e) {
                    AppError::Upstream { code, .. } if code == "ResourceNotFoundException" => {
                        AppError::NotFound("Domain unit".into())
                    }
                    other => other,
                },
            )?;
        let owner_ids = unit
            .owners()
            .iter()
            .filter_map(|owner| match owner {
                DomainUnitOwnerProperties::User(u) => u.user_id().map(str::to_owned),
                DomainUnitOwnerProperties::Group(g) => g.group_id().map(str::to_owned),
                _ => None,
            })
            .collect();
        Ok(UnitInfo {
            id: unit.id().to_owned(),
            name: unit.name().to_owned(),
            parent_id: unit.parent_domain_unit_id().map(str::to_owned),
            description: unit.description().unwrap_or_default().to_owned(),
            owner_ids,
        })
    }

    pub async fn project_profiles(&self) -> Result<Vec<ProfileInfo>, AppError> {
        let mut pages = self
            .datazone
            .list_project_profiles()
            .domain_identifier(&self.domain_id)
            .max_results(50)
            .into_paginator()
            .send();
        let mut profiles = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| upstream("ListProjectProfiles", e))?;
            profiles.extend(page.items().iter().map(|p| ProfileInfo {
                id: p.id().to_owned(),
                name: p.name().to_owned(),
                description: p.description().unwrap_or_default().to_owned(),
                enabled: p.status().is_none_or(|s| s.as_str() == "ENABLED"),
            }));
        }
        Ok(profiles)
    }

    /// Which project profiles may be used in `unit` (grants made on the unit itself).
    pub async fn profile_grants(&self, unit: &str) -> Result<Vec<ProfileGrant>, AppError> {
        let mut pages = self
            .datazone
            .list_policy_grants()
            .domain_identifier(&self.domain_id)
            .entity_type(TargetEntityType::DomainUnit)
            .entity_identifier(unit)
            .policy_type(ManagedPolicyType::CreateProjectFromProjectProfile)
            .max_results(25)
            .into_paginator()
            .send();
        let mut grants = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| upstream("ListPolicyGrants", e))?;
            grants.extend(page.grant_list().iter().filter_map(|g| match g.detail() {
                Some(PolicyGrantDetail::CreateProjectFromProjectProfile(d)) => Some(ProfileGrant {
                    grantee: grantee_of(g.principal()),
                    profile_ids: d.project_profiles().to_vec(),
                    include_children: d.include_child_domain_units().unwrap_or(false),
                    created_by: g.created_by().unwrap_or_default().to_owned(),
                }),
                _ => None,
            }));
        }
        Ok(grants)
    }

    /// The project called exactly `name`, if one exists (names are unique in a domain).
    pub async fn project_named(&self, name: &str) -> Result<Option<ProjectListing>, AppError> {
        let mut pages = self
            .datazone
            .list_projects()
            .domain_identifier(&self.domain_id)
            .name(name)
            .max_results(50)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| upstream("ListProjects", e))?;
            if let Some(p) = page.items().iter().find(|p| p.name() == name) {
                return Ok(Some(listing(p)));
            }
        }
        Ok(None)
    }

    /// Projects a person belongs to: as a user (`user_id`) or through any of their groups
    /// (`group_ids`), as DataZone's memberships stand now. One ListProjects listing per
    /// principal (`userIdentifier`, then `groupIdentifier` per group), read concurrently;
    /// each project once, user memberships first. Each principal's listing is reused for
    /// `membership_cache_seconds` (30 by default), so one read of a group serves all its
    /// members; the portal's own membership and project changes clear them.
    ///
    /// # Errors
    /// DataZone's refusal of any of the listings.
    pub async fn projects_of(&self, user_id: &str, group_ids: &[String]) -> Result<Vec<ProjectListing>, AppError> {
        let principals = std::iter::once((false, user_id))
            .filter(|_| !user_id.is_empty())
            .chain(group_ids.iter().map(|g| (true, g.as_str())));
        let listings = principals.map(|(group, id)| {
            super::cached(
                self.caches.projects.as_ref(),
                (group, id.to_owned()),
                Box::pin(async move {
                    if group {
                        self.projects_of_principal(None, Some(id)).await
                    } else {
                        self.projects_of_principal(Some(id), None).await
                    }
                }),
            )
        });
        let mut seen = HashSet::new();
        let projects = futures_util::future::try_join_all(listings)
            .await?
            .iter()
            .flat_map(|listing| listing.iter())
            .filter(|p| seen.insert(p.id.clone()))
            .cloned()
            .collect();
        Ok(projects)
    }

    /// Forgets every principal's cached projects: the portal changed a membership or a project.
    pub fn forget_projects_of(&self) {
        if let Some(cache) = &self.caches.projects {
            cache.invalidate_all();
        }
    }

    async fn projects_of_principal(
        &self,
        user: Option<&str>,
        group: Option<&str>,
    ) -> Result<Vec<ProjectListing>, AppError> {
        let mut pages = self
            .datazone
            .list_projects()
            .domain_identifier(&self.domain_id)
            .set_user_identifier(user.map(str::to_owned))
            .set_group_identifier(group.map(str::to_owned))
            .max_results(50)
            .into_paginator()
            .send();
        let mut projects = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| upstream("ListProjects", e))?;
            projects.extend(page.items().iter().map(listing));
        }
        Ok(projects)
    }

    pub async fn create_project(
        &self,
        name: &str,
        description: &str,
        unit: &str,
        profile: &str,
    ) -> Result<String, AppError> {
        let created = self
            .datazone
            .create_project()
            .domain_identifier(&self.domain_id)
            .name(name)
            .description(description)
            .domain_unit_id(unit)
            .project_profile_id(profile)
            .send()
            .await
            .map_err(|e| upstream("CreateProject", e))?;
        self.forget_projects_of();
        Ok(created.id().to_owned())
    }

    /// The project's state, or `None` once it no longer exists.
    pub async fn project(&self, id: &str) -> Result<Option<ProjectState>, AppError> {
        let found = self.datazone.get_project().domain_identifier(&self.domain_id).identifier(id).send().await;
        let project = match found {
            Ok(p) => p,
            Err(e) => {
                return match upstream("GetProject", e) {
                    AppError::Upstream { code, .. } if code == "ResourceNotFoundException" => Ok(None),
                    other => Err(other),
                }
            }
        };
        let details = project.environment_deployment_details();
        let mut reasons: Vec<String> = details
            .and_then(|d| d.environment_failure_reasons())
            .map(|reasons| {
                let mut sorted: Vec<_> = reasons.iter().collect();
                sorted.sort_by_key(|(environment, _)| environment.as_str());
                sorted
                    .into_iter()
                    .flat_map(|(environment, errors)| {
                        errors.iter().map(move |e| format!("{environment}: {}", e.message()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        reasons.extend(project.failure_reasons().iter().filter_map(|r| r.message().map(str::to_owned)));
        Ok(Some(ProjectState {
            id: project.id().to_owned(),
            name: project.name().to_owned(),
            status: project.project_status().map(|s| s.as_str().to_owned()).unwrap_or_default(),
            deployment: details.and_then(|d| d.overall_deployment_status()).map(|s| s.as_str().to_owned()),
            failure: (!reasons.is_empty()).then(|| reasons.join("; ")),
        }))
    }

    /// Starts deleting a project; a project already gone is not an error.
    pub async fn delete_project(&self, id: &str) -> Result<(), AppError> {
        let sent = self
            .datazone
            .delete_project()
            .domain_identifier(&self.domain_id)
            .identifier(id)
            .skip_deletion_check(false)
            .send()
            .await;
        self.forget_projects_of();
        match sent.map_err(|e| upstream("DeleteProject", e)) {
            Ok(_) => Ok(()),
            Err(AppError::Upstream { code, .. }) if code == "ResourceNotFoundException" => Ok(()),
            Err(other) => Err(other),
        }
    }

    /// Members of a project: principal id → designation as DataZone spells it.
    pub async fn memberships(&self, project: &str) -> Result<HashMap<String, String>, AppError> {
        let mut pages = self
            .datazone
            .list_project_memberships()
            .domain_identifier(&self.domain_id)
            .project_identifier(project)
            .max_results(50)
            .into_paginator()
            .send();
        let mut members = HashMap::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| upstream("ListProjectMemberships", e))?;
            for member in page.members() {
                let id = match member.member_details() {
                    Some(MemberDetails::User(u)) => u.user_id().to_owned(),
                    Some(MemberDetails::Group(g)) => g.group_id().to_owned(),
                    _ => continue,
                };
                members.insert(id, member.designation().as_str().to_owned());
            }
        }
        Ok(members)
    }

    pub async fn add_member(
        &self,
        project: &str,
        kind: PrincipalKind,
        id: &str,
        designation: Designation,
    ) -> Result<(), AppError> {
        self.datazone
            .create_project_membership()
            .domain_identifier(&self.domain_id)
            .project_identifier(project)
            .member(member_of(kind, id))
            .designation(designation_of(designation))
            .send()
            .await
            .map_err(|e| upstream("CreateProjectMembership", e))?;
        self.forget_projects_of();
        Ok(())
    }

    pub async fn remove_member(&self, project: &str, kind: PrincipalKind, id: &str) -> Result<(), AppError> {
        self.datazone
            .delete_project_membership()
            .domain_identifier(&self.domain_id)
            .project_identifier(project)
            .member(member_of(kind, id))
            .send()
            .await
            .map_err(|e| upstream("DeleteProjectMembership", e))?;
        self.forget_projects_of();
        Ok(())
    }

    /// People (SSO users) and groups matching `text`, at most `limit` of each.
    pub async fn search_principals(&self, text: &str, limit: i32) -> Result<Vec<Principal>, AppError> {
        let users = self
            .datazone
            .search_user_profiles()
            .domain_identifier(&self.domain_id)
            .user_type(UserSearchType::DatazoneSsoUser)
            .search_text(text)
            .max_results(limit)
            .send();
        let groups = self
            .datazone
            .search_group_profiles()
            .domain_identifier(&self.domain_id)
            .group_type(GroupSearchType::DatazoneSsoGroup)
            .search_text(text)
            .max_results(limit)
            .send();
        let (users, groups) = tokio::join!(users, groups);
        let users = users.map_err(|e| upstream("SearchUserProfiles", e))?;
        let groups = groups.map_err(|e| upstream("SearchGroupProfiles", e))?;
        let mut found: Vec<Principal> = users
            .items()
            .iter()
            .filter_map(|u| {
                let id = u.id()?.to_owned();
                let Some(UserProfileDetails::Sso(sso)) = u.details() else { return None };
                let full = format!("{} {}", sso.first_name().unwrap_or_default(), sso.last_name().unwrap_or_default());
                let username = sso.username().unwrap_or_default().to_owned();
                let name = if full.trim().is_empty() { username.clone() } else { full.trim().to_owned() };
                Some(Principal { id, kind: PrincipalKind::User, name, detail: username })
            })
            .collect();
        found.extend(groups.items().iter().filter_map(|g| {
            Some(Principal {
                id: g.id()?.to_owned(),
                kind: PrincipalKind::Group,
                name: g.group_name()?.to_owned(),
                detail: "Group".to_owned(),
            })
        }));
        Ok(found)
    }
}

fn listing(p: &aws_sdk_datazone::types::ProjectSummary) -> ProjectListing {
    ProjectListing {
        id: p.id().to_owned(),
        name: p.name().to_owned(),
        description: p.description().unwrap_or_default().to_owned(),
    }
}
