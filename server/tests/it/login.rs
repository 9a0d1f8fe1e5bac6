use crate::harness::*;
use reqwest::StatusCode;

#[tokio::test]
async fn signing_in_cycles_the_session_and_signing_out_ends_it() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let viewer = signed_in_viewer(&app, &admin).await;
    drop(admin);
    let browser = app.browser();
    // Visiting the sign-in page stores no session.
    let page = browser.get("/login").await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(browser.session_cookie(), None, "no session before sign-in");
    // A session id planted in the browser (here another user's) is not kept at sign-in.
    let before = viewer.session_cookie().expect("the viewer's session");
    browser.plant_session_cookie(&before);
    assert_eq!(browser.signed_in_as().await.as_deref(), Some("val"));
    let csrf_before = browser.csrf().await;

    let response = browser
        .post_form(
            "/api/login",
            &[
                ("username", ADMIN),
                ("password", ADMIN_PASSWORD),
                ("next", "/audit?page=1"),
            ],
            "/login",
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/audit?page=1");
    let after = browser
        .session_cookie()
        .expect("a session cookie after sign-in");
    assert_ne!(before, after, "the session id changes at sign-in");
    assert_ne!(
        csrf_before,
        browser.csrf().await,
        "the CSRF token changes at sign-in"
    );
    assert_eq!(browser.signed_in_as().await.as_deref(), Some(ADMIN));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login' AND outcome = 'ok'")
            .await,
        2,
        "the viewer's and this one"
    );

    let response = browser.call("/api/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(browser.signed_in_as().await, None);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE action = 'auth.logout'")
            .await,
        1
    );
}

#[tokio::test]
async fn the_session_cookie_is_http_only_and_same_site_lax() {
    let (app, _admin) = TestApp::builder().build_with_admin().await;
    let browser = app.browser();
    // A visitor gets the CSRF cookie only: the session is made at sign-in.
    let page = browser.get("/login").await;
    let cookies = set_cookies(&page);
    assert!(
        cookies.iter().all(|c| !c.starts_with("trustdesk_session=")),
        "{cookies:?}"
    );
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("trustdesk_csrf="))
        .unwrap_or_else(|| panic!("{cookies:?}"));
    let signed_in = browser.login(ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let cookies = set_cookies(&signed_in);
    let session = cookies
        .iter()
        .find(|c| c.starts_with("trustdesk_session="))
        .unwrap_or_else(|| panic!("{cookies:?}"));
    for cookie in [csrf, session] {
        assert!(cookie.contains("HttpOnly"), "{cookie}");
        assert!(cookie.contains("SameSite=Lax"), "{cookie}");
        assert!(
            !cookie.contains("Secure"),
            "plain http public URL: {cookie}"
        );
    }
}

fn set_cookies(response: &reqwest::Response) -> Vec<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_answer() {
    let (app, _admin) = TestApp::builder().build_with_admin().await;
    let browser = app.browser();
    let (status_a, wrong_password) =
        error_of(browser.login(ADMIN, "not the password at all").await).await;
    let (status_b, unknown_user) =
        error_of(browser.login("nobody", "not the password at all").await).await;
    assert_eq!(status_a, StatusCode::UNAUTHORIZED);
    assert_eq!(status_a, status_b);
    // The same but for the request's own id, which tells nothing about the account.
    let without_request_id = |error: &serde_json::Value| {
        let mut error = error.clone();
        let id = error.as_object_mut().unwrap().remove("request_id");
        assert!(id.is_some_and(|id| id.as_str().is_some_and(|id| !id.is_empty())));
        error
    };
    assert_eq!(
        without_request_id(&wrong_password),
        without_request_id(&unknown_user)
    );
    assert_eq!(wrong_password["message"], "Wrong username or password.");
    assert_eq!(browser.signed_in_as().await, None);
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'auth.login' AND outcome = 'error'"
        )
        .await,
        2,
        "failed sign-ins are audited"
    );
}

#[tokio::test]
async fn repeated_failures_make_the_account_wait_even_with_the_right_password() {
    let (app, _admin) = TestApp::builder()
        .env(&[(SIGN_IN_DELAY, "1m")])
        .build_with_admin()
        .await;
    let browser = app.browser();
    // Three are free; then each attempt waits (a growing delay, not a lockout: see
    // sign_in_hardening).
    for _ in 0..3 {
        let response = browser.login(ADMIN, "guessing wrong again").await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    expect_error(
        browser.login(ADMIN, ADMIN_PASSWORD).await,
        StatusCode::TOO_MANY_REQUESTS,
        "Too many failed sign-ins",
    )
    .await;
    assert_eq!(browser.signed_in_as().await, None);
}

#[tokio::test]
async fn repeated_failures_from_one_address_throttle_it_across_accounts() {
    let (app, admin) = TestApp::builder()
        .env(&[(SIGN_IN_DELAY, "1m")])
        .build_with_admin()
        .await;
    app.add_user(&admin, "bob", "viewer", "bob password 1234")
        .await;
    let browser = app.browser();
    for i in 0..20 {
        let response = browser
            .login(&format!("sprayed-{i}"), "spray password")
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let (status, _) = error_of(browser.login("bob", "bob password 1234").await).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn pages_need_a_session_and_send_visitors_to_sign_in() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let anonymous = app.browser();
    let response = anonymous.get("/audit?page=2").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/login?next=%2Faudit%3Fpage%3D2"
    );
    assert_eq!(anonymous.get("/login").await.status(), StatusCode::OK);
    // Data is refused too, not only pages.
    let (status, _) = error_of(anonymous.get_json("/api/audit?query[page]=1").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let dashboard = admin.get("/").await;
    assert_eq!(dashboard.status(), StatusCode::OK);
    let html = dashboard.text().await.unwrap();
    assert!(
        html.contains("id=\"current-user\""),
        "the dashboard renders on the server"
    );
    assert!(html.contains(ADMIN));
    assert_eq!(
        admin.get("/login").await.status(),
        StatusCode::SEE_OTHER,
        "signed in: no sign-in page"
    );
    assert_eq!(
        admin.get("/no-such-page").await.status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn health_and_security_headers() {
    let app = TestApp::builder().build().await;
    let browser = app.browser();
    let health = browser.get_json("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    let page = browser.get("/login").await;
    let headers = page.headers();
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["content-security-policy"]
        .to_str()
        .unwrap()
        .contains("frame-ancestors 'none'"));
    let health: serde_json::Value = health.json().await.unwrap();
    assert_eq!(health["database"], "ok");
}
