//! `GET /auth/sso/start?next=/path` sends the browser to the identity provider;
//! `GET /auth/sso/callback?code=…&state=…` is where it comes back: the console checks the sign-in
//! and signs the user in, or sends them to the sign-in page with the reason.

use axum::{
    extract::{Query, State},
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Router,
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::console::{Caller, RequestConsole};
use crate::web::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(crate::sso::START_PATH, get(start))
        .route(crate::sso::CALLBACK_PATH, get(callback))
}

#[derive(Deserialize, Default)]
struct StartQuery {
    #[serde(default)]
    next: String,
}

#[derive(Deserialize, Default)]
struct CallbackQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    /// The provider's refusal (`access_denied`, …) instead of a code.
    error: Option<String>,
}

fn console_for(state: &AppState, session: Session, request: &Parts) -> RequestConsole {
    state.console.for_request(Caller {
        session,
        client_ip: crate::client_addr::ClientAddr::of(&request.extensions),
        plain_form: true,
        stays_on_page: false,
        csrf_token: String::new(),
        request_id: crate::web::request_id::of(&request.extensions),
    })
}

async fn start(State(state): State<AppState>, session: Session, request: Parts) -> Response {
    let console = console_for(&state, session, &request);
    if let Err(wait) = console.sso_allowance() {
        return too_many(wait);
    }
    let query: StartQuery = Query::try_from_uri(&request.uri)
        .map(|q| q.0)
        .unwrap_or_default();
    match console.sso_begin(&query.next).await {
        Ok(provider) => Redirect::to(&provider).into_response(),
        Err(error) => to_sign_in_with(&console, error).await,
    }
}

async fn callback(State(state): State<AppState>, session: Session, request: Parts) -> Response {
    let console = console_for(&state, session, &request);
    if let Err(wait) = console.sso_allowance() {
        return too_many(wait);
    }
    let query: CallbackQuery = Query::try_from_uri(&request.uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let signed_in = match &query.error {
        Some(refused) => console.sso_refused_by_provider(refused).await,
        None => console.sso_finish(&query.state, &query.code).await,
    };
    match signed_in {
        Ok(next) => Redirect::to(&next).into_response(),
        Err(error) => to_sign_in_with(&console, error).await,
    }
}

/// Back to the sign-in page, which shows why.
async fn to_sign_in_with(console: &RequestConsole, error: app::model::AppError) -> Response {
    console.leave_sign_in_error(&error.message).await;
    Redirect::to("/login").into_response()
}

/// A client past its sign-ins for the minute: told how long to wait, nothing stored.
fn too_many(wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, seconds.max(1).to_string())],
        format!(
            "Too many sign-ins from your address; try again in {}.",
            crate::auth::describe_wait(wait)
        ),
    )
        .into_response()
}
