//! Who the visitor is, for the header and the sign-in prompt; anonymous visitors may ask.

use leptos::prelude::*;

use crate::model::{ApiError, Caller};

#[server(endpoint = "who_am_i")]
pub async fn who_am_i() -> Result<Option<Caller>, ApiError> {
    let mut caller = super::ports::caller().await?;
    if let Some(caller) = caller.as_mut() {
        // The header's count; a list that cannot be read now shows none rather than failing the page.
        let unread = super::ports::services()?.notifications.unread(caller).await;
        caller.unread_notifications = unread.unwrap_or_default();
    }
    Ok(caller)
}
