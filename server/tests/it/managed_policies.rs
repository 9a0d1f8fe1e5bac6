//! IAM managed policies through the console against the demo emulator: customer managed ones
//! cached (global per account, filterable by attachment), created with a document checked
//! before it is sent, their document read when the page opens, tagged, deleted (refused while
//! attached or versioned, with what to do); AWS managed ones read live and read-only.

use crate::harness::{self, *};
use reqwest::{Response, StatusCode};
use serde_json::Value;

const KIND: &str = "managed-policy";
const DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::it-bucket/*"}]}"#;

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

fn encoded(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

fn item_query(account: &str, id: &str) -> String {
    format!(
        "item[kind]={KIND}&item[account]={account}&item[region]=global&item[id]={}",
        encoded(id)
    )
}

async fn document(browser: &Browser, account: &str, id: &str) -> Response {
    browser
        .get_json(&format!(
            "/api/managed-policies/document?{}",
            item_query(account, id)
        ))
        .await
}

fn create_form<'a>(account: &'a str, name: &'a str, document: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("policy[target]", account),
        ("policy[name]", name),
        ("policy[path]", ""),
        ("policy[description]", ""),
        ("policy[document]", document),
        ("policy[tags]", ""),
    ]
}

#[tokio::test]
async fn customer_managed_policies_are_listed_by_attachment_created_read_and_deleted_once_unused() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let report = refresh_kind(&admin, KIND).await;
    assert_eq!(
        report["items"], 14,
        "7 customer managed policies in each of 2 accounts, no AWS managed ones"
    );
    let listed = inventory_of(&admin, KIND, "").await;
    assert_eq!(
        listed["statuses"],
        serde_json::json!(["attached", "unattached"])
    );
    assert!(listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| !i["item"]["id"].as_str().unwrap().starts_with("aws")));
    assert_eq!(
        inventory_of(
            &admin,
            KIND,
            "&query[status]=unattached&query[account]=prod"
        )
        .await["total"],
        2
    );
    assert_eq!(
        inventory_of(&admin, KIND, "&query[status]=attached").await["total"],
        10
    );
    // Tags and the description come from GetPolicy (ListPolicies has neither).
    let versioned: Value = detail(&admin, "prod", "s3-backup-writer").await.1;
    assert!(!versioned["tags"].as_array().unwrap().is_empty());
    assert!(field(&versioned, "Description").is_some());
    assert_eq!(field(&versioned, "Default version"), Some("v3"));
    assert_eq!(field(&versioned, "Attachments"), Some("1"));
    assert_eq!(
        field(&versioned, "Status detail"),
        Some("1 entity"),
        "the count, shown in the inventory"
    );
    let nested: Value = detail(&admin, "dev", "audit/read-only-audit").await.1;
    assert_eq!(
        field(&nested, "ARN"),
        Some("arn:aws:iam::210987654321:policy/audit/read-only-audit")
    );

    // The document is read as the page opens: the default version, indented, and the versions.
    let read: Value = document(&admin, "prod", "s3-backup-writer")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["default_version_id"], "v3");
    let text = read["document"].as_str().unwrap();
    assert!(text.starts_with("{\n  \""), "pretty-printed: {text}");
    serde_json::from_str::<Value>(text).expect("the decoded JSON");
    let versions: Vec<&str> = read["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["v3", "v2", "v1"]);

    let created = admin
        .call(
            "/api/managed-policies/create",
            &[
                ("policy[target]", "prod/global"),
                ("policy[name]", "it-reader"),
                ("policy[path]", "/it/"),
                ("policy[description]", "Reads the IT bucket"),
                ("policy[document]", DOCUMENT),
                ("policy[tags]", "Owner=it@example.com\nCostCentre=CC-3"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::OK);
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["id"], "it/it-reader");
    let item: Value = detail(&admin, "prod", "it/it-reader").await.1;
    assert_eq!(item["status"], "unattached");
    assert_eq!(field(&item, "Status detail"), Some("no entities"));
    assert_eq!(field(&item, "Description"), Some("Reads the IT bucket"));
    assert_eq!(field(&item, "Path"), Some("/it/"));
    assert_eq!(item["tags"].as_array().unwrap().len(), 2);
    let read: Value = document(&admin, "prod", "it/it-reader")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(read["document"].as_str().unwrap()).unwrap(),
        serde_json::from_str::<Value>(DOCUMENT).unwrap()
    );
    assert!(
        read["document"].as_str().unwrap().starts_with(
            "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\""
        ),
        "indented in the author's order: {}",
        read["document"]
    );
    assert_eq!(
        inventory_of(&admin, KIND, "&query[tag]=CostCentre%3DCC-3").await["total"],
        1
    );

    // Attached: AWS refuses, and the sentence says to detach it from its one entity first.
    let refused = admin
        .call(
            "/api/resource/delete",
            &item_fields(
                "prod",
                "s3-backup-writer",
                &[("confirm", "s3-backup-writer")],
            ),
        )
        .await;
    let error = expect_error(refused, StatusCode::CONFLICT, "attached to 1 entity").await;
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("detach it from every one first"),
        "{message}"
    );
    assert!(
        message.contains("non-default versions (v2, v1)"),
        "{message}"
    );

    // A second version (made outside trustdesk): AWS refuses until it is deleted.
    let iam = emulator_iam(&app);
    let policy_arn = "arn:aws:iam::123456789012:policy/it/it-reader";
    iam.create_policy_version()
        .policy_arn(policy_arn)
        .policy_document(DOCUMENT)
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    let refused = admin
        .call(
            "/api/resource/delete",
            &item_fields("prod", "it/it-reader", &[("confirm", "it/it-reader")]),
        )
        .await;
    let error = expect_error(refused, StatusCode::CONFLICT, "1 non-default version (v1)").await;
    assert!(!error["message"].as_str().unwrap().contains("attached to"));
    // The versions are deleted here: not the default one, and only a well-formed id.
    let bad = admin
        .call(
            "/api/managed-policies/delete-version",
            &item_fields("prod", "it/it-reader", &[("change[version]", "1")]),
        )
        .await;
    let error = expect_error(bad, StatusCode::BAD_REQUEST, "").await;
    assert_eq!(field_names(&error), ["version"]);
    let default = admin
        .call(
            "/api/managed-policies/delete-version",
            &item_fields("prod", "it/it-reader", &[("change[version]", "v2")]),
        )
        .await;
    expect_error(default, StatusCode::CONFLICT, "default version").await;
    let removed = admin
        .call(
            "/api/managed-policies/delete-version",
            &item_fields("prod", "it/it-reader", &[("change[version]", "v1")]),
        )
        .await;
    assert_eq!(removed.status(), StatusCode::OK);
    let read: Value = document(&admin, "prod", "it/it-reader")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["versions"].as_array().unwrap().len(), 1);
    let item: Value = detail(&admin, "prod", "it/it-reader").await.1;
    assert_eq!(
        field(&item, "Default version"),
        Some("v2"),
        "the cache follows"
    );

    let deleted = admin
        .call(
            "/api/resource/delete",
            &item_fields("prod", "it/it-reader", &[("confirm", "it/it-reader")]),
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_eq!(
        detail(&admin, "prod", "it/it-reader").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(inventory_of(&admin, KIND, "").await["total"], 14);

    let rows = audit(&app).await;
    for action in [
        "managed-policy.create",
        "managed-policy.delete-version",
        "managed-policy.delete",
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
    assert_eq!(
        rows.iter()
            .filter(|(a, o, _, m)| a == "managed-policy.delete"
                && o == "error"
                && m.starts_with("DeleteConflict"))
            .count(),
        2
    );
}

#[tokio::test]
async fn aws_managed_policies_are_read_live_and_read_only() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let all: Value = admin
        .get_json("/api/managed-policies/aws")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["account"], "prod", "read in the first account");
    let policies = all["policies"].as_array().unwrap();
    assert_eq!(policies.len(), 8);
    assert!(policies.iter().all(|p| p["arn"]
        .as_str()
        .unwrap()
        .starts_with("arn:aws:iam::aws:policy/")));
    let attached: Value = admin
        .get_json("/api/managed-policies/aws?account=dev&attached=true")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(attached["account"], "dev");
    let mut names: Vec<&str> = attached["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["AmazonEC2ReadOnlyAccess", "ReadOnlyAccess", "SecurityAudit"]
    );
    let read: Value = admin
        .get_json("/api/managed-policies/aws-document?id=job-function%2FViewOnlyAccess")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        read["arn"],
        "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"
    );
    serde_json::from_str::<Value>(read["document"].as_str().unwrap()).unwrap();
    let missing = admin
        .get_json("/api/managed-policies/aws-document?id=NoSuchPolicy")
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // Not cached: the inventory holds customer managed policies only.
    refresh_kind(&admin, KIND).await;
    assert_eq!(
        inventory_of(&admin, KIND, "&query[q]=ReadOnlyAccess").await["total"],
        0
    );
    assert!(audit(&app).await.is_empty(), "reading changes nothing");
    let viewer = signed_in_viewer(&app, &admin).await;
    assert_eq!(
        viewer.get_json("/api/managed-policies/aws").await.status(),
        StatusCode::OK,
        "viewers may read them"
    );
}

#[tokio::test]
async fn the_form_follows_create_policy_rules_before_anything_is_sent() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    let long_name = "n".repeat(129);
    let long_description = "d".repeat(1001);
    let response = admin
        .call(
            "/api/managed-policies/create",
            &[
                ("policy[target]", "prod/us-east-1"),
                ("policy[name]", long_name.as_str()),
                ("policy[path]", "it"),
                ("policy[description]", long_description.as_str()),
                (
                    "policy[document]",
                    r#"{"Version":"2012-10-17","Statement":"#,
                ),
                ("policy[tags]", "aws:x=1"),
            ],
        )
        .await;
    let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
    assert_eq!(
        field_names(&error),
        ["target", "name", "path", "description", "document", "tags"]
    );
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}"}}]}}"#,
        "b".repeat(6100)
    );
    for (document, needle) in [
        ("", "required"),
        ("[]", "JSON object"),
        ("not json", "not valid JSON"),
        (
            r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
            "needs a \"Version\"",
        ),
        (
            r#"{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#,
            "2012-10-17",
        ),
        (r#"{"Version":"2012-10-17"}"#, "needs a \"Statement\""),
        (r#"{"Version":"2012-10-17","Statement":[]}"#, "at least one"),
        (big.as_str(), "at most 6144"),
    ] {
        let response = admin
            .call(
                "/api/managed-policies/create",
                &create_form("prod/global", "ok", document),
            )
            .await;
        let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
        assert_eq!(field_names(&error), ["document"], "{document}");
        assert!(
            error["fields"][0]["message"]
                .as_str()
                .unwrap()
                .contains(needle),
            "{needle}: {error}"
        );
    }
    let two = admin
        .call(
            "/api/managed-policies/create",
            &create_form("prod/global", "ok", r#"{"Version":"1"}"#),
        )
        .await;
    let error = expect_error(two, StatusCode::BAD_REQUEST, "").await;
    assert_eq!(
        field_names(&error),
        ["document", "document"],
        "each problem"
    );
    assert!(
        audit(&app).await.is_empty(),
        "nothing audited, nothing sent"
    );

    // Whitespace does not count toward the limit.
    let spaced = DOCUMENT.replace(',', &format!(",{}", " ".repeat(2000)));
    let ok = admin
        .call(
            "/api/managed-policies/create",
            &create_form("prod/global", "spaced", &spaced),
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    let again = admin
        .call(
            "/api/managed-policies/create",
            &create_form("prod/global", "spaced", DOCUMENT),
        )
        .await;
    let error = expect_error(again, StatusCode::CONFLICT, "(EntityAlreadyExists): ").await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("choose another name"),
        "what to do: {error}"
    );
}

/// AWS's refusals of the kind's own calls name them: the create, the document read as the page
/// opens, and GetPolicy, which a refresh reads for each policy (every_kind.rs has throttling,
/// denial, viewers and forged forms on every kind's generic changes).
#[tokio::test]
async fn the_kinds_own_calls_are_said_when_aws_refuses_them() {
    let (app, admin) = TestApp::builder()
        .demo()
        .reading_one_scope_at_a_time()
        .build_with_admin()
        .await;
    inject_fault(&app, "CreatePolicy", 1, "access_denied").await;
    let denied = admin
        .call(
            "/api/managed-policies/create",
            &create_form("prod/global", "denied", DOCUMENT),
        )
        .await;
    expect_error(
        denied,
        StatusCode::FORBIDDEN,
        "AWS refused: the credentials for prod (123456789012)/global lack iam:CreatePolicy",
    )
    .await;
    let last = audit(&app).await.pop().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str()),
        ("managed-policy.create", "error")
    );

    inject_fault(&app, "GetPolicyVersion", 1, "access_denied").await;
    let denied = document(&admin, "prod", "s3-backup-writer").await;
    expect_error(denied, StatusCode::FORBIDDEN, "lack iam:GetPolicyVersion").await;
    assert_eq!(
        document(&admin, "prod", "no-such-policy").await.status(),
        StatusCode::NOT_FOUND
    );

    // A refresh reads the policies' descriptions with GetAccountAuthorizationDetails; throttled
    // past its retries, that account's scope fails and says which call.
    inject_fault(&app, "GetAccountAuthorizationDetails", 3, "throttle").await;
    let report: Value = admin
        .call("/api/inventory/refresh", &[("kind", KIND)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["failures"].as_array().unwrap().len(), 1, "{report}");
    assert!(report["failures"][0]
        .as_str()
        .unwrap()
        .contains("throttling iam:GetAccountAuthorizationDetails"));
}

#[tokio::test]
async fn without_javascript_a_policy_is_created_and_its_page_shows_the_document() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let response = admin
        .post_form(
            "/api/managed-policies/create",
            &create_form("dev/global", "nojs-policy", DOCUMENT),
            "/managed-policies/new",
        )
        .await;
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.ends_with("/resources/managed-policy/dev/global/nojs-policy"),
        "{location}"
    );
    let page = admin
        .get("/resources/managed-policy/dev/global/nojs-policy")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("id=\"policy-document\""),
        "the document section"
    );
    assert!(page.contains("arn:aws:s3:::it-bucket/*"));
    let inventory = admin.get("/managed-policies").await.text().await.unwrap();
    assert!(
        inventory.contains("href=\"/managed-policies/new?aws=all\""),
        "the inventory links to the AWS managed policies"
    );
    let filtered = admin
        .get("/managed-policies/new?aws=attached&account=dev&q=readonly")
        .await
        .text()
        .await
        .unwrap();
    assert!(filtered.contains("data-arn=\"arn:aws:iam::aws:policy/ReadOnlyAccess\""));
    assert!(filtered.contains("data-arn=\"arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess\""));
    assert!(
        !filtered.contains("data-arn=\"arn:aws:iam::aws:policy/SecurityAudit\""),
        "filtered by name"
    );
    assert!(
        !filtered.contains("data-arn=\"arn:aws:iam::aws:policy/AdministratorAccess\""),
        "attached only"
    );
    let aws = admin
        .get("/managed-policies/new?aws=all&policy=job-function%2FViewOnlyAccess")
        .await
        .text()
        .await
        .unwrap();
    assert!(aws.contains("arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"));
    assert!(aws.contains("id=\"policy-document\""));
}

/// What IAM refuses with MalformedPolicyDocument in an identity policy is refused beside the
/// document field, and nothing is audited or sent: a principal, a statement without a resource
/// or an action, an effect other than Allow or Deny. A deeply nested document is refused as
/// fast, by its nesting, before it is parsed.
#[tokio::test]
async fn identity_policy_grammar_and_parse_limits_are_checked_before_aws_is_called() {
    let (app, admin) = TestApp::builder().demo().build_with_admin().await;
    emulator_control(
        &app,
        reqwest::Method::DELETE,
        "calls",
        serde_json::json!({}),
    )
    .await;
    let statement = |body: &str| format!(r#"{{"Version":"2012-10-17","Statement":[{body}]}}"#);
    for (document, needle) in [
        (
            statement(
                r#"{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"*"}"#,
            ),
            "has a \"Principal\"",
        ),
        (
            statement(
                r#"{"Effect":"Deny","NotPrincipal":"*","Action":"s3:GetObject","Resource":"*"}"#,
            ),
            "has a \"NotPrincipal\"",
        ),
        (
            statement(r#"{"Effect":"Allow","Action":"s3:GetObject"}"#),
            "needs a \"Resource\"",
        ),
        (
            statement(r#"{"Effect":"Allow","Resource":"*"}"#),
            "needs an \"Action\"",
        ),
        (
            statement(r#"{"Effect":"allow","Action":"s3:GetObject","Resource":"*"}"#),
            "must be \"Allow\" or \"Deny\"",
        ),
        (
            statement(r#"{"Effect":"Audit","Action":"s3:GetObject","Resource":"*"}"#),
            "must be \"Allow\" or \"Deny\"",
        ),
    ] {
        let response = admin
            .call(
                "/api/managed-policies/create",
                &create_form("prod/global", "grammar", &document),
            )
            .await;
        let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
        assert_eq!(field_names(&error), ["document"], "{document}: {error}");
        let message = error["fields"][0]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{needle}: {error}");
        assert!(
            !message.contains("MalformedPolicyDocument"),
            "said before AWS: {error}"
        );
    }

    // 5,000 levels (30 KB as a form), where a policy needs 6: refused by its nesting (what it
    // costs is the bench's to measure, not a test's).
    let depth = 5_000;
    let nested = format!(
        r#"{{"Version":"2012-10-17","Statement":{}{}}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let response = admin
        .call(
            "/api/managed-policies/create",
            &create_form("prod/global", "nested", &nested),
        )
        .await;
    let error = expect_error(response, StatusCode::BAD_REQUEST, "").await;
    assert_eq!(field_names(&error), ["document"], "{error}");
    assert!(
        error["fields"][0]["message"]
            .as_str()
            .unwrap()
            .contains("deeper than 8 levels"),
        "{error}"
    );

    assert!(audit(&app).await.is_empty(), "nothing audited");
    let calls = emulator_calls(&app).await;
    assert_eq!(
        calls["operations"]["CreatePolicy"].as_u64().unwrap_or(0),
        0,
        "nothing sent: {calls}"
    );
}

/// IAM folds the case of tag keys only on users and roles: on a managed policy `Costcenter` and
/// `costcenter` are two keys, created, set and removed one without the other.
/// Passes once the emulator keeps IAM tag keys' case (it folded them, as the product did).
#[tokio::test]
async fn tag_keys_that_differ_only_by_case_are_two_keys() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let mut form = create_form("prod/global", "case-twins", DOCUMENT);
    form.retain(|(name, _)| *name != "policy[tags]");
    form.push(("policy[tags]", "Costcenter=1234\ncostcenter=5678"));
    let created = admin.call("/api/managed-policies/create", &form).await;
    assert_eq!(
        created.status(),
        StatusCode::OK,
        "{}",
        created.text().await.unwrap()
    );
    let tags = |item: &Value| -> Vec<(String, String)> {
        let mut tags: Vec<(String, String)> = item["tags"]
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
        tags.sort();
        tags
    };
    let pair = |key: &str, value: &str| (key.to_string(), value.to_string());
    let item: Value = detail(&admin, "prod", "case-twins").await.1;
    assert_eq!(
        tags(&item),
        [pair("Costcenter", "1234"), pair("costcenter", "5678")]
    );

    let tagged = admin
        .call(
            "/api/resource/tag",
            &item_fields(
                "prod",
                "case-twins",
                &[("key", "COSTCENTER"), ("value", "9")],
            ),
        )
        .await;
    assert_eq!(tagged.status(), StatusCode::OK);
    let untagged = admin
        .call(
            "/api/resource/untag",
            &item_fields("prod", "case-twins", &[("key", "costcenter")]),
        )
        .await;
    assert_eq!(untagged.status(), StatusCode::OK);
    let item: Value = detail(&admin, "prod", "case-twins").await.1;
    assert_eq!(
        tags(&item),
        [pair("COSTCENTER", "9"), pair("Costcenter", "1234")]
    );
}
