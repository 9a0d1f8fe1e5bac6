//! `scripts/bench-server`: the figures issue 12 asks for, from the release build. Seeds a cache of
//! 100,000 items across kinds, starts the release `trustdesk` beside this binary on loopback,
//! signs in, and prints: the server's RSS after start, after a walk of every inventory page of
//! every kind, and after the load; a static file's and a mix of inventory, detail and overview
//! pages' throughput and p50 / p99 at the same number of clients (200 by default, 60 s each),
//! with the errors (there must be none) and the ratio; the site's bundle sizes and the
//! inventory page's weight; what hostile requests cost (expensive documents four at a time with
//! `/healthz` meanwhile, 64 anonymous 39 MiB posts); then the demo's full sync's AWS calls
//! beside the fewest.
//! Usage: trustdesk-bench [SECONDS_PER_FIGURE] [CLIENTS], or `trustdesk-bench sync-calls` for
//! the demo's full sync figure alone, or `trustdesk-bench hostile` for the hostile requests alone,
//! or `trustdesk-bench pages [SECONDS_PER_FIGURE] [CLIENTS]` for the static file's and the page
//! mix's figures alone (what a change to the page path moves, in about a minute), or
//! `trustdesk-bench search` for the search across every kind alone, or `trustdesk-bench
//! organization` for the first sync of an organization of 200 accounts × 4 regions.

mod hostile;
mod load;
mod organization;
mod running;
mod search;
mod seed;
mod site;
mod sync_calls;

use app::model::{ResourceKind, INVENTORY_PAGE_SIZE};
use load::Page;
use server::store::Db;

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

fn mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// The pages of the mix: inventories (plain, filtered, later pages), item pages, overview.
fn mix(url: &str) -> Vec<Page> {
    let mut pages = Vec::new();
    for n in 0..200usize {
        let kind = ResourceKind::ALL[n % ResourceKind::ALL.len()];
        pages.push(match n % 4 {
            0 => Page {
                class: "inventory, first page",
                url: format!("{url}{}", kind.path()),
            },
            1 => Page {
                class: "inventory, by tag and account",
                url: format!("{url}{}?tag=Team%3Dplatform&account=prod", kind.path()),
            },
            2 => Page {
                class: "inventory, later page by name",
                url: format!("{url}{}?page={}&sort=name", kind.path(), 2 + n % 40),
            },
            _ => Page {
                class: "overview (dashboard)",
                url: format!("{url}/"),
            },
        });
        let item = seed::cached_only_item(n * 499);
        pages.push(Page {
            class: "item page",
            url: format!("{url}{}", item.detail_path()),
        });
    }
    pages
}

/// Every page of every inventory, once: what a full walk of the cache makes the server hold.
async fn walk(client: &reqwest::Client, url: &str) -> (usize, usize) {
    let (mut pages, mut errors) = (0, 0);
    for kind in ResourceKind::ALL {
        let count = seed::items_of(kind);
        for page in 1..=count.div_ceil(INVENTORY_PAGE_SIZE).max(1) {
            match client
                .get(format!("{url}{}?page={page}", kind.path()))
                .send()
                .await
            {
                Ok(response) if response.status().is_success() => {
                    let _ = response.bytes().await;
                    pages += 1;
                }
                _ => errors += 1,
            }
        }
    }
    (pages, errors)
}

/// The benchmark's `trustdesk.toml` in `dir` (its site copied beside it); answers the site.
fn write_config(dir: &std::path::Path) -> std::path::PathBuf {
    let site = site::copy(dir);
    std::fs::write(
        dir.join("trustdesk.toml"),
        format!(
            "data_dir = {:?}\nsite_dir = {:?}\n# Nothing listens here: the benchmark never calls AWS.\naws_endpoint_url = \"http://127.0.0.1:9\"\n\n[[accounts]]\nname = \"prod\"\nregions = [\"us-east-1\", \"eu-west-1\"]\n\n[[accounts]]\nname = \"dev\"\nregions = [\"us-east-1\", \"eu-west-1\"]\n",
            dir.join("data"),
            site
        ),
    )
    .expect("config");
    site
}

#[tokio::main]
async fn main() {
    // `trustdesk-bench hostile`: what hostile requests cost, alone (an empty cache).
    if std::env::args().nth(1).as_deref() == Some("hostile") {
        let dir = tempfile::tempdir().expect("temp dir");
        write_config(dir.path());
        let running = running::start(dir.path());
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("client");
        running::sign_in(&client, &running.url).await;
        // The anonymous posts first, so that the peak they print is theirs alone.
        hostile::huge_anonymous_posts(&running.url, running.child.id()).await;
        hostile::documents_and_health(&client, &running.url).await;
        return;
    }
    // `trustdesk-bench search`: the search across every kind on the seeded cache, alone.
    if std::env::args().nth(1).as_deref() == Some("search") {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = Db::open(&dir.path().join("trustdesk.db"))
            .await
            .expect("database");
        seed::seed(&db).await;
        search::search_times(&db).await;
        return;
    }
    // `trustdesk-bench organization`: an organization of 200 accounts × 4 regions, its first sync.
    if std::env::args().nth(1).as_deref() == Some("organization") {
        let dir = tempfile::tempdir().expect("temp dir");
        organization::organization_sync(dir.path()).await;
        return;
    }
    // `trustdesk-bench sync-calls`: the demo's full sync figure alone, without the load.
    if std::env::args().nth(1).as_deref() == Some("sync-calls") {
        let dir = tempfile::tempdir().expect("temp dir");
        sync_calls::full_sync_calls(dir.path()).await;
        sync_calls::scale_sync_calls(dir.path()).await;
        return;
    }
    let pages_only = std::env::args().nth(1).as_deref() == Some("pages");
    let mut args = std::env::args().skip(if pages_only { 2 } else { 1 });
    let seconds: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(60);
    let clients: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(200);
    let dir = tempfile::tempdir().expect("temp dir");
    let site = write_config(dir.path());
    let db = Db::open(&dir.path().join("data/trustdesk.db"))
        .await
        .expect("database");
    seed::seed(&db).await;
    if !pages_only {
        search::search_times(&db).await;
    }
    drop(db);

    let running = running::start(dir.path());
    let pid = running.child.id();
    // Settled after start: what an idle server holds.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let (idle, _) = running::rss_kib(pid);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .pool_max_idle_per_host(clients)
        .build()
        .expect("client");
    running::sign_in(&client, &running.url).await;

    let page = format!(
        "{}/verification-tokens?tag=Team%3Dplatform&account=prod",
        running.url
    );
    let body = client
        .get(&page)
        .send()
        .await
        .expect("page")
        .text()
        .await
        .expect("page body");
    let rows = item_rows(&body);
    assert_eq!(rows, 25, "the inventory page must show 25 items");
    site::print_weight(&client, &running.url, &body, &site).await;

    let (walked, walk_errors) = if pages_only {
        (0, 0)
    } else {
        let started = std::time::Instant::now();
        let (pages, walk_errors) = walk(&client, &running.url).await;
        println!(
            "full page walk: {pages} inventory pages of {} items in {:.1} s, {walk_errors} errors",
            seed::ITEMS,
            started.elapsed().as_secs_f64()
        );
        (running::rss_kib(pid).0, walk_errors)
    };

    println!("{clients} clients, {seconds} s per figure, loopback, release build");
    let static_file = load::load(
        &client,
        &[Page {
            class: "static file",
            url: format!("{}/favicon.svg", running.url),
        }],
        seconds,
        clients,
    )
    .await;
    load::print("static file /favicon.svg", &static_file);
    let pages_mix = load::load(&client, &mix(&running.url), seconds, clients).await;
    load::print("pages: inventory, item, overview", &pages_mix);
    let (loaded, peak) = running::rss_kib(pid);
    println!(
        "pages / static file: {:.1}%",
        100.0 * pages_mix.overall.per_second / static_file.overall.per_second.max(1.0)
    );
    let after_walk = if pages_only {
        String::new()
    } else {
        format!(", {:.1} MB after the full page walk", mb(walked))
    };
    println!(
        "server RSS: {:.1} MB idle after start{after_walk}, {:.1} MB after the load (peak {:.1} MB)",
        mb(idle),
        mb(loaded),
        mb(peak)
    );
    if !pages_only {
        hostile::documents_and_health(&client, &running.url).await;
        hostile::huge_anonymous_posts(&running.url, pid).await;
        drop(running);
        sync_calls::full_sync_calls(dir.path()).await;
    }
    if static_file.overall.errors + pages_mix.overall.errors + walk_errors > 0 {
        eprintln!("trustdesk-bench: requests failed under load");
        std::process::exit(1);
    }
}
