//! Exports over HTTP: an inventory view's CSV and JSON hold exactly the page's items in the
//! page's order, the expiry list those of the overview, cells a spreadsheet would run are
//! neutralised, files are named by kind and date, and only signed-in users get them.

use crate::harness::*;
use app::model::{AwsItem, ResourceKind, ResourceRef, Tag};
use reqwest::{header, Response, StatusCode};
use serde_json::Value;
use server::store::{resources, timestamp};

const TOKENS: &str = "verification-token";
const TOKENS_PATH: &str = "/verification-tokens";

/// `pairs` as an inventory page's query string (`account=dev&…`) and as the inventory server
/// function's (`&query[account]=dev…`, without a page).
fn queries(pairs: &[(&str, &str)]) -> (String, String) {
    let encode = |v: &str| url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>();
    let page = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    // Every page is read, so the page number is the reader's own.
    let api = pairs
        .iter()
        .filter(|(k, _)| *k != "page")
        .map(|(k, v)| format!("&query[{k}]={}", encode(v)))
        .collect();
    (page, api)
}

async fn get(browser: &Browser, path: &str) -> Response {
    let response = browser.get_json(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response
}

async fn export_csv(browser: &Browser, path: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let text = get(browser, path).await.text().await.expect("body");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .expect("a header row")
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.expect("a CSV row").iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

async fn export_json(browser: &Browser, path: &str) -> Vec<Value> {
    get(browser, path).await.json().await.expect("a JSON array")
}

/// Every item of an inventory view, page after page, through the inventory's server function.
/// Each item's `account`, `region` and `id` are lifted out of its `item`, as exports have them.
async fn all_pages(browser: &Browser, kind: &str, api_query: &str) -> Vec<Value> {
    let mut items = Vec::new();
    for page in 1.. {
        let view = inventory_of(browser, kind, &format!("{api_query}&query[page]={page}")).await;
        items.extend(view["items"].as_array().expect("items").iter().map(|i| {
            let mut lifted = i.clone();
            for key in ["account", "region", "id"] {
                lifted[key] = i["item"][key].clone();
            }
            lifted
        }));
        if page >= view["pages"].as_u64().expect("pages") {
            return items;
        }
    }
    unreachable!()
}

fn place(item: &Value) -> (String, String, String) {
    let text = |k: &str| item[k].as_str().expect(k).to_string();
    (text("account"), text("region"), text("id"))
}

/// A CSV row as its JSON object would put it: empty cells for null, the tags cell from the object.
fn as_csv(header: &[String], object: &Value) -> Vec<String> {
    header
        .iter()
        .map(|column| match &object[column] {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Object(tags) => tags
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join("; "),
            other => panic!("{column}: {other}"),
        })
        .collect()
}

#[tokio::test]
async fn an_inventory_export_holds_the_page_s_items_in_the_page_s_order() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, TOKENS).await;
    let first = inventory_of(&admin, TOKENS, "").await["items"][0].clone();
    let tag = &first["tags"][0];
    let tag = format!(
        "{}={}",
        tag["key"].as_str().expect("key"),
        tag["value"].as_str().expect("value")
    );
    let text: String = first["name"]
        .as_str()
        .expect("name")
        .chars()
        .take(4)
        .collect();
    let views: Vec<Vec<(&str, &str)>> = vec![
        vec![],
        vec![("account", "dev"), ("region", "eu-west-1")],
        vec![("expires", "expired")],
        vec![("expires", "30d"), ("sort", "-expiry")],
        vec![("status", "valid"), ("sort", "name")],
        vec![("tag", tag.as_str()), ("sort", "-name")],
        vec![("q", text.as_str()), ("sort", "account")],
        vec![("sort", "region"), ("page", "2")],
        vec![("removed", "1")],
    ];
    let mut non_empty = 0;
    for pairs in &views {
        let (page_query, api_query) = queries(pairs);
        let expected: Vec<_> = all_pages(&admin, TOKENS, &api_query)
            .await
            .iter()
            .map(place)
            .collect();
        non_empty += usize::from(!expected.is_empty());

        let (header, rows) =
            export_csv(&admin, &format!("{TOKENS_PATH}/export.csv?{page_query}")).await;
        let column = |name: &str| header.iter().position(|h| h == name).expect(name);
        let (account, region, id) = (column("account"), column("region"), column("id"));
        let exported: Vec<_> = rows
            .iter()
            .map(|r| (r[account].clone(), r[region].clone(), r[id].clone()))
            .collect();
        assert_eq!(exported, expected, "{pairs:?}: the page's items, all pages");

        let json = export_json(&admin, &format!("{TOKENS_PATH}/export.json?{page_query}")).await;
        let from_json: Vec<Vec<String>> = json.iter().map(|o| as_csv(&header, o)).collect();
        assert_eq!(
            from_json, rows,
            "{pairs:?}: the JSON holds what the CSV does"
        );
    }
    assert!(non_empty >= 7, "the views chosen show items: {non_empty}");
}

#[tokio::test]
async fn exported_columns_are_the_inventory_s() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, "mfa-device").await;
    let page = all_pages(&admin, "mfa-device", "").await;
    let json = export_json(&admin, "/mfa-devices/export.json").await;
    assert_eq!(json.len(), page.len());
    assert!(!json.is_empty());
    for (exported, shown) in json.iter().zip(&page) {
        assert_eq!(exported["kind"], "mfa-device");
        for (column, field) in [
            ("account", "account"),
            ("region", "region"),
            ("id", "id"),
            ("account_id", "account_id"),
            ("name", "name"),
            ("status", "status"),
            ("expires_at", "expires_at"),
            ("days_left", "expires_in_days"),
            ("last_synced", "last_seen"),
        ] {
            assert_eq!(exported[column], shown[field], "{column}");
        }
        let tags: serde_json::Map<String, Value> = shown["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .map(|t| {
                (
                    t["key"].as_str().expect("key").to_string(),
                    t["value"].clone(),
                )
            })
            .collect();
        assert_eq!(exported["tags"], Value::Object(tags));
        let detail = shown["fields"]
            .as_array()
            .expect("fields")
            .iter()
            .find(|f| f["label"] == "Status detail")
            .map(|f| f["value"].clone())
            .unwrap_or(Value::Null);
        assert_eq!(exported["status_detail"], detail);
        assert_eq!(exported["removed_at"], Value::Null);
    }
    let (header, _) = export_csv(&admin, "/mfa-devices/export.csv").await;
    assert_eq!(
        header,
        [
            "kind",
            "account",
            "account_id",
            "region",
            "id",
            "name",
            "status",
            "status_detail",
            "expires_at",
            "days_left",
            "tags",
            "last_synced",
            "removed_at"
        ]
    );
}

fn item_fields<'a>(item: &'a Value, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("item[kind]", TOKENS),
        ("item[account]", item["account"].as_str().expect("account")),
        ("item[region]", item["region"].as_str().expect("region")),
        ("item[id]", item["id"].as_str().expect("id")),
    ];
    fields.extend_from_slice(extra);
    fields
}

#[tokio::test]
async fn cells_a_spreadsheet_would_run_are_neutralised_in_csv_and_exact_in_json() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, TOKENS).await;
    let items = all_pages(
        &admin,
        TOKENS,
        "&query[account]=prod&query[region]=us-east-1",
    )
    .await;
    let (hyperlink, sum) = (&items[0], &items[1]);
    for (item, key, value) in [
        (hyperlink, "Name", "=HYPERLINK(\"x\")"),
        (sum, "Name", "@SUM(1)"),
        // Sorted first among the tags, so it leads the tags cell.
        (sum, "+cmd", "1"),
    ] {
        let tagged = admin
            .call(
                "/api/resource/tag",
                &item_fields(item, &[("key", key), ("value", value)]),
            )
            .await;
        assert_eq!(tagged.status(), StatusCode::OK, "{key}={value}");
    }
    let query = "account=prod&region=us-east-1";
    let (header, rows) = export_csv(&admin, &format!("{TOKENS_PATH}/export.csv?{query}")).await;
    let column = |name: &str| header.iter().position(|h| h == name).expect(name);
    let row_of = |item: &Value| {
        rows.iter()
            .find(|r| r[column("id")] == item["id"].as_str().expect("id"))
            .expect("the item is exported")
            .clone()
    };
    assert_eq!(row_of(hyperlink)[column("name")], "'=HYPERLINK(\"x\")");
    assert_eq!(row_of(sum)[column("name")], "'@SUM(1)");
    assert!(
        row_of(sum)[column("tags")].starts_with("'+cmd=1; "),
        "{:?}",
        row_of(sum)[column("tags")]
    );
    for row in &rows {
        for cell in row {
            let first = cell.trim_start().chars().next();
            assert!(
                !matches!(first, Some('=' | '+' | '@')),
                "no cell starts a formula: {cell:?}"
            );
        }
    }

    let json = export_json(&admin, &format!("{TOKENS_PATH}/export.json?{query}")).await;
    let object_of = |item: &Value| {
        json.iter()
            .find(|o| o["id"] == item["id"])
            .expect("the item is exported")
            .clone()
    };
    assert_eq!(object_of(hyperlink)["name"], "=HYPERLINK(\"x\")");
    assert_eq!(object_of(sum)["name"], "@SUM(1)");
    assert_eq!(object_of(sum)["tags"]["+cmd"], "1");
}

fn today_or_yesterday() -> [String; 2] {
    let now = chrono::Utc::now();
    [now, now - chrono::Duration::days(1)].map(|d| d.format("%Y-%m-%d").to_string())
}

#[tokio::test]
async fn files_are_named_by_kind_and_date_and_anonymous_requests_are_refused() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    // Each export, its file's name, its type, and the page a browser signs in to.
    for (path, name, content_type, page) in [
        (
            "/server-certificates/export.csv",
            "server-certificates",
            "text/csv; charset=utf-8",
            "/server-certificates",
        ),
        (
            "/verification-tokens/export.json?account=dev&tag=Team%3Dweb",
            "verification-tokens",
            "application/json",
            "/verification-tokens?account=dev&tag=Team%3Dweb",
        ),
        (
            "/expiry/export.csv",
            "expiry",
            "text/csv; charset=utf-8",
            "/",
        ),
        (
            "/expiry/export.json?kind=saml-provider",
            "expiry",
            "application/json",
            "/",
        ),
    ] {
        let days = today_or_yesterday();
        let response = get(&admin, path).await;
        let header_of = |h: header::HeaderName| {
            response
                .headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        let extension = path
            .split('?')
            .next()
            .and_then(|p| p.rsplit('.').next())
            .expect("extension");
        let disposition = header_of(header::CONTENT_DISPOSITION);
        assert!(
            days.iter().any(|day| disposition
                == format!("attachment; filename=\"trustdesk-{name}-{day}.{extension}\"")),
            "{path}: {disposition}"
        );
        assert_eq!(header_of(header::CONTENT_TYPE), content_type, "{path}");
        assert_eq!(header_of(header::CACHE_CONTROL), "no-store", "{path}");
        // An empty cache: a header row, or an empty array.
        let body = response.text().await.expect("body");
        if extension == "json" {
            assert_eq!(
                serde_json::from_str::<Value>(&body).ok(),
                Some(serde_json::json!([]))
            );
        } else {
            assert_eq!(body.lines().count(), 1, "{body}");
        }

        let anonymous = app.browser();
        let browsing = anonymous.get(path).await;
        assert_eq!(browsing.status(), StatusCode::SEE_OTHER, "{path}");
        let location = browsing.headers()[header::LOCATION]
            .to_str()
            .expect("location")
            .to_string();
        // Not the export itself: the hydrated sign-in form goes on by client-side navigation,
        // which knows pages, not files.
        let encoded: String = url::form_urlencoded::byte_serialize(page.as_bytes()).collect();
        assert_eq!(
            location,
            format!("/login?next={encoded}"),
            "{path}: on to the export's page after signing in"
        );
        let scripted = anonymous.get_json(path).await;
        assert_eq!(scripted.status(), StatusCode::UNAUTHORIZED, "{path}");
        let refusal = scripted.text().await.expect("body");
        assert!(refusal.contains("Sign in"), "{refusal}");
    }

    let viewer = signed_in_viewer(&app, &admin).await;
    assert_eq!(
        viewer
            .get_json("/server-certificates/export.csv")
            .await
            .status(),
        StatusCode::OK,
        "viewers export too"
    );
}

/// Item `n` of a kind's large cache, seeded straight into the database.
fn seeded_token(n: usize) -> AwsItem {
    AwsItem {
        item: ResourceRef {
            kind: ResourceKind::VerificationToken,
            account: "prod".into(),
            region: "us-east-1".into(),
            id: format!("ipam-ext-res-ver-token-{n:05}"),
        },
        account_id: "123456789012".into(),
        name: format!("tok-{:03}", n % 400),
        status: "valid".into(),
        expires_at: Some(timestamp(
            chrono::Utc::now() + chrono::Duration::days((n % 90) as i64),
        )),
        tags: vec![Tag {
            key: "Team".into(),
            value: ["red", "blue"][n % 2].into(),
        }],
        fields: Vec::new(),
        last_seen: timestamp(chrono::Utc::now()),
        expires_in_days: None,
    }
}

#[tokio::test]
async fn a_kind_larger_than_many_batches_exports_whole_and_once() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let pool = app.db().await;
    let mut conn = pool.acquire().await.expect("connection");
    for n in 0..1_234 {
        resources::upsert(&mut conn, &seeded_token(n))
            .await
            .expect("seed");
    }
    drop(conn);
    for (query, expected) in [("", 1_234), ("?tag=Team%3Dred&sort=name", 617)] {
        let (header, rows) = export_csv(&admin, &format!("{TOKENS_PATH}/export.csv{query}")).await;
        let id = header.iter().position(|h| h == "id").expect("id");
        let ids: std::collections::HashSet<&String> = rows.iter().map(|r| &r[id]).collect();
        assert_eq!(rows.len(), expected, "{query}");
        assert_eq!(ids.len(), expected, "{query}: no item twice");
        let json = export_json(&admin, &format!("{TOKENS_PATH}/export.json{query}")).await;
        assert_eq!(json.len(), expected, "{query}");
    }
}

#[tokio::test]
async fn the_expiry_list_export_is_the_overview_s_items_soonest_first() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let dated = [
        "verification-token",
        "license-token",
        "saml-provider",
        "server-certificate",
    ];
    for kind in dated {
        refresh_kind(&admin, kind).await;
    }
    let overview: Value = get(&admin, "/api/dashboard")
        .await
        .json()
        .await
        .expect("json");
    let total: u64 = overview["expiry"]["totals"]
        .as_array()
        .expect("totals")
        .iter()
        .map(|n| n.as_u64().expect("count"))
        .sum();
    let json = export_json(&admin, "/expiry/export.json").await;
    assert_eq!(
        json.len() as u64,
        total,
        "every dated item the overview counts"
    );
    let expiries: Vec<&str> = json
        .iter()
        .map(|o| o["expires_at"].as_str().expect("dated"))
        .collect();
    assert!(expiries.windows(2).all(|w| w[0] <= w[1]), "soonest first");
    let (header, rows) = export_csv(&admin, "/expiry/export.csv").await;
    let from_json: Vec<Vec<String>> = json.iter().map(|o| as_csv(&header, o)).collect();
    assert_eq!(from_json, rows, "the JSON holds what the CSV does");

    // The overview's filters: each selects what the inventory it links to shows.
    let mut non_empty = 0;
    for kind in dated {
        for (account, expires) in [("dev", "expired"), ("prod", "8-30d"), ("", "later")] {
            let (page_query, api_query) = queries(&[("account", account), ("expires", expires)]);
            let mut expected: Vec<_> = all_pages(&admin, kind, &api_query)
                .await
                .iter()
                .map(place)
                .collect();
            let exported = export_json(
                &admin,
                &format!("/expiry/export.json?kind={kind}&{page_query}"),
            )
            .await;
            let mut exported: Vec<_> = exported.iter().map(place).collect();
            non_empty += usize::from(!expected.is_empty());
            expected.sort();
            exported.sort();
            assert_eq!(exported, expected, "{kind} {account} {expires}");
        }
    }
    assert!(
        non_empty >= 6,
        "the demo has items in these windows: {non_empty}"
    );

    let refused = admin
        .get_json("/expiry/export.csv?kind=trust-provider&expires=soon")
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let message = refused.text().await.expect("body");
    assert!(
        message.contains("kind: ") && message.contains("expires: "),
        "names both fields: {message}"
    );
}

#[tokio::test]
async fn pages_link_to_their_exports_with_their_filters() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, TOKENS).await;
    let html = admin
        .get(&format!(
            "{TOKENS_PATH}?account=dev&tag=Owner%3Dx%40y&removed=1"
        ))
        .await
        .text()
        .await
        .expect("page");
    for format in ["csv", "json"] {
        let link = format!(
            "href=\"{TOKENS_PATH}/export.{format}?account=dev&amp;tag=Owner%3Dx%40y&amp;removed=1\""
        );
        assert!(html.contains(&link), "{link} in the inventory page");
    }
    let dashboard = admin.get("/").await.text().await.expect("page");
    assert!(
        dashboard.contains("formaction=\"/expiry/export.csv\"")
            && dashboard.contains("formaction=\"/expiry/export.json\""),
        "the expiry overview offers its exports"
    );
}
