//! The session layer answers a session store it cannot read or write (the database locked by
//! another writer past the busy timeout, a full disk) with a bare 500. This layer, just outside
//! it, turns that into what it is: 503, with the sentence every other database failure gets and
//! when to try again. Responses of trustdesk's own always carry a body, so a 500 without one is
//! the session layer's.

use axum::body::HttpBody as _;
use axum::{
    extract::Request,
    http::{header, HeaderValue, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// Seconds a client should wait before trying again.
const RETRY_AFTER: &str = "5";

pub async fn session_store_failures(request: Request, next: Next) -> Response {
    let api = super::is_api(request.uri().path());
    let response = next.run(request).await;
    if response.status() != StatusCode::INTERNAL_SERVER_ERROR
        || response.body().size_hint().exact() != Some(0)
    {
        return response;
    }
    tracing::error!("the session store failed: the database could not be read or written");
    let error = app::model::AppError::unavailable(
        "trustdesk could not read or write its database, so nothing was changed. Try again; if it persists, an operator should check the server log.",
    );
    let mut answer = if api {
        (StatusCode::SERVICE_UNAVAILABLE, axum::Json(error)).into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, error.message).into_response()
    };
    answer
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static(RETRY_AFTER));
    answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::{body::Body, middleware, routing::get, Router};
    use tower::ServiceExt;

    async fn answer(router: Router, path: &str) -> (StatusCode, Option<String>, String) {
        let response = router
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let retry = response
            .headers()
            .get(header::RETRY_AFTER)
            .map(|v| v.to_str().unwrap().to_string());
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        (status, retry, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_bare_500_of_the_session_layer_becomes_a_503_that_says_why() {
        let bare = || async { StatusCode::INTERNAL_SERVER_ERROR };
        let router = Router::new()
            .route("/api/session", get(bare))
            .route("/tag-rules", get(bare))
            .layer(middleware::from_fn(session_store_failures));
        let (status, retry, body) = answer(router.clone(), "/api/session").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(retry.as_deref(), Some(RETRY_AFTER));
        let error: app::model::AppError = serde_json::from_str(&body).unwrap();
        assert!(error.message.contains("nothing was changed"));
        let (status, _, body) = answer(router, "/tag-rules").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("could not read or write its database"));
    }

    #[tokio::test]
    async fn trustdesk_s_own_errors_pass_unchanged() {
        let router = Router::new()
            .route(
                "/api/x",
                get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "a bug, logged") }),
            )
            .layer(middleware::from_fn(session_store_failures));
        let (status, retry, body) = answer(router, "/api/x").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(retry, None);
        assert_eq!(body, "a bug, logged");
    }
}
