//! `scripts/bench-inventory`: seeds a cache of 100,000 items across kinds, starts the release
//! `trustdesk` beside this binary on loopback, signs in, and prints requests per second and
//! p50 / p99 latency for an inventory page (25 of 10,000 items of one kind, with a tag filter)
//! and for a static file of the same server, at 32 connections, plus the server's memory.
//! Usage: trustdesk-bench [SECONDS_PER_FIGURE] [CONNECTIONS]

use app::model::{AwsItem, Field, ResourceKind, ResourceRef, Tag};
use server::store::{resources, timestamp, Db};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ITEMS: usize = 100_000;
const PAGE_KIND_ITEMS: usize = 10_000;
const PASSWORD: &str = "bench password 1234";
const TEAMS: [&str; 4] = ["platform", "security", "data", "web"];

fn item(kind: ResourceKind, n: usize) -> AwsItem {
    let account = if n % 2 == 0 { "prod" } else { "dev" };
    let region = if n % 3 == 0 { "eu-west-1" } else { "us-east-1" };
    let now = chrono::Utc::now();
    let expires = kind
        .has_expiry()
        .then(|| timestamp(now + chrono::Duration::hours(n as i64 % 9_000 - 1_000)));
    AwsItem {
        item: ResourceRef {
            kind,
            account: account.into(),
            region: region.into(),
            id: format!("{}-{n:08}", kind.as_str()),
        },
        account_id: if account == "prod" {
            "123456789012"
        } else {
            "210987654321"
        }
        .into(),
        name: format!("item {n} of {}", kind.title()),
        status: if n % 7 == 0 { "expired" } else { "valid" }.into(),
        expires_at: expires,
        tags: vec![
            Tag {
                key: "Owner".into(),
                value: format!("owner{}@example.com", n % 50),
            },
            Tag {
                key: "Team".into(),
                value: TEAMS[n % TEAMS.len()].into(),
            },
            Tag {
                key: "CostCentre".into(),
                value: format!("CC-{}", n % 20),
            },
        ],
        fields: vec![Field {
            label: "ARN".into(),
            value: format!("arn:aws:example:::{n}"),
        }],
        last_seen: timestamp(now),
        expires_in_days: None,
    }
}

async fn seed(db: &Db) {
    let started = Instant::now();
    let mut tx = db.begin_write().await.expect("transaction");
    let others: Vec<ResourceKind> = ResourceKind::ALL
        .into_iter()
        .filter(|k| *k != ResourceKind::VerificationToken)
        .collect();
    for n in 0..ITEMS {
        let kind = if n < PAGE_KIND_ITEMS {
            ResourceKind::VerificationToken
        } else {
            others[n % others.len()]
        };
        resources::upsert(&mut tx, &item(kind, n))
            .await
            .expect("seed item");
    }
    tx.commit().await.expect("commit");
    println!(
        "seeded {ITEMS} cached items ({PAGE_KIND_ITEMS} verification tokens) in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn trustdesk(dir: &std::path::Path) -> Command {
    let exe = std::env::current_exe().expect("own path");
    let mut command = Command::new(exe.with_file_name("trustdesk"));
    command
        .arg("--config")
        .arg(dir.join("trustdesk.toml"))
        .env("AWS_ACCESS_KEY_ID", "bench")
        .env("AWS_SECRET_ACCESS_KEY", "bench")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        // The benchmark's accounts point at nothing: the background sync's refusals are
        // expected, and not worth a line each.
        .env("TRUSTDESK_LOG_LEVEL", "error");
    command
}

fn start(dir: &std::path::Path) -> Server {
    let mut add = trustdesk(dir)
        .args(["user", "add", "bench", "--role", "admin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("trustdesk user add (build it with scripts/bench-inventory)");
    writeln!(add.stdin.take().expect("stdin"), "{PASSWORD}").expect("password");
    assert!(add.wait().expect("user add").success(), "user add failed");
    let mut child = trustdesk(dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("trustdesk serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines.next().expect("server output").expect("line");
        if let Some(rest) = line.strip_prefix("trustdesk listening on ") {
            break rest.split_whitespace().next().expect("url").to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Server { child, url }
}

fn rss_kib(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

struct Figures {
    requests: usize,
    errors: usize,
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

async fn load(client: &reqwest::Client, url: &str, seconds: u64, connections: usize) -> Figures {
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..connections {
        let (client, url, stop) = (client.clone(), url.to_string(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            while !stop.load(Ordering::Relaxed) {
                let sent = Instant::now();
                match client.get(&url).send().await {
                    Ok(response) if response.status().is_success() => {
                        let _ = response.bytes().await;
                        latencies.push(sent.elapsed());
                    }
                    _ => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (mut l, e) = worker.await.expect("worker");
        latencies.append(&mut l);
        errors += e;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let at = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Figures {
        requests: latencies.len(),
        errors,
        per_second: latencies.len() as f64 / elapsed,
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn print(label: &str, f: &Figures) {
    println!(
        "{label:<44} {:>8.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   ({} requests, {} errors)",
        f.per_second,
        f.p50.as_secs_f64() * 1000.0,
        f.p99.as_secs_f64() * 1000.0,
        f.requests,
        f.errors
    );
}

/// The inventory's item rows: `<tr>` tags that carry an item id, whatever the order of their
/// attributes (release and debug builds render them differently).
fn item_rows(html: &str) -> usize {
    html.split("<tr")
        .skip(1)
        .filter(|tag| {
            tag.split('>')
                .next()
                .is_some_and(|t| t.contains("data-id="))
        })
        .count()
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(10);
    let connections: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(32);
    let dir = tempfile::tempdir().expect("temp dir");
    let site = dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).expect("site dir");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../public/favicon.svg"),
        site.join("favicon.svg"),
    )
    .expect("favicon");
    std::fs::write(
        dir.path().join("trustdesk.toml"),
        format!(
            "data_dir = {:?}\nsite_dir = {:?}\n# Nothing listens here: the benchmark never calls AWS.\naws_endpoint_url = \"http://127.0.0.1:9\"\n\n[[accounts]]\nname = \"prod\"\nregions = [\"us-east-1\", \"eu-west-1\"]\n\n[[accounts]]\nname = \"dev\"\nregions = [\"us-east-1\", \"eu-west-1\"]\n",
            dir.path().join("data"),
            site
        ),
    )
    .expect("config");
    let db = Db::open(&dir.path().join("data/trustdesk.db"))
        .await
        .expect("database");
    seed(&db).await;
    drop(db);

    let server = start(dir.path());
    let pid = server.child.id();
    let (idle, _) = rss_kib(pid);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(connections)
        .build()
        .expect("client");
    let session: serde_json::Value = client
        .get(format!("{}/api/session", server.url))
        .header("accept", "application/json")
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("session json");
    let csrf = session["csrf_token"]
        .as_str()
        .expect("csrf token")
        .to_string();
    let signed_in = client
        .post(format!("{}/api/login", server.url))
        .header("accept", "application/json")
        .form(&[
            ("_csrf", csrf.as_str()),
            ("username", "bench"),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .expect("sign in");
    assert!(
        signed_in.status().is_success(),
        "sign-in failed: {}",
        signed_in.status()
    );

    let page = format!(
        "{}/verification-tokens?tag=Team%3Dplatform&account=prod",
        server.url
    );
    let check = client
        .get(&page)
        .header("accept", "text/html")
        .send()
        .await
        .expect("page");
    let body = check.text().await.expect("page body");
    let rows = item_rows(&body);
    println!("inventory page: {rows} rows rendered of the filtered verification tokens");
    if rows != 25 {
        let main = body.find("<main").map(|at| &body[at..]).unwrap_or(&body);
        panic!(
            "the page must show 25 items, it shows {rows}:\n{}",
            main.chars().take(4000).collect::<String>()
        );
    }

    println!("{connections} connections, {seconds} s per figure, loopback, release build");
    let static_file = load(
        &client,
        &format!("{}/favicon.svg", server.url),
        seconds,
        connections,
    )
    .await;
    print("static file /favicon.svg", &static_file);
    let inventory = load(&client, &page, seconds, connections).await;
    print("inventory page (25 of 10,000, tag filter)", &inventory);
    let (rss, peak) = rss_kib(pid);
    println!(
        "inventory / static: {:.0}%",
        100.0 * inventory.per_second / static_file.per_second.max(1.0)
    );
    println!(
        "server RSS: {:.1} MB after start, {:.1} MB after the runs (peak {:.1} MB)",
        idle as f64 / 1024.0,
        rss as f64 / 1024.0,
        peak as f64 / 1024.0
    );
    drop(server);
    full_sync_calls(dir.path()).await;
}

/// Starts `trustdesk serve --demo` and prints the AWS calls of its first full sync beside the
/// fewest that can read the same items.
async fn full_sync_calls(dir: &std::path::Path) {
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
    // The first sync also asks STS each account's id, once.
    let accounts = demo_accounts(&data).await;
    println!(
        "full sync of the demo ({} scopes, {} items): {made} AWS calls; the minimum is {} ({minimum} reads and sts:GetCallerIdentity once for each of {accounts} accounts)",
        done.len(),
        done.iter().map(|(_, items, _, _)| items).sum::<i64>(),
        minimum + accounts
    );
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
