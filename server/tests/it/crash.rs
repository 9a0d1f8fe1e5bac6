//! `kill -9` of the real `trustdesk` binary: between writing alert mail to the outbox and
//! sending it, and in the middle of a sync. After a restart on the same data directory nothing
//! is lost, nothing is sent twice, and the sync completes.

use crate::harness::open_db;
use crate::serving::{scalar, wait_until, Serving};
use crate::smtp_server::{free_port, SmtpServer};
use std::time::{Duration, Instant};

#[tokio::test]
async fn mail_written_before_a_kill_is_delivered_once_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let port_text = port.to_string();
    let env = [
        ("TRUSTDESK_SMTP_HOST", "127.0.0.1"),
        ("TRUSTDESK_SMTP_PORT", port_text.as_str()),
        ("TRUSTDESK_SMTP_SECURITY", "none"),
        ("TRUSTDESK_SMTP_FROM", "trustdesk@example.com"),
    ];
    // SMTP is down: the digests wait in the outbox, each tried once. The kill comes once no
    // attempt is in flight, when the next is a minute away: a row killed while `sending` is only
    // taken over after the claim timeout (ten minutes), since another live process may hold it.
    let first = Serving::start(dir.path(), &env);
    wait_until(
        dir.path(),
        "SELECT COUNT(*) FROM outbox WHERE channel = 'email' AND state = 'pending' AND attempts > 0
           AND NOT EXISTS (SELECT 1 FROM outbox WHERE channel = 'email' AND (state = 'sending' OR attempts = 0))",
        "every digest to have failed once",
    )
    .await;
    let queued: Vec<String> =
        sqlx::query_scalar("SELECT message_id FROM outbox WHERE channel = 'email' ORDER BY id")
            .fetch_all(&open_db(dir.path()).await)
            .await
            .unwrap();
    assert!(!queued.is_empty());
    first.kill_9();

    let smtp = SmtpServer::start_on(port, &[]);
    let _second = Serving::start(dir.path(), &env);
    // The retry is due a minute after the failed attempt. (The restarted demo re-seeds its
    // emulator, whose items then expire a little later: renewed, so they may be notified anew
    // under new Message-IDs; the mail queued before the kill is what must arrive once.)
    let deadline = Instant::now() + Duration::from_secs(150);
    let arrived = |received: &[crate::smtp_server::Received], id: &str| {
        received
            .iter()
            .filter(|m| m.message_id.as_deref() == Some(id))
            .count()
    };
    loop {
        let received = smtp.received();
        if queued.iter().all(|id| arrived(&received, id) > 0) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not every mail queued before the kill arrived"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let received = smtp.received();
    for id in &queued {
        assert_eq!(arrived(&received, id), 1, "{id} arrived exactly once");
    }
    let mut ids: Vec<String> = received
        .iter()
        .filter_map(|m| m.message_id.clone())
        .collect();
    let all = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), all, "no Message-ID arrived twice");
}

#[tokio::test]
async fn a_sync_killed_midway_is_marked_abandoned_and_completes_after_the_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = Serving::start(dir.path(), &[]);
    // Slow every AWS call so the first sync is surely running when it is killed.
    first
        .fault(
            serde_json::json!({"operation": "*", "times": 100000, "kind": "delay", "delay": 400}),
        )
        .await;
    wait_until(
        dir.path(),
        "SELECT COUNT(*) FROM sync_runs WHERE outcome = 'ok'",
        "a scope read before the kill",
    )
    .await;
    assert!(
        scalar(
            dir.path(),
            "SELECT COUNT(*) FROM sync_runs WHERE outcome IN ('queued', 'running')"
        )
        .await
            > 0,
        "the sync was still running"
    );
    first.kill_9();

    let _second = Serving::start(dir.path(), &[]);
    // The dead process's lease runs out within a minute; then the new process syncs.
    let deadline = Instant::now() + Duration::from_secs(150);
    let pool = loop {
        let pool = open_db(dir.path()).await;
        let runs: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT run, COUNT(*), SUM(outcome = 'ok') FROM sync_runs GROUP BY run ORDER BY MIN(id)",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        if runs.len() >= 2 && runs.last().is_some_and(|(_, all, ok)| all == ok) {
            break pool;
        }
        assert!(
            Instant::now() < deadline,
            "no complete sync after the restart: {runs:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let abandoned: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sync_runs WHERE outcome = 'abandoned'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(abandoned > 0, "the killed run's unfinished scopes say so");
    let unfinished: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sync_runs WHERE outcome IN ('queued', 'running')")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(unfinished, 0);
    let duplicates: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT kind, account, region, id FROM resources GROUP BY 1, 2, 3, 4 HAVING COUNT(*) > 1)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(duplicates, 0);
    // Every item the completed sync read is in the inventories. (The restarted demo's emulator
    // is seeded anew, with new ids for some items: the old ones are rightly marked removed.)
    let read: i64 = sqlx::query_scalar(
        "SELECT SUM(items) FROM sync_runs WHERE run = (SELECT run FROM sync_runs ORDER BY id DESC LIMIT 1)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let present: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM resources WHERE gone_at IS NULL")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(present, read);
}
