//! Updates to SAML and OIDC providers, MFA assignment, the delete conflicts of instance profiles
//! and MFA devices, and the demo seed's IAM inventories.

use aws_sdk_iam::types::{AssignmentStatusType, PolicyScopeType};
use chrono::{Duration, TimeZone, Utc};
use trustdesk_emulator::derive::{mfa, saml};
use trustdesk_emulator::seed::{self, iam as demo_iam};
use trustdesk_emulator::Emulator;

use crate::harness::*;

const THUMBPRINT_A: &str = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";
const THUMBPRINT_B: &str = "6938fd4d98bab03faadb97b34396831e3780aea1";

#[tokio::test]
async fn update_saml_provider_replaces_the_metadata_and_valid_until() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let first = Utc.with_ymd_and_hms(2027, 1, 31, 0, 0, 0).unwrap();
    let second = Utc.with_ymd_and_hms(2028, 6, 15, 12, 30, 0).unwrap();
    let arn = iam
        .create_saml_provider()
        .name("Okta")
        .saml_metadata_document(saml::sample_metadata("https://old.example.com", first))
        .send()
        .await
        .unwrap()
        .saml_provider_arn()
        .unwrap()
        .to_string();

    let new_document = saml::sample_metadata("https://new.example.com", second);
    let updated = iam
        .update_saml_provider()
        .saml_provider_arn(&arn)
        .saml_metadata_document(&new_document)
        .send()
        .await
        .unwrap();
    assert_eq!(updated.saml_provider_arn(), Some(arn.as_str()));
    let got = iam
        .get_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.valid_until().unwrap().secs(), second.timestamp());
    assert_eq!(got.saml_metadata_document(), Some(new_document.as_str()));
    let listed = iam.list_saml_providers().send().await.unwrap();
    assert_eq!(
        listed.saml_provider_list()[0].valid_until().unwrap().secs(),
        second.timestamp()
    );

    // Metadata without validUntil leaves the provider without one.
    let no_expiry = format!(
        r#"<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com"><!-- {} --></EntityDescriptor>"#,
        "x".repeat(1000)
    );
    iam.update_saml_provider()
        .saml_provider_arn(&arn)
        .saml_metadata_document(&no_expiry)
        .send()
        .await
        .unwrap();
    let got = iam
        .get_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.valid_until(), None);

    let short = iam
        .update_saml_provider()
        .saml_provider_arn(&arn)
        .saml_metadata_document("<md/>")
        .send()
        .await;
    let (code_short, message) = error(short);
    assert_eq!(code_short, "ValidationError");
    assert!(message.contains("between 1000 and 10000000"), "{message}");
    let html = iam
        .update_saml_provider()
        .saml_provider_arn(&arn)
        .saml_metadata_document(format!("<html>{}</html>", "x".repeat(1200)))
        .send()
        .await;
    assert_eq!(code_status(html), ("InvalidInput".to_string(), 400));
    let missing = iam
        .update_saml_provider()
        .saml_provider_arn("arn:aws:iam::123456789012:saml-provider/Nope")
        .saml_metadata_document(&new_document)
        .send()
        .await;
    assert_eq!(code_status(missing), ("NoSuchEntity".to_string(), 404));
    assert_eq!(
        code(
            iam.update_saml_provider()
                .saml_provider_arn(&arn)
                .send()
                .await
        ),
        "ValidationError",
        "the metadata is required"
    );
    assert_eq!(
        code(
            iam.update_saml_provider()
                .saml_provider_arn("arn:short")
                .saml_metadata_document(&new_document)
                .send()
                .await
        ),
        "ValidationError"
    );
    // The refused updates changed nothing.
    let got = iam
        .get_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.saml_metadata_document(), Some(no_expiry.as_str()));
}

#[tokio::test]
async fn oidc_thumbprints_are_replaced_and_client_ids_added_and_removed() {
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let arn = iam
        .create_open_id_connect_provider()
        .url("https://token.actions.githubusercontent.com")
        .client_id_list("sts.amazonaws.com")
        .thumbprint_list(THUMBPRINT_A)
        .send()
        .await
        .unwrap()
        .open_id_connect_provider_arn()
        .unwrap()
        .to_string();
    let get = || async {
        iam.get_open_id_connect_provider()
            .open_id_connect_provider_arn(&arn)
            .send()
            .await
            .unwrap()
    };

    iam.update_open_id_connect_provider_thumbprint()
        .open_id_connect_provider_arn(&arn)
        .thumbprint_list(THUMBPRINT_B)
        .thumbprint_list(THUMBPRINT_A)
        .send()
        .await
        .unwrap();
    assert_eq!(get().await.thumbprint_list(), [THUMBPRINT_B, THUMBPRINT_A]);

    let empty = iam
        .update_open_id_connect_provider_thumbprint()
        .open_id_connect_provider_arn(&arn)
        .set_thumbprint_list(Some(Vec::new()))
        .send()
        .await;
    assert_eq!(code_status(empty), ("InvalidInput".to_string(), 400));
    let mut six = iam
        .update_open_id_connect_provider_thumbprint()
        .open_id_connect_provider_arn(&arn);
    for _ in 0..6 {
        six = six.thumbprint_list(THUMBPRINT_A);
    }
    // No LimitExceeded here: UpdateOpenIDConnectProviderThumbprint does not have that error.
    assert_eq!(
        code_status(six.send().await),
        ("InvalidInput".to_string(), 400)
    );
    let mut five = iam
        .update_open_id_connect_provider_thumbprint()
        .open_id_connect_provider_arn(&arn);
    for _ in 0..5 {
        five = five.thumbprint_list(THUMBPRINT_B);
    }
    five.send().await.unwrap();
    assert_eq!(get().await.thumbprint_list().len(), 5);
    for (bad, constraint) in [
        (&THUMBPRINT_A[..39], "greater than or equal to 40"),
        (&format!("{THUMBPRINT_A}0")[..], "less than or equal to 40"),
    ] {
        let (code, message) = error(
            iam.update_open_id_connect_provider_thumbprint()
                .open_id_connect_provider_arn(&arn)
                .thumbprint_list(bad)
                .send()
                .await,
        );
        assert_eq!(code, "ValidationError");
        assert!(message.contains(constraint), "{message}");
        assert!(message.contains("thumbprintList.1.member"), "{message}");
    }
    let missing = iam
        .update_open_id_connect_provider_thumbprint()
        .open_id_connect_provider_arn("arn:aws:iam::123456789012:oidc-provider/nope.example.com")
        .thumbprint_list(THUMBPRINT_A)
        .send()
        .await;
    assert_eq!(code_status(missing), ("NoSuchEntity".to_string(), 404));
    assert_eq!(
        get().await.thumbprint_list(),
        [THUMBPRINT_B; 5],
        "refused updates changed nothing"
    );

    // Client ids: adding one twice or removing an absent one succeeds and changes nothing.
    for _ in 0..2 {
        iam.add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(&arn)
            .client_id("https://github.com/example-org")
            .send()
            .await
            .unwrap();
    }
    assert_eq!(
        get().await.client_id_list(),
        ["sts.amazonaws.com", "https://github.com/example-org"]
    );
    iam.remove_client_id_from_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .client_id("sts.amazonaws.com")
        .send()
        .await
        .unwrap();
    iam.remove_client_id_from_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .client_id("never-added")
        .send()
        .await
        .unwrap();
    assert_eq!(
        get().await.client_id_list(),
        ["https://github.com/example-org"]
    );
    for bad in [String::new(), "c".repeat(256)] {
        let (code, message) = error(
            iam.add_client_id_to_open_id_connect_provider()
                .open_id_connect_provider_arn(&arn)
                .client_id(&bad)
                .send()
                .await,
        );
        assert_eq!(code, "ValidationError");
        assert!(message.contains("clientID"), "{message}");
    }
    assert_eq!(
        code(
            iam.remove_client_id_from_open_id_connect_provider()
                .open_id_connect_provider_arn(&arn)
                .client_id("c".repeat(256))
                .send()
                .await
        ),
        "ValidationError"
    );
    for missing in [
        code_status(
            iam.add_client_id_to_open_id_connect_provider()
                .open_id_connect_provider_arn(
                    "arn:aws:iam::123456789012:oidc-provider/nope.example.com",
                )
                .client_id("x")
                .send()
                .await,
        ),
        code_status(
            iam.remove_client_id_from_open_id_connect_provider()
                .open_id_connect_provider_arn(
                    "arn:aws:iam::123456789012:oidc-provider/nope.example.com",
                )
                .client_id("x")
                .send()
                .await,
        ),
    ] {
        assert_eq!(missing, ("NoSuchEntity".to_string(), 404));
    }

    // At most 100 client ids; re-adding one of them at the limit is still a no-op success.
    for i in 1..100 {
        iam.add_client_id_to_open_id_connect_provider()
            .open_id_connect_provider_arn(&arn)
            .client_id(format!("client-{i:03}"))
            .send()
            .await
            .unwrap();
    }
    assert_eq!(get().await.client_id_list().len(), 100);
    let over = iam
        .add_client_id_to_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .client_id("one-too-many")
        .send()
        .await;
    assert_eq!(code_status(over), ("LimitExceeded".to_string(), 409));
    iam.add_client_id_to_open_id_connect_provider()
        .open_id_connect_provider_arn(&arn)
        .client_id("client-050")
        .send()
        .await
        .unwrap();
    assert_eq!(get().await.client_id_list().len(), 100);
}

#[tokio::test]
async fn instance_profile_with_a_role_cannot_be_deleted() {
    let aws = Aws::start_with(Emulator::with_demo_seed()).await;
    let iam = aws.iam().await;
    let refused = iam
        .delete_instance_profile()
        .instance_profile_name("web-tier")
        .send()
        .await;
    let (code, message) = error(refused);
    assert_eq!(code, "DeleteConflict");
    assert_eq!(
        message,
        "Cannot delete entity, must remove roles from instance profile first."
    );
    assert_eq!(
        code_status(
            iam.delete_instance_profile()
                .instance_profile_name("web-tier")
                .send()
                .await
        ),
        ("DeleteConflict".to_string(), 409)
    );
    iam.remove_role_from_instance_profile()
        .instance_profile_name("web-tier")
        .role_name("web-tier-role")
        .send()
        .await
        .unwrap();
    iam.delete_instance_profile()
        .instance_profile_name("web-tier")
        .send()
        .await
        .unwrap();
    // The seeded empty profile goes at once.
    iam.delete_instance_profile()
        .instance_profile_name("observability-agent")
        .send()
        .await
        .unwrap();
    assert_eq!(
        code_status(
            iam.delete_instance_profile()
                .instance_profile_name("observability-agent")
                .send()
                .await
        ),
        ("NoSuchEntity".to_string(), 404)
    );
    assert_eq!(
        iam.list_instance_profiles()
            .send()
            .await
            .unwrap()
            .instance_profiles()
            .len(),
        2
    );
}

#[tokio::test]
async fn an_assigned_mfa_device_must_be_deactivated_before_deletion() {
    let aws = Aws::start_with(Emulator::with_demo_seed()).await;
    let iam = aws.iam().await;
    let assigned_serial = format!(
        "arn:aws:iam::{}:mfa/{}",
        seed::PROD_ACCOUNT,
        demo_iam::ASSIGNED_MFA_DEVICE
    );
    let assigned = iam
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Assigned)
        .send()
        .await
        .unwrap();
    assert_eq!(assigned.virtual_mfa_devices().len(), 1);
    let device = &assigned.virtual_mfa_devices()[0];
    assert_eq!(device.serial_number(), assigned_serial);
    let user = device.user().unwrap();
    assert_eq!(user.user_name(), demo_iam::MFA_USER);
    assert_eq!(
        user.arn(),
        format!("arn:aws:iam::{}:user/alice", seed::PROD_ACCOUNT)
    );
    assert!(user.user_id().starts_with("AIDA"));
    let enabled = device.enable_date().unwrap().secs();
    assert!((Utc::now().timestamp() - enabled - 60 * 86_400).abs() < 120);
    let unassigned = iam
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Unassigned)
        .send()
        .await
        .unwrap();
    assert_eq!(unassigned.virtual_mfa_devices().len(), 3);
    assert!(unassigned
        .virtual_mfa_devices()
        .iter()
        .all(|d| d.user().is_none() && d.enable_date().is_none()));
    assert_eq!(
        iam.list_virtual_mfa_devices()
            .assignment_status(AssignmentStatusType::Any)
            .send()
            .await
            .unwrap()
            .virtual_mfa_devices()
            .len(),
        4
    );

    let (conflict, status) = code_status(
        iam.delete_virtual_mfa_device()
            .serial_number(&assigned_serial)
            .send()
            .await,
    );
    assert_eq!((conflict.as_str(), status), ("DeleteConflict", 409));
    let wrong_user = iam
        .deactivate_mfa_device()
        .user_name("deploy-bot")
        .serial_number(&assigned_serial)
        .send()
        .await;
    assert_eq!(code_status(wrong_user), ("NoSuchEntity".to_string(), 404));
    assert_eq!(
        code(
            iam.deactivate_mfa_device()
                .user_name("nobody")
                .serial_number(&assigned_serial)
                .send()
                .await
        ),
        "NoSuchEntity"
    );
    iam.deactivate_mfa_device()
        .user_name(demo_iam::MFA_USER)
        .serial_number(&assigned_serial)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(
            iam.deactivate_mfa_device()
                .user_name(demo_iam::MFA_USER)
                .serial_number(&assigned_serial)
                .send()
                .await
        ),
        "NoSuchEntity",
        "no longer enabled"
    );
    iam.delete_virtual_mfa_device()
        .serial_number(&assigned_serial)
        .send()
        .await
        .unwrap();
    assert!(iam
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Assigned)
        .send()
        .await
        .unwrap()
        .virtual_mfa_devices()
        .is_empty());
}

#[tokio::test]
async fn enable_mfa_device_checks_two_consecutive_codes() {
    let aws = Aws::start_with(Emulator::with_demo_seed()).await;
    let iam = aws.iam().await;
    let created = iam
        .create_virtual_mfa_device()
        .virtual_mfa_device_name("alice-laptop")
        .send()
        .await
        .unwrap();
    let device = created.virtual_mfa_device().unwrap();
    let serial = device.serial_number().to_string();
    let secret = String::from_utf8(device.base32_string_seed().unwrap().as_ref().to_vec()).unwrap();
    let now = Utc::now();
    let previous = mfa::totp(&secret, now - Duration::seconds(30)).unwrap();
    let current = mfa::totp(&secret, now).unwrap();
    let enable = |user: &str, first: &str, second: &str| {
        iam.enable_mfa_device()
            .user_name(user)
            .serial_number(&serial)
            .authentication_code1(first)
            .authentication_code2(second)
            .send()
    };

    let swapped = enable(demo_iam::MFA_USER, &current, &previous).await;
    assert_eq!(
        code_status(swapped),
        ("InvalidAuthenticationCode".to_string(), 403)
    );
    let wrong = enable(demo_iam::MFA_USER, "000000", "000000").await;
    assert_eq!(code(wrong), "InvalidAuthenticationCode");
    let (short, message) = error(enable(demo_iam::MFA_USER, "12345", &current).await);
    assert_eq!(short, "ValidationError");
    assert!(message.contains("authenticationCode1"), "{message}");
    let (letters, message) = error(enable(demo_iam::MFA_USER, &previous, "12a456").await);
    assert_eq!(letters, "ValidationError");
    assert!(message.contains("authenticationCode2"), "{message}");
    let nobody = enable("nobody", &previous, &current).await;
    assert_eq!(code_status(nobody), ("NoSuchEntity".to_string(), 404));

    enable(demo_iam::MFA_USER, &previous, &current)
        .await
        .unwrap();
    let assigned = iam
        .list_virtual_mfa_devices()
        .assignment_status(AssignmentStatusType::Assigned)
        .send()
        .await
        .unwrap();
    let serials: Vec<&str> = assigned
        .virtual_mfa_devices()
        .iter()
        .map(|d| d.serial_number())
        .collect();
    assert_eq!(
        serials,
        [
            format!("arn:aws:iam::{}:mfa/alice-laptop", seed::PROD_ACCOUNT),
            format!(
                "arn:aws:iam::{}:mfa/{}",
                seed::PROD_ACCOUNT,
                demo_iam::ASSIGNED_MFA_DEVICE
            ),
        ]
    );
    let again = enable("deploy-bot", &previous, &current).await;
    assert_eq!(code_status(again), ("EntityAlreadyExists".to_string(), 409));
    assert_eq!(
        code(
            iam.delete_virtual_mfa_device()
                .serial_number(&serial)
                .send()
                .await
        ),
        "DeleteConflict"
    );
    // Without a user name, the device is deactivated for whoever has it.
    iam.deactivate_mfa_device()
        .serial_number(&serial)
        .send()
        .await
        .unwrap();
    iam.delete_virtual_mfa_device()
        .serial_number(&serial)
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn the_demo_seed_fills_every_iam_inventory_in_both_accounts() {
    let aws = Aws::start_with(Emulator::with_demo_seed()).await;
    let prod = aws.iam().await;
    let dev = iam_in(&aws, seed::DEV_ACCOUNT, seed::CONSOLE_ROLE).await;
    for (iam, account, environment) in [
        (&prod, seed::PROD_ACCOUNT, "prod"),
        (&dev, seed::DEV_ACCOUNT, "dev"),
    ] {
        let local = iam
            .list_policies()
            .scope(PolicyScopeType::Local)
            .send()
            .await
            .unwrap();
        assert_eq!(local.policies().len(), 7, "{account}");
        assert!(local
            .policies()
            .iter()
            .all(|p| p.arn().unwrap().contains(account)));
        let attached = iam
            .list_policies()
            .scope(PolicyScopeType::Local)
            .only_attached(true)
            .send()
            .await
            .unwrap();
        assert_eq!(attached.policies().len(), 5);
        let aws_attached = iam
            .list_policies()
            .scope(PolicyScopeType::Aws)
            .only_attached(true)
            .send()
            .await
            .unwrap();
        let names: Vec<&str> = aws_attached
            .policies()
            .iter()
            .map(|p| p.policy_name().unwrap())
            .collect();
        assert_eq!(
            names,
            ["AmazonEC2ReadOnlyAccess", "ReadOnlyAccess", "SecurityAudit"]
        );
        let versioned_arn = format!(
            "arn:aws:iam::{account}:policy/{}",
            demo_iam::VERSIONED_POLICY
        );
        let versions = iam
            .list_policy_versions()
            .policy_arn(&versioned_arn)
            .send()
            .await
            .unwrap();
        assert_eq!(versions.versions().len(), 3);
        assert_eq!(versions.versions()[0].version_id(), Some("v3"));
        assert!(versions.versions()[0].is_default_version());
        let tags = iam
            .list_policy_tags()
            .policy_arn(&versioned_arn)
            .send()
            .await
            .unwrap();
        assert!(tags
            .tags()
            .iter()
            .any(|t| t.key() == "Owner" && t.value().ends_with("@example.com")));
        assert!(tags.tags().iter().any(|t| t.key() == "CostCentre"));

        assert_eq!(iam.list_roles().send().await.unwrap().roles().len(), 6);
        assert_eq!(
            iam.list_instance_profiles()
                .send()
                .await
                .unwrap()
                .instance_profiles()
                .len(),
            4
        );

        let certificates = iam.list_server_certificates().send().await.unwrap();
        let mut days: Vec<i64> = certificates
            .server_certificate_metadata_list()
            .iter()
            .map(|c| (c.expiration().unwrap().secs() - Utc::now().timestamp()).div_euclid(86_400))
            .collect();
        days.sort();
        assert_eq!(days.len(), 5);
        assert!(days[0] < 0, "{days:?}");
        assert!((0..7).contains(&days[1]), "{days:?}");
        assert!((7..30).contains(&days[2]), "{days:?}");
        assert!(days[3] >= 30, "{days:?}");
        let expired_name = format!("{}-{environment}", demo_iam::SERVER_CERTIFICATES[0]);
        let expired = certificates
            .server_certificate_metadata_list()
            .iter()
            .find(|c| c.server_certificate_name() == expired_name)
            .unwrap();
        assert!(expired.expiration().unwrap().secs() < Utc::now().timestamp());

        let saml = iam.list_saml_providers().send().await.unwrap();
        assert_eq!(saml.saml_provider_list().len(), 5);
        let past = saml
            .saml_provider_list()
            .iter()
            .filter(|p| p.valid_until().unwrap().secs() < Utc::now().timestamp())
            .count();
        assert_eq!(past, 1);

        let oidc = iam.list_open_id_connect_providers().send().await.unwrap();
        assert_eq!(oidc.open_id_connect_provider_list().len(), 4);
        let github = iam
            .get_open_id_connect_provider()
            .open_id_connect_provider_arn(format!(
                "arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(github.client_id_list().len(), 2);
        assert_eq!(github.thumbprint_list().len(), 1);
        assert_eq!(github.thumbprint_list()[0].len(), 40);

        let devices = iam.list_virtual_mfa_devices().send().await.unwrap();
        assert_eq!(devices.virtual_mfa_devices().len(), 4);
        assert_eq!(
            devices
                .virtual_mfa_devices()
                .iter()
                .filter(|d| d.user().is_some())
                .count(),
            1
        );
    }
}

#[tokio::test]
async fn saml_metadata_of_several_megabytes_is_accepted_as_iam_does() {
    // IAM takes up to 10,000,000 characters; a request body over axum's 2 MB default must
    // still be read.
    let aws = Aws::start().await;
    let iam = aws.iam().await;
    let until = Utc.with_ymd_and_hms(2031, 3, 1, 0, 0, 0).unwrap();
    let padding = format!(
        "<!-- {} -->",
        "signing certificate padding ".repeat(200_000)
    );
    let document = saml::sample_metadata("https://big.example.com", until).replace(
        "</md:EntityDescriptor>",
        &format!("{padding}</md:EntityDescriptor>"),
    );
    assert!(document.len() > 5_000_000);
    let arn = iam
        .create_saml_provider()
        .name("Big")
        .saml_metadata_document(&document)
        .send()
        .await
        .unwrap()
        .saml_provider_arn()
        .unwrap()
        .to_string();
    let got = iam
        .get_saml_provider()
        .saml_provider_arn(&arn)
        .send()
        .await
        .unwrap();
    assert_eq!(got.valid_until().unwrap().secs(), until.timestamp());
    assert_eq!(
        got.saml_metadata_document().map(str::len),
        Some(document.len())
    );
}
