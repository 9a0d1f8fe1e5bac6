//! SIGTERM to the real `trustdesk serve --demo` while a sync, or a bulk edit, waits on a slow
//! AWS: the process stops by itself with status 0, and after a restart on the same data
//! directory the state is consistent (the sync's unread scopes abandoned, the bulk edit stopped
//! with each item done with its audit row or still pending) and the work completes.

use crate::harness::open_db;
use crate::serving::{scalar, wait_until, Serving};
use reqwest::StatusCode;
use serde_json::json;

/// So that a stop finds scopes still queued behind the one being read.
const ONE_SCOPE_AT_A_TIME: &[(&str, &str)] = &[("TRUSTDESK_SYNC_CONCURRENCY", "1")];

#[tokio::test]
async fn sigterm_during_a_sync_stops_cleanly_and_the_restart_syncs_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Serving::start(dir.path(), ONE_SCOPE_AT_A_TIME);
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
    let _second = Serving::start(dir.path(), ONE_SCOPE_AT_A_TIME);
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
    let mut first = Serving::start(dir.path(), ONE_SCOPE_AT_A_TIME);
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
    let second = Serving::start(dir.path(), ONE_SCOPE_AT_A_TIME);
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
