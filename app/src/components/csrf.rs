//! The session's CSRF token, readable without a `<Suspense/>`.
//!
//! Every form needs the token, and reading one shared resource from many Suspense boundaries
//! can stall server rendering (leptos-rs/leptos#4578, #4851). So the token is read where it
//! already is: on the server, from the request (the server's middleware puts it there); in the
//! browser, from the `<meta name="csrf-token">` the server rendered. A sign-in rotates it, and
//! the page loaded after the sign-in carries the new one.

use leptos::prelude::*;

/// Put into a page request's extensions by the server, before rendering.
#[derive(Clone, Debug)]
pub struct RequestCsrfToken(pub String);

pub const CSRF_META: &str = "csrf-token";

#[derive(Clone, Copy)]
pub struct CsrfToken(RwSignal<String>);

impl CsrfToken {
    pub fn provide() -> Self {
        let token = Self(RwSignal::new(initial_token()));
        provide_context(token);
        token
    }

    pub fn get(&self) -> String {
        self.0.get()
    }
}

pub fn use_csrf_token() -> CsrfToken {
    expect_context::<CsrfToken>()
}

#[cfg(feature = "ssr")]
fn initial_token() -> String {
    use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .extensions
                .get::<RequestCsrfToken>()
                .map(|t| t.0.clone())
        })
        .unwrap_or_default()
}

#[cfg(all(feature = "hydrate", not(feature = "ssr")))]
fn initial_token() -> String {
    leptos::prelude::document()
        .query_selector(&format!("meta[name=\"{CSRF_META}\"]"))
        .ok()
        .flatten()
        .and_then(|meta| meta.get_attribute("content"))
        .unwrap_or_default()
}

#[cfg(not(any(feature = "ssr", feature = "hydrate")))]
fn initial_token() -> String {
    String::new()
}

/// The token for the page's `<head>`; only the server renders the shell.
pub fn token_for_shell() -> String {
    initial_token()
}
