//! The demo's first full sync: its AWS calls beside the fewest that can read the same items.

use app::model::ResourceKind;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// One scope of a sync run: its kind, account, region, items and AWS calls.
struct ScopeRun {
    kind: String,
    account: String,
    region: String,
    items: i64,
    calls: i64,
}

/// Starts `trustdesk serve --demo` with `extra` arguments on `data` and answers the scopes of
/// its full sync number `nth` (1 for the first, at start) once every one of them is read.
async fn nth_sync(data: &std::path::Path, extra: &[&str], nth: u32) -> Vec<ScopeRun> {
    // The demo as `scripts/demo` runs it: its own accounts, not the benchmark's configuration.
    let exe = std::env::current_exe().expect("own path");
    let mut child = Command::new(exe.with_file_name("trustdesk"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data)
        .args(extra)
        .env("TRUSTDESK_LOG_LEVEL", "error")
        // The shortest interval the configuration allows, for a second run soon after the first.
        .env("TRUSTDESK_SYNC_INTERVAL", "1m")
        .stdout(Stdio::null())
        .spawn()
        .expect("trustdesk serve --demo");
    let started = Instant::now();
    let done = loop {
        // Read-only: opening it as a Db would run the migrations beside the server's own.
        if let Ok(pool) = read_only(data).await {
            let runs: Vec<(String, String, String, i64, i64, i64)> = sqlx::query_as(
                "SELECT kind, account, region, items, aws_calls, outcome = 'ok' FROM sync_runs
                 WHERE run = (SELECT run FROM sync_runs GROUP BY run ORDER BY MIN(id)
                              LIMIT 1 OFFSET ?)",
            )
            .bind(nth.saturating_sub(1))
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
            if !runs.is_empty() && runs.iter().all(|run| run.5 == 1) {
                break runs;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(60 * u64::from(nth) + 120),
            "the demo's sync number {nth} did not finish"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let _ = child.kill();
    let _ = child.wait();
    done.into_iter()
        .map(|(kind, account, region, items, calls, _)| ScopeRun {
            kind,
            account,
            region,
            items,
            calls,
        })
        .collect()
}

/// The fewest calls that read the scopes of `runs`.
fn minimum<'a>(runs: impl IntoIterator<Item = &'a ScopeRun>) -> u64 {
    runs.into_iter()
        .filter_map(|run| {
            let kind = ResourceKind::parse(&run.kind)?;
            Some(server::jobs::sync::fewest_calls(
                kind,
                run.items.max(0) as u64,
            ))
        })
        .sum()
}

/// Starts `trustdesk serve --demo` and prints the AWS calls of its first full sync, and those of
/// every later full sync (the first less its one sts:GetCallerIdentity per account) beside the
/// fewest that can read the same items: docs/performance.md's "demo's full sync" row, as it quotes it.
pub async fn full_sync_calls(dir: &std::path::Path) {
    let data = dir.join("demo");
    let done = nth_sync(&data, &[], 1).await;
    let made: i64 = done.iter().map(|run| run.calls).sum();
    let minimum = minimum(&done);
    // The first sync also asks STS each account's id, once; every later full sync (the
    // scheduled ones, "Sync now") makes the reads alone.
    let accounts = demo_accounts(&data).await;
    let reads = (made.max(0) as u64).saturating_sub(accounts);
    println!(
        "full sync of the demo ({} scopes, {} items): {made} AWS calls the first time, {} of them sts:GetCallerIdentity (once for each account)",
        done.len(),
        done.iter().map(|run| run.items).sum::<i64>(),
        accounts
    );
    // docs/performance.md's row, as it quotes it.
    println!("demo's full sync: {reads} AWS calls, the minimum {minimum}");
}

/// Starts `trustdesk serve --demo --scale` and prints the IAM calls its second full sync (a
/// minute after the first) made to read the account at organisation scale (1,000 customer
/// managed policies, 300 instance profiles), beside the fewest: docs/performance.md's "IAM
/// account" row, as it quotes it. The second, as every sync after the first makes the reads
/// alone: the first also asks STS the account's id, in whichever of its scopes asks first.
pub async fn scale_sync_calls(dir: &std::path::Path) {
    let data = dir.join("scale");
    let done = nth_sync(&data, &["--scale"], 2).await;
    let iam: Vec<&ScopeRun> = done
        .iter()
        .filter(|run| run.account == "scale" && run.region == app::model::GLOBAL_REGION)
        .collect();
    for run in &iam {
        let fewest = minimum([*run]);
        println!(
            "  {}: {} items, {} AWS calls (fewest possible {fewest})",
            run.kind, run.items, run.calls
        );
    }
    let count = |kind: &str| {
        iam.iter()
            .find(|run| run.kind == kind)
            .map_or(0, |run| run.items)
    };
    let made: i64 = iam.iter().map(|run| run.calls).sum();
    // docs/performance.md's row, as it quotes it.
    println!(
        "IAM account, {} policies + {} profiles: {made} calls (fewest possible {})",
        thousands(count("managed-policy")),
        thousands(count("instance-profile")),
        minimum(iam.iter().copied())
    );
}

/// `1000` as `1,000`.
fn thousands(n: i64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

pub async fn read_only(data: &std::path::Path) -> Result<sqlx::SqlitePool, sqlx::Error> {
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
