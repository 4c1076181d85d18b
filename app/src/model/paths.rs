//! Where sign-in may send a person afterwards: one rule for the server's redirect and the
//! sign-in page's links.

/// Accepts only a path on this site as a place to return to, so sign-in cannot be used to
/// send people elsewhere. `next` is read the way a browser reads a `Location` (the WHATWG
/// URL parser: tabs and newlines dropped, `\` as `/`), and kept only when it stays on this
/// origin and outside `/auth/`; what is returned is that parsed path and query, so the
/// browser follows exactly what was checked. Anything else returns to `/`.
pub fn local_path(next: Option<&str>) -> String {
    const HERE: &str = "http://meshgate.invalid/";
    let base = url::Url::parse(HERE).expect("a valid base URL");
    let Some(next) = next.filter(|n| n.starts_with(['/', '\\'])) else { return "/".to_owned() };
    match base.join(next) {
        Ok(url) if url.origin() == base.origin() && !url.path().starts_with("/auth/") => {
            url.query().map_or_else(|| url.path().to_owned(), |query| format!("{}?{query}", url.path()))
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn sign_in_returns_only_to_paths_on_this_site() {
        for (next, expected) in [
            ("/catalog?q=churn", "/catalog?q=churn"),
            ("/inbox", "/inbox"),
            ("/%09/evil.example", "/%09/evil.example"),
            ("/a/../b", "/b"),
        ] {
            assert_eq!(local_path(Some(next)), expected, "{next:?}");
        }
        for next in [
            "//evil.example",
            "/\t/evil.example",
            "/\r/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "\\\\evil.example",
            "/\t\\evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
            "evil.example",
            "/auth/login?next=//evil.example",
            "",
        ] {
            assert_eq!(local_path(Some(next)), "/", "{next:?}");
        }
        assert_eq!(local_path(None), "/");
    }
}
