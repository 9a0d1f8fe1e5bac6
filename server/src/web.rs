//! The HTTP surface: Leptos pages and server functions, sessions, CSRF, the sign-in guard,
//! security headers and `/healthz`.

use crate::console::{Caller, Console};
use app::{
    api::{API_PREFIX, CSRF_FIELD, CSRF_HEADER},
    components::RequestCsrfToken,
    model::AppError,
    ports::RequestPorts,
    shell, App, PUBLIC_PAGES,
};
use axum::serve::ListenerExt;
use axum::{
    body::{to_bytes, Body},
    extract::{ConnectInfo, DefaultBodyLimit, FromRef, Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::get,
    Json, Router,
};
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::{future::Future, net::SocketAddr, sync::Arc};
use tokio::net::TcpListener;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::{cookie::SameSite, Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

/// The largest request body a server function accepts (the CSRF check and the server functions
/// read at most this much). Bounded, but large enough for the longest document AWS takes in a
/// form: a 10,000,000-character SAML metadata document, percent-encoded (at most 3 bytes a
/// character for ASCII).
const MAX_FORM_BYTES: usize = 40 * 1024 * 1024;

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub console: Arc<Console>,
    pub trusted_proxies: Arc<crate::client_addr::TrustedProxies>,
}

pub struct WebSettings {
    pub secure_cookies: bool,
    pub session_idle_timeout: std::time::Duration,
}

/// The app's routes, computed once per process. Computing them renders the app in a
/// route-collecting mode; doing that while another server in the same process renders pages
/// stalled those renders (seen with the integration tests' parallel servers).
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::LazyLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::LazyLock::new(|| generate_route_list(App));
    ROUTES.clone()
}

pub fn router(state: AppState, sessions: SqliteStore, settings: &WebSettings) -> Router {
    let routes = route_list();
    let idle = tower_sessions::cookie::time::Duration::seconds(
        i64::try_from(settings.session_idle_timeout.as_secs()).unwrap_or(i64::MAX),
    );
    let session_layer = SessionManagerLayer::new(sessions)
        .with_name("trustdesk_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.secure_cookies)
        .with_expiry(Expiry::OnInactivity(idle));
    let router = Router::new()
        .route("/healthz", get(healthz))
        .leptos_routes(&state, routes, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_context,
        ))
        .layer(middleware::from_fn_with_state(
            touch_interval(settings.session_idle_timeout),
            keep_session_alive,
        ))
        .layer(session_layer)
        // Server functions read their bodies under axum's limit (2 MB by default).
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES));
    // Added after the session and request layers, so static files never touch them.
    let router = crate::static_site::routes(
        router,
        std::path::Path::new(state.leptos_options.site_root.as_ref()),
        &state.leptos_options.output_name,
    );
    SECURITY_HEADERS
        .into_iter()
        .fold(router, |router, (name, value)| {
            router.layer(SetResponseHeaderLayer::if_not_present(
                name,
                HeaderValue::from_static(value),
            ))
        })
        .with_state(state)
}

/// Sent with every response unless a handler set its own.
const SECURITY_HEADERS: [(header::HeaderName, &str); 4] = [
    // Hydration needs an inline bootstrap script and wasm compilation; nothing else is allowed.
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'self'; script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'",
    ),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    // Same-origin requests keep their Referer: a form posted without JavaScript is redirected
    // back to it.
    (header::REFERRER_POLICY, "same-origin"),
];

async fn healthz(State(console): State<Arc<Console>>) -> Response {
    match console.db().ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ok", "database": "ok"})).into_response(),
        Err(error) => {
            tracing::error!(%error, "health check: database");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({"status": "unavailable", "database": "unreachable"})),
            )
                .into_response()
        }
    }
}

/// What kind of request this is, for the guards below.
fn is_api(path: &str) -> bool {
    path.starts_with(API_PREFIX) && path[API_PREFIX.len()..].starts_with('/')
}

/// Page loads (not static files, not server functions): they need a session with a CSRF
/// token, and all but the public pages need a signed-in user.
fn is_page(method: &Method, path: &str) -> bool {
    method == Method::GET
        && !is_api(path)
        && path != "/healthz"
        && !path.starts_with("/pkg/")
        && !path.rsplit('/').next().unwrap_or("").contains('.')
}

fn accepts_html(request: &Request) -> bool {
    request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"))
}

/// The session key holding when its idle timeout was last pushed back (unix milliseconds).
const TOUCHED_KEY: &str = "touched";

/// How often a busy session is written back to push its idle timeout: a minute, or a quarter
/// of the timeout when that is shorter.
fn touch_interval(idle_timeout: std::time::Duration) -> std::time::Duration {
    (idle_timeout / 4).min(std::time::Duration::from_secs(60))
}

/// Whether a session last pushed back at `touched` (unix ms) is due again at `now`.
fn touch_due(touched: Option<i64>, now: i64, interval: std::time::Duration) -> bool {
    let interval = i64::try_from(interval.as_millis()).unwrap_or(i64::MAX);
    touched.is_none_or(|at| now.saturating_sub(at) >= interval)
}

/// A session's idle timeout runs from its last write, and writing it on every request would make
/// every page view a database write. Writing it again once per interval keeps the timeout
/// accurate to the interval; sessions that hold nothing (no cookie) are left alone.
async fn keep_session_alive(
    State(interval): State<std::time::Duration>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    if !session.is_empty().await {
        let now = chrono::Utc::now().timestamp_millis();
        let touched = session.get::<i64>(TOUCHED_KEY).await.ok().flatten();
        if touch_due(touched, now, interval) {
            if let Err(error) = session.insert(TOUCHED_KEY, now).await {
                tracing::warn!(%error, "session store: the idle timeout was not pushed back");
            }
        }
    }
    next.run(request).await
}

/// Binds the request to the console (as the UI's ports), refuses POSTs without the session's
/// CSRF token, and sends signed-out visitors to the sign-in page.
async fn request_context(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let client_ip = state.trusted_proxies.client(peer, request.headers());
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let plain_form = method == Method::POST && accepts_html(&request);

    let request = if method != Method::GET && method != Method::HEAD && is_api(&path) {
        match check_csrf(&session, request).await {
            Ok(request) => request,
            Err(refusal) => {
                tracing::warn!(%client_ip, %path, "refused a request without a valid CSRF token");
                return refusal;
            }
        }
    } else {
        request
    };

    let console = state.console.for_request(Caller {
        session: session.clone(),
        client_ip,
        plain_form,
    });

    let mut page_csrf_token = None;
    if is_page(&method, &path) {
        // The token must exist before rendering starts, so the cookie goes out with this page;
        // the page renders it into its forms without waiting on a resource.
        match crate::csrf::ensure_token(&session).await {
            Ok(token) => page_csrf_token = Some(RequestCsrfToken(token)),
            Err(error) => {
                tracing::error!(%error, "session store");
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "trustdesk could not start a session; try again shortly.",
                )
                    .into_response();
            }
        }
        let signed_in = match console.signed_in().await {
            Ok(user) => user.is_some(),
            Err(error) => return (StatusCode::SERVICE_UNAVAILABLE, error.message).into_response(),
        };
        let public = PUBLIC_PAGES.contains(&path.as_str());
        if !signed_in && !public {
            let target = request
                .uri()
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
            return Redirect::to(&format!("/login?next={encoded}")).into_response();
        }
        if signed_in && path == "/login" {
            return Redirect::to("/").into_response();
        }
    }

    let mut request = request;
    request
        .extensions_mut()
        .insert(RequestPorts(Arc::new(console)));
    if let Some(token) = page_csrf_token {
        request.extensions_mut().insert(token);
    }
    next.run(request).await
}

/// Accepts the token from the `x-csrf-token` header or the `_csrf` form field; hands the
/// request on with its body intact.
async fn check_csrf(session: &Session, request: Request) -> Result<Request, Response> {
    let html = accepts_html(&request);
    let refuse = || -> Response {
        let error = AppError::csrf_mismatch();
        if html {
            let page = format!(
                "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Form expired · trustdesk</title></head>\
                 <body><h1>Form expired</h1><p>{}</p><p><a href=\"/\">Back to trustdesk</a></p></body></html>",
                error.message
            );
            (
                StatusCode::FORBIDDEN,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                page,
            )
                .into_response()
        } else {
            (StatusCode::FORBIDDEN, Json(error)).into_response()
        }
    };
    if let Some(token) = request
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
    {
        return if crate::csrf::matches(session, token).await {
            Ok(request)
        } else {
            Err(refuse())
        };
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refuse());
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES).await.map_err(|_| {
        let message = format!(
            "The form is larger than trustdesk accepts ({} MiB); nothing was sent to AWS.",
            MAX_FORM_BYTES / (1024 * 1024)
        );
        if html {
            (StatusCode::PAYLOAD_TOO_LARGE, message).into_response()
        } else {
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                Json(AppError::new(app::model::ErrorKind::Validation, message)),
            )
                .into_response()
        }
    })?;
    let token = url::form_urlencoded::parse(&bytes)
        .find(|(key, _)| key == CSRF_FIELD)
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default();
    if crate::csrf::matches(session, &token).await {
        Ok(Request::from_parts(parts, Body::from(bytes)))
    } else {
        Err(refuse())
    }
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Without TCP_NODELAY a response written in two parts (headers, then a file's body) waits
    // for the client's delayed ACK: 40 ms per static file under load.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "TCP_NODELAY not set on an accepted connection");
        }
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_requests() {
        assert!(is_api("/api/users/add"));
        assert!(!is_api("/apiary"));
        assert!(is_page(&Method::GET, "/users"));
        assert!(is_page(&Method::GET, "/"));
        assert!(!is_page(&Method::GET, "/pkg/trustdesk.js"));
        assert!(!is_page(&Method::GET, "/favicon.svg"));
        assert!(!is_page(&Method::POST, "/users"));
        assert!(!is_page(&Method::GET, "/healthz"));
    }

    #[test]
    fn a_busy_session_is_written_once_per_interval() {
        use std::time::Duration;
        let hours = touch_interval(Duration::from_secs(8 * 3600));
        assert_eq!(hours, Duration::from_secs(60));
        assert_eq!(
            touch_interval(Duration::from_secs(120)),
            Duration::from_secs(30),
            "a short timeout is pushed back well before it runs out"
        );
        let at = 1_000_000;
        assert!(touch_due(None, at, hours), "never pushed back: now");
        assert!(!touch_due(Some(at), at + 59_999, hours));
        assert!(touch_due(Some(at), at + 60_000, hours));
        assert!(
            !touch_due(Some(at + 5_000), at, hours),
            "a clock step back is no reason to write"
        );
    }
}
