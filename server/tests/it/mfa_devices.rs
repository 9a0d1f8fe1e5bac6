//! IAM virtual MFA devices through the console against the demo emulator: global per account,
//! filterable by assignment, created with tags, the seed and QR code shown once and never kept,
//! tagged, and deleted (refused while assigned, with what to do).

use crate::harness::{self, *};
use base64::Engine;
use reqwest::StatusCode;
use serde_json::Value;

const KIND: &str = "mfa-device";
const PNG_SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

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

fn create_form<'a>(account: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("device[target]", account),
        ("device[name]", name),
        ("device[path]", ""),
        ("device[tags]", ""),
    ]
}

/// Checks a shown-once answer: a Base32 seed and a PNG QR code; answers (seed, PNG base64).
fn secret_of(shown: &Value) -> (String, String) {
    let seed = shown["values"][0]["value"].as_str().unwrap().to_string();
    assert_eq!(shown["values"][0]["id"], "mfa-seed");
    assert!(
        seed.len() >= 32
            && seed
                .chars()
                .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c) || c == '='),
        "a Base32 seed: {seed}"
    );
    let png = shown["image_png_base64"].as_str().unwrap().to_string();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&png)
        .expect("the QR code in base64");
    assert!(bytes.starts_with(PNG_SIGNATURE), "a PNG");
    (seed, png)
}

#[tokio::test]
async fn devices_are_filtered_by_assignment_created_shown_once_and_refused_deletion_while_assigned()
{
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let report = refresh_kind(&admin, KIND).await;
    assert_eq!(report["items"], 8, "4 seeded devices in each of 2 accounts");
    let listed = inventory_of(&admin, KIND, "").await;
    assert_eq!(listed["total"], 8);
    assert_eq!(
        listed["statuses"],
        serde_json::json!(["assigned", "unassigned"])
    );
    let assigned = inventory_of(&admin, KIND, "&query[status]=assigned").await;
    assert_eq!(assigned["total"], 2, "alice-phone in each account");
    for item in assigned["items"].as_array().unwrap() {
        assert_eq!(item["name"], "alice-phone");
        assert_eq!(field(item, "User"), Some("alice"));
        assert_eq!(field(item, "Status detail"), Some("user alice"));
    }
    assert_eq!(
        inventory_of(&admin, KIND, "&query[status]=unassigned").await["total"],
        6
    );
    let seeded: Value = detail(&admin, "prod", "alice-phone").await.1;
    assert_eq!(
        field(&seeded, "Serial number (ARN)"),
        Some("arn:aws:iam::123456789012:mfa/alice-phone")
    );
    assert!(field(&seeded, "User ARN").unwrap().ends_with(":user/alice"));
    assert!(field(&seeded, "Enabled").is_some());
    assert!(
        !seeded["tags"].as_array().unwrap().is_empty(),
        "tags read with ListMFADeviceTags"
    );

    let created = admin
        .call(
            "/api/mfa-devices/create",
            &[
                ("device[target]", "prod/global"),
                ("device[name]", "it-phone"),
                ("device[path]", "/eng/"),
                ("device[tags]", "Owner=it@example.com\nCostCentre=CC-9"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let handle: String = created.json().await.unwrap();

    let viewer = signed_in_viewer(&app, &admin).await;
    let stolen = viewer
        .call("/api/shown-once", &[("once", handle.as_str())])
        .await;
    assert_eq!(
        stolen.status(),
        StatusCode::NOT_FOUND,
        "only for its creator"
    );

    let shown: Value = admin
        .call("/api/shown-once", &[("once", handle.as_str())])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["item"]["id"], "eng/it-phone");
    assert!(shown["warning"]
        .as_str()
        .unwrap()
        .contains("will not show them again"));
    let (seed, png) = secret_of(&shown);
    let again = admin
        .call("/api/shown-once", &[("once", handle.as_str())])
        .await;
    expect_error(again, StatusCode::NOT_FOUND, "shown already").await;

    // The device is in the inventory (from the cache) without its secrets.
    let item: Value = detail(&admin, "prod", "eng/it-phone").await.1;
    assert_eq!(item["name"], "it-phone");
    assert_eq!(item["status"], "unassigned");
    assert_eq!(field(&item, "Status detail"), None);
    assert_eq!(field(&item, "Path"), Some("/eng/"));
    assert_eq!(
        field(&item, "Serial number (ARN)"),
        Some("arn:aws:iam::123456789012:mfa/eng/it-phone")
    );
    assert_eq!(item["tags"].as_array().unwrap().len(), 2);
    assert_eq!(
        inventory_of(&admin, KIND, "&query[tag]=CostCentre%3DCC-9").await["total"],
        1
    );

    // An assigned device: AWS refuses, and the sentence says what to do first.
    let refused = admin
        .call(
            "/api/resource/delete",
            &item_fields("prod", "alice-phone", &[("confirm", "alice-phone")]),
        )
        .await;
    let error = expect_error(
        refused,
        StatusCode::CONFLICT,
        "Deactivate it for its user first",
    )
    .await;
    assert!(
        error["message"].as_str().unwrap().contains("user alice"),
        "AWS's own words name the user: {error}"
    );
    assert_eq!(
        detail(&admin, "prod", "alice-phone").await.0,
        StatusCode::OK,
        "still there"
    );

    let rows = audit(&app).await;
    let action = "mfa-device.create";
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
    assert!(rows.iter().any(|(a, o, _, m)| a == "mfa-device.delete"
        && o == "error"
        && m.starts_with("DeleteConflict")));

    // Neither the seed nor the QR code reached the database or its write-ahead log.
    let stored = stored_bytes(&app);
    let png_bytes = base64::engine::general_purpose::STANDARD
        .decode(&png)
        .unwrap();
    assert!(!bytes_contain(&stored, &seed), "the seed is not stored");
    assert!(
        !bytes_contain(&stored, &png[20..]),
        "the QR code's base64 is not stored"
    );
    let raw = &png_bytes[png_bytes.len() / 2..png_bytes.len() / 2 + 32];
    assert!(
        !stored.windows(raw.len()).any(|w| w == raw),
        "the QR code's bytes are not stored"
    );
}

#[tokio::test]
async fn without_javascript_the_form_posts_and_the_secret_page_shows_once() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let response = admin
        .post_form(
            "/api/mfa-devices/create",
            &[
                ("device[target]", "dev/global"),
                ("device[name]", "nojs-phone"),
                ("device[path]", ""),
                ("device[tags]", "Owner=nojs@example.com"),
            ],
            "/mfa-devices/new",
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    let path = location
        .split_once("/shown-once")
        .map(|(_, rest)| format!("/shown-once{rest}"))
        .unwrap_or_else(|| panic!("to the shown-once page: {location}"));
    let page = admin.get(&path).await.text().await.unwrap();
    assert!(
        !page.contains("id=\"mfa-seed\""),
        "opening the page reveals nothing"
    );
    assert!(
        page.contains("id=\"reveal-secret\""),
        "the button that reveals it"
    );
    let handle = path.split("once=").nth(1).expect("the handle in the link");
    let shown = admin
        .post_form("/shown-once", &[("once", handle)], &path)
        .await;
    assert_eq!(shown.status(), StatusCode::OK);
    let page = shown.text().await.unwrap();
    assert!(page.contains("id=\"secret-image\""), "the QR code");
    assert!(page.contains("data:image/png;base64,iVBORw0KGgo"));
    assert!(page.contains("id=\"mfa-seed\""), "the seed");
    let again = admin
        .post_form("/shown-once", &[("once", handle)], &path)
        .await;
    assert_eq!(again.status(), StatusCode::GONE);
    let again = again.text().await.unwrap();
    assert!(!again.contains("id=\"mfa-seed\""), "not twice");
    assert!(again.contains("shown already"));

    // A bad form comes back to the form with the field's error, and nothing is created.
    let bad = admin
        .post_form(
            "/api/mfa-devices/create",
            &create_form("dev/global", "has space"),
            "/mfa-devices/new",
        )
        .await;
    assert_eq!(bad.status(), StatusCode::FOUND);
    assert!(bad.headers()["location"]
        .to_str()
        .unwrap()
        .contains("__err="));
}

#[tokio::test]
async fn the_form_follows_create_virtual_mfa_device_rules_before_anything_is_sent() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let long_name = "n".repeat(227);
    let response = admin
        .call(
            "/api/mfa-devices/create",
            &[
                ("device[target]", "dev/us-east-1"),
                ("device[name]", long_name.as_str()),
                ("device[path]", "eng"),
                // The same key twice (`owner` would be another key: IAM folds case only on
                // users and roles).
                ("device[tags]", "Owner=a\nOwner=b"),
            ],
        )
        .await;
    let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
    assert_eq!(
        field_names(&error),
        vec![
            "target".to_string(),
            "name".to_string(),
            "path".to_string(),
            "tags".to_string()
        ]
    );
    let messages = error["fields"].as_array().unwrap();
    assert!(messages[1]["message"].as_str().unwrap().contains("226"));
    assert!(messages[3]["message"].as_str().unwrap().contains("twice"));
    for (name, tags, field) in [
        ("", "", "name"),
        ("a*b", "", "name"),
        ("ok", "aws:x=1", "tags"),
        ("ok", "Owner=a*b", "tags"),
    ] {
        let response = admin
            .call(
                "/api/mfa-devices/create",
                &[
                    ("device[target]", "dev/global"),
                    ("device[name]", name),
                    ("device[tags]", tags),
                ],
            )
            .await;
        let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
        assert_eq!(
            field_names(&error),
            vec![field.to_string()],
            "{name} {tags}"
        );
    }
    let many: String = (0..51).map(|i| format!("k{i}=v\n")).collect();
    let response = admin
        .call(
            "/api/mfa-devices/create",
            &[
                ("device[target]", "dev/global"),
                ("device[name]", "ok"),
                ("device[tags]", many.as_str()),
            ],
        )
        .await;
    let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
    assert_eq!(field_names(&error), vec!["tags".to_string()]);
    assert!(
        audit(&app).await.is_empty(),
        "nothing audited, nothing sent"
    );

    // The same name twice is AWS's conflict, said as such.
    let first = admin
        .call(
            "/api/mfa-devices/create",
            &create_form("dev/global", "twice"),
        )
        .await;
    assert_eq!(first.status(), StatusCode::OK);
    let second = admin
        .call(
            "/api/mfa-devices/create",
            &create_form("dev/global", "twice"),
        )
        .await;
    let error = expect_error(second, StatusCode::CONFLICT, "(EntityAlreadyExists): ").await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("choose another name"),
        "what to do: {error}"
    );
}

/// AWS's refusal of the create names its permission (every_kind.rs has throttling, denial,
/// viewers and forged forms on every kind's generic changes).
#[tokio::test]
async fn a_refused_create_names_its_permission_and_is_audited() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    inject_fault(&app, "CreateVirtualMFADevice", 1, "access_denied").await;
    let denied = admin
        .call(
            "/api/mfa-devices/create",
            &create_form("prod/global", "denied"),
        )
        .await;
    expect_error(
        denied,
        StatusCode::FORBIDDEN,
        "AWS refused: the credentials for prod (123456789012)/global lack iam:CreateVirtualMFADevice",
    )
    .await;
    let last = audit(&app).await.pop().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str()),
        ("mfa-device.create", "error")
    );
    assert!(last.3.starts_with("AccessDenied"), "{}", last.3);
    assert_eq!(
        detail(&admin, "prod", "denied").await.0,
        StatusCode::NOT_FOUND
    );
}

/// The real binary, in demo mode, logging at debug level: the seed and QR code of a device it
/// creates never reach its log.
#[tokio::test]
async fn the_seed_never_reaches_the_server_log() {
    let process = DemoProcess::start().await;
    let created = process
        .call(
            "/api/mfa-devices/create",
            &[
                ("device[target]", "prod/global"),
                ("device[name]", "logged-phone"),
                ("device[tags]", "Owner=log@example.com"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let handle: String = created.json().await.unwrap();
    let shown = process.call("/api/shown-once", &[("once", &handle)]).await;
    let (seed, png) = secret_of(&shown.json().await.unwrap());
    let log = process.log().await;
    assert!(
        log.contains("mfa-device.create") || log.contains("CreateVirtualMFADevice"),
        "the log is the server's: {}",
        &log[..log.len().min(2000)]
    );
    assert!(!log.contains(&seed), "the seed is not logged");
    assert!(!log.contains(&png[20..60]), "the QR code is not logged");
}
