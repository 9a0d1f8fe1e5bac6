//! IAM's own rules where they are easy to get wrong: tag keys fold case only on users and roles,
//! identity policies follow IAM's grammar, and too many OIDC thumbprints are a bad input rather
//! than a quota.

use chrono::{TimeZone, Utc};
use trustdesk_emulator::derive::saml;

use crate::harness::*;

const THUMBPRINT: &str = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

fn pairs(tags: &[aws_sdk_iam::types::Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect()
}

fn pair(key: &str, value: &str) -> (String, String) {
    (key.to_string(), value.to_string())
}

#[tokio::test]
async fn tag_keys_are_case_sensitive_on_policies_and_saml_providers() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let policy = iam
        .create_policy()
        .policy_name("case")
        .policy_document(POLICY_DOCUMENT)
        .tags(iam_tag("Costcenter", "1234"))
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    iam.tag_policy()
        .policy_arn(&policy)
        .tags(iam_tag("costcenter", "5678"))
        .send()
        .await
        .unwrap();
    let listed = iam
        .list_policy_tags()
        .policy_arn(&policy)
        .send()
        .await
        .unwrap();
    assert_eq!(
        pairs(listed.tags()),
        [pair("Costcenter", "1234"), pair("costcenter", "5678")],
        "two keys, neither replaced"
    );
    iam.untag_policy()
        .policy_arn(&policy)
        .tag_keys("COSTCENTER")
        .send()
        .await
        .unwrap();
    iam.untag_policy()
        .policy_arn(&policy)
        .tag_keys("costcenter")
        .send()
        .await
        .unwrap();
    let listed = iam
        .list_policy_tags()
        .policy_arn(&policy)
        .send()
        .await
        .unwrap();
    assert_eq!(pairs(listed.tags()), [pair("Costcenter", "1234")]);

    // Case-twins in one request are two keys too.
    let valid_until = Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap();
    let saml = iam
        .create_saml_provider()
        .name("CaseIdp")
        .saml_metadata_document(saml::sample_metadata(
            "https://idp.example.com",
            valid_until,
        ))
        .tags(iam_tag("Team", "a"))
        .tags(iam_tag("team", "b"))
        .send()
        .await
        .unwrap()
        .saml_provider_arn()
        .unwrap()
        .to_string();
    let listed = iam
        .list_saml_provider_tags()
        .saml_provider_arn(&saml)
        .send()
        .await
        .unwrap();
    assert_eq!(pairs(listed.tags()), [pair("Team", "a"), pair("team", "b")]);
    // The same key twice is still a duplicate.
    let twice = iam
        .tag_saml_provider()
        .saml_provider_arn(&saml)
        .tags(iam_tag("Owner", "a"))
        .tags(iam_tag("Owner", "b"))
        .send()
        .await;
    assert_eq!(code_status(twice), ("InvalidInput".to_string(), 400));
}

#[tokio::test]
async fn tag_keys_fold_case_on_roles() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let twins = iam
        .create_role()
        .role_name("twins")
        .assume_role_policy_document(TRUST)
        .tags(iam_tag("Costcenter", "1234"))
        .tags(iam_tag("costcenter", "5678"))
        .send()
        .await;
    assert_eq!(code_status(twins), ("InvalidInput".to_string(), 400));

    iam.create_role()
        .role_name("app")
        .assume_role_policy_document(TRUST)
        .tags(iam_tag("Costcenter", "1234"))
        .send()
        .await
        .unwrap();
    iam.tag_role()
        .role_name("app")
        .tags(iam_tag("costcenter", "5678"))
        .send()
        .await
        .unwrap();
    let listed = iam.list_role_tags().role_name("app").send().await.unwrap();
    assert_eq!(
        pairs(listed.tags()),
        [pair("costcenter", "5678")],
        "replaced, not added"
    );
    iam.untag_role()
        .role_name("app")
        .tag_keys("COSTCENTER")
        .send()
        .await
        .unwrap();
    let listed = iam.list_role_tags().role_name("app").send().await.unwrap();
    assert!(listed.tags().is_empty());
}

#[tokio::test]
async fn the_fifty_tag_limit_counts_keys_as_the_kind_compares_them() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let fifty: Vec<_> = (0..50)
        .map(|i| iam_tag(&format!("key-{i:02}"), "v"))
        .collect();

    // A policy at 50: a case-twin is a 51st key.
    let policy = iam
        .create_policy()
        .policy_name("full")
        .policy_document(POLICY_DOCUMENT)
        .set_tags(Some(fifty.clone()))
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    let twin = iam
        .tag_policy()
        .policy_arn(&policy)
        .tags(iam_tag("KEY-00", "v"))
        .send()
        .await;
    assert_eq!(code_status(twin), ("LimitExceeded".to_string(), 409));
    iam.tag_policy()
        .policy_arn(&policy)
        .tags(iam_tag("key-00", "overwritten"))
        .send()
        .await
        .unwrap();
    let listed = iam
        .list_policy_tags()
        .policy_arn(&policy)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.tags().len(), 50);

    // A role at 50: the case-twin replaces its key.
    iam.create_role()
        .role_name("full")
        .assume_role_policy_document(TRUST)
        .set_tags(Some(fifty))
        .send()
        .await
        .unwrap();
    iam.tag_role()
        .role_name("full")
        .tags(iam_tag("KEY-00", "replaced"))
        .send()
        .await
        .unwrap();
    let listed = iam.list_role_tags().role_name("full").send().await.unwrap();
    assert_eq!(listed.tags().len(), 50);
    assert!(pairs(listed.tags()).contains(&pair("KEY-00", "replaced")));
    let over = iam
        .tag_role()
        .role_name("full")
        .tags(iam_tag("one-more", "v"))
        .send()
        .await;
    assert_eq!(code_status(over), ("LimitExceeded".to_string(), 409));
}

/// Statements IAM refuses in an identity policy, with IAM's message for each.
const REFUSED_STATEMENTS: [(&str, &str); 6] = [
    (
        r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"*"}"#,
        "Policy document should not specify a principal.",
    ),
    (
        r#"{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:*","Resource":"*"}"#,
        "Policy document should not specify a principal.",
    ),
    (
        r#"{"Effect":"Allow","Action":"s3:ListBucket"}"#,
        "Policy statement must contain resources.",
    ),
    (
        r#"{"Effect":"Allow","Resource":"*"}"#,
        "Policy statement must contain actions.",
    ),
    (
        r#"{"Effect":"allowX","Action":"s3:ListBucket","Resource":"*"}"#,
        "Syntax errors in policy.",
    ),
    (
        r#"{"Action":"s3:ListBucket","Resource":"*"}"#,
        "Syntax errors in policy.",
    ),
];

fn document(statement: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
}

#[tokio::test]
async fn identity_policies_follow_iam_grammar() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let arn = iam
        .create_policy()
        .policy_name("grammar")
        .policy_document(document(
            r#"{"Effect":"Deny","NotAction":"iam:*","NotResource":"arn:aws:s3:::logs/*"}"#,
        ))
        .send()
        .await
        .expect("NotAction and NotResource stand for Action and Resource")
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();
    for (statement, message) in REFUSED_STATEMENTS {
        let created = iam
            .create_policy()
            .policy_name("refused")
            .policy_document(document(statement))
            .send()
            .await;
        let status = created
            .as_ref()
            .err()
            .and_then(|e| e.raw_response())
            .map(|r| r.status().as_u16());
        assert_eq!(
            error(created),
            ("MalformedPolicyDocument".to_string(), message.to_string()),
            "CreatePolicy {statement}"
        );
        assert_eq!(status, Some(400));
        let version = iam
            .create_policy_version()
            .policy_arn(&arn)
            .policy_document(document(statement))
            .send()
            .await;
        assert_eq!(
            error(version),
            ("MalformedPolicyDocument".to_string(), message.to_string()),
            "CreatePolicyVersion {statement}"
        );
    }
    let listed = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.versions().len(), 1, "no refused version was stored");
    // A trust policy names its principal and no resource.
    iam.create_role()
        .role_name("trusting")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn more_than_five_thumbprints_is_invalid_input_on_create_and_update() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let six = vec![THUMBPRINT.to_string(); 6];
    let created = iam
        .create_open_id_connect_provider()
        .url("https://six.example.com")
        .set_thumbprint_list(Some(six.clone()))
        .send()
        .await;
    let status = created
        .as_ref()
        .err()
        .and_then(|e| e.raw_response())
        .map(|r| r.status().as_u16());
    assert_eq!(
        error(created),
        (
            "InvalidInput".to_string(),
            "Thumbprint list must contain fewer than 5 entries.".to_string()
        )
    );
    assert_eq!(status, Some(400));

    let arn = iam
        .create_open_id_connect_provider()
        .url("https://five.example.com")
        .set_thumbprint_list(Some(vec![THUMBPRINT.to_string(); 5]))
        .send()
        .await
        .expect("five is the most")
        .open_id_connect_provider_arn()
        .unwrap()
        .to_string();
    let updated = iam
        .update_open_id_connect_provider_thumbprint()
        .open_id_connect_provider_arn(&arn)
        .set_thumbprint_list(Some(six))
        .send()
        .await;
    assert_eq!(code_status(updated), ("InvalidInput".to_string(), 400));
    let got = iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.thumbprint_list().len(), 5, "unchanged");
}
