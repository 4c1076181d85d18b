//! Who the visitor is, for the header and the sign-in prompt; anonymous visitors may ask.

use leptos::prelude::*;

use crate::model::{ApiError, Caller};

#[server(endpoint = "who_am_i")]
pub async fn who_am_i() -> Result<Option<Caller>, ApiError> {
    super::ports::caller().await
}
