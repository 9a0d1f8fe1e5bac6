//! A visitor who is not signed in stores nothing: page views and the session info write no
//! session row; the sign-in form works without one (its CSRF token is bound to a cookie of its
//! own), and the session is created at sign-in, with a new token.

use crate::harness::*;
use reqwest::{header, StatusCode};

async fn sessions(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM tower_sessions").await
}

/// The `_csrf` value the page rendered into its form.
fn form_token(page: &str) -> String {
    let at = page
        .find("name=\"_csrf\"")
        .expect("a CSRF field in the form");
    let tag_start = page[..at].rfind('<').unwrap();
    let tag = &page[tag_start..tag_start + page[tag_start..].find('>').unwrap()];
    tag.split("value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the field's value")
        .to_string()
}

#[tokio::test]
async fn anonymous_page_views_store_no_session() {
    let (app, _admin) = TestApp::builder().build_with_admin().await;
    let before = sessions(&app).await;
    // Cookieless visitors, as crawlers and scanners come, and one browser coming back.
    for _ in 0..5 {
        let visitor = app.browser();
        assert_eq!(visitor.get("/login").await.status(), StatusCode::OK);
        assert_eq!(visitor.get("/").await.status(), StatusCode::SEE_OTHER);
    }
    let returning = app.browser();
    for _ in 0..5 {
        assert_eq!(returning.get("/login").await.status(), StatusCode::OK);
        // A public page whose answer is a refusal.
        assert_eq!(
            returning.get("/alerts/link?token=x").await.status(),
            StatusCode::FORBIDDEN
        );
        returning.session().await;
    }
    assert_eq!(sessions(&app).await, before, "a page view stored a session");
}

#[tokio::test]
async fn sign_in_without_a_stored_session_with_and_without_javascript() {
    let (app, _admin) = TestApp::builder().build_with_admin().await;
    let before = sessions(&app).await;

    // Without JavaScript: the token comes from the page's form.
    let plain = app.browser();
    let page = plain.get("/login").await.text().await.unwrap();
    let token = form_token(&page);
    let response = plain
        .send_form(
            "/api/login",
            &[
                ("_csrf", token.as_str()),
                ("username", ADMIN),
                ("password", ADMIN_PASSWORD),
                ("next", "/audit"),
            ],
            "text/html,application/xhtml+xml",
        )
        .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    assert_eq!(plain.signed_in_as().await.as_deref(), Some(ADMIN));
    assert_eq!(sessions(&app).await, before + 1, "the sign-in stored it");
    let rotated = plain.csrf().await;
    assert_ne!(rotated, token, "a new token at sign-in");
    // The signed-out token no longer acts for the signed-in session.
    let refused = plain
        .send_form(
            "/api/logout",
            &[("_csrf", token.as_str())],
            "application/json",
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(plain.signed_in_as().await.as_deref(), Some(ADMIN));

    // As the hydrated app does: the token from the session info, in the header (cookies by
    // hand, to show which ones it takes).
    let http = reqwest::Client::new();
    let info = http
        .get(format!("{}/api/session", app.url))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    let cookie = info
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("trustdesk_csrf="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("a CSRF cookie, not a session");
    let token = info.json::<serde_json::Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let response = http
        .post(format!("{}/api/login", app.url))
        .header("x-csrf-token", &token)
        .header(header::COOKIE, &cookie)
        .header(header::ACCEPT, "application/json")
        .form(&[
            ("username", ADMIN),
            ("password", ADMIN_PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("trustdesk_session=")),
        "signed in"
    );

    // And through the harness's form field.
    let scripted = app.browser();
    assert_eq!(
        scripted.login(ADMIN, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
    assert_eq!(scripted.signed_in_as().await.as_deref(), Some(ADMIN));
}

#[tokio::test]
async fn sign_in_with_a_missing_wrong_or_other_browsers_token_is_refused() {
    let (app, _admin) = TestApp::builder().build_with_admin().await;
    let audit_before = app.count("SELECT COUNT(*) FROM audit_log").await;
    let victim = app.browser();
    victim.get("/login").await;
    let others_token = app.browser().csrf().await;
    let sign_in = |token: String| {
        vec![
            ("_csrf".to_string(), token),
            ("username".into(), ADMIN.into()),
            ("password".into(), ADMIN_PASSWORD.into()),
            ("next".into(), "/".into()),
        ]
    };
    for token in [
        String::new(),
        "forged-token-forged-token-forged-token".into(),
        others_token.clone(),
    ] {
        let fields = sign_in(token.clone());
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let response = victim
            .send_form("/api/login", &fields, "application/json")
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{token:?}");
    }
    // A token without its cookie.
    let cookieless = reqwest::Client::new()
        .post(format!("{}/api/login", app.url))
        .header(header::ACCEPT, "application/json")
        .form(&sign_in(others_token))
        .send()
        .await
        .unwrap();
    assert_eq!(cookieless.status(), StatusCode::FORBIDDEN);
    assert_eq!(victim.signed_in_as().await, None);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log").await,
        audit_before,
        "refused before the sign-in ran"
    );
}

#[tokio::test]
async fn signing_out_when_not_signed_in_stores_nothing() {
    let (app, _admin) = TestApp::builder().build_with_admin().await;
    let before = sessions(&app).await;
    for _ in 0..20 {
        // A stranger's form without JavaScript, each from a new browser, as a script would.
        let stranger = app.browser();
        let response = stranger.post_form("/api/logout", &[], "/login").await;
        assert!(response.status().is_redirection(), "{}", response.status());
    }
    assert_eq!(sessions(&app).await, before, "a sign-out stored a session");
}
