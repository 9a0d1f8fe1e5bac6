use aws_sdk_iam::primitives::Blob;
use aws_sdk_iam::types::{EntityType, PolicyScopeType};
use chrono::{Duration, TimeZone, Utc};
use trustdesk_emulator::derive::{cert, saml};

use crate::harness::*;

#[tokio::test]
async fn managed_policy_lifecycle_with_tags_and_aws_errors() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let created = iam
        .create_policy()
        .policy_name("s3-backup-writer")
        .path("/backup/")
        .description("Writes backups")
        .policy_document(POLICY_DOCUMENT)
        .tags(iam_tag("Owner", "ops@example.com"))
        .send()
        .await
        .unwrap();
    let policy = created.policy().unwrap();
    let arn = policy.arn().unwrap().to_string();
    assert_eq!(
        arn,
        "arn:aws:iam::123456789012:policy/backup/s3-backup-writer"
    );
    assert!(policy.policy_id().unwrap().starts_with("ANPA"));
    assert_eq!(policy.tags()[0].key(), "Owner");

    let got = iam.get_policy().policy_arn(&arn).send().await.unwrap();
    assert_eq!(got.policy().unwrap().description(), Some("Writes backups"));
    assert!(got.policy().unwrap().create_date().is_some());

    let dup = iam
        .create_policy()
        .policy_name("S3-BACKUP-WRITER")
        .policy_document(POLICY_DOCUMENT)
        .send()
        .await;
    assert_eq!(
        code(dup),
        "EntityAlreadyExists",
        "names are unique ignoring case"
    );
    let bad_name = iam
        .create_policy()
        .policy_name("has space")
        .policy_document(POLICY_DOCUMENT)
        .send()
        .await;
    let (bad_code, message) = error(bad_name);
    assert_eq!(bad_code, "ValidationError");
    assert!(message.contains("policyName"), "{message}");
    let bad_doc = iam
        .create_policy()
        .policy_name("x")
        .policy_document("{not json")
        .send()
        .await;
    assert_eq!(code(bad_doc), "MalformedPolicyDocument");
    let bad_path = iam
        .create_policy()
        .policy_name("x")
        .path("nopath")
        .policy_document(POLICY_DOCUMENT)
        .send()
        .await;
    assert_eq!(code(bad_path), "ValidationError");

    let local = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .send()
        .await
        .unwrap();
    assert_eq!(local.policies().len(), 1);
    assert_eq!(
        local.policies()[0].description(),
        None,
        "ListPolicies leaves descriptions out"
    );
    assert_eq!(
        local.policies()[0].tags()[0].key(),
        "Owner",
        "but carries the tags (IAM's 2021 tagging update)"
    );
    let aws_managed = iam
        .list_policies()
        .scope(PolicyScopeType::Aws)
        .send()
        .await
        .unwrap();
    assert!(!aws_managed.policies().is_empty());
    assert!(aws_managed
        .policies()
        .iter()
        .all(|p| p.arn().unwrap().starts_with("arn:aws:iam::aws:policy/")));
    let under_backup = iam
        .list_policies()
        .path_prefix("/backup/")
        .send()
        .await
        .unwrap();
    assert_eq!(under_backup.policies().len(), 1);

    iam.delete_policy().policy_arn(&arn).send().await.unwrap();
    assert_eq!(
        code(iam.get_policy().policy_arn(&arn).send().await),
        "NoSuchEntity"
    );
    assert_eq!(
        code(iam.delete_policy().policy_arn(&arn).send().await),
        "NoSuchEntity"
    );
}

#[tokio::test]
async fn list_policies_pages_by_marker_with_the_size_asked() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    for i in 0..25 {
        iam.create_policy()
            .policy_name(format!("p{i:02}"))
            .policy_document(POLICY_DOCUMENT)
            .send()
            .await
            .unwrap();
    }
    let mut names = Vec::new();
    let mut marker: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = iam
            .list_policies()
            .scope(PolicyScopeType::Local)
            .max_items(10)
            .set_marker(marker.clone())
            .send()
            .await
            .unwrap();
        assert!(page.policies().len() <= 10);
        names.extend(
            page.policies()
                .iter()
                .map(|p| p.policy_name().unwrap().to_string()),
        );
        pages += 1;
        if !page.is_truncated() {
            assert!(page.marker().is_none());
            break;
        }
        marker = page.marker().map(str::to_string);
    }
    assert_eq!(pages, 3);
    let expected: Vec<String> = (0..25).map(|i| format!("p{i:02}")).collect();
    assert_eq!(names, expected);

    // The SDK's own paginator walks the same pages.
    let all: Vec<_> = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .max_items(7)
        .into_paginator()
        .items()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(all.len(), 25);

    assert_eq!(
        code(iam.list_policies().max_items(0).send().await),
        "ValidationError"
    );
    assert_eq!(
        code(iam.list_policies().max_items(1001).send().await),
        "ValidationError"
    );
    assert_eq!(
        code(iam.list_policies().marker("forged").send().await),
        "InvalidInput"
    );
}

#[tokio::test]
async fn tag_rules_hold_for_iam_resources() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let arn = iam
        .create_policy()
        .policy_name("tagged")
        .policy_document(POLICY_DOCUMENT)
        .send()
        .await
        .unwrap()
        .policy()
        .unwrap()
        .arn()
        .unwrap()
        .to_string();

    let fifty: Vec<_> = (0..50)
        .map(|i| iam_tag(&format!("key-{i:02}"), "v"))
        .collect();
    iam.tag_policy()
        .policy_arn(&arn)
        .set_tags(Some(fifty))
        .send()
        .await
        .unwrap();
    let over = iam
        .tag_policy()
        .policy_arn(&arn)
        .tags(iam_tag("one-more", "v"))
        .send()
        .await;
    assert_eq!(code(over), "LimitExceeded");
    // Overwriting an existing key does not count as a new tag; on a policy the same key in
    // another case is another key (only users and roles fold case), so it does.
    iam.tag_policy()
        .policy_arn(&arn)
        .tags(iam_tag("key-00", "new"))
        .send()
        .await
        .unwrap();
    let twin = iam
        .tag_policy()
        .policy_arn(&arn)
        .tags(iam_tag("KEY-00", "new"))
        .send()
        .await;
    assert_eq!(code(twin), "LimitExceeded");

    let reserved = iam
        .tag_policy()
        .policy_arn(&arn)
        .tags(iam_tag("aws:owner", "x"))
        .send()
        .await;
    assert_eq!(code(reserved), "InvalidInput");
    // The same key twice (case-twins are two keys on a policy: see iam_rules).
    let duplicate = iam
        .tag_policy()
        .policy_arn(&arn)
        .tags(iam_tag("Team", "a"))
        .tags(iam_tag("Team", "b"))
        .send()
        .await;
    assert_eq!(code(duplicate), "InvalidInput");
    let long_key = iam
        .tag_policy()
        .policy_arn(&arn)
        .tags(iam_tag(&"k".repeat(129), "v"))
        .send()
        .await;
    assert_eq!(code(long_key), "ValidationError");
    let long_value = iam
        .tag_policy()
        .policy_arn(&arn)
        .tags(iam_tag("k", &"v".repeat(257)))
        .send()
        .await;
    assert_eq!(code(long_value), "ValidationError");
    let bad_chars = iam
        .tag_policy()
        .policy_arn(&arn)
        .tags(iam_tag("semi;colon", "v"))
        .send()
        .await;
    assert_eq!(code(bad_chars), "ValidationError");
    let empty_key = iam
        .tag_policy()
        .policy_arn(&arn)
        .tags(iam_tag("", "v"))
        .send()
        .await;
    assert_eq!(code(empty_key), "ValidationError");

    // Listing is sorted by key and pages.
    let first = iam
        .list_policy_tags()
        .policy_arn(&arn)
        .max_items(20)
        .send()
        .await
        .unwrap();
    assert_eq!(first.tags().len(), 20);
    assert!(first.is_truncated());
    let keys: Vec<&str> = first.tags().iter().map(|t| t.key()).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(first.tags()[0].key(), "key-00");
    assert_eq!(first.tags()[0].value(), "new");
    let rest = iam
        .list_policy_tags()
        .policy_arn(&arn)
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.tags().len(), 30);
    assert!(!rest.is_truncated());

    iam.untag_policy()
        .policy_arn(&arn)
        .tag_keys("key-01")
        .tag_keys("KEY-02")
        .send()
        .await
        .unwrap();
    let after = iam
        .list_policy_tags()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap();
    // KEY-02 is not key-02 on a policy: only key-01 went.
    assert_eq!(after.tags().len(), 49);
    assert!(after.tags().iter().any(|t| t.key() == "key-02"));
    assert_eq!(
        code(
            iam.untag_policy()
                .policy_arn(&arn)
                .tag_keys("aws:x")
                .send()
                .await
        ),
        "InvalidInput"
    );
    let missing = iam
        .list_policy_tags()
        .policy_arn("arn:aws:iam::123456789012:policy/nope")
        .send()
        .await;
    assert_eq!(code(missing), "NoSuchEntity");
}

#[tokio::test]
async fn every_taggable_kind_tags_untags_and_lists() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let now = Utc::now();
    let (body, key) = cert::self_signed(
        "www.example.com",
        now - Duration::days(1),
        now + Duration::days(90),
    );
    iam.upload_server_certificate()
        .server_certificate_name("www")
        .certificate_body(&body)
        .private_key(&key)
        .send()
        .await
        .unwrap();
    iam.create_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .unwrap();
    let saml_arn = iam
        .create_saml_provider()
        .name("Okta")
        .saml_metadata_document(saml::sample_metadata(
            "https://idp.example.com",
            now + Duration::days(30),
        ))
        .send()
        .await
        .unwrap()
        .saml_provider_arn()
        .unwrap()
        .to_string();
    let oidc_arn = iam
        .create_open_id_connect_provider()
        .url("https://token.actions.githubusercontent.com")
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list("6938fd4d98bab03faadb97b34396831e3780aea1")
        .send()
        .await
        .unwrap()
        .open_id_connect_provider_arn()
        .unwrap()
        .to_string();
    let serial = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("phone")
        .send()
        .await
        .unwrap()
        .virtual_mfa_device()
        .unwrap()
        .serial_number()
        .to_string();

    let t = || iam_tag("Owner", "sec@example.com");
    iam.tag_server_certificate()
        .server_certificate_name("www")
        .tags(t())
        .send()
        .await
        .unwrap();
    iam.tag_instance_profile()
        .instance_profile_name("web")
        .tags(t())
        .send()
        .await
        .unwrap();
    iam.tag_saml_provider()
        .saml_provider_arn(&saml_arn)
        .tags(t())
        .send()
        .await
        .unwrap();
    iam.tag_open_id_connect_provider()
        .open_id_connect_provider_arn(&oidc_arn)
        .tags(t())
        .send()
        .await
        .unwrap();
    iam.tag_mfa_device()
        .serial_number(&serial)
        .tags(t())
        .send()
        .await
        .unwrap();

    let listed = [
        iam.list_server_certificate_tags()
            .server_certificate_name("www")
            .send()
            .await
            .unwrap()
            .tags()
            .to_vec(),
        iam.list_instance_profile_tags()
            .instance_profile_name("web")
            .send()
            .await
            .unwrap()
            .tags()
            .to_vec(),
        iam.list_saml_provider_tags()
            .saml_provider_arn(&saml_arn)
            .send()
            .await
            .unwrap()
            .tags()
            .to_vec(),
        iam.list_open_id_connect_provider_tags()
            .open_id_connect_provider_arn(&oidc_arn)
            .send()
            .await
            .unwrap()
            .tags()
            .to_vec(),
        iam.list_mfa_device_tags()
            .serial_number(&serial)
            .send()
            .await
            .unwrap()
            .tags()
            .to_vec(),
    ];
    for tags in &listed {
        assert_eq!(tags.len(), 1);
        assert_eq!(tags[0].value(), "sec@example.com");
    }

    iam.untag_server_certificate()
        .server_certificate_name("www")
        .tag_keys("Owner")
        .send()
        .await
        .unwrap();
    iam.untag_instance_profile()
        .instance_profile_name("web")
        .tag_keys("Owner")
        .send()
        .await
        .unwrap();
    iam.untag_saml_provider()
        .saml_provider_arn(&saml_arn)
        .tag_keys("Owner")
        .send()
        .await
        .unwrap();
    iam.untag_open_id_connect_provider()
        .open_id_connect_provider_arn(&oidc_arn)
        .tag_keys("Owner")
        .send()
        .await
        .unwrap();
    iam.untag_mfa_device()
        .serial_number(&serial)
        .tag_keys("Owner")
        .send()
        .await
        .unwrap();
    assert!(iam
        .list_server_certificate_tags()
        .server_certificate_name("www")
        .send()
        .await
        .unwrap()
        .tags()
        .is_empty());
    assert!(iam
        .list_instance_profile_tags()
        .instance_profile_name("web")
        .send()
        .await
        .unwrap()
        .tags()
        .is_empty());
    assert!(iam
        .list_saml_provider_tags()
        .saml_provider_arn(&saml_arn)
        .send()
        .await
        .unwrap()
        .tags()
        .is_empty());
    assert!(iam
        .list_open_id_connect_provider_tags()
        .open_id_connect_provider_arn(&oidc_arn)
        .send()
        .await
        .unwrap()
        .tags()
        .is_empty());
    assert!(iam
        .list_mfa_device_tags()
        .serial_number(&serial)
        .send()
        .await
        .unwrap()
        .tags()
        .is_empty());

    assert_eq!(
        code(
            iam.tag_server_certificate()
                .server_certificate_name("nope")
                .tags(t())
                .send()
                .await
        ),
        "NoSuchEntity"
    );
    assert_eq!(
        code(
            iam.tag_instance_profile()
                .instance_profile_name("nope")
                .tags(t())
                .send()
                .await
        ),
        "NoSuchEntity"
    );
    assert_eq!(
        code(
            iam.tag_mfa_device()
                .serial_number("arn:aws:iam::123456789012:mfa/nope")
                .tags(t())
                .send()
                .await
        ),
        "NoSuchEntity"
    );
    assert_eq!(
        code(
            iam.tag_saml_provider()
                .saml_provider_arn("arn:aws:iam::123456789012:saml-provider/nope")
                .tags(t())
                .send()
                .await
        ),
        "NoSuchEntity"
    );
}

#[tokio::test]
async fn server_certificate_dates_come_from_the_pem_and_the_key_must_match() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let not_before = Utc.with_ymd_and_hms(2026, 2, 1, 0, 0, 0).unwrap();
    let not_after = Utc.with_ymd_and_hms(2027, 3, 15, 0, 0, 0).unwrap();
    let (body, key) = cert::self_signed("api.example.com", not_before, not_after);
    let (_, other_key) = cert::self_signed("other.example.com", not_before, not_after);

    let uploaded = iam
        .upload_server_certificate()
        .server_certificate_name("api-2027")
        .path("/prod/")
        .certificate_body(&body)
        .private_key(&key)
        .tags(iam_tag("Owner", "web@example.com"))
        .send()
        .await
        .unwrap();
    let metadata = uploaded.server_certificate_metadata().unwrap();
    assert_eq!(metadata.expiration().unwrap().secs(), not_after.timestamp());
    assert!(metadata.server_certificate_id().starts_with("ASCA"));
    assert_eq!(
        metadata.arn(),
        "arn:aws:iam::123456789012:server-certificate/prod/api-2027"
    );
    assert!((metadata.upload_date().unwrap().secs() - Utc::now().timestamp()).abs() < 60);

    let got = iam
        .get_server_certificate()
        .server_certificate_name("api-2027")
        .send()
        .await
        .unwrap();
    let certificate = got.server_certificate().unwrap();
    assert_eq!(certificate.certificate_body().trim(), body.trim());
    assert_eq!(certificate.tags().len(), 1);

    let mismatched = iam
        .upload_server_certificate()
        .server_certificate_name("x")
        .certificate_body(&body)
        .private_key(&other_key)
        .send()
        .await;
    assert_eq!(code(mismatched), "KeyPairMismatch");
    let garbage = iam
        .upload_server_certificate()
        .server_certificate_name("x")
        .certificate_body("-----BEGIN CERTIFICATE-----\nZm9v\n-----END CERTIFICATE-----")
        .private_key(&key)
        .send()
        .await;
    assert_eq!(code(garbage), "MalformedCertificate");
    let not_pem = iam
        .upload_server_certificate()
        .server_certificate_name("x")
        .certificate_body("hello")
        .private_key(&key)
        .send()
        .await;
    assert_eq!(code(not_pem), "MalformedCertificate");
    let bad_key = iam
        .upload_server_certificate()
        .server_certificate_name("x")
        .certificate_body(&body)
        .private_key("not a key")
        .send()
        .await;
    assert_eq!(code(bad_key), "MalformedCertificate");
    let duplicate = iam
        .upload_server_certificate()
        .server_certificate_name("API-2027")
        .certificate_body(&body)
        .private_key(&key)
        .send()
        .await;
    assert_eq!(code(duplicate), "EntityAlreadyExists");

    for i in 0..3 {
        iam.upload_server_certificate()
            .server_certificate_name(format!("c{i}"))
            .certificate_body(&body)
            .private_key(&key)
            .send()
            .await
            .unwrap();
    }
    let page = iam
        .list_server_certificates()
        .max_items(2)
        .send()
        .await
        .unwrap();
    assert_eq!(page.server_certificate_metadata_list().len(), 2);
    assert!(page.is_truncated());
    let prod = iam
        .list_server_certificates()
        .path_prefix("/prod/")
        .send()
        .await
        .unwrap();
    assert_eq!(prod.server_certificate_metadata_list().len(), 1);
    assert_eq!(
        prod.server_certificate_metadata_list()[0]
            .expiration()
            .unwrap()
            .secs(),
        not_after.timestamp()
    );

    iam.delete_server_certificate()
        .server_certificate_name("api-2027")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            iam.get_server_certificate()
                .server_certificate_name("api-2027")
                .send()
                .await
        ),
        "NoSuchEntity"
    );
}

#[tokio::test]
async fn saml_provider_valid_until_comes_from_the_metadata() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let valid_until = Utc.with_ymd_and_hms(2027, 1, 31, 23, 0, 0).unwrap();
    let created = iam
        .create_saml_provider()
        .name("AzureAD")
        .saml_metadata_document(saml::sample_metadata(
            "https://sts.windows.net/abc",
            valid_until,
        ))
        .tags(iam_tag("Owner", "id@example.com"))
        .send()
        .await
        .unwrap();
    let arn = created.saml_provider_arn().unwrap().to_string();
    assert_eq!(arn, "arn:aws:iam::123456789012:saml-provider/AzureAD");
    assert_eq!(created.tags().len(), 1);

    let got = iam
        .get_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.valid_until().unwrap().secs(), valid_until.timestamp());
    assert!(got
        .saml_metadata_document()
        .unwrap()
        .contains("EntityDescriptor"));
    let listed = iam.list_saml_providers().send().await.unwrap();
    assert_eq!(listed.saml_provider_list().len(), 1);
    assert_eq!(
        listed.saml_provider_list()[0].valid_until().unwrap().secs(),
        valid_until.timestamp()
    );

    let html = format!("<html><body>{}</body></html>", "x".repeat(1200));
    assert_eq!(
        code(
            iam.create_saml_provider()
                .name("Bad")
                .saml_metadata_document(html)
                .send()
                .await
        ),
        "InvalidInput"
    );
    let short = iam
        .create_saml_provider()
        .name("Short")
        .saml_metadata_document("<md/>")
        .send()
        .await;
    assert_eq!(code(short), "ValidationError");
    let again = iam
        .create_saml_provider()
        .name("AzureAD")
        .saml_metadata_document(saml::sample_metadata("https://x", valid_until))
        .send()
        .await;
    assert_eq!(code(again), "EntityAlreadyExists");

    iam.delete_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(iam.get_saml_provider().saml_provider_arn(&arn).send().await),
        "NoSuchEntity"
    );
}

#[tokio::test]
async fn oidc_provider_rules() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let thumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";
    let created = iam
        .create_open_id_connect_provider()
        .url("https://oidc.eks.us-east-1.amazonaws.com/id/ABC")
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list(thumbprint)
        .send()
        .await
        .unwrap();
    let arn = created.open_id_connect_provider_arn().unwrap().to_string();
    assert_eq!(
        arn,
        "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC"
    );
    let got = iam
        .get_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.url(), Some("oidc.eks.us-east-1.amazonaws.com/id/ABC"));
    assert_eq!(got.client_id_list(), ["sts.amazonaws.com"]);
    assert_eq!(got.thumbprint_list(), [thumbprint]);
    assert_eq!(
        iam.list_open_id_connect_providers()
            .send()
            .await
            .unwrap()
            .open_id_connect_provider_list()
            .len(),
        1
    );

    let http = iam
        .create_open_id_connect_provider()
        .url("http://insecure.example.com")
        .thumbprint_list(thumbprint)
        .send()
        .await;
    assert_eq!(code(http), "InvalidInput");
    let again = iam
        .create_open_id_connect_provider()
        .url("https://oidc.eks.us-east-1.amazonaws.com/id/ABC")
        .thumbprint_list(thumbprint)
        .send()
        .await;
    assert_eq!(code(again), "EntityAlreadyExists");
    let short = iam
        .create_open_id_connect_provider()
        .url("https://a.example.com")
        .thumbprint_list("abc")
        .send()
        .await;
    assert_eq!(code(short), "ValidationError");
    let mut six = iam
        .create_open_id_connect_provider()
        .url("https://b.example.com");
    for _ in 0..6 {
        six = six.thumbprint_list(thumbprint);
    }
    assert_eq!(code(six.send().await), "InvalidInput");

    iam.delete_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            iam.get_open_id_connect_provider()
                .open_id_connect_provider_arn(&arn)
                .send()
                .await
        ),
        "NoSuchEntity"
    );
}

#[tokio::test]
async fn virtual_mfa_device_has_a_real_seed_and_qr_code() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let created = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("alice-phone")
        .tags(iam_tag("Owner", "alice@example.com"))
        .send()
        .await
        .unwrap();
    let device = created.virtual_mfa_device().unwrap();
    assert_eq!(
        device.serial_number(),
        "arn:aws:iam::123456789012:mfa/alice-phone"
    );
    let seed = String::from_utf8(device.base32_string_seed().unwrap().as_ref().to_vec()).unwrap();
    assert_eq!(seed.len(), 64);
    assert!(seed
        .chars()
        .all(|c| c.is_ascii_uppercase() || ('2'..='7').contains(&c)));
    let png_bytes: &Blob = device.qr_code_png().unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes.as_ref()));
    let reader = decoder.read_info().expect("the QR code is a PNG");
    assert!(reader.info().width >= 100);

    let listed = iam.list_virtual_mfa_devices().send().await.unwrap();
    assert_eq!(listed.virtual_mfa_devices().len(), 1);
    assert!(
        listed.virtual_mfa_devices()[0]
            .base32_string_seed()
            .is_none(),
        "the seed is shown only at creation"
    );
    assert_eq!(
        device.tags().len(),
        1,
        "CreateVirtualMFADevice answers the tags"
    );
    assert_eq!(
        listed.virtual_mfa_devices()[0].tags(),
        device.tags(),
        "ListVirtualMFADevices carries the tags (IAM's 2021 tagging update)"
    );
    let tags = iam
        .list_mfa_device_tags()
        .serial_number(device.serial_number())
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().len(), 1, "ListMFADeviceTags does");
    let assigned = iam
        .list_virtual_mfa_devices()
        .assignment_status(aws_sdk_iam::types::AssignmentStatusType::Assigned)
        .send()
        .await
        .unwrap();
    assert!(assigned.virtual_mfa_devices().is_empty());

    let again = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("alice-phone")
        .send()
        .await;
    assert_eq!(code(again), "EntityAlreadyExists");
    iam.delete_virtual_mfa_device()
        .serial_number(device.serial_number())
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            iam.delete_virtual_mfa_device()
                .serial_number(device.serial_number())
                .send()
                .await
        ),
        "NoSuchEntity"
    );
}

#[tokio::test]
async fn roles_and_instance_profiles() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let role = iam
        .create_role()
        .role_name("web-role")
        .assume_role_policy_document(trust)
        .tags(iam_tag("Team", "web"))
        .send()
        .await
        .unwrap();
    assert!(role.role().unwrap().role_id().starts_with("AROA"));
    assert_eq!(
        iam.get_role()
            .role_name("WEB-ROLE")
            .send()
            .await
            .unwrap()
            .role()
            .unwrap()
            .role_name(),
        "web-role"
    );
    assert_eq!(
        code(
            iam.create_role()
                .role_name("web-role")
                .assume_role_policy_document(trust)
                .send()
                .await
        ),
        "EntityAlreadyExists"
    );
    assert_eq!(
        code(
            iam.create_role()
                .role_name("x")
                .assume_role_policy_document(trust)
                .max_session_duration(100)
                .send()
                .await
        ),
        "ValidationError"
    );

    let profile = iam
        .create_instance_profile()
        .instance_profile_name("web")
        .path("/app/")
        .tags(iam_tag("Team", "web"))
        .send()
        .await
        .unwrap();
    assert!(profile
        .instance_profile()
        .unwrap()
        .instance_profile_id()
        .starts_with("AIPA"));
    assert!(profile.instance_profile().unwrap().roles().is_empty());
    iam.add_role_to_instance_profile()
        .instance_profile_name("web")
        .role_name("web-role")
        .send()
        .await
        .unwrap();
    iam.create_role()
        .role_name("other")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    let second = iam
        .add_role_to_instance_profile()
        .instance_profile_name("web")
        .role_name("other")
        .send()
        .await;
    assert_eq!(code(second), "LimitExceeded");

    let got = iam
        .get_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .unwrap();
    let got = got.instance_profile().unwrap();
    assert_eq!(got.roles().len(), 1);
    assert_eq!(got.roles()[0].role_name(), "web-role");
    assert_eq!(got.tags().len(), 1);
    let for_role = iam
        .list_instance_profiles_for_role()
        .role_name("web-role")
        .send()
        .await
        .unwrap();
    assert_eq!(for_role.instance_profiles().len(), 1);
    assert_eq!(
        iam.list_instance_profiles()
            .path_prefix("/app/")
            .send()
            .await
            .unwrap()
            .instance_profiles()
            .len(),
        1
    );
    assert!(iam
        .list_instance_profiles()
        .path_prefix("/other/")
        .send()
        .await
        .unwrap()
        .instance_profiles()
        .is_empty());

    assert_eq!(
        code(
            iam.delete_instance_profile()
                .instance_profile_name("web")
                .send()
                .await
        ),
        "DeleteConflict"
    );
    assert_eq!(
        code(iam.delete_role().role_name("web-role").send().await),
        "DeleteConflict"
    );
    iam.remove_role_from_instance_profile()
        .instance_profile_name("web")
        .role_name("web-role")
        .send()
        .await
        .unwrap();
    let not_in = iam
        .remove_role_from_instance_profile()
        .instance_profile_name("web")
        .role_name("web-role")
        .send()
        .await;
    assert_eq!(code(not_in), "NoSuchEntity");
    iam.delete_instance_profile()
        .instance_profile_name("web")
        .send()
        .await
        .unwrap();
    iam.delete_role()
        .role_name("web-role")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(iam.get_role().role_name("web-role").send().await),
        "NoSuchEntity"
    );
    assert_eq!(
        code(
            iam.get_instance_profile()
                .instance_profile_name("web")
                .send()
                .await
        ),
        "NoSuchEntity"
    );
}

#[tokio::test]
async fn account_authorization_details_show_roles_profiles_and_policies() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    iam.create_role()
        .role_name("batch")
        .assume_role_policy_document(trust)
        .send()
        .await
        .unwrap();
    iam.create_instance_profile()
        .instance_profile_name("batch")
        .tags(iam_tag("CostCentre", "CC-1"))
        .send()
        .await
        .unwrap();
    iam.add_role_to_instance_profile()
        .instance_profile_name("batch")
        .role_name("batch")
        .send()
        .await
        .unwrap();
    iam.create_policy()
        .policy_name("local-one")
        .policy_document(POLICY_DOCUMENT)
        .send()
        .await
        .unwrap();

    let details = iam
        .get_account_authorization_details()
        .send()
        .await
        .unwrap();
    let role = &details.role_detail_list()[0];
    assert_eq!(role.role_name(), Some("batch"));
    assert_eq!(
        role.instance_profile_list()[0].tags()[0].key(),
        "CostCentre"
    );
    assert!(details
        .policies()
        .iter()
        .any(|p| p.policy_name() == Some("local-one")));
    let document = details
        .policies()
        .iter()
        .find(|p| p.policy_name() == Some("local-one"))
        .unwrap()
        .policy_version_list()[0]
        .document()
        .unwrap()
        .to_string();
    assert!(
        document.contains("%22Statement%22"),
        "IAM returns documents URL-encoded: {document}"
    );

    let only_local = iam
        .get_account_authorization_details()
        .filter(EntityType::LocalManagedPolicy)
        .send()
        .await
        .unwrap();
    assert!(only_local.role_detail_list().is_empty());
    assert_eq!(only_local.policies().len(), 1);

    let first = iam
        .get_account_authorization_details()
        .max_items(1)
        .send()
        .await
        .unwrap();
    assert!(first.is_truncated());
    let second = iam
        .get_account_authorization_details()
        .max_items(1)
        .marker(first.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(second.role_detail_list().len() + second.policies().len(), 1);
    assert!(
        second.role_detail_list().is_empty(),
        "the role came on the first page"
    );
}
