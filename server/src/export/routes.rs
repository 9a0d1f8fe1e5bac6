//! The exports' URLs, for signed-in users (viewers and admins):
//! `GET /<kind's inventory path>/export.{csv,json}?<the inventory page's query>` and
//! `GET /expiry/export.{csv,json}?kind=&account=&region=&tag=&expires=`, and
//! `GET /compliance/export.csv` (every item that breaks a tag rule).
//! Each path is static, so it is matched before the pages' `/:kinds` routes and never
//! collides with them. A signed-out browser is sent to sign in and from there to the page the
//! export belongs to (the inventory with the same filters, or the dashboard), not to the export
//! itself: with JavaScript the sign-in form goes on by client-side navigation, which knows
//! pages, not files. Anything else signed out gets 401.

use app::model::{
    export::{expiry_export_path, inventory_export_path, COMPLIANCE_EXPORT_PATH},
    AppError, ExpiryQuery, ExportFormat, InventoryQuery, ResourceKind,
};
use axum::{
    extract::{Query, State},
    http::{header, request::Parts, StatusCode},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use tower_sessions::Session;

use super::ExportOptions;
use crate::console::Caller;
use crate::store::users::UserRecord;
use crate::web::{accepts_html, to_sign_in, AppState};

/// Every export's route (the audit trail's too); the web router merges them in.
pub fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for format in ExportFormat::ALL {
        for kind in ResourceKind::ALL {
            router = router.route(
                &inventory_export_path(kind, format),
                get(
                    move |state: State<AppState>, session: Session, request: Parts| {
                        inventory(kind, format, state, session, request)
                    },
                ),
            );
        }
        router = router.route(
            &expiry_export_path(format),
            get(
                move |state: State<AppState>, session: Session, request: Parts| {
                    expiry(format, state, session, request)
                },
            ),
        );
        router = router.route(
            &format!("/audit/export.{}", format.extension()),
            get(
                move |state: State<AppState>, session, Query(query), request| {
                    super::audit::export(state.0.console, session, query, request, format)
                },
            ),
        );
    }
    router.route(COMPLIANCE_EXPORT_PATH, get(compliance))
}

async fn inventory(
    kind: ResourceKind,
    format: ExportFormat,
    State(state): State<AppState>,
    session: Session,
    request: Parts,
) -> Response {
    let page = match request.uri.query() {
        Some(query) => format!("{}?{query}", kind.path()),
        None => kind.path().to_string(),
    };
    let user = match signed_in(&state, session, &request, &page).await {
        Ok(user) => user,
        Err(refusal) => return refusal,
    };
    let query = match Query::<InventoryQuery>::try_from_uri(&request.uri) {
        Ok(Query(query)) => query,
        Err(rejection) => return unreadable_filter(rejection),
    };
    tracing::info!(user = %user.username, kind = kind.as_str(), ?format, ?query, "export of an inventory");
    let console = &state.console;
    super::inventory::stream(
        console.db(),
        console.clock().now(),
        kind,
        query,
        format,
        ExportOptions::default(),
    )
    .await
}

async fn expiry(
    format: ExportFormat,
    State(state): State<AppState>,
    session: Session,
    request: Parts,
) -> Response {
    let user = match signed_in(&state, session, &request, "/").await {
        Ok(user) => user,
        Err(refusal) => return refusal,
    };
    let query = match Query::<ExpiryQuery>::try_from_uri(&request.uri) {
        Ok(Query(query)) => query,
        Err(rejection) => return unreadable_filter(rejection),
    };
    tracing::info!(user = %user.username, ?format, ?query, "export of the expiry list");
    let console = &state.console;
    super::expiry::stream(
        console.db(),
        console.clock().now(),
        query,
        format,
        ExportOptions::default(),
    )
    .await
    .unwrap_or_else(error_response)
}

/// The Compliance page's CSV, for whoever may read the page: everyone signed in.
async fn compliance(State(state): State<AppState>, session: Session, request: Parts) -> Response {
    let user = match signed_in(&state, session, &request, "/compliance").await {
        Ok(user) => user,
        Err(refusal) => return refusal,
    };
    tracing::info!(user = %user.username, "export of the compliance report");
    let console = &state.console;
    super::compliance::stream(console.db(), console.clock().now()).await
}

/// The signed-in, enabled user, or the refusal to send; a browser signs in and goes on to
/// `page`.
async fn signed_in(
    state: &AppState,
    session: Session,
    request: &Parts,
    page: &str,
) -> Result<UserRecord, Response> {
    let client_ip = crate::client_addr::ClientAddr::of(&request.extensions);
    let console = state.console.for_request(Caller {
        session,
        client_ip,
        plain_form: false,
        stays_on_page: false,
        // A download renders no form, so it needs no token.
        csrf_token: String::new(),
        request_id: crate::web::request_id::of(&request.extensions),
    });
    match console.signed_in().await {
        Ok(Some(user)) => Ok(user),
        Ok(None) if accepts_html(&request.headers) => Err(to_sign_in(page)),
        Ok(None) => Err(error_response(AppError::new(
            app::model::ErrorKind::Unauthenticated,
            "Sign in to trustdesk to export; exports are for signed-in users.",
        ))),
        Err(error) => Err(error_response(error)),
    }
}

fn unreadable_filter(rejection: axum::extract::rejection::QueryRejection) -> Response {
    error_response(AppError::new(
        app::model::ErrorKind::Validation,
        format!(
            "The export's filters could not be read ({}); open the export from its page again.",
            rejection.body_text()
        ),
    ))
}

/// An error as a short text: the export was a link, not a page that could show it.
fn error_response(error: AppError) -> Response {
    let status =
        StatusCode::from_u16(error.kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut text = error.message.clone();
    for field in &error.fields {
        text.push_str(&format!("\n{}: {}", field.field, field.message));
    }
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        text,
    )
        .into_response()
}
