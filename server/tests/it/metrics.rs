//! `/metrics`: the Prometheus text of this server's own figures, for loopback (by default), the
//! configured addresses and the bearer token's holders; a 404 like any unknown path for others.

use crate::harness::*;
use reqwest::{header, StatusCode};
use serde_json::Value;

const TOKEN: &str = "scrape-token-0123456789abcdef";

async fn scrape(browser: &Browser) -> String {
    let response = browser.get("/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"),
        "{:?}",
        response.headers()
    );
    assert_eq!(
        response.headers()[header::CACHE_CONTROL],
        "no-store",
        "live figures are kept by no cache on the way"
    );
    response.text().await.unwrap()
}

/// The value of the sample whose name and labels start with `series` (labels in the order
/// they are recorded), e.g. `trustdesk_items{kind="saml-provider"`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find(|line| line.starts_with(series))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

fn has(text: &str, series: &str) -> f64 {
    sample(text, series).unwrap_or_else(|| panic!("no {series} in:\n{text}"))
}

#[tokio::test]
async fn every_family_counts_what_this_server_did() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    // One throttled attempt: the SDK retries it.
    reqwest::Client::new()
        .post(format!(
            "{}/_emulator/faults",
            app.emulator_endpoint.as_ref().unwrap()
        ))
        .header("content-type", "application/json")
        .body(r#"{"operation":"ListSAMLProviders","times":1,"kind":"throttle"}"#)
        .send()
        .await
        .unwrap();
    refresh_kind(&admin, "saml-provider").await;
    refresh_kind(&admin, "server-certificate").await;
    assert_eq!(admin.get("/saml-providers").await.status(), StatusCode::OK);
    let stranger = app.browser();
    assert_eq!(
        stranger
            .login(ADMIN, "not the password at all")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let created = admin
        .call(
            "/api/shares/create",
            &[
                ("form[scope]", "inventory"),
                ("form[kind]", "server-certificate"),
                ("form[account]", "dev"),
                ("form[label]", "auditor"),
                ("form[lifetime_hours]", "24"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let url = created.json::<Value>().await.unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let token = url.rsplit('/').next().unwrap().to_string();
    assert_eq!(
        reqwest::get(&url).await.unwrap().status(),
        StatusCode::OK,
        "{url}"
    );

    let text = scrape(&app.browser()).await;
    // Requests by route pattern and status, with latency buckets.
    assert_eq!(
        has(
            &text,
            r#"trustdesk_http_requests_total{route="/{kinds}",method="GET",status="200"}"#
        ),
        1.0
    );
    assert!(
        has(
            &text,
            r#"trustdesk_http_request_duration_seconds_bucket{route="/{kinds}",method="GET",le="+Inf"}"#
        ) >= 1.0
    );
    assert_eq!(
        has(
            &text,
            r#"trustdesk_http_requests_total{route="/api/login",method="POST",status="401"}"#
        ),
        1.0
    );
    assert_eq!(
        has(
            &text,
            r#"trustdesk_http_requests_total{route="/s/{token}",method="GET",status="200"}"#
        ),
        1.0
    );
    // AWS calls by service, operation and outcome; the throttled attempt and its retry.
    assert!(
        has(
            &text,
            r#"trustdesk_aws_calls_total{service="iam",operation="ListSAMLProviders",outcome="ok"}"#
        ) >= 1.0
    );
    assert!(
        has(
            &text,
            r#"trustdesk_aws_call_duration_seconds_count{service="iam",operation="ListSAMLProviders"}"#
        ) >= 1.0
    );
    assert_eq!(
        has(
            &text,
            r#"trustdesk_aws_throttles_total{service="iam",operation="ListSAMLProviders"}"#
        ),
        1.0
    );
    assert_eq!(
        has(
            &text,
            r#"trustdesk_aws_retries_total{service="iam",operation="ListSAMLProviders"}"#
        ),
        1.0
    );
    // Sync runs per scope, and the cache's counts after them.
    assert_eq!(
        has(
            &text,
            r#"trustdesk_sync_runs_total{kind="saml-provider",account="dev",region="global",outcome="ok"}"#
        ),
        1.0
    );
    assert!(
        has(
            &text,
            r#"trustdesk_sync_duration_seconds_count{kind="saml-provider",account="dev",region="global"}"#
        ) >= 1.0
    );
    let certificates = app
        .count(
            "SELECT COUNT(*) FROM resources WHERE kind = 'server-certificate' AND gone_at IS NULL",
        )
        .await;
    assert!(certificates > 0);
    assert_eq!(
        has(&text, r#"trustdesk_items{kind="server-certificate"}"#),
        certificates as f64
    );
    let within_30 = has(
        &text,
        r#"trustdesk_items_expiring{kind="server-certificate",within="30d"}"#,
    );
    let within_7 = has(
        &text,
        r#"trustdesk_items_expiring{kind="server-certificate",within="7d"}"#,
    );
    assert!(within_7 <= within_30 && within_30 <= certificates as f64);
    // Sign-in failures, share views, the outbox and the pool.
    assert_eq!(
        has(
            &text,
            r#"trustdesk_sign_in_failures_total{reason="wrong_password"}"#
        ),
        1.0
    );
    assert_eq!(
        has(&text, r#"trustdesk_share_views_total{outcome="shown"}"#),
        1.0
    );
    assert_eq!(has(&text, "trustdesk_outbox_mails "), 0.0);
    assert!(has(&text, "trustdesk_db_pool_connections ") >= 1.0);
    sample(&text, "trustdesk_db_pool_idle_connections ").expect("the idle gauge");
    assert!(text.contains("# HELP trustdesk_aws_calls_total"), "{text}");
    // Labels are patterns and fixed sets, never an id, a token or a username.
    assert!(!text.contains(&token), "the share token is not a label");
    assert!(!text.contains("/saml-providers"), "{text}");
    assert!(!text.contains(ADMIN), "no username: {text}");
}

#[tokio::test]
async fn other_addresses_get_a_404_unless_they_bring_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("metrics-token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    let app = TestApp::builder()
        .env(&[
            ("TRUSTDESK_TRUSTED_PROXIES", "127.0.0.1"),
            ("TRUSTDESK_METRICS_TOKEN_FILE", token_file.to_str().unwrap()),
        ])
        .build()
        .await;
    // From loopback itself: allowed by default.
    scrape(&app.browser()).await;
    // Through the proxy, from far away: refused the way an unknown path is.
    let far = app.browser_with_headers(&[("x-forwarded-for", "203.0.113.9")]);
    let refused = far.get("/metrics").await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    assert!(!refused.text().await.unwrap().contains("trustdesk_"));
    let wrong = app.browser_with_headers(&[
        ("x-forwarded-for", "203.0.113.9"),
        ("authorization", "Bearer scrape-token-0123456789abcdeX"),
    ]);
    assert_eq!(wrong.get("/metrics").await.status(), StatusCode::NOT_FOUND);
    let holder = app.browser_with_headers(&[
        ("x-forwarded-for", "203.0.113.9"),
        ("authorization", &format!("Bearer {TOKEN}")),
    ]);
    let text = scrape(&holder).await;
    assert!(
        text.contains(
            r#"trustdesk_http_requests_total{route="/metrics",method="GET",status="404"} 2"#
        ),
        "the refusals are counted: {text}"
    );
}

#[tokio::test]
async fn an_allow_list_replaces_loopback() {
    let app = TestApp::builder()
        .env(&[
            ("TRUSTDESK_TRUSTED_PROXIES", "127.0.0.1"),
            ("TRUSTDESK_METRICS_ALLOW", "10.20.0.0/16"),
        ])
        .build()
        .await;
    assert_eq!(
        app.browser().get("/metrics").await.status(),
        StatusCode::NOT_FOUND,
        "loopback is no longer listed, and no token is configured"
    );
    let inside = app.browser_with_headers(&[("x-forwarded-for", "10.20.3.4")]);
    scrape(&inside).await;
    let outside = app.browser_with_headers(&[("x-forwarded-for", "10.21.3.4")]);
    assert_eq!(
        outside.get("/metrics").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn sign_in_waits_are_counted_apart_from_failures() {
    let app = TestApp::builder()
        .env(&[(SIGN_IN_DELAY, "1m")])
        .build_with_admin()
        .await
        .0;
    let guesser = app.browser();
    for _ in 0..3 {
        let response = guesser.login(ADMIN, "guessing wrong again").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let held = guesser.login(ADMIN, "guessing wrong again").await;
    assert_eq!(held.status(), StatusCode::TOO_MANY_REQUESTS);
    let text = scrape(&app.browser()).await;
    assert_eq!(
        has(
            &text,
            r#"trustdesk_sign_in_failures_total{reason="wrong_password"}"#
        ),
        3.0
    );
    assert_eq!(
        has(
            &text,
            r#"trustdesk_sign_in_throttled_total{form="sign_in"}"#
        ),
        1.0
    );
}
