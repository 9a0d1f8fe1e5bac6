//! `POST /shown-once`: the "Reveal" button of the shown-once page without JavaScript. The
//! answer is the page itself, rendered with the secret: a secret that is never stored cannot
//! wait in the session for a redirect's next page. The CSRF guard has checked the form.

use super::{headers::provide_request_nonce, AppState};
use app::{
    pages::shown_once::{RevealedByForm, HANDLE_FIELD, REVEAL_PATH},
    ports::RequestPorts,
    shell,
};
use axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use leptos::prelude::provide_context;

pub const PATH: &str = REVEAL_PATH;

/// The form holds a CSRF token and a handle: a few hundred bytes.
const MAX_FORM_BYTES: usize = 16 * 1024;

pub async fn reveal(State(state): State<AppState>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(form) = to_bytes(body, MAX_FORM_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "The form is too large.").into_response();
    };
    let handle = url::form_urlencoded::parse(&form)
        .find(|(key, _)| key == HANDLE_FIELD)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    let Some(RequestPorts(ports)) = parts.extensions.get::<RequestPorts>().cloned() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let revealed = ports
        .take_shown_once(handle.into())
        .await
        .map_err(|error| ports.failed(error));
    let failed = revealed.is_err();
    let options = state.leptos_options.clone();
    let render = leptos_axum::render_app_async_with_context(
        move || {
            provide_context(state.clone());
            provide_request_nonce();
            provide_context(RevealedByForm(revealed.clone()));
        },
        move || shell(options.clone()),
    );
    let mut response = render(Request::from_parts(parts, Body::empty())).await;
    if failed && response.status() == StatusCode::OK {
        *response.status_mut() = StatusCode::GONE;
    }
    response
}
