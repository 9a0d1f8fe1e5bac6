//! A share view's HTML: the app's share components rendered on the server into a document of
//! their own. No scripts are linked, so the CSP can forbid every script.

use app::model::share::{ShareBanner, ShareState};
use app::pages::shared_view::{SharedBody, SharedGonePage, SharedViewPage};
use axum::{
    http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;

/// Share pages load one stylesheet and nothing else.
pub const SHARE_CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// The headers of every share response, pages, CSV and refusals alike (the share routes'
/// layer adds them, [`super::web`]).
pub fn share_headers() -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "no-referrer"),
        (HeaderName::from_static("x-robots-tag"), "noindex, nofollow"),
        (header::CONTENT_SECURITY_POLICY, SHARE_CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    headers
}

fn document(title: &str, stylesheet: &str, body: String) -> String {
    let title = html_escape(title);
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <meta name=\"robots\" content=\"noindex, nofollow\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\">\
         <title>{title} · trustdesk</title>\
         <link rel=\"stylesheet\" href=\"{stylesheet}\"></head><body>{body}</body></html>"
    )
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn render(view: impl FnOnce() -> AnyView) -> String {
    let owner = Owner::new();
    owner.with(|| view().to_html())
}

pub fn html(status: StatusCode, title: &str, stylesheet: &str, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        document(title, stylesheet, body),
    )
        .into_response()
}

pub fn view_page(
    banner: ShareBanner,
    body: SharedBody,
    csv_path: String,
    stylesheet: &str,
) -> Response {
    let title = format!("Shared with {}", banner.label);
    let body = render(move || view! { <SharedViewPage banner body csv_path /> }.into_any());
    html(StatusCode::OK, &title, stylesheet, body)
}

/// 410 for a link that expired or was revoked, 404 for a token no link has.
pub fn gone_page(state: Option<ShareState>, stylesheet: &str) -> Response {
    let status = if state.is_some() {
        StatusCode::GONE
    } else {
        StatusCode::NOT_FOUND
    };
    let body = render(move || view! { <SharedGonePage state /> }.into_any());
    html(status, "Share link", stylesheet, body)
}

/// 400 for a list whose `page` is not a whole number: a link the view never writes (typed or
/// cut short), so the holder is pointed to the list's first page rather than shown a guess.
pub fn not_a_page(base: &str, stylesheet: &str) -> Response {
    let body = format!(
        "<main class=\"mx-auto max-w-xl p-10\"><h1 class=\"mb-2 text-2xl font-semibold\">Not a page of this list</h1>\
         <p>The link's page number is not one this list has: a page is a whole number, given once.</p>\
         <p class=\"mt-4\"><a id=\"shared-first-page\" class=\"underline\" href=\"{}\">Open the list from its first page</a></p></main>",
        html_escape(base)
    );
    html(
        StatusCode::BAD_REQUEST,
        "Not a page of this list",
        stylesheet,
        body,
    )
}

pub fn message_page(status: StatusCode, title: &str, text: &str, stylesheet: &str) -> Response {
    let body = format!(
        "<main class=\"mx-auto max-w-xl p-10\"><h1 class=\"mb-2 text-2xl font-semibold\">{}</h1><p>{}</p></main>",
        html_escape(title),
        html_escape(text)
    );
    html(status, title, stylesheet, body)
}
