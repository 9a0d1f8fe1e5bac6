use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

/// Runs `trustdesk audit verify` without blocking the runtime the test server runs on.
async fn verify(app: &TestApp) -> std::process::Output {
    tokio::process::Command::new(trustdesk_binary())
        .args(["audit", "verify", "--data-dir"])
        .arg(&app.data_dir)
        .output()
        .await
        .unwrap()
}

#[tokio::test]
async fn audit_verify_passes_untouched_and_names_an_altered_row() {
    let (app, admin) = TestApp::with_admin().await;
    app.add_user(&admin, "carol", "viewer", "carol password 12")
        .await;
    app.browser().login("carol", "wrong password here").await;
    let rows = app.count("SELECT COUNT(*) FROM audit_log").await;
    assert!(rows >= 3);

    let output = verify(&app).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    assert_eq!(
        stdout.trim(),
        format!("Audit chain intact: {rows} rows checked.")
    );

    sqlx::query("UPDATE audit_log SET actor = 'someone-else' WHERE id = 2")
        .execute(&app.db().await)
        .await
        .unwrap();
    let output = verify(&app).await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(3));
    assert!(
        stdout.starts_with("Audit chain broken at row 2:"),
        "{stdout}"
    );

    // The Audit page reports the same.
    let report: Value = admin
        .get_json("/api/audit/verify")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["first_broken"]["id"], 2);
}

#[tokio::test]
async fn rows_carry_who_what_where_and_no_secrets() {
    let (app, admin) = TestApp::with_admin().await;
    app.add_user(&admin, "dave", "viewer", "dave secret password")
        .await;
    let page: Value = admin
        .get_json("/api/audit?page=1")
        .await
        .json()
        .await
        .unwrap();
    let newest = &page["entries"][0];
    assert_eq!(newest["action"], "user.add");
    assert_eq!(newest["actor"], ADMIN);
    assert_eq!(newest["client_ip"], "127.0.0.1");
    assert_eq!(newest["target_kind"], "user");
    assert_eq!(newest["target_id"], "dave");
    assert_eq!(newest["outcome"], "ok");
    assert_eq!(newest["hash"].as_str().unwrap().len(), 64);
    let everything: Vec<String> =
        sqlx::query_scalar("SELECT params || message || actor FROM audit_log")
            .fetch_all(&app.db().await)
            .await
            .unwrap();
    assert!(everything
        .iter()
        .all(|r| !r.contains("dave secret password") && !r.contains(ADMIN_PASSWORD)));
}

#[tokio::test]
async fn a_change_whose_audit_row_cannot_be_written_does_not_happen() {
    let (app, admin) = TestApp::with_admin().await;
    // Make every audit insert fail, as a full disk or a broken table would.
    sqlx::query(
        "CREATE TRIGGER audit_unwritable BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'disk full'); END",
    )
    .execute(&app.db().await)
    .await
    .unwrap();
    let response = admin
        .call(
            "/api/users/add",
            &[
                ("user[username]", "ghost"),
                ("user[role]", "viewer"),
                ("user[password]", "ghost password 12"),
                ("user[password_confirm]", "ghost password 12"),
            ],
        )
        .await;
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("nothing was changed"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE username = 'ghost'")
            .await,
        0
    );

    // Signing in is refused too: no audit row, no session.
    let browser = app.browser();
    assert_eq!(
        browser.login(ADMIN, ADMIN_PASSWORD).await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(browser.signed_in_as().await, None);
}

#[tokio::test]
async fn the_audit_page_renders_rows_newest_first() {
    let (app, admin) = TestApp::with_admin().await;
    app.add_user(&admin, "erin", "viewer", "erin password 123")
        .await;
    let html = admin.get("/audit").await.text().await.unwrap();
    let add = html
        .find("data-action=\"user.add\"")
        .expect("the user.add row");
    let setup = html
        .find("data-action=\"setup.create_admin\"")
        .expect("the setup row");
    assert!(add < setup, "newest first");
    let html = admin.get("/audit?verify=1").await.text().await.unwrap();
    assert!(html.contains("Chain intact: 2 rows checked."), "{html}");
}
