//! Search, listings, assets and glossaries.

use aws_sdk_datazone::types::{
    AggregationListItem, ChangeAction, EntityType, Filter, FilterClause, FilterOperator, FormInput,
    InventorySearchScope, ListingStatus, SearchInventoryResultItem, SearchOutputAdditionalAttribute, SearchResultItem,
    SearchSort, SortOrder,
};

use crate::common::mesh;

#[tokio::test]
async fn listings_are_searchable_by_text() {
    let m = mesh().await;
    let out = m.dz.search_listings().domain_identifier(&m.domain).search_text("churn features").send().await.unwrap();
    let names: Vec<&str> =
        out.items().iter().filter_map(|i| i.as_asset_listing().ok()).filter_map(|l| l.name()).collect();
    assert_eq!(names, vec!["customer_churn_features"]);
    assert_eq!(out.total_match_count(), Some(1));
    let listing = out.items()[0].as_asset_listing().unwrap();
    assert!(listing.created_at().is_some());
    let terms: Vec<_> = listing.glossary_terms().iter().filter_map(|t| t.name()).collect();
    assert!(terms.contains(&"Churn"));
}

#[tokio::test]
async fn listings_are_filtered_sorted_and_aggregated() {
    let m = mesh().await;
    let project = m.project_id("SalesPipeline Prod").await;
    let out = m
        .dz
        .search_listings()
        .domain_identifier(&m.domain)
        .filters(FilterClause::Filter(Filter::builder().attribute("owningProjectId").value(&project).build().unwrap()))
        .sort(SearchSort::builder().attribute("name").order(SortOrder::Descending).build().unwrap())
        .aggregations(AggregationListItem::builder().attribute("glossaryTerms").build().unwrap())
        .additional_attributes(SearchOutputAdditionalAttribute::Forms)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = out.items().iter().map(|i| i.as_asset_listing().unwrap().name().unwrap()).collect();
    assert_eq!(names.len(), 10);
    assert_eq!(names.first(), Some(&"win_loss_analysis"));
    let forms = out.items()[0].as_asset_listing().unwrap().additional_attributes().unwrap().forms().unwrap();
    assert!(forms.contains("GlueTableForm"));
    let aggregate = &out.aggregates()[0];
    assert!(aggregate.items().iter().any(|i| i.display_value() == Some("Opportunity")));

    let combined =
        m.dz.search_listings()
            .domain_identifier(&m.domain)
            .filters(FilterClause::And(vec![
                FilterClause::Filter(Filter::builder().attribute("owningProjectId").value(&project).build().unwrap()),
                FilterClause::Filter(
                    Filter::builder()
                        .attribute("name")
                        .value("pipeline")
                        .operator(FilterOperator::TextSearch)
                        .build()
                        .unwrap(),
                ),
            ]))
            .send()
            .await
            .unwrap();
    assert_eq!(combined.items().len(), 1);
}

#[tokio::test]
async fn search_listings_pages_through_the_whole_catalog() {
    let m = mesh().await;
    let pages: Vec<_> =
        m.dz.search_listings()
            .domain_identifier(&m.domain)
            .max_results(7)
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await;
    let items: Vec<SearchResultItem> = pages.into_iter().flat_map(|p| p.unwrap().items().to_vec()).collect();
    // Every seeded asset but the one unpublished draft is listed.
    assert_eq!(items.len(), 39);
}

#[tokio::test]
async fn inventory_search_covers_assets_glossaries_and_terms() {
    let m = mesh().await;
    let assets =
        m.dz.search()
            .domain_identifier(&m.domain)
            .search_scope(InventorySearchScope::Asset)
            .search_text("health")
            .send()
            .await
            .unwrap();
    let asset = assets.items()[0].as_asset_item().unwrap();
    assert_eq!(asset.name(), "customer_health_scores_draft");

    let glossaries =
        m.dz.search().domain_identifier(&m.domain).search_scope(InventorySearchScope::Glossary).send().await.unwrap();
    let glossary = glossaries.items()[0].as_glossary_item().unwrap();
    let got = m.dz.get_glossary().domain_identifier(&m.domain).identifier(glossary.id()).send().await.unwrap();
    assert_eq!(got.name(), "Enterprise Business Glossary");

    let terms =
        m.dz.search()
            .domain_identifier(&m.domain)
            .search_scope(InventorySearchScope::GlossaryTerm)
            .search_text("Pipeline Stage")
            .send()
            .await
            .unwrap();
    let SearchInventoryResultItem::GlossaryTermItem(term) = &terms.items()[0] else {
        panic!("a glossary term item");
    };
    let got = m.dz.get_glossary_term().domain_identifier(&m.domain).identifier(term.id()).send().await.unwrap();
    assert_eq!(got.name(), "Pipeline Stage");
    assert_eq!(got.glossary_id(), glossary.id());
    assert!(got.long_description().is_some());
}

#[tokio::test]
async fn a_listing_leads_to_its_asset() {
    let m = mesh().await;
    let out =
        m.dz.search_listings().domain_identifier(&m.domain).search_text("sales_pipeline_daily").send().await.unwrap();
    let listing_id = out.items()[0].as_asset_listing().unwrap().listing_id().unwrap().to_owned();
    let listing = m.dz.get_listing().domain_identifier(&m.domain).identifier(&listing_id).send().await.unwrap();
    assert_eq!(listing.name(), Some("sales_pipeline_daily"));
    let item = listing.item().unwrap().as_asset_listing().unwrap();
    let asset =
        m.dz.get_asset().domain_identifier(&m.domain).identifier(item.asset_id().unwrap()).send().await.unwrap();
    assert_eq!(asset.name(), "sales_pipeline_daily");
    assert_eq!(asset.listing().unwrap().listing_id(), listing_id);
    assert_eq!(asset.forms_output()[0].form_name(), "GlueTableForm");
    assert!(asset.created_at().is_some());
}

#[tokio::test]
async fn a_created_asset_is_idempotent_on_its_client_token() {
    let m = mesh().await;
    let project = m.project_id("SalesPipeline Dev").await;
    let create = || {
        m.dz.create_asset()
            .domain_identifier(&m.domain)
            .name("pipeline_experiments")
            .type_identifier("amazon.datazone.GlueTableAssetType")
            .owning_project_identifier(&project)
            .client_token("asset-token-1")
    };
    let first = create().send().await.unwrap();
    let second = create().send().await.unwrap();
    assert_eq!(first.id(), second.id());
    assert!(first.listing().is_none());
    let err =
        m.dz.create_asset()
            .domain_identifier(&m.domain)
            .name("pipeline_experiments")
            .type_identifier("amazon.datazone.GlueTableAssetType")
            .owning_project_identifier(&project)
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_conflict_exception());
}

#[tokio::test]
async fn an_external_identifier_is_unique_and_finds_its_asset() {
    // CreateAsset, externalIdentifier: "If the value ... is specified, it must be a unique
    // value." GetAsset, identifier: "supports either the value of assetId or
    // externalIdentifier ... you must prefix this value with externalIdentifer%2F".
    let m = mesh().await;
    let project = m.project_id("SalesPipeline Dev").await;
    let create = |name: &str| {
        m.dz.create_asset()
            .domain_identifier(&m.domain)
            .name(name)
            .external_identifier("arn:aws:glue:us-east-1:123456789012:table/sales/leads")
            .type_identifier("amazon.datazone.GlueTableAssetType")
            .owning_project_identifier(&project)
            .send()
    };
    let created = create("leads").await.unwrap();
    let err = create("leads_again").await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_conflict_exception(), "{err:?}");
    let found =
        m.dz.get_asset()
            .domain_identifier(&m.domain)
            .identifier("externalIdentifer%2Farn:aws:glue:us-east-1:123456789012:table/sales/leads")
            .send()
            .await
            .unwrap();
    assert_eq!(found.id(), created.id());
    let missing =
        m.dz.get_asset()
            .domain_identifier(&m.domain)
            .identifier("externalIdentifer%2Fno-such-table")
            .send()
            .await
            .unwrap_err();
    assert!(missing.as_service_error().unwrap().is_resource_not_found_exception());
}

#[tokio::test]
async fn unknown_catalog_entities_are_not_found() {
    let m = mesh().await;
    let asset = m.dz.get_asset().domain_identifier(&m.domain).identifier("nosuchasset00").send().await.unwrap_err();
    assert!(asset.as_service_error().unwrap().is_resource_not_found_exception());
    let listing = m.dz.get_listing().domain_identifier(&m.domain).identifier("nosuchlisting").send().await.unwrap_err();
    assert!(listing.as_service_error().unwrap().is_resource_not_found_exception());
    let term =
        m.dz.get_glossary_term().domain_identifier(&m.domain).identifier("nosuchterm000").send().await.unwrap_err();
    assert!(term.as_service_error().unwrap().is_resource_not_found_exception());
}

#[tokio::test]
async fn a_search_without_scope_or_with_a_bad_filter_is_invalid() {
    let m = mesh().await;
    let err = m.dz.search().domain_identifier(&m.domain).send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
    let err =
        m.dz.search_listings()
            .domain_identifier(&m.domain)
            .filters(FilterClause::And(vec![]))
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
}

/// Search and SearchListings reference: "To filter on glossary terms, use the special
/// attribute __DataZoneGlossaryTerms"; "Create/update timestamp filtering is supported using
/// the special creationTime/lastUpdatedTime attributes"; "To run a lexical search query,
/// enclose the query with double quotes".
#[tokio::test]
async fn the_documented_special_attributes_and_lexical_queries_work() {
    let m = mesh().await;
    let by = |attribute: &str, value: &str| {
        FilterClause::Filter(Filter::builder().attribute(attribute).value(value).build().unwrap())
    };
    let terms =
        m.dz.search_listings()
            .domain_identifier(&m.domain)
            .filters(by("__DataZoneGlossaryTerms", "Opportunity"))
            .send()
            .await
            .unwrap();
    let same =
        m.dz.search_listings()
            .domain_identifier(&m.domain)
            .filters(by("glossaryTerms", "Opportunity"))
            .send()
            .await
            .unwrap();
    assert!(!terms.items().is_empty());
    assert_eq!(terms.items().len(), same.items().len());

    let later = |attribute: &str| {
        m.dz.search_listings()
            .domain_identifier(&m.domain)
            .filters(FilterClause::Filter(
                Filter::builder().attribute(attribute).int_value(0).operator(FilterOperator::Gt).build().unwrap(),
            ))
            .max_results(50)
            .send()
    };
    for attribute in ["creationTime", "lastUpdatedTime"] {
        assert!(!later(attribute).await.unwrap().items().is_empty(), "{attribute} is understood");
    }

    let quoted = m.dz.search_listings().domain_identifier(&m.domain).search_text("\"pipeline\"").send().await.unwrap();
    let plain = m.dz.search_listings().domain_identifier(&m.domain).search_text("pipeline").send().await.unwrap();
    assert!(!quoted.items().is_empty());
    assert_eq!(quoted.items().len(), plain.items().len());
}

/// A draft asset of SalesPipeline Dev, made for one test.
pub async fn draft(m: &crate::common::Mesh, name: &str) -> String {
    let project = m.project_id("SalesPipeline Dev").await;
    let made =
        m.dz.create_asset()
            .domain_identifier(&m.domain)
            .name(name)
            .description("first words")
            .type_identifier("amazon.datazone.GlueTableAssetType")
            .owning_project_identifier(&project)
            .forms_input(
                FormInput::builder()
                    .form_name("GlueTableForm")
                    .type_identifier("amazon.datazone.GlueTableFormType")
                    .content(r#"{"tableName":"t"}"#)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    made.id().to_owned()
}

#[tokio::test]
async fn an_asset_revision_is_the_next_one_and_older_ones_stay_readable() {
    // CreateAssetRevision: "Asset revisions represent new versions of existing assets ...
    // They maintain a historical record of how assets evolve over time, who made changes,
    // and when"; GetAsset `revision`; ListAssetRevisions.
    let m = mesh().await;
    let id = draft(&m, "revised_orders").await;
    let term =
        m.dz.search()
            .domain_identifier(&m.domain)
            .search_scope(InventorySearchScope::GlossaryTerm)
            .send()
            .await
            .unwrap()
            .items()[0]
            .as_glossary_term_item()
            .unwrap()
            .id()
            .to_owned();
    let revised =
        m.dz.create_asset_revision()
            .domain_identifier(&m.domain)
            .identifier(&id)
            .name("revised_orders")
            .description("better words")
            .glossary_terms(&term)
            .send()
            .await
            .unwrap();
    assert_eq!(revised.revision(), "2");
    assert_eq!(revised.description(), Some("better words"));
    assert_eq!(revised.glossary_terms(), std::slice::from_ref(&term));
    // Forms not named in formsInput stay attached.
    assert_eq!(revised.forms_output()[0].form_name(), "GlueTableForm");
    let first = m.dz.get_asset().domain_identifier(&m.domain).identifier(&id).revision("1").send().await.unwrap();
    assert_eq!((first.revision(), first.description()), ("1", Some("first words")));
    let now = m.dz.get_asset().domain_identifier(&m.domain).identifier(&id).send().await.unwrap();
    assert_eq!(now.revision(), "2");
    let missing = m.dz.get_asset().domain_identifier(&m.domain).identifier(&id).revision("9").send().await.unwrap_err();
    assert!(missing.as_service_error().unwrap().is_resource_not_found_exception());

    let page =
        m.dz.list_asset_revisions().domain_identifier(&m.domain).identifier(&id).max_results(1).send().await.unwrap();
    assert_eq!(page.items()[0].revision(), Some("2"));
    assert!(page.items()[0].created_by().is_some() && page.items()[0].created_at().is_some());
    let rest =
        m.dz.list_asset_revisions()
            .domain_identifier(&m.domain)
            .identifier(&id)
            .next_token(page.next_token().unwrap())
            .send()
            .await
            .unwrap();
    assert_eq!(rest.items()[0].revision(), Some("1"));
    assert!(rest.next_token().is_none());
}

#[tokio::test]
async fn a_bad_asset_revision_is_refused_and_changes_nothing() {
    let m = mesh().await;
    let id = draft(&m, "guarded_orders").await;
    draft(&m, "taken_name").await;
    let revise = |name: &str| m.dz.create_asset_revision().domain_identifier(&m.domain).identifier(&id).name(name);
    let unknown_term = revise("guarded_orders").glossary_terms("nosuchterm000").send().await.unwrap_err();
    assert!(unknown_term.as_service_error().unwrap().is_validation_exception());
    let too_long = revise("guarded_orders").description("x".repeat(2049)).send().await.unwrap_err();
    assert!(too_long.as_service_error().unwrap().is_validation_exception());
    let empty_name = revise("").send().await.unwrap_err();
    assert!(empty_name.as_service_error().unwrap().is_validation_exception());
    let clash = revise("taken_name").send().await.unwrap_err();
    assert!(clash.as_service_error().unwrap().is_conflict_exception(), "{clash:?}");
    let missing =
        m.dz.create_asset_revision()
            .domain_identifier(&m.domain)
            .identifier("nosuchasset00")
            .name("x")
            .send()
            .await
            .unwrap_err();
    assert!(missing.as_service_error().unwrap().is_resource_not_found_exception());
    let now = m.dz.get_asset().domain_identifier(&m.domain).identifier(&id).send().await.unwrap();
    assert_eq!(now.revision(), "1");
    // A repeated client token answers the revision it made, and makes no other.
    let again = || revise("guarded_orders").description("once").client_token("revision-token-1").send();
    assert_eq!(again().await.unwrap().revision(), "2");
    assert_eq!(again().await.unwrap().revision(), "2");
    let now = m.dz.get_asset().domain_identifier(&m.domain).identifier(&id).send().await.unwrap();
    assert_eq!(now.revision(), "2");
}

#[tokio::test]
async fn publishing_lists_a_revision_and_unpublishing_takes_it_out_of_the_catalog() {
    // CreateListingChangeSet: "Publishes a listing (a record of an asset at a given time)
    // or removes a listing from the catalog."
    let m = mesh().await;
    let id = draft(&m, "published_orders").await;
    let change = |action: ChangeAction| {
        m.dz.create_listing_change_set()
            .domain_identifier(&m.domain)
            .entity_identifier(&id)
            .entity_type(EntityType::Asset)
            .action(action)
    };
    let published = change(ChangeAction::Publish).send().await.unwrap();
    assert_eq!(published.listing_revision(), "1");
    assert_eq!(published.status(), &ListingStatus::Active);
    let listing_id = published.listing_id().to_owned();
    let again = change(ChangeAction::Publish).send().await.unwrap_err();
    assert!(again.as_service_error().unwrap().is_conflict_exception(), "{again:?}");

    // A new revision is not in the catalog until it is published.
    m.dz.create_asset_revision()
        .domain_identifier(&m.domain)
        .identifier(&id)
        .name("published_orders")
        .description("second words")
        .send()
        .await
        .unwrap();
    let listing = m.dz.get_listing().domain_identifier(&m.domain).identifier(&listing_id).send().await.unwrap();
    assert_eq!(listing.description(), Some("first words"));
    let republished = change(ChangeAction::Publish).send().await.unwrap();
    assert_eq!((republished.listing_id(), republished.listing_revision()), (listing_id.as_str(), "2"));
    let listing = m.dz.get_listing().domain_identifier(&m.domain).identifier(&listing_id).send().await.unwrap();
    assert_eq!(listing.description(), Some("second words"));
    assert_eq!(listing.item().unwrap().as_asset_listing().unwrap().asset_revision(), Some("2"));
    let found =
        m.dz.search_listings().domain_identifier(&m.domain).search_text("published_orders").send().await.unwrap();
    assert_eq!(found.items()[0].as_asset_listing().unwrap().entity_revision(), Some("2"));

    let unpublished = change(ChangeAction::Unpublish).send().await.unwrap();
    assert_eq!(unpublished.status(), &ListingStatus::Inactive);
    let found =
        m.dz.search_listings().domain_identifier(&m.domain).search_text("published_orders").send().await.unwrap();
    assert!(found.items().is_empty());
    let listing = m.dz.get_listing().domain_identifier(&m.domain).identifier(&listing_id).send().await.unwrap();
    assert_eq!(listing.status(), Some(&ListingStatus::Inactive));
    let asset = m.dz.get_asset().domain_identifier(&m.domain).identifier(&id).send().await.unwrap();
    assert_eq!(asset.listing().unwrap().listing_status(), &ListingStatus::Inactive);
    let twice = change(ChangeAction::Unpublish).send().await.unwrap_err();
    assert!(twice.as_service_error().unwrap().is_conflict_exception());
}

#[tokio::test]
async fn a_change_set_checks_its_entity_and_replays_its_client_token() {
    let m = mesh().await;
    let id = draft(&m, "tokened_orders").await;
    let change = |entity: &str| {
        m.dz.create_listing_change_set()
            .domain_identifier(&m.domain)
            .entity_identifier(entity)
            .entity_type(EntityType::Asset)
            .action(ChangeAction::Publish)
    };
    let missing = change("nosuchasset00").send().await.unwrap_err();
    assert!(missing.as_service_error().unwrap().is_resource_not_found_exception());
    let bad = change("not an id!").send().await.unwrap_err();
    assert!(bad.as_service_error().unwrap().is_validation_exception());
    let no_revision = change(&id).entity_revision("7").send().await.unwrap_err();
    assert!(no_revision.as_service_error().unwrap().is_resource_not_found_exception());
    let first = change(&id).client_token("change-token-1").send().await.unwrap();
    let second = change(&id).client_token("change-token-1").send().await.unwrap();
    assert_eq!((first.listing_id(), first.listing_revision()), (second.listing_id(), second.listing_revision()));
}

#[tokio::test]
async fn form_types_are_found_and_forms_must_fit_their_model() {
    // SearchTypes (FORM_TYPE) and GetFormType answer the form type with its Smithy model;
    // CreateAssetRevision takes a form of that type only when its content fits the model.
    let m = mesh().await;
    let found =
        m.dz.search_types()
            .domain_identifier(&m.domain)
            .search_scope(aws_sdk_datazone::types::TypesSearchScope::FormType)
            .managed(false)
            .search_text("quality")
            .send()
            .await
            .unwrap();
    let item = found.items()[0].as_form_type_item().unwrap();
    assert_eq!(item.name(), "DataQualityForm");
    let smithy = item.model().unwrap().as_smithy().unwrap();
    assert!(smithy.contains("@required") && smithy.contains("refreshCadence"), "{smithy}");
    let missing_managed =
        m.dz.search_types()
            .domain_identifier(&m.domain)
            .search_scope(aws_sdk_datazone::types::TypesSearchScope::FormType)
            .send()
            .await
            .unwrap_err();
    assert!(missing_managed.as_service_error().unwrap().is_validation_exception());
    let got =
        m.dz.get_form_type().domain_identifier(&m.domain).form_type_identifier("DataQualityForm").send().await.unwrap();
    assert_eq!((got.name(), got.revision()), ("DataQualityForm", "1"));
    let unknown =
        m.dz.get_form_type().domain_identifier(&m.domain).form_type_identifier("NoSuchForm").send().await.unwrap_err();
    assert!(unknown.as_service_error().unwrap().is_resource_not_found_exception());

    let id = draft(&m, "quality_orders").await;
    let revise = |content: &str| {
        m.dz.create_asset_revision()
            .domain_identifier(&m.domain)
            .identifier(&id)
            .name("quality_orders")
            .forms_input(
                FormInput::builder()
                    .form_name("DataQualityForm")
                    .type_identifier("DataQualityForm")
                    .content(content)
                    .build()
                    .unwrap(),
            )
            .send()
    };
    for bad in [
        r#"{"refreshCadence":"DAILY"}"#,
        r#"{"steward":"ann","refreshCadence":"YEARLY"}"#,
        r#"{"steward":"ann","refreshCadence":"DAILY","qualityScore":"high"}"#,
        r#"{"steward":"ann","refreshCadence":"DAILY","colour":"red"}"#,
    ] {
        let refused = revise(bad).await.unwrap_err();
        assert!(refused.as_service_error().unwrap().is_validation_exception(), "{bad}: {refused:?}");
    }
    let ok = revise(r#"{"steward":"ann","refreshCadence":"DAILY","qualityScore":97,"certified":true}"#).await.unwrap();
    assert_eq!(ok.revision(), "2");
    assert!(ok.forms_output().iter().any(|f| f.form_name() == "DataQualityForm"));
}
