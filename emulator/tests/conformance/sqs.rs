//! Amazon SQS with the official client, and DataZone's events delivered to an SQS queue.

use std::time::{Duration, Instant};

use aws_sdk_sqs::error::ProvideErrorMetadata as _;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, MessageSystemAttributeName, QueueAttributeName};
use serde_json::Value;

use crate::common::{mesh, mesh_with_events, Mesh};
use crate::subscriptions::{for_project, listing, listing_id};

async fn create_queue(m: &Mesh, name: &str, attributes: &[(QueueAttributeName, &str)]) -> String {
    let mut request = m.sqs.create_queue().queue_name(name);
    for (key, value) in attributes {
        request = request.attributes(key.clone(), *value);
    }
    request.send().await.unwrap().queue_url().unwrap().to_owned()
}

async fn queue_attribute(m: &Mesh, url: &str, name: QueueAttributeName) -> String {
    let out = m.sqs.get_queue_attributes().queue_url(url).attribute_names(name.clone()).send().await.unwrap();
    out.attributes().and_then(|a| a.get(&name)).cloned().unwrap_or_default()
}

/// One receive with all system attributes, waiting up to `wait` seconds.
async fn receive(m: &Mesh, url: &str, wait: i32) -> Vec<aws_sdk_sqs::types::Message> {
    m.sqs
        .receive_message()
        .queue_url(url)
        .max_number_of_messages(10)
        .wait_time_seconds(wait)
        .message_system_attribute_names(MessageSystemAttributeName::All)
        .send()
        .await
        .unwrap()
        .messages()
        .to_vec()
}

fn system_attribute(message: &aws_sdk_sqs::types::Message, name: MessageSystemAttributeName) -> String {
    message.attributes().and_then(|a| a.get(&name)).cloned().unwrap_or_default()
}

#[tokio::test]
async fn messages_are_sent_received_and_deleted() {
    let m = mesh().await;
    let url = create_queue(&m, "orders", &[]).await;
    assert_eq!(url, m.url(&format!("/{}/orders", "123456789012")));
    let found = m.sqs.get_queue_url().queue_name("orders").send().await.unwrap();
    assert_eq!(found.queue_url(), Some(url.as_str()));
    assert_eq!(
        queue_attribute(&m, &url, QueueAttributeName::QueueArn).await,
        "arn:aws:sqs:us-east-1:123456789012:orders"
    );

    let sent = m.sqs.send_message().queue_url(&url).message_body("hello").send().await.unwrap();
    assert_eq!(sent.md5_of_message_body(), Some("5d41402abc4b2a76b9719d911017c592"));
    assert_eq!(queue_attribute(&m, &url, QueueAttributeName::ApproximateNumberOfMessages).await, "1");

    let messages = receive(&m, &url, 0).await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message.body(), Some("hello"));
    assert_eq!(message.message_id(), sent.message_id());
    assert_eq!(message.md5_of_body(), Some("5d41402abc4b2a76b9719d911017c592"));
    assert_eq!(system_attribute(message, MessageSystemAttributeName::ApproximateReceiveCount), "1");
    assert!(!system_attribute(message, MessageSystemAttributeName::SentTimestamp).is_empty());
    assert!(!system_attribute(message, MessageSystemAttributeName::ApproximateFirstReceiveTimestamp).is_empty());
    assert_eq!(queue_attribute(&m, &url, QueueAttributeName::ApproximateNumberOfMessagesNotVisible).await, "1");

    let handle = message.receipt_handle().unwrap();
    m.sqs.delete_message().queue_url(&url).receipt_handle(handle).send().await.unwrap();
    assert_eq!(queue_attribute(&m, &url, QueueAttributeName::ApproximateNumberOfMessagesNotVisible).await, "0");
    assert!(receive(&m, &url, 0).await.is_empty());
}

#[tokio::test]
async fn a_long_poll_returns_as_soon_as_a_message_arrives() {
    let m = mesh().await;
    let url = create_queue(&m, "inbox", &[]).await;

    let started = Instant::now();
    assert!(receive(&m, &url, 1).await.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(900), "an empty long poll waits its wait time");

    let started = Instant::now();
    let poll = tokio::spawn({
        let sqs = m.sqs.clone();
        let url = url.clone();
        async move { sqs.receive_message().queue_url(url).wait_time_seconds(10).send().await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    m.sqs.send_message().queue_url(&url).message_body("ping").send().await.unwrap();
    let out = poll.await.unwrap().unwrap();
    assert_eq!(out.messages()[0].body(), Some("ping"));
    assert!(started.elapsed() < Duration::from_secs(5), "the poll ended early, after {:?}", started.elapsed());
}

#[tokio::test]
async fn an_undeleted_message_comes_back_after_its_visibility_timeout() {
    let m = mesh().await;
    let url = create_queue(&m, "work", &[(QueueAttributeName::VisibilityTimeout, "1")]).await;
    m.sqs.send_message().queue_url(&url).message_body("job").send().await.unwrap();

    let first = receive(&m, &url, 0).await;
    let first_handle = first[0].receipt_handle().unwrap().to_owned();
    assert!(receive(&m, &url, 0).await.is_empty(), "hidden while in flight");

    let second = receive(&m, &url, 3).await;
    assert_eq!(second[0].body(), Some("job"));
    assert_eq!(system_attribute(&second[0], MessageSystemAttributeName::ApproximateReceiveCount), "2");
    let second_handle = second[0].receipt_handle().unwrap().to_owned();
    assert_ne!(first_handle, second_handle);

    // An old handle deletes nothing, yet the call succeeds.
    m.sqs.delete_message().queue_url(&url).receipt_handle(&first_handle).send().await.unwrap();
    assert_eq!(queue_attribute(&m, &url, QueueAttributeName::ApproximateNumberOfMessagesNotVisible).await, "1");

    m.sqs
        .change_message_visibility()
        .queue_url(&url)
        .receipt_handle(&second_handle)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    let third = receive(&m, &url, 0).await;
    assert_eq!(system_attribute(&third[0], MessageSystemAttributeName::ApproximateReceiveCount), "3");
    m.sqs.delete_message().queue_url(&url).receipt_handle(third[0].receipt_handle().unwrap()).send().await.unwrap();
    assert_eq!(queue_attribute(&m, &url, QueueAttributeName::ApproximateNumberOfMessagesNotVisible).await, "0");
}

#[tokio::test]
async fn a_message_received_too_often_moves_to_the_dead_letter_queue() {
    let m = mesh().await;
    let dlq_url = create_queue(&m, "jobs-dlq", &[]).await;
    let dlq_arn = queue_attribute(&m, &dlq_url, QueueAttributeName::QueueArn).await;
    let policy = format!(r#"{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":2}}"#);
    let url = create_queue(
        &m,
        "jobs",
        &[(QueueAttributeName::RedrivePolicy, &policy), (QueueAttributeName::VisibilityTimeout, "0")],
    )
    .await;
    let redrive: Value =
        serde_json::from_str(&queue_attribute(&m, &url, QueueAttributeName::RedrivePolicy).await).unwrap();
    assert_eq!(redrive["maxReceiveCount"], 2);

    m.sqs.send_message().queue_url(&url).message_body("poison").send().await.unwrap();
    for count in ["1", "2"] {
        let messages = receive(&m, &url, 0).await;
        assert_eq!(system_attribute(&messages[0], MessageSystemAttributeName::ApproximateReceiveCount), count);
    }
    assert!(receive(&m, &url, 0).await.is_empty(), "the third receive moves it instead");

    let dead = receive(&m, &dlq_url, 0).await;
    assert_eq!(dead[0].body(), Some("poison"));
    let source = system_attribute(&dead[0], MessageSystemAttributeName::DeadLetterQueueSourceArn);
    assert_eq!(source, "arn:aws:sqs:us-east-1:123456789012:jobs");
}

#[tokio::test]
async fn errors_are_the_ones_the_sdk_models() {
    let m = mesh().await;
    let missing = m.sqs.get_queue_url().queue_name("nowhere").send().await.unwrap_err();
    assert!(missing.as_service_error().unwrap().is_queue_does_not_exist());
    let gone_url = m.url("/123456789012/nowhere");
    let send = m.sqs.send_message().queue_url(&gone_url).message_body("x").send().await.unwrap_err();
    assert!(send.as_service_error().unwrap().is_queue_does_not_exist());

    let url = create_queue(&m, "checks", &[]).await;
    let bad = m.sqs.delete_message().queue_url(&url).receipt_handle("not-a-handle").send().await.unwrap_err();
    assert!(bad.as_service_error().unwrap().is_receipt_handle_is_invalid());

    let too_many = m.sqs.receive_message().queue_url(&url).max_number_of_messages(11).send().await.unwrap_err();
    assert_eq!(too_many.code(), Some("InvalidParameterValue"));
    let too_long = m.sqs.receive_message().queue_url(&url).wait_time_seconds(21).send().await.unwrap_err();
    assert_eq!(too_long.code(), Some("InvalidParameterValue"));
    let big = "x".repeat(1_048_577);
    let too_big = m.sqs.send_message().queue_url(&url).message_body(big).send().await.unwrap_err();
    assert_eq!(too_big.code(), Some("InvalidParameterValue"));
    assert!(too_big.message().unwrap().contains("1048576"));

    let attribute = m
        .sqs
        .create_queue()
        .queue_name("bad")
        .attributes(QueueAttributeName::VisibilityTimeout, "99999")
        .send()
        .await
        .unwrap_err();
    assert!(attribute.as_service_error().unwrap().is_invalid_attribute_value());
    let clash = m
        .sqs
        .create_queue()
        .queue_name("checks")
        .attributes(QueueAttributeName::VisibilityTimeout, "45")
        .send()
        .await
        .unwrap_err();
    assert!(clash.as_service_error().unwrap().is_queue_name_exists());
    assert_eq!(create_queue(&m, "checks", &[(QueueAttributeName::VisibilityTimeout, "30")]).await, url);

    m.sqs.purge_queue().queue_url(&url).send().await.unwrap();
    let again = m.sqs.purge_queue().queue_url(&url).send().await.unwrap_err();
    assert!(again.as_service_error().unwrap().is_purge_queue_in_progress());
}

#[tokio::test]
async fn a_batch_delete_reports_each_entry() {
    let m = mesh().await;
    let url = create_queue(&m, "batch", &[]).await;
    m.sqs.send_message().queue_url(&url).message_body("one").send().await.unwrap();
    let handle = receive(&m, &url, 0).await[0].receipt_handle().unwrap().to_owned();
    let entry = |id: &str, handle: &str| {
        DeleteMessageBatchRequestEntry::builder().id(id).receipt_handle(handle).build().unwrap()
    };
    let out = m
        .sqs
        .delete_message_batch()
        .queue_url(&url)
        .entries(entry("good", &handle))
        .entries(entry("bad", "garbage"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.successful()[0].id(), "good");
    assert_eq!(out.failed()[0].id(), "bad");
    assert_eq!(out.failed()[0].code(), "ReceiptHandleIsInvalid");
    let repeated = m
        .sqs
        .delete_message_batch()
        .queue_url(&url)
        .entries(entry("same", &handle))
        .entries(entry("same", &handle))
        .send()
        .await
        .unwrap_err();
    assert!(repeated.as_service_error().unwrap().is_batch_entry_ids_not_distinct());
}

/// Receives from the events queue until an event of `detail_type` arrives, deleting what it reads.
async fn next_event(m: &Mesh, url: &str, detail_type: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        for message in receive(m, url, 1).await {
            m.sqs
                .delete_message()
                .queue_url(url)
                .receipt_handle(message.receipt_handle().unwrap())
                .send()
                .await
                .unwrap();
            let event: Value = serde_json::from_str(message.body().unwrap()).unwrap();
            if event["detail-type"] == detail_type {
                return event;
            }
        }
    }
    panic!("no {detail_type} event arrived");
}

#[tokio::test]
async fn subscription_decisions_reach_the_events_queue() {
    let m = mesh_with_events("datazone-events").await;
    let url = m.sqs.get_queue_url().queue_name("datazone-events").send().await.unwrap().queue_url().unwrap().to_owned();
    let redrive: Value =
        serde_json::from_str(&queue_attribute(&m, &url, QueueAttributeName::RedrivePolicy).await).unwrap();
    assert_eq!(redrive["deadLetterTargetArn"], "arn:aws:sqs:us-east-1:123456789012:datazone-events-dlq");
    assert_eq!(redrive["maxReceiveCount"], 5);
    // Long enough for the timer that announces timed transitions to have run.
    assert!(receive(&m, &url, 1).await.is_empty(), "the seeded history is not announced");

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

    let created = next_event(&m, &url, "Subscription Request Created").await;
    assert_eq!(created["source"], "aws.datazone");
    assert_eq!(created["version"], "0");
    assert_eq!(created["account"], "123456789012");
    assert_eq!(created["region"], "us-east-1");
    let detail = &created["detail"];
    assert_eq!(detail["metadata"]["id"], request.id());
    assert_eq!(detail["metadata"]["domain"], m.domain.as_str());
    assert_eq!(detail["metadata"]["typeName"], "SubscriptionRequestEntityType");
    assert_eq!(detail["metadata"]["owningProjectId"], project.as_str());
    assert_eq!(detail["data"]["status"], "PENDING");
    assert_eq!(detail["data"]["subscribedListings"][0]["id"], listing_id.as_str());
    assert_eq!(detail["data"]["subscribedPrincipals"][0]["type"], "PROJECT");
    let details =
        m.dz.get_subscription_request_details()
            .domain_identifier(&m.domain)
            .identifier(detail["metadata"]["id"].as_str().unwrap())
            .send()
            .await
            .unwrap();
    assert_eq!(details.request_reason(), "Bookings history for the forecast");

    m.dz.accept_subscription_request().domain_identifier(&m.domain).identifier(request.id()).send().await.unwrap();
    let accepted = next_event(&m, &url, "Subscription Request Accepted").await;
    assert_eq!(accepted["detail"]["metadata"]["id"], request.id());
    assert_eq!(accepted["detail"]["data"]["status"], "ACCEPTED");
    // The grant the acceptance started completes after the deployment delay, without a call.
    let completed = next_event(&m, &url, "Subscription Grant Completed").await;
    assert_eq!(completed["detail"]["data"]["status"], "GRANTED");
    assert_eq!(completed["detail"]["data"]["asset"]["listingId"], listing_id.as_str());
}

#[tokio::test]
async fn without_an_events_queue_nothing_is_created() {
    let m = mesh().await;
    let missing = m.sqs.get_queue_url().queue_name("datazone-events").send().await.unwrap_err();
    assert!(missing.as_service_error().unwrap().is_queue_does_not_exist());
    assert!(m.server.emulator.events_queue().is_none());
}
