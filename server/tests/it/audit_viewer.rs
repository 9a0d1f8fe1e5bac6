//! The audit list's filters (in the URL, answered by SQL), each row's own page, and the AWS
//! item before and after a tag change or a modify.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

async fn audit_page(browser: &Browser, query: &str) -> Value {
    let response = browser.get_json(&format!("/api/audit?{query}")).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

fn actions(page: &Value) -> Vec<String> {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

fn day(offset_days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(offset_days))
        .format("%Y-%m-%d")
        .to_string()
}

#[tokio::test]
async fn the_list_filters_by_url_and_links_each_row_to_its_page() {
    let (app, admin) = TestApp::builder().build_with_admin().await;
    app.add_user(&admin, "kim", "viewer", "kim password 123")
        .await;
    app.add_user(&admin, "leo", "admin", "leo password 123")
        .await;
    app.browser().login("nobody", "not a password").await;

    let by_actor = audit_page(&admin, "query[actor]=anonymous").await;
    assert_eq!(by_actor["total_entries"], 1);
    assert_eq!(by_actor["entries"][0]["target_id"], "nobody");
    assert_eq!(
        actions(&audit_page(&admin, "query[action]=user.add").await),
        vec!["user.add", "user.add"]
    );
    assert_eq!(
        audit_page(&admin, "query[outcome]=error").await["total_entries"],
        1
    );
    assert_eq!(
        audit_page(
            &admin,
            "query[kind]=user&query[actor]=admin&query[outcome]=ok"
        )
        .await["total_entries"],
        3,
        "setup and two users added"
    );
    let today = day(0);
    let all = app.count("SELECT COUNT(*) FROM audit_log").await;
    assert_eq!(
        audit_page(&admin, &format!("query[from]={today}&query[to]={today}")).await
            ["total_entries"],
        all
    );
    assert_eq!(
        audit_page(&admin, &format!("query[from]={}", day(1))).await["total_entries"],
        0
    );
    assert_eq!(
        audit_page(&admin, &format!("query[to]={}", day(-1))).await["total_entries"],
        0
    );
    let page = audit_page(&admin, "").await;
    assert!(page["actors"]
        .as_array()
        .unwrap()
        .contains(&Value::from("anonymous")));

    let refused = admin.get_json("/api/audit?query[from]=2026-02-30").await;
    let error = expect_error(refused, StatusCode::BAD_REQUEST, "").await;
    assert_eq!(field_names(&error), vec!["from".to_string()]);

    // The page without JavaScript: the URL is the filter, kept by the export links.
    let html = admin
        .get("/audit?action=user.add")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        html.matches("data-action=\"user.add\"").count(),
        2,
        "{html}"
    );
    assert!(!html.contains("data-action=\"setup.create_admin\""));
    assert!(
        html.contains("<option value=\"user.add\" selected"),
        "{html}"
    );
    assert!(html.contains("href=\"/audit/export.csv?action=user.add\""));
    assert!(html.contains("href=\"/audit/export.json?action=user.add\""));
    let wrong = admin.get("/audit?from=someday").await.text().await.unwrap();
    assert!(wrong.contains("is not a date like 2026-12-01"), "{wrong}");

    // Each row links to its page.
    let kim: i64 = sqlx::query_scalar(
        "SELECT id FROM audit_log WHERE action = 'user.add' AND target_id = 'kim'",
    )
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    assert!(html.contains(&format!("href=\"/audit/{kim}\"")), "{html}");
    let detail = admin
        .get(&format!("/audit/{kim}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(detail.contains("Audit row"), "{detail}");
    assert!(
        detail.contains("&quot;username&quot;: &quot;kim&quot;")
            || detail.contains("\"username\": \"kim\""),
        "{detail}"
    );
    assert!(!detail.contains("kim password"), "no secret on the page");
    assert!(
        !detail.contains("Before and after"),
        "a user is not an AWS item"
    );
    let entry: Value = admin
        .get_json(&format!("/api/audit/entry?id={kim}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(entry["entry"]["action"], "user.add");
    assert_eq!(entry["scheme"], "sha256");
    assert_eq!(entry["before"], "NotRecorded");
    let missing = admin.get_json("/api/audit/entry?id=9999").await;
    expect_error(missing, StatusCode::NOT_FOUND, "no row 9999").await;

    let anonymous = app.browser();
    let response = anonymous.get(&format!("/audit/{kim}")).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let (status, _) = error_of(
        anonymous
            .get_json(&format!("/api/audit/entry?id={kim}"))
            .await,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

const KIND: &str = "saml-provider";

fn item_fields<'a>(item: &'a Value, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("item[kind]", KIND),
        ("item[account]", item["item"]["account"].as_str().unwrap()),
        ("item[region]", "global"),
        ("item[id]", item["item"]["id"].as_str().unwrap()),
    ];
    fields.extend_from_slice(extra);
    fields
}

/// The newest row of `action` with `outcome`, as its page's data.
async fn newest(app: &TestApp, admin: &Browser, action: &str, outcome: &str) -> (i64, Value) {
    let id: i64 = sqlx::query_scalar(
        "SELECT id FROM audit_log WHERE action = ? AND outcome = ? ORDER BY id DESC LIMIT 1",
    )
    .bind(action)
    .bind(outcome)
    .fetch_one(&app.db().await)
    .await
    .unwrap();
    let entry = admin
        .get_json(&format!("/api/audit/entry?id={id}"))
        .await
        .json()
        .await
        .unwrap();
    (id, entry)
}

fn tag_of(state: &Value, key: &str) -> Option<String> {
    state["Present"]["tags"]
        .as_array()?
        .iter()
        .find(|t| t["key"] == key)
        .and_then(|t| t["value"].as_str())
        .map(str::to_string)
}

#[tokio::test]
async fn tag_changes_and_modifies_record_the_item_before_and_after() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, KIND).await;
    let listed = inventory_of(&admin, KIND, "&query[sort]=name").await;
    let item = listed["items"][0].clone();

    let set = admin
        .call(
            "/api/resource/tag",
            &item_fields(&item, &[("key", "Tier"), ("value", "gold")]),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let (tagged, entry) = newest(&app, &admin, "saml-provider.tag", "ok").await;
    assert_eq!(tag_of(&entry["before"], "Tier"), None, "{entry}");
    assert_eq!(tag_of(&entry["after"], "Tier").as_deref(), Some("gold"));
    assert_eq!(
        entry["before"]["Present"]["name"], item["name"],
        "the before is the cached item"
    );
    let (_, attempt) = newest(&app, &admin, "saml-provider.tag", "attempted").await;
    assert!(attempt["before"]["Present"].is_object(), "{attempt}");
    assert_eq!(attempt["after"], "NotRecorded", "not known while in flight");
    // The list shows the change once: the attempt folds into the outcome its request wrote,
    // its parameters summed up.
    let listed = audit_page(&admin, "query[action]=saml-provider.tag").await;
    let outcomes: Vec<&str> = listed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["ok"], "{listed}");
    // The trail (and its count and exports) keeps both rows.
    assert_eq!(listed["total_entries"], 2, "{listed}");
    assert_eq!(listed["entries"][0]["summary"], "set Tier=gold", "{listed}");
    let html = admin
        .get(&format!("/audit/{tagged}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-line=\"Tag Tier\" data-changed=\"true\""),
        "{html}"
    );
    assert!(html.contains(&item["item"]["id"].as_str().unwrap().to_string()));

    let removed = admin
        .call(
            "/api/resource/untag",
            &item_fields(&item, &[("key", "Tier")]),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    let (_, entry) = newest(&app, &admin, "saml-provider.untag", "ok").await;
    assert_eq!(tag_of(&entry["before"], "Tier").as_deref(), Some("gold"));
    assert_eq!(tag_of(&entry["after"], "Tier"), None);

    // A modify: new metadata moves the provider's expiry.
    let renewed = crate::saml_providers::metadata(
        "https://idp.example.com/audit",
        "2032-03-01T00:00:00Z",
        2_000,
    );
    let replaced = admin
        .call(
            "/api/saml-providers/metadata",
            &item_fields(&item, &[("change[metadata]", &renewed)]),
        )
        .await;
    assert_eq!(replaced.status(), StatusCode::OK);
    let (modified, entry) = newest(&app, &admin, "saml-provider.metadata", "ok").await;
    assert_eq!(entry["before"]["Present"]["expires_at"], item["expires_at"]);
    assert_eq!(
        entry["after"]["Present"]["expires_at"],
        "2032-03-01T00:00:00.000Z"
    );
    assert_eq!(entry["about_item"], true);
    let html = admin
        .get(&format!("/audit/{modified}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("data-line=\"Expires\" data-changed=\"true\""),
        "{html}"
    );

    // A row from before states were recorded says so.
    sqlx::query("UPDATE audit_log SET state_before = NULL, state_after = NULL WHERE id = ?")
        .bind(tagged)
        .execute(&app.db().await)
        .await
        .unwrap();
    let html = admin
        .get(&format!("/audit/{tagged}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("id=\"states-not-recorded\""), "{html}");
    assert!(html.contains("Not recorded"));
}
