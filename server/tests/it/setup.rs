use crate::harness::*;
use reqwest::StatusCode;

fn admin_fields<'a>(token: &'a str, username: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("token", token),
        ("admin[username]", username),
        ("admin[role]", "admin"),
        ("admin[password]", ADMIN_PASSWORD),
        ("admin[password_confirm]", ADMIN_PASSWORD),
    ]
}

#[tokio::test]
async fn the_setup_link_creates_the_first_admin_once() {
    let app = TestApp::builder().build().await;
    let url = app
        .setup_url
        .clone()
        .expect("no admin yet, so a setup link");
    assert!(
        url.starts_with(&format!("{}/setup?token=", app.url)),
        "{url}"
    );
    let token = app.setup_token();

    let browser = app.browser();
    let state = browser
        .get_json(&format!("/api/setup_link?token={token}"))
        .await;
    assert_eq!(state.text().await.unwrap(), "\"Usable\"");
    assert_eq!(browser.session().await["needs_setup"], true);

    // Without JavaScript: the form posts, the server redirects to the dashboard, signed in.
    let response = browser
        .post_form("/api/setup", &admin_fields(&token, "root"), "/setup")
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    assert_eq!(response.headers()["location"], "/");
    assert_eq!(browser.signed_in_as().await.as_deref(), Some("root"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'admin'")
            .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'setup.create_admin' AND actor = 'root'"
        )
        .await,
        1
    );

    assert_eq!(
        app.count("SELECT COUNT(*) FROM setup_tokens WHERE used_at IS NOT NULL")
            .await,
        1,
        "the link is spent"
    );

    // The same link again, from another browser: refused, and no second admin.
    let other = app.browser();
    let response = other
        .call("/api/setup", &admin_fields(&token, "intruder"))
        .await;
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    let state = other
        .get_json(&format!("/api/setup_link?token={token}"))
        .await;
    assert_eq!(state.text().await.unwrap(), "\"Done\"");
}

#[tokio::test]
async fn an_expired_or_wrong_setup_link_is_refused() {
    let app = TestApp::builder().build().await;
    let token = app.setup_token();
    let browser = app.browser();

    let response = browser
        .call("/api/setup", &admin_fields("not-the-token", "root"))
        .await;
    expect_error(response, StatusCode::FORBIDDEN, "invalid, has expired").await;

    // An hour passes.
    sqlx::query("UPDATE setup_tokens SET expires_at = '2000-01-01T00:00:00.000Z'")
        .execute(&app.db().await)
        .await
        .unwrap();
    let state = browser
        .get_json(&format!("/api/setup_link?token={token}"))
        .await;
    assert_eq!(state.text().await.unwrap(), "\"Unusable\"");
    let response = browser
        .call("/api/setup", &admin_fields(&token, "root"))
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
    assert_eq!(browser.signed_in_as().await, None);
}

#[tokio::test]
async fn setup_validates_every_field_and_keeps_the_link_usable() {
    let app = TestApp::builder().build().await;
    let token = app.setup_token();
    let browser = app.browser();
    let response = browser
        .call(
            "/api/setup",
            &[
                ("token", token.as_str()),
                ("admin[username]", "Root User"),
                ("admin[role]", "admin"),
                ("admin[password]", "short"),
                ("admin[password_confirm]", "different"),
            ],
        )
        .await;
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields = field_names(&error);
    assert_eq!(fields, ["username", "password", "password_confirm"]);
    let state = browser
        .get_json(&format!("/api/setup_link?token={token}"))
        .await;
    assert_eq!(
        state.text().await.unwrap(),
        "\"Usable\"",
        "a rejected form does not use up the link"
    );
}

#[tokio::test]
async fn a_form_error_without_javascript_returns_to_the_form_with_the_error() {
    let app = TestApp::builder().build().await;
    let token = app.setup_token();
    let browser = app.browser();
    let mut fields = admin_fields(&token, "root");
    fields[3] = ("admin[password]", "short");
    let referer = format!("/setup?token={token}");
    let response = browser.post_form("/api/setup", &fields, &referer).await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(location.contains("/setup?token="), "{location}");
    assert!(
        location.contains("__err="),
        "the error travels in the redirect: {location}"
    );
    // The page it returns to shows the field's message.
    let page = browser
        .get(location.trim_start_matches(&app.url))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Use at least 12 characters"), "{page}");
}
