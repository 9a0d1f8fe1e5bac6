//! What hostile requests cost the release server: documents built to be expensive to read,
//! sent four at a time by a signed-in admin (the only role the door lets send them), with
//! `/healthz`'s latency meanwhile; and 64 anonymous 39 MiB sign-ins at once, with the server's
//! peak memory after them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// SAML metadata documents a reader could be made to work hard on: nested as deep as the
/// 2026-12 review's (160,000 elements), nested within IAM's whole 10,000,000 characters, and
/// the widest the limits let through (as many elements, each declaring namespaces).
fn documents() -> Vec<(&'static str, String)> {
    let head = r#"<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com/saml"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">"#;
    let tail = "</md:IDPSSODescriptor></md:EntityDescriptor>";
    let nested = |n: usize| {
        format!(
            "{head}{}{}{tail}",
            "<md:Extensions>".repeat(n),
            "</md:Extensions>".repeat(n)
        )
    };
    let element = r#"<md:Extensions xmlns:a="urn:a" xmlns:b="urn:b"/>"#;
    vec![
        ("160,000 nested elements", nested(160_000)),
        ("10,000,000 characters nested", nested(9_999_000 / 31)),
        (
            "250,000 flat elements declaring namespaces",
            format!("{head}{}{tail}", element.repeat(200_000)),
        ),
    ]
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

/// Four of each document at once, as the admin `client` is signed in; `/healthz` timed
/// meanwhile from another connection.
pub async fn documents_and_health(client: &reqwest::Client, url: &str) {
    let token = super::running::csrf_token(client, url).await;
    let health = reqwest::Client::new();
    for (what, document) in documents() {
        let sending = Arc::new(AtomicBool::new(true));
        let probe = tokio::spawn({
            let (health, url, sending) = (health.clone(), url.to_string(), sending.clone());
            async move {
                let mut latencies = Vec::new();
                while sending.load(Ordering::Relaxed) {
                    let started = Instant::now();
                    if health.get(format!("{url}/healthz")).send().await.is_ok() {
                        latencies.push(started.elapsed());
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                latencies
            }
        });
        let started = Instant::now();
        let posts: Vec<_> = (0..4)
            .map(|i| {
                let form = [
                    ("provider[target]", "prod/global".to_string()),
                    ("provider[name]", format!("Hostile{i}")),
                    ("provider[metadata]", document.clone()),
                ];
                let request = client
                    .post(format!("{url}/api/saml-providers/create"))
                    .header("x-csrf-token", &token)
                    .header("accept", "application/json")
                    .form(&form);
                tokio::spawn(async move {
                    let sent = Instant::now();
                    let status = request.send().await.map(|r| r.status().as_u16());
                    (status, sent.elapsed())
                })
            })
            .collect();
        let mut answers = Vec::new();
        for post in posts {
            answers.push(post.await.expect("post"));
        }
        let all = started.elapsed();
        sending.store(false, Ordering::Relaxed);
        let mut latencies = probe.await.expect("probe");
        latencies.sort();
        let statuses: Vec<String> = answers
            .iter()
            .map(|(status, _)| match status {
                Ok(code) => code.to_string(),
                Err(_) => "error".into(),
            })
            .collect();
        println!(
            "hostile documents ({what}, {:.1} MB, 4 at once): answered {} in {:.0} ms; /healthz meanwhile p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} probes)",
            document.len() as f64 / 1e6,
            statuses.join("/"),
            all.as_secs_f64() * 1000.0,
            percentile(&latencies, 0.5),
            percentile(&latencies, 0.99),
            percentile(&latencies, 1.0),
            latencies.len()
        );
    }
}

/// 64 anonymous sign-ins, each declaring and sending 39 MiB (until the server closes on it).
pub async fn huge_anonymous_posts(url: &str, pid: u32) {
    let address = url.trim_start_matches("http://").to_string();
    let chunk = Arc::new(vec![b'a'; 1024 * 1024]);
    let declared = 39 * 1024 * 1024;
    let started = Instant::now();
    let posts: Vec<_> = (0..64)
        .map(|_| {
            let (address, chunk) = (address.clone(), chunk.clone());
            tokio::spawn(async move {
                let Ok(mut stream) = tokio::net::TcpStream::connect(&address).await else {
                    return;
                };
                let head = format!(
                    "POST /api/login HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {declared}\r\n\r\n"
                );
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let mut sent = 0;
                while sent < declared {
                    if stream.write_all(&chunk).await.is_err() {
                        return;
                    }
                    sent += chunk.len();
                }
            })
        })
        .collect();
    for post in posts {
        let _ = post.await;
    }
    let (now, peak) = super::running::rss_kib(pid);
    println!(
        "64 anonymous 39 MiB sign-ins at once: done in {:.1} s; server RSS {:.1} MB after (peak so far {:.1} MB)",
        started.elapsed().as_secs_f64(),
        super::mb(now),
        super::mb(peak)
    );
}
