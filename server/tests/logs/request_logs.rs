//! What a request leaves in the log: each line in the request's span carries its id, and the
//! metrics token is never written.

use crate::harness::*;
use reqwest::StatusCode;

const TOKEN: &str = "scrape-token-5e1f0a9c77d2b3e4";

#[tokio::test]
async fn request_ids_are_on_every_line_and_the_metrics_token_on_none() {
    let logs = crate::captured::logs();

    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("metrics-token");
    std::fs::write(&token_file, TOKEN).unwrap();
    let app = TestApp::builder()
        .env(&[
            ("TRUSTDESK_TRUSTED_PROXIES", "127.0.0.1"),
            ("TRUSTDESK_METRICS_TOKEN_FILE", token_file.to_str().unwrap()),
        ])
        .build()
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

    let logged = logs.text();
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
