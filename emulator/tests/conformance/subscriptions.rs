//! Subscription requests, decisions, subscriptions and grants.

use std::time::Duration;

use aws_sdk_datazone::types::{
    SubscribedListingInput, SubscribedPrincipalInput, SubscribedProjectInput, SubscriptionGrantOverallStatus,
    SubscriptionGrantStatus, SubscriptionRequestStatus, SubscriptionStatus,
};

use emulator::Faults;

use crate::common::{mesh, mesh_with, test_faults, Mesh};

async fn listing_id(m: &Mesh, asset: &str) -> String {
    let out = m.dz.search_listings().domain_identifier(&m.domain).search_text(asset).send().await.unwrap();
    out.items()
        .iter()
        .filter_map(|i| i.as_asset_listing().ok())
        .find(|l| l.name() == Some(asset))
        .and_then(|l| l.listing_id())
        .unwrap()
        .to_owned()
}

fn for_project(project: &str) -> SubscribedPrincipalInput {
    SubscribedPrincipalInput::Project(SubscribedProjectInput::builder().identifier(project).build())
}

fn listing(id: &str) -> SubscribedListingInput {
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
    // customer_segments x2, email_engagement_events, customer_master, marketing_consent, customer_contacts.
    assert_eq!(inbox.items().len(), 6);
    assert!(inbox.items().iter().all(|r| r.metadata_forms_summary().is_empty()));
    let pages: Vec<_> =
        m.dz.list_subscription_requests()
            .domain_identifier(&m.domain)
            .max_results(3)
            .into_paginator()
            .send()
            .collect::<Vec<_>>()
            .await;
    assert_eq!(pages.len(), 4);
    let total: usize = pages.iter().map(|p| p.as_ref().unwrap().items().len()).sum();
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
