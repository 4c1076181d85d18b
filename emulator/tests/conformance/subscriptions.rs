//! Subscription requests, decisions, subscriptions and grants.

use std::time::Duration;

use aws_sdk_datazone::types::{
    SortKey, SortOrder, SubscribedListingInput, SubscribedPrincipalInput, SubscribedProjectInput,
    SubscriptionGrantOverallStatus, SubscriptionGrantStatus, SubscriptionRequestStatus, SubscriptionStatus,
};

use emulator::{Faults, FaultsPatch};

use crate::common::{mesh, mesh_with, test_faults, Mesh};

pub async fn listing_id(m: &Mesh, asset: &str) -> String {
    let out = m.dz.search_listings().domain_identifier(&m.domain).search_text(asset).send().await.unwrap();
    out.items()
        .iter()
        .filter_map(|i| i.as_asset_listing().ok())
        .find(|l| l.name() == Some(asset))
        .and_then(|l| l.listing_id())
        .unwrap()
        .to_owned()
}

pub fn for_project(project: &str) -> SubscribedPrincipalInput {
    SubscribedPrincipalInput::Project(SubscribedProjectInput::builder().identifier(project).build())
}

pub fn listing(id: &str) -> SubscribedListingInput {
    SubscribedListingInput::builder().identifier(id).build().unwrap()
}

#[tokio::test]
async fn a_request_is_accepted_into_a_subscription_whose_grant_completes() {
    // Long enough that the grant is still in progress when it is first listed, even on a busy machine.
    let m = mesh_with(Faults { deploy_delay_ms: 1000, ..test_faults() }).await;
    let project = m.project_id("RevenueForecast Dev").await;
    let listing_id = listing_id(&m, "bookings_daily").await;
    let request =
        m.dz.create_subscription_request()
            .domain_identifier(&m.domain)
            .subscribed_principals(for_project(&project))
            .subscribed_listings(listing(&listing_id))
            .request_reason("Bookings history for the forecast")
            .send()
            .await
            .unwrap();
    assert_eq!(request.status(), &SubscriptionRequestStatus::Pending);
    assert_eq!(request.subscribed_listings()[0].name(), "bookings_daily");
    let principal = request.subscribed_principals()[0].as_project().unwrap();
    assert_eq!(principal.name(), Some("RevenueForecast Dev"));

    let details =
        m.dz.get_subscription_request_details()
            .domain_identifier(&m.domain)
            .identifier(request.id())
            .send()
            .await
            .unwrap();
    assert_eq!(details.request_reason(), "Bookings history for the forecast");

    let accepted =
        m.dz.accept_subscription_request()
            .domain_identifier(&m.domain)
            .identifier(request.id())
            .decision_comment("Approved for forecasting")
            .send()
            .await
            .unwrap();
    assert_eq!(accepted.status(), &SubscriptionRequestStatus::Accepted);
    assert_eq!(accepted.decision_comment(), Some("Approved for forecasting"));
    let subscription_id = accepted.existing_subscription_id().unwrap().to_owned();

    let subscription =
        m.dz.get_subscription().domain_identifier(&m.domain).identifier(&subscription_id).send().await.unwrap();
    assert_eq!(subscription.status(), &SubscriptionStatus::Approved);
    assert_eq!(subscription.subscription_request_id(), Some(request.id()));

    let grants =
        m.dz.list_subscription_grants()
            .domain_identifier(&m.domain)
            .subscription_id(&subscription_id)
            .send()
            .await
            .unwrap();
    assert_ne!(grants.items()[0].status(), &SubscriptionGrantOverallStatus::Completed);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let grants =
        m.dz.list_subscription_grants()
            .domain_identifier(&m.domain)
            .subscription_id(&subscription_id)
            .send()
            .await
            .unwrap();
    let grant = &grants.items()[0];
    assert_eq!(grant.status(), &SubscriptionGrantOverallStatus::Completed);
    assert_eq!(grant.assets()[0].status(), &SubscriptionGrantStatus::Granted);
    assert!(grant.assets()[0].granted_timestamp().is_some());

    let again =
        m.dz.accept_subscription_request()
            .domain_identifier(&m.domain)
            .identifier(request.id())
            .send()
            .await
            .unwrap_err();
    assert!(again.as_service_error().unwrap().is_conflict_exception());
}

#[tokio::test]
async fn a_rejected_request_keeps_its_decision_comment() {
    let m = mesh().await;
    let pending =
        m.dz.list_subscription_requests()
            .domain_identifier(&m.domain)
            .status(SubscriptionRequestStatus::Pending)
            .send()
            .await
            .unwrap();
    assert_eq!(pending.items().len(), 4);
    let id = pending.items()[0].id().to_owned();
    m.dz.reject_subscription_request()
        .domain_identifier(&m.domain)
        .identifier(&id)
        .decision_comment("Not for this purpose")
        .send()
        .await
        .unwrap();
    let details =
        m.dz.get_subscription_request_details().domain_identifier(&m.domain).identifier(&id).send().await.unwrap();
    assert_eq!(details.status(), &SubscriptionRequestStatus::Rejected);
    assert_eq!(details.decision_comment(), Some("Not for this purpose"));
    assert!(details.reviewer_id().is_some());
}

#[tokio::test]
async fn subscription_requests_are_idempotent_on_their_client_token() {
    let m = mesh().await;
    let project = m.project_id("CampaignAttribution Dev").await;
    let listing_id = listing_id(&m, "lead_scoring").await;
    let create = || {
        m.dz.create_subscription_request()
            .domain_identifier(&m.domain)
            .subscribed_principals(for_project(&project))
            .subscribed_listings(listing(&listing_id))
            .request_reason("Lead scores")
            .client_token("same-token")
    };
    let first = create().send().await.unwrap();
    let second = create().send().await.unwrap();
    assert_eq!(first.id(), second.id());
    // Without the token the same request again is a conflict with the pending one.
    let err =
        m.dz.create_subscription_request()
            .domain_identifier(&m.domain)
            .subscribed_principals(for_project(&project))
            .subscribed_listings(listing(&listing_id))
            .request_reason("Lead scores")
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_conflict_exception());
}

#[tokio::test]
async fn a_request_echoes_its_metadata_forms() {
    // CreateSubscriptionRequest takes metadataForms ([FormInput]) and answers them as
    // [FormOutput]; list items carry metadataFormsSummary (name and type, no content).
    let m = mesh().await;
    let project = m.project_id("CampaignAttribution Dev").await;
    let listing_id = listing_id(&m, "ad_impressions_hourly").await;
    let form = aws_sdk_datazone::types::FormInput::builder()
        .form_name("UsageForm")
        .type_identifier("meshgate.UsageFormType")
        .content(r#"{"purpose":"attribution"}"#)
        .build()
        .unwrap();
    let created =
        m.dz.create_subscription_request()
            .domain_identifier(&m.domain)
            .subscribed_principals(for_project(&project))
            .subscribed_listings(listing(&listing_id))
            .request_reason("Impressions per hour")
            .metadata_forms(form)
            .send()
            .await
            .unwrap();
    let fetched =
        m.dz.get_subscription_request_details().domain_identifier(&m.domain).identifier(created.id()).send().await;
    for forms in [created.metadata_forms(), fetched.as_ref().unwrap().metadata_forms()] {
        assert_eq!(forms.len(), 1);
        assert_eq!(forms[0].form_name(), "UsageForm");
        assert_eq!(forms[0].type_name(), Some("meshgate.UsageFormType"));
        assert_eq!(forms[0].content(), Some(r#"{"purpose":"attribution"}"#));
    }
    let listed =
        m.dz.list_subscription_requests()
            .domain_identifier(&m.domain)
            .owning_project_id(&project)
            .send()
            .await
            .unwrap();
    let item = listed.items().iter().find(|r| r.id() == created.id()).unwrap();
    assert_eq!(item.metadata_forms_summary()[0].form_name(), Some("UsageForm"));
}

#[tokio::test]
async fn a_request_needs_exactly_one_principal_and_a_reason() {
    let m = mesh().await;
    let project = m.project_id("CampaignAttribution Dev").await;
    let listing_id = listing_id(&m, "lead_scoring").await;
    let err =
        m.dz.create_subscription_request()
            .domain_identifier(&m.domain)
            .subscribed_principals(for_project(&project))
            .subscribed_principals(for_project(&project))
            .subscribed_listings(listing(&listing_id))
            .request_reason("two")
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
    let err =
        m.dz.create_subscription_request()
            .domain_identifier(&m.domain)
            .subscribed_principals(for_project(&project))
            .subscribed_listings(listing(&listing_id))
            .request_reason("")
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_validation_exception());
    let err =
        m.dz.create_subscription_request()
            .domain_identifier(&m.domain)
            .subscribed_principals(for_project(&project))
            .subscribed_listings(listing("nosuchlisting"))
            .request_reason("missing")
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
}

#[tokio::test]
async fn revoking_and_cancelling_move_subscriptions_on() {
    let m = mesh().await;
    let approved =
        m.dz.list_subscriptions()
            .domain_identifier(&m.domain)
            .status(SubscriptionStatus::Approved)
            .send()
            .await
            .unwrap();
    assert_eq!(approved.items().len(), 4);
    let first = approved.items()[0].id().to_owned();
    let second = approved.items()[1].id().to_owned();
    let revoked =
        m.dz.revoke_subscription()
            .domain_identifier(&m.domain)
            .identifier(&first)
            .retain_permissions(false)
            .send()
            .await
            .unwrap();
    assert_eq!(revoked.status(), &SubscriptionStatus::Revoked);
    assert_eq!(revoked.retain_permissions(), Some(false));
    let cancelled = m.dz.cancel_subscription().domain_identifier(&m.domain).identifier(&second).send().await.unwrap();
    assert_eq!(cancelled.status(), &SubscriptionStatus::Cancelled);
    let err = m.dz.cancel_subscription().domain_identifier(&m.domain).identifier(&first).send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_conflict_exception());
    let grants =
        m.dz.list_subscription_grants().domain_identifier(&m.domain).subscription_id(&first).send().await.unwrap();
    assert_eq!(grants.items()[0].assets()[0].status(), &SubscriptionGrantStatus::RevokePending);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let grants =
        m.dz.list_subscription_grants().domain_identifier(&m.domain).subscription_id(&first).send().await.unwrap();
    assert_eq!(grants.items()[0].status(), &SubscriptionGrantOverallStatus::Completed);
    assert_eq!(grants.items()[0].assets()[0].status(), &SubscriptionGrantStatus::Revoked);
}

#[tokio::test]
async fn requests_are_listed_by_approver_and_paged() {
    let m = mesh().await;
    let marketing = m.project_id("MarketingDataFoundation Prod").await;
    let inbox =
        m.dz.list_subscription_requests()
            .domain_identifier(&m.domain)
            .approver_project_id(&marketing)
            .send()
            .await
            .unwrap();
    // Only the pending ones of the six for MarketingDataFoundation's listings.
    assert_eq!(inbox.items().len(), 2);
    assert!(inbox.items().iter().all(|r| r.status() == &SubscriptionRequestStatus::Pending));
    assert!(inbox.items().iter().all(|r| r.metadata_forms_summary().is_empty()));
    let mut total = 0;
    for status in
        [SubscriptionRequestStatus::Pending, SubscriptionRequestStatus::Accepted, SubscriptionRequestStatus::Rejected]
    {
        let pages: Vec<_> =
            m.dz.list_subscription_requests()
                .domain_identifier(&m.domain)
                .status(status.clone())
                .max_results(1)
                .into_paginator()
                .send()
                .collect::<Vec<_>>()
                .await;
        let items: Vec<_> = pages.iter().flat_map(|p| p.as_ref().unwrap().items().to_vec()).collect();
        assert_eq!(pages.len(), items.len(), "one item per page of {status}");
        assert!(items.iter().all(|r| r.status() == &status));
        total += items.len();
    }
    assert_eq!(total, 10);
    let rejected =
        m.dz.list_subscription_requests()
            .domain_identifier(&m.domain)
            .status(SubscriptionRequestStatus::Rejected)
            .send()
            .await
            .unwrap();
    assert!(rejected.items().iter().all(|r| r.decision_comment().is_some()));
}

/// API reference, ListSubscriptionRequests `status`: "if not specified, by default, Amazon
/// DataZone returns only PENDING subscription requests"; ListSubscriptions `status`: "if not
/// provided, by default, Amazon DataZone returns only APPROVED subscriptions".
#[tokio::test]
async fn lists_without_status_hold_only_pending_requests_and_approved_subscriptions() {
    let m = mesh().await;
    let requests = m.dz.list_subscription_requests().domain_identifier(&m.domain).send().await.unwrap();
    assert_eq!(requests.items().len(), 4);
    assert!(requests.items().iter().all(|r| r.status() == &SubscriptionRequestStatus::Pending));
    let accepted =
        m.dz.list_subscription_requests()
            .domain_identifier(&m.domain)
            .status(SubscriptionRequestStatus::Accepted)
            .send()
            .await
            .unwrap();
    assert_eq!(accepted.items().len(), 4);

    let approved = m.dz.list_subscriptions().domain_identifier(&m.domain).send().await.unwrap();
    assert_eq!(approved.items().len(), 4);
    let gone = approved.items()[0].id().to_owned();
    m.dz.revoke_subscription().domain_identifier(&m.domain).identifier(&gone).send().await.unwrap();
    let approved = m.dz.list_subscriptions().domain_identifier(&m.domain).send().await.unwrap();
    assert_eq!(approved.items().len(), 3);
    assert!(approved.items().iter().all(|s| s.status() == &SubscriptionStatus::Approved && s.id() != gone));
    let revoked =
        m.dz.list_subscriptions()
            .domain_identifier(&m.domain)
            .status(SubscriptionStatus::Revoked)
            .send()
            .await
            .unwrap();
    assert_eq!(
        revoked.items().iter().map(aws_sdk_datazone::types::SubscriptionSummary::id).collect::<Vec<_>>(),
        [gone.as_str()]
    );
}

/// API reference: `sortBy` is deprecated, "Results are always sorted by updatedAt".
#[tokio::test]
#[allow(deprecated)]
async fn requests_are_always_sorted_by_update_time_in_the_order_asked_for() {
    let m = mesh().await;
    let listed = |order: SortOrder| {
        m.dz.list_subscription_requests()
            .domain_identifier(&m.domain)
            .status(SubscriptionRequestStatus::Accepted)
            .sort_by(SortKey::CreatedAt)
            .sort_order(order)
            .send()
    };
    let newest_first = listed(SortOrder::Descending).await.unwrap();
    let times: Vec<_> = newest_first.items().iter().map(|r| r.updated_at().secs()).collect();
    assert!(times.len() > 1 && times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    let oldest_first = listed(SortOrder::Ascending).await.unwrap();
    let times: Vec<_> = oldest_first.items().iter().map(|r| r.updated_at().secs()).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");
}

async fn accepted_subscription(m: &Mesh) -> String {
    let project = m.project_id("RevenueForecast Dev").await;
    let listing_id = listing_id(m, "bookings_daily").await;
    let request =
        m.dz.create_subscription_request()
            .domain_identifier(&m.domain)
            .subscribed_principals(for_project(&project))
            .subscribed_listings(listing(&listing_id))
            .request_reason("Bookings history")
            .send()
            .await
            .unwrap();
    let accepted =
        m.dz.accept_subscription_request().domain_identifier(&m.domain).identifier(request.id()).send().await.unwrap();
    accepted.existing_subscription_id().unwrap().to_owned()
}

async fn grant_of(m: &Mesh, subscription: &str) -> aws_sdk_datazone::types::SubscriptionGrantSummary {
    let grants =
        m.dz.list_subscription_grants()
            .domain_identifier(&m.domain)
            .subscription_id(subscription)
            .send()
            .await
            .unwrap();
    grants.items()[0].clone()
}

#[tokio::test]
async fn an_injected_grant_failure_ends_in_grant_failed_with_its_cause() {
    let m = mesh().await;
    m.server.emulator.set_faults(FaultsPatch { grant_fail_next: Some(1), ..FaultsPatch::default() }).unwrap();
    let subscription = accepted_subscription(&m).await;
    assert_eq!(grant_of(&m, &subscription).await.status(), &SubscriptionGrantOverallStatus::Pending);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let grant = grant_of(&m, &subscription).await;
    assert_eq!(grant.status(), &SubscriptionGrantOverallStatus::GrantFailed);
    let asset = &grant.assets()[0];
    assert_eq!(asset.status(), &SubscriptionGrantStatus::GrantFailed);
    assert!(asset.failure_cause().and_then(|c| c.message()).is_some_and(|m| m.contains("Lake Formation")));
    assert!(asset.failure_timestamp().is_some() && asset.granted_timestamp().is_none());
    // The subscription itself stays APPROVED: the grant, not the subscription, failed.
    let got = m.dz.get_subscription().domain_identifier(&m.domain).identifier(&subscription).send().await.unwrap();
    assert_eq!(got.status(), &SubscriptionStatus::Approved);
    // Only the next grant fails.
    let other = m.dz.list_subscriptions().domain_identifier(&m.domain).send().await.unwrap();
    assert!(other.items().iter().any(|s| s.id() != subscription));
}

#[tokio::test]
async fn an_injected_revoke_failure_ends_in_revoke_failed_with_its_cause() {
    let m = mesh().await;
    let subscription = accepted_subscription(&m).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(grant_of(&m, &subscription).await.status(), &SubscriptionGrantOverallStatus::Completed);
    m.server.emulator.set_faults(FaultsPatch { revoke_fail_next: Some(1), ..FaultsPatch::default() }).unwrap();
    let revoked =
        m.dz.revoke_subscription().domain_identifier(&m.domain).identifier(&subscription).send().await.unwrap();
    assert_eq!(revoked.status(), &SubscriptionStatus::Revoked);
    let grant = grant_of(&m, &subscription).await;
    assert_eq!(grant.assets()[0].status(), &SubscriptionGrantStatus::RevokePending);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let grant = grant_of(&m, &subscription).await;
    assert_eq!(grant.status(), &SubscriptionGrantOverallStatus::RevokeFailed);
    assert_eq!(grant.assets()[0].status(), &SubscriptionGrantStatus::RevokeFailed);
    assert!(grant.assets()[0].failure_cause().and_then(|c| c.message()).is_some());
}

#[tokio::test]
async fn unknown_subscriptions_and_requests_are_not_found() {
    let m = mesh().await;
    let err = m.dz.get_subscription().domain_identifier(&m.domain).identifier("nosuchsubscr").send().await.unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
    let err =
        m.dz.reject_subscription_request()
            .domain_identifier(&m.domain)
            .identifier("nosuchrequest")
            .send()
            .await
            .unwrap_err();
    assert!(err.as_service_error().unwrap().is_resource_not_found_exception());
}

/// RevokeSubscription `retainPermissions`: "Specifies whether permissions are retained when
/// the subscription is revoked."
#[tokio::test]
async fn a_revocation_that_retains_permissions_leaves_the_grant() {
    let m = mesh().await;
    let subscription = accepted_subscription(&m).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let revoked =
        m.dz.revoke_subscription()
            .domain_identifier(&m.domain)
            .identifier(&subscription)
            .retain_permissions(true)
            .send()
            .await
            .unwrap();
    assert_eq!(revoked.status(), &SubscriptionStatus::Revoked);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let grant = grant_of(&m, &subscription).await;
    assert_eq!(grant.assets()[0].status(), &SubscriptionGrantStatus::Granted);
}

#[tokio::test]
async fn a_failed_grant_is_granted_again_with_create_subscription_grant_and_the_failed_one_deleted() {
    use aws_sdk_datazone::types::{GrantedEntity, GrantedEntityInput, ListingRevisionInput};
    let m = mesh().await;
    m.server.emulator.set_faults(FaultsPatch { grant_fail_next: Some(1), ..FaultsPatch::default() }).unwrap();
    let subscription = accepted_subscription(&m).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let failed = grant_of(&m, &subscription).await;
    assert_eq!(failed.status(), &SubscriptionGrantOverallStatus::GrantFailed);
    let Some(GrantedEntity::Listing(listing)) = failed.granted_entity() else { panic!("a listing grant") };
    let create = || {
        m.dz.create_subscription_grant()
            .domain_identifier(&m.domain)
            .environment_identifier(failed.environment_id().unwrap())
            .subscription_target_identifier(failed.subscription_target_id())
            .granted_entity(GrantedEntityInput::Listing(
                ListingRevisionInput::builder().identifier(listing.id()).revision(listing.revision()).build().unwrap(),
            ))
            .client_token(format!("retry-{}", failed.id()))
    };
    let again = create().send().await.unwrap();
    assert_eq!(create().send().await.unwrap().id(), again.id(), "the client token makes it idempotent");
    let deleted =
        m.dz.delete_subscription_grant().domain_identifier(&m.domain).identifier(failed.id()).send().await.unwrap();
    assert_eq!(deleted.status(), &SubscriptionGrantOverallStatus::GrantFailed, "answered as it was");
    let gone = m.dz.get_subscription_grant().domain_identifier(&m.domain).identifier(failed.id()).send().await;
    assert!(gone.unwrap_err().as_service_error().unwrap().is_resource_not_found_exception());
    tokio::time::sleep(Duration::from_millis(400)).await;
    let now = grant_of(&m, &subscription).await;
    assert_eq!(now.id(), again.id(), "the grant joins the subscription (ListSubscriptionGrants by subscriptionId)");
    assert_eq!(now.status(), &SubscriptionGrantOverallStatus::Completed);

    // Without a target, or for a target no approved subscription of the listing serves: refused.
    let untargeted =
        m.dz.create_subscription_grant()
            .domain_identifier(&m.domain)
            .environment_identifier(failed.environment_id().unwrap())
            .granted_entity(GrantedEntityInput::Listing(
                ListingRevisionInput::builder().identifier(listing.id()).revision("1").build().unwrap(),
            ))
            .send()
            .await;
    assert!(untargeted.unwrap_err().as_service_error().unwrap().is_validation_exception());
    let elsewhere = create().subscription_target_identifier("notatarget").client_token("other").send().await;
    assert!(elsewhere.unwrap_err().as_service_error().unwrap().is_validation_exception());
}
