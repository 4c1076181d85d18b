//! Domains, projects, memberships and environments.

use std::time::Duration;

use aws_sdk_datazone::types::{Member, OverallDeploymentStatus, ProjectStatus, UserDesignation};
use emulator::{Faults, FaultsPatch};

use crate::common::{mesh, mesh_with, test_faults};

#[tokio::test]
async fn domains_are_listed_and_described_with_their_identity_center_link() {
    let m = mesh().await;
    let list = m.dz.list_domains().send().await.unwrap();
    assert_eq!(list.items().len(), 1);
    let summary = &list.items()[0];
    assert_eq!(summary.name(), "enterprise-data-mesh");
    assert!(summary.id().starts_with("dzd_"));
    assert!(summary.created_at().secs() > 1_700_000_000);

    let domain = m.dz.get_domain().identifier(&m.domain).send().await.unwrap();
    assert_eq!(domain.id(), m.domain);
    let sso = domain.single_sign_on().unwrap();
    assert!(sso.idc_instance_arn().unwrap().starts_with("arn:aws:sso:::instance/ssoins-"));
    assert!(domain.root_domain_unit_id().is_some());
    assert_eq!(domain.status().as_str(), "AVAILABLE");
}

#[tokio::test]
async fn an_unknown_domain_is_not_found_and_a_malformed_one_is_invalid() {
    let m = mesh().await;
    let err = m.dz.get_domain().identifier("dzd_doesnotexist").send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
    let err = m.dz.get_domain().identifier("not-a-domain").send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
}

#[tokio::test]
async fn a_new_project_deploys_from_pending_to_successful() {
    let m = mesh().await;
    let profiles =
        m.dz.list_project_profiles()
            .domain_identifier(&m.domain)
            .name("Development-Project-Profile")
            .send()
            .await
            .unwrap();
    let profile = profiles.items()[0].id().to_owned();
    let created =
        m.dz.create_project()
            .domain_identifier(&m.domain)
            .name("CustomerChurnModel-v3 Dev")
            .description("next model")
            .project_profile_id(&profile)
            .resource_tags("team", "churn")
            .send()
            .await
            .unwrap();
    assert_eq!(created.name(), "CustomerChurnModel-v3 Dev");
    assert_eq!(created.project_status(), Some(&ProjectStatus::Active));
    assert_eq!(created.created_by(), "AKIDMESHGATETEST");
    let first = created.environment_deployment_details().unwrap().overall_deployment_status().unwrap().clone();
    assert!(matches!(first, OverallDeploymentStatus::PendingDeployment | OverallDeploymentStatus::InProgress));
    assert_eq!(created.resource_tags()[0].key(), "team");

    tokio::time::sleep(Duration::from_millis(400)).await;
    let got = m.dz.get_project().domain_identifier(&m.domain).identifier(created.id()).send().await.unwrap();
    assert_eq!(
        got.environment_deployment_details().unwrap().overall_deployment_status(),
        Some(&OverallDeploymentStatus::Successful)
    );
    assert_eq!(got.project_profile_id(), Some(profile.as_str()));
    assert!(got.created_at().is_some());

    let envs =
        m.dz.list_environments().domain_identifier(&m.domain).project_identifier(created.id()).send().await.unwrap();
    assert_eq!(envs.items().len(), 2);
    assert!(envs.items().iter().all(|e| e.status().unwrap().as_str() == "ACTIVE"));
    // Every documented filter narrows the list: account, Region, provider, name, status,
    // environment profile (none for projects of project profiles).
    let account = envs.items()[0].aws_account_id().unwrap().to_owned();
    let name = envs.items()[0].name().to_owned();
    let list = || m.dz.list_environments().domain_identifier(&m.domain).project_identifier(created.id());
    let count = |out: aws_sdk_datazone::operation::list_environments::ListEnvironmentsOutput| out.items().len();
    assert_eq!(count(list().aws_account_id(&account).send().await.unwrap()), 2);
    assert_eq!(count(list().aws_account_id("999999999999").send().await.unwrap()), 0);
    assert_eq!(count(list().aws_account_region("eu-west-1").send().await.unwrap()), 0);
    assert_eq!(count(list().provider("Amazon SageMaker").send().await.unwrap()), 2);
    assert_eq!(count(list().provider("Someone Else").send().await.unwrap()), 0);
    assert_eq!(count(list().name(&name).send().await.unwrap()), 1);
    assert_eq!(count(list().status(aws_sdk_datazone::types::EnvironmentStatus::Deleted).send().await.unwrap()), 0);
    assert_eq!(count(list().environment_profile_identifier("nosuchprofile").send().await.unwrap()), 0);
    assert_eq!(count(list().environment_blueprint_identifier("nosuchblueprint").send().await.unwrap()), 0);
}

#[tokio::test]
async fn an_injected_deployment_failure_ends_in_failed_deployment() {
    let m = mesh().await;
    m.server
        .emulator
        .set_faults(FaultsPatch { deploy_fail_next: Some(1), deploy_delay_ms: Some(0), ..FaultsPatch::default() })
        .unwrap();
    let failed = m.dz.create_project().domain_identifier(&m.domain).name("Doomed").send().await.unwrap();
    let details = failed.environment_deployment_details().unwrap();
    assert_eq!(details.overall_deployment_status(), Some(&OverallDeploymentStatus::FailedDeployment));
    assert!(!details.environment_failure_reasons().unwrap().is_empty());
    let next = m.dz.create_project().domain_identifier(&m.domain).name("Fine").send().await.unwrap();
    assert_eq!(
        next.environment_deployment_details().unwrap().overall_deployment_status(),
        Some(&OverallDeploymentStatus::Successful)
    );
}

#[tokio::test]
async fn duplicate_project_name_is_a_conflict() {
    let m = mesh().await;
    let err =
        m.dz.create_project().domain_identifier(&m.domain).name("CustomerChurnModel-v2 Dev").send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_conflict_exception());
    assert!(err.as_service_error().unwrap().meta().message().is_some());
}

#[tokio::test]
async fn project_names_and_units_are_validated() {
    let m = mesh().await;
    for bad in ["", "semi;colon", &"x".repeat(65)] {
        let err = m.dz.create_project().domain_identifier(&m.domain).name(bad).send().await.unwrap_err();
        assert!(err.as_service_error().unwrap().is_validation_exception(), "{bad:?} should be invalid");
    }
    let err =
        m.dz.create_project()
            .domain_identifier(&m.domain)
            .name("Orphan")
            .domain_unit_id("nosuchunit")
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
}

#[tokio::test]
async fn an_unknown_project_is_not_found() {
    let m = mesh().await;
    let err = m.dz.get_project().domain_identifier(&m.domain).identifier("nosuchproject1").send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
}

#[tokio::test]
async fn a_deleted_project_is_deleting_and_then_gone() {
    let m = mesh_with(Faults { deploy_delay_ms: 1000, ..test_faults() }).await;
    let created = m.dz.create_project().domain_identifier(&m.domain).name("Short-lived").send().await.unwrap();
    m.dz.delete_project().domain_identifier(&m.domain).identifier(created.id()).send().await.unwrap();
    let deleting = m.dz.get_project().domain_identifier(&m.domain).identifier(created.id()).send().await.unwrap();
    assert_eq!(deleting.project_status(), Some(&ProjectStatus::Deleting));
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let err = m.dz.get_project().domain_identifier(&m.domain).identifier(created.id()).send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
}

#[tokio::test]
async fn a_project_that_publishes_needs_skip_deletion_check_to_be_deleted() {
    let m = mesh().await;
    let id = m.project_id("SalesPipeline Prod").await;
    let err = m.dz.delete_project().domain_identifier(&m.domain).identifier(&id).send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
    m.dz.delete_project().domain_identifier(&m.domain).identifier(&id).skip_deletion_check(true).send().await.unwrap();
}

#[tokio::test]
async fn update_project_renames_and_refuses_a_taken_name() {
    let m = mesh().await;
    let id = m.project_id("SalesPipeline Dev").await;
    let updated =
        m.dz.update_project()
            .domain_identifier(&m.domain)
            .identifier(&id)
            .name("SalesPipeline Sandbox")
            .description("renamed")
            .send()
            .await
            .unwrap();
    assert_eq!(updated.name(), "SalesPipeline Sandbox");
    assert_eq!(updated.description(), Some("renamed"));
    let err =
        m.dz.update_project()
            .domain_identifier(&m.domain)
            .identifier(&id)
            .name("SalesPipeline Prod")
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_conflict_exception());
    // projectProfileVersion: "You can only specify the following string for this parameter: latest."
    let version =
        |v: &str| m.dz.update_project().domain_identifier(&m.domain).identifier(&id).project_profile_version(v).send();
    assert!(version("latest").await.is_ok());
    let err = version("3").await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
}

#[tokio::test]
async fn memberships_are_added_listed_and_removed() {
    let m = mesh().await;
    let project = m.project_id("CustomerChurnModel-v2 Dev").await;
    let zoe = m.user_id("zoe").await;
    m.dz.create_project_membership()
        .domain_identifier(&m.domain)
        .project_identifier(&project)
        .member(Member::UserIdentifier(zoe.clone()))
        .designation(UserDesignation::ProjectContributor)
        .send()
        .await
        .unwrap();
    // Adding the same member again is accepted and only changes the designation.
    m.dz.create_project_membership()
        .domain_identifier(&m.domain)
        .project_identifier(&project)
        .member(Member::UserIdentifier(zoe.clone()))
        .designation(UserDesignation::ProjectOwner)
        .send()
        .await
        .unwrap();
    let members =
        m.dz.list_project_memberships().domain_identifier(&m.domain).project_identifier(&project).send().await.unwrap();
    let zoes: Vec<_> = members
        .members()
        .iter()
        .filter(|p| p.member_details().and_then(|d| d.as_user().ok()).is_some_and(|u| u.user_id() == zoe))
        .collect();
    assert_eq!(zoes.len(), 1);
    assert_eq!(zoes[0].designation(), &UserDesignation::ProjectOwner);

    let mine = m.dz.list_projects().domain_identifier(&m.domain).user_identifier(&zoe).send().await.unwrap();
    assert_eq!(mine.items().len(), 1);

    m.dz.delete_project_membership()
        .domain_identifier(&m.domain)
        .project_identifier(&project)
        .member(Member::UserIdentifier(zoe.clone()))
        .send()
        .await
        .unwrap();
    let err =
        m.dz.delete_project_membership()
            .domain_identifier(&m.domain)
            .project_identifier(&project)
            .member(Member::UserIdentifier(zoe))
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
}

#[tokio::test]
async fn the_last_owner_cannot_be_removed() {
    let m = mesh().await;
    let project = m.project_id("SalesPipeline Dev").await;
    let frank = m.user_id("frank").await;
    let err =
        m.dz.delete_project_membership()
            .domain_identifier(&m.domain)
            .project_identifier(&project)
            .member(Member::UserIdentifier(frank))
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
}

#[tokio::test]
async fn an_unknown_member_is_not_found() {
    let m = mesh().await;
    let project = m.project_id("SalesPipeline Dev").await;
    let err =
        m.dz.create_project_membership()
            .domain_identifier(&m.domain)
            .project_identifier(&project)
            .member(Member::UserIdentifier("nobody-at-all".into()))
            .designation(UserDesignation::ProjectContributor)
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
}

#[tokio::test]
async fn list_projects_pages_through_every_project() {
    let m = mesh().await;
    let pages: Vec<_> =
        m.dz.list_projects()
            .domain_identifier(&m.domain)
            .max_results(5)
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await;
    assert_eq!(pages.len(), 3);
    let total: usize = pages.iter().map(|p| p.as_ref().unwrap().items().len()).sum();
    assert_eq!(total, 12);
    let err = m.dz.list_projects().domain_identifier(&m.domain).max_results(51).send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
}

#[tokio::test]
async fn listing_projects_of_an_unknown_domain_is_access_denied() {
    let m = mesh().await;
    let err = m.dz.list_projects().domain_identifier("dzd_unknowndomain").send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_access_denied_exception());
}
