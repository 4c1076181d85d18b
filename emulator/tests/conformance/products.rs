//! Data products: their revisions, their listings, and subscriptions to them.

use aws_sdk_datazone::types::{
    ChangeAction, DataProductItem, DataProductItemType, EntityType, InventorySearchScope, ListingStatus,
    SubscribedListingInput, SubscribedPrincipalInput, SubscribedProjectInput,
};

use crate::catalog::draft;
use crate::common::{mesh, Mesh};

fn item(asset: &str) -> DataProductItem {
    DataProductItem::builder().item_type(DataProductItemType::Asset).identifier(asset).build().unwrap()
}

async fn product(m: &Mesh, name: &str, assets: &[&str]) -> String {
    let project = m.project_id("SalesPipeline Dev").await;
    let mut create =
        m.dz.create_data_product()
            .domain_identifier(&m.domain)
            .owning_project_identifier(&project)
            .name(name)
            .description("Orders, joined and ready");
    for asset in assets {
        create = create.items(item(asset));
    }
    create.send().await.unwrap().id().to_owned()
}

async fn publish(m: &Mesh, kind: EntityType, id: &str) -> Result<String, String> {
    m.dz.create_listing_change_set()
        .domain_identifier(&m.domain)
        .entity_identifier(id)
        .entity_type(kind)
        .action(ChangeAction::Publish)
        .send()
        .await
        .map(|out| out.listing_id().to_owned())
        .map_err(|e| format!("{e:?}"))
}

#[tokio::test]
async fn a_data_product_groups_assets_and_keeps_its_revisions() {
    // CreateDataProduct "creates a data product" of "the data assets of the data product";
    // CreateDataProductRevision, GetDataProduct `revision`, ListDataProductRevisions.
    let m = mesh().await;
    let first = draft(&m, "product_orders").await;
    let second = draft(&m, "product_refunds").await;
    let project = m.project_id("SalesPipeline Dev").await;
    let made =
        m.dz.create_data_product()
            .domain_identifier(&m.domain)
            .owning_project_identifier(&project)
            .name("Order book")
            .items(item(&first))
            .items(item(&second))
            .send()
            .await
            .unwrap();
    assert_eq!((made.revision(), made.status().as_str()), ("1", "CREATED"));
    assert_eq!(made.owning_project_id(), project);
    assert_eq!(made.items().len(), 2);
    assert_eq!(made.items()[0].revision(), Some("1"), "an item without a revision is the asset's latest");

    let revised =
        m.dz.create_data_product_revision()
            .domain_identifier(&m.domain)
            .identifier(made.id())
            .name("Order book")
            .description("Only the orders")
            .items(item(&first))
            .send()
            .await
            .unwrap();
    assert_eq!((revised.revision(), revised.items().len()), ("2", 1));
    let get = |revision: Option<&str>| {
        m.dz.get_data_product()
            .domain_identifier(&m.domain)
            .identifier(made.id())
            .set_revision(revision.map(Into::into))
    };
    assert_eq!(get(None).send().await.unwrap().description(), Some("Only the orders"));
    assert_eq!(get(Some("1")).send().await.unwrap().items().len(), 2);
    let missing = get(Some("9")).send().await.unwrap_err();
    assert!(missing.as_service_error().unwrap().is_resource_not_found_exception());

    let page =
        m.dz.list_data_product_revisions()
            .domain_identifier(&m.domain)
            .identifier(made.id())
            .max_results(1)
            .send()
            .await
            .unwrap();
    assert_eq!(page.items()[0].revision(), Some("2"));
    let rest =
        m.dz.list_data_product_revisions()
            .domain_identifier(&m.domain)
            .identifier(made.id())
            .next_token(page.next_token().unwrap())
            .send()
            .await
            .unwrap();
    assert_eq!(rest.items()[0].revision(), Some("1"));
    assert!(rest.next_token().is_none());

    // The project's inventory: Search with the DATA_PRODUCT scope.
    let found =
        m.dz.search()
            .domain_identifier(&m.domain)
            .search_scope(InventorySearchScope::DataProduct)
            .owning_project_identifier(&project)
            .search_text("Order book")
            .send()
            .await
            .unwrap();
    let hit = found.items()[0].as_data_product_item().unwrap();
    assert_eq!((hit.id(), hit.name()), (made.id(), "Order book"));
}

#[tokio::test]
async fn a_bad_data_product_is_refused_and_changes_nothing() {
    let m = mesh().await;
    let asset = draft(&m, "refused_orders").await;
    let project = m.project_id("SalesPipeline Dev").await;
    let other = m.project_id("RevenueForecast Dev").await;
    let create = |name: &str, owner: &str| {
        m.dz.create_data_product().domain_identifier(&m.domain).owning_project_identifier(owner).name(name)
    };
    let validation = [
        create(&"x".repeat(65), &project).send().await.unwrap_err(),
        create("Refused", &project).description("").send().await.unwrap_err(),
        create("Refused", &project).glossary_terms("nosuchterm000").send().await.unwrap_err(),
        create("Refused", &project).items(item("nosuchasset00")).send().await.unwrap_err(),
        // An asset of another project is not the owning project's to group.
        create("Refused", &other).items(item(&asset)).send().await.unwrap_err(),
        create("Refused", &project).items(item(&asset)).items(item(&asset)).send().await.unwrap_err(),
    ];
    for refused in validation {
        assert!(refused.as_service_error().unwrap().is_validation_exception(), "{refused:?}");
    }
    let unknown_project = create("Refused", "nosuchproject0").send().await.unwrap_err();
    assert!(unknown_project.as_service_error().unwrap().is_resource_not_found_exception());

    let first = product(&m, "Refunds", &[&asset]).await;
    // "The name must be unique within the domain."
    let clash = create("Refunds", &other).send().await.unwrap_err();
    assert!(clash.as_service_error().unwrap().is_conflict_exception(), "{clash:?}");
    let found =
        m.dz.search()
            .domain_identifier(&m.domain)
            .search_scope(InventorySearchScope::DataProduct)
            .search_text("Refused")
            .send()
            .await
            .unwrap();
    assert!(found.items().is_empty(), "nothing refused was created");

    // A repeated client token answers the revision it made, and makes no other.
    let again = || {
        m.dz.create_data_product_revision()
            .domain_identifier(&m.domain)
            .identifier(&first)
            .name("Refunds")
            .client_token("product-revision-1")
            .send()
    };
    assert_eq!(again().await.unwrap().revision(), "2");
    assert_eq!(again().await.unwrap().revision(), "2");
    let now = m.dz.get_data_product().domain_identifier(&m.domain).identifier(&first).send().await.unwrap();
    assert_eq!(now.revision(), "2");
}

#[tokio::test]
async fn a_published_data_product_is_listed_and_subscribed_to_like_an_asset() {
    let m = mesh().await;
    let orders = draft(&m, "listed_orders").await;
    let refunds = draft(&m, "listed_refunds").await;
    let id = product(&m, "Listed order book", &[&orders, &refunds]).await;
    // Its items are listings of their own: they are published first.
    let early = publish(&m, EntityType::DataProduct, &id).await.unwrap_err();
    assert!(early.contains("ValidationException"), "{early}");
    let orders_listing = publish(&m, EntityType::Asset, &orders).await.unwrap();
    publish(&m, EntityType::Asset, &refunds).await.unwrap();
    let listing_id = publish(&m, EntityType::DataProduct, &id).await.unwrap();
    let twice = publish(&m, EntityType::DataProduct, &id).await.unwrap_err();
    assert!(twice.contains("ConflictException"), "{twice}");

    let found =
        m.dz.search_listings().domain_identifier(&m.domain).search_text("Listed order book").send().await.unwrap();
    let hit = found.items().iter().find_map(|i| i.as_data_product_listing().ok()).unwrap();
    assert_eq!((hit.listing_id(), hit.entity_id()), (Some(listing_id.as_str()), Some(id.as_str())));
    assert_eq!(hit.items().len(), 2);
    assert_eq!(hit.items()[0].listing_id(), Some(orders_listing.as_str()));
    let listing = m.dz.get_listing().domain_identifier(&m.domain).identifier(&listing_id).send().await.unwrap();
    let product = listing.item().unwrap().as_data_product_listing().unwrap();
    assert_eq!((product.data_product_id(), product.items().len()), (Some(id.as_str()), 2));

    // A subscription to the product covers each of its assets.
    let subscriber = m.project_id("RevenueForecast Dev").await;
    let request =
        m.dz.create_subscription_request()
            .domain_identifier(&m.domain)
            .subscribed_principals(SubscribedPrincipalInput::Project(
                SubscribedProjectInput::builder().identifier(&subscriber).build(),
            ))
            .subscribed_listings(SubscribedListingInput::builder().identifier(&listing_id).build().unwrap())
            .request_reason("The order book for the forecast")
            .send()
            .await
            .unwrap();
    let subscribed = request.subscribed_listings()[0].item().unwrap().as_product_listing().unwrap();
    assert_eq!(subscribed.asset_listings().len(), 2);
    let accepted =
        m.dz.accept_subscription_request().domain_identifier(&m.domain).identifier(request.id()).send().await.unwrap();
    let grants =
        m.dz.list_subscription_grants()
            .domain_identifier(&m.domain)
            .subscription_id(accepted.existing_subscription_id().unwrap())
            .send()
            .await
            .unwrap();
    let mut granted: Vec<&str> =
        grants.items()[0].assets().iter().map(aws_sdk_datazone::types::SubscribedAsset::asset_id).collect();
    granted.sort_unstable();
    let mut wanted = [orders.as_str(), refunds.as_str()];
    wanted.sort_unstable();
    assert_eq!(granted, wanted);

    let unpublished =
        m.dz.create_listing_change_set()
            .domain_identifier(&m.domain)
            .entity_identifier(&id)
            .entity_type(EntityType::DataProduct)
            .action(ChangeAction::Unpublish)
            .send()
            .await
            .unwrap();
    assert_eq!(unpublished.status(), &ListingStatus::Inactive);
    let found =
        m.dz.search_listings().domain_identifier(&m.domain).search_text("Listed order book").send().await.unwrap();
    assert!(found.items().iter().all(|i| i.as_data_product_listing().is_err()));
}
