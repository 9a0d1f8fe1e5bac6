//! SIGTERM to the real `trustdesk serve --demo` while a sync, or a bulk edit, waits on a slow
//! AWS: the process stops by itself with status 0, and after a restart on the same data
//! directory the state is consistent (the sync's unread scopes abandoned, the bulk edit stopped
//! with each item done with its audit row or still pending) and the work completes.

use crate::harness::{open_db, trustdesk_binary, Browser, ADMIN, ADMIN_PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// A `trustdesk serve --demo` process; killed (SIGKILL) on drop if still running.
struct Serving {
    child: Child,
    url: String,
    emulator: String,
    setup_url: Option<String>,
}

impl Serving {
    fn start(data_dir: &Path) -> Self {
        let mut child = Command::new(trustdesk_binary())
            .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .env("TRUSTDESK_LOG_LEVEL", "warn")
            .env("TRUSTDESK_SYNC_CONCURRENCY", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start trustdesk");
        let stdout = child.stdout.take().expect("stdout");
        let (found, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = found.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        let next = || {
            lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .expect("trustdesk printed its start")
        };
        let mut url = None;
        let mut setup_url = None;
        let emulator = loop {
            let line = next();
            if let Some(rest) = line.strip_prefix("trustdesk listening on ") {
                url = rest.split_whitespace().next().map(str::to_string);
            }
            if let Some(rest) = line.strip_prefix("Demo mode: emulated AWS at ") {
                break rest.split_whitespace().next().unwrap().to_string();
            }
        };
        // The setup link, when there is one, is the line after its announcement.
        if let Ok(line) = lines.recv_timeout(Duration::from_millis(500)) {
            if line.starts_with("No admin exists yet") {
                setup_url = Some(next());
            }
        }
        Self {
            child,
            url: url.expect("the address"),
            emulator,
            setup_url,
        }
    }

    /// SIGTERM to this process (by its id), then its exit status.
    fn terminate(&mut self) -> ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill -TERM");
        assert!(sent.success());
        // Not a timing assertion: a generous bound, so that a stop that hangs fails the test
        // instead of the suite.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "trustdesk did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    async fn fault(&self, body: Value) {
        let response = reqwest::Client::new()
            .post(format!("{}/_emulator/faults", self.emulator))
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("the emulator answers");
        assert!(response.status().is_success());
    }

    async fn admin(&self) -> Browser {
        let browser = Browser::at(&self.url);
        match &self.setup_url {
            Some(url) => {
                let token = url.split("token=").nth(1).expect("a token").to_string();
                let response = browser
                    .call(
                        "/api/setup",
                        &[
                            ("token", token.as_str()),
                            ("admin[username]", ADMIN),
                            ("admin[role]", "admin"),
                            ("admin[password]", ADMIN_PASSWORD),
                            ("admin[password_confirm]", ADMIN_PASSWORD),
                        ],
                    )
                    .await;
                assert_eq!(response.status(), StatusCode::OK);
            }
            None => {
                let response = browser.login(ADMIN, ADMIN_PASSWORD).await;
                assert!(response.status().is_success() || response.status().is_redirection());
                assert_eq!(browser.signed_in_as().await.as_deref(), Some(ADMIN));
            }
        }
        browser
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn scalar(data_dir: &Path, sql: &str) -> i64 {
    let pool = open_db(data_dir).await;
    let n = sqlx::query_scalar(sql).fetch_one(&pool).await.expect(sql);
    pool.close().await;
    n
}

async fn wait_until(data_dir: &Path, sql: &str, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while scalar(data_dir, sql).await == 0 {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn sigterm_during_a_sync_stops_cleanly_and_the_restart_syncs_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Serving::start(dir.path());
    // Every call from now on waits two seconds: the first sync is still reading when it stops.
    first
        .fault(json!({"operation": "*", "kind": "delay", "delay": 2000, "times": 100000}))
        .await;
    wait_until(
        dir.path(),
        "SELECT COUNT(*) FROM sync_runs WHERE outcome = 'running'",
        "a scope being read",
    )
    .await;
    assert!(
        scalar(
            dir.path(),
            "SELECT COUNT(*) FROM sync_runs WHERE outcome = 'queued'"
        )
        .await
            > 0
    );
    let status = first.terminate();
    assert!(status.success(), "{status}");
    assert_eq!(
        scalar(
            dir.path(),
            "SELECT COUNT(*) FROM sync_runs WHERE outcome IN ('queued', 'running')"
        )
        .await,
        0,
        "no scope is left marked as being read"
    );
    assert!(
        scalar(
            dir.path(),
            "SELECT COUNT(*) FROM sync_runs WHERE outcome = 'abandoned'"
        )
        .await
            > 0
    );
    assert_eq!(
        scalar(dir.path(), "SELECT COUNT(*) FROM leases").await,
        0,
        "the sync's lease was given back"
    );
    let abandoned_run: String =
        sqlx::query_scalar("SELECT run FROM sync_runs WHERE outcome = 'abandoned' LIMIT 1")
            .fetch_one(&open_db(dir.path()).await)
            .await
            .unwrap();

    // The restart syncs at once (the lease is free) and reads every scope.
    let _second = Serving::start(dir.path());
    wait_until(
        dir.path(),
        &format!(
            "SELECT (SELECT COUNT(*) FROM sync_runs WHERE run != '{abandoned_run}' AND outcome != 'ok') = 0 \
             AND (SELECT COUNT(*) FROM sync_runs WHERE run != '{abandoned_run}') > 0 \
             AND (SELECT COUNT(*) FROM sync_runs WHERE outcome IN ('queued', 'running')) = 0"
        ),
        "a complete sync after the restart",
    )
    .await;
}

#[tokio::test]
async fn sigterm_during_a_bulk_edit_stops_it_with_each_item_done_or_pending_and_retry_finishes_it()
{
    let dir = tempfile::tempdir().unwrap();
    let mut first = Serving::start(dir.path());
    let admin = first.admin().await;
    wait_until(
        dir.path(),
        "SELECT COUNT(*) = 0 FROM sync_runs WHERE outcome IN ('queued', 'running')",
        "the first sync",
    )
    .await;
    let response = admin
        .call(
            "/api/bulk/preview",
            &[
                ("selection[kind]", "trust-provider"),
                ("ops[0][op]", "set"),
                ("ops[0][key]", "Reviewed"),
                ("ops[0][from]", ""),
                ("ops[0][value]", "2026-12"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let id: String = response.json().await.unwrap();
    let items = scalar(
        dir.path(),
        &format!(
            "SELECT COUNT(*) FROM bulk_edit_items WHERE edit_id = '{id}' AND status = 'pending'"
        ),
    )
    .await;
    assert!(items > 1, "the demo has trust providers to tag");
    // One tagging call per scope, all out at once: two answer after two seconds, within the
    // stop's grace, and are recorded; the others would take a minute and are given up.
    first
        .fault(json!({"operation": "CreateTags", "kind": "delay", "delay": 2000, "times": 2}))
        .await;
    first
        .fault(json!({"operation": "CreateTags", "kind": "delay", "delay": 60000, "times": 100000}))
        .await;
    let response = admin
        .call("/api/bulk/apply", &[("id", id.as_str()), ("revision", "1")])
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    wait_until(
        dir.path(),
        &format!("SELECT COUNT(*) FROM bulk_edits WHERE id = '{id}' AND state = 'applying'"),
        "the edit applying",
    )
    .await;
    let status = first.terminate();
    assert!(status.success(), "{status}");

    let pool = open_db(dir.path()).await;
    let state: String = sqlx::query_scalar("SELECT state FROM bulk_edits WHERE id = ?")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(state, "stopped");
    let statuses: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, status FROM bulk_edit_items WHERE edit_id = ? ORDER BY position",
    )
    .bind(&id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert!(
        statuses.iter().any(|(_, s)| s == "pending") && statuses.iter().any(|(_, s)| s == "done"),
        "the answers within the grace are recorded, the others stay pending: {statuses:?}"
    );
    for (item, status) in &statuses {
        let audited: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'trust-provider.bulk_tag' AND target_id = ?",
        )
        .bind(item)
        .fetch_one(&pool)
        .await
        .unwrap();
        match status.as_str() {
            "pending" => assert_eq!(audited, 0, "{item} pending but audited"),
            "done" | "failed" => assert_eq!(audited, 1, "{item} {status} without its audit row"),
            other => panic!("{item} is {other}"),
        }
    }
    pool.close().await;

    let done_before: i64 = statuses.iter().filter(|(_, s)| s == "done").count() as i64;

    // After the restart, Retry takes up what is left and the edit finishes. (The restarted
    // demo re-seeds its emulator under new ids, so the items still pending are found gone
    // and refused; against a real AWS they are sent.)
    let second = Serving::start(dir.path());
    let admin = second.admin().await;
    let response = admin.call("/api/bulk/retry", &[("id", id.as_str())]).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    wait_until(
        dir.path(),
        &format!("SELECT COUNT(*) FROM bulk_edits WHERE id = '{id}' AND state = 'finished'"),
        "the retried edit to finish",
    )
    .await;
    assert_eq!(
        scalar(
            dir.path(),
            &format!("SELECT COUNT(*) FROM bulk_edit_items WHERE edit_id = '{id}' AND status IN ('pending', 'failed')"),
        )
        .await,
        0,
        "nothing is left to send"
    );
    assert_eq!(
        scalar(
            dir.path(),
            &format!(
                "SELECT COUNT(*) FROM bulk_edit_items WHERE edit_id = '{id}' AND status = 'done'"
            ),
        )
        .await,
        done_before,
        "what was done before the stop stays done"
    );
}
