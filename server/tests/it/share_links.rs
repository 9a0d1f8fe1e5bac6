//! Read-only share links: exactly the scope, for exactly as long as intended, to anyone holding
//! the link and to nothing else; admins see and control every link.

use crate::harness::*;
use reqwest::{header, StatusCode};
use serde_json::Value;

const KIND: &str = "server-certificate";

/// A client with no cookies at all, the way a link's recipient opens it.
fn stranger() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Creates a link as `admin` (a hydrated call); answers `(id, url, token)`.
async fn create(admin: &Browser, fields: &[(&str, &str)]) -> (i64, String, String) {
    let response = admin.call("/api/shares/create", fields).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    let created: Value = response.json().await.unwrap();
    let url = created["url"].as_str().unwrap().to_string();
    let token = url.rsplit('/').next().unwrap().to_string();
    (created["id"].as_i64().unwrap(), url, token)
}

async fn inventory_link(admin: &Browser, account: &str, tags: bool) -> (i64, String, String) {
    let mut fields = vec![
        ("form[scope]", "inventory"),
        ("form[kind]", KIND),
        ("form[account]", account),
        ("form[label]", "External auditor (Acme LLP)"),
        ("form[lifetime_hours]", "168"),
    ];
    if tags {
        fields.push(("form[include_tags]", "on"));
    }
    create(admin, &fields).await
}

/// The ids of the items of `account`, and of every other account, in the kind's cache.
async fn ids_by_account(admin: &Browser, account: &str) -> (Vec<String>, Vec<String>) {
    let page = inventory_of(admin, KIND, "").await;
    let mut inside = Vec::new();
    let mut outside = Vec::new();
    for item in page["items"].as_array().unwrap() {
        let id = item["item"]["id"].as_str().unwrap().to_string();
        if item["item"]["account"] == account {
            inside.push(id);
        } else {
            outside.push(id);
        }
    }
    assert!(!inside.is_empty() && !outside.is_empty(), "{page}");
    (inside, outside)
}

async fn get(client: &reqwest::Client, url: &str) -> reqwest::Response {
    client.get(url).send().await.unwrap()
}

#[tokio::test]
async fn a_link_shows_exactly_its_scope_and_opens_no_session() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, KIND).await;
    let (inside, outside) = ids_by_account(&admin, "dev").await;
    let (_, url, token) = inventory_link(&admin, "dev", false).await;
    assert!(url.starts_with(&app.url), "{url}");
    let sessions_before = app.count("SELECT COUNT(*) FROM tower_sessions").await;

    let client = stranger();
    let response = get(&client, &url).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    assert!(
        headers.get(header::SET_COOKIE).is_none(),
        "no cookie: {headers:?}"
    );
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    assert_eq!(headers["x-robots-tag"], "noindex, nofollow");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{csp}"
    );
    let page = response.text().await.unwrap();
    for id in &inside {
        assert!(page.contains(id.as_str()), "{id} is in the scope");
    }
    for id in &outside {
        assert!(!page.contains(id.as_str()), "{id} is outside the scope");
    }
    assert!(page.contains("External auditor (Acme LLP)") && page.contains(ADMIN));
    assert!(!page.contains("<script"), "a share view runs no scripts");
    assert!(!page.contains("<form"), "a share view has no forms");
    assert!(
        !page.contains("href=\"/\"") && !page.contains("/resources/"),
        "no way into the console"
    );

    // Parameters cannot widen the scope, whatever they name.
    let widened = get(
        &client,
        &format!("{url}?account=prod&kind=saml-provider&page=1&sort=name&removed=1"),
    )
    .await;
    let widened = widened.text().await.unwrap();
    for id in &outside {
        assert!(!widened.contains(id.as_str()));
    }

    let item = |account: &str, id: &str| {
        format!(
            "{url}/item?kind={KIND}&account={account}&region=global&id={}",
            app::model::resource::encode_segment(id)
        )
    };
    let shown = get(&client, &item("dev", &inside[0])).await;
    assert_eq!(shown.status(), StatusCode::OK);
    assert!(shown.text().await.unwrap().contains("Expiration"));
    let refused = get(&client, &item("prod", &outside[0])).await;
    assert_eq!(
        refused.status(),
        StatusCode::NOT_FOUND,
        "an item outside the scope"
    );
    let other_kind = get(
        &client,
        &format!("{url}/item?kind=saml-provider&account=dev&region=global&id=x"),
    )
    .await;
    assert_eq!(other_kind.status(), StatusCode::NOT_FOUND);

    assert_eq!(
        app.count("SELECT COUNT(*) FROM tower_sessions").await,
        sessions_before,
        "share views store no session"
    );
    let stored = stored_bytes(&app);
    assert!(
        !bytes_contain(&stored, &token),
        "the token is stored only as a hash"
    );
}

#[tokio::test]
async fn tags_and_secret_fields_stay_out_unless_shared() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, KIND).await;
    let (inside, _) = ids_by_account(&admin, "dev").await;
    let tagged = admin
        .call(
            "/api/resource/tag",
            &[
                ("item[kind]", KIND),
                ("item[account]", "dev"),
                ("item[region]", "global"),
                ("item[id]", inside[0].as_str()),
                ("key", "owner"),
                ("value", "carol@example.com"),
            ],
        )
        .await;
    assert_eq!(
        tagged.status(),
        StatusCode::OK,
        "{}",
        tagged.text().await.unwrap()
    );
    let client = stranger();
    let (_, without, _) = inventory_link(&admin, "dev", false).await;
    let page = get(&client, &without).await.text().await.unwrap();
    assert!(!page.contains("carol@example.com"));
    let csv = get(&client, &format!("{without}/export.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        !csv.contains("carol@example.com") && !csv.contains("tags"),
        "{csv}"
    );
    let (_, with, _) = inventory_link(&admin, "dev", true).await;
    let page = get(&client, &with).await.text().await.unwrap();
    assert!(page.contains("owner=carol@example.com"));
}

#[tokio::test]
async fn the_csv_holds_the_scope_with_formulas_neutralised() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, KIND).await;
    let (inside, outside) = ids_by_account(&admin, "dev").await;
    let tagged = admin
        .call(
            "/api/resource/tag",
            &[
                ("item[kind]", KIND),
                ("item[account]", "dev"),
                ("item[region]", "global"),
                ("item[id]", inside[0].as_str()),
                ("key", "note"),
                ("value", "=1+1"),
            ],
        )
        .await;
    assert_eq!(tagged.status(), StatusCode::OK);
    let (_, url, _) = inventory_link(&admin, "dev", true).await;
    let response = get(&stranger(), &format!("{url}/export.csv")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let disposition = response.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("trustdesk-server-certificates-"),
        "{disposition}"
    );
    let csv = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let id_column = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == "id")
        .unwrap();
    let ids: Vec<String> = reader
        .records()
        .map(|r| r.unwrap()[id_column].to_string())
        .collect();
    let mut expected = inside.clone();
    expected.sort();
    let mut got = ids.clone();
    got.sort();
    assert_eq!(got, expected);
    assert!(outside.iter().all(|id| !csv.contains(id.as_str())));
    assert!(csv.contains("note==1+1"), "the tag cell is there: {csv}");
    for record in csv::Reader::from_reader(csv.as_bytes()).records() {
        for cell in record.unwrap().iter() {
            assert!(!cell.starts_with('='), "a formula cell: {cell}");
        }
    }
    let _ = app;
}

#[tokio::test]
async fn revocation_and_expiry_end_a_link_at_once() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, KIND).await;
    let client = stranger();
    let (id, url, _) = inventory_link(&admin, "dev", false).await;
    assert_eq!(get(&client, &url).await.status(), StatusCode::OK);
    let revoked = admin
        .call("/api/shares/revoke", &[("id", &id.to_string())])
        .await;
    assert_eq!(revoked.status(), StatusCode::OK);
    let gone = get(&client, &url).await;
    assert_eq!(gone.status(), StatusCode::GONE);
    assert_eq!(gone.headers()[header::CACHE_CONTROL], "no-store");
    assert!(gone.text().await.unwrap().contains("revoked"));
    assert_eq!(
        get(&client, &format!("{url}/export.csv")).await.status(),
        StatusCode::GONE
    );

    let (_, short, _) = create(
        &admin,
        &[
            ("form[scope]", "expiry"),
            ("form[label]", "Owner of the certificates"),
            ("form[lifetime_hours]", "1"),
        ],
    )
    .await;
    assert_eq!(get(&client, &short).await.status(), StatusCode::OK);
    reqwest::Client::new()
        .post(format!(
            "{}/_emulator/clock",
            app.emulator_endpoint.as_ref().unwrap()
        ))
        .header(header::CONTENT_TYPE, "application/json")
        .body(r#"{"advance_seconds": 3601}"#)
        .send()
        .await
        .unwrap();
    let expired = get(&client, &short).await;
    assert_eq!(expired.status(), StatusCode::GONE);
    assert!(expired.text().await.unwrap().contains("expired"));

    let unknown = get(&client, &format!("{}/s/{}", app.url, "A".repeat(43))).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let malformed = get(&client, &format!("{}/s/%00'%20OR%201=1", app.url)).await;
    assert_eq!(malformed.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn links_are_rate_limited_per_link_and_per_address() {
    let (app, admin) = TestApp::builder()
        .demo()
        .env(&[("TRUSTDESK_SHARE_REQUESTS_PER_MINUTE", "5")])
        .build_with_admin()
        .await;
    let client = stranger();
    let (_, url, _) = inventory_link(&admin, "dev", false).await;
    for _ in 0..5 {
        assert_eq!(get(&client, &url).await.status(), StatusCode::OK);
    }
    let limited = get(&client, &url).await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key(header::RETRY_AFTER));
    // The same address guessing other tokens is stopped too, before any lookup.
    let guess = get(&client, &format!("{}/s/{}", app.url, "B".repeat(43))).await;
    assert_eq!(guess.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// A client that names `address` as the client, through a proxy trusted at 127.0.0.1.
fn via_proxy(client: &reqwest::Client, url: &str, address: &str) -> reqwest::RequestBuilder {
    client.get(url).header("x-forwarded-for", address)
}

/// The review's flood: more distinct addresses than the per-client table holds, in about a
/// second. Before, each new client was refused once the table was full, holders of every link
/// included, for a minute.
#[tokio::test]
async fn a_flood_of_addresses_leaves_every_holder_served() {
    use futures_util::StreamExt;
    let (app, admin) = TestApp::builder()
        .demo()
        .env(&[("TRUSTDESK_TRUSTED_PROXIES", "127.0.0.1")])
        .build_with_admin()
        .await;
    let (_, url, _) = inventory_link(&admin, "dev", false).await;
    let client = stranger();
    let early = "198.51.100.9";
    let status = via_proxy(&client, &url, early)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::OK);

    // Each from its own address, for its own made-up token: no one client or link is over
    // its allowance, only the table is full.
    let started = std::time::Instant::now();
    let throttled = futures_util::stream::iter(0..10_200u32)
        .map(|i| {
            let address = std::net::Ipv4Addr::from(0x0a00_0000 + i).to_string();
            let junk = format!("{}/s/not-a-token-{i}", app.url);
            via_proxy(&client, &junk, &address).send()
        })
        .buffer_unordered(32)
        .filter(|sent| {
            let status = sent.as_ref().expect("answered").status();
            std::future::ready(status == StatusCode::TOO_MANY_REQUESTS)
        })
        .count()
        .await;
    eprintln!("10,200 addresses in {:?}", started.elapsed());
    assert_eq!(throttled, 0, "no new client is refused for others' sake");

    for holder in [early, "203.0.113.4", "2001:db8:5::1"] {
        let response = via_proxy(&client, &url, holder).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{holder}");
    }
}

/// One IPv6 subscriber holds a whole /64: its addresses share one allowance.
#[tokio::test]
async fn addresses_of_one_ipv6_64_are_one_client() {
    let app = TestApp::builder()
        .env(&[
            ("TRUSTDESK_TRUSTED_PROXIES", "127.0.0.1"),
            ("TRUSTDESK_SHARE_REQUESTS_PER_MINUTE", "3"),
        ])
        .build()
        .await;
    let client = stranger();
    // A new made-up token each time: only the client's allowance can run out.
    let guesses = std::cell::Cell::new(0);
    let guess = || {
        guesses.set(guesses.get() + 1);
        format!("{}/s/{}{:03}", app.url, "C".repeat(40), guesses.get())
    };
    for address in [
        "2001:db8:7:7::1",
        "2001:db8:7:7::2",
        "2001:db8:7:7:ab:cd:ef:1",
    ] {
        let response = via_proxy(&client, &guess(), address).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{address}");
    }
    let same_64 = via_proxy(&client, &guess(), "2001:db8:7:7:ffff::9")
        .send()
        .await
        .unwrap();
    assert_eq!(same_64.status(), StatusCode::TOO_MANY_REQUESTS);
    let next_64 = via_proxy(&client, &guess(), "2001:db8:7:8::1")
        .send()
        .await
        .unwrap();
    assert_eq!(next_64.status(), StatusCode::NOT_FOUND);
}

/// A leaked link is not scraped fast by many clients: each link keeps its own allowance.
#[tokio::test]
async fn a_link_keeps_its_allowance_whoever_asks() {
    let (_app, admin) = TestApp::builder()
        .demo()
        .env(&[
            ("TRUSTDESK_TRUSTED_PROXIES", "127.0.0.1"),
            ("TRUSTDESK_SHARE_REQUESTS_PER_MINUTE", "3"),
        ])
        .build_with_admin()
        .await;
    let (_, url, _) = inventory_link(&admin, "dev", false).await;
    let client = stranger();
    for address in ["192.0.2.1", "192.0.2.2", "2001:db8:1::1"] {
        let response = via_proxy(&client, &url, address).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{address}");
    }
    let fourth = via_proxy(&client, &url, "2001:db8:2::1")
        .send()
        .await
        .unwrap();
    assert_eq!(fourth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_share_headers(&fourth, "429");
}

/// The headers the share view sends, on any share response.
fn assert_share_headers(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    assert_eq!(headers[header::CACHE_CONTROL], "no-store", "{what}");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer", "{what}");
    assert_eq!(headers["x-robots-tag"], "noindex, nofollow", "{what}");
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{what}: {csp}"
    );
}

#[tokio::test]
async fn malformed_pages_and_other_methods_answer_with_the_share_headers() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let (_, url, token) = inventory_link(&admin, "dev", false).await;
    let client = stranger();
    for query in [
        "page=abc",
        "page=-1",
        "page=1.5",
        "page=1&page=2",
        "page=2&sort=name&sort=id",
    ] {
        let response = get(&client, &format!("{url}?{query}")).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_share_headers(&response, query);
        let page = response.text().await.unwrap();
        assert!(page.contains("Not a page of this list"), "{query}: {page}");
        assert!(
            page.contains(&format!("href=\"/s/{token}\"")),
            "{query}: a way to the first page: {page}"
        );
        assert!(!page.contains("<script"), "{page}");
    }
    // A whole number past the last page shows the last page, as any such page does.
    let far = get(&client, &format!("{url}?page=4294967296")).await;
    assert_eq!(far.status(), StatusCode::OK);
    assert_share_headers(&far, "page=4294967296");

    for path in ["", "/export.csv", "/item?kind=x&account=y&region=z&id=w"] {
        let target = format!("{url}{path}");
        for method in [
            reqwest::Method::POST,
            reqwest::Method::PUT,
            reqwest::Method::DELETE,
        ] {
            let response = client
                .request(method.clone(), &target)
                .body("x=1")
                .send()
                .await
                .unwrap();
            let what = format!("{method} {path}");
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{what}");
            assert_share_headers(&response, &what);
            let allow = response.headers()[header::ALLOW].to_str().unwrap();
            assert!(allow.contains("GET"), "{what}: {allow}");
        }
    }
}

#[tokio::test]
async fn admins_see_each_link_with_its_views_and_the_audit_has_no_token() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, KIND).await;
    let (id, url, token) = inventory_link(&admin, "dev", false).await;
    let client = stranger();
    client
        .get(&url)
        .header(header::USER_AGENT, "AuditBrowser/1.0\r\nX-Injected: 1")
        .send()
        .await
        .ok();
    client
        .get(&url)
        .header(header::USER_AGENT, "AuditBrowser/2.0")
        .send()
        .await
        .unwrap();
    client.head(&url).send().await.unwrap();
    let page: Value = admin
        .get_json(&format!("/api/shares?selected={id}"))
        .await
        .json()
        .await
        .unwrap();
    let link = &page["links"][0];
    assert_eq!(link["id"], id);
    assert_eq!(link["label"], "External auditor (Acme LLP)");
    assert_eq!(link["created_by"], ADMIN);
    assert_eq!(link["state"], "active");
    assert_eq!(
        link["views"], 1,
        "one GET counted; the HEAD is not a view: {page}"
    );
    assert_eq!(link["addresses"], 1);
    assert!(link["last_viewed_at"].is_string());
    let views = page["views"].as_array().unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0]["client_ip"], "127.0.0.1");
    assert_eq!(views[0]["user_agent"], "AuditBrowser/2.0");

    let revoked = admin.call("/api/shares/revoke-all", &[]).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    assert_eq!(revoked.json::<Value>().await.unwrap(), 1);
    let audit: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, params FROM audit_log WHERE action LIKE 'share.%' ORDER BY id",
    )
    .fetch_all(&app.db().await)
    .await
    .unwrap();
    let actions: Vec<&str> = audit.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(actions, vec!["share.create", "share.revoke_all"]);
    assert!(audit[0].1.contains("Acme LLP") && audit[0].1.contains("\"dev\""));
    assert!(audit.iter().all(|(_, params)| !params.contains(&token)));
}

#[tokio::test]
async fn only_admins_make_links_and_bad_input_names_its_field() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let viewer = signed_in_viewer(&app, &admin).await;
    let refused = viewer
        .call(
            "/api/shares/create",
            &[
                ("form[scope]", "expiry"),
                ("form[label]", "me"),
                ("form[lifetime_hours]", "24"),
            ],
        )
        .await;
    expect_error(refused, StatusCode::FORBIDDEN, "Only admins").await;
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'share.create' AND outcome = 'error'"
        )
        .await,
        1,
        "the refusal is audited"
    );
    let listed = viewer.get_json("/api/shares").await;
    assert_eq!(listed.status(), StatusCode::FORBIDDEN);

    for (field, value, named) in [
        ("form[lifetime_hours]", "2161", "lifetime_hours"),
        ("form[lifetime_hours]", "0", "lifetime_hours"),
        ("form[label]", "", "label"),
        ("form[expires]", "forever", "expires"),
    ] {
        let mut fields = vec![
            ("form[scope]", "expiry"),
            ("form[label]", "Auditor"),
            ("form[lifetime_hours]", "24"),
        ];
        fields.retain(|(name, _)| *name != field);
        fields.push((field, value));
        let response = admin.call("/api/shares/create", &fields).await;
        let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
        assert_eq!(field_names(&error), vec![named.to_string()], "{error}");
    }
    let missing = admin
        .call(
            "/api/shares/create",
            &[
                ("form[scope]", "item"),
                ("form[kind]", KIND),
                ("form[account]", "prod"),
                ("form[region]", "global"),
                ("form[id]", "no-such-certificate"),
                ("form[label]", "Auditor"),
                ("form[lifetime_hours]", "24"),
            ],
        )
        .await;
    expect_error(missing, StatusCode::NOT_FOUND, "not in trustdesk's cache").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM share_links").await,
        0,
        "nothing half-made"
    );
}

#[tokio::test]
async fn a_form_posted_without_javascript_shows_the_link_once() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let response = admin
        .post_form(
            "/api/shares/create",
            &[
                ("form[scope]", "expiry"),
                ("form[expires]", "90d"),
                ("form[label]", "Auditor"),
                ("form[lifetime_hours]", "24"),
            ],
            "/shares/new?scope=expiry",
        )
        .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(location.starts_with("/shown-once?once="), "{location}");
    let opened = admin.get(&location).await.text().await.unwrap();
    assert!(
        !opened.contains(&format!("{}/s/", app.url)),
        "opening the page reveals nothing"
    );
    let handle = location.split("once=").nth(1).unwrap();
    let fields = [("once", handle)];
    let reveal = || admin.post_form("/shown-once", &fields, &location);
    let shown = reveal().await.text().await.unwrap();
    assert!(
        shown.contains(&format!("{}/s/", app.url)),
        "the link is on the page"
    );
    let again = reveal().await.text().await.unwrap();
    assert!(!again.contains(&format!("{}/s/", app.url)), "and only once");
}

#[tokio::test]
async fn an_item_link_shows_that_item_only() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, KIND).await;
    let (inside, _) = ids_by_account(&admin, "dev").await;
    let (_, url, _) = create(
        &admin,
        &[
            ("form[scope]", "item"),
            ("form[kind]", KIND),
            ("form[account]", "dev"),
            ("form[region]", "global"),
            ("form[id]", inside[0].as_str()),
            ("form[label]", "Certificate owner"),
            ("form[lifetime_hours]", "24"),
        ],
    )
    .await;
    let client = stranger();
    let page = get(&client, &url).await.text().await.unwrap();
    assert!(page.contains(inside[0].as_str()) && page.contains("shared-item"));
    if let Some(other) = inside.get(1) {
        let response = get(
            &client,
            &format!(
                "{url}/item?kind={KIND}&account=dev&region=global&id={}",
                app::model::resource::encode_segment(other)
            ),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }
    let _ = app;
}

/// Every server function of the app, called the way someone holding only a share link could:
/// no session cookie, the link as Referer and its token as a parameter. Each answers exactly
/// as it answers a stranger with nothing, and none that needs a user lets the call through.
#[tokio::test]
async fn a_share_link_opens_no_server_function() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, KIND).await;
    let (_, url, token) = inventory_link(&admin, "dev", true).await;
    let (inside, _) = ids_by_account(&admin, "dev").await;
    let functions = server::web::server_functions();
    assert!(functions.len() > 30, "{functions:?}");
    // What anyone may call without signing in: the sign-in, setup and alert-link flows.
    const PUBLIC: [&str; 9] = [
        "/api/session",
        "/api/setup_needed",
        "/api/sign_in_options",
        "/api/setup_link",
        "/api/setup",
        "/api/login",
        "/api/logout",
        "/api/alerts/link",
        "/api/alerts/link/use",
    ];
    let holder = stranger();
    assert_eq!(get(&holder, &url).await.status(), StatusCode::OK);
    for (path, method) in functions {
        let send = |client: &reqwest::Client, with_link: bool| {
            let mut request = client.request(
                method.clone(),
                format!("{}{path}?token={token}&once={token}", app.url),
            );
            if with_link {
                request = request
                    .header(header::REFERER, &url)
                    .header(header::COOKIE, format!("trustdesk_share={token}"));
            }
            request
                .header(header::ACCEPT, "application/json")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(format!("token={token}"))
                .send()
        };
        let with_link = send(&holder, true).await.unwrap();
        let status = with_link.status();
        let body = with_link.text().await.unwrap();
        let without = send(&stranger(), false).await.unwrap().status();
        assert_eq!(status, without, "{path}: the link changes nothing");
        for id in &inside {
            assert!(
                !body.contains(id.as_str()),
                "{path} leaked a shared item: {body}"
            );
        }
        if !PUBLIC.contains(&path.as_str()) {
            // Refused as signed out, refused without a CSRF token, or never run at all because
            // the arguments a link holder can send are not the function's.
            let never_ran =
                status == StatusCode::BAD_REQUEST && body.contains("incomplete or malformed");
            assert!(
                matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) || never_ran,
                "{path} ({method}) answered {status}: {body}"
            );
        }
    }
}
