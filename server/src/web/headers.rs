//! The security headers: a content security policy whose scripts must carry the page's nonce,
//! no caching of pages and server-function answers, HSTS behind https.

use axum::http::{header, HeaderMap, HeaderValue};
use leptos::nonce::Nonce;

/// Every directive but `script-src` and `form-action`, the same for every response.
const POLICY_REST: &str = "style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
     connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'";

/// What static files and anything else without a page get: no inline script at all.
pub const STATIC_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
     frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'";

/// Two years, the preload lists' minimum.
pub const HSTS: &str = "max-age=63072000; includeSubDomains";

/// The nonce of one response: rendered into its inline scripts (hydration's bootstrap, the
/// resources' data) and named by its policy, so that no other inline script runs.
#[derive(Clone)]
pub struct PageNonce(pub Nonce);

impl PageNonce {
    pub fn fresh() -> Self {
        Self(Nonce::new())
    }
}

/// Makes the request's nonce the one Leptos renders with (it would otherwise make its own,
/// which the response's policy could not name).
pub fn provide_request_nonce() {
    use leptos::prelude::{provide_context, use_context};
    if let Some(nonce) = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageNonce>().cloned())
    {
        provide_context(nonce.0);
    }
}

/// `sign_out_at`: the identity provider's origins, which the sign-out form's answer sends the
/// browser on to (a form's redirects are held to `form-action` too).
fn page_policy(nonce: &Nonce, sign_out_at: &str) -> String {
    let form_action = if sign_out_at.is_empty() {
        "form-action 'self'".to_string()
    } else {
        format!("form-action 'self' {sign_out_at}")
    };
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; {form_action}; {POLICY_REST}"
    )
}

/// Pages and server functions: their own policy and no caching, unless the handler chose.
pub fn decorate(headers: &mut HeaderMap, nonce: &PageNonce, sign_out_at: &str) {
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce.0, sign_out_at)) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    // A page or an answer may hold what only this user may see (a secret shown once, above
    // all): no cache, shared or the browser's, keeps it.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// The session cookie's name: with the `__Host-` prefix over https (Secure, Path=/, no Domain),
/// so that no other host, a sibling subdomain say, can set or shadow it.
pub fn session_cookie_name(https: bool) -> &'static str {
    if https {
        "__Host-trustdesk_session"
    } else {
        "trustdesk_session"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_names_the_nonce_and_allows_no_other_inline_script() {
        let nonce = Nonce::from_value("abc123");
        let script_src = |policy: &str| {
            policy
                .split(';')
                .map(str::trim)
                .find(|d| d.starts_with("script-src"))
                .unwrap()
                .to_string()
        };
        assert_eq!(
            script_src(&page_policy(&nonce, "")),
            "script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval'"
        );
        assert_eq!(
            script_src(STATIC_POLICY),
            "script-src 'self' 'wasm-unsafe-eval'"
        );
    }

    #[test]
    fn forms_post_to_this_site_and_sign_out_reaches_the_identity_provider() {
        let nonce = Nonce::from_value("abc123");
        let form_action = |policy: &str| {
            policy
                .split(';')
                .map(str::trim)
                .find(|d| d.starts_with("form-action"))
                .unwrap()
                .to_string()
        };
        assert_eq!(form_action(&page_policy(&nonce, "")), "form-action 'self'");
        assert_eq!(
            form_action(&page_policy(&nonce, "https://idp.example.com")),
            "form-action 'self' https://idp.example.com"
        );
    }
}
