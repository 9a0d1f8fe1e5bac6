//! Managed policy versions, role attachments, AWS managed policies and ListRoles.

use aws_sdk_iam::types::{EntityType, PolicyScopeType, PolicyUsageType};

use crate::harness::*;

const DOCUMENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#;
/// DOCUMENT as IAM returns it: every character but letters, digits and `-._~` percent-encoded.
const DOCUMENT_ENCODED: &str = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";

fn version_document(n: usize) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-{n}/*"}}]}}"#
    )
}

async fn create_policy(iam: &aws_sdk_iam::Client, name: &str) -> String {
    iam.create_policy()
        .policy_name(name)
        .policy_document(DOCUMENT)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_string()
}

async fn create_role(iam: &aws_sdk_iam::Client, name: &str, path: &str) {
    iam.create_role()
        .role_name(name)
        .path(path)
        .assume_role_policy_document(TRUST)
        .description(format!("role {name}"))
        .max_session_duration(7200)
        .tags(iam_tag("Owner", "ops@example.com"))
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn policy_versions_count_up_keep_one_default_and_cap_at_five() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let arn = create_policy(&iam, "versioned").await;
    let policy = iam.get_policy().policy_arn(&arn).send().await.unwrap();
    let policy = policy.policy().unwrap();
    assert_eq!(policy.default_version_id(), Some("v1"));
    assert_eq!(policy.attachment_count(), Some(0));
    assert_eq!(policy.update_date(), policy.create_date());

    let v1 = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v1")
        .send()
        .await
        .unwrap();
    let v1 = v1.policy_version().unwrap();
    assert_eq!(v1.document(), Some(DOCUMENT_ENCODED));
    assert_eq!(url_decoded(v1.document().unwrap()), DOCUMENT);
    assert!(v1.is_default_version());
    assert_eq!(v1.create_date(), policy.create_date());

    let v2 = iam
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(version_document(2))
        .send()
        .await
        .unwrap();
    let v2 = v2.policy_version().unwrap();
    assert_eq!(v2.version_id(), Some("v2"));
    assert!(!v2.is_default_version());
    assert_eq!(
        v2.document(),
        None,
        "CreatePolicyVersion does not return the document"
    );
    let v3 = iam
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(version_document(3))
        .set_as_default(true)
        .send()
        .await
        .unwrap();
    assert_eq!(v3.policy_version().unwrap().version_id(), Some("v3"));
    assert!(v3.policy_version().unwrap().is_default_version());
    let after = iam.get_policy().policy_arn(&arn).send().await.unwrap();
    assert_eq!(after.policy().unwrap().default_version_id(), Some("v3"));
    assert_eq!(
        after.policy().unwrap().update_date(),
        v3.policy_version().unwrap().create_date(),
        "UpdateDate is the newest version's creation"
    );
    let got_v3 = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v3")
        .send()
        .await
        .unwrap();
    assert_eq!(
        url_decoded(got_v3.policy_version().unwrap().document().unwrap()),
        version_document(3)
    );
    for n in 4..=5 {
        iam.create_policy_version()
            .policy_arn(&arn)
            .policy_document(version_document(n))
            .send()
            .await
            .unwrap();
    }
    let sixth = iam
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(version_document(6))
        .send()
        .await;
    assert_eq!(code_status(sixth), ("LimitExceeded".to_string(), 409));

    let listed = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = listed
        .versions()
        .iter()
        .map(|v| v.version_id().unwrap())
        .collect();
    assert_eq!(ids, ["v5", "v4", "v3", "v2", "v1"], "newest first");
    let defaults: Vec<&str> = listed
        .versions()
        .iter()
        .filter(|v| v.is_default_version())
        .map(|v| v.version_id().unwrap())
        .collect();
    assert_eq!(defaults, ["v3"]);
    assert!(listed.versions().iter().all(|v| v.document().is_none()));
    assert!(!listed.is_truncated());

    // Paging, two at a time.
    let mut pages = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = iam
            .list_policy_versions()
            .policy_arn(&arn)
            .max_items(2)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        pages.push(
            page.versions()
                .iter()
                .map(|v| v.version_id().unwrap().to_string())
                .collect::<Vec<_>>(),
        );
        if !page.is_truncated() {
            break;
        }
        marker = page.marker().map(str::to_string);
    }
    assert_eq!(
        pages,
        [vec!["v5", "v4"], vec!["v3", "v2"], vec!["v1"]],
        "pages of two"
    );
    assert_eq!(
        code(
            iam.list_policy_versions()
                .policy_arn(&arn)
                .marker("forged")
                .send()
                .await
        ),
        "InvalidInput"
    );

    // The default version cannot be deleted, nor the policy while other versions exist.
    let default = iam
        .delete_policy_version()
        .policy_arn(&arn)
        .version_id("v3")
        .send()
        .await;
    assert_eq!(code_status(default), ("DeleteConflict".to_string(), 409));
    let (conflict, message) = error(iam.delete_policy().policy_arn(&arn).send().await);
    assert_eq!(conflict, "DeleteConflict");
    assert!(message.contains("more than one version"), "{message}");

    iam.set_default_policy_version()
        .policy_arn(&arn)
        .version_id("v5")
        .send()
        .await
        .unwrap();
    for version in ["v1", "v2", "v3", "v4"] {
        iam.delete_policy_version()
            .policy_arn(&arn)
            .version_id(version)
            .send()
            .await
            .unwrap();
    }
    let gone = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id("v4")
        .send()
        .await;
    assert_eq!(code_status(gone), ("NoSuchEntity".to_string(), 404));
    assert_eq!(
        code(
            iam.delete_policy_version()
                .policy_arn(&arn)
                .version_id("v4")
                .send()
                .await
        ),
        "NoSuchEntity"
    );
    assert_eq!(
        code(
            iam.set_default_policy_version()
                .policy_arn(&arn)
                .version_id("v1")
                .send()
                .await
        ),
        "NoSuchEntity"
    );
    // Version ids are never reused.
    let next = iam
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document(version_document(7))
        .send()
        .await
        .unwrap();
    assert_eq!(next.policy_version().unwrap().version_id(), Some("v6"));
    iam.delete_policy_version()
        .policy_arn(&arn)
        .version_id("v6")
        .send()
        .await
        .unwrap();
    iam.delete_policy().policy_arn(&arn).send().await.unwrap();
    assert_eq!(
        code(iam.get_policy().policy_arn(&arn).send().await),
        "NoSuchEntity"
    );
}

#[tokio::test]
async fn policy_version_requests_are_validated() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let arn = create_policy(&iam, "checked").await;
    for bad in ["1", "v0", "v1x", "V1", "v"] {
        let (code, message) = error(
            iam.get_policy_version()
                .policy_arn(&arn)
                .version_id(bad)
                .send()
                .await,
        );
        assert_eq!(code, "ValidationError", "{bad}");
        assert!(message.contains("versionId"), "{message}");
    }
    let missing = iam
        .get_policy_version()
        .policy_arn("arn:aws:iam::123456789012:policy/missing")
        .version_id("v1")
        .send()
        .await;
    assert_eq!(code_status(missing), ("NoSuchEntity".to_string(), 404));
    assert_eq!(
        code(
            iam.list_policy_versions()
                .policy_arn("arn:aws:iam::123456789012:policy/missing")
                .send()
                .await
        ),
        "NoSuchEntity"
    );
    assert_eq!(
        code(
            iam.get_policy_version()
                .policy_arn("arn:short")
                .version_id("v1")
                .send()
                .await
        ),
        "ValidationError"
    );
    let malformed = iam
        .create_policy_version()
        .policy_arn(&arn)
        .policy_document("{\"Version\":\"2012-10-17\"}")
        .send()
        .await;
    assert_eq!(
        code_status(malformed),
        ("MalformedPolicyDocument".to_string(), 400)
    );
    assert_eq!(
        code(
            iam.create_policy_version()
                .policy_arn("arn:aws:iam::123456789012:policy/missing")
                .policy_document(DOCUMENT)
                .send()
                .await
        ),
        "NoSuchEntity"
    );
    assert_eq!(
        code(
            iam.list_policy_versions()
                .policy_arn(&arn)
                .max_items(0)
                .send()
                .await
        ),
        "ValidationError"
    );
    // Nothing was added by the refused requests.
    let versions = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(versions.versions().len(), 1);
}

#[tokio::test]
async fn attachments_are_counted_and_block_deletes() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    create_role(&iam, "app", "/").await;
    let arn = create_policy(&iam, "app-access").await;
    let other = create_policy(&iam, "not-attached").await;

    iam.attach_role_policy()
        .role_name("app")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    // Attaching again changes nothing.
    iam.attach_role_policy()
        .role_name("APP")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    let policy = iam.get_policy().policy_arn(&arn).send().await.unwrap();
    assert_eq!(policy.policy().unwrap().attachment_count(), Some(1));

    let attached = iam
        .list_attached_role_policies()
        .role_name("app")
        .send()
        .await
        .unwrap();
    assert_eq!(attached.attached_policies().len(), 1);
    assert_eq!(
        attached.attached_policies()[0].policy_name(),
        Some("app-access")
    );
    assert_eq!(
        attached.attached_policies()[0].policy_arn(),
        Some(arn.as_str())
    );
    let only_attached = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .only_attached(true)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = only_attached
        .policies()
        .iter()
        .map(|p| p.policy_name().unwrap())
        .collect();
    assert_eq!(names, ["app-access"]);
    assert_eq!(only_attached.policies()[0].attachment_count(), Some(1));
    let entities = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(entities.policy_roles().len(), 1);
    assert_eq!(entities.policy_roles()[0].role_name(), Some("app"));
    assert!(entities.policy_users().is_empty());
    let only_users = iam
        .list_entities_for_policy()
        .policy_arn(&arn)
        .entity_filter(EntityType::User)
        .send()
        .await
        .unwrap();
    assert!(only_users.policy_roles().is_empty());
    assert!(iam
        .list_entities_for_policy()
        .policy_arn(&other)
        .send()
        .await
        .unwrap()
        .policy_roles()
        .is_empty());

    let (conflict, message) = error(iam.delete_policy().policy_arn(&arn).send().await);
    assert_eq!(conflict, "DeleteConflict");
    assert_eq!(message, "Cannot delete a policy attached to entities.");
    let role_delete = iam.delete_role().role_name("app").send().await;
    assert_eq!(
        code_status(role_delete),
        ("DeleteConflict".to_string(), 409)
    );

    // Missing role, missing policy, unknown attachment.
    assert_eq!(
        code_status(
            iam.attach_role_policy()
                .role_name("nope")
                .policy_arn(&arn)
                .send()
                .await
        ),
        ("NoSuchEntity".to_string(), 404)
    );
    assert_eq!(
        code(
            iam.attach_role_policy()
                .role_name("app")
                .policy_arn("arn:aws:iam::123456789012:policy/missing")
                .send()
                .await
        ),
        "NoSuchEntity"
    );
    assert_eq!(
        code(
            iam.detach_role_policy()
                .role_name("app")
                .policy_arn(&other)
                .send()
                .await
        ),
        "NoSuchEntity"
    );
    assert_eq!(
        code(
            iam.attach_role_policy()
                .role_name("bad name")
                .policy_arn(&arn)
                .send()
                .await
        ),
        "ValidationError"
    );

    // At most ten managed policies per role.
    for i in 0..9 {
        let extra = create_policy(&iam, &format!("extra-{i}")).await;
        iam.attach_role_policy()
            .role_name("app")
            .policy_arn(extra)
            .send()
            .await
            .unwrap();
    }
    let eleventh = iam
        .attach_role_policy()
        .role_name("app")
        .policy_arn(&other)
        .send()
        .await;
    assert_eq!(code_status(eleventh), ("LimitExceeded".to_string(), 409));
    let page = iam
        .list_attached_role_policies()
        .role_name("app")
        .max_items(4)
        .send()
        .await
        .unwrap();
    assert_eq!(page.attached_policies().len(), 4);
    assert!(page.is_truncated());
    let rest = iam
        .list_attached_role_policies()
        .role_name("app")
        .marker(page.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.attached_policies().len(), 6);
    assert_eq!(
        rest.attached_policies()[5].policy_name(),
        Some("extra-8"),
        "in the order attached"
    );

    iam.detach_role_policy()
        .role_name("app")
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        iam.get_policy()
            .policy_arn(&arn)
            .send()
            .await
            .unwrap()
            .policy()
            .unwrap()
            .attachment_count(),
        Some(0)
    );
    iam.delete_policy().policy_arn(&arn).send().await.unwrap();

    // The role's details list what is attached.
    let details = iam
        .get_account_authorization_details()
        .filter(EntityType::Role)
        .send()
        .await
        .unwrap();
    let role = &details.role_detail_list()[0];
    assert_eq!(role.attached_managed_policies().len(), 9);
    assert_eq!(
        role.attached_managed_policies()[0].policy_name(),
        Some("extra-0")
    );
}

#[tokio::test]
async fn aws_managed_policies_are_readable_attachable_and_unmodifiable() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    aws.emulator().add_role("210987654321", "Auditor");
    let other = iam_in(&aws, "210987654321", "Auditor").await;
    for client in [&iam, &other] {
        let got = client
            .get_policy()
            .policy_arn(READ_ONLY)
            .send()
            .await
            .unwrap();
        let policy = got.policy().unwrap();
        assert_eq!(policy.policy_name(), Some("ReadOnlyAccess"));
        assert_eq!(policy.default_version_id(), Some("v2"));
        let version = client
            .get_policy_version()
            .policy_arn(READ_ONLY)
            .version_id("v2")
            .send()
            .await
            .unwrap();
        let document = url_decoded(version.policy_version().unwrap().document().unwrap());
        let parsed: serde_json::Value = serde_json::from_str(&document).unwrap();
        assert!(parsed["Statement"].is_array(), "{document}");
        let versions = client
            .list_policy_versions()
            .policy_arn(READ_ONLY)
            .send()
            .await
            .unwrap();
        assert_eq!(versions.versions().len(), 2);
    }
    let security_audit = iam
        .get_policy()
        .policy_arn("arn:aws:iam::aws:policy/SecurityAudit")
        .send()
        .await
        .unwrap();
    assert_eq!(
        security_audit.policy().unwrap().policy_name(),
        Some("SecurityAudit")
    );
    assert_eq!(
        code(
            iam.get_policy()
                .policy_arn("arn:aws:iam::aws:policy/NoSuchPolicy")
                .send()
                .await
        ),
        "NoSuchEntity"
    );

    // Attachments are per account.
    create_role(&iam, "reader", "/").await;
    iam.attach_role_policy()
        .role_name("reader")
        .policy_arn(READ_ONLY)
        .send()
        .await
        .unwrap();
    let count = |p: &aws_sdk_iam::operation::get_policy::GetPolicyOutput| {
        p.policy().unwrap().attachment_count()
    };
    assert_eq!(
        count(&iam.get_policy().policy_arn(READ_ONLY).send().await.unwrap()),
        Some(1)
    );
    assert_eq!(
        count(
            &other
                .get_policy()
                .policy_arn(READ_ONLY)
                .send()
                .await
                .unwrap()
        ),
        Some(0)
    );
    let attached_aws = iam
        .list_policies()
        .scope(PolicyScopeType::Aws)
        .only_attached(true)
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = attached_aws
        .policies()
        .iter()
        .map(|p| p.policy_name().unwrap())
        .collect();
    assert_eq!(names, ["ReadOnlyAccess"]);
    let as_policy = iam
        .list_policies()
        .scope(PolicyScopeType::Aws)
        .only_attached(true)
        .policy_usage_filter(PolicyUsageType::PermissionsPolicy)
        .send()
        .await
        .unwrap();
    assert_eq!(as_policy.policies().len(), 1);
    let as_boundary = iam
        .list_policies()
        .policy_usage_filter(PolicyUsageType::PermissionsBoundary)
        .send()
        .await
        .unwrap();
    assert!(as_boundary.policies().is_empty());
    let job_function = iam
        .list_policies()
        .scope(PolicyScopeType::Aws)
        .path_prefix("/job-function/")
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = job_function
        .policies()
        .iter()
        .map(|p| p.policy_name().unwrap())
        .collect();
    assert_eq!(names, ["ViewOnlyAccess"]);

    for refused in [
        code_status(iam.delete_policy().policy_arn(READ_ONLY).send().await),
        code_status(
            iam.create_policy_version()
                .policy_arn(READ_ONLY)
                .policy_document(DOCUMENT)
                .send()
                .await,
        ),
        code_status(
            iam.delete_policy_version()
                .policy_arn(READ_ONLY)
                .version_id("v1")
                .send()
                .await,
        ),
    ] {
        assert_eq!(refused, ("InvalidInput".to_string(), 400));
    }
}

#[tokio::test]
async fn list_roles_filters_by_path_pages_and_leaves_out_tags() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    for name in ["alpha", "bravo", "charlie"] {
        create_role(&iam, name, "/app/").await;
    }
    for name in ["delta", "echo"] {
        create_role(&iam, name, "/").await;
    }
    let all = iam.list_roles().send().await.unwrap();
    let names: Vec<&str> = all.roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(names, ["alpha", "bravo", "charlie", "delta", "echo"]);
    assert!(!all.is_truncated());
    let alpha = &all.roles()[0];
    assert_eq!(alpha.path(), "/app/");
    assert_eq!(alpha.arn(), "arn:aws:iam::123456789012:role/app/alpha");
    assert!(alpha.role_id().starts_with("AROA"));
    assert_eq!(alpha.description(), Some("role alpha"));
    assert_eq!(alpha.max_session_duration(), Some(7200));
    assert_eq!(
        url_decoded(alpha.assume_role_policy_document().unwrap()),
        TRUST
    );
    assert!(
        alpha
            .assume_role_policy_document()
            .unwrap()
            .starts_with("%7B%22Version%22"),
        "URL-encoded"
    );
    assert!(alpha.tags().is_empty(), "ListRoles leaves tags out");
    let got = iam.get_role().role_name("alpha").send().await.unwrap();
    assert_eq!(got.role().unwrap().tags().len(), 1, "GetRole has them");
    assert_eq!(got.role().unwrap().create_date(), alpha.create_date());

    let app = iam.list_roles().path_prefix("/app/").send().await.unwrap();
    assert_eq!(app.roles().len(), 3);
    assert!(iam
        .list_roles()
        .path_prefix("/none/")
        .send()
        .await
        .unwrap()
        .roles()
        .is_empty());

    let first = iam.list_roles().max_items(2).send().await.unwrap();
    assert_eq!(first.roles().len(), 2);
    assert!(first.is_truncated());
    let second = iam
        .list_roles()
        .max_items(2)
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    let names: Vec<&str> = second.roles().iter().map(|r| r.role_name()).collect();
    assert_eq!(names, ["charlie", "delta"]);
    let walked: Vec<_> = iam
        .list_roles()
        .max_items(2)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(walked.len(), 5);

    assert_eq!(
        code(iam.list_roles().marker("forged").send().await),
        "InvalidInput"
    );
    assert_eq!(
        code(iam.list_roles().max_items(0).send().await),
        "ValidationError"
    );
    assert_eq!(
        code(iam.list_roles().path_prefix("app").send().await),
        "ValidationError"
    );
}
