//! `trustdesk-bench search`: the search across every kind on the seeded cache of 100,000 items,
//! in process (the store's query alone, as the server runs it): each query's matches and its
//! median, p99 and slowest time over repeated runs.

use app::model::search::SearchWords;
use server::store::{search, Db};
use std::time::{Duration, Instant};

/// Queries as people type them: an id fragment, a name, a tag value, an account id, an ARN
/// fragment, two words, nothing found, and one that matches most of the cache.
const QUERIES: [&str; 8] = [
    "00042",
    "item 4242",
    "owner7@example",
    "210987654321",
    "example:::99",
    "security prod",
    "zz-no-such-item",
    "item",
];
const RUNS: usize = 50;

pub async fn search_times(db: &Db) {
    println!(
        "search across every kind, {} cached items, {RUNS} runs each:",
        super::seed::ITEMS
    );
    for text in QUERIES {
        let words = SearchWords::parse(text).expect("a valid query");
        let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
        let mut found = (0u64, false);
        for _ in 0..RUNS {
            let started = Instant::now();
            let (groups, limited) = search::search(db.pool(), &words).await.expect("search");
            times.push(started.elapsed());
            found = (groups.iter().map(|group| group.total).sum(), limited);
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "  {:<18} {:>6} matches{}  median {:>6.2} ms  p99 {:>6.2} ms  max {:>6.2} ms",
            format!("{text:?}"),
            found.0,
            if found.1 { " (limit)" } else { "        " },
            ms(times[RUNS / 2]),
            ms(times[RUNS * 99 / 100]),
            ms(times[RUNS - 1]),
        );
    }
}
