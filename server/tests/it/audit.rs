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
    let (app, admin) = TestApp::builder().build_with_admin().await;
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
    let (app, admin) = TestApp::builder().build_with_admin().await;
    app.add_user(&admin, "dave", "viewer", "dave secret password")
        .await;
    let page: Value = admin
        .get_json("/api/audit?query[page]=1")
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
    let (app, admin) = TestApp::builder().build_with_admin().await;
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
    let (app, admin) = TestApp::builder().build_with_admin().await;
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

/// Runs the `trustdesk audit …` command on the app's data directory with extra environment:
/// its exit code, its standard output, and both outputs together (for error messages).
async fn audit_command(
    app: &TestApp,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let output = tokio::process::Command::new(trustdesk_binary())
        .arg("audit")
        .args(args)
        .arg("--data-dir")
        .arg(&app.data_dir)
        .envs(env.iter().copied())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let all = format!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), stdout, all)
}

#[tokio::test]
async fn an_anchor_detects_removed_newest_rows() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    app.add_user(&admin, "frank", "viewer", "frank password 12")
        .await;
    let (code, stdout, printed) = audit_command(&app, &["anchor"], &[]).await;
    assert_eq!(code, 0, "{printed}");
    let anchor = stdout.trim().to_string();
    let rows = app.count("SELECT COUNT(*) FROM audit_log").await;
    let head: String = sqlx::query_scalar("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    assert_eq!(anchor, format!("rows={rows} head={head}"));

    // Later rows leave the anchor standing.
    app.add_user(&admin, "grace", "viewer", "grace password 12")
        .await;
    let (code, _, printed) = audit_command(&app, &["verify", "--anchor", &anchor], &[]).await;
    assert_eq!(code, 0, "{printed}");
    assert!(printed.contains("still holds the anchor's"), "{printed}");

    // Removing the newest rows leaves a chain that links, and only the anchor notices.
    sqlx::query("DELETE FROM audit_log WHERE id >= ?")
        .bind(rows)
        .execute(&app.db().await)
        .await
        .unwrap();
    let (code, _, printed) = audit_command(&app, &["verify"], &[]).await;
    assert_eq!(code, 0, "the chain alone cannot see it: {printed}");
    let (code, _, printed) = audit_command(&app, &["verify", "--anchor", &anchor], &[]).await;
    assert_eq!(code, 3, "{printed}");
    assert!(
        printed.contains(&format!(
            "the trail has {} rows, fewer than the anchor's {rows}",
            rows - 1
        )),
        "{printed}"
    );

    let (code, _, printed) = audit_command(&app, &["verify", "--anchor", "rows=3"], &[]).await;
    assert_eq!(code, 2, "{printed}");
    assert!(printed.contains("--anchor"), "{printed}");
}

fn write_key(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn with_the_audit_key_rows_are_keyed_and_need_it_to_verify() {
    let keys = tempfile::tempdir().unwrap();
    let key = write_key(&keys, "audit.key", &[0x42; 32]);
    let key_env = [("TRUSTDESK_AUDIT_KEY_FILE", key.as_str())];
    let (app, admin) = TestApp::builder().env(&key_env).build_with_admin().await;
    app.add_user(&admin, "heidi", "viewer", "heidi password 12")
        .await;
    let first: (String, String) =
        sqlx::query_as("SELECT action, scheme FROM audit_log WHERE id = 1")
            .fetch_one(&app.db().await)
            .await
            .unwrap();
    assert_eq!(first, ("audit.key_enabled".into(), "hmac-sha256".into()));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log WHERE scheme != 'hmac-sha256'")
            .await,
        0
    );

    let (code, _, printed) = audit_command(&app, &["verify"], &key_env).await;
    assert_eq!(code, 0, "{printed}");
    assert!(
        printed.contains("all sealed with the audit key"),
        "{printed}"
    );
    let report: Value = admin
        .get_json("/api/audit/verify")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["first_broken"], Value::Null, "{report}");
    assert_eq!(report["keyed_from"], 1);
    // The page's chunks carry where keyed rows began from one chunk to the next.
    let first: String = sqlx::query_scalar("SELECT hash FROM audit_log WHERE id = 1")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    let progress: Value = admin
        .get_json(&format!(
            "/api/audit/verify-chunk?cursor[after_id]=1&cursor[prev_hash]={first}&cursor[keyed_from]=1&cursor[rows_checked]=1"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(progress["done"], true, "{progress}");
    assert_eq!(progress["first_broken"], Value::Null, "{progress}");
    assert_eq!(progress["cursor"]["keyed_from"], 1);

    // The command line without the key cannot check keyed rows, and says why.
    let (code, _, printed) = audit_command(&app, &["verify"], &[]).await;
    assert_eq!(code, 3, "{printed}");
    assert!(
        printed.contains("row 1:") && printed.contains("audit_key_file"),
        "{printed}"
    );
    // Another key does not check them either.
    let other = write_key(&keys, "other.key", &[0x43; 32]);
    let (code, _, printed) =
        audit_command(&app, &["verify"], &[("TRUSTDESK_AUDIT_KEY_FILE", &other)]).await;
    assert_eq!(code, 3, "{printed}");
    assert!(printed.contains("row 1:"), "{printed}");
    // A key too short to be one is refused before anything is read.
    let short = write_key(&keys, "short.key", b"0123456789");
    let (code, _, printed) =
        audit_command(&app, &["verify"], &[("TRUSTDESK_AUDIT_KEY_FILE", &short)]).await;
    assert_eq!(code, 2, "{printed}");
    assert!(
        printed.contains("TRUSTDESK_AUDIT_KEY_FILE") && printed.contains("at least 32"),
        "{printed}"
    );
}

/// Opens and binds trustdesk on the app's data directory, as `trustdesk serve` would.
async fn start_on(app: &TestApp, env: &[(&str, &str)]) -> Result<(), String> {
    let env = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let config = server::config::Config::load(
        None,
        &env,
        &server::config::Overrides {
            listen: None,
            data_dir: Some(app.data_dir.clone()),
            demo: false,
        },
    )
    .map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    server::Trustdesk::open(config)
        .await
        .map_err(|e| e.to_string())?
        .bind_to(listener)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_keyed_trail_is_not_continued_without_its_key() {
    let keys = tempfile::tempdir().unwrap();
    let key = write_key(&keys, "audit.key", &[0x42; 32]);
    let (app, _admin) = TestApp::builder()
        .env(&[("TRUSTDESK_AUDIT_KEY_FILE", key.as_str())])
        .build_with_admin()
        .await;
    let refused = start_on(&app, &[]).await.unwrap_err();
    assert!(
        refused.contains("is sealed with the audit key") && refused.contains("audit_key_file"),
        "{refused}"
    );
    let other = write_key(&keys, "other.key", &[0x43; 32]);
    let refused = start_on(&app, &[("TRUSTDESK_AUDIT_KEY_FILE", &other)])
        .await
        .unwrap_err();
    assert!(
        refused.contains("does not check the newest audit row"),
        "{refused}"
    );
    start_on(&app, &[("TRUSTDESK_AUDIT_KEY_FILE", &key)])
        .await
        .expect("the right key continues the chain");
}

#[tokio::test]
async fn a_plain_trail_switches_to_keyed_at_a_known_row() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    app.add_user(&admin, "ivan", "viewer", "ivan password 12")
        .await;
    let plain_rows = app.count("SELECT COUNT(*) FROM audit_log").await;
    let keys = tempfile::tempdir().unwrap();
    let key = write_key(&keys, "audit.key", &[0x44; 48]);
    let key_env = [("TRUSTDESK_AUDIT_KEY_FILE", key.as_str())];
    start_on(&app, &key_env).await.unwrap();
    let marker: (String, String, String) =
        sqlx::query_as("SELECT action, scheme, params FROM audit_log WHERE id = ?")
            .bind(plain_rows + 1)
            .fetch_one(&app.db().await)
            .await
            .unwrap();
    assert_eq!(marker.0, "audit.key_enabled");
    assert_eq!(marker.1, "hmac-sha256");
    assert_eq!(marker.2, format!("{{\"plain_rows\":{plain_rows}}}"));
    let (code, _, printed) = audit_command(&app, &["verify"], &key_env).await;
    assert_eq!(code, 0, "{printed}");
    assert!(
        printed.contains(&format!(
            "sealed with the audit key from row {} on",
            plain_rows + 1
        )),
        "{printed}"
    );
}

#[tokio::test]
async fn the_page_walks_the_chain_in_chunks() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    app.add_user(&admin, "judy", "viewer", "judy password 12")
        .await;
    let rows = app.count("SELECT COUNT(*) FROM audit_log").await;
    let chunk = |after: i64, prev: String, checked: u64| {
        format!("/api/audit/verify-chunk?cursor[after_id]={after}&cursor[prev_hash]={prev}&cursor[rows_checked]={checked}")
    };
    let progress: Value = admin
        .get_json(&chunk(0, "0".repeat(64), 0))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(progress["done"], true, "{progress}");
    assert_eq!(progress["total_rows"], rows);
    assert_eq!(progress["cursor"]["rows_checked"], rows);
    assert_eq!(progress["first_broken"], Value::Null);

    // A chunk starting mid-way checks from there on, and names a changed row.
    let second: String = sqlx::query_scalar("SELECT hash FROM audit_log WHERE id = 1")
        .fetch_one(&app.db().await)
        .await
        .unwrap();
    sqlx::query("UPDATE audit_log SET message = 'edited' WHERE id = 2")
        .execute(&app.db().await)
        .await
        .unwrap();
    let progress: Value = admin
        .get_json(&chunk(1, second, 1))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(progress["first_broken"]["id"], 2, "{progress}");

    let refused = admin.get_json(&chunk(0, "nothex".into(), 0)).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let anonymous = app.browser();
    let refused = anonymous.get_json(&chunk(0, "0".repeat(64), 0)).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}
