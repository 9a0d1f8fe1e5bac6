//! The search across every kind over HTTP: who may call it, what it refuses, what it answers,
//! and an item's history beside it (both read what others wrote into the cache and the trail).

use crate::harness::{expect_error, field_names, signed_in_viewer, Browser, TestApp};
use app::model::{AwsItem, ResourceKind, ResourceRef, Tag};
use reqwest::StatusCode;
use serde_json::Value;
use server::store::{resources, timestamp};

fn item(kind: ResourceKind, id: &str, name: &str, team: &str) -> AwsItem {
    AwsItem {
        item: ResourceRef {
            kind,
            account: "prod".into(),
            region: if kind.is_global() {
                "global"
            } else {
                "us-east-1"
            }
            .into(),
            id: id.into(),
        },
        account_id: "123456789012".into(),
        name: name.into(),
        status: "active".into(),
        expires_at: kind
            .has_expiry()
            .then(|| timestamp(chrono::Utc::now() + chrono::Duration::days(3))),
        tags: vec![Tag {
            key: "Team".into(),
            value: team.into(),
        }],
        fields: Vec::new(),
        last_seen: timestamp(chrono::Utc::now()),
        expires_in_days: None,
    }
}

async fn search(browser: &Browser, q: &str) -> reqwest::Response {
    browser
        .get_json(&format!("/api/search?q={}", urlencoding(q)))
        .await
}

fn urlencoding(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn viewers_search_every_kind_anonymous_callers_cannot_and_bad_text_is_refused_by_field() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    let pool = app.db().await;
    let mut conn = pool.acquire().await.expect("connection");
    for (kind, id, name, team) in [
        (
            ResourceKind::ServerCertificate,
            "ASCA0001",
            "api-gateway-dev",
            "payments",
        ),
        (
            ResourceKind::LicenseToken,
            "tok-0001",
            "gateway licence",
            "payments",
        ),
        (
            ResourceKind::OidcProvider,
            "arn:aws:iam::123456789012:oidc-provider/ci",
            "ci",
            "platform",
        ),
    ] {
        resources::upsert(&mut conn, &item(kind, id, name, team))
            .await
            .expect("seed");
    }
    drop(conn);

    let anonymous = app.browser();
    assert_eq!(
        search(&anonymous, "gateway").await.status(),
        StatusCode::UNAUTHORIZED
    );

    let viewer = signed_in_viewer(&app, &admin).await;
    let response = search(&viewer, "Gateway").await;
    assert_eq!(response.status(), StatusCode::OK);
    let results: Value = response.json().await.expect("results");
    let kinds: Vec<&str> = results["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|group| group["kind"].as_str().expect("kind"))
        .collect();
    assert_eq!(kinds, ["license-token", "server-certificate"], "{results}");
    assert_eq!(results["groups"][1]["items"][0]["item"]["id"], "ASCA0001");
    // Days left are filled in, as the inventory's are.
    assert_eq!(results["groups"][1]["items"][0]["expires_in_days"], 3);

    let results: Value = search(&viewer, "payments api")
        .await
        .json()
        .await
        .expect("results");
    assert_eq!(
        results["groups"].as_array().expect("groups").len(),
        1,
        "{results}"
    );

    let results: Value = search(&viewer, "ci").await.json().await.expect("results");
    assert_eq!(results["too_short"], true);

    for text in ["a\tb".to_string(), "x".repeat(201)] {
        let error = expect_error(
            search(&viewer, &text).await,
            StatusCode::BAD_REQUEST,
            "field",
        )
        .await;
        assert_eq!(field_names(&error), ["q"], "{error}");
    }
}

#[tokio::test]
async fn an_items_history_lists_the_rows_that_acted_on_it_newest_first() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    crate::harness::refresh_kind(&admin, "oidc-provider").await;
    let inventory = crate::harness::inventory_of(&admin, "oidc-provider", "").await;
    let first = &inventory["items"][0]["item"];
    let fields = |extra: &[(&'static str, String)]| {
        let mut all = vec![
            ("item[kind]", "oidc-provider".to_string()),
            (
                "item[account]",
                first["account"].as_str().unwrap().to_string(),
            ),
            (
                "item[region]",
                first["region"].as_str().unwrap().to_string(),
            ),
            ("item[id]", first["id"].as_str().unwrap().to_string()),
        ];
        all.extend(extra.iter().cloned());
        all
    };
    for value in ["one", "two"] {
        let form = fields(&[("key", "Stage".into()), ("value", value.into())]);
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            admin.call("/api/resource/tag", &pairs).await.status(),
            StatusCode::OK
        );
    }
    let query: Vec<String> = fields(&[])
        .iter()
        .map(|(k, v)| format!("{}={}", urlencoding(k), urlencoding(v)))
        .collect();
    let response = admin
        .get_json(&format!("/api/audit/item?{}", query.join("&")))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let history: Value = response.json().await.expect("history");
    let entries = history["entries"].as_array().expect("entries");
    assert!(history["total"].as_u64() >= Some(2), "{history}");
    let ids: Vec<i64> = entries.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert!(
        ids.windows(2).all(|pair| pair[0] > pair[1]),
        "newest first: {ids:?}"
    );
    assert!(
        entries[0]["params"].as_str().unwrap().contains("two"),
        "{history}"
    );
    // Another item's rows are not in it.
    assert!(
        entries.iter().all(|e| e["target_id"] == first["id"]),
        "{history}"
    );

    assert_eq!(
        app.browser()
            .get_json(&format!("/api/audit/item?{}", query.join("&")))
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}
