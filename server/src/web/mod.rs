//! The HTTP surface: Leptos pages and server functions, sessions, CSRF, the sign-in guard,
//! security headers and `/healthz`.

use crate::console::{Caller, Console};
use app::{
    api::API_PREFIX, components::RequestCsrfToken, model::endpoint::SMALL_BODY,
    ports::RequestPorts, shell, App, PUBLIC_PAGES,
};
use axum::{
    extract::{DefaultBodyLimit, FromRef, Request, State},
    http::{header, HeaderValue, Method, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
    Json, Router,
};
use leptos::prelude::LeptosOptions;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::{cookie::SameSite, Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

pub mod api_door;
mod csrf_guard;
mod filter_urls;
mod headers;
mod listener;
pub mod request_id;
pub mod session_ids;
mod shown_once;
pub mod sso;
mod store_failures;

pub use csrf_guard::CsrfSettings;
use csrf_guard::RequestCsrf;
use headers::{provide_request_nonce, PageNonce};

/// The largest request body any server function takes (its endpoint says how much it takes;
/// the API door reads at most that, after the caller is known to be allowed).
fn max_form_bytes() -> usize {
    app::api::all_endpoints()
        .map(|endpoint| endpoint.max_body)
        .max()
        .unwrap_or(SMALL_BODY)
}

#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub console: Arc<Console>,
    pub csrf: Arc<CsrfSettings>,
    pub trusted_proxies: Arc<crate::client_addr::TrustedProxies>,
    pub metrics: crate::monitoring::route::MetricsState,
    /// How request bodies are read: the budget for large ones, the time a body may take.
    pub uploads: Arc<api_door::Uploads>,
}

pub struct WebSettings {
    /// The public URL is https: cookies are `Secure` and `__Host-` prefixed, and HSTS is sent.
    pub https: bool,
    pub session_idle_timeout: std::time::Duration,
    /// The compiled site: built into the binary or a directory.
    pub site: crate::static_site::Site,
}

/// The app's routes, computed once per process. Computing them renders the app in a
/// route-collecting mode; doing that while another server in the same process renders pages
/// stalled those renders (seen with the integration tests' parallel servers).
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::LazyLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::LazyLock::new(|| generate_route_list(App));
    ROUTES.clone()
}

/// The whole site: the pages and server functions, `signed_in_routes` (the exports: routes of
/// their own that read the session), the share views, the static files and `/metrics`, under
/// the session, CSRF and header layers.
pub fn router(
    state: AppState,
    sessions: SqliteStore,
    settings: &WebSettings,
    signed_in_routes: Router<AppState>,
) -> Router {
    let routes = route_list();
    let idle = tower_sessions::cookie::time::Duration::seconds(
        i64::try_from(settings.session_idle_timeout.as_secs()).unwrap_or(i64::MAX),
    );
    let session_layer = SessionManagerLayer::new(session_ids::DigestedIds(sessions))
        .with_name(headers::session_cookie_name(settings.https))
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(settings.https)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));
    let router = Router::new()
        .route("/healthz", get(healthz))
        .merge(signed_in_routes)
        .leptos_routes_with_context(&state, routes, provide_request_nonce, {
            let options = state.leptos_options.clone();
            move || shell(options.clone())
        })
        // Beside the page's GET: a form without JavaScript reveals the secret here.
        .route(shown_once::PATH, post(shown_once::reveal))
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(provide_request_nonce, shell))
        .layer(middleware::from_fn(status_of_refused_arguments))
        .layer(middleware::from_fn(filter_urls::drop_empty_parameters))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            request_context,
        ))
        .layer(middleware::from_fn_with_state(
            touch_interval(settings.session_idle_timeout),
            keep_session_alive,
        ))
        .layer(session_layer)
        .layer(middleware::from_fn(store_failures::session_store_failures))
        // The API door reads server functions' bodies under their endpoints' own limits first.
        .layer(DefaultBodyLimit::max(max_form_bytes()));
    // Share views and static files are added after the session and request layers, so they
    // never touch them: a share link's request has no session and no signed-in console.
    let router = crate::share::web::routes(
        router,
        crate::share::web::ShareState {
            db: state.console.db().clone(),
            clock: state.console.clock().clone(),
            limits: state.console.share_limits.clone(),
            stylesheet: format!("/pkg/{}.css", state.leptos_options.output_name),
            trusted_proxies: state.trusted_proxies.clone(),
            metrics: state.metrics.metrics.clone(),
        },
    );
    let router =
        crate::static_site::routes(router, &settings.site, &state.leptos_options.output_name);
    // Outside the session layer too: a scrape has no session.
    let router = router.route(
        crate::monitoring::route::PATH,
        get(crate::monitoring::route::scrape),
    );
    let router = if settings.https {
        router.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(headers::HSTS),
        ))
    } else {
        router
    };
    SECURITY_HEADERS
        .into_iter()
        .fold(router, |router, (name, value)| {
            router.layer(SetResponseHeaderLayer::if_not_present(
                name,
                HeaderValue::from_static(value),
            ))
        })
        .layer(middleware::from_fn_with_state(
            state.metrics.clone(),
            crate::monitoring::route::count_requests,
        ))
        // Outermost: every other layer's log lines are in the request's span.
        .layer(middleware::from_fn_with_state(
            state.trusted_proxies.clone(),
            request_id::assign,
        ))
        .with_state(state)
}

/// Sent with every response unless a handler set its own; pages and server functions set a
/// policy with their nonce (see `headers`).
const SECURITY_HEADERS: [(header::HeaderName, &str); 4] = [
    (header::CONTENT_SECURITY_POLICY, headers::STATIC_POLICY),
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

/// Page loads (not static files, not server functions): all but the public pages need a
/// signed-in user.
fn is_page(method: &Method, path: &str) -> bool {
    method == Method::GET
        && !is_api(path)
        && path != "/healthz"
        && !path.starts_with("/pkg/")
        // The sign-in's hops to and from the identity provider: for those not signed in yet.
        && !path.starts_with(crate::sso::PATHS)
        && !path.rsplit('/').next().unwrap_or("").contains('.')
}

pub(crate) fn accepts_html(headers: &http::HeaderMap) -> bool {
    headers
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

/// The sign-in page, which comes back to `target` (a path and query) once signed in.
pub(crate) fn to_sign_in(target: &str) -> Response {
    let encoded: String = url::form_urlencoded::byte_serialize(target.as_bytes()).collect();
    Redirect::to(&format!("/login?next={encoded}")).into_response()
}

/// Binds the request to the console (as the UI's ports), refuses state-changing requests
/// without the right CSRF token, sends signed-out visitors to the sign-in page, and gives the
/// answer its nonce's policy, `no-store` and (for a visitor without one) the CSRF cookie.
async fn request_context(
    State(state): State<AppState>,
    session: Session,
    request: Request,
    next: Next,
) -> Response {
    let method = request.method().clone();
    let reads = method == Method::GET || method == Method::HEAD;
    let csrf = match RequestCsrf::resolve(&state.csrf, &session, request.headers(), reads).await {
        Ok(csrf) => csrf,
        Err(error) => {
            tracing::error!(%error, "session store");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "trustdesk could not read your session; try again shortly.",
            )
                .into_response();
        }
    };
    let nonce = PageNonce::fresh();
    let mut response = guarded(&state, session, &csrf, nonce.clone(), request, next).await;
    csrf.set_cookie(&state.csrf, response.headers_mut());
    let sign_out_at = state
        .console
        .sso
        .as_ref()
        .map(|sso| sso.origins())
        .unwrap_or_default();
    headers::decorate(response.headers_mut(), &nonce, &sign_out_at);
    response
}

async fn guarded(
    state: &AppState,
    session: Session,
    csrf: &RequestCsrf,
    nonce: PageNonce,
    request: Request,
    next: Next,
) -> Response {
    // Worked out once, through the trusted proxies, by the request-id layer outside this one.
    let client_ip = crate::client_addr::ClientAddr::of(request.extensions());
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let plain_form = method == Method::POST && accepts_html(request.headers());
    let stays_on_page = request
        .headers()
        .get(app::api::STAY_HEADER)
        .is_some_and(|value| value.as_bytes() == app::api::STAY_VALUE.as_bytes());

    let csrf_token = csrf.token(&state.csrf.key);
    let console = state.console.for_request(Caller {
        session,
        client_ip,
        plain_form,
        stays_on_page,
        csrf_token: csrf_token.clone(),
        request_id: request_id::of(request.extensions()),
    });

    // A server function's caller is known to be allowed before its body is read at all; the
    // door reads it then, under the endpoint's limit. Other posts (a page's form) are small.
    let (request, _upload, body_limit) = if is_api(&path) {
        match api_door::admit(
            &console,
            &state.uploads,
            &path[API_PREFIX.len() + 1..],
            request,
        )
        .await
        {
            Ok(admitted) => (admitted.request, admitted._upload, usize::MAX),
            Err(refusal) => return refusal,
        }
    } else {
        (request, None, SMALL_BODY)
    };

    let request = if method != Method::GET && method != Method::HEAD {
        match csrf
            .check(
                &state.csrf.key,
                request,
                body_limit,
                state.uploads.read_timeout,
            )
            .await
        {
            Ok(request) => request,
            Err(refusal) => {
                tracing::warn!(%client_ip, %path, "refused a request without a valid CSRF token");
                return refusal;
            }
        }
    } else {
        request
    };

    if is_page(&method, &path) {
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
            return to_sign_in(target);
        }
        if signed_in && path == "/login" {
            return Redirect::to("/").into_response();
        }
    }

    let mut request = request;
    request
        .extensions_mut()
        .insert(RequestPorts(Arc::new(console)));
    // Forms render the token without waiting on a resource.
    request
        .extensions_mut()
        .insert(RequestCsrfToken(csrf_token));
    request.extensions_mut().insert(nonce);
    if _upload.is_some() {
        // A document's form is decoded by the server function synchronously (tens of
        // milliseconds for megabytes): on the blocking pool, the async workers, and so every
        // other request and `/healthz`, never wait behind it.
        let runtime = tokio::runtime::Handle::current();
        return tokio::task::spawn_blocking(move || runtime.block_on(next.run(request)))
            .await
            .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response());
    }
    next.run(request).await
}

/// A server function whose arguments do not parse never runs, and Leptos answers 500 for it;
/// the caller sent a bad request, so it gets 400 with the same message.
async fn status_of_refused_arguments(request: Request, next: Next) -> Response {
    let api = is_api(request.uri().path());
    let response = next.run(request).await;
    if !api || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // An error body is a sentence or two; anything longer is not an AppError.
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(error) = serde_json::from_slice::<app::model::AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.kind.http_status()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Every server function the app registers, with its method: what a test of who may call
/// them walks through.
pub fn server_functions() -> Vec<(String, Method)> {
    let mut all: Vec<(String, Method)> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, method)| (path.to_string(), method))
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all
}

pub use listener::serve;

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
