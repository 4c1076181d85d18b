//! Identity Center and DataZone identities of a signed-in person: userName or email →
//! identity-store user → DataZone user profile, group memberships, and whether they own
//! a project that publishes assets (which makes them a data steward).

use aws_sdk_datazone::types::{InventorySearchScope, UserDesignation, UserProfileType};
use aws_sdk_identitystore::types::{AlternateIdentifier, MemberId, UniqueAttribute};
use aws_smithy_types::Document;
use serde::{Deserialize, Serialize};

use super::{upstream, Aws};
use crate::error::AppError;

/// What AWS knows about a person, as the session keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub identity_store_user_id: String,
    pub datazone_user_id: String,
    pub group_ids: Vec<String>,
    /// The display names of those groups, which roles are decided from (Identity Center is
    /// authoritative: a person taken out of a group loses its role at the next re-read).
    #[serde(default)]
    pub group_names: Vec<String>,
    /// Projects the person owns that own at least one asset.
    pub publishing_projects: Vec<String>,
    /// Every project the person belongs to, as a user or through a group, when this
    /// identity was read (re-read every `identity_cache_seconds`): for what pages only show,
    /// such as the catalog's access marks, never for who may do what.
    #[serde(default)]
    pub member_projects: Vec<String>,
}

impl Aws {
    /// The identity store behind the domain's IAM Identity Center instance; looked up once.
    async fn identity_store(&self) -> Result<String, AppError> {
        self.identity_store_id
            .get_or_try_init(|| async {
                let instances =
                    self.sso_admin.list_instances().send().await.map_err(|e| upstream("ListInstances", e))?;
                instances
                    .instances()
                    .iter()
                    .find_map(|i| i.identity_store_id().map(str::to_owned))
                    .ok_or_else(|| AppError::NotFound("IAM Identity Center instance".into()))
            })
            .await
            .cloned()
    }

    /// Maps a signed-in person to their identities, by userName first and email second.
    /// `Ok(None)` when Identity Center does not know them.
    pub async fn find_identity(&self, username: &str, email: Option<&str>) -> Result<Option<Identity>, AppError> {
        let Some(user_id) = self.store_user_id(username, email).await? else { return Ok(None) };

        let profile = self
            .datazone
            .get_user_profile()
            .domain_identifier(&self.domain_id)
            .user_identifier(&user_id)
            .r#type(UserProfileType::Sso)
            .send()
            .await;
        let datazone_user_id = match profile {
            Ok(p) => p.id().unwrap_or(&user_id).to_owned(),
            Err(e)
                if e.as_service_error().is_some_and(
                    aws_sdk_datazone::operation::get_user_profile::GetUserProfileError::is_resource_not_found_exception,
                ) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(upstream("GetUserProfile", e)),
        };

        let group_ids = self.group_ids(&user_id).await?;
        let group_names = self.group_names(&group_ids).await?;
        let projects = self.projects_of(&datazone_user_id, &group_ids).await?;
        let publishing_projects = self.publishing_projects(&projects, &datazone_user_id, &group_ids).await?;
        Ok(Some(Identity {
            identity_store_user_id: user_id,
            datazone_user_id,
            group_ids,
            group_names,
            publishing_projects,
            member_projects: projects.into_iter().map(|p| p.id).collect(),
        }))
    }

    /// The identity-store user with this userName (or, failing that, this email).
    pub async fn store_user_id(&self, username: &str, email: Option<&str>) -> Result<Option<String>, AppError> {
        let store = self.identity_store().await?;
        for (path, value) in [("userName", Some(username)), ("emails.value", email)] {
            let Some(value) = value.filter(|v| !v.is_empty()) else { continue };
            let attribute = UniqueAttribute::builder()
                .attribute_path(path)
                .attribute_value(Document::String(value.to_owned()))
                .build()
                .map_err(|e| AppError::invalid("username", e.to_string()))?;
            let found = self
                .identitystore
                .get_user_id()
                .identity_store_id(&store)
                .alternate_identifier(AlternateIdentifier::UniqueAttribute(attribute))
                .send()
                .await;
            match found {
                Ok(out) => return Ok(Some(out.user_id().to_owned())),
                Err(e)
                    if e.as_service_error().is_some_and(
                        aws_sdk_identitystore::operation::get_user_id::GetUserIdError::is_resource_not_found_exception,
                    ) => {}
                Err(e) => return Err(upstream("GetUserId", e)),
            }
        }
        Ok(None)
    }

    /// The Identity Center groups an identity-store user belongs to.
    pub async fn group_ids(&self, user_id: &str) -> Result<Vec<String>, AppError> {
        let store = self.identity_store().await?;
        let mut group_ids = Vec::new();
        let mut pages = self
            .identitystore
            .list_group_memberships_for_member()
            .identity_store_id(&store)
            .member_id(MemberId::UserId(user_id.to_owned()))
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| upstream("ListGroupMembershipsForMember", e))?;
            group_ids.extend(page.group_memberships().iter().filter_map(|m| m.group_id().map(str::to_owned)));
        }
        Ok(group_ids)
    }

    /// The display names of identity-store groups (DescribeGroup per group), in order.
    pub async fn group_names(&self, group_ids: &[String]) -> Result<Vec<String>, AppError> {
        let store = self.identity_store().await?;
        let mut names = Vec::with_capacity(group_ids.len());
        for id in group_ids {
            let group = self
                .identitystore
                .describe_group()
                .identity_store_id(&store)
                .group_id(id)
                .send()
                .await
                .map_err(|e| upstream("DescribeGroup", e))?;
            names.extend(group.display_name().map(str::to_owned));
        }
        Ok(names)
    }

    /// Of `projects` (the person's), those they own, as a user or through one of their
    /// groups, that own assets: DataZone routes subscription requests for those assets to
    /// them. ListProjectMemberships and a one-item Search per project.
    async fn publishing_projects(
        &self,
        projects: &[super::ProjectListing],
        datazone_user_id: &str,
        group_ids: &[String],
    ) -> Result<Vec<String>, AppError> {
        let mut owned = Vec::new();
        for project in projects {
            let members = self.memberships(&project.id).await?;
            let is_owner = members.iter().any(|(id, designation)| {
                designation == UserDesignation::ProjectOwner.as_str()
                    && (id == datazone_user_id || group_ids.contains(id))
            });
            if !is_owner {
                continue;
            }
            let assets = self
                .datazone
                .search()
                .domain_identifier(&self.domain_id)
                .search_scope(InventorySearchScope::Asset)
                .owning_project_identifier(&project.id)
                .max_results(1)
                .send()
                .await
                .map_err(|e| upstream("Search", e))?;
            if !assets.items().is_empty() {
                owned.push(project.id.clone());
            }
        }
        Ok(owned)
    }
}

/// How to reach a person: their Identity Center userName, display name and primary email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
}

impl Aws {
    /// The person with this userName as Identity Center has them now (GetUserId, then
    /// DescribeUser); `Ok(None)` when there is no such user.
    pub async fn contact(&self, username: &str) -> Result<Option<Contact>, AppError> {
        let Some(user_id) = self.store_user_id(username, None).await? else { return Ok(None) };
        self.contact_of(&user_id).await.map(Some)
    }

    /// An identity-store user's contact (DescribeUser): the primary email, else the first.
    async fn contact_of(&self, user_id: &str) -> Result<Contact, AppError> {
        let store = self.identity_store().await?;
        let user = self
            .identitystore
            .describe_user()
            .identity_store_id(&store)
            .user_id(user_id)
            .send()
            .await
            .map_err(|e| upstream("DescribeUser", e))?;
        let emails = user.emails();
        let email = emails.iter().find(|e| e.primary()).or_else(|| emails.first()).and_then(|e| e.value());
        let username = user.user_name().unwrap_or(user_id).to_owned();
        Ok(Contact {
            display_name: user.display_name().map_or_else(|| username.clone(), str::to_owned),
            username,
            email: email.map(str::to_owned),
        })
    }

    /// The members of the Identity Center group with this display name (GetGroupId, then
    /// ListGroupMemberships and DescribeUser per member); empty when there is no such group.
    pub async fn group_contacts(&self, group_name: &str) -> Result<Vec<Contact>, AppError> {
        let store = self.identity_store().await?;
        let attribute = UniqueAttribute::builder()
            .attribute_path("displayName")
            .attribute_value(Document::String(group_name.to_owned()))
            .build()
            .map_err(|e| AppError::invalid("group", e.to_string()))?;
        let found = self
            .identitystore
            .get_group_id()
            .identity_store_id(&store)
            .alternate_identifier(AlternateIdentifier::UniqueAttribute(attribute))
            .send()
            .await;
        let group_id = match found {
            Ok(out) => out.group_id().to_owned(),
            Err(e)
                if e.as_service_error().is_some_and(
                    aws_sdk_identitystore::operation::get_group_id::GetGroupIdError::is_resource_not_found_exception,
                ) =>
            {
                return Ok(Vec::new())
            }
            Err(e) => return Err(upstream("GetGroupId", e)),
        };
        let mut members = Vec::new();
        let mut pages = self
            .identitystore
            .list_group_memberships()
            .identity_store_id(&store)
            .group_id(&group_id)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| upstream("ListGroupMemberships", e))?;
            for membership in page.group_memberships() {
                if let Some(MemberId::UserId(user)) = membership.member_id() {
                    members.push(self.contact_of(user).await?);
                }
            }
        }
        Ok(members)
    }
}
