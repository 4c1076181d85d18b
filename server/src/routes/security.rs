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
}

impl Policy {
    pub fn new(idp_origin: &str) -> Self {
        Self {
            template: format!(
                "default-src 'self'; script-src 'self' 'nonce-{{nonce}}' 'wasm-unsafe-eval'; style-src 'self'; \
                 img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
                 form-action 'self' {idp_origin}; frame-ancestors 'none'"
            ),
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
