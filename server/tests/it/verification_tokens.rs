//! IPAM verification tokens through the console, against the demo emulator over HTTP: every
//! server function, its validation, AWS's errors, the audit trail and the cache.

use crate::harness::*;
use reqwest::StatusCode;
use serde_json::Value;

const KIND: &str = "verification-token";

async fn refresh(admin: &Browser) {
    refresh_kind(admin, KIND).await;
}

async fn inventory(browser: &Browser, query: &str) -> Value {
    inventory_of(browser, KIND, query).await
}

async fn form_options(admin: &Browser) -> Value {
    admin
        .get_json("/api/verification-tokens/form")
        .await
        .json()
        .await
        .unwrap()
}

fn prod_ipam(options: &Value) -> String {
    options["ipams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}/{}/{}",
                i["account"].as_str().unwrap(),
                i["region"].as_str().unwrap(),
                i["ipam_id"].as_str().unwrap()
            )
        })
        .find(|t| t.starts_with("prod/us-east-1/"))
        .expect("the demo has an IPAM in prod/us-east-1")
}

async fn audit_rows(app: &TestApp) -> Vec<(String, String, String, String)> {
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        app.data_dir.join("trustdesk.db").display()
    ))
    .await
    .unwrap();
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT action, outcome, request_id, message FROM audit_log ORDER BY id")
            .fetch_all(&db)
            .await
            .unwrap();
    db.close().await;
    rows
}

#[tokio::test]
async fn refresh_reads_both_accounts_and_regions_and_the_inventory_filters() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let before = inventory(&admin, "").await;
    assert_eq!(
        before["total"], 0,
        "nothing is cached before the first refresh"
    );
    assert!(before["refreshed_at"].is_null());
    refresh(&admin).await;
    let all = inventory(&admin, "").await;
    assert_eq!(all["total"], 20, "2 accounts × 2 regions × 5 tokens");
    assert!(all["refreshed_at"].is_string());
    assert_eq!(all["accounts"], serde_json::json!(["dev", "prod"]));
    let first = &all["items"][0];
    assert_eq!(first["status"], "expired", "soonest expiry first");
    assert!(first["expires_in_days"].as_i64().unwrap() < 0);
    let dev_eu = inventory(&admin, "&query[account]=dev&query[region]=eu-west-1").await;
    assert_eq!(dev_eu["total"], 5);
    assert_eq!(
        dev_eu["items"][0]["account_id"], "210987654321",
        "the dev account is reached through AssumeRole"
    );
    let expired = inventory(&admin, "&query[status]=expired").await;
    assert_eq!(expired["total"], 4);
    let tagged = inventory(&admin, "&query[tag]=Team%3Dplatform").await;
    assert_eq!(tagged["total"], 4);
    let text = inventory(&admin, "&query[q]=203.0.113").await;
    assert_eq!(text["total"], 4, "free text matches tag values");
}

#[tokio::test]
async fn create_is_audited_cached_and_idempotent_per_form() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let options = form_options(&admin).await;
    assert_eq!(
        options["ipams"].as_array().unwrap().len(),
        4,
        "one IPAM per account and region"
    );
    let ipam = prod_ipam(&options);
    let client_token = options["client_token"].as_str().unwrap().to_string();
    let fields = [
        ("token[ipam]", ipam.as_str()),
        (
            "token[tags]",
            "Owner=net@example.com\nName=byoip 192.0.2.0/24",
        ),
        ("token[client_token]", client_token.as_str()),
        ("intent", "create"),
    ];
    let response = admin.call("/api/verification-tokens/submit", &fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    let created: Value = response.json().await.unwrap();
    let token = &created["Created"];
    let id = token["resource"]["item"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(id.starts_with("ipam-ext-res-ver-token-"));
    assert!(!token["token_name"].as_str().unwrap().is_empty());
    assert!(!token["token_value"].as_str().unwrap().is_empty());
    assert_eq!(token["resource"]["name"], "byoip 192.0.2.0/24");

    // A double submit of the same form makes no second token.
    let again: Value = admin
        .call("/api/verification-tokens/submit", &fields)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["Created"]["resource"]["item"]["id"], id.as_str());

    let detail: Value = admin
        .get_json(&format!("/api/resource?item[kind]={KIND}&item[account]=prod&item[region]=us-east-1&item[id]={id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["status"], "valid");
    assert!(detail["fields"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["label"] == "Token value"));

    let rows = audit_rows(&app).await;
    let creates: Vec<_> = rows
        .iter()
        .filter(|r| r.0 == "ec2.create_verification_token")
        .collect();
    assert_eq!(creates.len(), 4, "attempted + ok, twice");
    assert_eq!(creates[0].1, "attempted");
    assert_eq!(creates[1].1, "ok");
    assert!(!creates[1].2.is_empty(), "the AWS request id is recorded");

    refresh(&admin).await;
    let prod = inventory(&admin, "&query[account]=prod&query[region]=us-east-1").await;
    assert_eq!(prod["total"], 6, "5 seeded + 1 created, once");
}

#[tokio::test]
async fn the_form_is_validated_before_anything_is_sent() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let options = form_options(&admin).await;
    let ipam = prod_ipam(&options);
    let long_key = format!("{}=v", "k".repeat(128));
    for (ipam_value, tags, field) in [
        ("", "", "ipam"),
        (ipam.as_str(), "aws:owner=x", "tags"),
        (ipam.as_str(), long_key.as_str(), "tags"),
        (ipam.as_str(), "A=1\nA=2", "tags"),
    ] {
        let response = admin
            .call(
                "/api/verification-tokens/submit",
                &[
                    ("token[ipam]", ipam_value),
                    ("token[tags]", tags),
                    ("token[client_token]", "t-1"),
                    ("intent", "create"),
                ],
            )
            .await;
        let error = expect_error(response, StatusCode::BAD_REQUEST, "need").await;
        assert_eq!(field_names(&error), vec![field.to_string()], "{error}");
    }
    assert!(
        audit_rows(&app)
            .await
            .iter()
            .all(|r| r.0 != "ec2.create_verification_token"),
        "nothing attempted"
    );
}

#[tokio::test]
async fn check_permissions_sends_a_dry_run() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let options = form_options(&admin).await;
    let ipam = prod_ipam(&options);
    let response = admin
        .call(
            "/api/verification-tokens/submit",
            &[
                ("token[ipam]", ipam.as_str()),
                ("token[client_token]", "dry-1"),
                ("intent", "check"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let outcome: Value = response.json().await.unwrap();
    assert_eq!(outcome["Checked"]["allowed"], true, "{outcome}");
    assert!(outcome["Checked"]["message"]
        .as_str()
        .unwrap()
        .contains("DryRunOperation"));
    refresh(&admin).await;
    assert_eq!(
        inventory(&admin, "").await["total"],
        20,
        "a dry run creates nothing"
    );
}

/// Calls a server function on the dev/us-east-1 token `id`.
async fn on_item(
    admin: &Browser,
    path: &str,
    id: &str,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut fields = vec![
        ("item[kind]", KIND),
        ("item[account]", "dev"),
        ("item[region]", "us-east-1"),
        ("item[id]", id),
    ];
    fields.extend_from_slice(extra);
    admin.call(path, &fields).await
}

#[tokio::test]
async fn tags_change_and_delete_needs_the_id_typed() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh(&admin).await;
    let listed = inventory(&admin, "&query[account]=dev&query[region]=us-east-1").await;
    let id = listed["items"][0]["item"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let set = on_item(
        &admin,
        "/api/resource/tag",
        &id,
        &[("key", "Ticket"), ("value", "CHG-1234")],
    )
    .await;
    assert_eq!(set.status(), StatusCode::OK);
    let removed = on_item(&admin, "/api/resource/untag", &id, &[("key", "Owner")]).await;
    assert_eq!(removed.status(), StatusCode::OK);
    let detail: Value = admin
        .get_json(&format!("/api/resource?item[kind]={KIND}&item[account]=dev&item[region]=us-east-1&item[id]={id}"))
        .await
        .json()
        .await
        .unwrap();
    let tags: Vec<(String, String)> = detail["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["key"].as_str().unwrap().to_string(),
                t["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(tags.contains(&("Ticket".into(), "CHG-1234".into())));
    assert!(!tags.iter().any(|(k, _)| k == "Owner"));
    let bad_key = on_item(
        &admin,
        "/api/resource/tag",
        &id,
        &[("key", "aws:x"), ("value", "1")],
    )
    .await;
    expect_error(bad_key, StatusCode::BAD_REQUEST, "need").await;

    let unconfirmed = on_item(&admin, "/api/resource/delete", &id, &[("confirm", "yes")]).await;
    let error = expect_error(unconfirmed, StatusCode::BAD_REQUEST, "need").await;
    assert_eq!(field_names(&error), vec!["confirm".to_string()]);
    let deleted = on_item(
        &admin,
        "/api/resource/delete",
        &id,
        &[("confirm", id.as_str())],
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    let after = inventory(&admin, "&query[account]=dev&query[region]=us-east-1").await;
    assert_eq!(after["total"], 4, "the cache drops the deleted token");
    let again = on_item(
        &admin,
        "/api/resource/delete",
        &id,
        &[("confirm", id.as_str())],
    )
    .await;
    expect_error(again, StatusCode::NOT_FOUND, "no such item").await;

    let rows = audit_rows(&app).await;
    for action in [
        "verification-token.tag",
        "verification-token.untag",
        "verification-token.delete",
    ] {
        assert!(
            rows.iter()
                .any(|r| r.0 == action && r.1 == "ok" && !r.2.is_empty()),
            "{action} audited with its request id"
        );
    }
    assert!(rows
        .iter()
        .any(|r| r.0 == "verification-token.delete" && r.1 == "error" && r.3.contains("NotFound")));
}

#[tokio::test]
async fn throttling_is_retried_then_reported_and_audited() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let options = form_options(&admin).await;
    let ipam = prod_ipam(&options);
    let control = format!(
        "{}/_emulator/faults",
        app.emulator_endpoint.as_ref().unwrap()
    );
    let http = reqwest::Client::new();
    http.post(&control).header("content-type", "application/json").body(r#"{"operation":"CreateIpamExternalResourceVerificationToken","times":3,"kind":"throttle"}"#).send().await.unwrap();
    let response = admin
        .call(
            "/api/verification-tokens/submit",
            &[
                ("token[ipam]", ipam.as_str()),
                ("token[client_token]", "thr-1"),
                ("intent", "create"),
            ],
        )
        .await;
    expect_error(response, StatusCode::TOO_MANY_REQUESTS, "throttling").await;
    let rows = audit_rows(&app).await;
    let last = rows.last().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str()),
        ("ec2.create_verification_token", "error")
    );
    assert!(last.3.starts_with("RequestLimitExceeded"), "{}", last.3);

    // Two throttles are absorbed by the retries.
    http.post(&control).header("content-type", "application/json").body(r#"{"operation":"CreateIpamExternalResourceVerificationToken","times":2,"kind":"throttle"}"#).send().await.unwrap();
    let response = admin
        .call(
            "/api/verification-tokens/submit",
            &[
                ("token[ipam]", ipam.as_str()),
                ("token[client_token]", "thr-2"),
                ("intent", "create"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn viewers_and_forged_forms_are_refused() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let options = form_options(&admin).await;
    let ipam = prod_ipam(&options);
    let viewer = signed_in_viewer(&app, &admin).await;
    // Viewers read the inventory and may refresh it…
    refresh(&viewer).await;
    assert_eq!(inventory(&viewer, "").await["total"], 20);
    // …but not change anything.
    let response = viewer
        .call(
            "/api/verification-tokens/submit",
            &[
                ("token[ipam]", ipam.as_str()),
                ("token[client_token]", "v-1"),
                ("intent", "create"),
            ],
        )
        .await;
    expect_error(response, StatusCode::FORBIDDEN, "viewer").await;
    let rows = audit_rows(&app).await;
    // Refused before the form is read: audited as the kind's form, not the planned AWS call.
    assert!(rows
        .iter()
        .any(|r| r.0 == "verification-token.create" && r.1 == "error" && r.3.contains("viewer")));

    let forged = admin
        .send_form(
            "/api/verification-tokens/submit",
            &[
                ("token[ipam]", ipam.as_str()),
                ("token[client_token]", "f-1"),
                ("intent", "create"),
            ],
            "application/json",
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    refresh(&admin).await;
    assert_eq!(
        inventory(&admin, "").await["total"],
        20,
        "nothing was created"
    );
}

#[tokio::test]
async fn an_aws_refusal_names_the_permission_account_and_region() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let options = form_options(&admin).await;
    let ipam = prod_ipam(&options);
    let control = format!(
        "{}/_emulator/faults",
        app.emulator_endpoint.as_ref().unwrap()
    );
    reqwest::Client::new()
        .post(&control)
        .header("content-type", "application/json")
        .body(r#"{"operation":"CreateIpamExternalResourceVerificationToken","times":1,"kind":"access_denied"}"#)
        .send()
        .await
        .unwrap();
    let response = admin
        .call(
            "/api/verification-tokens/submit",
            &[
                ("token[ipam]", ipam.as_str()),
                ("token[client_token]", "denied-1"),
                ("intent", "create"),
            ],
        )
        .await;
    expect_error(
        response,
        StatusCode::FORBIDDEN,
        "AWS refused: the credentials for prod (123456789012)/us-east-1 lack ec2:CreateIpamExternalResourceVerificationToken",
    )
    .await;
    let last = audit_rows(&app).await.pop().unwrap();
    assert_eq!(last.1, "error");
    assert!(last.3.starts_with("UnauthorizedOperation"), "{}", last.3);
    assert!(!last.2.is_empty(), "the refusal's request id is kept");

    // The dry run reports the refusal as a permission check, not an error.
    reqwest::Client::new()
        .post(&control)
        .header("content-type", "application/json")
        .body(r#"{"operation":"CreateIpamExternalResourceVerificationToken","times":1,"kind":"access_denied"}"#)
        .send()
        .await
        .unwrap();
    let checked: Value = admin
        .call(
            "/api/verification-tokens/submit",
            &[
                ("token[ipam]", ipam.as_str()),
                ("token[client_token]", "denied-2"),
                ("intent", "check"),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(checked["Checked"]["allowed"], false);
    assert!(checked["Checked"]["message"]
        .as_str()
        .unwrap()
        .contains("lack ec2:CreateIpamExternalResourceVerificationToken"));
}
