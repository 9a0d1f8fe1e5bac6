//! IAM SAML providers through the console against the demo emulator: global per account,
//! created from metadata (checked before it is sent) with tags, renewed by replacing the
//! metadata, tagged and deleted; large documents; AWS's refusals said as sentences.

use crate::harness::{self, *};
use reqwest::{header, StatusCode};
use serde_json::Value;

const KIND: &str = "saml-provider";

/// IdP metadata valid until `valid_until`, padded (inside a comment) to at least `size`
/// characters.
pub(crate) fn metadata(entity_id: &str, valid_until: &str, size: usize) -> String {
    let head = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity_id}" validUntil="{valid_until}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="{entity_id}/sso"/>
  </md:IDPSSODescriptor>
  <!-- "#
    );
    let tail = " -->\n</md:EntityDescriptor>\n";
    let padding = size.saturating_sub(head.len() + tail.len()).max(1);
    format!("{head}{}{tail}", "p".repeat(padding))
}

fn item_fields<'a>(
    account: &'a str,
    id: &'a str,
    extra: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    harness::item_fields(KIND, account, "global", id, extra)
}

async fn detail(browser: &Browser, account: &str, id: &str) -> (StatusCode, Value) {
    item_detail(browser, KIND, account, "global", id).await
}

async fn audit(app: &TestApp) -> Vec<(String, String, String, String)> {
    audit_of(app, KIND).await
}

#[tokio::test]
async fn providers_expire_by_valid_until_and_are_created_and_renewed_from_metadata() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    refresh_kind(&admin, KIND).await;
    assert_eq!(
        inventory_of(&admin, KIND, "").await["total"],
        10,
        "five seeded providers in each of two accounts"
    );
    let (status, okta) = detail(&admin, "prod", "Okta").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(field(&okta, "Entity ID"), Some("https://example.okta.com"));
    assert!(okta["expires_at"].is_string(), "ValidUntil is the expiry");
    assert_eq!(
        inventory_of(&admin, KIND, "&query[expires]=expired").await["total"],
        2,
        "one seeded provider per account has expired"
    );

    let document = metadata("https://idp.example.com/e2e", "2030-01-01T00:00:00Z", 4_000);
    let created = admin
        .call(
            "/api/saml-providers/create",
            &[
                ("provider[target]", "dev/global"),
                ("provider[name]", "Corp_IdP-1"),
                ("provider[metadata]", &document),
                (
                    "provider[tags]",
                    "Owner=identity@example.com\nCostCentre=CC-9",
                ),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["id"], "Corp_IdP-1");
    assert_eq!(created["region"], "global");
    let (_, item) = detail(&admin, "dev", "Corp_IdP-1").await;
    assert_eq!(item["expires_at"], "2030-01-01T00:00:00.000Z");
    assert_eq!(item["status"], "valid");
    assert_eq!(
        field(&item, "Entity ID"),
        Some("https://idp.example.com/e2e")
    );
    assert_eq!(
        field(&item, "Sign-in URLs"),
        Some("https://idp.example.com/e2e/sso")
    );
    assert_eq!(
        field(&item, "Valid until"),
        Some("2030-01-01T00:00:00.000Z")
    );
    assert_eq!(
        field(&item, "ARN"),
        Some("arn:aws:iam::210987654321:saml-provider/Corp_IdP-1")
    );
    assert!(field(&item, "Created").is_some());
    let tagged = inventory_of(&admin, KIND, "&query[tag]=CostCentre%3DCC-9").await;
    assert_eq!(tagged["total"], 1, "the cache has the new provider");

    // Renewal: new metadata, new ValidUntil, in the detail and in the inventory's expiry.
    let renewed = metadata("https://idp.example.com/e2e", "2031-06-30T12:00:00Z", 3_000);
    let replaced = admin
        .call(
            "/api/saml-providers/metadata",
            &item_fields("dev", "Corp_IdP-1", &[("change[metadata]", &renewed)]),
        )
        .await;
    assert_eq!(replaced.status(), StatusCode::OK);
    let (_, item) = detail(&admin, "dev", "Corp_IdP-1").await;
    assert_eq!(item["expires_at"], "2031-06-30T12:00:00.000Z");
    let listed = inventory_of(&admin, KIND, "&query[q]=Corp_IdP-1").await;
    assert_eq!(listed["items"][0]["expires_at"], "2031-06-30T12:00:00.000Z");

    // Replacing with something that is not IdP metadata is refused on the field.
    let sp = renewed.replace("IDPSSODescriptor", "SPSSODescriptor");
    let refused = admin
        .call(
            "/api/saml-providers/metadata",
            &item_fields("dev", "Corp_IdP-1", &[("change[metadata]", &sp)]),
        )
        .await;
    let error = expect_error(refused, StatusCode::BAD_REQUEST, "").await;
    assert_eq!(field_names(&error), vec!["metadata".to_string()]);
    assert!(error["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("no IDPSSODescriptor"));

    let rows = audit(&app).await;
    for action in ["saml-provider.create", "saml-provider.metadata"] {
        assert!(
            rows.iter()
                .any(|(a, o, r, _)| a == action && o == "ok" && !r.is_empty()),
            "{action} audited with its request id: {rows:?}"
        );
        assert!(
            rows.iter()
                .any(|(a, o, _, _)| a == action && o == "attempted"),
            "{action} audited before it was sent"
        );
    }
}

#[tokio::test]
async fn the_form_follows_iam_rules_and_checks_the_metadata_before_sending() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let create =
        |target: &'static str, name: &'static str, document: String, tags: &'static str| {
            vec![
                ("provider[target]".to_string(), target.to_string()),
                ("provider[name]".to_string(), name.to_string()),
                ("provider[metadata]".to_string(), document),
                ("provider[tags]".to_string(), tags.to_string()),
            ]
        };
    let post = |fields: Vec<(String, String)>| {
        let admin = &admin;
        async move {
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            admin.call("/api/saml-providers/create", &fields).await
        }
    };

    let error = expect_error(
        post(create(
            "dev/us-east-1",
            "Okta prod",
            "<md/>".into(),
            "aws:team=x",
        ))
        .await,
        StatusCode::BAD_REQUEST,
        "",
    )
    .await;
    assert_eq!(
        field_names(&error),
        vec!["target", "name", "metadata", "tags"]
    );
    assert!(error["fields"][2]["message"]
        .as_str()
        .unwrap()
        .contains("at least 1,000"));

    let good = metadata("https://idp.example.com", "2030-01-01T00:00:00Z", 1_500);
    for (document, says) in [
        (good.replace("</md:EntityDescriptor>", ""), "cut short"),
        (
            good.replace("urn:oasis:names:tc:SAML:2.0:metadata", "urn:example:other"),
            "not in the SAML 2.0 metadata namespace",
        ),
        (
            good.replace("IDPSSODescriptor", "SPSSODescriptor"),
            "no IDPSSODescriptor",
        ),
        (
            good.replace("</md:IDPSSODescriptor>", "</md:Oops>"),
            "not well-formed XML (line 5",
        ),
        (
            format!("<html>{}</html>", "x".repeat(1_000)),
            "root element is <html>",
        ),
    ] {
        let error = expect_error(
            post(create("dev/global", "Okta", document, "")).await,
            StatusCode::BAD_REQUEST,
            "",
        )
        .await;
        assert_eq!(field_names(&error), vec!["metadata"]);
        let message = error["fields"][0]["message"].as_str().unwrap();
        assert!(message.contains(says), "{says}: {message}");
    }

    // Over IAM's 10,000,000 characters: the body gets through (over axum's 2 MB and the old
    // 1 MiB CSRF limit) and the refusal is on the field.
    let too_long = metadata(
        "https://idp.example.com",
        "2030-01-01T00:00:00Z",
        10_000_001,
    );
    let error = expect_error(
        post(create("dev/global", "Huge", too_long, "")).await,
        StatusCode::BAD_REQUEST,
        "",
    )
    .await;
    assert_eq!(field_names(&error), vec!["metadata"]);
    assert!(error["fields"][0]["message"]
        .as_str()
        .unwrap()
        .contains("10,000,001 characters; IAM accepts at most 10,000,000"));
    assert!(
        audit(&app).await.is_empty(),
        "nothing audited, nothing sent"
    );

    // A real-sized 2 MB metadata file goes through, to AWS and back.
    let two_mb = metadata(
        "https://big.example.com",
        "2029-02-01T00:00:00Z",
        2 * 1024 * 1024,
    );
    let created = post(create("prod/global", "BigIdP", two_mb, "")).await;
    assert_eq!(
        created.status(),
        StatusCode::OK,
        "{:?}",
        created.text().await
    );
    let (_, item) = detail(&admin, "prod", "BigIdP").await;
    assert_eq!(item["expires_at"], "2029-02-01T00:00:00.000Z");

    // IAM's largest document, 10,000,000 characters, goes through as well.
    let largest = metadata(
        "https://largest.example.com",
        "2029-03-01T00:00:00Z",
        10_000_000,
    );
    assert_eq!(largest.len(), 10_000_000);
    // On a connection of its own (its own browser, signed in as the admin).
    let own = app.browser();
    assert_eq!(
        own.login(ADMIN, ADMIN_PASSWORD).await.status(),
        StatusCode::OK
    );
    let fields = create("prod/global", "LargestIdP", largest, "");
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let created = own.call("/api/saml-providers/create", &fields).await;
    assert_eq!(
        created.status(),
        StatusCode::OK,
        "{:?}",
        created.text().await
    );
    drop(own);
    let (_, item) = detail(&admin, "prod", "LargestIdP").await;
    assert_eq!(item["expires_at"], "2029-03-01T00:00:00.000Z");

    // A form body over the endpoint's bound is refused before anything of it is read, as a
    // sentence.
    let bound = app::api::endpoint("saml-providers/create")
        .unwrap()
        .max_body;
    let cookie = admin.session_cookie().unwrap();
    let (status, body) = answer_before_the_body(
        &app.url,
        "/api/saml-providers/create",
        Some(&cookie),
        bound + 1,
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert!(body.contains("larger than trustdesk takes here"), "{body}");
    assert!(body.contains("nothing was sent"), "{body}");

    // AWS's own conflict, said as such.
    let again = post(create(
        "prod/global",
        "Okta",
        metadata("https://example.okta.com", "2030-01-01T00:00:00Z", 1_200),
        "",
    ))
    .await;
    let error = expect_error(again, StatusCode::CONFLICT, "EntityAlreadyExists").await;
    assert!(error["message"]
        .as_str()
        .unwrap()
        .contains("choose another name, or open that provider and replace its metadata"));
}

#[tokio::test]
async fn without_javascript_a_create_redirects_to_the_provider() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let document = metadata("https://plain.example.com", "2030-05-01T00:00:00Z", 1_200);
    let response = admin
        .post_form(
            "/api/saml-providers/create",
            &[
                ("provider[target]", "prod/global"),
                ("provider[name]", "PlainForm"),
                ("provider[metadata]", &document),
                ("provider[tags]", ""),
            ],
            "/saml-providers/new",
        )
        .await;
    assert!(response.status().is_redirection(), "{}", response.status());
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    assert!(
        location.ends_with("/resources/saml-provider/prod/global/PlainForm"),
        "{location}"
    );
    let bad = admin
        .post_form(
            "/api/saml-providers/create",
            &[
                ("provider[target]", "prod/global"),
                ("provider[name]", "Bad name"),
                ("provider[metadata]", &document),
            ],
            "/saml-providers/new",
        )
        .await;
    assert!(bad.status().is_redirection());
    let location = bad.headers()[header::LOCATION].to_str().unwrap();
    assert!(location.contains("__err="), "{location}");
    assert!(
        !location.contains("plain.example.com"),
        "the document is not echoed into the URL"
    );
}

/// AWS's refusals of the kind's own calls name them (every_kind.rs has throttling, denial,
/// viewers and forged forms on every kind's generic changes).
#[tokio::test]
async fn the_kinds_own_calls_are_said_when_aws_refuses_them() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let document = metadata("https://idp.example.com", "2030-01-01T00:00:00Z", 1_200);

    inject_fault(&app, "CreateSAMLProvider", 3, "throttle").await;
    let throttled = admin
        .call(
            "/api/saml-providers/create",
            &[
                ("provider[target]", "prod/global"),
                ("provider[name]", "Throttled"),
                ("provider[metadata]", document.as_str()),
            ],
        )
        .await;
    expect_error(
        throttled,
        StatusCode::TOO_MANY_REQUESTS,
        "throttling iam:CreateSAMLProvider in prod (123456789012)/global",
    )
    .await;
    let last = audit(&app).await.pop().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str()),
        ("saml-provider.create", "error")
    );
    assert!(last.3.starts_with("Throttling"), "{}", last.3);

    inject_fault(&app, "UpdateSAMLProvider", 1, "access_denied").await;
    let denied = admin
        .call(
            "/api/saml-providers/metadata",
            &item_fields("prod", "Okta", &[("change[metadata]", &document)]),
        )
        .await;
    expect_error(denied, StatusCode::FORBIDDEN, "lack iam:UpdateSAMLProvider").await;

    // AWS's NoSuchEntity for the metadata of a provider that is not there.
    let missing = admin
        .call(
            "/api/saml-providers/metadata",
            &item_fields("prod", "NoSuchIdP", &[("change[metadata]", &document)]),
        )
        .await;
    expect_error(missing, StatusCode::NOT_FOUND, "no such item").await;
}
