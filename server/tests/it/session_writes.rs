//! Sessions are written back only when something in them changes: reading pages is no database
//! write (the idle timeout's once-a-minute push is tested beside `keep_session_alive`).

use crate::harness::*;
use reqwest::StatusCode;
use std::time::Duration;

async fn stored_expiry(app: &TestApp, browser: &Browser) -> String {
    let id = browser.session_cookie().expect("a session cookie");
    sqlx::query_scalar("SELECT expiry_date FROM tower_sessions WHERE id = ?")
        .bind(&id)
        .fetch_one(&app.db().await)
        .await
        .expect("the session is stored")
}

#[tokio::test]
async fn page_views_do_not_write_the_session_back() {
    let (app, admin) = TestApp::with_admin().await;
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
