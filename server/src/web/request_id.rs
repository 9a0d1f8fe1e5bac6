//! Every request's id: made here, or taken from `X-Request-Id` when a trusted proxy sent it
//! (so the proxy's log and ours share it). It names the tracing span every log line of the
//! request is written in, goes back in the response's `X-Request-Id`, into error messages
//! (`AppError::request_id`) and into the audit rows the request writes.

use crate::client_addr::{ClientAddr, TrustedProxies};
use app::ports::RequestId;
use axum::{
    extract::{ConnectInfo, Request, State},
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::Response,
};
use std::{net::SocketAddr, sync::Arc};
use tracing::Instrument;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// An incoming id longer than this, or with other characters, is replaced by our own.
const MAX_INCOMING_CHARS: usize = 64;

pub async fn assign(
    State(proxies): State<Arc<TrustedProxies>>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
    let client = proxies.client(peer, request.headers());
    let incoming = proxies
        .trusts(peer.to_canonical())
        .then(|| request.headers().get(&HEADER))
        .flatten()
        .and_then(|value| value.to_str().ok())
        .filter(|id| sane(id))
        .map(str::to_string);
    let id = incoming.unwrap_or_else(fresh);
    request.extensions_mut().insert(RequestId(id.clone()));
    request.extensions_mut().insert(ClientAddr(client));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        path = %request.uri().path(),
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    span.in_scope(|| {
        let status = response.status().as_u16();
        // One line per request would drown the log under load; a server error is worth one.
        if status >= 500 {
            tracing::warn!(status, "answered with a server error");
        } else {
            tracing::debug!(status, "answered");
        }
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(HEADER, value);
    }
    response
}

/// The id [`assign`] gave the request with these extensions; empty where it did not run.
pub fn of(extensions: &axum::http::Extensions) -> String {
    extensions
        .get::<RequestId>()
        .map(|id| id.0.clone())
        .unwrap_or_default()
}

/// 1 to 64 characters a log line and a header carry unchanged.
fn sane(id: &str) -> bool {
    (1..=MAX_INCOMING_CHARS).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// 16 random bytes in hex: unique enough to find one request in months of logs.
fn fresh() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_are_taken_over() {
        assert!(sane("abc-123_X.y:z"));
        assert!(sane(&"a".repeat(64)));
        assert!(!sane(&"a".repeat(65)));
        assert!(!sane(""));
        assert!(!sane("two words"));
        assert!(!sane("line\nbreak"));
        assert!(!sane("quote\""));
        let id = fresh();
        assert_eq!(id.len(), 32);
        assert!(sane(&id));
        assert_ne!(id, fresh());
    }
}
