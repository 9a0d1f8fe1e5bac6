//! The client's address behind a TLS proxy: `X-Forwarded-For` counts only when the connection
//! comes from a proxy listed in `trusted_proxies`, and a header that cannot be read makes the
//! client unknown (tested through a real nginx).

use crate::{harness::*, nginx::Nginx};
use reqwest::{
    header::{self, HeaderMap, HeaderValue},
    StatusCode,
};
use std::{net::IpAddr, time::Duration};

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
    let (app, _admin) = TestApp::builder()
        .env(&[(SIGN_IN_DELAY, "1m")])
        .build_with_admin()
        .await;
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
    let (app, _admin) = TestApp::builder()
        .env(&[
            ("TRUSTDESK_TRUSTED_PROXIES", "10.9.0.0/16, 127.0.0.1"),
            (SIGN_IN_DELAY, "1m"),
        ])
        .build_with_admin()
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

/// A client on a loopback address of its own (`source`, not the proxy's 127.0.0.1) reaching
/// trustdesk through nginx, sending `forwarded_for` as the raw bytes of its own
/// `X-Forwarded-For` (nginx appends the address it saw).
struct Remote {
    client: reqwest::Client,
    base: String,
}

impl Remote {
    fn new(nginx: &Nginx, source: [u8; 4], forwarded_for: Option<&[u8]>) -> Self {
        let mut headers = HeaderMap::new();
        if let Some(bytes) = forwarded_for {
            let value = HeaderValue::from_bytes(bytes).expect("bytes a header line may carry");
            headers.insert("x-forwarded-for", value);
        }
        let client = reqwest::Client::builder()
            .local_address(IpAddr::from(source))
            .cookie_store(true)
            .default_headers(headers)
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        Self {
            client,
            base: nginx.url.clone(),
        }
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET through nginx")
    }

    /// A wrong password for the admin, posted as the hydrated app posts it.
    async fn sign_in_wrongly(&self) -> StatusCode {
        let session: serde_json::Value = self
            .client
            .get(format!("{}/api/session", self.base))
            .header(header::ACCEPT, "application/json")
            .send()
            .await
            .expect("GET /api/session through nginx")
            .json()
            .await
            .expect("session json");
        let token = session["csrf_token"].as_str().expect("a CSRF token");
        self.client
            .post(format!("{}/api/login", self.base))
            .header(header::ACCEPT, "application/json")
            .form(&[
                ("_csrf", token),
                ("username", ADMIN),
                ("password", "not the password at all"),
                ("next", "/"),
            ])
            .send()
            .await
            .expect("POST /api/login through nginx")
            .status()
    }
}

#[tokio::test]
async fn behind_nginx_an_unreadable_forwarded_for_makes_the_client_unknown_not_the_proxy() {
    let (app, _admin) = TestApp::builder()
        .env(&[
            ("TRUSTDESK_TRUSTED_PROXIES", "127.0.0.1"),
            // Prometheus scrapes from the proxy's host; the clients here are elsewhere.
            ("TRUSTDESK_METRICS_ALLOW", "127.0.0.1"),
            (SIGN_IN_DELAY, "1m"),
        ])
        .build_with_admin()
        .await;
    let nginx = Nginx::start(&app.url);
    // A client at 127.0.0.2 is who nginx saw: no metrics for it, its address in the audit.
    let plain = Remote::new(&nginx, [127, 0, 0, 2], None);
    assert_eq!(plain.get("/metrics").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(plain.sign_in_wrongly().await, StatusCode::UNAUTHORIZED);
    // The same client with a raw 0xff in its header: nginx extends that line, so the hop it
    // appended cannot be read. The client is unknown, never the proxy.
    let unreadable = Remote::new(&nginx, [127, 0, 0, 2], Some(b"\xff"));
    assert_eq!(
        unreadable.get("/metrics").await.status(),
        StatusCode::NOT_FOUND,
        "an unknown client is in no allow list (the proxy's 127.0.0.1 is)"
    );
    assert_eq!(unreadable.sign_in_wrongly().await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        failed_sign_in_addresses(&app).await,
        ["127.0.0.2", "unknown"]
    );
    // Every unknown client is counted as one: two failures from another client with another
    // unreadable header make the third of (admin, unknown), so the next unknown one waits.
    let elsewhere = Remote::new(&nginx, [127, 0, 0, 3], Some(b"caf\xc3\xa9, 203.0.113.9"));
    for _ in 0..2 {
        assert_eq!(elsewhere.sign_in_wrongly().await, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        unreadable.sign_in_wrongly().await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        plain.sign_in_wrongly().await,
        StatusCode::UNAUTHORIZED,
        "127.0.0.2 known by its address has counts of its own"
    );
    let recorded = failed_sign_in_addresses(&app).await;
    assert!(
        recorded
            .iter()
            .all(|ip| ip == "127.0.0.2" || ip == "unknown"),
        "never the proxy's address: {recorded:?}"
    );
}
