//! Builds the portal (pool, migrations, router, listener) and runs it until asked to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use app::{shell, App};
use axum::http::{header, HeaderName, HeaderValue, Request};
use axum::middleware;
use axum::routing::get;
use axum::Router;
use axum_prometheus::metrics_exporter_prometheus::PrometheusHandle;
use axum_prometheus::{EndpointLabel, PrometheusMetricLayer, PrometheusMetricLayerBuilder};
use leptos::config::LeptosOptions;
use leptos::nonce::use_nonce;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes, ResponseOptions};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::time::Duration as SessionDuration;
use tower_sessions::cookie::SameSite;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::auth::{self, AuthService};
use crate::aws::Aws;
use crate::config::Config;
use crate::jobs::Jobs;
use crate::routes::security::{self, origin_of, Policy};
use crate::routes::{api, audit, health, reports};
use crate::state::AppState;
use crate::{services, store};
use secrecy::ExposeSecret;

pub const REQUEST_ID_HEADER: &str = "x-request-id";

/// The largest request body the portal reads, in bytes (a bulk decision of 500 ids, a
/// project request with a hundred members fit with room to spare).
pub const REQUEST_BODY_MAX: usize = 256 * 1024;

pub struct Application {
    listener: TcpListener,
    router: Router,
    pool: PgPool,
    sessions: PostgresStore,
    jobs: Jobs,
}

/// Browser-protection settings the router needs.
struct Web {
    policy: Policy,
    origin: String,
    /// Bearer token `/metrics` asks for; empty for none.
    metrics_token: Arc<str>,
}

fn session_store(pool: &PgPool) -> PostgresStore {
    PostgresStore::new(pool.clone())
        .with_schema_name("public")
        .and_then(|store| store.with_table_name("sessions"))
        .expect("valid identifiers")
}

impl Application {
    /// Connects to the database, applies migrations and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = store::connect(&config)
            .await
            .map_err(|e| anyhow::anyhow!("cannot reach the database at {}: {e}", config.database_location()))?;
        store::migrate(&pool).await?;
        Self::build_with_pool(config, pool).await
    }

    /// Connects to AWS and binds the listener around an existing, migrated pool.
    pub async fn build_with_pool(config: Config, pool: PgPool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        Box::pin(Self::build_on(config, pool, listener)).await
    }

    /// Connects to AWS around an existing, migrated pool and serves on `listener` (already
    /// bound, so a caller that needs the address first never races another process for the
    /// port); `config.listen` is not used.
    pub async fn build_on(config: Config, pool: PgPool, listener: TcpListener) -> anyhow::Result<Self> {
        let aws = Aws::connect(&config)
            .await
            .map_err(|e| anyhow::anyhow!("cannot use the DataZone domain {}: {e}", config.aws_domain))?;
        let leptos_options = LeptosOptions::builder()
            .output_name("meshgate")
            .hash_files(site_files_hashed())
            .site_root(config.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(listener.local_addr()?)
            .build();
        let base_url = config.public_base(listener.local_addr()?);
        let auth = AuthService::new(&config, base_url.clone(), aws.clone(), pool.clone())?;
        let jobs = Jobs::new(&config, &pool, &aws, &base_url)?;
        let state = AppState {
            leptos_options,
            pool: pool.clone(),
            services: services::build(&config, &pool, &aws, &auth, &jobs),
            auth,
            database_timeout: config.database_timeout(),
        };
        let sessions = session_store(&pool);
        let session_layer = SessionManagerLayer::new(sessions.clone())
            // __Host-: the browser keeps it for this host and path / only, over https.
            .with_name(if config.session_secure_cookie { "__Host-meshgate_session" } else { "meshgate_session" })
            .with_secure(config.session_secure_cookie)
            .with_http_only(true)
            .with_same_site(SameSite::Lax)
            .with_expiry(Expiry::OnInactivity(SessionDuration::minutes(i64::from(config.session_idle_minutes))));
        let mut policy = Policy::new(&origin_of(&config.oidc_issuer_url));
        policy.https_only = base_url.starts_with("https://");
        let metrics_token: Arc<str> = config.metrics_token.expose_secret().into();
        let web = Web { policy, origin: origin_of(&base_url), metrics_token };
        Ok(Self { listener, router: router(state, web).layer(session_layer), pool, sessions, jobs })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        // Every replica sweeps expired sessions; deleting them twice is harmless.
        let sweeper = tokio::spawn(self.sessions.continuously_delete_expired(Duration::from_mins(5)));
        let stop_jobs = CancellationToken::new();
        let workers = self.jobs.start(stop_jobs.clone());
        let served = axum::serve(self.listener, self.router).with_graceful_shutdown(shutdown).await;
        stop_jobs.cancel();
        if tokio::time::timeout(Duration::from_secs(10), workers).await.is_err() {
            tracing::warn!("background jobs still running at shutdown; another replica will take them over");
        }
        sweeper.abort();
        self.pool.close().await;
        served
    }
}

/// The pages of the app, found once per process. Finding them renders the app with every
/// resource load held back by a process-wide flag (Leptos's `SuppressResourceLoad`): a page
/// rendering on another thread meanwhile would wait forever for its data. A second portal
/// in one process (as the tests build) must never find them again.
pub fn route_list() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

fn router(state: AppState, web: Web) -> Router {
    let routes = route_list();
    let services = state.services.clone();
    let options = state.leptos_options.clone();
    let options_hashed = state.leptos_options.hash_files;
    let policy = web.policy.clone();
    // Runs for every page and server function: hands them the services, and gives each
    // page a CSP naming the nonce Leptos put on its hydration script.
    let context = move || {
        provide_context(services.clone());
        if let (Some(nonce), Some(response)) = (use_nonce(), use_context::<ResponseOptions>()) {
            if let Ok(value) = HeaderValue::from_str(&policy.for_nonce(nonce.as_inner())) {
                response.insert_header(header::CONTENT_SECURITY_POLICY, value);
            }
        }
    };
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let (metrics_layer, metrics) = metrics();

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(move || std::future::ready(metrics.render())))
        .route("/audit/export.csv", get(audit::export))
        .route("/reports/access.csv", get(reports::access_csv))
        .merge(auth::routes::router())
        .nest("/api/v1", api::router(state.clone()))
        .leptos_routes_with_context(&state, routes, context.clone(), move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(context, shell))
        .with_state(state)
        // No request body (a server function's arguments, a form) over this reaches a
        // handler: 413 instead. Each field has its own, smaller cap on top.
        .layer(RequestBodyLimitLayer::new(REQUEST_BODY_MAX))
        .layer(middleware::from_fn_with_state(web.origin, security::same_origin))
        .layer(middleware::from_fn_with_state(web.metrics_token, security::metrics_access))
        .layer(middleware::from_fn_with_state(web.policy, security::headers))
        .layer(middleware::from_fn_with_state(options_hashed, security::asset_caching))
        .layer(
            ServiceBuilder::new()
                .layer(middleware::from_fn(security::client_request_id))
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                    let id = crate::error::request_id(request.headers()).unwrap_or("-");
                    tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
                }))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(metrics_layer)
                .layer(CompressionLayer::new()),
        )
}

/// Whether the site's files carry content hashes in their names: cargo-leptos then writes
/// `hash.txt` (the hashes) beside the server binary, where Leptos reads it.
fn site_files_hashed() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .is_some_and(|p| p.is_file())
}

/// The Prometheus recorder is process-global, so it is installed once and shared by every
/// router built in this process; each router gets its own layer feeding it.
fn metrics() -> (PrometheusMetricLayer<'static>, PrometheusHandle) {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    let builder = || {
        PrometheusMetricLayerBuilder::new()
            .with_prefix("meshgate")
            .with_ignore_patterns(&["/metrics", "/healthz"])
            .with_endpoint_label_type(EndpointLabel::MatchedPathWithFallbackFn(|path| {
                if path.starts_with("/pkg/") {
                    "/pkg/{file}".to_owned()
                } else {
                    "unmatched".to_owned()
                }
            }))
    };
    let handle = HANDLE.get_or_init(|| builder().with_default_metrics().build_pair().1).clone();
    (builder().build(), handle)
}
