//! The OpenID Connect relying party: discovery (cached, refreshed so key rotation at the
//! IdP is picked up), the authorization request with PKCE, state and nonce, the code
//! exchange, ID-token validation, and RP-initiated logout.

use std::sync::Arc;
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType, CoreGenderClaim, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm, CoreRevocableToken, CoreRevocationErrorResponse,
    CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EmptyExtraTokenFields, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IdTokenClaims, IssuerUrl, LogoutRequest, Nonce, PkceCodeChallenge, PkceCodeVerifier,
    PostLogoutRedirectUrl, ProviderMetadataWithLogout, RedirectUrl, Scope, StandardErrorResponse,
    StandardTokenResponse, TokenResponse as _,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;

use super::session::PendingSignIn;
use crate::config::Config;

/// Claims beyond the standard ones (the groups claim, or a custom username claim).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExtraClaims {
    #[serde(flatten)]
    rest: serde_json::Map<String, serde_json::Value>,
}
impl AdditionalClaims for ExtraClaims {}

type IdTokenFields = openidconnect::IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;
type TokenResponse = StandardTokenResponse<IdTokenFields, CoreTokenType>;
type Client = openidconnect::Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    TokenResponse,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in did not complete; the code is what the sign-in page explains.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the identity provider cannot be reached: {0}")]
    Unavailable(String),
    #[error("the sign-in response does not belong to a sign-in started here")]
    State,
    #[error("the identity provider refused: {0}")]
    Refused(String),
    #[error("the ID token is not valid: {0}")]
    Token(String),
}

impl SignInError {
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unavailable(_) => "unavailable",
            Self::State => "state",
            Self::Refused(_) => "refused",
            Self::Token(_) => "token",
        }
    }
}

/// The person an ID token names.
pub struct Person {
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    pub groups: Vec<String>,
    pub id_token: String,
}

const DISCOVERY_TTL: Duration = Duration::from_mins(10);

pub struct Oidc {
    issuer: String,
    client_id: ClientId,
    client_secret: ClientSecret,
    redirect: RedirectUrl,
    post_logout: PostLogoutRedirectUrl,
    scopes: Vec<String>,
    username_claim: String,
    email_claim: String,
    match_email: bool,
    groups_claim: String,
    http: reqwest::Client,
    discovered: RwLock<Option<(Instant, Arc<Discovered>)>>,
}

struct Discovered {
    client: Client,
    end_session: Option<openidconnect::EndSessionUrl>,
}

impl Oidc {
    pub fn new(config: &Config, base_url: &str) -> anyhow::Result<Self> {
        Ok(Self {
            issuer: config.oidc_issuer_url.clone(),
            client_id: ClientId::new(config.oidc_client_id.clone()),
            client_secret: ClientSecret::new(config.oidc_client_secret.expose_secret().to_owned()),
            redirect: RedirectUrl::new(format!("{base_url}/auth/callback"))?,
            post_logout: PostLogoutRedirectUrl::new(format!("{base_url}/signed-out"))?,
            scopes: config.oidc_scopes.split_whitespace().filter(|s| *s != "openid").map(str::to_owned).collect(),
            username_claim: config.oidc_username_claim.clone(),
            email_claim: config.oidc_email_claim.clone(),
            match_email: config.oidc_match_email,
            groups_claim: config.oidc_groups_claim.clone(),
            // The token endpoint must not be followed through redirects (SSRF guard).
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()?,
            discovered: RwLock::new(None),
        })
    }

    /// The issuer's metadata and keys, discovered on first use and again every ten
    /// minutes, so the portal starts while the IdP is away and follows key rotation.
    async fn discovered(&self) -> Result<Arc<Discovered>, SignInError> {
        if let Some((at, found)) = self.discovered.read().await.as_ref() {
            if at.elapsed() < DISCOVERY_TTL {
                return Ok(found.clone());
            }
        }
        let issuer = IssuerUrl::new(self.issuer.clone()).map_err(|e| SignInError::Unavailable(e.to_string()))?;
        let metadata = ProviderMetadataWithLogout::discover_async(issuer, &self.http)
            .await
            .map_err(|e| SignInError::Unavailable(openidconnect::DiscoveryError::to_string(&e)))?;
        let end_session = metadata.additional_metadata().end_session_endpoint.clone();
        let client = Client::from_provider_metadata(metadata, self.client_id.clone(), Some(self.client_secret.clone()))
            .set_redirect_uri(self.redirect.clone());
        let found = Arc::new(Discovered { client, end_session });
        *self.discovered.write().await = Some((Instant::now(), found.clone()));
        Ok(found)
    }

    /// The IdP's authorization URL for a new sign-in, and what to remember until it returns.
    pub async fn begin(&self, next: String) -> Result<(String, PendingSignIn), SignInError> {
        let discovered = self.discovered().await?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = discovered
            .client
            .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
            .set_pkce_challenge(challenge);
        for scope in &self.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        let pending = PendingSignIn {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            next,
        };
        Ok((url.to_string(), pending))
    }

    /// Exchanges the code (with the PKCE verifier) and validates the ID token: signature,
    /// issuer, audience, expiry and the nonce of this sign-in.
    pub async fn finish(&self, pending: &PendingSignIn, code: String) -> Result<Person, SignInError> {
        let discovered = self.discovered().await?;
        let token = discovered
            .client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|e| SignInError::Unavailable(e.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pending.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|e| SignInError::Refused(token_error(&e)))?;
        let id_token = token.id_token().ok_or_else(|| SignInError::Token("no ID token in the response".into()))?;
        let claims = id_token
            .claims(&discovered.client.id_token_verifier(), &Nonce::new(pending.nonce.clone()))
            .map_err(|e| SignInError::Token(e.to_string()))?;
        let username = Self::claim(claims, &self.username_claim)
            .ok_or_else(|| SignInError::Token(format!("the ID token has no {} claim", self.username_claim)))?;
        let extra = &claims.additional_claims().rest;
        let groups = token_groups(extra.get(&self.groups_claim));
        if groups.is_empty() {
            // Entra ID leaves the claim out past 200 groups and names it in _claim_names.
            let overage = extra.get("_claim_names").and_then(|names| names.get(&self.groups_claim)).is_some();
            tracing::info!(
                username = %username,
                reason = if overage { "too many groups for the token (overage)" } else { "no groups claim" },
                "the ID token names no groups; roles come from Identity Center's groups"
            );
        }
        Ok(Person {
            display_name: claims.name().and_then(|n| n.get(None)).map_or_else(|| username.clone(), |n| n.to_string()),
            // Matched against Identity Center only when allowed and the IdP vouches for it:
            // an unverified address could be anyone's, a colleague's included.
            email: (self.match_email && claims.email_verified() == Some(true))
                .then(|| Self::claim(claims, &self.email_claim))
                .flatten(),
            username,
            groups,
            id_token: id_token.to_string(),
        })
    }

    /// A claim by name, standard or not.
    fn claim(claims: &IdTokenClaims<ExtraClaims, CoreGenderClaim>, name: &str) -> Option<String> {
        let standard = match name {
            "sub" => Some(claims.subject().to_string()),
            "preferred_username" => claims.preferred_username().map(|u| u.to_string()),
            "email" => claims.email().map(|e| e.to_string()),
            _ => None,
        };
        standard.or_else(|| claims.additional_claims().rest.get(name).and_then(|v| v.as_str()).map(str::to_owned))
    }

    /// Where to send the browser to end the IdP session too, when the IdP supports it.
    pub async fn end_session_url(&self, id_token: &str) -> Option<String> {
        let discovered = self.discovered().await.ok()?;
        let endpoint = discovered.end_session.clone()?;
        let mut request = LogoutRequest::from(endpoint)
            .set_client_id(self.client_id.clone())
            .set_post_logout_redirect_uri(self.post_logout.clone());
        if let Ok(token) = id_token.parse::<openidconnect::IdToken<
            ExtraClaims,
            CoreGenderClaim,
            CoreJweContentEncryptionAlgorithm,
            CoreJwsSigningAlgorithm,
        >>() {
            request = request.set_id_token_hint(&token);
        }
        Some(request.http_get_url().to_string())
    }
}

/// The group names a groups claim carries, in the shapes IdPs send: an array of names, one
/// name as a plain string, and Keycloak's full paths (`/parent/team` is `team`, the group's
/// own name as Identity Center's SCIM copy knows it). Empty when the claim is absent.
pub fn token_groups(claim: Option<&serde_json::Value>) -> Vec<String> {
    let name = |value: &serde_json::Value| {
        let text = value.as_str()?.trim();
        let own = text.rsplit('/').next().unwrap_or(text).trim();
        (!own.is_empty()).then(|| own.to_owned())
    };
    match claim {
        Some(serde_json::Value::Array(values)) => values.iter().filter_map(name).collect(),
        Some(value) => name(value).into_iter().collect(),
        None => Vec::new(),
    }
}

/// The IdP's own words for a refused exchange (e.g. `invalid_grant` for a used code),
/// without the code or secrets.
fn token_error<E: std::error::Error>(error: &E) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text = format!("{text}: {inner}");
        source = inner.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::token_groups;

    #[test]
    fn group_claims_are_read_in_every_shape_idps_send() {
        assert_eq!(token_groups(Some(&json!(["admins", "stewards"]))), ["admins", "stewards"]);
        assert_eq!(token_groups(Some(&json!("admins"))), ["admins"], "one group as a string");
        assert_eq!(token_groups(Some(&json!(["/admins", "/org/stewards"]))), ["admins", "stewards"], "Keycloak paths");
        assert!(token_groups(None).is_empty(), "absent (Entra's overage)");
        assert!(token_groups(Some(&json!([1, null, "", "/"]))).is_empty());
    }
}
