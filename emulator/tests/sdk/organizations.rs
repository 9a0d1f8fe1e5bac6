//! AWS Organizations through the SDK's own client: the demo organization, paging, who may ask,
//! AWS's errors, injected faults and the control endpoints that grow the organization.

use aws_config::retry::RetryConfig;
use aws_sdk_organizations::operation::list_accounts::ListAccountsError;
use aws_sdk_organizations::operation::list_accounts_for_parent::ListAccountsForParentError;
use aws_sdk_organizations::operation::list_organizational_units_for_parent::ListOrganizationalUnitsForParentError;
use aws_sdk_organizations::types::{
    Account, AccountJoinedMethod, AccountState, AccountStatus, InvalidInputExceptionReason,
    OrganizationFeatureSet,
};
use aws_sdk_sts::config::Credentials;
use trustdesk_emulator::seed::{
    AUDIT_ACCOUNT, CONSOLE_ROLE, DEV_ACCOUNT, LEGACY_ACCOUNT, ORGANIZATION_ID, PROD_ACCOUNT,
    ROOT_ID, SANDBOX_ACCOUNT, SECURITY_OU, WORKLOADS_OU,
};
use trustdesk_emulator::Emulator;

use crate::harness::*;

const JSON: &str = "application/json";

async fn demo() -> Aws {
    Aws::start_with(Emulator::with_demo_seed()).await
}

async fn every_account(orgs: &aws_sdk_organizations::Client, page_size: i32) -> Vec<Account> {
    let pages: Vec<_> = orgs
        .list_accounts()
        .into_paginator()
        .page_size(page_size)
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("every page");
    for page in &pages {
        assert!(page.accounts().len() <= page_size as usize, "{page_size}");
    }
    pages
        .iter()
        .flat_map(|page| page.accounts().to_vec())
        .collect()
}

async fn accounts_under(orgs: &aws_sdk_organizations::Client, parent: &str) -> Vec<Account> {
    orgs.list_accounts_for_parent()
        .parent_id(parent)
        .into_paginator()
        .page_size(1)
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("every page under the parent")
        .iter()
        .flat_map(|page| page.accounts().to_vec())
        .collect()
}

fn ids(accounts: &[Account]) -> Vec<&str> {
    accounts.iter().filter_map(Account::id).collect()
}

async fn control(aws: &Aws, path: &str, body: serde_json::Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/_emulator/{path}", aws.running.endpoint()))
        .header("content-type", JSON)
        .body(body.to_string())
        .send()
        .await
        .expect("control request")
}

#[tokio::test]
async fn the_demo_organization_is_described_as_aws_does() {
    let aws = demo().await;
    let orgs = aws.organizations().await;
    let described = orgs.describe_organization().send().await.unwrap();
    let org = described.organization().expect("an organization");
    assert_eq!(org.id(), Some(ORGANIZATION_ID));
    assert_eq!(
        org.arn(),
        Some(
            format!("arn:aws:organizations::{PROD_ACCOUNT}:organization/{ORGANIZATION_ID}")
                .as_str()
        )
    );
    assert_eq!(org.feature_set(), Some(&OrganizationFeatureSet::All));
    assert_eq!(org.master_account_id(), Some(PROD_ACCOUNT));
    assert_eq!(
        org.master_account_arn(),
        Some(
            format!(
                "arn:aws:organizations::{PROD_ACCOUNT}:account/{ORGANIZATION_ID}/{PROD_ACCOUNT}"
            )
            .as_str()
        )
    );
    assert_eq!(org.master_account_email(), Some("aws-prod@example.com"));
    assert!(org.available_policy_types().is_empty());

    let roots = orgs.list_roots().send().await.unwrap();
    let [root] = roots.roots() else {
        panic!("one root: {roots:?}")
    };
    assert_eq!(root.id(), Some(ROOT_ID));
    assert_eq!(root.name(), Some("Root"));
    assert_eq!(
        root.arn(),
        Some(
            format!("arn:aws:organizations::{PROD_ACCOUNT}:root/{ORGANIZATION_ID}/{ROOT_ID}")
                .as_str()
        )
    );
    assert!(root.policy_types().is_empty());
    assert!(roots.next_token().is_none());

    // Organizations is global: any region reaches the same organization.
    let elsewhere = aws_sdk_organizations::Client::new(&aws.config(OTHER_REGION).await);
    let described = elsewhere.describe_organization().send().await.unwrap();
    assert_eq!(
        described.organization().and_then(|o| o.id()),
        Some(ORGANIZATION_ID)
    );
}

#[tokio::test]
async fn every_page_size_from_1_to_20_walks_every_account_once() {
    let aws = demo().await;
    aws.emulator().add_scale_members(40).unwrap();
    let orgs = aws.organizations().await;
    let everything = every_account(&orgs, 20).await;
    assert_eq!(everything.len(), 45, "the demo's five and forty more");
    let mut sorted = ids(&everything);
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), 45, "no account twice");
    for page_size in 1..=19 {
        let walked = every_account(&orgs, page_size).await;
        assert_eq!(ids(&walked), ids(&everything), "page size {page_size}");
    }
    let default_page = orgs.list_accounts().send().await.unwrap();
    assert_eq!(default_page.accounts().len(), 20, "20 without MaxResults");
    assert!(default_page.next_token().is_some());
}

#[tokio::test]
async fn the_tree_walks_from_the_root_through_both_ous() {
    let aws = demo().await;
    let orgs = aws.organizations().await;
    let units = orgs
        .list_organizational_units_for_parent()
        .parent_id(ROOT_ID)
        .send()
        .await
        .unwrap();
    let mut named: Vec<(&str, &str)> = units
        .organizational_units()
        .iter()
        .map(|u| (u.name().unwrap(), u.id().unwrap()))
        .collect();
    named.sort();
    assert_eq!(
        named,
        [("Security", SECURITY_OU), ("Workloads", WORKLOADS_OU)]
    );
    let security = units
        .organizational_units()
        .iter()
        .find(|u| u.id() == Some(SECURITY_OU))
        .unwrap();
    assert_eq!(
        security.arn(),
        Some(
            format!("arn:aws:organizations::{PROD_ACCOUNT}:ou/{ORGANIZATION_ID}/{SECURITY_OU}")
                .as_str()
        )
    );

    assert_eq!(ids(&accounts_under(&orgs, ROOT_ID).await), [PROD_ACCOUNT]);
    assert_eq!(
        ids(&accounts_under(&orgs, WORKLOADS_OU).await),
        [DEV_ACCOUNT, SANDBOX_ACCOUNT]
    );
    let security_accounts = accounts_under(&orgs, SECURITY_OU).await;
    assert_eq!(ids(&security_accounts), [AUDIT_ACCOUNT, LEGACY_ACCOUNT]);
    for unit in [SECURITY_OU, WORKLOADS_OU] {
        let nested = orgs
            .list_organizational_units_for_parent()
            .parent_id(unit)
            .send()
            .await
            .unwrap();
        assert!(nested.organizational_units().is_empty(), "{unit}");
    }

    let legacy = &security_accounts[1];
    assert_eq!(legacy.name(), Some("legacy"));
    assert_eq!(legacy.status(), Some(&AccountStatus::Suspended));
    assert_eq!(legacy.state(), Some(&AccountState::Suspended));
    let audit = &security_accounts[0];
    assert_eq!(audit.status(), Some(&AccountStatus::Active));
    assert_eq!(audit.joined_method(), Some(&AccountJoinedMethod::Created));
    assert_eq!(
        audit.arn(),
        Some(
            format!(
                "arn:aws:organizations::{PROD_ACCOUNT}:account/{ORGANIZATION_ID}/{AUDIT_ACCOUNT}"
            )
            .as_str()
        )
    );
    let joined = audit.joined_timestamp().expect("JoinedTimestamp").secs();
    let days = (chrono::Utc::now().timestamp() - joined) / 86_400;
    assert!((599..=600).contains(&days), "{days}");
    let dev = &accounts_under(&orgs, WORKLOADS_OU).await[0];
    assert_eq!(dev.joined_method(), Some(&AccountJoinedMethod::Invited));
    assert_eq!(dev.email(), Some("aws-dev@example.com"));
}

#[tokio::test]
async fn member_accounts_may_describe_but_not_list_and_outsiders_are_not_in_use() {
    let aws = demo().await;
    let as_dev =
        aws_sdk_organizations::Client::new(&config_in(&aws, DEV_ACCOUNT, CONSOLE_ROLE).await);
    let described = as_dev.describe_organization().send().await.unwrap();
    assert_eq!(
        described.organization().and_then(|o| o.master_account_id()),
        Some(PROD_ACCOUNT)
    );
    let (denied, message) = error(as_dev.list_accounts().send().await);
    assert_eq!(denied, "AccessDeniedException");
    assert_eq!(
        message,
        "You don't have permissions to access this resource."
    );
    assert_eq!(
        code(as_dev.list_roots().send().await),
        "AccessDeniedException"
    );
    assert_eq!(
        code(
            as_dev
                .list_accounts_for_parent()
                .parent_id(ROOT_ID)
                .send()
                .await
        ),
        "AccessDeniedException"
    );

    // The audit account has no role to enter; AWS's sentence, not an Organizations error.
    let refused = aws
        .sts()
        .await
        .assume_role()
        .role_arn(format!("arn:aws:iam::{AUDIT_ACCOUNT}:role/{CONSOLE_ROLE}"))
        .role_session_name("trustdesk")
        .send()
        .await;
    let (denied, message) = error(refused);
    assert_eq!(denied, "AccessDenied");
    assert!(
        message.ends_with(&format!(
            "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::{AUDIT_ACCOUNT}:role/{CONSOLE_ROLE}"
        )),
        "{message}"
    );

    // Without the demo seed there is no organization.
    let empty = Aws::start().await;
    let (not_in_use, message) = error(
        empty
            .organizations()
            .await
            .describe_organization()
            .send()
            .await,
    );
    assert_eq!(not_in_use, "AWSOrganizationsNotInUseException");
    assert_eq!(message, "Your account is not a member of an organization.");
    assert_eq!(
        code(empty.organizations().await.list_accounts().send().await),
        "AWSOrganizationsNotInUseException"
    );
}

#[tokio::test]
async fn bad_input_is_invalid_input_with_aws_reasons() {
    let aws = demo().await;
    let orgs = aws.organizations().await;
    let reason = |error: ListAccountsError| match error {
        ListAccountsError::InvalidInputException(e) => e.reason().cloned(),
        other => panic!("expected InvalidInputException, got {other:?}"),
    };
    for (max_results, wanted) in [
        (0, InvalidInputExceptionReason::MinValueExceeded),
        (-1, InvalidInputExceptionReason::MinValueExceeded),
        (21, InvalidInputExceptionReason::MaxValueExceeded),
    ] {
        let refused = orgs.list_accounts().max_results(max_results).send().await;
        let error = refused.expect_err("out of range").into_service_error();
        assert_eq!(reason(error), Some(wanted), "{max_results}");
    }
    let forged = orgs.list_accounts().next_token("not-a-token").send().await;
    assert_eq!(
        reason(forged.expect_err("forged token").into_service_error()),
        Some(InvalidInputExceptionReason::InvalidPaginationToken)
    );

    for malformed in ["Workloads", "ou-7bq2", "r-AB12", "ou-7bq2-short"] {
        let refused = orgs
            .list_accounts_for_parent()
            .parent_id(malformed)
            .send()
            .await;
        match refused.expect_err("malformed").into_service_error() {
            ListAccountsForParentError::InvalidInputException(e) => {
                assert_eq!(
                    e.reason(),
                    Some(&InvalidInputExceptionReason::InvalidPattern),
                    "{malformed}"
                )
            }
            other => panic!("{malformed}: {other:?}"),
        }
    }
    let unknown = orgs
        .list_organizational_units_for_parent()
        .parent_id("ou-7bq2-zzzzzzzz")
        .send()
        .await;
    let error = unknown.expect_err("unknown parent").into_service_error();
    assert!(
        matches!(
            error,
            ListOrganizationalUnitsForParentError::ParentNotFoundException(_)
        ),
        "{error:?}"
    );
    assert_eq!(
        code(
            orgs.list_accounts_for_parent()
                .parent_id("r-zzzz")
                .send()
                .await
        ),
        "ParentNotFoundException"
    );
}

#[tokio::test]
async fn injected_faults_answer_in_organizations_codes() {
    let aws = demo().await;
    let orgs = aws.organizations().await;
    for (kind, wanted) in [
        (
            trustdesk_emulator::Fault::Throttle,
            "TooManyRequestsException",
        ),
        (trustdesk_emulator::Fault::ServerError, "ServiceException"),
        (
            trustdesk_emulator::Fault::AccessDenied,
            "AccessDeniedException",
        ),
    ] {
        aws.emulator().inject_fault("ListAccounts", kind, 1);
        assert_eq!(code(orgs.list_accounts().send().await), wanted, "{kind:?}");
    }
    let raw = orgs.list_roots().send().await;
    assert!(raw.is_ok(), "other operations are served");

    // The SDK's standard retry treats the throttling error as retryable.
    aws.emulator()
        .inject_fault("ListAccounts", trustdesk_emulator::Fault::Throttle, 1);
    let retrying = aws
        .config_with(
            REGION,
            Credentials::new("AKIDEXAMPLE", "secret", None, None, "test"),
            RetryConfig::standard().with_max_attempts(2),
        )
        .await;
    let listed = aws_sdk_organizations::Client::new(&retrying)
        .list_accounts()
        .send()
        .await
        .expect("the second attempt");
    assert_eq!(listed.accounts().len(), 5);
}

#[tokio::test]
async fn control_endpoints_add_accounts_change_their_state_and_scale() {
    let aws = demo().await;
    let orgs = aws.organizations().await;

    let response = control(
        &aws,
        "organization/accounts",
        serde_json::json!({"name": "analytics", "parent": WORKLOADS_OU, "role": true}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    let analytics = body["id"].as_str().expect("an id").to_string();
    assert_eq!(analytics, "800000000001");
    assert!(ids(&accounts_under(&orgs, WORKLOADS_OU).await).contains(&analytics.as_str()));
    // Its role can be entered, and the account answers calls of its own.
    let in_analytics = iam_in(&aws, &analytics, CONSOLE_ROLE).await;
    let roles = in_analytics.list_roles().send().await.unwrap();
    assert_eq!(roles.roles().len(), 1);

    let response = control(
        &aws,
        "organization/accounts",
        serde_json::json!({"name": "closing", "parent": SECURITY_OU, "id": "777777777777", "status": "SUSPENDED"}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let closing = accounts_under(&orgs, SECURITY_OU).await;
    let closing = closing
        .iter()
        .find(|a| a.id() == Some("777777777777"))
        .unwrap();
    assert_eq!(closing.status(), Some(&AccountStatus::Suspended));
    assert_eq!(closing.joined_method(), Some(&AccountJoinedMethod::Created));
    assert_eq!(closing.email(), Some("aws-closing@example.com"));

    let response = control(
        &aws,
        &format!("organization/accounts/{SANDBOX_ACCOUNT}/status"),
        serde_json::json!({"status": "CLOSED"}),
    )
    .await;
    assert_eq!(response.status(), 204);
    let sandbox = accounts_under(&orgs, WORKLOADS_OU).await;
    let sandbox = sandbox
        .iter()
        .find(|a| a.id() == Some(SANDBOX_ACCOUNT))
        .unwrap();
    assert_eq!(
        (sandbox.status(), sandbox.state()),
        (Some(&AccountStatus::Suspended), Some(&AccountState::Closed))
    );

    let response = control(
        &aws,
        "organization/scale",
        serde_json::json!({"accounts": 200}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let scaled: serde_json::Value = response.json().await.unwrap();
    let unit = scaled["organizational_unit"].as_str().unwrap().to_string();
    assert_eq!(scaled["accounts"].as_array().unwrap().len(), 200);
    let in_unit = accounts_under(&orgs, &unit).await;
    assert_eq!(in_unit.len(), 200);
    assert_eq!(in_unit[0].name(), Some("member-0001"));
    assert_eq!(in_unit[199].name(), Some("member-0200"));
    assert!(in_unit
        .iter()
        .all(|a| a.state() == Some(&AccountState::Active)));
    let units = orgs
        .list_organizational_units_for_parent()
        .parent_id(ROOT_ID)
        .send()
        .await
        .unwrap();
    assert!(units
        .organizational_units()
        .iter()
        .any(|u| u.name() == Some("Scale") && u.id() == Some(unit.as_str())));
    assert_eq!(every_account(&orgs, 20).await.len(), 5 + 2 + 200);
    iam_in(&aws, in_unit[199].id().unwrap(), CONSOLE_ROLE).await;

    for (path, body, needle) in [
        (
            "organization/accounts",
            serde_json::json!({"name": "x", "id": "12345"}),
            "12 digits",
        ),
        (
            "organization/accounts",
            serde_json::json!({"name": "x", "id": DEV_ACCOUNT}),
            "already a member",
        ),
        (
            "organization/accounts",
            serde_json::json!({"name": "x", "parent": "ou-7bq2-zzzzzzzz"}),
            "ou-7bq2-zzzzzzzz",
        ),
        (
            "organization/accounts",
            serde_json::json!({"name": "x", "status": "GONE"}),
            "status",
        ),
        (
            "organization/accounts",
            serde_json::json!({"name": ""}),
            "name",
        ),
        (
            "organization/scale",
            serde_json::json!({"accounts": 0}),
            "accounts",
        ),
        (
            "organization/scale",
            serde_json::json!({"accounts": 1001}),
            "accounts",
        ),
        (
            &format!("organization/accounts/{PROD_ACCOUNT}/status"),
            serde_json::json!({"status": "SUSPENDED"}),
            "management",
        ),
        (
            "organization/accounts/999999999999/status",
            serde_json::json!({"status": "SUSPENDED"}),
            "not a member",
        ),
    ] {
        let response = control(&aws, path, body.clone()).await;
        assert_eq!(response.status(), 400, "{path} {body}");
        let text = response.text().await.unwrap();
        assert!(text.contains(needle), "{path} {body}: {text}");
    }
    let form = reqwest::Client::new()
        .post(format!(
            "{}/_emulator/organization/scale",
            aws.running.endpoint()
        ))
        .header("content-type", "text/plain")
        .body(r#"{"accounts": 5}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 415);
    assert_eq!(every_account(&orgs, 20).await.len(), 207, "nothing changed");
}

#[tokio::test]
async fn an_emulator_without_an_organization_gets_one_from_its_first_member() {
    let aws = Aws::start().await;
    let response = control(
        &aws,
        "organization/accounts",
        serde_json::json!({"name": "first"}),
    )
    .await;
    assert_eq!(response.status(), 200);
    let orgs = aws.organizations().await;
    let org = orgs.describe_organization().send().await.unwrap();
    let org = org.organization().unwrap();
    assert_eq!(org.master_account_id(), Some(PROD_ACCOUNT));
    assert!(org
        .id()
        .is_some_and(|id| id.len() == 12 && id.starts_with("o-")));
    let accounts = every_account(&orgs, 20).await;
    assert_eq!(ids(&accounts), [PROD_ACCOUNT, "800000000001"]);
}
