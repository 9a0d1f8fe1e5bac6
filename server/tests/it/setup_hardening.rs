//! `POST /api/setup` is open to anyone: it checks the link before it spends a password hash,
//! and an address that keeps guessing has to wait.

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
async fn a_wrong_setup_token_is_refused_before_any_password_is_hashed() {
    let app = TestApp::builder().build().await;
    let browser = app.browser();
    let hashed = app.console.passwords().argon2_runs();
    let response = browser
        .call("/api/setup", &admin_fields("not-the-token", "root"))
        .await;
    expect_error(response, StatusCode::FORBIDDEN, "invalid, has expired").await;
    assert_eq!(app.console.passwords().argon2_runs(), hashed);

    // Once set up, the link is refused the same way, without hashing.
    let token = app.setup_token();
    let response = browser
        .call("/api/setup", &admin_fields(&token, "root"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let hashed = app.console.passwords().argon2_runs();
    let other = app.browser();
    let response = other
        .call("/api/setup", &admin_fields(&token, "root2"))
        .await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(app.console.passwords().argon2_runs(), hashed);
}

#[tokio::test]
async fn an_address_that_keeps_guessing_setup_tokens_has_to_wait() {
    let app = TestApp::builder()
        .env(&[(SIGN_IN_DELAY, "1m")])
        .build()
        .await;
    let browser = app.browser();
    let mut statuses = Vec::new();
    for i in 0..12 {
        let guess = format!("guess-{i}");
        let response = browser
            .call("/api/setup", &admin_fields(&guess, "root"))
            .await;
        statuses.push(response.status());
    }
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::FORBIDDEN)
        .count();
    assert_eq!(refused, 10, "ten guesses are answered: {statuses:?}");
    assert!(
        statuses[10..]
            .iter()
            .all(|s| *s == StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
    let response = browser
        .call("/api/setup", &admin_fields(&app.setup_token(), "root"))
        .await;
    expect_error(response, StatusCode::TOO_MANY_REQUESTS, "Wait 1 minute").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}
