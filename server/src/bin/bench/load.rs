//! Load: `connections` clients, each sending one request after another for `seconds`, over
//! the pages it is given, and what came back: requests, errors (by what failed), req/s, p50 and
//! p99, overall and per class of page, so a slow class shows without a profiler.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// One URL of a mix and the class of page its figures are counted under.
#[derive(Clone)]
pub struct Page {
    pub class: &'static str,
    pub url: String,
}

pub struct Figures {
    pub requests: usize,
    pub errors: usize,
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

pub struct Run {
    pub overall: Figures,
    /// Each class's figures, in the order the classes first appear in the mix.
    pub classes: Vec<(&'static str, Figures)>,
    /// What the failed requests got (a status code, or the client's error): how often, and
    /// the first URL that got it.
    pub failures: BTreeMap<String, (usize, String)>,
}

struct Outcome {
    class: &'static str,
    url: String,
    latency: Duration,
    failure: Option<String>,
}

/// Each client walks `pages` from its own starting point, so the mix is the same for all.
pub async fn load(
    client: &reqwest::Client,
    pages: &[Page],
    seconds: u64,
    connections: usize,
) -> Run {
    let pages: Arc<Vec<Page>> = Arc::new(pages.to_vec());
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut workers = Vec::new();
    for worker in 0..connections {
        let (client, pages, stop) = (client.clone(), pages.clone(), stop.clone());
        workers.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            let mut next = worker * pages.len() / connections.max(1);
            while !stop.load(Ordering::Relaxed) {
                let page = &pages[next % pages.len()];
                next += 1;
                let sent = Instant::now();
                let failure = match client
                    .get(&page.url)
                    .header("accept", "text/html")
                    .send()
                    .await
                {
                    Ok(response) if response.status().is_success() => {
                        match response.bytes().await {
                            Ok(_) => None,
                            Err(error) => Some(format!("body: {error}")),
                        }
                    }
                    Ok(response) => Some(format!("HTTP {}", response.status().as_u16())),
                    Err(error) => Some(format!("request: {error}")),
                };
                outcomes.push(Outcome {
                    class: page.class,
                    url: page.url.clone(),
                    latency: sent.elapsed(),
                    failure,
                });
            }
            outcomes
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut outcomes = Vec::new();
    for worker in workers {
        outcomes.append(&mut worker.await.expect("worker"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    let mut failures = BTreeMap::new();
    for outcome in &outcomes {
        if let Some(failure) = &outcome.failure {
            failures
                .entry(failure.clone())
                .or_insert((0, outcome.url.clone()))
                .0 += 1;
        }
    }
    let mut class_names: Vec<&'static str> = Vec::new();
    for page in pages.iter() {
        if !class_names.contains(&page.class) {
            class_names.push(page.class);
        }
    }
    let classes = class_names
        .into_iter()
        .map(|class| {
            let of_class = outcomes.iter().filter(|o| o.class == class);
            (class, figures(of_class, elapsed))
        })
        .collect();
    Run {
        overall: figures(outcomes.iter(), elapsed),
        classes,
        failures,
    }
}

/// Latencies are of the successful requests; the failed ones are counted as errors.
fn figures<'a>(outcomes: impl Iterator<Item = &'a Outcome>, elapsed: f64) -> Figures {
    let mut latencies = Vec::new();
    let mut errors = 0;
    for outcome in outcomes {
        match outcome.failure {
            None => latencies.push(outcome.latency),
            Some(_) => errors += 1,
        }
    }
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

pub fn print(label: &str, run: &Run) {
    print_figures(label, &run.overall);
    if run.classes.len() > 1 {
        for (class, figures) in &run.classes {
            print_figures(&format!("  {class}"), figures);
        }
    }
    for (failure, (count, url)) in &run.failures {
        println!("  failed: {count} × {failure} (the first: {url})");
    }
}

fn print_figures(label: &str, f: &Figures) {
    println!(
        "{label:<44} {:>8.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} requests, {} errors)",
        f.per_second,
        f.p50.as_secs_f64() * 1000.0,
        f.p99.as_secs_f64() * 1000.0,
        f.requests,
        f.errors
    );
}
