//! License Manager tokens through the console against the demo emulator: the JWT is shown once
//! and never kept.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

const KIND: &str = "license-token";

async fn refresh(admin: &Browser) {
    refresh_kind(admin, KIND).await;
}

async fn inventory(browser: &Browser, query: &str) -> Value {
    inventory_of(browser, KIND, query).await
}

/// The generic inventory (every_kind.rs) holds for tokens; theirs is the name, from the
/// license, and the status from the expiry.
#[tokio::test]
async fn seeded_tokens_are_named_after_their_license() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh(&admin).await;
    let all = inventory(&admin, "").await;
    assert_eq!(all["total"], 20, "2 accounts × 2 regions × 5 tokens");
    for token in all["items"].as_array().unwrap() {
        let name = token["name"].as_str().unwrap();
        assert!(
            name.starts_with("Token for "),
            "named after the license: {name}"
        );
    }
    let expired = inventory(&admin, "&query[status]=expired").await;
    assert_eq!(expired["total"], 4);
    assert!(expired["items"][0]["expires_in_days"].as_i64().unwrap() < 0);
}

#[tokio::test]
async fn the_jwt_is_shown_once_to_its_creator_and_never_stored() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let options: Value = admin
        .get_json("/api/license-tokens/form")
        .await
        .json()
        .await
        .unwrap();
    let licenses = options["licenses"].as_array().unwrap();
    assert_eq!(licenses.len(), 8, "2 licenses in each account and region");
    let license = &licenses[0];
    let target = format!(
        "{}/{}/{}",
        license["account"].as_str().unwrap(),
        license["region"].as_str().unwrap(),
        license["license_arn"].as_str().unwrap()
    );
    let client_token = options["client_token"].as_str().unwrap().to_string();
    let form = [
        ("token[license]", target.as_str()),
        (
            "token[role_arns]",
            "arn:aws:iam::123456789012:role/license-consumer",
        ),
        ("token[expiration_in_days]", "30"),
        ("token[token_properties]", "team=data"),
        ("token[client_token]", client_token.as_str()),
    ];
    let response = admin.call("/api/license-tokens/create", &form).await;
    assert_eq!(response.status(), StatusCode::OK);
    let handle: String = response.json().await.unwrap();

    let viewer = signed_in_viewer(&app, &admin).await;
    let stolen = viewer
        .call("/api/shown-once", &[("once", handle.as_str())])
        .await;
    assert_eq!(
        stolen.status(),
        StatusCode::NOT_FOUND,
        "only its creator can read it"
    );

    let shown: Value = admin
        .call("/api/shown-once", &[("once", handle.as_str())])
        .await
        .json()
        .await
        .unwrap();
    let jwt = shown["values"][0]["value"].as_str().unwrap().to_string();
    let claims = trustdesk_emulator::derive::jwt::claims(&jwt).expect("a JWT");
    assert_eq!(claims["aud"], license["license_arn"]);
    assert_eq!(claims["amr"], serde_json::json!(["team=data"]));
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        30 * 86_400
    );
    let again = admin
        .call("/api/shown-once", &[("once", handle.as_str())])
        .await;
    expect_error(again, StatusCode::NOT_FOUND, "shown already").await;

    let signature = jwt.rsplit('.').next().unwrap();
    assert!(
        !stored_bytes(&app)
            .windows(signature.len())
            .any(|w| w == signature.as_bytes()),
        "the JWT is not in the database"
    );

    // The token is in the inventory (from ListTokens) and its creation audited with the request id.
    let id = shown["item"]["id"].as_str().unwrap();
    let detail: Value = admin
        .get_json(&format!(
            "/api/resource?item[kind]={KIND}&item[account]={}&item[region]={}&item[id]={id}",
            shown["item"]["account"].as_str().unwrap(),
            shown["item"]["region"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["expires_in_days"], 30);
    let ok: Vec<(String,)> = sqlx::query_as(
        "SELECT request_id FROM audit_log WHERE action = 'license-token.create' AND outcome = 'ok'",
    )
    .fetch_all(&app.db().await)
    .await
    .unwrap();
    assert_eq!(ok.len(), 1);
    assert!(!ok[0].0.is_empty());
}

#[tokio::test]
async fn the_form_follows_create_token_rules() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let response = admin
        .call(
            "/api/license-tokens/create",
            &[
                (
                    "token[license]",
                    "prod/us-east-1/arn:aws:license-manager::123456789012:license:l-x",
                ),
                ("token[role_arns]", "not-a-role"),
                ("token[expiration_in_days]", "731"),
                ("token[token_properties]", "a\nb\nc\nd"),
                ("token[client_token]", "t-1"),
            ],
        )
        .await;
    let error = expect_error(response, StatusCode::BAD_REQUEST, "need").await;
    assert_eq!(
        field_names(&error),
        vec![
            "role_arns".to_string(),
            "expiration_in_days".to_string(),
            "token_properties".to_string()
        ]
    );
    let missing = admin
        .call(
            "/api/license-tokens/create",
            &[
                (
                    "token[license]",
                    "prod/us-east-1/arn:aws:license-manager::123456789012:license:l-missing",
                ),
                ("token[client_token]", "t-2"),
            ],
        )
        .await;
    expect_error(missing, StatusCode::NOT_FOUND, "no such item").await;
}
