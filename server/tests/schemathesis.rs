//! An independent property-based client against `/api/v1`: schemathesis (from PyPI, pinned
//! and installed by `cargo xtask test`, which names its binary in `MESHGATE_SCHEMATHESIS`)
//! reads the portal's own OpenAPI document and calls every operation with inputs it makes
//! from it, valid and invalid, as a token with every scope. Any 5xx, or any answer the
//! document does not allow, fails the test: an undocumented status, content type, header or
//! body, or a call without the token that is not refused.
//!
//! Two checks are left out, on purpose: `positive_data_acceptance` (a schema-valid input
//! must get a 2xx) and `negative_data_rejection` (a schema-invalid one must get a 4xx). The
//! document describes the shape of inputs; the rules the pages apply on top (a required
//! reason, a comment needed to reject, a date written YYYY-MM-DD, an id DataZone does not
//! hold) are answered as 422 problem documents, which every operation declares, so those
//! answers agree with the document rather than contradict it.
//!
//! Its report names a seed; `MESHGATE_SCHEMATHESIS_ARGS="--seed N"` repeats that run (any
//! other `schemathesis run` options may go there too, such as `--max-examples 500`).

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use app::model::TokenScope;
use serde_json::json;
use sqlx::PgPool;
use support::{ok, spawn};

/// Inputs per operation in each phase: about 30 s for the ~20 operations on two cores.
const MAX_EXAMPLES: &str = "100";

/// A run that takes longer than this has hung (a request the portal never answers).
const RUN_LIMIT: Duration = Duration::from_mins(10);

/// The schemathesis binary; a test run without one fails rather than passing untested.
fn schemathesis() -> PathBuf {
    let Some(binary) = std::env::var_os("MESHGATE_SCHEMATHESIS") else {
        panic!(
            "MESHGATE_SCHEMATHESIS is not set: run `cargo xtask test`, which installs schemathesis and sets it, \
             or set it to a schemathesis 4 binary (`python3 -m venv V && V/bin/pip install schemathesis==4.32.5`, \
             then MESHGATE_SCHEMATHESIS=V/bin/schemathesis)"
        )
    };
    let binary = PathBuf::from(binary);
    assert!(binary.is_file(), "MESHGATE_SCHEMATHESIS={} is not a file: run `cargo xtask test`", binary.display());
    binary
}

#[sqlx::test(migrations = "../migrations")]
async fn schemathesis_finds_no_server_error_and_no_answer_the_openapi_document_does_not_allow(pool: PgPool) {
    let binary = schemathesis();
    let app = spawn(pool).await;
    // Alice is a platform admin, which makes her a steward and a team lead as well: with
    // every scope (a scope added later too) her token may call every operation, so the
    // inputs get past the 403s.
    let alice = app.signed_in("alice").await;
    let scopes = TokenScope::ALL.map(TokenScope::name);
    let made = ok(app
        .call_json(&alice, "create_token", &json!({"form": {"name": "schemathesis", "scopes": scopes, "days": 1}}))
        .await)
    .await;
    let secret = made["secret"].as_str().unwrap().to_owned();

    let document = app.url("/api/v1/openapi.json");
    let options = [
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance,negative_data_rejection",
        "--max-examples",
        MAX_EXAMPLES,
        // Every failure of an operation, not only its first: one run lists all there is to fix.
        "--continue-on-failure",
        "--workers",
        "2",
        "--request-timeout",
        "30",
        // Nothing kept between runs: each run starts from its seed alone.
        "--generation-database",
        "none",
        "--no-color",
        "--output-truncate",
        "false",
    ];
    let extra = std::env::var("MESHGATE_SCHEMATHESIS_ARGS").unwrap_or_default();
    let extra: Vec<&str> = extra.split_whitespace().collect();
    eprintln!(
        "running: {} run {document} --header 'Authorization: Bearer mgp_…' {} {}",
        binary.display(),
        options.join(" "),
        extra.join(" ")
    );
    // Any file it writes goes to a directory of its own, not the clone.
    let scratch = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let run = tokio::process::Command::new(&binary)
        .current_dir(scratch.path())
        .arg("run")
        .arg(&document)
        .args(["--header", &format!("Authorization: Bearer {secret}")])
        .args(options)
        .args(&extra)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(RUN_LIMIT, run)
        .await
        .unwrap_or_else(|_| panic!("schemathesis did not finish within {RUN_LIMIT:?}"))
        .unwrap_or_else(|e| panic!("MESHGATE_SCHEMATHESIS={} cannot run: {e}", binary.display()));
    // Its report (schemathesis masks the token in it) is the test's output.
    eprintln!(
        "{}{}\nschemathesis took {:.0} s",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
        started.elapsed().as_secs_f64()
    );
    assert!(
        output.status.success(),
        "schemathesis found a server error or an answer the OpenAPI document does not allow ({}); \
         its report is above",
        output.status
    );
}
