//! Identity Store, sso-admin and DataZone user and group profiles: the sign-in mapping chain.

use aws_sdk_datazone::types::{GroupSearchType, UserProfileType, UserSearchType};
use aws_sdk_identitystore::types::{AlternateIdentifier, MemberId, UniqueAttribute};
use aws_smithy_types::Document;

use crate::common::mesh;

fn by(path: &str, value: &str) -> AlternateIdentifier {
    AlternateIdentifier::UniqueAttribute(
        UniqueAttribute::builder()
            .attribute_path(path)
            .attribute_value(Document::String(value.into()))
            .build()
            .unwrap(),
    )
}

#[tokio::test]
async fn a_signed_in_user_maps_from_instance_to_datazone_profile() {
    let m = mesh().await;
    let instances = m.sso.list_instances().send().await.unwrap();
    let instance = &instances.instances()[0];
    let store = instance.identity_store_id().unwrap();
    assert_eq!(store, m.store);
    assert!(instance.created_date().is_some());

    let user = m
        .ids
        .get_user_id()
        .identity_store_id(store)
        .alternate_identifier(by("userName", "alice"))
        .send()
        .await
        .unwrap();
    let by_email = m
        .ids
        .get_user_id()
        .identity_store_id(store)
        .alternate_identifier(by("emails.value", "alice@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(user.user_id(), by_email.user_id());

    let described = m.ids.describe_user().identity_store_id(store).user_id(user.user_id()).send().await.unwrap();
    assert_eq!(described.user_name(), Some("alice"));
    assert_eq!(described.display_name(), Some("Alice Andersen"));
    assert_eq!(described.emails()[0].value(), Some("alice@example.com"));

    let profile =
        m.dz.get_user_profile()
            .domain_identifier(&m.domain)
            .user_identifier(user.user_id())
            .r#type(UserProfileType::Sso)
            .send()
            .await
            .unwrap();
    assert_eq!(profile.id(), Some(user.user_id()));
    let sso = profile.details().unwrap().as_sso().unwrap();
    assert_eq!(sso.username(), Some("alice"));
    assert_eq!(sso.first_name(), Some("Alice"));
}

#[tokio::test]
async fn group_membership_answers_role_questions() {
    let m = mesh().await;
    let admins = m
        .ids
        .get_group_id()
        .identity_store_id(&m.store)
        .alternate_identifier(by("displayName", "meshgate-platform-admins"))
        .send()
        .await
        .unwrap();
    let group = m.ids.describe_group().identity_store_id(&m.store).group_id(admins.group_id()).send().await.unwrap();
    assert_eq!(group.display_name(), Some("meshgate-platform-admins"));
    let members =
        m.ids.list_group_memberships().identity_store_id(&m.store).group_id(admins.group_id()).send().await.unwrap();
    assert_eq!(members.group_memberships().len(), 2);

    let bob = m
        .ids
        .get_user_id()
        .identity_store_id(&m.store)
        .alternate_identifier(by("userName", "bob"))
        .send()
        .await
        .unwrap();
    let bobs = m
        .ids
        .list_group_memberships_for_member()
        .identity_store_id(&m.store)
        .member_id(MemberId::UserId(bob.user_id().into()))
        .send()
        .await
        .unwrap();
    assert_eq!(bobs.group_memberships().len(), 2);

    let zoe = m
        .ids
        .get_user_id()
        .identity_store_id(&m.store)
        .alternate_identifier(by("userName", "zoe"))
        .send()
        .await
        .unwrap();
    let check = m
        .ids
        .is_member_in_groups()
        .identity_store_id(&m.store)
        .member_id(MemberId::UserId(zoe.user_id().into()))
        .group_ids(admins.group_id())
        .send()
        .await
        .unwrap();
    assert!(!check.results()[0].membership_exists());
}

#[tokio::test]
async fn users_and_groups_page_through_the_directory() {
    let m = mesh().await;
    let pages: Vec<_> =
        m.ids.list_users().identity_store_id(&m.store).max_results(6).into_paginator().send().collect::<Vec<_>>().await;
    assert_eq!(pages.len(), 4);
    let total: usize = pages.iter().map(|p| p.as_ref().unwrap().users().len()).sum();
    assert_eq!(total, 20);
    let groups = m.ids.list_groups().identity_store_id(&m.store).send().await.unwrap();
    assert_eq!(groups.groups().len(), 6);
}

#[tokio::test]
async fn unknown_identities_are_not_found_and_bad_ids_invalid() {
    let m = mesh().await;
    let err = m
        .ids
        .get_user_id()
        .identity_store_id(&m.store)
        .alternate_identifier(by("userName", "mallet"))
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
    let err = m.ids.describe_user().identity_store_id(&m.store).user_id("not-an-id").send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
    let err = m.ids.list_users().identity_store_id("d-0000000000").send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
    let err = m.dz.get_user_profile().domain_identifier(&m.domain).user_identifier("mallet").send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
}

#[tokio::test]
async fn reserved_names_are_refused_for_users_and_groups() {
    // DisplayName: "Administrator and AWSAdministrators are reserved names and can't be used
    // for users or groups."
    let m = mesh().await;
    let user = m
        .ids
        .create_user()
        .identity_store_id(&m.store)
        .user_name("Administrator")
        .name(name("Ad", "Min"))
        .display_name("A")
        .send()
        .await;
    assert!(user.unwrap_err().as_service_error().unwrap().is_validation_exception());
    let group = m.ids.create_group().identity_store_id(&m.store).display_name("AWSAdministrators").send().await;
    assert!(group.unwrap_err().as_service_error().unwrap().is_validation_exception());
}

#[tokio::test]
async fn users_and_groups_created_at_run_time_are_found_everywhere() {
    let m = mesh().await;
    let created = m
        .ids
        .create_user()
        .identity_store_id(&m.store)
        .user_name("yara")
        .name(name("Yara", "Young"))
        .display_name("Yara Young")
        .send()
        .await
        .unwrap();
    let group =
        m.ids.create_group().identity_store_id(&m.store).display_name("meshgate-auditors").send().await.unwrap();
    let membership = m
        .ids
        .create_group_membership()
        .identity_store_id(&m.store)
        .group_id(group.group_id())
        .member_id(MemberId::UserId(created.user_id().into()))
        .send()
        .await
        .unwrap();
    let groups_of = |user: String| {
        m.ids.list_group_memberships_for_member().identity_store_id(&m.store).member_id(MemberId::UserId(user)).send()
    };
    assert_eq!(groups_of(created.user_id().into()).await.unwrap().group_memberships().len(), 1);
    let membership_id = membership.membership_id();
    m.ids.delete_group_membership().identity_store_id(&m.store).membership_id(membership_id).send().await.unwrap();
    assert!(groups_of(created.user_id().into()).await.unwrap().group_memberships().is_empty());
    let err = m
        .ids
        .delete_group_membership()
        .identity_store_id(&m.store)
        .membership_id(membership_id)
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception(), "{err:?}");
    let err = m
        .ids
        .create_user()
        .identity_store_id(&m.store)
        .user_name("yara")
        .name(name("Yara", "Again"))
        .display_name("Yara Again")
        .send()
        .await
        .unwrap_err();
    assert!(err.as_service_error().unwrap().is_conflict_exception());
    assert_eq!(m.user_id("yara").await, created.user_id());
}

#[tokio::test]
async fn user_and_group_profiles_are_searchable() {
    let m = mesh().await;
    let users =
        m.dz.search_user_profiles()
            .domain_identifier(&m.domain)
            .user_type(UserSearchType::SsoUser)
            .search_text("grace")
            .send()
            .await
            .unwrap();
    assert_eq!(users.items().len(), 1);
    let pages: Vec<_> =
        m.dz.search_user_profiles()
            .domain_identifier(&m.domain)
            .user_type(UserSearchType::DatazoneSsoUser)
            .max_results(8)
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await;
    assert_eq!(pages.len(), 3);
    let groups =
        m.dz.search_group_profiles()
            .domain_identifier(&m.domain)
            .group_type(GroupSearchType::SsoGroup)
            .search_text("stewards")
            .send()
            .await
            .unwrap();
    let names: Vec<_> = groups.items().iter().filter_map(|g| g.group_name()).collect();
    assert_eq!(names, ["meshgate-stewards-marketing", "meshgate-stewards-sales"]);
    let err = m.dz.search_user_profiles().domain_identifier(&m.domain).send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
}

fn name(given: &str, family: &str) -> aws_sdk_identitystore::types::Name {
    aws_sdk_identitystore::types::Name::builder().given_name(given).family_name(family).build()
}

#[tokio::test]
async fn a_user_needs_a_name_and_a_display_name() {
    // CreateUser, Name and DisplayName: "When used in IAM Identity Center, this parameter is
    // required."
    let m = mesh().await;
    let create = |name: Option<aws_sdk_identitystore::types::Name>, display: Option<&str>| {
        m.ids
            .create_user()
            .identity_store_id(&m.store)
            .user_name("quinn")
            .set_name(name)
            .set_display_name(display.map(str::to_owned))
            .send()
    };
    for (given, display) in [(None, Some("Quinn Quade")), (Some(name("Quinn", "Quade")), None)] {
        let err = create(given, display).await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_validation_exception(), "{err:?}");
    }
    create(Some(name("Quinn", "Quade")), Some("Quinn Quade")).await.unwrap();
}
