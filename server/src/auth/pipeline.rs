//! CI/CD pipelines signed in by the OIDC ID tokens their jobs are given: GitLab CI
//! (`id_tokens:`, claims `project_path`, `ref`, `ref_type`) and GitHub Actions
//! (`permissions: id-token: write`, claims `repository`, `ref`). A token is trusted when its
//! issuer is one an admin bound, its signature checks against the issuer's published keys
//! (`jwks_uri` of `/.well-known/openid-configuration`, kept [`KEYS_TTL`] and read again for
//! an unknown key id), its `aud` is the portal's address and it has not expired.

use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::Value;

use crate::store::tokens::{self, TokenOwner};

/// How long an issuer's keys are reused before they are read again.
pub const KEYS_TTL: Duration = Duration::from_mins(10);
/// The longest ID token accepted, in bytes.
pub const ID_TOKEN_MAX: usize = 8 * 1024;
/// Clock skew allowed on `exp` and `nbf`, in seconds.
const LEEWAY_SECS: u64 = 60;

/// Why an ID token was refused, in words for the pipeline's log.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("{0}")]
    Invalid(String),
    #[error("the portal's database is unavailable")]
    Database(#[from] sqlx::Error),
}

fn invalid(message: impl Into<String>) -> Refusal {
    Refusal::Invalid(message.into())
}

#[derive(Deserialize)]
struct Discovery {
    issuer: String,
    jwks_uri: String,
}

/// The claims read from a verified token; the rest are kept for the audit trail.
#[derive(Deserialize)]
struct Claims {
    /// GitLab.
    project_path: Option<String>,
    /// GitHub.
    repository: Option<String>,
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    /// GitLab: `branch` or `tag` (its `ref` is the short name).
    ref_type: Option<String>,
}

impl Claims {
    /// The full git ref: GitHub sends one; GitLab's short name is completed from `ref_type`.
    fn full_ref(&self) -> Option<String> {
        let name = self.git_ref.as_deref()?;
        if name.starts_with("refs/") {
            return Some(name.to_owned());
        }
        match self.ref_type.as_deref() {
            Some("branch") => Some(format!("refs/heads/{name}")),
            Some("tag") => Some(format!("refs/tags/{name}")),
            _ => None,
        }
    }
}

pub struct PipelineVerifier {
    http: reqwest::Client,
    /// The `aud` every ID token must carry: the portal's address.
    pub audience: String,
    keys: moka::future::Cache<String, Arc<JwkSet>>,
}

impl PipelineVerifier {
    pub fn new(audience: String) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()?;
        let keys = moka::future::Cache::builder().max_capacity(100).time_to_live(KEYS_TTL).build();
        Ok(Self { http, audience: audience.trim_end_matches('/').to_owned(), keys })
    }

    /// Reads `issuer`'s discovery document; an error in words when it cannot be read or
    /// names another issuer.
    pub async fn discover(&self, issuer: &str) -> Result<String, String> {
        let issuer = issuer.trim_end_matches('/');
        let url = format!("{issuer}/.well-known/openid-configuration");
        let response = self.http.get(&url).send().await.map_err(|e| format!("{url} could not be read: {e}"))?;
        if !response.status().is_success() {
            return Err(format!("{url} answered {}", response.status()));
        }
        let document: Discovery =
            response.json().await.map_err(|e| format!("{url} is not an OpenID discovery document: {e}"))?;
        if document.issuer.trim_end_matches('/') != issuer {
            return Err(format!("{url} names the issuer {}, not {issuer}", document.issuer));
        }
        Ok(document.jwks_uri)
    }

    async fn fetch_keys(&self, issuer: &str) -> Result<Arc<JwkSet>, String> {
        let jwks_uri = self.discover(issuer).await?;
        let response = self.http.get(&jwks_uri).send().await.map_err(|e| format!("{jwks_uri}: {e}"))?;
        let keys: JwkSet = response.json().await.map_err(|e| format!("{jwks_uri} is not a key set: {e}"))?;
        Ok(Arc::new(keys))
    }

    /// The issuer's key `kid`: from the cache, or read again once when the cache lacks it
    /// (the issuer rotated its keys).
    async fn key(&self, issuer: &str, kid: &str) -> Result<DecodingKey, Refusal> {
        let mut refreshed = false;
        loop {
            let keys = self
                .keys
                .try_get_with(issuer.to_owned(), self.fetch_keys(issuer))
                .await
                .map_err(|e| invalid(format!("the issuer's keys could not be read: {e}")))?;
            if let Some(jwk) = keys.find(kid) {
                return DecodingKey::from_jwk(jwk).map_err(|e| invalid(format!("the issuer's key {kid}: {e}")));
            }
            if refreshed {
                return Err(invalid(format!("the issuer publishes no key {kid}")));
            }
            self.keys.invalidate(issuer).await;
            refreshed = true;
        }
    }

    /// The caller an ID token acts as; the claims kept for the audit trail come with it.
    pub async fn verify(&self, pool: &sqlx::PgPool, id_token: &str) -> Result<(TokenOwner, Value), Refusal> {
        if id_token.len() > ID_TOKEN_MAX {
            return Err(invalid("the ID token is too long"));
        }
        let header = jsonwebtoken::decode_header(id_token).map_err(|e| invalid(format!("not a JWT: {e}")))?;
        // Only the issuers' own signatures: a shared-secret algorithm would let anyone who
        // read a public key sign.
        if matches!(header.alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
            return Err(invalid("ID tokens signed with a shared secret are not accepted"));
        }
        let kid = header.kid.ok_or_else(|| invalid("the ID token names no key (kid)"))?;
        // The issuer is read before the signature is checked only to pick the keys; nothing
        // else is trusted until then.
        let unverified: Value =
            jsonwebtoken::dangerous::insecure_decode(id_token).map(|t| t.claims).map_err(|e| invalid(e.to_string()))?;
        let issuer = unverified["iss"].as_str().ok_or_else(|| invalid("the ID token has no issuer (iss)"))?;
        if !tokens::issuer_is_bound(pool, issuer).await? {
            return Err(invalid(format!("no pipeline is bound to the issuer {issuer}")));
        }
        let key = self.key(issuer, &kid).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = LEEWAY_SECS;
        let data = jsonwebtoken::decode::<Value>(id_token, &key, &validation)
            .map_err(|e| invalid(format!("the ID token was refused: {e}")))?;
        let claims: Claims = serde_json::from_value(data.claims.clone()).map_err(|e| invalid(e.to_string()))?;
        let repository = claims
            .project_path
            .as_deref()
            .or(claims.repository.as_deref())
            .ok_or_else(|| invalid("the ID token names no project_path or repository"))?;
        let git_ref = claims.full_ref().ok_or_else(|| invalid("the ID token names no git ref"))?;
        let Some(owner) = tokens::pipeline_caller(pool, issuer, repository, &git_ref).await? else {
            return Err(invalid(format!("no pipeline is bound to {repository} at {git_ref}")));
        };
        // What the audit trail keeps of the job: who ran what, where.
        let keep = ["sub", "project_path", "repository", "ref", "pipeline_id", "job_id", "run_id", "workflow", "actor"];
        let job: serde_json::Map<String, Value> =
            keep.iter().filter_map(|k| data.claims.get(*k).map(|v| ((*k).to_owned(), v.clone()))).collect();
        Ok((owner, Value::Object(job)))
    }
}
