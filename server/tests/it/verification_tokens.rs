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
    audit_of(app, KIND).await
}

/// The generic inventory (every_kind.rs) holds for tokens; what is theirs is the status AWS
/// gives from `NotAfter`: the demo's soonest token in each place has expired.
#[tokio::test]
async fn the_seeds_tokens_are_valid_or_expired_by_their_not_after() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh(&admin).await;
    assert_eq!(
        inventory(&admin, "").await["total"],
        20,
        "2 accounts × 2 regions × 5 tokens"
    );
    let expired = inventory(&admin, "&query[status]=expired").await;
    assert_eq!(expired["total"], 4, "one in each place");
    for token in expired["items"].as_array().unwrap() {
        assert!(token["expires_in_days"].as_i64().unwrap() < 0, "{token}");
    }
    let valid = inventory(&admin, "&query[status]=valid").await;
    assert_eq!(valid["total"], 16);
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
        .filter(|r| r.0 == "verification-token.create")
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
            .all(|r| r.0 != "verification-token.create"),
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

/// Anyone signed in may submit the form (viewers may check permissions); a viewer's create is
/// refused in the console, as the kind's form (every_kind.rs has the refusals at the door).
#[tokio::test]
async fn a_viewers_create_is_refused_before_the_form_is_read() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let options = form_options(&admin).await;
    let ipam = prod_ipam(&options);
    let viewer = signed_in_viewer(&app, &admin).await;
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
    // Audited as the refusal it is: nothing was attempted in AWS.
    assert!(rows
        .iter()
        .any(|r| r.0 == "verification-token.create" && r.1 == "error" && r.3.contains("viewer")));
    assert!(rows
        .iter()
        .all(|r| r.0 != "verification-token.create" || r.1 == "error"));
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
    inject_fault(
        &app,
        "CreateIpamExternalResourceVerificationToken",
        1,
        "access_denied",
    )
    .await;
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
    inject_fault(
        &app,
        "CreateIpamExternalResourceVerificationToken",
        1,
        "access_denied",
    )
    .await;
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
