//! IAM OIDC providers through the console against the demo emulator: created with client ids,
//! thumbprints and tags; thumbprints replaced; client ids added and removed; deleted.

use crate::harness::{self, *};
use reqwest::StatusCode;
use serde_json::Value;

const KIND: &str = "oidc-provider";
const THUMBPRINT: &str = "6938fd4d98bab03faadb97b34396831e3780aea1";

fn item_fields<'a>(id: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    harness::item_fields(KIND, "prod", "global", id, extra)
}

async fn detail(browser: &Browser, id: &str) -> (StatusCode, Value) {
    item_detail(browser, KIND, "prod", "global", id).await
}

#[tokio::test]
async fn providers_are_created_and_their_thumbprints_and_client_ids_changed() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let created = admin
        .call(
            "/api/oidc-providers/create",
            &[
                ("provider[target]", "prod/global"),
                ("provider[url]", "https://oidc.example.com/id/E2E"),
                ("provider[client_ids]", "sts.amazonaws.com\napp-1"),
                ("provider[thumbprints]", &THUMBPRINT.to_uppercase()),
                ("provider[tags]", "Owner=identity@example.com"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let created: Value = created.json().await.unwrap();
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(id, "oidc.example.com/id/E2E", "an id with slashes");
    let (status, item) = detail(&admin, &id).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(field(&item, "Client IDs"), Some("sts.amazonaws.com, app-1"));
    assert_eq!(field(&item, "Thumbprints"), Some(THUMBPRINT));
    assert_eq!(item["tags"][0]["value"], "identity@example.com");

    let replaced_with = format!("{}\n{}", "a".repeat(40), "b".repeat(40));
    let replaced = admin
        .call(
            "/api/oidc-providers/thumbprints",
            &item_fields(&id, &[("change[thumbprints]", &replaced_with)]),
        )
        .await;
    assert_eq!(replaced.status(), StatusCode::OK);
    let added = admin
        .call(
            "/api/oidc-providers/add-client-id",
            &item_fields(&id, &[("change[client_id]", "app-2")]),
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    let removed = admin
        .call(
            "/api/oidc-providers/remove-client-id",
            &item_fields(&id, &[("change[client_id]", "app-1")]),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    let (_, item) = detail(&admin, &id).await;
    let both = format!("{}, {}", "a".repeat(40), "b".repeat(40));
    assert_eq!(field(&item, "Thumbprints"), Some(both.as_str()));
    assert_eq!(field(&item, "Client IDs"), Some("sts.amazonaws.com, app-2"));

    let bad = admin
        .call(
            "/api/oidc-providers/thumbprints",
            &item_fields(&id, &[("change[thumbprints]", "not-a-thumbprint")]),
        )
        .await;
    let error = expect_error(bad, StatusCode::BAD_REQUEST, "needs attention").await;
    assert_eq!(field_names(&error), vec!["thumbprints".to_string()]);
    assert!(error["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("40 hexadecimal"));

    let rows: Vec<(String, String)> = sqlx::query_as("SELECT action, request_id FROM audit_log WHERE outcome = 'ok' AND target_kind = 'oidc-provider'")
        .fetch_all(&app.db().await)
        .await
        .unwrap();
    for action in [
        "oidc-provider.create",
        "oidc-provider.thumbprints",
        "oidc-provider.add-client-id",
        "oidc-provider.remove-client-id",
    ] {
        assert!(
            rows.iter().any(|(a, r)| a == action && !r.is_empty()),
            "{action} audited with its request id: {rows:?}"
        );
    }
}

#[tokio::test]
async fn the_form_follows_the_rules_and_aws_conflicts_are_said() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let response = admin
        .call(
            "/api/oidc-providers/create",
            &[
                ("provider[target]", "prod/global"),
                ("provider[url]", "http://idp.example.com?x=1"),
                ("provider[thumbprints]", ""),
                ("provider[tags]", "Team=a|b"),
            ],
        )
        .await;
    let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
    assert_eq!(
        field_names(&error),
        vec![
            "url".to_string(),
            "thumbprints".to_string(),
            "tags".to_string()
        ]
    );
    let form = [
        ("provider[target]", "prod/global"),
        ("provider[url]", "https://dup.example.com"),
        ("provider[thumbprints]", THUMBPRINT),
    ];
    assert_eq!(
        admin
            .call("/api/oidc-providers/create", &form)
            .await
            .status(),
        StatusCode::OK
    );
    let again = admin.call("/api/oidc-providers/create", &form).await;
    expect_error(again, StatusCode::CONFLICT, "EntityAlreadyExists").await;
}

/// More than 5 thumbprints is what IAM refuses with InvalidInput (not LimitExceeded) on
/// CreateOpenIDConnectProvider and UpdateOpenIDConnectProviderThumbprint: refused on the
/// thumbprints field, in a sentence naming them, before AWS is called.
#[tokio::test]
async fn more_than_five_thumbprints_are_refused_on_their_field_before_aws() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let five: Vec<String> = (0..5).map(|i| format!("{i:040x}")).collect();
    let created = admin
        .call(
            "/api/oidc-providers/create",
            &[
                ("provider[target]", "prod/global"),
                ("provider[url]", "https://five.example.com"),
                ("provider[thumbprints]", &five.join("\n")),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK, "five are allowed");
    emulator_control(
        &app,
        reqwest::Method::DELETE,
        "calls",
        serde_json::json!({}),
    )
    .await;

    let six = format!("{}\n{}", five.join("\n"), "f".repeat(40));
    let create = admin
        .call(
            "/api/oidc-providers/create",
            &[
                ("provider[target]", "prod/global"),
                ("provider[url]", "https://six.example.com"),
                ("provider[thumbprints]", &six),
            ],
        )
        .await;
    let update = admin
        .call(
            "/api/oidc-providers/thumbprints",
            &item_fields("five.example.com", &[("change[thumbprints]", &six)]),
        )
        .await;
    for response in [create, update] {
        let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
        assert_eq!(field_names(&error), ["thumbprints"], "{error}");
        let message = error["fields"][0]["message"].as_str().unwrap();
        assert!(
            message.contains("6 thumbprints given") && message.contains("at most 5 thumbprints"),
            "{error}"
        );
    }
    let calls = emulator_calls(&app).await;
    assert_eq!(calls["total"], 0, "nothing sent: {calls}");
    let (_, item) = detail(&admin, "five.example.com").await;
    assert_eq!(field(&item, "Thumbprints"), Some(five.join(", ").as_str()));
}
