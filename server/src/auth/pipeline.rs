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
/// An unknown `kid` reads an issuer's keys again at most this often, and a failed read is
/// not retried sooner: callers cannot make the portal fetch on every request.
pub const REFRESH_MIN: Duration = Duration::from_mins(1);
/// The largest discovery document or key set read, in bytes.
const DOCUMENT_MAX: usize = 64 * 1024;
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
    /// The full git ref: GitHub sends one; GitLab sends a short name and `ref_type`, and its
    /// short name is always completed from it (a branch named `refs/tags/v1` is a branch).
    fn full_ref(&self) -> Option<String> {
        let name = self.git_ref.as_deref()?;
        match self.ref_type.as_deref() {
            Some("branch") => Some(format!("refs/heads/{name}")),
            Some("tag") => Some(format!("refs/tags/{name}")),
            Some(_) => None,
            None => name.starts_with("refs/").then(|| name.to_owned()),
        }
    }
}

pub struct PipelineVerifier {
    http: reqwest::Client,
    /// The `aud` every ID token must carry: the portal's address.
    pub audience: String,
    keys: moka::future::Cache<String, Arc<JwkSet>>,
    /// Issuers whose keys were read (or failed to be read) within [`REFRESH_MIN`].
    recently_read: moka::future::Cache<String, ()>,
}

/// An issuer's address without trailing slashes: the one form bindings and caches use.
pub fn normal_issuer(issuer: &str) -> &str {
    issuer.trim().trim_end_matches('/')
}

/// Whether `url` is https, or plain http on this machine's loopback (a local test issuer).
pub fn acceptable_issuer_url(url: &str) -> bool {
    let Ok(url) = url::Url::parse(url) else { return false };
    match url.scheme() {
        "https" => url.host().is_some(),
        "http" => matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]")),
        _ => false,
    }
}

/// A JSON document of at most [`DOCUMENT_MAX`] bytes.
async fn small_json<T: serde::de::DeserializeOwned>(mut response: reqwest::Response, url: &str) -> Result<T, String> {
    if !response.status().is_success() {
        return Err(format!("{url} answered {}", response.status()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| format!("{url}: {e}"))? {
        body.extend_from_slice(&chunk);
        if body.len() > DOCUMENT_MAX {
            return Err(format!("{url} sent more than {DOCUMENT_MAX} bytes"));
        }
    }
    serde_json::from_slice(&body).map_err(|e| format!("{url} is not the JSON expected: {e}"))
}

impl PipelineVerifier {
    pub fn new(audience: String) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(10))
            .build()?;
        let keys = moka::future::Cache::builder().max_capacity(100).time_to_live(KEYS_TTL).build();
        let recently_read = moka::future::Cache::builder().max_capacity(100).time_to_live(REFRESH_MIN).build();
        Ok(Self { http, audience: audience.trim_end_matches('/').to_owned(), keys, recently_read })
    }

    /// Reads `issuer`'s discovery document; an error in words when it cannot be read, names
    /// another issuer, or keeps its keys on another origin or over plain http.
    pub async fn discover(&self, issuer: &str) -> Result<String, String> {
        let issuer = normal_issuer(issuer);
        if !acceptable_issuer_url(issuer) {
            return Err(format!("{issuer} is not an https address"));
        }
        let url = format!("{issuer}/.well-known/openid-configuration");
        let response = self.http.get(&url).send().await.map_err(|e| format!("{url} could not be read: {e}"))?;
        let document: Discovery = small_json(response, &url).await?;
        if normal_issuer(&document.issuer) != issuer {
            return Err(format!("{url} names the issuer {}, not {issuer}", document.issuer));
        }
        let same_origin = |a: &str, b: &str| matches!((url::Url::parse(a), url::Url::parse(b)), (Ok(a), Ok(b)) if a.origin() == b.origin());
        if !same_origin(&document.jwks_uri, issuer) {
            return Err(format!("{url} keeps its keys at {}, not on the issuer's own address", document.jwks_uri));
        }
        Ok(document.jwks_uri)
    }

    async fn fetch_keys(&self, issuer: &str) -> Result<Arc<JwkSet>, String> {
        self.recently_read.insert(issuer.to_owned(), ()).await;
        let jwks_uri = self.discover(issuer).await?;
        let response = self.http.get(&jwks_uri).send().await.map_err(|e| format!("{jwks_uri}: {e}"))?;
        Ok(Arc::new(small_json(response, &jwks_uri).await?))
    }

    /// The issuer's key `kid`: from the cache, or read again when the cache lacks it (the
    /// issuer rotated its keys), at most once per [`REFRESH_MIN`]. Why a read failed is
    /// logged, not told to the caller.
    async fn key(&self, issuer: &str, kid: &str) -> Result<DecodingKey, Refusal> {
        let unreadable = |error: String| {
            tracing::warn!(issuer, %error, "a pipeline issuer's keys could not be read");
            invalid("the issuer's keys could not be read")
        };
        if !self.keys.contains_key(issuer) && self.recently_read.contains_key(issuer) {
            return Err(invalid("the issuer's keys could not be read; try again in a minute"));
        }
        let keys = self
            .keys
            .try_get_with(issuer.to_owned(), self.fetch_keys(issuer))
            .await
            .map_err(|e| unreadable(e.to_string()))?;
        let jwk = match keys.find(kid) {
            Some(jwk) => jwk.clone(),
            None if !self.recently_read.contains_key(issuer) => {
                self.keys.invalidate(issuer).await;
                let keys = self
                    .keys
                    .try_get_with(issuer.to_owned(), self.fetch_keys(issuer))
                    .await
                    .map_err(|e| unreadable(e.to_string()))?;
                keys.find(kid).cloned().ok_or_else(|| invalid(format!("the issuer publishes no key {kid}")))?
            }
            None => return Err(invalid(format!("the issuer publishes no key {kid}"))),
        };
        DecodingKey::from_jwk(&jwk).map_err(|e| invalid(format!("the issuer's key {kid}: {e}")))
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
        let claimed = unverified["iss"].as_str().ok_or_else(|| invalid("the ID token has no issuer (iss)"))?;
        let issuer = normal_issuer(claimed);
        if !tokens::issuer_is_bound(pool, issuer).await? {
            return Err(invalid(format!("no pipeline is bound to the issuer {issuer}")));
        }
        let key = self.key(issuer, &kid).await?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[claimed]);
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
