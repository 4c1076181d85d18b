//! `GET /audit/export.csv`: the filtered audit log as CSV, streamed from the database as it
//! is read, so an export of millions of rows never sits in memory. Platform admins only.

use std::sync::Arc;

use app::model::AuditQuery;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use serde_json::json;
use sqlx::PgPool;
use tower_sessions::Session;

use crate::auth::AuthService;
use crate::error::request_id;
use crate::services::activity::filter_of;
use crate::store::audit;

/// Rows per chunk sent to the browser.
const CHUNK: usize = 500;

pub async fn export(
    State(auth): State<Arc<AuthService>>,
    State(pool): State<PgPool>,
    session: Session,
    headers: HeaderMap,
    Query(query): Query<AuditQuery>,
) -> Response {
    let person = match super::signed_in_admin(&auth, &session).await {
        Ok(person) => person,
        Err(refused) => return refused,
    };
    let filter = match filter_of(&query) {
        Ok(filter) => filter,
        Err(error) => return (StatusCode::UNPROCESSABLE_ENTITY, error.to_string()).into_response(),
    };
    let filters: serde_json::Map<String, serde_json::Value> =
        query.pairs().into_iter().map(|(k, v)| (k.to_owned(), json!(v))).collect();
    let recorded = audit::record(
        &pool,
        &audit::NewEvent {
            actor: &person.username,
            action: "audit.exported",
            target_kind: "audit_log",
            target_id: "csv",
            before: None,
            after: Some(json!({ "filters": filters })),
            request_id: request_id(&headers),
        },
    )
    .await;
    if let Err(error) = recorded {
        tracing::warn!(%error, "cannot record the export");
        return (StatusCode::SERVICE_UNAVAILABLE, "Meshgate can't reach its database right now.").into_response();
    }

    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(4);
    tokio::spawn(async move {
        if let Err(error) = stream_csv(&pool, &filter, &tx).await {
            tracing::warn!(%error, "audit export cut short");
            let _ = tx.send(Err(std::io::Error::other("the export was cut short"))).await;
        }
    });
    // Fused: the compression layer may poll once more after the end.
    let body =
        futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|chunk| (chunk, rx)) }).fuse();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "attachment; filename=\"meshgate-audit.csv\""),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

/// Reads the filtered events row by row and sends them as CSV chunks; stops early when the
/// browser has gone away.
async fn stream_csv(
    pool: &PgPool,
    filter: &audit::Filter,
    tx: &tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let new_writer = || csv::Writer::from_writer(Vec::new());
    let mut writer = new_writer();
    super::write_row(
        &mut writer,
        ["id", "time", "actor", "action", "target_kind", "target_id", "request_id", "before", "after"],
    )?;
    let mut conn = pool.acquire().await?;
    let mut query = audit::filtered(filter);
    let mut rows = query.build_query_as::<audit::FullEvent>().fetch(&mut *conn);
    let mut count = 0;
    while let Some(e) = rows.try_next().await? {
        let doc = |d: Option<serde_json::Value>| d.map(|d| d.to_string()).unwrap_or_default();
        super::write_row(
            &mut writer,
            [
                e.id.to_string(),
                e.created_at.to_rfc3339(),
                e.actor,
                e.action,
                e.target_kind,
                e.target_id,
                e.request_id.unwrap_or_default(),
                doc(e.before),
                doc(e.after),
            ],
        )?;
        count += 1;
        if count % CHUNK == 0 {
            let chunk = std::mem::replace(&mut writer, new_writer()).into_inner().map_err(|e| e.to_string())?;
            if tx.send(Ok(Bytes::from(chunk))).await.is_err() {
                return Ok(());
            }
        }
    }
    let rest = writer.into_inner().map_err(|e| e.to_string())?;
    let _ = tx.send(Ok(Bytes::from(rest))).await;
    Ok(())
}
