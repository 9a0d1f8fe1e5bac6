//! The security headers of pages and server functions: a script policy with a fresh nonce that
//! every script of the page carries (no inline script without it), no caching, HSTS and
//! `__Host-` cookies behind https.

use crate::harness::*;
use reqwest::{header, StatusCode};

const HTTPS: [(&str, &str); 1] = [("TRUSTDESK_PUBLIC_URL", "https://trustdesk.example.com")];

fn script_src(response: &reqwest::Response) -> String {
    let policy = response.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_string();
    policy
        .split(';')
        .map(str::trim)
        .find(|directive| directive.starts_with("script-src"))
        .unwrap_or_else(|| panic!("no script-src in {policy}"))
        .to_string()
}

/// The nonce the policy names, after checking that it allows no other inline script.
fn policy_nonce(script_src: &str) -> String {
    assert!(
        !script_src.contains("'unsafe-inline'"),
        "inline scripts are allowed: {script_src}"
    );
    let nonces: Vec<&str> = script_src
        .split_whitespace()
        .filter_map(|source| source.strip_prefix("'nonce-")?.strip_suffix('\''))
        .collect();
    assert_eq!(nonces.len(), 1, "one nonce in {script_src}");
    assert!(nonces[0].len() >= 16, "a nonce of 128 bits or more");
    nonces[0].to_string()
}

/// Every `<script …>` opening tag of the page.
fn script_tags(page: &str) -> Vec<&str> {
    page.match_indices("<script")
        .map(|(at, _)| &page[at..at + page[at..].find('>').expect("a closed tag")])
        .collect()
}

async fn check_page(browser: &Browser, path: &str, status: StatusCode) -> String {
    let response = browser.get(path).await;
    assert_eq!(response.status(), status, "{path}");
    let nonce = policy_nonce(&script_src(&response));
    let page = response.text().await.unwrap();
    let scripts = script_tags(&page);
    assert!(
        scripts.len() >= 2,
        "{path}: the hydration script and the resources' data: {scripts:?}"
    );
    for tag in scripts {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "{path}: a script without the policy's nonce: {tag}"
        );
    }
    nonce
}

#[tokio::test]
async fn every_script_of_a_page_carries_the_nonce_its_policy_names() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let visitor = app.browser();
    let first = check_page(&visitor, "/login", StatusCode::OK).await;
    let second = check_page(&visitor, "/login", StatusCode::OK).await;
    assert_ne!(first, second, "a fresh nonce for every answer");
    check_page(&admin, "/", StatusCode::OK).await;
    check_page(&admin, "/audit", StatusCode::OK).await;
    check_page(&admin, "/no-such-page/at-all", StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn pages_and_server_functions_are_not_cached() {
    let (_app, admin) = TestApp::builder().build_with_admin().await;
    for response in [
        admin.get("/").await,
        admin.get("/login").await,
        admin.get_json("/api/session").await,
        admin.get_json("/api/dashboard").await,
        admin.call("/api/logout", &[]).await,
    ] {
        let url = response.url().clone();
        assert_eq!(
            response
                .headers()
                .get(header::CACHE_CONTROL)
                .map(|v| v.to_str().unwrap()),
            Some("no-store"),
            "{url}"
        );
    }
}

#[tokio::test]
async fn hsts_is_sent_only_behind_https() {
    let plain = TestApp::builder().build().await;
    let response = plain.browser().get("/login").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response
        .headers()
        .get(header::STRICT_TRANSPORT_SECURITY)
        .is_none());

    let behind_tls = TestApp::builder().env(&HTTPS).build().await;
    for path in ["/login", "/healthz", "/api/session"] {
        let response = behind_tls.browser().get(path).await;
        assert_eq!(
            response.headers()[header::STRICT_TRANSPORT_SECURITY],
            "max-age=63072000; includeSubDomains",
            "{path}"
        );
    }
}

/// The `Set-Cookie` of `name`, checked to be `__Host-` compatible.
fn host_cookie(response: &reqwest::Response, name: &str) -> String {
    let cookie = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap_or_else(|| panic!("no {name} cookie in {:?}", response.headers()));
    let attributes: Vec<String> = cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    assert!(attributes.contains(&"secure".into()), "{cookie}");
    assert!(attributes.contains(&"path=/".into()), "{cookie}");
    assert!(attributes.contains(&"httponly".into()), "{cookie}");
    assert!(
        !attributes.iter().any(|a| a.starts_with("domain")),
        "{cookie}"
    );
    cookie.split(';').next().unwrap().trim().to_string()
}

#[tokio::test]
async fn cookies_carry_the_host_prefix_behind_https() {
    let app = TestApp::builder().env(&HTTPS).build().await;
    // Cookies by hand: the test talks plain HTTP to what users reach over https.
    let http = reqwest::Client::new();
    let session = http
        .get(format!("{}/api/session", app.url))
        .header(header::ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    let csrf_cookie = host_cookie(&session, "__Host-trustdesk_csrf");
    let token = session.json::<serde_json::Value>().await.unwrap()["csrf_token"]
        .as_str()
        .unwrap()
        .to_string();
    let setup_token = app.setup_token();
    let set_up = http
        .post(format!("{}/api/setup", app.url))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, &csrf_cookie)
        .form(&[
            ("_csrf", token.as_str()),
            ("token", setup_token.as_str()),
            ("admin[username]", ADMIN),
            ("admin[role]", "admin"),
            ("admin[password]", ADMIN_PASSWORD),
            ("admin[password_confirm]", ADMIN_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(set_up.status(), StatusCode::OK);
    let session_cookie = host_cookie(&set_up, "__Host-trustdesk_session");
    let session: serde_json::Value = http
        .get(format!("{}/api/session", app.url))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, &session_cookie)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["user"]["username"], ADMIN);
    // The unprefixed name means nothing there: a cookie another host planted is not read.
    let unprefixed = session_cookie.replacen("__Host-", "", 1);
    let session: serde_json::Value = http
        .get(format!("{}/api/session", app.url))
        .header(header::ACCEPT, "application/json")
        .header(header::COOKIE, &unprefixed)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(session["user"].is_null(), "{session}");
}
