//! The account at organisation scale (`--scale`) read as trustdesk's sync reads it: whole pages
//! of 1,000 with their tags, and GetAccountAuthorizationDetails for every version's document.

use aws_sdk_iam::types::{EntityType, PolicyScopeType};
use trustdesk_emulator::seed::{scale, CONSOLE_ROLE};
use trustdesk_emulator::Emulator;

use crate::harness::*;

async fn scale_account(aws: &Aws) -> aws_sdk_iam::Client {
    iam_in(aws, scale::SCALE_ACCOUNT, CONSOLE_ROLE).await
}

#[tokio::test]
async fn list_policies_pages_of_a_thousand_carry_every_policy_with_its_tags() {
    let aws = Aws::start_with(Emulator::new().at_scale()).await;
    let iam = scale_account(&aws).await;
    let first = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .max_items(1000)
        .send()
        .await
        .unwrap();
    assert_eq!(first.policies().len(), scale::SCALE_POLICIES);
    assert!(!first.is_truncated(), "1,000 fit one page of 1,000");
    assert!(first.marker().is_none());
    assert!(first.policies().iter().all(|p| p.tags().len() == 4));
    assert!(
        first.policies().iter().all(|p| p.description().is_none()),
        "ListPolicies leaves descriptions out"
    );

    // Pages of 300: four calls, every policy once, in order.
    let mut names = Vec::new();
    let mut marker = None;
    let mut calls = 0;
    loop {
        let page = iam
            .list_policies()
            .scope(PolicyScopeType::Local)
            .max_items(300)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        calls += 1;
        names.extend(
            page.policies()
                .iter()
                .map(|p| p.policy_name().unwrap().to_string()),
        );
        if !page.is_truncated() {
            break;
        }
        marker = page.marker().map(str::to_string);
    }
    assert_eq!(calls, 4);
    let mut expected: Vec<String> = (0..scale::SCALE_POLICIES).map(scale::policy_name).collect();
    expected.sort();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(sorted, expected, "every policy once");
}

#[tokio::test]
async fn list_instance_profiles_and_mfa_devices_carry_their_tags_page_by_page() {
    let aws = Aws::start_with(Emulator::new().at_scale()).await;
    let iam = scale_account(&aws).await;
    let all = iam
        .list_instance_profiles()
        .max_items(1000)
        .send()
        .await
        .unwrap();
    assert_eq!(
        all.instance_profiles().len(),
        scale::SCALE_INSTANCE_PROFILES
    );
    assert!(!all.is_truncated());
    assert!(all.instance_profiles().iter().all(|p| p.tags().len() == 4));
    let holding = all
        .instance_profiles()
        .iter()
        .filter(|p| p.roles().first().map(|r| r.role_name()) == Some(scale::WORKLOAD_ROLE));
    assert_eq!(holding.count(), scale::SCALE_INSTANCE_PROFILES / 3);

    let first = iam
        .list_instance_profiles()
        .max_items(250)
        .send()
        .await
        .unwrap();
    assert_eq!(first.instance_profiles().len(), 250);
    assert!(first.is_truncated());
    let rest = iam
        .list_instance_profiles()
        .max_items(250)
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.instance_profiles().len(), 50);
    assert!(!rest.is_truncated());

    for n in 0..3 {
        iam.create_virtual_mfa_device()
            .virtual_mfa_device_name(format!("scale-phone-{n}"))
            .tags(iam_tag("Owner", &format!("user{n}@example.com")))
            .send()
            .await
            .unwrap();
    }
    let first = iam
        .list_virtual_mfa_devices()
        .max_items(2)
        .send()
        .await
        .unwrap();
    assert_eq!(first.virtual_mfa_devices().len(), 2);
    assert!(first.is_truncated());
    let rest = iam
        .list_virtual_mfa_devices()
        .max_items(2)
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    let devices: Vec<_> = first
        .virtual_mfa_devices()
        .iter()
        .chain(rest.virtual_mfa_devices())
        .collect();
    assert_eq!(devices.len(), 3);
    assert!(devices
        .iter()
        .all(|d| d.tags()[0].value().ends_with("@example.com")));
    assert!(
        devices.iter().all(|d| d.base32_string_seed().is_none()),
        "the seed is shown only at creation"
    );
    assert_eq!(
        code(iam.list_virtual_mfa_devices().max_items(1001).send().await),
        "ValidationError"
    );
}

#[tokio::test]
async fn account_authorization_details_page_every_local_policy_with_its_documents() {
    let aws = Aws::start_with(Emulator::new().at_scale()).await;
    let iam = scale_account(&aws).await;
    let details = iam
        .get_account_authorization_details()
        .filter(EntityType::LocalManagedPolicy)
        .max_items(1000)
        .send()
        .await
        .unwrap();
    assert_eq!(details.policies().len(), scale::SCALE_POLICIES);
    assert!(!details.is_truncated());
    assert!(details.role_detail_list().is_empty(), "filtered out");
    let versioned = details
        .policies()
        .iter()
        .find(|p| p.policy_name() == Some(scale::policy_name(0).as_str()))
        .unwrap();
    assert_eq!(versioned.default_version_id(), Some("v2"));
    assert!(versioned
        .description()
        .unwrap()
        .starts_with("Access to scale-bucket-0000"));
    let versions = versioned.policy_version_list();
    assert_eq!(versions.len(), 2, "every version, each with its document");
    let default = versions.iter().find(|v| v.is_default_version()).unwrap();
    assert!(url_decoded(default.document().unwrap()).contains("s3:PutObject"));

    // Smaller pages: each marker continues where the one before stopped.
    let mut seen = 0;
    let mut marker = None;
    let mut calls = 0;
    loop {
        let page = iam
            .get_account_authorization_details()
            .filter(EntityType::LocalManagedPolicy)
            .max_items(400)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        calls += 1;
        seen += page.policies().len();
        if !page.is_truncated() {
            break;
        }
        marker = page.marker().map(str::to_string);
    }
    assert_eq!((calls, seen), (3, scale::SCALE_POLICIES));

    // Both filters: roles first (the console's role and the workload role), then policies.
    let both = iam
        .get_account_authorization_details()
        .filter(EntityType::Role)
        .filter(EntityType::LocalManagedPolicy)
        .max_items(1000)
        .send()
        .await
        .unwrap();
    assert_eq!(both.role_detail_list().len(), 2);
    assert!(both.is_truncated(), "1,002 items do not fit 1,000");
    let workload = both
        .role_detail_list()
        .iter()
        .find(|r| r.role_name() == Some(scale::WORKLOAD_ROLE))
        .unwrap();
    assert_eq!(
        workload.instance_profile_list().len(),
        scale::SCALE_INSTANCE_PROFILES / 3
    );
    assert!(workload
        .instance_profile_list()
        .iter()
        .all(|p| p.tags().len() == 4));

    for bad in [0, 1001] {
        let refused = iam
            .get_account_authorization_details()
            .max_items(bad)
            .send()
            .await;
        assert_eq!(code(refused), "ValidationError", "MaxItems {bad}");
    }
    let forged = iam
        .get_account_authorization_details()
        .marker("forged")
        .send()
        .await;
    assert_eq!(code(forged), "InvalidInput");
}
