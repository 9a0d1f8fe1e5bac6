//! An organization's first sync at scale: 200 member accounts × 4 regions in the emulator, read
//! by the release `trustdesk serve` through `[organization]`, with its time, the AWS calls the
//! emulator answered, how many scopes ran at once beside `sync_concurrency`, and IAM's global
//! scopes (one per account and kind, whatever the regions).

use std::time::{Duration, Instant};

use trustdesk_emulator::seed;

const MEMBERS: usize = 200;
const REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "us-west-2", "eu-central-1"];
const CONCURRENCY: usize = 8;

/// One scope of the sync as `sync_runs` keeps it: account, region, started, finished, outcome.
type ScopeRow = (String, String, Option<String>, Option<String>, String);

pub async fn organization_sync(dir: &std::path::Path) {
    let emulator = trustdesk_emulator::Emulator::with_demo_seed()
        .serve(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("the emulator");
    let endpoint = emulator.endpoint();
    let http = reqwest::Client::new();
    let scaled = http
        .post(format!("{endpoint}/_emulator/organization/scale"))
        .json(&serde_json::json!({ "accounts": MEMBERS }))
        .send()
        .await
        .expect("scale the organization");
    assert!(scaled.status().is_success(), "{}", scaled.status());
    // Only the scaled members: the demo's own five accounts are left out by id.
    let left_out = [
        seed::PROD_ACCOUNT,
        seed::DEV_ACCOUNT,
        seed::organization::SANDBOX_ACCOUNT,
        seed::organization::AUDIT_ACCOUNT,
        seed::organization::LEGACY_ACCOUNT,
    ];
    let data = dir.join("organization");
    std::fs::create_dir_all(&data).expect("data dir");
    std::fs::write(
        dir.join("trustdesk.toml"),
        format!(
            "data_dir = {data:?}\naws_endpoint_url = {endpoint:?}\nsync_interval = \"1h\"\nsync_concurrency = \"{CONCURRENCY}\"\n\n[organization]\nrole = \"arn:aws:iam::{{account_id}}:role/{role}\"\nregions = {REGIONS:?}\nexclude_accounts = {left_out:?}\n",
            role = seed::CONSOLE_ROLE,
        ),
    )
    .expect("config");
    http.delete(format!("{endpoint}/_emulator/calls"))
        .send()
        .await
        .expect("reset the call counts");

    let started = Instant::now();
    let server = super::running::start(dir);
    let global_kinds = app::model::ResourceKind::ALL
        .iter()
        .filter(|k| k.is_global())
        .count();
    let regional_kinds = app::model::ResourceKind::ALL.len() - global_kinds;
    let expected = MEMBERS * (global_kinds + regional_kinds * REGIONS.len());
    let runs = loop {
        if let Ok(pool) = super::sync_calls::read_only(&data).await {
            let runs: Vec<ScopeRow> = sqlx::query_as(
                "SELECT account, region, started_at, finished_at, outcome FROM sync_runs
                     WHERE run = (SELECT run FROM sync_runs ORDER BY id LIMIT 1)",
            )
            .fetch_all(&pool)
            .await
            .unwrap_or_default();
            let finished = runs
                .iter()
                .filter(|run| !matches!(run.4.as_str(), "queued" | "running"))
                .count();
            if runs.len() == expected && finished == expected {
                break runs;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30 * 60),
            "the organization's first sync did not finish in 30 minutes"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let took = started.elapsed();
    let calls: serde_json::Value = http
        .get(format!("{endpoint}/_emulator/calls"))
        .send()
        .await
        .expect("calls")
        .json()
        .await
        .expect("calls json");
    drop(server);

    let failed = runs.iter().filter(|run| run.4 != "ok").count();
    let accounts: std::collections::BTreeSet<&str> =
        runs.iter().map(|run| run.0.as_str()).collect();
    let iam_scopes = runs
        .iter()
        .filter(|run| run.1 == app::model::GLOBAL_REGION)
        .count();
    let operations = calls["operations"].as_object().cloned().unwrap_or_default();
    let count = |name: &str| operations.get(name).and_then(|n| n.as_u64()).unwrap_or(0);
    println!(
        "organization of {MEMBERS} accounts × {} regions: {} scopes read ({failed} failed) from {} accounts, start to the end of the first sync {:.1} s",
        REGIONS.len(),
        runs.len(),
        accounts.len(),
        took.as_secs_f64()
    );
    println!(
        "  AWS calls answered: {} in all; organizations:ListAccounts {}, sts:AssumeRole {}, sts:GetCallerIdentity {}",
        calls["total"].as_u64().unwrap_or(0),
        count("ListAccounts"),
        count("AssumeRole"),
        count("GetCallerIdentity"),
    );
    println!(
        "  at most {} scopes read at once (sync_concurrency {CONCURRENCY}); IAM's kinds read once per account: {iam_scopes} global scopes = {} accounts × {global_kinds} kinds",
        most_at_once(&runs),
        accounts.len()
    );
}

/// The most scopes whose reads overlapped at any moment.
fn most_at_once(runs: &[ScopeRow]) -> usize {
    let mut edges: Vec<(&str, i32)> = Vec::new();
    for run in runs {
        if let (Some(start), Some(end)) = (&run.2, &run.3) {
            edges.push((start, 1));
            edges.push((end, -1));
        }
    }
    // An end and a start at the same millisecond do not overlap.
    edges.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
    let (mut now, mut most) = (0, 0);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    most as usize
}
