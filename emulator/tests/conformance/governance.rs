//! Domain units, project profiles and policy grants.

use aws_sdk_datazone::types::{
    AllUsersGrantFilter, CreateProjectPolicyGrantDetail, DataZoneEntityType, DomainUnitOwnerProperties,
    EnvironmentConfiguration, GroupPolicyGrantPrincipal, ManagedPolicyType, OwnerProperties, OwnerUserProperties,
    PolicyGrantDetail, PolicyGrantPrincipal, ResourceTagParameter, TargetEntityType, UserPolicyGrantPrincipal,
};

use crate::common::{mesh, Mesh};

async fn root_unit(m: &Mesh) -> String {
    m.dz.get_domain().identifier(&m.domain).send().await.unwrap().root_domain_unit_id().unwrap().to_owned()
}

async fn child_named(m: &Mesh, parent: &str, name: &str) -> String {
    let out =
        m.dz.list_domain_units_for_parent()
            .domain_identifier(&m.domain)
            .parent_domain_unit_identifier(parent)
            .send()
            .await
            .unwrap();
    out.items()
        .iter()
        .find(|u| u.name() == name)
        .map_or_else(|| panic!("unit {name} under {parent}"), |u| u.id().to_owned())
}

#[tokio::test]
async fn the_unit_tree_has_owners_and_nested_units() {
    let m = mesh().await;
    let root = root_unit(&m).await;
    let sales = child_named(&m, &root, "SalesOperations").await;
    let forecasting = child_named(&m, &sales, "Forecasting").await;
    let unit = m.dz.get_domain_unit().domain_identifier(&m.domain).identifier(&forecasting).send().await.unwrap();
    assert_eq!(unit.parent_domain_unit_id(), Some(sales.as_str()));
    assert_eq!(unit.owners().len(), 2);
    assert!(matches!(unit.owners()[0], DomainUnitOwnerProperties::User(_)));
    let sales_unit = m.dz.get_domain_unit().domain_identifier(&m.domain).identifier(&sales).send().await.unwrap();
    assert!(matches!(sales_unit.owners()[0], DomainUnitOwnerProperties::Group(_)));
    assert!(sales_unit.created_at().is_some());
}

#[tokio::test]
async fn domain_units_are_created_idempotently_renamed_and_kept_unique() {
    let m = mesh().await;
    let root = root_unit(&m).await;
    let create = || {
        m.dz.create_domain_unit()
            .domain_identifier(&m.domain)
            .parent_domain_unit_identifier(&root)
            .name("Finance")
            .client_token("unit-token")
    };
    let first = create().send().await.unwrap();
    let again = create().send().await.unwrap();
    assert_eq!(first.id(), again.id());
    assert_eq!(first.ancestor_domain_unit_ids(), std::slice::from_ref(&root));
    let err =
        m.dz.create_domain_unit()
            .domain_identifier(&m.domain)
            .parent_domain_unit_identifier(&root)
            .name("Finance")
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_conflict_exception());
    let updated =
        m.dz.update_domain_unit()
            .domain_identifier(&m.domain)
            .identifier(first.id())
            .name("FinanceAndRisk")
            .description("Money matters")
            .send()
            .await
            .unwrap();
    assert_eq!(updated.name(), "FinanceAndRisk");
    let err =
        m.dz.update_domain_unit()
            .domain_identifier(&m.domain)
            .identifier(first.id())
            .name("SalesOperations")
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_conflict_exception());
    let err = m.dz.get_domain_unit().domain_identifier(&m.domain).identifier("nosuchunit").send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
}

#[tokio::test]
async fn domain_units_nest_at_most_five_levels() {
    let m = mesh().await;
    let mut parent = root_unit(&m).await;
    for level in 1..=5 {
        parent =
            m.dz.create_domain_unit()
                .domain_identifier(&m.domain)
                .parent_domain_unit_identifier(&parent)
                .name(format!("Level{level}"))
                .send()
                .await
                .unwrap()
                .id()
                .to_owned();
    }
    let err =
        m.dz.create_domain_unit()
            .domain_identifier(&m.domain)
            .parent_domain_unit_identifier(&parent)
            .name("Level6")
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_service_quota_exceeded_exception());
}

#[tokio::test]
async fn project_profiles_are_listed_created_and_updated() {
    let m = mesh().await;
    let all = m.dz.list_project_profiles().domain_identifier(&m.domain).send().await.unwrap();
    let names: Vec<&str> = all.items().iter().map(aws_sdk_datazone::types::ProjectProfileSummary::name).collect();
    assert_eq!(names, ["Development-Project-Profile", "Staging-Project-Profile", "Production-Project-Profile"]);
    let prod =
        m.dz.get_project_profile().domain_identifier(&m.domain).identifier(all.items()[2].id()).send().await.unwrap();
    assert_eq!(prod.environment_configurations().len(), 3);
    assert!(prod.created_at().is_some());

    let created = m
        .dz
        .create_project_profile()
        .domain_identifier(&m.domain)
        .name("Sandbox-Project-Profile")
        .environment_configurations(
            EnvironmentConfiguration::builder().name("Tooling").environment_blueprint_id("tooling").build().unwrap(),
        )
        .project_resource_tags(
            ResourceTagParameter::builder().key("cost-center").value("1234").is_value_editable(true).build().unwrap(),
        )
        .send()
        .await
        .unwrap();
    assert!(created.environment_configurations()[0].id().is_some());
    assert_eq!(created.project_resource_tags()[0].key(), "cost-center");
    let updated =
        m.dz.update_project_profile()
            .domain_identifier(&m.domain)
            .identifier(created.id())
            .status(aws_sdk_datazone::types::Status::Disabled)
            .send()
            .await
            .unwrap();
    assert_eq!(updated.status().unwrap().as_str(), "DISABLED");
    let err =
        m.dz.create_project()
            .domain_identifier(&m.domain)
            .name("FromDisabled")
            .project_profile_id(created.id())
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
    let err =
        m.dz.create_project_profile()
            .domain_identifier(&m.domain)
            .name("Sandbox-Project-Profile")
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_conflict_exception());

    let blueprints =
        m.dz.list_environment_blueprint_configurations().domain_identifier(&m.domain).send().await.unwrap();
    assert_eq!(blueprints.items().len(), 4);
}

#[tokio::test]
async fn policy_grants_are_added_listed_and_removed() {
    let m = mesh().await;
    let root = root_unit(&m).await;
    let seeded =
        m.dz.list_policy_grants()
            .domain_identifier(&m.domain)
            .entity_type(TargetEntityType::DomainUnit)
            .entity_identifier(&root)
            .policy_type(ManagedPolicyType::CreateProjectFromProjectProfile)
            .send()
            .await
            .unwrap();
    assert_eq!(seeded.grant_list().len(), 2);
    assert!(matches!(
        seeded.grant_list()[0].principal(),
        Some(PolicyGrantPrincipal::User(UserPolicyGrantPrincipal::AllUsersGrantFilter(_)))
    ));

    let group = PolicyGrantPrincipal::Group(GroupPolicyGrantPrincipal::GroupIdentifier("meshgate-team-leads".into()));
    let detail = PolicyGrantDetail::CreateProject(
        CreateProjectPolicyGrantDetail::builder().include_child_domain_units(true).build(),
    );
    let add = || {
        m.dz.add_policy_grant()
            .domain_identifier(&m.domain)
            .entity_type(TargetEntityType::DomainUnit)
            .entity_identifier(&root)
            .policy_type(ManagedPolicyType::CreateProject)
            .principal(group.clone())
            .detail(detail.clone())
    };
    let first = add().send().await.unwrap();
    let second = add().send().await.unwrap();
    assert_eq!(first.grant_id(), second.grant_id());
    assert_eq!(first.grant_id().unwrap().len(), 10);
    let list = || {
        m.dz.list_policy_grants()
            .domain_identifier(&m.domain)
            .entity_type(TargetEntityType::DomainUnit)
            .entity_identifier(&root)
            .policy_type(ManagedPolicyType::CreateProject)
            .send()
    };
    assert_eq!(list().await.unwrap().grant_list().len(), 1);
    m.dz.remove_policy_grant()
        .domain_identifier(&m.domain)
        .entity_type(TargetEntityType::DomainUnit)
        .entity_identifier(&root)
        .policy_type(ManagedPolicyType::CreateProject)
        .principal(group)
        .send()
        .await
        .unwrap();
    assert!(list().await.unwrap().grant_list().is_empty());
}

#[tokio::test]
async fn unit_typed_grant_details_round_trip_and_unknown_units_are_denied() {
    let m = mesh().await;
    let root = root_unit(&m).await;
    let everyone = PolicyGrantPrincipal::User(UserPolicyGrantPrincipal::AllUsersGrantFilter(
        AllUsersGrantFilter::builder().build(),
    ));
    let ok =
        m.dz.add_policy_grant()
            .domain_identifier(&m.domain)
            .entity_type(TargetEntityType::DomainUnit)
            .entity_identifier(&root)
            .policy_type(ManagedPolicyType::CreateEnvironment)
            .principal(everyone.clone())
            .detail(PolicyGrantDetail::CreateEnvironment(aws_sdk_datazone::types::Unit::builder().build()))
            .send()
            .await;
    assert!(ok.is_ok());
    let err =
        m.dz.list_policy_grants()
            .domain_identifier(&m.domain)
            .entity_type(TargetEntityType::DomainUnit)
            .entity_identifier("nosuchunit")
            .policy_type(ManagedPolicyType::CreateProject)
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_access_denied_exception());
}

#[tokio::test]
async fn domain_unit_owners_are_added_and_removed() {
    let m = mesh().await;
    let root = root_unit(&m).await;
    let unit = m.dz.create_domain_unit().domain_identifier(&m.domain).parent_domain_unit_identifier(&root).name("Risk");
    let unit = unit.send().await.unwrap().id().to_owned();
    let grace = m.user_id("grace").await;
    let owner = || OwnerProperties::User(OwnerUserProperties::builder().user_identifier("grace").build().unwrap());
    let add = || {
        m.dz.add_entity_owner()
            .domain_identifier(&m.domain)
            .entity_type(DataZoneEntityType::DomainUnit)
            .entity_identifier(&unit)
            .owner(owner())
    };
    add().send().await.unwrap();
    add().send().await.unwrap();
    let got = m.dz.get_domain_unit().domain_identifier(&m.domain).identifier(&unit).send().await.unwrap();
    let owners: Vec<_> = got
        .owners()
        .iter()
        .filter_map(|o| match o {
            DomainUnitOwnerProperties::User(u) => u.user_id().map(str::to_owned),
            _ => None,
        })
        .collect();
    assert_eq!(owners, [grace], "adding twice keeps one owner");
    m.dz.remove_entity_owner()
        .domain_identifier(&m.domain)
        .entity_type(DataZoneEntityType::DomainUnit)
        .entity_identifier(&unit)
        .owner(owner())
        .send()
        .await
        .unwrap();
    let got = m.dz.get_domain_unit().domain_identifier(&m.domain).identifier(&unit).send().await.unwrap();
    assert!(got.owners().is_empty());
    let unknown =
        m.dz.add_entity_owner()
            .domain_identifier(&m.domain)
            .entity_type(DataZoneEntityType::DomainUnit)
            .entity_identifier("no-such-unit")
            .owner(owner())
            .send()
            .await
            .unwrap_err();
    assert!(unknown.as_service_error().unwrap().is_resource_not_found_exception());
}
