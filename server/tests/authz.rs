//! The authorization matrix: every server function, called by every kind of person, gets
//! the answer the table says. A server function missing from the table fails the test.

mod support;

use sqlx::PgPool;
use support::{browser, spawn};

/// Who calls: anonymous, a team lead, the lead of another project, a data steward and a
/// platform admin (demo users of the emulator's seed).
const PERSONAS: [Option<&str>; 5] = [None, Some("zoe"), Some("trent"), Some("carol"), Some("alice")];

struct Row {
    endpoint: &'static str,
    args: &'static [(&'static str, &'static str)],
    /// The HTTP status each persona gets, in the order of `PERSONAS`.
    expect: [u16; 5],
}

const MATRIX: &[Row] = &[
    Row { endpoint: "who_am_i", args: &[], expect: [200, 200, 200, 200, 200] },
    Row { endpoint: "recent_activity", args: &[("limit", "5")], expect: [401, 200, 200, 200, 200] },
    Row { endpoint: "describe_domain", args: &[], expect: [401, 200, 200, 200, 200] },
];

#[test]
fn every_server_function_has_a_row_in_the_matrix() {
    let registered: Vec<String> = server_fn::axum::server_fn_paths().map(|(path, _)| path.to_owned()).collect();
    assert!(!registered.is_empty());
    for path in &registered {
        let endpoint = path.trim_start_matches("/api/");
        assert!(
            MATRIX.iter().any(|row| row.endpoint == endpoint),
            "server function {path} has no row in the authz matrix"
        );
    }
    for row in MATRIX {
        assert!(registered.iter().any(|p| p.ends_with(row.endpoint)), "{} is not a server function", row.endpoint);
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn every_persona_gets_what_the_matrix_says(pool: PgPool) {
    let app = spawn(pool).await;
    let mut clients = Vec::new();
    for persona in PERSONAS {
        clients.push(match persona {
            Some(username) => app.signed_in(username).await,
            None => browser(),
        });
    }
    let mut wrong = Vec::new();
    for row in MATRIX {
        for ((persona, client), expected) in PERSONAS.iter().zip(&clients).zip(row.expect) {
            let status = app.call(client, row.endpoint, row.args).await.status().as_u16();
            if status != expected {
                wrong.push(format!(
                    "{} as {}: {status}, expected {expected}",
                    row.endpoint,
                    persona.unwrap_or("anonymous")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}
