//! Where sign-in may send the browser afterwards: a path of this site, nothing else.

/// Any origin would do: `next` is resolved against it and must stay on it.
const THIS_SITE: &str = "http://trustdesk.invalid/";

/// `next` as a path (and query) of this site, re-serialised, or `/`. Control characters
/// (browsers drop tabs and newlines from a Location, so `/\t/evil.example` becomes
/// `//evil.example`) and backslashes (read as slashes) are refused wherever they are, as is
/// anything that resolves elsewhere, to a `//` path, or back to the sign-in page.
pub(crate) fn safe_next(next: &str) -> String {
    let home = || "/".to_string();
    if !next.starts_with('/') || next.chars().any(|c| c.is_control() || c == '\\') {
        return home();
    }
    let base = url::Url::parse(THIS_SITE).expect("a valid base URL");
    let Ok(resolved) = base.join(next) else {
        return home();
    };
    if resolved.origin() != base.origin() {
        return home();
    }
    let path = resolved.path();
    if path.starts_with("//") || path.starts_with("/login") {
        return home();
    }
    match resolved.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn paths_of_this_site_survive() {
        assert_eq!(safe_next("/audit?page=2"), "/audit?page=2");
        assert_eq!(safe_next("/"), "/");
        assert_eq!(safe_next("/a/../users"), "/users");
        assert_eq!(safe_next("/a b?q=x y"), "/a%20b?q=x%20y");
        assert_eq!(safe_next("/é"), "/%C3%A9");
        assert_eq!(safe_next("/users#top"), "/users", "no fragment");
    }

    #[test]
    fn nothing_else_does() {
        for next in [
            "",
            "users",
            "//evil.example.com",
            "///evil.example.com",
            "/\\evil.example.com",
            "/a\\b",
            "https://evil.example.com",
            "/\t/evil.example.com",
            "/\n/evil.example.com",
            "/\r/evil.example.com",
            "/\u{1}x",
            "/\u{7f}",
            "/\u{85}",
            "/\u{9b}",
            "/.//evil.example.com",
            "/..//evil.example.com",
            "/%2e%2e//evil.example.com",
            "/login",
            "/login?next=/users",
            "/./login",
            "/x/../login",
        ] {
            assert_eq!(safe_next(next), "/", "{next:?}");
        }
    }

    #[test]
    fn what_comes_out_is_a_valid_header_value() {
        for next in ["/ä?ö=ü", "/\"quoted\"", "/<script>", "/a b"] {
            let location = safe_next(next);
            assert!(
                http::HeaderValue::from_str(&location).is_ok(),
                "{next:?} → {location:?}"
            );
        }
    }
}
