//! The overview's activity feed, read from the audit trail.

use app::api::ports::Activity;
use app::model::{ApiError, AuditEntry, AuditLogPage, AuditQuery, AuditRow, Caller, Role};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sqlx::PgPool;

use crate::error::AppError;
use crate::store::{audit, subscriptions};

pub struct AuditTrail {
    pub pool: PgPool,
}

#[async_trait]
impl Activity for AuditTrail {
    async fn recent(&self, limit: u32, actor: Option<&str>) -> Result<Vec<AuditEntry>, ApiError> {
        let events = audit::recent(&self.pool, FOLD_WINDOW, actor).await.map_err(AppError::from)?;
        Ok(fold_runs(events, usize::try_from(limit).unwrap_or(usize::MAX)))
    }

    async fn search(&self, caller: &Caller, query: &AuditQuery) -> Result<AuditLogPage, ApiError> {
        let mut filter = filter_of(query)?;
        if !caller.has(Role::Admin) {
            // Stewards see what happened to the requests they govern.
            let scope = super::subscriptions::scope_of(caller);
            filter.requests = Some(subscriptions::ids_in(&self.pool, &scope).await.map_err(AppError::from)?);
        }
        let mut events = audit::page(&self.pool, &filter, PAGE + 1).await.map_err(AppError::from)?;
        let more = events.len() > usize::try_from(PAGE).unwrap_or(usize::MAX);
        events.truncate(usize::try_from(PAGE).unwrap_or(usize::MAX));
        let next_before = more.then(|| events.last().map(|e| e.id)).flatten();
        let pretty = |doc: Option<serde_json::Value>| doc.and_then(|d| serde_json::to_string_pretty(&d).ok());
        let rows = events
            .into_iter()
            .map(|e| AuditRow {
                before: pretty(e.before),
                after: pretty(e.after),
                entry: entry(audit::Event {
                    id: e.id,
                    created_at: e.created_at,
                    actor: e.actor,
                    action: e.action,
                    target_kind: e.target_kind,
                    target_id: e.target_id,
                    request_id: e.request_id,
                }),
            })
            .collect();
        Ok(AuditLogPage { rows, next_before })
    }
}

/// Rows on one page of the audit log.
const PAGE: i64 = 50;

/// The query's filters checked and turned into the store's: dates are whole UTC days.
pub fn filter_of(query: &AuditQuery) -> Result<audit::Filter, AppError> {
    let text = |v: &str| Some(v.trim().to_owned()).filter(|v| !v.is_empty());
    let day = |field: &'static str, v: &str| -> Result<Option<DateTime<Utc>>, AppError> {
        match text(v) {
            None => Ok(None),
            Some(v) => NaiveDate::parse_from_str(&v, "%Y-%m-%d")
                .map(|d| Some(d.and_time(NaiveTime::MIN).and_utc()))
                .map_err(|_| AppError::invalid(field, "Write dates as YYYY-MM-DD.")),
        }
    };
    let from = day("from", &query.from)?;
    let to = day("to", &query.to)?.map(|d| d + chrono::Duration::days(1));
    if let (Some(from), Some(to)) = (from, to) {
        if from >= to {
            return Err(AppError::invalid("to", "The end date is before the start date."));
        }
    }
    Ok(audit::Filter {
        actor: text(&query.actor),
        action: text(&query.action),
        target: text(&query.target),
        from,
        to,
        before: query.before,
        requests: None,
    })
}

/// An audit event as the UI shows it, its time formatted here.
pub fn entry(e: audit::Event) -> AuditEntry {
    AuditEntry {
        id: e.id,
        at: e.created_at.to_rfc3339(),
        at_text: time_text(e.created_at),
        actor: e.actor,
        action: e.action,
        target_kind: e.target_kind,
        target_id: e.target_id,
        request_id: e.request_id,
        folded: 0,
    }
}

/// Events read to fill the overview: enough that a burst (a sync pass settling hundreds of
/// grants) folds into one row without hiding what people did just before it.
const FOLD_WINDOW: i64 = 500;

/// Newest-first events with each run of the same actor and action folded into its newest
/// event, at most `limit` rows.
fn fold_runs(events: Vec<audit::Event>, limit: usize) -> Vec<AuditEntry> {
    let mut rows: Vec<AuditEntry> = Vec::with_capacity(limit);
    for event in events {
        if let Some(last) = rows.last_mut() {
            if last.actor == event.actor && last.action == event.action {
                last.folded += 1;
                continue;
            }
        }
        if rows.len() == limit {
            break;
        }
        rows.push(entry(event));
    }
    rows
}

/// `YYYY-MM-DD HH:MM UTC`: how the portal writes a time for people.
pub fn time_text(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, actor: &str, action: &str) -> audit::Event {
        audit::Event {
            id,
            created_at: Utc::now(),
            actor: actor.to_owned(),
            action: action.to_owned(),
            target_kind: "subscription_request".to_owned(),
            target_id: format!("r{id}"),
            request_id: None,
        }
    }

    #[test]
    fn a_burst_of_one_kind_folds_into_its_newest_event_and_leaves_room_for_people() {
        let mut events: Vec<_> = (0..9).map(|i| event(100 - i, "DataZone", "subscription.granted")).collect();
        events.push(event(50, "carol", "auth.signed_in"));
        events.push(event(49, "DataZone", "subscription.granted"));
        events.push(event(48, "dave", "subscription.requested"));
        let rows = fold_runs(events, 3);
        let seen: Vec<_> = rows.iter().map(|r| (r.id, r.actor.as_str(), r.folded)).collect();
        assert_eq!(seen, [(100, "DataZone", 8), (50, "carol", 0), (49, "DataZone", 0)]);
    }

    #[test]
    fn the_last_row_counts_its_whole_run_before_stopping() {
        let events = vec![event(3, "erin", "a"), event(2, "erin", "a"), event(1, "frank", "b")];
        let rows = fold_runs(events, 1);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].folded, 1);
    }
}
