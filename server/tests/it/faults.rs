//! Faults a long-running console meets: its database locked by another writer past the busy
//! timeout (a clear 503 with Retry-After, nothing half-done; reads go on), and AWS answering errors or hanging for minutes
//! (pages answer from the cache at once, with a warning naming what could not be read).

use crate::harness::*;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::Connection;
use std::time::Duration;

#[tokio::test]
async fn a_database_locked_past_the_busy_timeout_answers_503_and_changes_nothing() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let rules_before = app.count("SELECT COUNT(*) FROM tag_rules").await;
    let audit_before = app.count("SELECT COUNT(*) FROM audit_log").await;
    let token = admin.csrf().await;
    // Another process takes the write lock and keeps it beyond trustdesk's busy timeout.
    let mut other = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        app.data_dir.join("trustdesk.db").display()
    ))
    .await
    .expect("a second connection");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .expect("the write lock");
    let refused = admin
        .send_form(
            "/api/tag-rules/add",
            &[
                ("_csrf", token.as_str()),
                ("rule[key]", "Owner"),
                ("rule[required]", "on"),
            ],
            "application/json",
        )
        .await;
    assert_eq!(refused.headers()["retry-after"], "5");
    let error = expect_error(refused, StatusCode::SERVICE_UNAVAILABLE, "database").await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("nothing was changed"),
        "{error}"
    );
    // Reading needs no write lock: pages still answer.
    let page = admin.get("/tag-rules").await;
    assert_eq!(page.status(), StatusCode::OK);
    sqlx::query("ROLLBACK").execute(&mut other).await.unwrap();
    assert_eq!(
        app.count("SELECT COUNT(*) FROM tag_rules").await,
        rules_before
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_log").await,
        audit_before
    );
    // Once the lock is gone the same change goes through.
    let added = admin
        .call(
            "/api/tag-rules/add",
            &[("rule[key]", "Owner"), ("rule[required]", "on")],
        )
        .await;
    assert_eq!(
        added.status(),
        StatusCode::OK,
        "{}",
        added.text().await.unwrap()
    );
}

async fn sync_now(admin: &Browser) {
    let response = admin.call("/api/sync/now", &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn aws_failing_or_hanging_leaves_the_pages_answering_from_the_cache_with_a_warning() {
    let (app, admin) = TestApp::builder().demo().jobs().build_with_admin().await;
    let first = crate::sync::settled(&admin, None).await;
    let cached = inventory_of(&admin, "trust-provider", "").await;
    let items = cached["total"].as_u64().unwrap();
    assert!(items > 0);

    // AWS answers every call with a 500, for as long as the test runs.
    emulator_control(
        &app,
        Method::POST,
        "faults",
        json!({"operation": "*", "kind": "server_error", "times": 1_000_000}),
    )
    .await;
    sync_now(&admin).await;
    let run = first["scopes"][0]["run"].as_str().map(str::to_string);
    crate::sync::settled(&admin, run.as_deref()).await;
    let page = inventory_of(&admin, "trust-provider", "").await;
    assert_eq!(page["total"].as_u64(), Some(items), "the cache is kept");
    let failed: Vec<String> = serde_json::from_value(page["failed_scopes"].clone()).unwrap();
    assert!(!failed.is_empty(), "the page warns: {page}");
    let html = admin.get("/trust-providers").await.text().await.unwrap();
    assert!(
        html.contains("id=\"sync-failures\""),
        "the warning is shown"
    );

    // AWS hangs: a sync is under way for a long while, and pages do not wait for it.
    emulator_control(&app, Method::DELETE, "faults", json!({})).await;
    emulator_control(
        &app,
        Method::POST,
        "faults",
        json!({"operation": "*", "kind": "delay", "delay": 30_000, "times": 1_000_000}),
    )
    .await;
    sync_now(&admin).await;
    let overview: Value = loop {
        let overview: Value = admin.get_json("/api/sync").await.json().await.unwrap();
        if overview["running"] == true {
            break overview;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(overview["running"], true);
    for path in [
        "/trust-providers",
        "/",
        "/server-certificates",
        "/compliance",
    ] {
        let response = admin.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
    }
    let page = inventory_of(&admin, "trust-provider", "").await;
    assert_eq!(page["total"].as_u64(), Some(items));
    let still: Value = admin.get_json("/api/sync").await.json().await.unwrap();
    assert_eq!(still["running"], true, "the pages answered while AWS hung");
    emulator_control(&app, Method::DELETE, "faults", json!({})).await;
}

/// A small file system of its own, unmounted when dropped.
struct SmallDisk {
    path: std::path::PathBuf,
}

impl SmallDisk {
    /// `None` where this process may not mount one (not root).
    fn mount(megabytes: u32) -> Option<Self> {
        let path = tempfile::tempdir().ok()?.keep();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(&path)
            .status()
            .ok()?
            .success();
        mounted.then_some(Self { path })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // A stopped server closes its database a moment later: wait for it, and at worst
        // detach the mount so nothing is left behind.
        let unmount = |lazy: bool| {
            let mut command = std::process::Command::new("umount");
            if lazy {
                command.arg("-l");
            }
            command
                .arg(&self.path)
                .stderr(std::process::Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        };
        let unmounted = (0..50).any(|_| {
            unmount(false) || {
                std::thread::sleep(Duration::from_millis(100));
                false
            }
        });
        if !unmounted {
            unmount(true);
        }
        let _ = std::fs::remove_dir(&self.path);
    }
}

#[tokio::test]
async fn a_full_disk_refuses_changes_with_a_clear_error_and_loses_nothing() {
    let Some(disk) = SmallDisk::mount(8) else {
        eprintln!("skipped: mounting a small tmpfs needs root, which this run does not have");
        return;
    };
    let data = disk.path.join("data");
    let (app, admin) = TestApp::builder()
        .data_dir(data.clone())
        .build_with_admin()
        .await;
    let token = admin.csrf().await;
    // Fill what is left of the disk.
    let filler = disk.path.join("filler");
    {
        use std::io::Write;
        let mut file = std::fs::File::create(&filler).unwrap();
        let block = vec![0u8; 64 * 1024];
        while file.write_all(&block).is_ok() {}
        let _ = file.sync_all();
    }
    // Changes go on while SQLite finds room in pages it already has; then one is refused.
    let mut added = Vec::new();
    let mut refused = None;
    for n in 0..500 {
        let key = format!("Key{n}");
        let response = admin
            .send_form(
                "/api/tag-rules/add",
                &[
                    ("_csrf", token.as_str()),
                    ("rule[key]", key.as_str()),
                    ("rule[required]", "on"),
                    ("rule[values]", &"v".repeat(200)),
                ],
                "application/json",
            )
            .await;
        if response.status() == StatusCode::OK {
            added.push(key);
        } else {
            refused = Some(error_of(response).await);
            break;
        }
    }
    let (status, error) = refused.expect("a full disk refuses a change");
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{error}");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("nothing was changed"),
        "{error}"
    );
    // Room again: every change that was answered OK is there, the refused one is not, and the
    // audit chain holds, also after a restart.
    std::fs::remove_file(&filler).unwrap();
    drop(admin);
    drop(app);
    let app = TestApp::builder().data_dir(data.clone()).build().await;
    let rules = app.count("SELECT COUNT(*) FROM tag_rules").await;
    assert_eq!(rules, added.len() as i64);
    let verified = std::process::Command::new(trustdesk_binary())
        .args(["audit", "verify", "--data-dir"])
        .arg(&data)
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    drop(app);
}
