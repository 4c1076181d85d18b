//! Meshgate's emulator: a local, in-memory, wire-compatible stand-in for DataZone, Identity
//! Store, sso-admin and SQS.
//!
//! One listener serves all four APIs plus the `/_emulator/*` control routes. Start it
//! in-process with [`spawn`] (tests) or [`serve`] (binaries), or mount [`router`] yourself.
//! With [`EmulatorConfig::events_queue`] set, the DataZone events the emulated domain emits
//! reach that SQS queue, as through an EventBridge rule on the default bus.

mod datazone;
mod dispatch;
mod events;
pub mod faults;
mod forms;
mod identitystore;
mod ids;
pub mod seed;
mod sqs;
mod ssoadmin;
mod state;
mod wire;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

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
use crate::sqs::Sqs;
use crate::state::State;

/// How to start an emulator: the mesh it holds, the faults in force from the start and
/// where DataZone's events go.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    pub seed: Seed,
    pub faults: Faults,
    /// The SQS queue that receives every event the emulated DataZone puts on the default
    /// EventBridge bus (detail-types "Subscription Request Created", ...), as a rule with
    /// that queue as target would. The emulator creates it at start, with a dead-letter
    /// queue `NAME-dlq` that gets a message after 5 receives. `None`: no events are sent.
    pub events_queue: Option<String>,
}

impl Default for EmulatorConfig {
    /// The demo mesh, a 3 s deployment delay, quotas on, no injected faults and no events queue.
    fn default() -> Self {
        Self { seed: Seed::demo(), faults: Faults::default(), events_queue: None }
    }
}

/// Why an emulator cannot start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Seed(#[from] SeedError),
    #[error("invalid events queue: {0}")]
    EventsQueue(String),
}

/// How often timed transitions (grants completing after the deployment delay) are looked
/// for when an events queue is set, so that their events do not wait for the next call.
const EVENT_TICK: Duration = Duration::from_millis(100);

/// Who EventBridge says sent the messages it delivers to a queue target: the SQS API
/// reference leaves a service sender's SenderId unspecified.
const EVENTBRIDGE_SENDER: &str = "events.amazonaws.com";

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
    sqs: Sqs,
    events_queue: Option<String>,
}

/// Locks a mutex even if a panicking thread poisoned it: every critical section leaves the
/// data consistent before it could panic, and a stand-in must keep serving.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Emulator {
    pub fn new(config: EmulatorConfig) -> Result<Self, StartError> {
        let state = config.seed.build()?;
        let sqs = Sqs::new(&state.directory.account_id, &state.directory.region);
        let emulator = Self {
            inner: Arc::new(Inner {
                seed: config.seed,
                state: Mutex::new(state),
                faults: Mutex::new(config.faults),
                quotas: Mutex::new(Quotas::default()),
                calls: Mutex::new(BTreeMap::new()),
                sqs,
                events_queue: config.events_queue,
            }),
        };
        emulator.create_events_queues().map_err(StartError::EventsQueue)?;
        Ok(emulator)
    }

    /// Creates the events queue and its dead-letter queue `NAME-dlq`, with the redrive
    /// policy `{"deadLetterTargetArn": <dlq arn>, "maxReceiveCount": 5}`.
    fn create_events_queues(&self) -> Result<(), String> {
        let Some(name) = &self.inner.events_queue else {
            return Ok(());
        };
        let dlq = format!("{name}{}", events::DLQ_SUFFIX);
        self.inner.sqs.create_with_dead_letter_queue(name, &dlq, events::EVENTS_MAX_RECEIVE_COUNT)
    }

    /// The SQS queue DataZone's events are sent to, if any.
    pub fn events_queue(&self) -> Option<&str> {
        self.inner.events_queue.as_deref()
    }

    /// Hands the events waiting in the state's outbox to the events queue, or drops them
    /// when there is none. Called with the state locked, so delivery follows their order.
    fn publish(&self, state: &mut State) {
        let events = std::mem::take(&mut state.events);
        let Some(queue) = &self.inner.events_queue else {
            return;
        };
        for event in events {
            self.inner.sqs.deliver(queue, event.envelope().to_string(), EVENTBRIDGE_SENDER);
        }
    }

    /// Announces what time has done (grants completing or failing) without waiting for a call.
    async fn announce_timed_events(self) {
        let mut ticks = tokio::time::interval(EVENT_TICK);
        loop {
            ticks.tick().await;
            let mut state = lock(&self.inner.state);
            state.advance(chrono::Utc::now());
            self.publish(&mut state);
        }
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

    /// Clears the call counts and, with `state`, puts the mesh back to the seed and SQS back
    /// to its start: only the events queues, empty.
    pub fn reset(&self, state: bool) {
        lock(&self.inner.calls).clear();
        if state {
            match self.inner.seed.build() {
                Ok(fresh) => *lock(&self.inner.state) = fresh,
                // The seed built once in `new`, and building is deterministic.
                Err(err) => tracing::error!(%err, "the seed no longer builds"),
            }
            lock(&self.inner.quotas).clear();
            self.inner.sqs.clear();
            if let Err(err) = self.create_events_queues() {
                // The same names were accepted in `new`.
                tracing::error!(%err, "the events queues cannot be created again");
            }
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

/// The whole HTTP surface: the four AWS APIs and the `/_emulator/*` control routes.
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

/// Serves an emulator built with [`Emulator::new`] on `listener`; with an events queue it
/// also announces timed transitions as they happen.
pub async fn serve_emulator(listener: TcpListener, emulator: Emulator) -> std::io::Result<()> {
    let server = axum::serve(listener, router(emulator.clone()));
    if emulator.events_queue().is_none() {
        return server.await;
    }
    tokio::select! {
        result = server => result,
        () = emulator.announce_timed_events() => Ok(()),
    }
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
