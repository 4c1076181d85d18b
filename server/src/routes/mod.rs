//! Plain HTTP endpoints beside the Leptos pages (health, readiness) and the browser
//! protections around all of them.

pub mod api;
pub mod audit;
pub mod health;
pub mod reports;
pub mod security;

/// A cell as a spreadsheet should read it: text that Excel, Sheets or LibreOffice would take
/// for a formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a
/// leading `'`, which they show as text. Every CSV export writes its cells through this.
pub(crate) fn spreadsheet_text(value: &str) -> std::borrow::Cow<'_, str> {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{value}"))
    } else {
        std::borrow::Cow::Borrowed(value)
    }
}

/// Writes one CSV row, each cell made safe for spreadsheets (`spreadsheet_text`).
pub(crate) fn write_row<W: std::io::Write, S: AsRef<str>>(
    writer: &mut csv::Writer<W>,
    cells: impl IntoIterator<Item = S>,
) -> csv::Result<()> {
    writer.write_record(cells.into_iter().map(|cell| spreadsheet_text(cell.as_ref()).into_owned()))
}

/// The signed-in platform admin behind a plain route (the CSV exports), or the answer to
/// give anyone else.
pub(crate) async fn signed_in_admin(
    auth: &crate::auth::AuthService,
    session: &tower_sessions::Session,
) -> Result<crate::auth::SignedIn, axum::response::Response> {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    let person = match auth.signed_in(session).await {
        Ok(Some(person)) => person,
        Ok(None) => return Err((StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response()),
        Err(error) => {
            tracing::warn!(%error, "cannot read the session");
            return Err(
                (StatusCode::SERVICE_UNAVAILABLE, "Meshgate can't reach its database right now.").into_response()
            );
        }
    };
    if !auth.caller_of(&person).has(app::model::Role::Admin) {
        return Err((StatusCode::FORBIDDEN, "You don't have permission to do that.").into_response());
    }
    Ok(person)
}

#[cfg(test)]
mod tests {
    use super::spreadsheet_text;

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_are_written_as_text() {
        for formula in ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(spreadsheet_text(formula), format!("'{formula}"));
        }
        for plain in ["alice", "", "{\"n\":1}", "2026-11-30T00:00:00Z", "a=b"] {
            assert_eq!(spreadsheet_text(plain), plain);
        }
    }
}
