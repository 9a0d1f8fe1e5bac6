//! `/metrics`, and the middleware that counts every HTTP request by its route pattern.

use super::{access::may_scrape, Metrics, Scrape};
use crate::{client_addr::ClientAddr, config::MetricsAccess, store::Db};
use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::{sync::Arc, time::Instant};

pub const PATH: &str = "/metrics";

#[derive(Clone)]
pub struct MetricsState {
    pub metrics: Arc<Metrics>,
    pub access: Arc<MetricsAccess>,
    pub db: Db,
    /// The server functions' paths: each is its own route label (they share one axum route).
    pub server_functions: Arc<std::collections::HashSet<String>>,
}

pub async fn scrape(State(state): State<MetricsState>, request: Request) -> Response {
    let client = ClientAddr::of(request.extensions());
    if !may_scrape(&state.access, client, request.headers()) {
        // As for any path that does not exist: nothing tells a stranger this one does.
        return StatusCode::NOT_FOUND.into_response();
    }
    let pool = state.db.pool();
    let outbox = match crate::store::counts::outbox_waiting(pool).await {
        Ok(count) => Some(count),
        Err(error) => {
            tracing::warn!(%error, "metrics: the outbox could not be counted");
            None
        }
    };
    let figures = Scrape {
        pool_size: pool.size(),
        pool_idle: pool.num_idle(),
        outbox,
    };
    (
        [
            (
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            ),
            // Live figures about this server (sign-in failures, share views): for the scraper,
            // not for any cache on the way.
            (header::CACHE_CONTROL, "no-store"),
        ],
        state.metrics.render(&figures),
    )
        .into_response()
}

/// Counts the request under its route pattern (`/inventory/{kind}`), never its path: ids in
/// paths would make a label per item. Requests no route matched count as `unmatched`.
pub async fn count_requests(
    State(state): State<MetricsState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let path = request.uri().path();
    let route = if state.server_functions.contains(path) {
        path.to_string()
    } else {
        request
            .extensions()
            .get::<MatchedPath>()
            .map(|matched| matched.as_str().to_string())
            .unwrap_or_else(|| "unmatched".to_string())
    };
    let method = bounded_method(request.method()).to_string();
    let response = next.run(request).await;
    state.metrics.http_request(
        &route,
        &method,
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// A method axum does not know (anyone may send `FOO`) would be a label of its own.
fn bounded_method(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::PATCH => "PATCH",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}
