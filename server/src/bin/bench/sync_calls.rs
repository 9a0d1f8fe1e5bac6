//! The demo's first full sync: its AWS calls beside the fewest that can read the same items.

use app::model::ResourceKind;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Starts `trustdesk serve --demo` and prints the AWS calls of its first full sync, and those of
/// every later full sync (the first less its one sts:GetCallerIdentity per account) beside the
/// fewest that can read the same items: docs/performance.md's "demo's full sync" row, as it quotes it.
pub async fn full_sync_calls(dir: &std::path::Path) {
    let data = dir.join("demo");
    // The demo as `scripts/demo` runs it: its own accounts, not the benchmark's configuration.
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe.with_file_name("trustdesk"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&data)
        .env("TRUSTDESK_LOG_LEVEL", "error")
        .stdout(Stdio::null())
        .spawn()
        .expect("trustdesk serve --demo");
    let started = Instant::now();
    let done = loop {
        // Read-only: opening it as a Db would run the migrations beside the server's own.
        if let Ok(pool) = read_only(&data).await {
            let runs: Vec<(String, i64, i64, i64)> = sqlx::query_as(
                "SELECT kind, items, aws_calls, outcome = 'ok' FROM sync_runs
                 WHERE run = (SELECT run FROM sync_runs ORDER BY id LIMIT 1)",
            )
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
            if !runs.is_empty() && runs.iter().all(|(_, _, _, ok)| *ok == 1) {
                break runs;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the demo's first sync did not finish"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    let made: i64 = done.iter().map(|(_, _, calls, _)| calls).sum();
    let minimum: u64 = done
        .iter()
        .filter_map(|(kind, items, _, _)| {
            ResourceKind::parse(kind).map(|k| server::jobs::sync::fewest_calls(k, *items as u64))
        })
        .sum();
    // The first sync also asks STS each account's id, once; every later full sync (the
    // scheduled ones, "Sync now") makes the reads alone.
    let accounts = demo_accounts(&data).await;
    let reads = (made.max(0) as u64).saturating_sub(accounts);
    println!(
        "full sync of the demo ({} scopes, {} items): {made} AWS calls the first time, {} of them sts:GetCallerIdentity (once for each account)",
        done.len(),
        done.iter().map(|(_, items, _, _)| items).sum::<i64>(),
        accounts
    );
    // docs/performance.md's row, as it quotes it.
    println!("demo's full sync: {reads} AWS calls, the minimum {minimum}");
}

async fn read_only(data: &std::path::Path) -> Result<sqlx::SqlitePool, sqlx::Error> {
    sqlx::SqlitePool::connect(&format!(
        "sqlite:{}?mode=ro",
        data.join("trustdesk.db").display()
    ))
    .await
}

async fn demo_accounts(data: &std::path::Path) -> u64 {
    let pool = read_only(data).await.expect("database");
    sqlx::query_scalar::<_, i64>("SELECT COUNT(DISTINCT account) FROM sync_runs")
        .fetch_one(&pool)
        .await
        .map(|n| n.max(0) as u64)
        .unwrap_or(0)
}
