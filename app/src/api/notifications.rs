//! Notifications: each person's list and email preferences (in a signed-in browser), and
//! the channels and delivery log platform admins manage.

use leptos::prelude::*;
use server_fn::codec::Json;

use crate::model::{
    ApiError, DeliveriesPage, NotificationPreferences, NotificationsPage, UnitChannelsForm, UnitChannelsView,
};

#[cfg(feature = "ssr")]
use super::ports::{require, respond, services};
#[cfg(feature = "ssr")]
use crate::model::{capped, Role, ID_MAX};

/// The caller's newest notifications, unread count and email preferences.
#[server(endpoint = "my_notifications")]
pub async fn my_notifications() -> Result<NotificationsPage, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(services()?.notifications.page(&caller).await)
}

/// Marks the caller's notifications read: those in `ids`, or all when `ids` is empty (at
/// most 500 ids).
#[server(endpoint = "mark_notifications_read", input = Json)]
pub async fn mark_notifications_read(ids: Vec<i64>) -> Result<(), ApiError> {
    let caller = require(Role::TeamLead).await?;
    if ids.len() > 500 {
        return respond(Err(ApiError::Invalid { field: "ids".into(), message: "Mark at most 500 at once.".into() }));
    }
    respond(services()?.notifications.mark_read(&caller, ids).await)
}

/// Saves what the caller wants by email.
#[server(endpoint = "save_notification_preferences", input = Json)]
pub async fn save_notification_preferences(preferences: NotificationPreferences) -> Result<(), ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(services()?.notifications.save_preferences(&caller, preferences).await)
}

/// Sends the caller a test email now; answers where it went.
#[server(endpoint = "send_test_email")]
pub async fn send_test_email() -> Result<String, ApiError> {
    let caller = require(Role::TeamLead).await?;
    respond(services()?.notifications.test_email(&caller).await)
}

/// Admins: email set-up, delivery counts and the newest deliveries, `state` filtering.
#[server(endpoint = "notification_deliveries")]
pub async fn notification_deliveries(state: Option<String>) -> Result<DeliveriesPage, ApiError> {
    let caller = require(Role::Admin).await?;
    respond(services()?.notifications.deliveries(&caller, state).await)
}

/// Admins: sends a failed delivery again.
#[server(endpoint = "retry_delivery")]
pub async fn retry_delivery(id: String) -> Result<(), ApiError> {
    let caller = require(Role::Admin).await?;
    respond(capped(&[("id", &id, ID_MAX)]))?;
    respond(services()?.notifications.retry_delivery(&caller, &id).await)
}

/// Admins: a unit's chat webhooks (shown as where they point) and review SLA.
#[server(endpoint = "unit_channels")]
pub async fn unit_channels(unit_id: String) -> Result<UnitChannelsView, ApiError> {
    let caller = require(Role::Admin).await?;
    respond(capped(&[("unit_id", &unit_id, ID_MAX)]))?;
    respond(services()?.notifications.unit_channels(&caller, &unit_id).await)
}

/// Admins: saves a unit's webhooks and review SLA.
#[server(endpoint = "save_unit_channels", input = Json)]
pub async fn save_unit_channels(form: UnitChannelsForm) -> Result<UnitChannelsView, ApiError> {
    let caller = require(Role::Admin).await?;
    respond(capped(&[("unit_id", &form.unit_id, ID_MAX)]))?;
    respond(services()?.notifications.save_unit_channels(&caller, form).await)
}

/// Admins: posts a test message to a unit's `slack` or `teams` webhook.
#[server(endpoint = "test_unit_channel")]
pub async fn test_unit_channel(unit_id: String, channel: String) -> Result<String, ApiError> {
    let caller = require(Role::Admin).await?;
    respond(capped(&[("unit_id", &unit_id, ID_MAX), ("channel", &channel, 16)]))?;
    respond(services()?.notifications.test_unit_channel(&caller, &unit_id, &channel).await)
}
