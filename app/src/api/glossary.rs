//! The business glossary: find terms, read one.

use leptos::prelude::*;

use crate::model::{ApiError, TermDetail, TermSummary};

#[cfg(feature = "ssr")]
use super::ports::{require, respond, services};
#[cfg(feature = "ssr")]
use crate::model::Role;

/// Terms whose name or description match `query`; every term when it is empty.
#[server(endpoint = "glossary_terms")]
pub async fn glossary_terms(query: String) -> Result<Vec<TermSummary>, ApiError> {
    require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("query", &query, crate::model::SEARCH_MAX)]))?;
    respond(services()?.glossary.terms(query.trim()).await)
}

#[server(endpoint = "glossary_term")]
pub async fn glossary_term(id: String) -> Result<TermDetail, ApiError> {
    require(Role::TeamLead).await?;
    respond(crate::model::capped(&[("id", &id, crate::model::ID_MAX)]))?;
    respond(services()?.glossary.term(&id).await)
}
