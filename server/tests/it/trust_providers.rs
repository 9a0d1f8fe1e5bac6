//! Verified Access trust providers through the console against the demo emulator.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

const KIND: &str = "trust-provider";
const SECRET: &str = "s3cret-never-stored-4c1f";

async fn refresh(admin: &Browser) {
    refresh_kind(admin, KIND).await;
}

async fn inventory(browser: &Browser, query: &str) -> Value {
    inventory_of(browser, KIND, query).await
}

fn oidc_form<'a>(client_token: &'a str, extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("provider[target]", "prod/us-east-1"),
        ("provider[trust_provider_type]", "user"),
        ("provider[user_trust_provider_type]", "oidc"),
        ("provider[policy_reference_name]", "corp_idp"),
        ("provider[description]", "Corporate IdP"),
        ("provider[oidc_issuer]", "https://idp.example.com"),
        (
            "provider[oidc_authorization_endpoint]",
            "https://idp.example.com/authorize",
        ),
        (
            "provider[oidc_token_endpoint]",
            "https://idp.example.com/token",
        ),
        (
            "provider[oidc_user_info_endpoint]",
            "https://idp.example.com/userinfo",
        ),
        ("provider[oidc_client_id]", "trustdesk-client"),
        ("provider[oidc_client_secret]", SECRET),
        ("provider[oidc_scope]", "openid"),
        ("provider[tags]", "Owner=identity@example.com"),
        ("provider[client_token]", client_token),
    ];
    for (key, value) in extra {
        match fields.iter_mut().find(|(k, _)| k == key) {
            Some(field) => field.1 = value,
            None => fields.push((key, value)),
        }
    }
    fields
}

fn detail_path(item: &Value) -> String {
    format!(
        "/api/resource?item[kind]={KIND}&item[account]={}&item[region]={}&item[id]={}",
        item["account"].as_str().unwrap(),
        item["region"].as_str().unwrap(),
        item["id"].as_str().unwrap()
    )
}

#[tokio::test]
async fn create_modify_and_the_client_secret_is_never_kept() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let options: Value = admin
        .get_json("/api/create-form?kind=trust-provider")
        .await
        .json()
        .await
        .unwrap();
    // prod, dev and sandbox, each in two regions.
    assert_eq!(options["targets"].as_array().unwrap().len(), 6);
    let token = options["client_token"].as_str().unwrap().to_string();

    let created = admin
        .call(
            "/api/trust-providers/submit",
            &oidc_form(&token, &[("intent", "create")]),
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let created: Value = created.json().await.unwrap();
    let item = created["Created"].clone();
    assert!(item["id"].as_str().unwrap().starts_with("vatp-"));
    let again: Value = admin
        .call(
            "/api/trust-providers/submit",
            &oidc_form(&token, &[("intent", "create")]),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        again["Created"]["id"], item["id"],
        "the form's client token makes a double submit harmless"
    );

    let detail: Value = admin
        .get_json(&detail_path(&item))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["status"], "user: oidc");
    let fields = detail["fields"].to_string();
    assert!(fields.contains("https://idp.example.com/token"));
    assert!(!fields.contains(SECRET), "the secret is not shown");
    assert_eq!(detail["tags"][0]["key"], "Owner");

    let item_fields = |extra: &[(&'static str, &'static str)]| {
        let mut fields = vec![
            ("item[kind]", KIND.to_string()),
            (
                "item[account]",
                item["account"].as_str().unwrap().to_string(),
            ),
            ("item[region]", item["region"].as_str().unwrap().to_string()),
            ("item[id]", item["id"].as_str().unwrap().to_string()),
        ];
        fields.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
        fields
    };
    let modify = item_fields(&[
        ("provider[description]", "Rotated"),
        ("provider[oidc_scope]", "openid groups"),
        ("provider[oidc_client_secret]", "n3w-secret-also-hidden"),
    ]);
    let borrowed: Vec<(&str, &str)> = modify.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = admin.call("/api/trust-providers/modify", &borrowed).await;
    assert_eq!(response.status(), StatusCode::OK);
    let detail: Value = admin
        .get_json(&detail_path(&item))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(field(&detail, "Description"), Some("Rotated"));
    assert_eq!(field(&detail, "OIDC scope"), Some("openid groups"));
    assert_eq!(
        field(&detail, "OIDC issuer"),
        Some("https://idp.example.com"),
        "fields left empty in the modify form stay as they were"
    );
    assert_eq!(
        field(&detail, "OIDC token endpoint"),
        Some("https://idp.example.com/token")
    );

    let bad = item_fields(&[("provider[oidc_token_endpoint]", "http://insecure")]);
    let borrowed: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let error = expect_error(
        admin.call("/api/trust-providers/modify", &borrowed).await,
        StatusCode::BAD_REQUEST,
        "need",
    )
    .await;
    assert_eq!(field_names(&error), vec!["oidc_token_endpoint".to_string()]);

    let stored = stored_bytes(&app);
    assert!(
        !bytes_contain(&stored, SECRET),
        "the client secret is not in the database"
    );
    assert!(
        !bytes_contain(&stored, "n3w-secret-also-hidden"),
        "nor the replacement"
    );
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        app.data_dir.join("trustdesk.db").display()
    ))
    .await
    .unwrap();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT action, outcome, request_id FROM audit_log WHERE action LIKE 'trust-provider.%'",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    db.close().await;
    assert!(rows
        .iter()
        .any(|r| r.0 == "trust-provider.create" && r.1 == "ok" && !r.2.is_empty()));
    assert!(rows
        .iter()
        .any(|r| r.0 == "trust-provider.modify" && r.1 == "ok" && !r.2.is_empty()));
}

#[tokio::test]
async fn the_required_when_rules_are_checked_before_anything_is_sent() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (
            oidc_form(
                "t-1",
                &[("provider[oidc_token_endpoint]", ""), ("intent", "create")],
            ),
            "oidc_token_endpoint",
        ),
        (
            oidc_form(
                "t-2",
                &[("provider[oidc_client_secret]", ""), ("intent", "create")],
            ),
            "oidc_client_secret",
        ),
        (
            oidc_form(
                "t-3",
                &[
                    ("provider[trust_provider_type]", "device"),
                    ("provider[device_trust_provider_type]", "jamf"),
                    ("intent", "create"),
                ],
            ),
            "device_tenant_id",
        ),
        (
            oidc_form(
                "t-4",
                &[
                    ("provider[policy_reference_name]", "9-lives"),
                    ("intent", "create"),
                ],
            ),
            "policy_reference_name",
        ),
        (
            oidc_form(
                "t-5",
                &[
                    (
                        "provider[sse_kms_key_arn]",
                        "arn:aws:kms:us-east-1:123456789012:key/x",
                    ),
                    ("intent", "create"),
                ],
            ),
            "sse_kms_key_arn",
        ),
    ];
    for (fields, field) in cases {
        let error = expect_error(
            admin.call("/api/trust-providers/submit", &fields).await,
            StatusCode::BAD_REQUEST,
            "need",
        )
        .await;
        assert_eq!(field_names(&error), vec![field.to_string()], "{error}");
    }
    let check: Value = admin
        .call(
            "/api/trust-providers/submit",
            &oidc_form("t-6", &[("intent", "check")]),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(check["Checked"]["allowed"], true, "{check}");
    refresh(&admin).await;
    assert_eq!(
        inventory(&admin, "").await["total"],
        16,
        "neither failures nor the dry run created anything"
    );
}

#[tokio::test]
async fn aws_refuses_oidc_options_on_a_device_provider() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh(&admin).await;
    // The status is the provider's type: 2 accounts × 2 regions × 4 types.
    assert_eq!(inventory(&admin, "").await["total"], 16);
    let all_jamf = inventory(&admin, "&query[status]=device%3A%20jamf").await;
    assert_eq!(all_jamf["total"], 4);
    let jamf = inventory(
        &admin,
        "&query[status]=device%3A%20jamf&query[account]=prod",
    )
    .await;
    let item = jamf["items"][0]["item"].clone();
    let fields = [
        ("item[kind]", KIND),
        ("item[account]", item["account"].as_str().unwrap()),
        ("item[region]", item["region"].as_str().unwrap()),
        ("item[id]", item["id"].as_str().unwrap()),
        ("provider[oidc_scope]", "openid"),
    ];
    let response = admin.call("/api/trust-providers/modify", &fields).await;
    expect_error(
        response,
        StatusCode::BAD_REQUEST,
        "InvalidParameterCombination",
    )
    .await;
}
