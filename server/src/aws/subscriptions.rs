//! The catalog and subscriptions in DataZone, as plain data: listing search with facets,
//! one listing, subscription requests and their decisions, subscriptions and their grants.
//! Accept, reject, cancel and revoke are sent once, without the SDK's retries: the
//! decision queue paces them to the account's quota and retries them itself, after
//! checking whether an earlier attempt took effect.

use std::collections::HashMap;
use std::sync::Arc;

use aws_sdk_datazone::config::retry::RetryConfig;
use aws_sdk_datazone::types::{
    AggregationListItem, Filter, FilterClause, ListingItem, SearchResultItem, SearchSort, SortOrder, SubscribedListing,
    SubscribedListingInput, SubscribedListingItem, SubscribedPrincipal, SubscribedPrincipalInput,
    SubscribedProjectInput, SubscriptionRequestStatus, SubscriptionStatus,
};
use chrono::{DateTime, Utc};

use super::{not_found, upstream, Aws};
use crate::error::AppError;

/// Attributes the catalog filters and counts on.
pub const UNIT_ATTRIBUTE: &str = "domainUnitId";
pub const PROJECT_ATTRIBUTE: &str = "owningProjectId";
pub const TYPE_ATTRIBUTE: &str = "typeIdentifier";
pub const TERM_ATTRIBUTE: &str = "glossaryTerms";

/// One catalog search as DataZone takes it.
#[derive(Debug, Default)]
pub struct ListingSearch<'a> {
    pub text: &'a str,
    /// (attribute, value) pairs, all of which must match.
    pub filters: Vec<(&'static str, &'a str)>,
    /// `name` or `newest`; anything else is DataZone's relevance.
    pub sort: &'a str,
    pub page: Option<&'a str>,
    pub page_size: i32,
}

#[derive(Debug, Clone)]
pub struct ListingHit {
    pub listing_id: String,
    pub asset_id: String,
    pub name: String,
    pub description: String,
    pub asset_type: String,
    pub owner_project_id: String,
    pub terms: Vec<String>,
}

#[derive(Debug, Default, Clone)]
pub struct ListingsPage {
    pub hits: Vec<ListingHit>,
    pub total: u32,
    pub next_page: Option<String>,
    /// attribute → (value, display value, count)
    pub facets: HashMap<String, Vec<(String, String, u32)>>,
}

/// A listing with what the asset page shows.
#[derive(Debug, Clone)]
pub struct Listing {
    pub hit: ListingHit,
    /// Term name → short description.
    pub term_details: Vec<(String, String)>,
    /// The asset's metadata forms, as DataZone's JSON document keyed by form name.
    pub forms: String,
    /// For a data product: the listing ids of its assets.
    pub items: Vec<String>,
}

/// A subscription request as DataZone describes it.
#[derive(Debug, Clone)]
pub struct SubRequest {
    pub id: String,
    pub status: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub reason: String,
    /// The subscribing project (id, name); `None` for users, groups and IAM principals.
    pub project: Option<(String, String)>,
    pub listing_id: String,
    pub asset_id: String,
    pub asset_name: String,
    pub asset_type: String,
    pub terms: Vec<String>,
    pub owner_project_id: String,
    pub owner_project_name: String,
    pub reviewer_id: Option<String>,
    pub decision_comment: Option<String>,
    pub subscription_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Subscription {
    pub id: String,
    pub status: String,
    pub updated_at: DateTime<Utc>,
    pub listing_id: String,
    pub project_id: Option<String>,
    pub request_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct SubscriptionGrant {
    /// The subscribing project.
    pub project_id: String,
    pub listing_id: String,
    pub target: String,
    pub status: String,
    /// DataZone's failure cause, for a failed grant or revocation.
    pub failure: Option<String>,
}

/// Where a subscription's grants stand, summed up over their assets.
#[derive(Debug, Clone)]
pub struct GrantState {
    /// A SubscriptionGrantStatus: GRANT_PENDING … GRANTED, GRANT_FAILED, REVOKE_PENDING …
    /// REVOKED, REVOKE_FAILED.
    pub status: String,
    /// DataZone's failure cause of a failed grant or revocation.
    pub failure: Option<String>,
    /// When access started (the latest asset grant).
    pub granted_at: Option<DateTime<Utc>>,
}

/// A project's place in the domain.
#[derive(Debug, Clone)]
pub struct ProjectPlace {
    pub id: String,
    pub name: String,
    pub unit_id: Option<String>,
}

fn time(t: &aws_smithy_types::DateTime) -> DateTime<Utc> {
    DateTime::from_timestamp(t.secs(), t.subsec_nanos()).unwrap_or_default()
}

fn project_of(principals: &[SubscribedPrincipal]) -> Option<(String, String)> {
    principals.iter().find_map(|p| match p {
        SubscribedPrincipal::Project(project) => {
            Some((project.id()?.to_owned(), project.name().unwrap_or_default().to_owned()))
        }
        _ => None,
    })
}

/// What the portal calls a data product where it shows an asset's type.
pub const PRODUCT_TYPE: &str = "Data product";

/// (asset id, asset type, term names) of a subscribed listing.
fn asset_of(listing: &SubscribedListing) -> (String, String, Vec<String>) {
    match listing.item() {
        Some(SubscribedListingItem::AssetListing(a)) => (
            a.entity_id().unwrap_or_default().to_owned(),
            a.entity_type().unwrap_or_default().to_owned(),
            a.glossary_terms().iter().filter_map(|t| t.name().map(str::to_owned)).collect(),
        ),
        Some(SubscribedListingItem::ProductListing(p)) => (
            p.entity_id().unwrap_or_default().to_owned(),
            PRODUCT_TYPE.to_owned(),
            p.glossary_terms().iter().filter_map(|t| t.name().map(str::to_owned)).collect(),
        ),
        _ => (String::new(), String::new(), Vec::new()),
    }
}

/// Every DataZone answer about a subscription request has the same members.
macro_rules! sub_request {
    ($r:expr) => {{
        let r = $r;
        let listing = r.subscribed_listings().first();
        let (asset_id, asset_type, terms) = listing.map(asset_of).unwrap_or_default();
        SubRequest {
            id: r.id().to_owned(),
            status: r.status().as_str().to_owned(),
            created_by: r.created_by().to_owned(),
            created_at: time(r.created_at()),
            updated_at: time(r.updated_at()),
            reason: r.request_reason().to_owned(),
            project: project_of(r.subscribed_principals()),
            listing_id: listing.map(|l| l.id().to_owned()).unwrap_or_default(),
            asset_id,
            asset_name: listing.map(|l| l.name().to_owned()).unwrap_or_default(),
            asset_type,
            terms,
            owner_project_id: listing.map(|l| l.owner_project_id().to_owned()).unwrap_or_default(),
            owner_project_name: listing.and_then(|l| l.owner_project_name()).unwrap_or_default().to_owned(),
            reviewer_id: r.reviewer_id().map(str::to_owned),
            decision_comment: r.decision_comment().map(str::to_owned),
            subscription_id: r.existing_subscription_id().map(str::to_owned),
        }
    }};
}

fn subscription_of(s: &aws_sdk_datazone::types::SubscriptionSummary) -> Subscription {
    Subscription {
        id: s.id().to_owned(),
        status: s.status().as_str().to_owned(),
        updated_at: time(s.updated_at()),
        listing_id: s.subscribed_listing().map(|l| l.id().to_owned()).unwrap_or_default(),
        project_id: s.subscribed_principal().and_then(|p| project_of(std::slice::from_ref(p))).map(|p| p.0),
        request_id: s.subscription_request_id().map(str::to_owned),
    }
}

pub(super) fn filter(attribute: &str, value: &str) -> Result<FilterClause, AppError> {
    let filter = Filter::builder()
        .attribute(attribute)
        .value(value)
        .build()
        .map_err(|e| AppError::invalid("filter", e.to_string()))?;
    Ok(FilterClause::Filter(filter))
}

fn once() -> aws_sdk_datazone::config::Builder {
    aws_sdk_datazone::Config::builder().retry_config(RetryConfig::disabled())
}

impl Aws {
    /// One page of catalog listings with counts per unit, project, type and term
    /// (SearchListings), reused for `read_cache_seconds` per query.
    pub async fn search_listings(&self, search: &ListingSearch<'_>) -> Result<Arc<ListingsPage>, AppError> {
        super::cached(self.caches.searches.as_ref(), format!("{search:?}"), Box::pin(self.read_listings(search))).await
    }

    async fn read_listings(&self, search: &ListingSearch<'_>) -> Result<ListingsPage, AppError> {
        let mut request = self
            .datazone
            .search_listings()
            .domain_identifier(&self.domain_id)
            .max_results(search.page_size.clamp(1, 50))
            .set_next_token(search.page.map(str::to_owned));
        if !search.text.trim().is_empty() {
            request = request.search_text(search.text.trim());
        }
        let clauses =
            search.filters.iter().map(|(attribute, value)| filter(attribute, value)).collect::<Result<Vec<_>, _>>()?;
        request = match clauses.len() {
            0 => request,
            1 => request.filters(clauses.into_iter().next().expect("one clause")),
            _ => request.filters(FilterClause::And(clauses)),
        };
        let sort = match search.sort {
            "name" => Some(("name", SortOrder::Ascending)),
            "newest" => Some(("createdAt", SortOrder::Descending)),
            _ => None,
        };
        if let Some((attribute, order)) = sort {
            let sort = SearchSort::builder()
                .attribute(attribute)
                .order(order)
                .build()
                .map_err(|e| AppError::invalid("sort", e.to_string()))?;
            request = request.sort(sort);
        }
        for attribute in [UNIT_ATTRIBUTE, PROJECT_ATTRIBUTE, TYPE_ATTRIBUTE, TERM_ATTRIBUTE] {
            let aggregation = AggregationListItem::builder()
                .attribute(attribute)
                .build()
                .map_err(|e| AppError::invalid("aggregation", e.to_string()))?;
            request = request.aggregations(aggregation);
        }
        let found = request.send().await.map_err(|e| upstream("SearchListings", e))?;
        let hits = found.items().iter().filter_map(hit_of).collect();
        let facets = found
            .aggregates()
            .iter()
            .map(|agg| {
                let items = agg
                    .items()
                    .iter()
                    .map(|i| {
                        let value = i.value().unwrap_or_default().to_owned();
                        let label = i.display_value().unwrap_or(&value).to_owned();
                        (value, label, u32::try_from(i.count().unwrap_or(0)).unwrap_or(0))
                    })
                    .collect();
                (agg.attribute().unwrap_or_default().to_owned(), items)
            })
            .collect();
        Ok(ListingsPage {
            hits,
            total: u32::try_from(found.total_match_count().unwrap_or(0)).unwrap_or(0),
            next_page: found.next_token().map(str::to_owned),
            facets,
        })
    }

    /// An asset listing with its terms and forms (GetListing), reused for
    /// `read_cache_seconds`; NotFound when DataZone has no asset listing of that id.
    pub async fn listing(&self, id: &str) -> Result<Arc<Listing>, AppError> {
        super::cached(self.caches.listings.as_ref(), id.to_owned(), Box::pin(self.read_listing(id))).await
    }

    async fn read_listing(&self, id: &str) -> Result<Listing, AppError> {
        let l = self
            .datazone
            .get_listing()
            .domain_identifier(&self.domain_id)
            .identifier(id)
            .send()
            .await
            .map_err(|e| not_found(upstream("GetListing", e), "Asset"))?;
        let terms = |terms: &[aws_sdk_datazone::types::DetailedGlossaryTerm]| -> Vec<(String, String)> {
            terms
                .iter()
                .filter_map(|t| Some((t.name()?.to_owned(), t.short_description().unwrap_or_default().to_owned())))
                .collect()
        };
        let (asset_id, asset_type, owner, term_details, forms, items) = match l.item() {
            Some(ListingItem::AssetListing(asset)) => (
                asset.asset_id().unwrap_or_default(),
                asset.asset_type().unwrap_or_default(),
                asset.owning_project_id().unwrap_or_default(),
                terms(asset.glossary_terms()),
                asset.forms().unwrap_or_default(),
                Vec::new(),
            ),
            Some(ListingItem::DataProductListing(product)) => (
                product.data_product_id().unwrap_or_default(),
                PRODUCT_TYPE,
                product.owning_project_id().unwrap_or_default(),
                terms(product.glossary_terms()),
                product.forms().unwrap_or_default(),
                product.items().iter().filter_map(|i| i.listing_id().map(str::to_owned)).collect(),
            ),
            _ => return Err(AppError::NotFound("Asset".into())),
        };
        Ok(Listing {
            hit: ListingHit {
                listing_id: l.id().to_owned(),
                asset_id: asset_id.to_owned(),
                name: l.name().unwrap_or_default().to_owned(),
                description: l.description().unwrap_or_default().to_owned(),
                asset_type: asset_type.to_owned(),
                owner_project_id: owner.to_owned(),
                terms: term_details.iter().map(|(name, _)| name.clone()).collect(),
            },
            term_details,
            forms: forms.to_owned(),
            items,
        })
    }

    /// Asks for `listing` for `project`. The same `token` names the same request, so a
    /// form sent twice creates one.
    pub async fn create_subscription_request(
        &self,
        listing: &str,
        project: &str,
        reason: &str,
        token: &str,
    ) -> Result<SubRequest, AppError> {
        let principal =
            SubscribedPrincipalInput::Project(SubscribedProjectInput::builder().identifier(project).build());
        let listing = SubscribedListingInput::builder()
            .identifier(listing)
            .build()
            .map_err(|e| AppError::invalid("listing_id", e.to_string()))?;
        let created = self
            .datazone
            .create_subscription_request()
            .domain_identifier(&self.domain_id)
            .subscribed_principals(principal)
            .subscribed_listings(listing)
            .request_reason(reason)
            .client_token(token)
            .send()
            .await
            .map_err(|e| upstream("CreateSubscriptionRequest", e))?;
        Ok(sub_request!(&created))
    }

    /// One page of the domain's subscription requests in `status` (PENDING, ACCEPTED or
    /// REJECTED), most recently changed first, and the token of the next page
    /// (ListSubscriptionRequests: without `status` DataZone lists only PENDING ones, and it
    /// always sorts by update time).
    pub async fn subscription_requests_page(
        &self,
        status: &str,
        token: Option<String>,
    ) -> Result<(Vec<SubRequest>, Option<String>), AppError> {
        let page = self
            .datazone
            .list_subscription_requests()
            .domain_identifier(&self.domain_id)
            .status(SubscriptionRequestStatus::from(status))
            .sort_order(SortOrder::Descending)
            .max_results(50)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| upstream("ListSubscriptionRequests", e))?;
        let items = page.items().iter().map(|item| sub_request!(item)).collect();
        Ok((items, page.next_token().map(str::to_owned)))
    }

    pub async fn subscription_request(&self, id: &str) -> Result<SubRequest, AppError> {
        let r = self
            .datazone
            .get_subscription_request_details()
            .domain_identifier(&self.domain_id)
            .identifier(id)
            .send()
            .await
            .map_err(|e| not_found(upstream("GetSubscriptionRequestDetails", e), "Subscription request"))?;
        Ok(sub_request!(&r))
    }

    /// Accepts or rejects a pending request, once (no SDK retries: see the module notes).
    pub async fn decide_subscription_request(
        &self,
        id: &str,
        accept: bool,
        comment: Option<&str>,
    ) -> Result<SubRequest, AppError> {
        let comment = comment.map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
        if accept {
            let r = self
                .datazone
                .accept_subscription_request()
                .domain_identifier(&self.domain_id)
                .identifier(id)
                .set_decision_comment(comment)
                .customize()
                .config_override(once())
                .send()
                .await
                .map_err(|e| upstream("AcceptSubscriptionRequest", e))?;
            Ok(sub_request!(&r))
        } else {
            let r = self
                .datazone
                .reject_subscription_request()
                .domain_identifier(&self.domain_id)
                .identifier(id)
                .set_decision_comment(comment)
                .customize()
                .config_override(once())
                .send()
                .await
                .map_err(|e| upstream("RejectSubscriptionRequest", e))?;
            Ok(sub_request!(&r))
        }
    }

    /// Ends a subscription: revoked by its approver, or cancelled by its subscriber.
    /// Answers the subscription's status afterwards.
    pub async fn end_subscription(&self, id: &str, revoke: bool) -> Result<String, AppError> {
        let status = if revoke {
            self.datazone
                .revoke_subscription()
                .domain_identifier(&self.domain_id)
                .identifier(id)
                .customize()
                .config_override(once())
                .send()
                .await
                .map_err(|e| not_found(upstream("RevokeSubscription", e), "Subscription"))?
                .status()
                .as_str()
                .to_owned()
        } else {
            self.datazone
                .cancel_subscription()
                .domain_identifier(&self.domain_id)
                .identifier(id)
                .customize()
                .config_override(once())
                .send()
                .await
                .map_err(|e| not_found(upstream("CancelSubscription", e), "Subscription"))?
                .status()
                .as_str()
                .to_owned()
        };
        self.forget_grants();
        Ok(status)
    }

    /// A subscription's status (GetSubscription), or `None` when DataZone no longer has it.
    ///
    /// # Errors
    /// DataZone's refusal other than not-found.
    pub async fn subscription_status(&self, id: &str) -> Result<Option<String>, AppError> {
        match self.datazone.get_subscription().domain_identifier(&self.domain_id).identifier(id).send().await {
            Ok(found) => Ok(Some(found.status().as_str().to_owned())),
            Err(e) => match not_found(upstream("GetSubscription", e), "Subscription") {
                AppError::NotFound(_) => Ok(None),
                other => Err(other),
            },
        }
    }

    /// One page of the domain's subscriptions in `status` (APPROVED, REVOKED or CANCELLED),
    /// most recently changed first, and the token of the next page (ListSubscriptions:
    /// without `status` DataZone lists only APPROVED ones).
    pub async fn subscriptions_page(
        &self,
        status: &str,
        token: Option<String>,
    ) -> Result<(Vec<Subscription>, Option<String>), AppError> {
        let page = self
            .datazone
            .list_subscriptions()
            .domain_identifier(&self.domain_id)
            .status(SubscriptionStatus::from(status))
            .sort_order(SortOrder::Descending)
            .max_results(50)
            .set_next_token(token)
            .send()
            .await
            .map_err(|e| upstream("ListSubscriptions", e))?;
        Ok((page.items().iter().map(subscription_of).collect(), page.next_token().map(str::to_owned)))
    }

    /// Grants of a project's subscriptions to every listing (ListSubscriptionGrants by
    /// `owningProjectId`), one per asset and target, reused for `read_cache_seconds`.
    pub async fn project_grants(&self, project: &str) -> Result<Arc<Vec<SubscriptionGrant>>, AppError> {
        super::cached(
            self.caches.grants.as_ref(),
            project.to_owned(),
            Box::pin(self.subscription_grants(project, None)),
        )
        .await
    }

    /// Forgets the cached grants: the portal asked DataZone to grant again or to revoke.
    pub fn forget_grants(&self) {
        if let Some(cache) = &self.caches.grants {
            cache.invalidate_all();
        }
    }

    /// Grants of a project's subscriptions (to one listing, when given), one per asset and
    /// target, read now.
    pub async fn subscription_grants(
        &self,
        project: &str,
        listing: Option<&str>,
    ) -> Result<Vec<SubscriptionGrant>, AppError> {
        let mut pages = self
            .datazone
            .list_subscription_grants()
            .domain_identifier(&self.domain_id)
            .owning_project_id(project)
            .set_subscribed_listing_id(listing.map(str::to_owned))
            .max_results(50)
            .into_paginator()
            .send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| upstream("ListSubscriptionGrants", e))?;
            for grant in page.items() {
                let listing_id = match grant.granted_entity() {
                    Some(aws_sdk_datazone::types::GrantedEntity::Listing(l)) => l.id().to_owned(),
                    _ => String::new(),
                };
                let assets = grant.assets();
                if assets.is_empty() {
                    found.push(SubscriptionGrant {
                        project_id: project.to_owned(),
                        listing_id: listing_id.clone(),
                        target: grant.subscription_target_id().to_owned(),
                        status: grant.status().as_str().to_owned(),
                        failure: None,
                    });
                }
                found.extend(assets.iter().map(|a| SubscriptionGrant {
                    project_id: project.to_owned(),
                    listing_id: listing_id.clone(),
                    target: a.target_name().unwrap_or(grant.subscription_target_id()).to_owned(),
                    status: a.status().as_str().to_owned(),
                    failure: a.failure_cause().and_then(|c| c.message()).map(str::to_owned),
                }));
            }
        }
        Ok(found)
    }

    /// Where the grants of one subscription stand (ListSubscriptionGrants by
    /// `subscriptionId`), summed up over their assets: a failure first, then anything still
    /// under way, else GRANTED or REVOKED; `None` when DataZone lists no grant.
    pub async fn grant_state(&self, subscription_id: &str) -> Result<Option<GrantState>, AppError> {
        let grants = self.grants_of(subscription_id).await?;
        let assets: Vec<_> = grants.iter().flat_map(|g| g.assets().iter().cloned()).collect();
        let rank = |status: &str| match status {
            "GRANT_FAILED" | "REVOKE_FAILED" => 0,
            "GRANTED" | "REVOKED" => 2,
            _ => 1,
        };
        let Some(worst) = assets.iter().min_by_key(|a| rank(a.status().as_str())) else { return Ok(None) };
        Ok(Some(GrantState {
            status: worst.status().as_str().to_owned(),
            failure: worst.failure_cause().and_then(|c| c.message()).map(str::to_owned),
            granted_at: assets.iter().filter_map(|a| a.granted_timestamp()).map(time).max(),
        }))
    }

    /// Grants a subscription again where its grant failed: for each GRANT_FAILED grant
    /// (ListSubscriptionGrants by `subscriptionId`), CreateSubscriptionGrant with the same
    /// environment, subscription target and listing revision — its client token is the
    /// failed grant's id, so a repeated retry makes one grant — then DeleteSubscriptionGrant
    /// of the failed one. Answers how many grants were made again.
    ///
    /// # Errors
    /// DataZone's refusal of any of the calls; grants made before it stay made.
    pub async fn retry_failed_grants(&self, subscription_id: &str) -> Result<usize, AppError> {
        use aws_sdk_datazone::types::{GrantedEntity, GrantedEntityInput, ListingRevisionInput};
        let listed = self.grants_of(subscription_id).await?;
        let mut retried = 0;
        for failed in listed.iter().filter(|g| g.status().as_str() == "GRANT_FAILED") {
            let Some(GrantedEntity::Listing(listing)) = failed.granted_entity() else { continue };
            let Ok(entity) =
                ListingRevisionInput::builder().identifier(listing.id()).revision(listing.revision()).build()
            else {
                continue;
            };
            self.datazone
                .create_subscription_grant()
                .domain_identifier(&self.domain_id)
                .set_environment_identifier(failed.environment_id().map(str::to_owned))
                .subscription_target_identifier(failed.subscription_target_id())
                .granted_entity(GrantedEntityInput::Listing(entity))
                .client_token(format!("meshgate-retry-{}", failed.id()))
                .send()
                .await
                .map_err(|e| upstream("CreateSubscriptionGrant", e))?;
            let deleted = self
                .datazone
                .delete_subscription_grant()
                .domain_identifier(&self.domain_id)
                .identifier(failed.id())
                .send()
                .await
                .map_err(|e| upstream("DeleteSubscriptionGrant", e));
            match deleted {
                // Already deleted by someone else's retry: the new grant is what counts.
                Ok(_) => {}
                Err(AppError::Upstream { code, .. }) if code == "ResourceNotFoundException" => {}
                Err(other) => return Err(other),
            }
            retried += 1;
        }
        self.forget_grants();
        Ok(retried)
    }

    /// The grants of one subscription (ListSubscriptionGrants by `subscriptionId`, every page).
    async fn grants_of(
        &self,
        subscription_id: &str,
    ) -> Result<Vec<aws_sdk_datazone::types::SubscriptionGrantSummary>, AppError> {
        self.datazone
            .list_subscription_grants()
            .domain_identifier(&self.domain_id)
            .subscription_id(subscription_id)
            .max_results(50)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(|e| upstream("ListSubscriptionGrants", e))
    }

    /// Every project of the domain with its unit.
    pub async fn all_projects(&self) -> Result<Vec<ProjectPlace>, AppError> {
        let mut pages =
            self.datazone.list_projects().domain_identifier(&self.domain_id).max_results(50).into_paginator().send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| upstream("ListProjects", e))?;
            found.extend(page.items().iter().map(|p| ProjectPlace {
                id: p.id().to_owned(),
                name: p.name().to_owned(),
                unit_id: p.domain_unit_id().map(str::to_owned),
            }));
        }
        Ok(found)
    }

    /// A DataZone user's (userName, display name), for requests made outside the portal.
    pub async fn user_names(&self, id: &str) -> Result<(String, String), AppError> {
        let profile = self
            .datazone
            .get_user_profile()
            .domain_identifier(&self.domain_id)
            .user_identifier(id)
            .send()
            .await
            .map_err(|e| not_found(upstream("GetUserProfile", e), "User"))?;
        let names = match profile.details() {
            Some(aws_sdk_datazone::types::UserProfileDetails::Sso(sso)) => {
                let username = sso.username().unwrap_or(id).to_owned();
                let full = [sso.first_name(), sso.last_name()].into_iter().flatten().collect::<Vec<_>>().join(" ");
                let display = if full.trim().is_empty() { username.clone() } else { full };
                (username, display)
            }
            _ => (id.to_owned(), id.to_owned()),
        };
        Ok(names)
    }
}

fn hit_of(item: &SearchResultItem) -> Option<ListingHit> {
    match item {
        SearchResultItem::AssetListing(a) => Some(ListingHit {
            listing_id: a.listing_id()?.to_owned(),
            asset_id: a.entity_id().unwrap_or_default().to_owned(),
            name: a.name().unwrap_or_default().to_owned(),
            description: a.description().unwrap_or_default().to_owned(),
            asset_type: a.entity_type().unwrap_or_default().to_owned(),
            owner_project_id: a.owning_project_id().unwrap_or_default().to_owned(),
            terms: a.glossary_terms().iter().filter_map(|t| t.name().map(str::to_owned)).collect(),
        }),
        SearchResultItem::DataProductListing(p) => Some(ListingHit {
            listing_id: p.listing_id()?.to_owned(),
            asset_id: p.entity_id().unwrap_or_default().to_owned(),
            name: p.name().unwrap_or_default().to_owned(),
            description: p.description().unwrap_or_default().to_owned(),
            asset_type: PRODUCT_TYPE.to_owned(),
            owner_project_id: p.owning_project_id().unwrap_or_default().to_owned(),
            terms: p.glossary_terms().iter().filter_map(|t| t.name().map(str::to_owned)).collect(),
        }),
        _ => None,
    }
}

/// Whether a DataZone status says the request still waits for a decision.
pub fn is_pending(status: &str) -> bool {
    status == SubscriptionRequestStatus::Pending.as_str()
}
