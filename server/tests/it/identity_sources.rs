//! Multi-party approval identity sources through the console against the demo emulator.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

const KIND: &str = "identity-source";
const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-0123456789abcdef";

async fn detail(admin: &Browser, item: &Value) -> Value {
    let place = |key: &str| item[key].as_str().unwrap().to_string();
    let (account, region, id) = (place("account"), place("region"), place("id"));
    item_detail(admin, KIND, &account, &region, &id).await.1
}

/// Listing, tags and deletion are every kind's (every_kind.rs); the create form is the kind's.
#[tokio::test]
async fn identity_sources_are_created_once_per_form_and_instance() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, KIND).await;
    let all = inventory_of(&admin, KIND, "").await;
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
    assert_eq!(inventory_of(&admin, KIND, "").await["total"], 5);

    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, request_id FROM audit_log WHERE outcome = 'ok' AND target_kind = ?",
    )
    .bind(KIND)
    .fetch_all(&app.db().await)
    .await
    .unwrap();
    let creates: Vec<_> = rows
        .iter()
        .filter(|(a, _)| a == "identity-source.create")
        .collect();
    assert_eq!(creates.len(), 2, "the replay is audited too: {rows:?}");
    assert!(creates.iter().all(|(_, r)| !r.is_empty()), "{rows:?}");
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
