//! Sessions are written back only when something in them changes: reading pages is no database
//! write (the idle timeout's once-a-minute push is tested beside `keep_session_alive`).

use crate::harness::*;
use reqwest::StatusCode;
use std::time::Duration;

async fn stored_expiry(app: &TestApp, browser: &Browser) -> String {
    let cookie = browser.session_cookie().expect("a session cookie");
    let id = server::web::session_ids::stored_id_of_cookie(&cookie).expect("a session id");
    sqlx::query_scalar("SELECT expiry_date FROM tower_sessions WHERE id = ?")
        .bind(&id)
        .fetch_one(&app.db().await)
        .await
        .expect("the session is stored")
}

#[tokio::test]
async fn page_views_do_not_write_the_session_back() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    assert_eq!(
        admin.get("/verification-tokens").await.status(),
        StatusCode::OK
    );
    let before = stored_expiry(&app, &admin).await;
    // The stored expiry has one-second precision: a write a second later would move it.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    for path in ["/verification-tokens", "/", "/audit"] {
        assert_eq!(admin.get(path).await.status(), StatusCode::OK, "{path}");
    }
    assert_eq!(admin.signed_in_as().await.as_deref(), Some(ADMIN));
    assert_eq!(
        stored_expiry(&app, &admin).await,
        before,
        "reading pages wrote the session"
    );
}

#[tokio::test]
async fn the_database_holds_no_session_id_that_signs_in() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let cookie = admin.session_cookie().expect("a session cookie");
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM tower_sessions")
        .fetch_all(&app.db().await)
        .await
        .unwrap();
    assert!(!stored.is_empty(), "the admin's session is stored");
    assert!(
        !stored.contains(&cookie),
        "the cookie's id is stored in clear: {stored:?}"
    );
    // Someone who copied the table cannot sign in with what it holds.
    for id in &stored {
        let thief = app.browser();
        thief.plant_session_cookie(id);
        assert_eq!(thief.signed_in_as().await, None, "{id} signed in");
    }
    assert_eq!(admin.signed_in_as().await.as_deref(), Some(ADMIN));
}
