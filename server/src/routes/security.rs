//! Browser-facing protections: the Content-Security-Policy (with the per-page nonce Leptos
//! puts on its hydration script), framing and referrer rules, and refusing state-changing
//! requests that come from another site.

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The policy every page gets; `{nonce}` is filled per page. `form-action` lists the IdP
/// because signing out posts a form whose answer redirects there.
#[derive(Clone)]
pub struct Policy {
    template: String,
    /// Browsers are told to use https only (HSTS): the portal's public URL is https.
    pub https_only: bool,
}

impl Policy {
    pub fn new(idp_origin: &str) -> Self {
        Self {
            template: format!(
                "default-src 'self'; script-src 'self' 'nonce-{{nonce}}' 'wasm-unsafe-eval'; style-src 'self'; \
                 img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
                 form-action 'self' {idp_origin}; frame-ancestors 'none'"
            ),
            https_only: false,
        }
    }

    pub fn for_nonce(&self, nonce: &str) -> String {
        self.template.replace("{nonce}", nonce)
    }

    /// For responses that are not pages (no inline script may run at all).
    pub fn without_scripts(&self) -> String {
        self.template.replace(" 'nonce-{nonce}'", "")
    }
}

/// The origin (scheme://host[:port]) of a URL, as browsers send it in `Origin`.
pub fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    format!("{scheme}://{authority}")
}

/// Security headers on every response; a page's own CSP (set while rendering, with its
/// nonce) is kept, anything else gets the script-free policy.
pub async fn headers(State(policy): State<Policy>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(value) = HeaderValue::from_str(&policy.without_scripts()) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    if policy.https_only {
        headers
            .insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    response
}

/// Lets a request through to `/metrics` only with `Authorization: Bearer <token>`, when a
/// token is configured (an empty one leaves the endpoint open, for a private network).
pub async fn metrics_access(State(token): State<std::sync::Arc<str>>, request: Request, next: Next) -> Response {
    if token.is_empty() || request.uri().path() != "/metrics" {
        return next.run(request).await;
    }
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    // Compared in time independent of where the first difference is.
    let same = given.len() == token.len() && given.bytes().zip(token.bytes()).fold(0, |acc, (a, b)| acc | (a ^ b)) == 0;
    if same {
        next.run(request).await
    } else {
        (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")], "A metrics token is required.")
            .into_response()
    }
}

/// The longest request id a client may hand us (a load balancer's trace id fits).
const REQUEST_ID_MAX: usize = 64;

/// Keeps a request id the client sent only when it is a short token (at most 64 of
/// `A–Z a–z 0–9 . _ -`), so logs and audit rows can be matched with the caller's; anything
/// else is dropped and a fresh id is made for the request. Nothing unbounded a client sends
/// reaches the logs or the audit trail this way.
pub async fn client_request_id(mut request: Request, next: Next) -> Response {
    let header = crate::startup::REQUEST_ID_HEADER;
    let acceptable = |id: &[u8]| {
        !id.is_empty()
            && id.len() <= REQUEST_ID_MAX
            && id.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    };
    if request.headers().get(header).is_some_and(|id| !acceptable(id.as_bytes())) {
        request.headers_mut().remove(header);
    }
    next.run(request).await
}

/// The files of `public/` (kept, but checked for changes like unhashed site files).
const PUBLIC_FILES: &[&str] = &["/favicon.svg", "/robots.txt"];

/// How long browsers keep what they get: the site's files (`/pkg/`: JS, wasm, CSS) for good
/// when their names carry content hashes (a new build has new names), otherwise asking each
/// time whether they changed; pages, exports and API answers (people's data) not at all,
/// unless the route said otherwise.
pub async fn asset_caching(State(hashed): State<bool>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let (is_asset, is_public_file) = (path.starts_with("/pkg/"), PUBLIC_FILES.contains(&path));
    let mut response = next.run(request).await;
    let policy = match (is_asset, hashed) {
        (true, true) if response.status().is_success() => "public, max-age=31536000, immutable",
        _ if is_asset || is_public_file => "no-cache",
        _ => "no-store",
    };
    response.headers_mut().entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static(policy));
    response
}

/// Refuses a state-changing request another site made a browser send: `Sec-Fetch-Site`
/// when the browser sends it, else `Origin` compared with this site. Requests carrying
/// neither (command-line clients) hold no browser cookies an attacker could borrow.
pub async fn same_origin(State(base_origin): State<String>, request: Request, next: Next) -> Response {
    if matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(request).await;
    }
    let headers = request.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let allowed = match (text("sec-fetch-site"), text("origin")) {
        (Some(site), _) => site == "same-origin" || site == "none",
        (None, Some(origin)) => {
            origin == base_origin
                || text("host").is_some_and(|host| origin.split_once("://").is_some_and(|(_, a)| a == host))
        }
        (None, None) => true,
    };
    if allowed {
        next.run(request).await
    } else {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "refused a cross-site request");
        (StatusCode::FORBIDDEN, "Cross-site requests are not allowed.").into_response()
    }
}
