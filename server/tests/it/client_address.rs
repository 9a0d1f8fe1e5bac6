//! The client's address behind a TLS proxy: `X-Forwarded-For` counts only when the connection
//! comes from a proxy listed in `trusted_proxies`.

use crate::harness::*;
use reqwest::StatusCode;

async fn failed_sign_in_addresses(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT client_ip FROM audit_log WHERE action = 'auth.login' AND outcome = 'error' ORDER BY id",
    )
    .fetch_all(&app.db().await)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_forwarded_for_header_from_an_untrusted_peer_is_ignored() {
    let (app, _admin) = TestApp::with_admin_env(&[(SIGN_IN_DELAY, "1m")]).await;
    let spoofing = app.browser_with_headers(&[("x-forwarded-for", "203.0.113.9")]);
    let response = spoofing.login(ADMIN, "not the password at all").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(failed_sign_in_addresses(&app).await, ["127.0.0.1"]);
    // Nor does a changing header buy fresh attempts: the throttle counts the peer.
    for i in 0..2 {
        let other = app.browser_with_headers(&[("x-forwarded-for", &format!("198.51.100.{i}"))]);
        let response = other.login(ADMIN, "not the password at all").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let again = app.browser_with_headers(&[("x-forwarded-for", "192.0.2.77")]);
    assert_eq!(
        again.login(ADMIN, "not the password at all").await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_address_is_the_client() {
    let (app, _admin) = TestApp::with_admin_env(&[
        ("TRUSTDESK_TRUSTED_PROXIES", "10.9.0.0/16, 127.0.0.1"),
        (SIGN_IN_DELAY, "1m"),
    ])
    .await;
    // The client claims an address, then our proxies (one of them in the listed range) append
    // what they saw: the right-most address that is not a trusted proxy is the client's.
    let proxied = |chain: &str| app.browser_with_headers(&[("x-forwarded-for", chain)]);
    let mallory = proxied("192.0.2.1, 203.0.113.9, 10.9.4.2");
    for _ in 0..3 {
        let response = mallory.login(ADMIN, "not the password at all").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        failed_sign_in_addresses(&app)
            .await
            .first()
            .map(String::as_str),
        Some("203.0.113.9")
    );
    assert_eq!(
        mallory.login(ADMIN, ADMIN_PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "that address waits"
    );
    // Someone else behind the same proxy is not held up by it.
    let alice = proxied("198.51.100.20");
    assert_eq!(
        alice.login(ADMIN, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
}
