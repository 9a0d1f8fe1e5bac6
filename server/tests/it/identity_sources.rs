//! Multi-party approval identity sources through the console against the demo emulator.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

const KIND: &str = "identity-source";
const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-0123456789abcdef";

fn item_fields<'a>(item: &'a Value, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("item[kind]", KIND),
        ("item[account]", item["account"].as_str().unwrap()),
        ("item[region]", item["region"].as_str().unwrap()),
        ("item[id]", item["id"].as_str().unwrap()),
    ];
    fields.extend_from_slice(extra);
    fields
}

async fn detail(admin: &Browser, item: &Value) -> Value {
    admin
        .get_json(&format!(
            "/api/resource?item[kind]={KIND}&item[account]={}&item[region]={}&item[id]={}",
            item["account"].as_str().unwrap(),
            item["region"].as_str().unwrap(),
            item["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn identity_sources_are_listed_created_tagged_and_deleted() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let report: Value = admin
        .call("/api/inventory/refresh", &[("kind", KIND)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["failures"], serde_json::json!([]), "{report}");
    let all: Value = admin
        .get_json(&format!("/api/inventory?kind={KIND}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["total"], 4, "one per account and region");
    assert_eq!(all["items"][0]["status"], "active");

    let form = [
        ("source[target]", "prod/us-east-1"),
        ("source[instance_arn]", INSTANCE),
        ("source[instance_region]", "us-east-1"),
        ("source[tags]", "Owner=security@example.com"),
        ("source[client_token]", "form-1"),
    ];
    let created = admin.call("/api/identity-sources/create", &form).await;
    assert_eq!(created.status(), StatusCode::OK);
    let item: Value = created.json().await.unwrap();
    let shown = detail(&admin, &item).await;
    assert!(shown["fields"].to_string().contains(INSTANCE));
    assert_eq!(shown["tags"][0]["value"], "security@example.com");
    let replay: Value = admin
        .call("/api/identity-sources/create", &form)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        replay["id"], item["id"],
        "the form's client token makes a double submit harmless"
    );
    let duplicate = admin
        .call(
            "/api/identity-sources/create",
            &[
                ("source[target]", "prod/us-east-1"),
                ("source[instance_arn]", INSTANCE),
                ("source[instance_region]", "us-east-1"),
                ("source[client_token]", "form-2"),
            ],
        )
        .await;
    expect_error(duplicate, StatusCode::CONFLICT, "already exists").await;

    let set = admin
        .call(
            "/api/resource/tag",
            &item_fields(&item, &[("key", "Team"), ("value", "security")]),
        )
        .await;
    assert_eq!(set.status(), StatusCode::OK);
    let removed = admin
        .call(
            "/api/resource/untag",
            &item_fields(&item, &[("key", "Owner")]),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    let tags = detail(&admin, &item).await["tags"].clone();
    assert_eq!(
        tags,
        serde_json::json!([{ "key": "Team", "value": "security" }])
    );

    let id = item["id"].as_str().unwrap().to_string();
    let deleted = admin
        .call(
            "/api/resource/delete",
            &item_fields(&item, &[("confirm", id.as_str())]),
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let after: Value = admin
        .get_json(&format!("/api/inventory?kind={KIND}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["total"], 4, "the created one is gone again");

    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        app.data_dir.join("trustdesk.db").display()
    ))
    .await
    .unwrap();
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT action, request_id FROM audit_log WHERE outcome = 'ok' AND target_kind = 'identity-source'").fetch_all(&db).await.unwrap();
    db.close().await;
    for action in [
        "mpa.create_identity_source",
        "identity-source.tag",
        "identity-source.untag",
        "identity-source.delete",
    ] {
        assert!(
            rows.iter().any(|(a, r)| a == action && !r.is_empty()),
            "{action} audited with its request id: {rows:?}"
        );
    }
}

#[tokio::test]
async fn the_form_follows_create_identity_source_rules() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let response = admin
        .call(
            "/api/identity-sources/create",
            &[
                ("source[target]", "prod/us-east-1"),
                ("source[instance_arn]", "arn:aws:sso:::instance/short"),
                ("source[instance_region]", "Mars"),
                ("source[tags]", "aws:x=1"),
                ("source[client_token]", "t-1"),
            ],
        )
        .await;
    let error = expect_error(response, StatusCode::BAD_REQUEST, "need").await;
    assert_eq!(
        field_names(&error),
        vec![
            "instance_arn".to_string(),
            "instance_region".to_string(),
            "tags".to_string()
        ]
    );
}
