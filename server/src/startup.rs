//! Builds the portal (pool, migrations, router, listener) and runs it until asked to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::OnceLock;

use app::{shell, App};
use axum::http::{HeaderName, Request};
use axum::routing::get;
use axum::Router;
use axum_prometheus::metrics_exporter_prometheus::PrometheusHandle;
use axum_prometheus::{EndpointLabel, PrometheusMetricLayer, PrometheusMetricLayerBuilder};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::aws::Aws;
use crate::config::Config;
use crate::routes::health;
use crate::state::AppState;
use crate::{services, store};

pub const REQUEST_ID_HEADER: &str = "x-request-id";

pub struct Application {
    listener: TcpListener,
    router: Router,
    pool: PgPool,
}

impl Application {
    /// Connects to the database, applies migrations and binds the listener.
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let pool = store::connect(&config).await.map_err(|e| {
            anyhow::anyhow!(
                "cannot reach the database at {}: {e}",
                config.database_location()
            )
        })?;
        store::migrate(&pool).await?;
        Self::build_with_pool(config, pool).await
    }

    /// Connects to AWS and binds the listener around an existing, migrated pool.
    pub async fn build_with_pool(config: Config, pool: PgPool) -> anyhow::Result<Self> {
        let aws = Aws::connect(&config).await.map_err(|e| {
            anyhow::anyhow!("cannot use the DataZone domain {}: {e}", config.aws_domain)
        })?;
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.listen))?;
        let leptos_options = LeptosOptions::builder()
            .output_name("meshgate")
            .site_root(config.site_root.to_string_lossy().into_owned())
            .site_pkg_dir("pkg")
            .site_addr(listener.local_addr()?)
            .build();
        let state = AppState {
            leptos_options,
            pool: pool.clone(),
            services: services::build(&pool, &aws),
            database_timeout: config.database_timeout(),
        };
        Ok(Self {
            listener,
            router: router(state),
            pool,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown)
            .await?;
        self.pool.close().await;
        Ok(())
    }
}

fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let services = state.services.clone();
    let options = state.leptos_options.clone();
    let request_id = HeaderName::from_static(REQUEST_ID_HEADER);
    let (metrics_layer, metrics) = metrics();

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(move || std::future::ready(metrics.render())))
        .leptos_routes_with_context(
            &state,
            routes,
            move || provide_context(services.clone()),
            move || shell(options.clone()),
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(|request: &Request<_>| {
                    let id = request.headers().get(REQUEST_ID_HEADER).and_then(|v| v.to_str().ok()).unwrap_or("-");
                    tracing::info_span!("request", request_id = %id, method = %request.method(), path = %request.uri().path())
                }))
                .layer(PropagateRequestIdLayer::new(request_id))
                .layer(metrics_layer)
                .layer(CompressionLayer::new()),
        )
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
    let handle = HANDLE
        .get_or_init(|| builder().with_default_metrics().build_pair().1)
        .clone();
    (builder().build(), handle)
}
