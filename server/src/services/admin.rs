//! Platform admin: domain units, their owners and profile grants, per-unit approval
//! settings and project profiles. Every change is audited with what it was before.

use std::collections::HashMap;

use app::api::ports::Admin;
use app::model::{
    name_problem, text_problem, ApiError, Caller, NewProfileGrant, Principal, PrincipalKind, ProfileGrantView,
    ProfileSummary, UnitDetail,
};
use async_trait::async_trait;
use serde_json::json;

use super::projects::ProjectService;
use crate::aws::Grantee;
use crate::error::AppError;
use crate::store::projects as store;

/// The root unit, as people read it.
const ROOT_NAME: &str = "Whole domain";

impl ProjectService {
    /// People and groups by id, for naming owners and grantees.
    async fn directory(&self) -> Result<HashMap<String, Principal>, AppError> {
        Ok(self.aws.search_principals("", 50).await?.into_iter().map(|p| (p.id.clone(), p)).collect())
    }

    async fn audit(
        &self,
        caller: &Caller,
        action: &str,
        kind: &str,
        target: &str,
        before: Option<serde_json::Value>,
        after: Option<serde_json::Value>,
    ) -> Result<(), AppError> {
        super::audit_event(&self.pool, &caller.username, action, (kind, target), before, after).await
    }

    /// Profile names by id and the summaries admins see.
    async fn profile_summaries(&self) -> Result<Vec<ProfileSummary>, AppError> {
        let profiles = self.aws.project_profiles().await?;
        Ok(profiles
            .into_iter()
            .map(|p| ProfileSummary {
                environments: self
                    .environment_profiles
                    .iter()
                    .filter(|(_, name)| name == &p.name)
                    .map(|(env, _)| *env)
                    .collect(),
                id: p.id,
                name: p.name,
                description: p.description,
                enabled: p.enabled,
            })
            .collect())
    }
}

fn principal_name(key: &str, directory: &HashMap<String, Principal>) -> String {
    match Grantee::parse(key) {
        Some(Grantee::AllUsers) => "All users".to_owned(),
        Some(Grantee::User(id) | Grantee::Group(id)) => directory.get(&id).map_or(id, |p| p.name.clone()),
        None => key.to_owned(),
    }
}

#[async_trait]
impl Admin for ProjectService {
    async fn unit(&self, id: &str) -> Result<UnitDetail, ApiError> {
        let tree = self.aws.unit_tree().await?;
        let node = tree.iter().find(|u| u.id == id).ok_or_else(|| AppError::NotFound("Domain unit".into()))?;
        let (info, directory, profiles) =
            tokio::try_join!(self.aws.unit(id), self.directory(), self.profile_summaries())?;
        let profile_names: HashMap<&str, &str> = profiles.iter().map(|p| (p.id.as_str(), p.name.as_str())).collect();
        let unit_name =
            |unit: &str| tree.iter().find(|u| u.id == unit).map_or(ROOT_NAME.to_owned(), |u| u.path.clone());
        let mut grants = Vec::new();
        for unit in node.ancestors.iter().chain([&node.id]) {
            let inherited = unit != &node.id;
            for grant in self.aws.profile_grants(unit).await? {
                let Some(grantee) = grant.grantee else { continue };
                if inherited && !grant.include_children {
                    continue;
                }
                let principal = grantee.key();
                grants.push(ProfileGrantView {
                    unit_id: unit.clone(),
                    unit_name: unit_name(unit),
                    principal_name: principal_name(&principal, &directory),
                    principal,
                    profile_names: grant
                        .profile_ids
                        .iter()
                        .map(|p| profile_names.get(p.as_str()).map_or(p.clone(), |n| (*n).to_owned()))
                        .collect(),
                    profile_ids: grant.profile_ids,
                    include_children: grant.include_children,
                    inherited,
                    created_by: grant.created_by,
                });
            }
        }
        let owners = info
            .owner_ids
            .iter()
            .map(|o| {
                directory.get(o).cloned().unwrap_or_else(|| Principal {
                    id: o.clone(),
                    kind: PrincipalKind::User,
                    name: o.clone(),
                    detail: String::new(),
                })
            })
            .collect();
        let children = tree
            .iter()
            .filter(|u| u.ancestors.last() == Some(&node.id))
            .map(|u| (u.id.clone(), u.name.clone()))
            .collect();
        Ok(UnitDetail {
            id: node.id.clone(),
            name: info.name,
            path: node.path.clone(),
            description: info.description,
            parent_id: info.parent_id,
            owners,
            children,
            grants,
            profiles,
            auto_approve_dev: store::auto_approves_dev(&self.pool, id).await.map_err(AppError::from)?,
            allow_self_decisions: store::allows_self_decisions(&self.pool, id).await.map_err(AppError::from)?,
            live_projects: store::live_in_unit(&self.pool, id).await.map_err(AppError::from)?,
        })
    }

    async fn create_unit(
        &self,
        caller: &Caller,
        parent: &str,
        name: &str,
        description: &str,
    ) -> Result<String, ApiError> {
        let (name, description) = (name.trim(), description.trim());
        if let Some(problem) = name_problem(name, "unit name", 128) {
            return Err(AppError::invalid("name", problem).into());
        }
        if let Some(problem) = text_problem(description, "description", false, 2048) {
            return Err(AppError::invalid("description", problem).into());
        }
        let tree = self.aws.unit_tree().await?;
        let root = self.aws.root_unit_id().await?;
        if parent != root && !tree.iter().any(|u| u.id == parent) {
            return Err(AppError::invalid("parent", "Choose an existing parent unit.").into());
        }
        let id = self.aws.create_unit(parent, name, description).await.map_err(|e| match e {
            AppError::Upstream { code, .. } if code == "ConflictException" => {
                AppError::invalid("name", format!("A unit named {name} already exists there."))
            }
            AppError::Upstream { code, .. } if code == "ServiceQuotaExceededException" => {
                AppError::invalid("parent", "Domain units can be nested at most five levels deep.")
            }
            other => other,
        })?;
        let after = json!({ "name": name, "description": description, "parent": parent, "call": "CreateDomainUnit" });
        self.audit(caller, "domain_unit.created", "domain_unit", &id, None, Some(after)).await?;
        Ok(id)
    }

    async fn update_unit(&self, caller: &Caller, id: &str, name: &str, description: &str) -> Result<(), ApiError> {
        let (name, description) = (name.trim(), description.trim());
        if let Some(problem) = name_problem(name, "unit name", 128) {
            return Err(AppError::invalid("name", problem).into());
        }
        if let Some(problem) = text_problem(description, "description", false, 2048) {
            return Err(AppError::invalid("description", problem).into());
        }
        let before = self.aws.unit(id).await?;
        self.aws.update_unit(id, name, description).await.map_err(|e| match e {
            AppError::Upstream { code, .. } if code == "ConflictException" => {
                AppError::invalid("name", format!("A sibling unit is already named {name}."))
            }
            other => other,
        })?;
        let was = json!({ "name": before.name, "description": before.description });
        let now = json!({ "name": name, "description": description, "call": "UpdateDomainUnit" });
        self.audit(caller, "domain_unit.updated", "domain_unit", id, Some(was), Some(now)).await?;
        Ok(())
    }

    async fn set_owner(&self, caller: &Caller, unit: &str, owner: Principal, add: bool) -> Result<(), ApiError> {
        let before = self.aws.unit(unit).await?;
        if !add && before.owner_ids.len() == 1 && before.owner_ids.contains(&owner.id) {
            return Err(AppError::invalid("owner", "A domain unit keeps at least one owner; add another first.").into());
        }
        self.aws.set_unit_owner(unit, owner.kind, &owner.id, add).await?;
        let action = if add { "domain_unit.owner_added" } else { "domain_unit.owner_removed" };
        let call = if add { "AddEntityOwner" } else { "RemoveEntityOwner" };
        let after = json!({ "owner": owner.name, "principal_id": owner.id, "call": call });
        self.audit(caller, action, "domain_unit", unit, Some(json!({ "owners": before.owner_ids })), Some(after))
            .await?;
        Ok(())
    }

    async fn grant(&self, caller: &Caller, grant: NewProfileGrant) -> Result<(), ApiError> {
        let grantee = Grantee::parse(&grant.principal)
            .ok_or_else(|| AppError::invalid("principal", "Choose all users, a person or a group."))?;
        if grant.profile_ids.is_empty() {
            return Err(AppError::invalid("profiles", "Choose at least one project profile.").into());
        }
        let known = self.aws.project_profiles().await?;
        if let Some(unknown) = grant.profile_ids.iter().find(|p| !known.iter().any(|k| &k.id == *p)) {
            return Err(AppError::invalid("profiles", format!("Project profile {unknown} does not exist.")).into());
        }
        self.aws.add_profile_grant(&grant.unit_id, &grantee, &grant.profile_ids, grant.include_children).await?;
        let after = json!({ "principal": grant.principal, "profiles": grant.profile_ids,
                            "include_children": grant.include_children, "call": "AddPolicyGrant" });
        self.audit(caller, "domain_unit.profile_granted", "domain_unit", &grant.unit_id, None, Some(after)).await?;
        Ok(())
    }

    async fn revoke(&self, caller: &Caller, unit: &str, principal: &str) -> Result<(), ApiError> {
        let grantee = Grantee::parse(principal)
            .ok_or_else(|| AppError::invalid("principal", "Choose all users, a person or a group."))?;
        let before: Vec<_> =
            self.aws.profile_grants(unit).await?.into_iter().filter(|g| g.grantee.as_ref() == Some(&grantee)).collect();
        if before.is_empty() {
            return Err(AppError::NotFound("That grant".into()).into());
        }
        self.aws.remove_profile_grant(unit, &grantee).await?;
        let was = json!({ "principal": principal, "profiles": before.iter().flat_map(|g| g.profile_ids.clone()).collect::<Vec<_>>() });
        self.audit(
            caller,
            "domain_unit.profile_revoked",
            "domain_unit",
            unit,
            Some(was),
            Some(json!({ "call": "RemovePolicyGrant" })),
        )
        .await?;
        Ok(())
    }

    async fn set_approval(&self, caller: &Caller, unit: &str, auto_approve_dev: bool) -> Result<(), ApiError> {
        self.aws.unit(unit).await?;
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let before = store::auto_approves_dev(&mut *tx, unit).await.map_err(AppError::from)?;
        store::set_auto_approve_dev(&mut *tx, unit, auto_approve_dev, &caller.username)
            .await
            .map_err(AppError::from)?;
        super::audit_event(
            &mut *tx,
            &caller.username,
            "domain_unit.approval_changed",
            ("domain_unit", unit),
            Some(json!({ "auto_approve_dev": before })),
            Some(json!({ "auto_approve_dev": auto_approve_dev })),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }

    async fn set_self_decisions(&self, caller: &Caller, unit: &str, allow: bool) -> Result<(), ApiError> {
        self.aws.unit(unit).await?;
        let mut tx = self.pool.begin().await.map_err(AppError::from)?;
        let before = store::allows_self_decisions(&mut *tx, unit).await.map_err(AppError::from)?;
        store::set_self_decisions(&mut *tx, unit, allow, &caller.username).await.map_err(AppError::from)?;
        super::audit_event(
            &mut *tx,
            &caller.username,
            "domain_unit.self_decisions_changed",
            ("domain_unit", unit),
            Some(json!({ "allow_self_decisions": before })),
            Some(json!({ "allow_self_decisions": allow })),
        )
        .await?;
        tx.commit().await.map_err(AppError::from)?;
        Ok(())
    }

    async fn profiles(&self) -> Result<Vec<ProfileSummary>, ApiError> {
        Ok(self.profile_summaries().await?)
    }

    async fn set_profile_enabled(&self, caller: &Caller, id: &str, enabled: bool) -> Result<(), ApiError> {
        let profiles = self.aws.project_profiles().await?;
        let before =
            profiles.iter().find(|p| p.id == id).ok_or_else(|| AppError::NotFound("Project profile".into()))?;
        self.aws.set_profile_enabled(id, enabled).await?;
        let call = json!({ "enabled": enabled, "call": "UpdateProjectProfile" });
        self.audit(
            caller,
            "project_profile.status_changed",
            "project_profile",
            id,
            Some(json!({ "enabled": before.enabled })),
            Some(call),
        )
        .await?;
        Ok(())
    }
}
