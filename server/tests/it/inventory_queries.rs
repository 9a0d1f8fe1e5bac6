//! Inventories are SQL queries: filters, expiry windows, sorting and paging answered by SQLite
//! over a cache far larger than one page.

use crate::harness::{inventory_of, TestApp};
use app::model::{AwsItem, ResourceKind, ResourceRef, Tag};
use chrono::{Duration, Utc};
use serde_json::Value;
use server::store::{resources, timestamp};

/// Item `n` of 120 verification tokens in `prod`/`us-east-1`: every third tagged Team=red,
/// every fifth expired, the rest due n days ahead; names `tok-000`…
fn token(n: i64) -> AwsItem {
    let expires = if n % 5 == 0 {
        Utc::now() - Duration::days(n + 1)
    } else {
        Utc::now() + Duration::days(n) + Duration::hours(1)
    };
    let mut tags = vec![Tag {
        key: "Owner".into(),
        value: format!("owner{}@example.com", n % 4),
    }];
    if n % 3 == 0 {
        tags.push(Tag {
            key: "Team".into(),
            value: "red".into(),
        });
    }
    AwsItem {
        item: ResourceRef {
            kind: ResourceKind::VerificationToken,
            account: "prod".into(),
            region: "us-east-1".into(),
            id: format!("ipam-ext-res-ver-token-{n:05}"),
        },
        account_id: "123456789012".into(),
        name: format!("tok-{n:03}"),
        status: if n % 5 == 0 { "expired" } else { "valid" }.into(),
        expires_at: Some(timestamp(expires)),
        tags,
        fields: Vec::new(),
        last_seen: timestamp(Utc::now()),
        expires_in_days: None,
    }
}

async fn seeded() -> (TestApp, crate::harness::Browser) {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let pool = app.db().await;
    let mut conn = pool.acquire().await.expect("connection");
    for n in 1..=120 {
        resources::upsert(&mut conn, &token(n)).await.expect("seed");
    }
    // Another kind with the same tag must never leak into this kind's inventory.
    let mut other = token(3);
    other.item.kind = ResourceKind::TrustProvider;
    resources::upsert(&mut conn, &other).await.expect("seed");
    (app, admin)
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn filters_count_and_page_in_sql() {
    let (_app, admin) = seeded().await;
    let kind = "verification-token";

    let all = inventory_of(&admin, kind, "").await;
    assert_eq!(all["total"], 120);
    assert_eq!(all["pages"], 5);
    assert_eq!(names(&all).len(), 25);

    // Every third item is Team=red: 40 of them, on two pages.
    let red = inventory_of(&admin, kind, "&query[tag]=Team%3Dred").await;
    assert_eq!(red["total"], 40);
    assert_eq!(red["pages"], 2);
    let second = inventory_of(&admin, kind, "&query[tag]=Team%3Dred&query[page]=2").await;
    assert_eq!(names(&second).len(), 15);
    // A key alone matches any value; a value that no item has matches nothing.
    assert_eq!(
        inventory_of(&admin, kind, "&query[tag]=Team").await["total"],
        40
    );
    assert_eq!(
        inventory_of(&admin, kind, "&query[tag]=Team%3Dblue").await["total"],
        0
    );

    // Free text searches ids, names, tag keys and values, case-insensitively.
    assert_eq!(
        inventory_of(&admin, kind, "&query[q]=OWNER3%40").await["total"],
        30
    );
    // tok-110 … tok-119.
    assert_eq!(
        inventory_of(&admin, kind, "&query[q]=tok-11").await["total"],
        10
    );
    // LIKE's wildcards are matched literally, not as patterns.
    assert_eq!(
        inventory_of(&admin, kind, "&query[q]=%25").await["total"],
        0
    );
    assert_eq!(
        inventory_of(&admin, kind, "&query[q]=tok_0").await["total"],
        0
    );

    // Filters combine.
    let both = inventory_of(&admin, kind, "&query[tag]=Team%3Dred&query[status]=expired").await;
    assert_eq!(both["total"], 8, "multiples of 15 up to 120");
}

#[tokio::test]
async fn expiry_windows_and_sorting() {
    let (_app, admin) = seeded().await;
    let kind = "verification-token";
    let count = |v: Value| v["total"].as_i64().unwrap_or(-1);

    assert_eq!(
        count(inventory_of(&admin, kind, "&query[expires]=expired").await),
        24
    );
    // Not expired and due within 7 days: n = 1, 2, 3, 4, 6 (n + 1 h ahead, n ≤ 6).
    assert_eq!(
        count(inventory_of(&admin, kind, "&query[expires]=7d").await),
        5
    );
    // n < 30 and not a multiple of 5: 29 - 5.
    assert_eq!(
        count(inventory_of(&admin, kind, "&query[expires]=30d").await),
        24
    );
    assert_eq!(
        count(inventory_of(&admin, kind, "&query[expires]=none").await),
        0
    );

    // Soonest expiry first: the longest-expired item leads.
    let first = inventory_of(&admin, kind, "").await;
    assert_eq!(names(&first)[0], "tok-120");
    let latest = inventory_of(&admin, kind, "&query[sort]=-expiry").await;
    assert_eq!(names(&latest)[0], "tok-119");
    let by_name = inventory_of(&admin, kind, "&query[sort]=name&query[page]=2").await;
    assert_eq!(names(&by_name)[0], "tok-026");
    let by_name_desc = inventory_of(&admin, kind, "&query[sort]=-name").await;
    assert_eq!(names(&by_name_desc)[0], "tok-120");

    // A page past the end shows the last page, whole.
    let past = inventory_of(&admin, kind, "&query[page]=99").await;
    assert_eq!(past["page"], 5);
    assert_eq!(names(&past).len(), 20);
    assert_eq!(past["statuses"], serde_json::json!(["expired", "valid"]));
}

/// The `<th>` of the inventory table headed `label`, as sent.
fn header<'a>(html: &'a str, label: &str) -> &'a str {
    let table = &html[html.find(r#"id="inventory""#).expect("inventory table")..];
    let head = &table[..table.find("</thead>").expect("thead")];
    head.split("<th")
        .find(|th| th.contains(&format!(">{label}<")))
        .unwrap_or_else(|| panic!("no header {label} in {head}"))
}

#[tokio::test]
async fn column_headers_sort_both_ways_and_say_how_the_table_is_sorted() {
    let (_app, admin) = seeded().await;
    let page = |path: &'static str| {
        let admin = &admin;
        async move {
            let response = admin.get(path).await;
            assert_eq!(response.status(), 200, "{path}");
            response.text().await.expect("page")
        }
    };
    // Unsorted by name: its header sorts by name, from the first page, keeping the filter.
    let html = page("/verification-tokens?status=valid&page=3").await;
    let name = header(&html, "Name / ID");
    assert!(
        name.contains(r#"href="/verification-tokens?status=valid&amp;sort=name""#),
        "{name}"
    );
    assert!(!name.contains("aria-sort"), "{name}");
    // The default order is soonest expiry first: the Expires header says so, and turns it.
    let expires = header(&html, "Expires");
    assert!(expires.contains(r#"aria-sort="ascending""#), "{expires}");
    assert!(expires.contains("sort=-expiry"), "{expires}");
    // Sorted by name: said, and the link turns it.
    let html = page("/verification-tokens?sort=name").await;
    let name = header(&html, "Name / ID");
    assert!(name.contains(r#"aria-sort="ascending""#), "{name}");
    assert!(
        name.contains(r#"href="/verification-tokens?sort=-name""#),
        "{name}"
    );
    let html = page("/verification-tokens?sort=-account").await;
    let account = header(&html, "Account");
    assert!(account.contains(r#"aria-sort="descending""#), "{account}");
    assert!(
        account.contains(r#"href="/verification-tokens?sort=account""#),
        "{account}"
    );
    // Tags cannot be sorted by.
    assert!(!header(&html, "Tags").contains("href"));

    // The descending orders the headers link to list the items the other way round.
    let kind = "verification-token";
    for (up, down) in [
        ("account", "-account"),
        ("region", "-region"),
        ("status", "-status"),
    ] {
        let ascending =
            names(&inventory_of(&admin, kind, &format!("&query[sort]={up}&query[page]=5")).await);
        let descending = names(&inventory_of(&admin, kind, &format!("&query[sort]={down}")).await);
        assert_eq!(ascending.last(), descending.first(), "{up}");
    }
}

#[tokio::test]
async fn a_filter_submitted_without_javascript_goes_to_the_address_without_its_empty_fields() {
    let (_app, admin) = seeded().await;
    let response = admin
        .get("/verification-tokens?q=&account=&region=&status=valid&expires=&tag=Team%3Dred&sort=")
        .await;
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/verification-tokens?status=valid&tag=Team%3Dred"
    );
    let response = admin.get("/verification-tokens?q=&account=").await;
    assert_eq!(response.headers()["location"], "/verification-tokens");
    // Anything else is left as it is.
    assert_eq!(
        admin
            .get("/verification-tokens?status=valid")
            .await
            .status(),
        200
    );
    assert_eq!(admin.get("/audit?q=").await.status(), 200);
}

#[tokio::test]
async fn tags_follow_every_change_of_the_item() {
    let (app, admin) = seeded().await;
    let pool = app.db().await;
    let mut conn = pool.acquire().await.expect("connection");
    // Re-tag item 3 (Team=red) as Team=blue; delete item 6.
    let mut changed = token(3);
    changed.tags = vec![Tag {
        key: "Team".into(),
        value: "blue".into(),
    }];
    resources::upsert(&mut conn, &changed)
        .await
        .expect("upsert");
    resources::delete(&mut conn, &token(6).item)
        .await
        .expect("delete");
    let kind = "verification-token";
    assert_eq!(
        inventory_of(&admin, kind, "&query[tag]=Team%3Dred").await["total"],
        38
    );
    assert_eq!(
        inventory_of(&admin, kind, "&query[tag]=Team%3Dblue").await["total"],
        1
    );
    assert_eq!(
        inventory_of(&admin, kind, "&query[q]=blue").await["total"],
        1
    );
    let leftover: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM resource_tags WHERE id = 'ipam-ext-res-ver-token-00006'",
    )
    .fetch_one(&pool)
    .await
    .expect("count");
    assert_eq!(leftover, 0, "a deleted item's tags go with it");
}
