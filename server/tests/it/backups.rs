//! `trustdesk backup FILE` (the real binary) against a server that keeps writing: each copy is a
//! whole, consistent database whose audit chain `trustdesk audit verify` accepts once restored.

use crate::harness::{trustdesk_binary, TestApp};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

async fn trustdesk(args: &[&str], data_dir: &Path) -> (bool, String) {
    let output = tokio::process::Command::new(trustdesk_binary())
        .args(args)
        .arg("--data-dir")
        .arg(data_dir)
        .output()
        .await
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), printed)
}

async fn scalar(pool: &sqlx::SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.expect(sql)
}

#[tokio::test]
async fn backups_taken_during_writes_restore_to_a_consistent_database_with_an_intact_chain() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let backups = tempfile::tempdir().unwrap();
    let done = AtomicBool::new(false);
    let added_so_far = std::sync::atomic::AtomicUsize::new(0);
    let writer = async {
        let mut added = 0;
        while !done.load(Ordering::SeqCst) {
            app.add_user(
                &admin,
                &format!("user{added}"),
                "viewer",
                "a password 12345",
            )
            .await;
            added += 1;
            added_so_far.store(added, Ordering::SeqCst);
        }
        added
    };
    let taker = async {
        let mut taken = Vec::new();
        for n in 0..4 {
            // Some writes land between two copies, and others while one is taken.
            let seen = added_so_far.load(Ordering::SeqCst);
            while added_so_far.load(Ordering::SeqCst) == seen {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            let file = backups.path().join(format!("backup-{n}.db"));
            let (ok, printed) = trustdesk(&["backup", file.to_str().unwrap()], &app.data_dir).await;
            assert!(ok, "{printed}");
            assert!(
                printed.starts_with(&format!("Backed up the database to {}: ", file.display()))
                    && printed.contains("audit rows; integrity check ok."),
                "{printed}"
            );
            taken.push((file, printed));
        }
        done.store(true, Ordering::SeqCst);
        taken
    };
    let (added, taken) = tokio::join!(writer, taker);
    assert!(added > 0, "the server was written to during the backups");

    let live_migrations = scalar(&app.db().await, "SELECT COUNT(*) FROM _sqlx_migrations").await;
    let mut first_rows = None;
    let mut last_rows = 0;
    for (file, printed) in &taken {
        let restored = tempfile::tempdir().unwrap();
        std::fs::copy(file, restored.path().join("trustdesk.db")).unwrap();
        let copy = server::store::Db::open(&restored.path().join("trustdesk.db"))
            .await
            .expect("the backup opens as trustdesk's database");
        let pool = copy.pool();
        let integrity: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(pool)
            .await
            .unwrap();
        assert_eq!(integrity, "ok");
        assert_eq!(
            scalar(pool, "SELECT COUNT(*) FROM _sqlx_migrations").await,
            live_migrations,
            "every migration is in the copy"
        );
        let rows = scalar(pool, "SELECT COUNT(*) FROM audit_log").await;
        assert!(
            printed.contains(&format!(", {rows} audit rows;")),
            "{printed} vs {rows}"
        );
        assert!(rows >= last_rows, "a later backup holds at least as much");
        last_rows = rows;
        first_rows.get_or_insert(rows);
        // Every user the copy holds was added with its audit row: nothing half-written.
        let users = scalar(
            pool,
            "SELECT COUNT(*) FROM users WHERE username LIKE 'user%'",
        )
        .await;
        let audited = scalar(
            pool,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'user.add' AND outcome = 'ok' AND target_id LIKE 'user%'",
        )
        .await;
        assert_eq!(users, audited, "users and their audit rows");
        copy.pool().close().await;

        let (ok, verified) = trustdesk(&["audit", "verify"], restored.path()).await;
        assert!(ok, "{verified}");
        assert_eq!(
            verified.trim(),
            format!("Audit chain intact: {rows} rows checked.")
        );
    }
    // The writer ran between the copies (each backup waits for it to add at least one user).
    assert!(
        last_rows > first_rows.unwrap(),
        "the backups saw the writes"
    );
}

#[tokio::test]
async fn a_backup_never_overwrites_a_file_and_needs_a_database() {
    let app = TestApp::builder().build().await;
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("precious.db");
    std::fs::write(&existing, "keep me").unwrap();
    let (ok, printed) = trustdesk(&["backup", existing.to_str().unwrap()], &app.data_dir).await;
    assert!(!ok);
    assert!(printed.contains("already exists"), "{printed}");
    assert_eq!(std::fs::read_to_string(&existing).unwrap(), "keep me");

    let nowhere = dir.path().join("no-data");
    let target = dir.path().join("copy.db");
    let (ok, printed) = trustdesk(&["backup", target.to_str().unwrap()], &nowhere).await;
    assert!(!ok);
    assert!(printed.contains("no database"), "{printed}");
    assert!(!target.exists() && !nowhere.exists());
}
