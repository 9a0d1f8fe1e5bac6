//! IAM instance profiles through the console against the demo emulator: global per account,
//! created with tags, a role added and removed, deletion refused while the role is in.

use crate::harness::{self, *};
use reqwest::StatusCode;
use serde_json::Value;

const KIND: &str = "instance-profile";

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
async fn profiles_are_created_given_a_role_and_deleted_only_without_it() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let created = admin
        .call(
            "/api/instance-profiles/create",
            &[
                ("profile[target]", "dev/global"),
                ("profile[name]", "web-servers"),
                ("profile[path]", "/web/"),
                ("profile[tags]", "Owner=web@example.com\nCostCentre=CC-7"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["id"], "web-servers");
    assert_eq!(created["region"], "global");
    let after = inventory_of(
        &admin,
        KIND,
        "&query[account]=dev&query[tag]=CostCentre%3DCC-7",
    )
    .await;
    assert_eq!(after["total"], 1);
    let item: Value = detail(&admin, "dev", "web-servers").await.1;
    assert_eq!(field(&item, "Path"), Some("/web/"));
    assert_eq!(item["status"], "no role");

    // A second profile of the same name is AWS's conflict, said as such.
    let again = admin
        .call(
            "/api/instance-profiles/create",
            &[
                ("profile[target]", "dev/global"),
                ("profile[name]", "web-servers"),
            ],
        )
        .await;
    expect_error(again, StatusCode::CONFLICT, "EntityAlreadyExists").await;

    // A role of the account goes in; then AWS refuses the delete until it is out again.
    let roles: Value = admin
        .get_json("/api/instance-profiles/roles")
        .await
        .json()
        .await
        .unwrap();
    let role = roles["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["account"] == "dev")
        .expect("the dev account has a role")["name"]
        .as_str()
        .unwrap()
        .to_string();
    let added = admin
        .call(
            "/api/instance-profiles/add-role",
            &item_fields("dev", "web-servers", &[("change[role]", role.as_str())]),
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    let item: Value = detail(&admin, "dev", "web-servers").await.1;
    assert_eq!(field(&item, "Role"), Some(role.as_str()));
    let refused = admin
        .call(
            "/api/resource/delete",
            &item_fields("dev", "web-servers", &[("confirm", "web-servers")]),
        )
        .await;
    expect_error(refused, StatusCode::CONFLICT, "must remove roles").await;
    let removed = admin
        .call(
            "/api/instance-profiles/remove-role",
            &item_fields("dev", "web-servers", &[("change[role]", role.as_str())]),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);

    // Without its role, it is deleted.
    let deleted = admin
        .call(
            "/api/resource/delete",
            &item_fields("dev", "web-servers", &[("confirm", "web-servers")]),
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(
        detail(&admin, "dev", "web-servers").await.0,
        StatusCode::NOT_FOUND
    );

    let rows = audit(&app).await;
    for action in [
        "instance-profile.create",
        "instance-profile.add-role",
        "instance-profile.remove-role",
        "instance-profile.delete",
    ] {
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
    assert!(rows
        .iter()
        .any(|(a, o, _, m)| a == "instance-profile.delete"
            && o == "error"
            && m.starts_with("DeleteConflict")));
}

#[tokio::test]
async fn the_form_follows_iam_rules_before_anything_is_sent() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let response = admin
        .call(
            "/api/instance-profiles/create",
            &[
                ("profile[target]", "dev/us-east-1"),
                ("profile[name]", "web servers"),
                ("profile[path]", "web"),
                ("profile[tags]", "aws:x=1"),
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
    assert!(
        audit(&app).await.is_empty(),
        "nothing audited, nothing sent"
    );
}

/// AWS's refusal of the create names its call (every_kind.rs has throttling, denial, viewers
/// and forged forms on every kind's generic changes and the kind's own admin functions).
#[tokio::test]
async fn a_throttled_create_names_its_call_and_is_audited() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    inject_fault(&app, "CreateInstanceProfile", 3, "throttle").await;
    let throttled = admin
        .call(
            "/api/instance-profiles/create",
            &[
                ("profile[target]", "prod/global"),
                ("profile[name]", "throttled"),
            ],
        )
        .await;
    expect_error(
        throttled,
        StatusCode::TOO_MANY_REQUESTS,
        "throttling iam:CreateInstanceProfile in prod (123456789012)/global",
    )
    .await;
    let last = audit(&app).await.pop().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str()),
        ("instance-profile.create", "error")
    );
    assert!(last.3.starts_with("Throttling"), "{}", last.3);
    assert_eq!(
        detail(&admin, "prod", "throttled").await.0,
        StatusCode::NOT_FOUND
    );
}
