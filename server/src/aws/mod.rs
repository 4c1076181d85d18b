//! AWS access: SDK clients built once from configuration, and the ports the services use.
//! SDK types stop here; the rest of the server sees plain data and [`AppError`].

pub mod assets;
mod directory;
mod domain;
mod glossary;
pub mod products;
mod projects;
pub mod subscriptions;
mod units;

use std::hash::Hash;
use std::sync::Arc;
use std::time::Duration;

use aws_config::sts::AssumeRoleProvider;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_datazone::error::{ProvideErrorMetadata, SdkError};
use futures_util::future::BoxFuture;

pub use directory::{Contact, Identity};
pub use projects::{ProfileGrant, ProfileInfo, ProjectListing, ProjectState, UnitInfo, UnitNode};
pub use units::Grantee;

use crate::config::Config;
use crate::error::AppError;

/// The SDK clients and the resolved domain, shared by every request.
#[derive(Clone)]
pub struct Aws {
    pub datazone: aws_sdk_datazone::Client,
    pub identitystore: aws_sdk_identitystore::Client,
    pub sso_admin: aws_sdk_ssoadmin::Client,
    /// The queue DataZone's EventBridge events arrive on (`events_queue_url`).
    pub sqs: aws_sdk_sqs::Client,
    pub domain_id: String,
    pub region: String,
    identity_store_id: Arc<tokio::sync::OnceCell<String>>,
    /// The domain's root unit never changes; looked up once.
    root_unit_id: Arc<tokio::sync::OnceCell<String>>,
    caches: ReadCaches,
}

/// DataZone reads that page views share for a short, stated time, so that steady browsing
/// costs near zero DataZone calls. One moka cache per read; however many people miss one
/// key at once, DataZone is asked once. `None` when the setting is 0.
#[derive(Clone)]
struct ReadCaches {
    /// ListProjects by one principal, (`true` for a group, its id) → projects, for
    /// `membership_cache_seconds`: one entry serves everyone in a group.
    projects: Option<Cache<(bool, String), Vec<ProjectListing>>>,
    /// SearchListings by the whole query → one page of hits, for `read_cache_seconds`.
    searches: Option<Cache<String, subscriptions::ListingsPage>>,
    /// GetListing by listing id, for `read_cache_seconds`.
    listings: Option<Cache<String, subscriptions::Listing>>,
    /// ListSubscriptionGrants by subscriber project (all listings), for
    /// `read_cache_seconds`; the portal's own grant retries and revokes clear it.
    grants: Option<Cache<String, Vec<subscriptions::SubscriptionGrant>>>,
    /// Search of glossary terms by text, for `read_cache_seconds` (the portal does not
    /// write the glossary).
    terms: Option<Cache<String, Vec<app::model::TermSummary>>>,
    /// GetDomain, for five minutes: a domain's name and portal address rarely change.
    domain: Option<Cache<(), app::model::DomainInfo>>,
}

type Cache<K, V> = moka::future::Cache<K, Arc<V>>;

fn cache<K: Hash + Eq + Send + Sync + 'static, V: Send + Sync + 'static>(seconds: u64) -> Option<Cache<K, V>> {
    (seconds > 0)
        .then(|| moka::future::Cache::builder().max_capacity(10_000).time_to_live(Duration::from_secs(seconds)).build())
}

/// `read`'s answer from `cache` while it holds one, else read (once for all who ask at the
/// same moment) and kept; errors are never kept. The read comes boxed: SDK calls make
/// large futures.
async fn cached<K, V>(
    cache: Option<&Cache<K, V>>,
    key: K,
    read: BoxFuture<'_, Result<V, AppError>>,
) -> Result<Arc<V>, AppError>
where
    K: Hash + Eq + Send + Sync + 'static,
    V: Send + Sync + 'static,
{
    match cache {
        None => read.await.map(Arc::new),
        Some(cache) => {
            cache.try_get_with(key, async { read.await.map(Arc::new) }).await.map_err(|e| e.as_ref().shared())
        }
    }
}

impl Aws {
    /// Loads credentials and region the SDK's usual way, applies the endpoint override and
    /// role from configuration, and resolves a domain given by name to its id.
    pub async fn connect(config: &Config) -> Result<Self, AppError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if !config.aws_region.is_empty() {
            loader = loader.region(Region::new(config.aws_region.clone()));
        }
        if !config.aws_endpoint_url.is_empty() {
            loader = loader.endpoint_url(&config.aws_endpoint_url);
        }
        let mut sdk = loader.load().await;
        if !config.aws_role_arn.is_empty() {
            let role = AssumeRoleProvider::builder(&config.aws_role_arn)
                .session_name("meshgate")
                .configure(&sdk)
                .build()
                .await;
            sdk = sdk
                .into_builder()
                .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(role))
                .build();
        }
        let region = sdk.region().map(ToString::to_string).unwrap_or_default();
        let datazone = aws_sdk_datazone::Client::new(&sdk);
        let identitystore = aws_sdk_identitystore::Client::new(&sdk);
        let sso_admin = aws_sdk_ssoadmin::Client::new(&sdk);
        let sqs = aws_sdk_sqs::Client::new(&sdk);
        let domain_id = domain::resolve(&datazone, &config.aws_domain).await?;
        let endpoint = if config.aws_endpoint_url.is_empty() { "AWS" } else { config.aws_endpoint_url.as_str() };
        tracing::info!(%endpoint, %region, domain = %domain_id, "AWS endpoint in use");
        Ok(Self {
            datazone,
            identitystore,
            sso_admin,
            sqs,
            domain_id,
            region,
            identity_store_id: Arc::default(),
            root_unit_id: Arc::default(),
            caches: ReadCaches {
                projects: cache(config.membership_cache_seconds),
                searches: cache(config.read_cache_seconds),
                listings: cache(config.read_cache_seconds),
                grants: cache(config.read_cache_seconds),
                terms: cache(config.read_cache_seconds),
                domain: cache(300),
            },
        })
    }
}

/// DataZone's ResourceNotFoundException as the portal's `NotFound(what)`; other failures
/// as they are.
pub fn not_found(error: AppError, what: &str) -> AppError {
    match error {
        AppError::Upstream { code, .. } if code == "ResourceNotFoundException" => AppError::NotFound(what.into()),
        other => other,
    }
}

/// An SDK failure as the server reports it: throttling and 5xx are worth retrying.
pub fn upstream<E: ProvideErrorMetadata + std::error::Error + 'static>(
    operation: &'static str,
    error: SdkError<E>,
) -> AppError {
    let retryable = match &error {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
        SdkError::ServiceError(e) => e.raw().status().is_server_error() || e.raw().status().as_u16() == 429,
        _ => false,
    };
    // The SDK refuses to build a call with an input it can tell is wrong (an empty
    // identifier), as DataZone would with a ValidationException.
    let code = match &error {
        SdkError::ConstructionFailure(_) => "ValidationException",
        _ => error.code().unwrap_or("unknown"),
    }
    .to_owned();
    let detail = aws_sdk_datazone::error::DisplayErrorContext(&error).to_string();
    AppError::Upstream { operation, code, retryable, detail }
}
