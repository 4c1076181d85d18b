//! Meshgate's emulator: a local, in-memory, wire-compatible stand-in for DataZone, Identity Store and sso-admin.
//!
//! One listener serves all three APIs plus the `/_emulator/*` control routes. Start it
//! in-process with [`spawn`] (tests) or [`serve`] (binaries), or mount [`router`] yourself.

mod datazone;
mod dispatch;
pub mod faults;
mod forms;
mod identitystore;
mod ids;
pub mod seed;
mod ssoadmin;
mod state;
mod wire;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use serde_json::json;
use tokio::net::TcpListener;

pub use faults::{Faults, FaultsPatch};
pub use seed::{Seed, SeedError};

use crate::faults::Quotas;
use crate::state::State;

/// How to start an emulator: the mesh it holds and the faults in force from the start.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    pub seed: Seed,
    pub faults: Faults,
}

impl Default for EmulatorConfig {
    /// The demo mesh, a 3 s deployment delay, quotas on and no injected faults.
    fn default() -> Self {
        Self { seed: Seed::demo(), faults: Faults::default() }
    }
}

/// A running emulator's shared state; cheap to clone, every clone is the same emulator.
#[derive(Clone)]
pub struct Emulator {
    inner: Arc<Inner>,
}

struct Inner {
    seed: Seed,
    state: Mutex<State>,
    faults: Mutex<Faults>,
    quotas: Mutex<Quotas>,
    calls: Mutex<BTreeMap<&'static str, u64>>,
}

/// Locks a mutex even if a panicking thread poisoned it: every critical section leaves the
/// data consistent before it could panic, and a stand-in must keep serving.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Emulator {
    pub fn new(config: EmulatorConfig) -> Result<Self, SeedError> {
        let state = config.seed.build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                seed: config.seed,
                state: Mutex::new(state),
                faults: Mutex::new(config.faults),
                quotas: Mutex::new(Quotas::default()),
                calls: Mutex::new(BTreeMap::new()),
            }),
        })
    }

    pub fn faults(&self) -> Faults {
        lock(&self.inner.faults).clone()
    }

    /// Changes some fault settings and returns all of them, or says why the patch was refused.
    pub fn set_faults(&self, patch: FaultsPatch) -> Result<Faults, String> {
        let mut faults = lock(&self.inner.faults);
        faults.apply(patch)?;
        if !faults.quotas {
            lock(&self.inner.quotas).clear();
        }
        Ok(faults.clone())
    }

    /// Calls per operation name since the last reset.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        lock(&self.inner.calls).iter().map(|(op, n)| ((*op).to_owned(), *n)).collect()
    }

    /// Clears the call counts and, with `state`, puts the mesh back to the seed.
    pub fn reset(&self, state: bool) {
        lock(&self.inner.calls).clear();
        if state {
            match self.inner.seed.build() {
                Ok(fresh) => *lock(&self.inner.state) = fresh,
                // The seed built once in `new`, and building is deterministic.
                Err(err) => tracing::error!(%err, "the seed no longer builds"),
            }
            lock(&self.inner.quotas).clear();
        }
    }

    /// The identity store id of the emulated Identity Center instance.
    pub fn identity_store_id(&self) -> String {
        lock(&self.inner.state).directory.identity_store_id.clone()
    }

    /// The id of the first domain in the seed (the demo's `enterprise-data-mesh`).
    pub fn domain_id(&self) -> String {
        lock(&self.inner.state).domains.first().map(|d| d.id.clone()).unwrap_or_default()
    }

    fn count(&self, operation: &'static str) {
        *lock(&self.inner.calls).entry(operation).or_insert(0) += 1;
    }

    fn take_quota(&self, operation: &'static str, now: Instant) -> bool {
        if !lock(&self.inner.faults).quotas {
            return true;
        }
        lock(&self.inner.quotas).try_take(operation, now)
    }
}

/// The whole HTTP surface: the three AWS APIs and the `/_emulator/*` control routes.
pub fn router(emulator: Emulator) -> Router {
    Router::new()
        .route("/_emulator/faults", get(get_faults).post(post_faults))
        .route("/_emulator/calls", get(get_calls))
        .route("/_emulator/reset", post(post_reset))
        .fallback(dispatch::aws)
        .with_state(emulator)
}

async fn get_faults(AxumState(emulator): AxumState<Emulator>) -> Response {
    axum::Json(emulator.faults()).into_response()
}

async fn post_faults(AxumState(emulator): AxumState<Emulator>, body: axum::body::Bytes) -> Response {
    let patch: FaultsPatch = match serde_json::from_slice(&body) {
        Ok(patch) => patch,
        Err(err) => return control_error(&err.to_string()),
    };
    match emulator.set_faults(patch) {
        Ok(faults) => axum::Json(faults).into_response(),
        Err(message) => control_error(&message),
    }
}

async fn get_calls(AxumState(emulator): AxumState<Emulator>) -> Response {
    axum::Json(emulator.calls()).into_response()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    #[serde(default)]
    state: bool,
}

async fn post_reset(AxumState(emulator): AxumState<Emulator>, body: axum::body::Bytes) -> Response {
    let request: ResetRequest = if body.is_empty() {
        ResetRequest { state: false }
    } else {
        match serde_json::from_slice(&body) {
            Ok(request) => request,
            Err(err) => return control_error(&err.to_string()),
        }
    };
    emulator.reset(request.state);
    axum::Json(json!({"reset": true, "state": request.state})).into_response()
}

fn control_error(message: &str) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(json!({ "message": message }))).into_response()
}

/// Serves the emulator on `listener` until the task is dropped or the process ends.
pub async fn serve(listener: TcpListener, config: EmulatorConfig) -> std::io::Result<()> {
    let emulator = Emulator::new(config).map_err(std::io::Error::other)?;
    serve_emulator(listener, emulator).await
}

async fn serve_emulator(listener: TcpListener, emulator: Emulator) -> std::io::Result<()> {
    axum::serve(listener, router(emulator)).await
}

/// An emulator running on a background task; dropping it stops the server.
pub struct RunningEmulator {
    pub addr: SocketAddr,
    pub emulator: Emulator,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl RunningEmulator {
    /// The `endpoint_url` to give the SDK clients, e.g. `http://127.0.0.1:40123`.
    pub fn endpoint_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for RunningEmulator {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Binds `127.0.0.1:0` and serves the emulator on a background task of the current runtime.
pub async fn spawn(config: EmulatorConfig) -> std::io::Result<RunningEmulator> {
    let emulator = Emulator::new(config).map_err(std::io::Error::other)?;
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(serve_emulator(listener, emulator.clone()));
    Ok(RunningEmulator { addr, emulator, task })
}
