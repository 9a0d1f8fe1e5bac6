//! What a request leaves in the log, read in a process of its own (a global subscriber sees
//! every line whatever thread writes it, and no other test's lines get in the way): each line
//! in the request's span carries its id, and the metrics token is never written.

#[path = "../it/harness.rs"]
#[allow(dead_code)]
mod harness;

use harness::*;
use reqwest::StatusCode;
use std::{
    io::Write,
    sync::{Arc, Mutex},
};

const TOKEN: &str = "scrape-token-5e1f0a9c77d2b3e4";

#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn request_ids_are_on_every_line_and_the_metrics_token_on_none() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        // Everything trustdesk writes; the test's own HTTP client (hyper, reqwest) sends the
        // token and is not what is being tested.
        .with_env_filter("trace,hyper=off,hyper_util=off,reqwest=off,h2=off")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");

    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("metrics-token");
    std::fs::write(&token_file, TOKEN).unwrap();
    let app = TestApp::start_with_env(&[
        ("TRUSTDESK_TRUSTED_PROXIES", "127.0.0.1"),
        ("TRUSTDESK_METRICS_TOKEN_FILE", token_file.to_str().unwrap()),
    ])
    .await;
    let holder = app.browser_with_headers(&[
        ("x-forwarded-for", "203.0.113.9"),
        ("authorization", &format!("Bearer {TOKEN}")),
    ]);
    assert_eq!(holder.get("/metrics").await.status(), StatusCode::OK);
    let wrong = app.browser_with_headers(&[
        ("x-forwarded-for", "203.0.113.9"),
        ("authorization", "Bearer scrape-token-5e1f0a9c77d2b3eX"),
    ]);
    assert_eq!(wrong.get("/metrics").await.status(), StatusCode::NOT_FOUND);

    // A POST without its CSRF token is refused with a warning, inside the request's span.
    let refused = app
        .browser()
        .send_form("/api/logout", &[], "application/json")
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let id = refused.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();

    // A page rendered on the server: its data is read in tasks Leptos spawns, whose lines
    // carry the id too (here the sign-in page's question whether an admin exists).
    let page = app.browser().get("/login").await;
    assert_eq!(page.status(), StatusCode::OK);
    let page_id = page.headers()["x-request-id"].to_str().unwrap().to_string();

    let logged = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let resource_lines: Vec<&str> = logged
        .lines()
        .filter(|line| line.contains("FROM users WHERE role = 'admin' AND disabled = 0"))
        .collect();
    assert!(!resource_lines.is_empty(), "the query is logged: {logged}");
    assert!(
        resource_lines
            .iter()
            .any(|line| line.contains(&format!("request_id={page_id}"))),
        "the page's own query names {page_id}: {resource_lines:#?}"
    );
    let warning = logged
        .lines()
        .find(|line| line.contains("refused a request without a valid CSRF token"))
        .unwrap_or_else(|| panic!("no CSRF warning in:\n{logged}"));
    assert!(
        warning.contains(&format!("request_id={id}")),
        "the line names its request {id}: {warning}"
    );
    assert!(
        logged.lines().any(|line| line.contains("answered")
            && line.contains("status=403")
            && line.contains(&format!("request_id={id}"))),
        "the access line of {id}: {logged}"
    );
    assert!(!logged.contains(TOKEN), "the token was logged");
    assert!(
        !logged.contains("scrape-token-"),
        "not even the wrong one was logged"
    );
    let config = server::config::Config::load(
        None,
        &[(
            "TRUSTDESK_METRICS_TOKEN_FILE".to_string(),
            token_file.display().to_string(),
        )]
        .into(),
        &Default::default(),
    )
    .unwrap();
    assert!(!format!("{config:?}").contains(TOKEN), "nor is it in Debug");
}
