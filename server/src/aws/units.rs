//! The admin port: domain units (create, rename, owners), project-profile policy grants and
//! project profiles' status, as plain data.

use app::model::PrincipalKind;
use aws_sdk_datazone::types::{
    AllUsersGrantFilter, CreateProjectFromProjectProfilePolicyGrantDetail, DataZoneEntityType,
    GroupPolicyGrantPrincipal, ManagedPolicyType, OwnerGroupProperties, OwnerProperties, OwnerUserProperties,
    PolicyGrantDetail, PolicyGrantPrincipal, Status, TargetEntityType, UserPolicyGrantPrincipal,
};

use super::{upstream, Aws};
use crate::error::AppError;

/// Who a profile grant is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grantee {
    AllUsers,
    User(String),
    Group(String),
}

fn principal(grantee: &Grantee) -> PolicyGrantPrincipal {
    match grantee {
        Grantee::AllUsers => PolicyGrantPrincipal::User(UserPolicyGrantPrincipal::AllUsersGrantFilter(
            AllUsersGrantFilter::builder().build(),
        )),
        Grantee::User(id) => PolicyGrantPrincipal::User(UserPolicyGrantPrincipal::UserIdentifier(id.clone())),
        Grantee::Group(id) => PolicyGrantPrincipal::Group(GroupPolicyGrantPrincipal::GroupIdentifier(id.clone())),
    }
}

/// Who a grant is for, when it is one of the kinds the portal manages.
pub(super) fn grantee_of(principal: Option<&PolicyGrantPrincipal>) -> Option<Grantee> {
    match principal? {
        PolicyGrantPrincipal::User(UserPolicyGrantPrincipal::AllUsersGrantFilter(_)) => Some(Grantee::AllUsers),
        PolicyGrantPrincipal::User(UserPolicyGrantPrincipal::UserIdentifier(id)) => Some(Grantee::User(id.clone())),
        PolicyGrantPrincipal::Group(GroupPolicyGrantPrincipal::GroupIdentifier(id)) => Some(Grantee::Group(id.clone())),
        _ => None,
    }
}

impl Grantee {
    /// How the grant view names it: `*`, `user:ID` or `group:ID`.
    pub fn key(&self) -> String {
        match self {
            Self::AllUsers => "*".to_owned(),
            Self::User(id) => format!("user:{id}"),
            Self::Group(id) => format!("group:{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        match key.split_once(':') {
            _ if key == "*" => Some(Self::AllUsers),
            Some(("user", id)) if !id.is_empty() => Some(Self::User(id.to_owned())),
            Some(("group", id)) if !id.is_empty() => Some(Self::Group(id.to_owned())),
            _ => None,
        }
    }
}

impl Aws {
    pub async fn create_unit(&self, parent: &str, name: &str, description: &str) -> Result<String, AppError> {
        let created = self
            .datazone
            .create_domain_unit()
            .domain_identifier(&self.domain_id)
            .parent_domain_unit_identifier(parent)
            .name(name)
            .description(description)
            .send()
            .await
            .map_err(|e| upstream("CreateDomainUnit", e))?;
        Ok(created.id().to_owned())
    }

    pub async fn update_unit(&self, id: &str, name: &str, description: &str) -> Result<(), AppError> {
        self.datazone
            .update_domain_unit()
            .domain_identifier(&self.domain_id)
            .identifier(id)
            .name(name)
            .description(description)
            .send()
            .await
            .map_err(|e| upstream("UpdateDomainUnit", e))?;
        Ok(())
    }

    /// Adds (`add`) or removes an owner of a domain unit.
    pub async fn set_unit_owner(&self, unit: &str, kind: PrincipalKind, id: &str, add: bool) -> Result<(), AppError> {
        let owner = match kind {
            PrincipalKind::User => OwnerProperties::User(
                OwnerUserProperties::builder()
                    .user_identifier(id)
                    .build()
                    .map_err(|e| AppError::invalid("owner", e.to_string()))?,
            ),
            PrincipalKind::Group => OwnerProperties::Group(
                OwnerGroupProperties::builder()
                    .group_identifier(id)
                    .build()
                    .map_err(|e| AppError::invalid("owner", e.to_string()))?,
            ),
        };
        if add {
            self.datazone
                .add_entity_owner()
                .domain_identifier(&self.domain_id)
                .entity_type(DataZoneEntityType::DomainUnit)
                .entity_identifier(unit)
                .owner(owner)
                .send()
                .await
                .map_err(|e| upstream("AddEntityOwner", e))?;
        } else {
            self.datazone
                .remove_entity_owner()
                .domain_identifier(&self.domain_id)
                .entity_type(DataZoneEntityType::DomainUnit)
                .entity_identifier(unit)
                .owner(owner)
                .send()
                .await
                .map_err(|e| upstream("RemoveEntityOwner", e))?;
        }
        Ok(())
    }

    pub async fn add_profile_grant(
        &self,
        unit: &str,
        grantee: &Grantee,
        profiles: &[String],
        include_children: bool,
    ) -> Result<(), AppError> {
        let detail = CreateProjectFromProjectProfilePolicyGrantDetail::builder()
            .set_project_profiles(Some(profiles.to_vec()))
            .include_child_domain_units(include_children)
            .build();
        self.datazone
            .add_policy_grant()
            .domain_identifier(&self.domain_id)
            .entity_type(TargetEntityType::DomainUnit)
            .entity_identifier(unit)
            .policy_type(ManagedPolicyType::CreateProjectFromProjectProfile)
            .principal(principal(grantee))
            .detail(PolicyGrantDetail::CreateProjectFromProjectProfile(detail))
            .send()
            .await
            .map_err(|e| upstream("AddPolicyGrant", e))?;
        Ok(())
    }

    pub async fn remove_profile_grant(&self, unit: &str, grantee: &Grantee) -> Result<(), AppError> {
        self.datazone
            .remove_policy_grant()
            .domain_identifier(&self.domain_id)
            .entity_type(TargetEntityType::DomainUnit)
            .entity_identifier(unit)
            .policy_type(ManagedPolicyType::CreateProjectFromProjectProfile)
            .principal(principal(grantee))
            .send()
            .await
            .map_err(|e| upstream("RemovePolicyGrant", e))?;
        Ok(())
    }

    pub async fn set_profile_enabled(&self, id: &str, enabled: bool) -> Result<(), AppError> {
        self.datazone
            .update_project_profile()
            .domain_identifier(&self.domain_id)
            .identifier(id)
            .status(if enabled { Status::Enabled } else { Status::Disabled })
            .send()
            .await
            .map_err(|e| upstream("UpdateProjectProfile", e))?;
        Ok(())
    }
}
