use crate::harness::*;
use reqwest::StatusCode;

const NEW_USER: [(&str, &str); 4] = [
    ("user[username]", "mallory"),
    ("user[role]", "admin"),
    ("user[password]", "mallory password 1"),
    ("user[password_confirm]", "mallory password 1"),
];

#[tokio::test]
async fn a_mutation_without_the_csrf_token_is_refused_and_changes_nothing() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let users_before = app.count("SELECT COUNT(*) FROM users").await;
    let audit_before = app.count("SELECT COUNT(*) FROM audit_log").await;

    // As a script would send it, and as a cross-site form would (no JavaScript).
    let response = admin
        .send_form("/api/users/add", &NEW_USER, "application/json")
        .await;
    expect_error(response, StatusCode::FORBIDDEN, "Reload the page").await;
    let response = admin
        .send_form("/api/users/add", &NEW_USER, "text/html")
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.text().await.unwrap().contains("Form expired"));

    // A token, but not this session's.
    let other = app.browser();
    let foreign = other.csrf().await;
    let mut fields = vec![("_csrf", foreign.as_str())];
    fields.extend_from_slice(&NEW_USER);
    let response = admin
        .send_form("/api/users/add", &fields, "application/json")
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Even signing out needs the token.
    let response = admin
        .send_form("/api/logout", &[], "application/json")
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(admin.signed_in_as().await.as_deref(), Some(ADMIN));

    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users_before);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log").await,
        audit_before
    );

    // With the token, in the header the way a script may send it, the same request works.
    let token = admin.csrf().await;
    let response = reqwest::Client::builder()
        .build()
        .unwrap()
        .post(format!("{}/api/users/add", app.url))
        .header("x-csrf-token", token)
        .header(
            "cookie",
            format!("trustdesk_session={}", admin.session_cookie().unwrap()),
        )
        .header("accept", "application/json")
        .form(&NEW_USER)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users").await,
        users_before + 1
    );
}

#[tokio::test]
async fn sign_in_itself_needs_the_token() {
    let (app, _admin) = TestApp::builder().build_with_admin().await;
    let browser = app.browser();
    let response = browser
        .send_form(
            "/api/login",
            &[
                ("username", ADMIN),
                ("password", ADMIN_PASSWORD),
                ("next", "/"),
            ],
            "application/json",
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(browser.signed_in_as().await, None);
}
