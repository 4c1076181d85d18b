//! `/healthz` says the process is up; `/readyz` says it can serve: the database answers and
//! every migration this build knows is applied. Load balancers route on the second.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

use crate::state::AppState;
use crate::store;

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let check = tokio::time::timeout(state.database_timeout, store::migrations_applied(&state.pool)).await;
    match check {
        Ok(Ok(true)) => (StatusCode::OK, Json(json!({ "status": "ready", "database": "ok", "migrations": "applied" }))),
        Ok(Ok(false)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "not ready", "database": "ok", "migrations": "pending" })),
        ),
        Ok(Err(error)) => {
            tracing::warn!(%error, "readiness check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "not ready", "database": "unreachable" })))
        }
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, Json(json!({ "status": "not ready", "database": "timeout" }))),
    }
}
