use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

#[tokio::test]
async fn an_admin_adds_users_changes_roles_and_disables_accounts() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    app.add_user(&admin, "vera", "viewer", "vera password 123")
        .await;
    let vera = app.user_id("vera").await;

    let list: Value = admin.get_json("/api/users").await.json().await.unwrap();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["admin", "vera"]);
    assert!(
        list.to_string().find("password").is_none(),
        "no password hash leaves the server"
    );

    let vera_id = vera.to_string();
    let response = admin
        .call(
            "/api/users/role",
            &[("user_id", &vera_id), ("role", "admin")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM users WHERE id = {vera} AND role = 'admin'"
        ))
        .await,
        1
    );

    // Vera signs in, then is disabled: her session ends and she cannot sign in again.
    let vera_browser = app.browser();
    assert_eq!(
        vera_browser
            .login("vera", "vera password 123")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(vera_browser.signed_in_as().await.as_deref(), Some("vera"));
    let response = admin
        .call(
            "/api/users/disabled",
            &[("user_id", &vera_id), ("disabled", "true")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(vera_browser.signed_in_as().await, None);
    let (status, _) = error_of(vera_browser.login("vera", "vera password 123").await).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let actions: Vec<String> =
        sqlx::query_scalar("SELECT action FROM audit_log WHERE actor = 'admin' ORDER BY id")
            .fetch_all(&app.db().await)
            .await
            .unwrap();
    assert_eq!(
        actions,
        [
            "setup.create_admin",
            "user.add",
            "user.change_role",
            "user.disable"
        ]
    );
}

#[tokio::test]
async fn adding_a_user_validates_and_refuses_duplicates() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let response = admin
        .call(
            "/api/users/add",
            &[
                ("user[username]", "Bad Name"),
                ("user[role]", "superuser"),
                ("user[password]", "short"),
                ("user[password_confirm]", "short"),
            ],
        )
        .await;
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields = field_names(&error);
    assert_eq!(fields, ["username", "role", "password"]);

    app.add_user(&admin, "dup", "viewer", "dup password 1234")
        .await;
    let response = admin
        .call(
            "/api/users/add",
            &[
                ("user[username]", "dup"),
                ("user[role]", "admin"),
                ("user[password]", "dup password 1234"),
                ("user[password_confirm]", "dup password 1234"),
            ],
        )
        .await;
    let (status, error) = error_of(response).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(error["fields"][0]["field"], "username");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE username = 'dup' AND role = 'viewer'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_viewer_is_refused_every_user_change() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    app.add_user(&admin, "vic", "viewer", "vic password 1234")
        .await;
    let viewer = app.browser();
    assert_eq!(
        viewer.login("vic", "vic password 1234").await.status(),
        StatusCode::OK
    );
    let admin_id = app.user_id(ADMIN).await.to_string();
    let vic_id = app.user_id("vic").await.to_string();
    let snapshot = "SELECT group_concat(username || role || disabled, ',') FROM users";
    let before: String = sqlx::query_scalar(snapshot)
        .fetch_one(&app.db().await)
        .await
        .unwrap();

    let attempts: [(&str, Vec<(&str, &str)>); 4] = [
        (
            "/api/users/add",
            vec![
                ("user[username]", "eve"),
                ("user[role]", "admin"),
                ("user[password]", "eve password 1234"),
                ("user[password_confirm]", "eve password 1234"),
            ],
        ),
        (
            "/api/users/role",
            vec![("user_id", vic_id.as_str()), ("role", "admin")],
        ),
        (
            "/api/users/role",
            vec![("user_id", admin_id.as_str()), ("role", "viewer")],
        ),
        (
            "/api/users/disabled",
            vec![("user_id", admin_id.as_str()), ("disabled", "true")],
        ),
    ];
    for (path, fields) in attempts {
        expect_error(
            viewer.call(path, &fields).await,
            StatusCode::FORBIDDEN,
            "Only admins",
        )
        .await;
    }
    let (status, _) = error_of(viewer.get_json("/api/users").await).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "viewers do not see the user list either"
    );

    let after: String = sqlx::query_scalar(snapshot)
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(before, after);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE actor = 'vic' AND outcome = 'error'")
            .await,
        4,
        "each refusal is audited"
    );
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_or_disabled() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let id = app.user_id(ADMIN).await.to_string();
    let demote = admin
        .call("/api/users/role", &[("user_id", &id), ("role", "viewer")])
        .await;
    expect_error(demote, StatusCode::CONFLICT, "only active admin").await;
    let (status, _) = error_of(
        admin
            .call(
                "/api/users/disabled",
                &[("user_id", &id), ("disabled", "true")],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = error_of(
        admin
            .call(
                "/api/users/role",
                &[("user_id", "9999"), ("role", "viewer")],
            )
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled = 0")
            .await,
        1
    );
}

#[tokio::test]
async fn a_change_without_javascript_leaves_a_flash_message() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let response = admin
        .post_form(
            "/api/users/add",
            &[
                ("user[username]", "nojs"),
                ("user[role]", "viewer"),
                ("user[password]", "nojs password 123"),
                ("user[password_confirm]", "nojs password 123"),
            ],
            "/users",
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    // Leptos leaves an empty query ("?") where it stripped an earlier error; same page.
    let location = response.headers()["location"]
        .to_str()
        .unwrap()
        .trim_end_matches('?')
        .to_string();
    assert_eq!(location, format!("{}/users", app.url));
    let page = admin.get("/users").await.text().await.unwrap();
    assert!(page.contains("User nojs added."), "the flash shows once");
    assert!(page.contains("data-username=\"nojs\""));
    let again = admin.get("/users").await.text().await.unwrap();
    assert!(!again.contains("User nojs added."), "and only once");
}

#[tokio::test]
async fn the_command_line_adds_a_user_with_the_password_from_stdin() {
    let app = TestApp::builder().build().await;
    // The child runs while the test's runtime keeps serving, so nothing here may block it.
    let run = |name: &'static str, password: &'static str| {
        let data_dir = app.data_dir.clone();
        async move {
            use tokio::io::AsyncWriteExt;
            let mut child = tokio::process::Command::new(trustdesk_binary())
                .args(["user", "add", name, "--role", "admin", "--data-dir"])
                .arg(&data_dir)
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            let mut stdin = child.stdin.take().unwrap();
            stdin
                .write_all(format!("{password}\n").as_bytes())
                .await
                .unwrap();
            drop(stdin);
            child.wait_with_output().await.unwrap()
        }
    };
    let output = run("ops", "short").await;
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("password: Use at least 12 characters")
    );
    let output = run("ops", "ops password 12345").await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let browser = app.browser();
    assert_eq!(
        browser.login("ops", "ops password 12345").await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE actor = 'system' AND action = 'user.add'")
            .await,
        1
    );
}
