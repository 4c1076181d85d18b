//! `GET /reports/access.csv?by=asset|project|person&value=…`: an access report as CSV, the
//! same rows the report page shows. Platform admins only; the export is audited.

use std::sync::Arc;

use app::model::AccessQuery;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sqlx::PgPool;
use tower_sessions::Session;

use crate::auth::AuthService;
use crate::error::{request_id, AppError};
use crate::services::reports::ReportService;
use crate::store::audit;

pub async fn access_csv(
    State(auth): State<Arc<AuthService>>,
    State(pool): State<PgPool>,
    session: Session,
    headers: HeaderMap,
    Query(query): Query<AccessQuery>,
) -> Response {
    let person = match super::signed_in_admin(&auth, &session).await {
        Ok(person) => person,
        Err(refused) => return refused,
    };
    let reports = ReportService { pool: pool.clone(), aws: auth.aws.clone() };
    let report = match reports.access_rows(&query).await {
        Ok(report) => report,
        Err(AppError::Invalid { message, .. }) => return (StatusCode::UNPROCESSABLE_ENTITY, message).into_response(),
        Err(AppError::NotFound(what)) => {
            return (StatusCode::NOT_FOUND, format!("{what} was not found.")).into_response()
        }
        Err(error) => {
            tracing::warn!(%error, "access report failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "The report could not be made right now.").into_response();
        }
    };
    let event = audit::NewEvent {
        actor: &person.username,
        action: "report.exported",
        target_kind: "access_report",
        target_id: &query.by,
        before: None,
        after: Some(json!({ "by": query.by, "value": query.value, "rows": report.rows.len() })),
        request_id: request_id(&headers),
    };
    if let Err(error) = audit::record(&pool, &event).await {
        tracing::warn!(%error, "cannot record the export");
        return (StatusCode::SERVICE_UNAVAILABLE, "Meshgate can't reach its database right now.").into_response();
    }
    match to_csv(&report.rows) {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"meshgate-access.csv\""),
            ],
            body,
        )
            .into_response(),
        Err(error) => {
            tracing::warn!(%error, "access report not written");
            (StatusCode::INTERNAL_SERVER_ERROR, "The report could not be written.").into_response()
        }
    }
}

fn to_csv(rows: &[app::model::AccessRow]) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    super::write_row(
        &mut writer,
        [
            "request_id",
            "asset",
            "owner_project",
            "project",
            "status",
            "subscription",
            "since",
            "until",
            "decided_by",
            "requested_by",
            "grants",
        ],
    )?;
    for r in rows {
        super::write_row(
            &mut writer,
            [
                r.request_id.as_str(),
                &r.asset_name,
                &r.owner_project,
                &r.project_name,
                &r.status,
                r.subscription.as_deref().unwrap_or_default(),
                r.since.as_deref().unwrap_or_default(),
                r.expires_at.as_deref().unwrap_or_default(),
                r.decided_by.as_deref().unwrap_or_default(),
                &r.requester,
                r.grants.as_deref().unwrap_or_default(),
            ],
        )?;
    }
    Ok(writer.into_inner().map_err(|e| e.to_string())?)
}

#[cfg(test)]
mod tests {
    use app::model::AccessRow;

    #[test]
    fn the_access_export_writes_formula_like_names_as_text() {
        let row = AccessRow {
            request_id: "r1".into(),
            asset_name: "+cmd|' /C calc'!A0".into(),
            owner_project: "Sales".into(),
            project_name: "@SUM(1+1)".into(),
            status: "ACCEPTED".into(),
            requester: r#"=HYPERLINK("https://evil.example","Dave")"#.into(),
            ..AccessRow::default()
        };
        let csv = super::to_csv(&[row]).unwrap();
        let mut reader = csv::Reader::from_reader(csv.as_slice());
        let record = reader.records().next().unwrap().unwrap();
        assert_eq!(&record[1], "'+cmd|' /C calc'!A0");
        assert_eq!(&record[3], "'@SUM(1+1)");
        assert_eq!(&record[9], r#"'=HYPERLINK("https://evil.example","Dave")"#);
        assert_eq!(&record[4], "ACCEPTED", "ordinary cells are left as they are");
    }
}
