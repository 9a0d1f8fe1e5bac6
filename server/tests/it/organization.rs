//! Accounts from AWS Organizations: the demo's organization read at start through the real SDK
//! and the emulator (its management account and members managed through the template's role,
//! the account whose role is missing named with AWS's refusal, the suspended one not read),
//! read again at every sync (a new account appears, a suspended one stops being read), narrowed
//! by OU and account id, and a failed read keeping the accounts managed before.

use crate::harness::*;
use serde_json::{json, Value};
use trustdesk_emulator::seed::organization as org;

async fn organization(browser: &Browser) -> Value {
    let overview: Value = browser.get_json("/api/sync").await.json().await.unwrap();
    overview["organization"].clone()
}

fn account<'a>(read: &'a Value, id: &str) -> &'a Value {
    read["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or_else(|| panic!("no account {id} in {read}"))
}

/// The account names the inventories offer (every managed account).
async fn managed_names(browser: &Browser) -> Vec<String> {
    let page = inventory_of(browser, "server-certificate", "").await;
    let mut names: Vec<String> = page["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

async fn control(app: &TestApp, path: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!(
            "{}/_emulator/organization/{path}",
            app.emulator_endpoint.as_ref().unwrap()
        ))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap_or(Value::Null)
}

#[tokio::test]
async fn the_demo_manages_its_organizations_reachable_active_accounts() {
    let (_app, admin) = TestApp::builder().demo().build_with_admin().await;
    let read = organization(&admin).await;
    assert_eq!(read["error"], "", "{read}");
    assert_eq!(account(&read, org::SANDBOX_ACCOUNT)["state"], "managed");
    assert_eq!(account(&read, org::SANDBOX_ACCOUNT)["name"], "sandbox");
    let audit = account(&read, org::AUDIT_ACCOUNT);
    assert_eq!(audit["state"], "unreachable");
    let note = audit["note"].as_str().unwrap();
    assert!(
        note.contains("TrustdeskReadWrite")
            && note.contains("not authorized to perform: sts:AssumeRole"),
        "AWS's sentence: {note}"
    );
    let legacy = account(&read, org::LEGACY_ACCOUNT);
    assert_eq!(legacy["state"], "inactive");
    assert_eq!(legacy["status"], "SUSPENDED");
    assert_eq!(
        managed_names(&admin).await,
        ["dev", "prod", "sandbox"],
        "the audit and legacy accounts are not read"
    );
}

#[tokio::test]
async fn every_sync_reads_the_organization_again() {
    let (app, admin) = TestApp::builder().demo().jobs().build_with_admin().await;
    sync_now(&admin, &app).await;
    let added = control(
        &app,
        "accounts",
        json!({"name": "Payments (EU)", "parent": org::WORKLOADS_OU, "role": true}),
    )
    .await;
    let payments = added["id"].as_str().unwrap().to_string();
    control(
        &app,
        &format!("accounts/{}/status", org::SANDBOX_ACCOUNT),
        json!({"status": "SUSPENDED"}),
    )
    .await;
    sync_now(&admin, &app).await;

    let read = organization(&admin).await;
    assert_eq!(account(&read, &payments)["name"], "payments-eu");
    assert_eq!(account(&read, &payments)["state"], "managed");
    assert_eq!(account(&read, org::SANDBOX_ACCOUNT)["state"], "inactive");
    assert_eq!(managed_names(&admin).await, ["dev", "payments-eu", "prod"]);
    // The new account was read in that sync, the suspended one was not.
    let newest: Vec<(String, i64)> = sqlx::query_as(
        "SELECT account, COUNT(*) FROM sync_runs
         WHERE run = (SELECT run FROM sync_runs ORDER BY id DESC LIMIT 1) GROUP BY account",
    )
    .fetch_all(&app.db().await)
    .await
    .unwrap();
    let accounts: Vec<&str> = newest.iter().map(|(a, _)| a.as_str()).collect();
    assert!(accounts.contains(&"payments-eu"), "{newest:?}");
    assert!(!accounts.contains(&"sandbox"), "{newest:?}");
}

#[tokio::test]
async fn ous_and_account_ids_narrow_the_accounts_read() {
    let config = format!(
        r#"
[organization]
role = "arn:aws:iam::{{account_id}}:role/TrustdeskReadWrite"
regions = ["us-east-1"]
include_ous = ["{workloads}"]
include_accounts = ["{prod}"]
exclude_accounts = ["{sandbox}"]
"#,
        workloads = org::WORKLOADS_OU,
        prod = trustdesk_emulator::seed::PROD_ACCOUNT,
        sandbox = org::SANDBOX_ACCOUNT,
    );
    let (_app, admin) = TestApp::builder()
        .demo()
        .config_file(&config)
        .build_with_admin()
        .await;
    let read = organization(&admin).await;
    assert_eq!(account(&read, org::SANDBOX_ACCOUNT)["state"], "excluded");
    assert_eq!(account(&read, org::AUDIT_ACCOUNT)["state"], "excluded");
    assert_eq!(
        account(&read, trustdesk_emulator::seed::DEV_ACCOUNT)["ous"],
        json!(["Root", "Workloads"])
    );
    assert_eq!(managed_names(&admin).await, ["dev", "prod"]);
}

#[tokio::test]
async fn a_failed_read_keeps_the_accounts_and_says_why() {
    let (app, admin) = TestApp::builder().demo().jobs().build_with_admin().await;
    sync_now(&admin, &app).await;
    inject_fault(&app, "ListAccounts", 10, "access_denied").await;
    sync_now(&admin, &app).await;
    let read = organization(&admin).await;
    let error = read["error"].as_str().unwrap();
    assert!(error.contains("organizations:ListAccounts"), "{error}");
    assert_eq!(managed_names(&admin).await, ["dev", "prod", "sandbox"]);
    let page = admin.get("/sync").await.text().await.unwrap();
    assert!(
        page.contains("id=\"organization-error\""),
        "the Sync page says so"
    );
}

#[tokio::test]
async fn regions_enabled_in_each_account_are_read_when_asked() {
    let config = format!(
        r#"
[organization]
role = "arn:aws:iam::{{account_id}}:role/TrustdeskReadWrite"
regions = "enabled"
include_accounts = ["{dev}"]
"#,
        dev = trustdesk_emulator::seed::DEV_ACCOUNT,
    );
    let (app, admin) = TestApp::builder()
        .demo()
        .config_file(&config)
        .build_with_admin()
        .await;
    let page = inventory_of(&admin, "trust-provider", "").await;
    let mut enabled: Vec<&str> = trustdesk_emulator::ENABLED_REGIONS.to_vec();
    enabled.sort();
    assert_eq!(page["accounts"], json!(["dev"]));
    assert_eq!(page["regions"], json!(enabled), "{page}");
    let calls = emulator_calls(&app).await;
    assert_eq!(
        calls["operations"]["DescribeRegions"], 1,
        "asked once, when dev was first managed"
    );
}
