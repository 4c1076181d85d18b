//! A JWT issuer on a free local port, published the way GitLab and GitHub publish theirs (a
//! discovery document and a key set), signing the ID tokens CI jobs are given; and GitHub
//! Actions' ID-token endpoint (`ACTIONS_ID_TOKEN_REQUEST_URL`) for a job of `repository`.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::Query;
use axum::routing::get;
use axum::{Json, Router};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

/// A key made for these tests only; it signs nothing anywhere else.
const KEY: &str = include_str!("issuer_key.pem");
const KID: &str = "test-key-1";

pub struct Issuer {
    pub url: String,
    key: EncodingKey,
}

pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn sign(key: &EncodingKey, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KID.to_owned());
    jsonwebtoken::encode(&header, claims, key).unwrap()
}

/// Serves the discovery document, the keys, and `/github-token?audience=…`, which answers
/// `{"value": <ID token>}` for a GitHub Actions job of `data/churn-radar` on main.
pub async fn start() -> Issuer {
    let key = EncodingKey::from_rsa_pem(KEY.as_bytes()).unwrap();
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).unwrap();
    jwk.common.key_id = Some(KID.to_owned());
    let keys = JwkSet { keys: vec![jwk] };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let discovery = json!({ "issuer": url, "jwks_uri": format!("{url}/keys") });
    let issuer = url.clone();
    let signing = EncodingKey::from_rsa_pem(KEY.as_bytes()).unwrap();
    let github = move |Query(q): Query<std::collections::HashMap<String, String>>| {
        let claims = json!({
            "iss": issuer, "aud": q.get("audience").cloned().unwrap_or_default(),
            "iat": now(), "nbf": now(), "exp": now() + 300,
            "sub": "repo:data/churn-radar:ref:refs/heads/main", "repository": "data/churn-radar",
            "ref": "refs/heads/main", "run_id": "77",
        });
        let value = sign(&signing, &claims);
        async move { Json(json!({ "value": value })) }
    };
    let router = Router::new()
        .route("/.well-known/openid-configuration", get(move || async move { Json(discovery) }))
        .route("/keys", get(move || async move { Json(keys) }))
        .route("/github-token", get(github));
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    Issuer { url, key }
}

impl Issuer {
    /// The ID token a GitLab CI job of `project_path` on branch `branch` is given, for
    /// `audience`, with `changes` laid over its claims.
    pub fn gitlab_job(&self, audience: &str, project_path: &str, branch: &str, changes: Value) -> String {
        let mut claims = json!({
            "iss": self.url, "aud": audience, "iat": now(), "nbf": now(), "exp": now() + 300,
            "sub": format!("project_path:{project_path}:ref_type:branch:ref:{branch}"),
            "project_path": project_path, "ref": branch, "ref_type": "branch",
            "pipeline_id": "4711", "job_id": "90210", "namespace_path": "data",
        });
        for (k, v) in changes.as_object().unwrap() {
            claims[k] = v.clone();
        }
        sign(&self.key, &claims)
    }
}
