use aws_sdk_ec2::types::{
    CreateVerifiedAccessTrustProviderDeviceOptions, CreateVerifiedAccessTrustProviderOidcOptions,
    DeviceTrustProviderType, Filter, IpamExternalResourceVerificationTokenState,
    ModifyVerifiedAccessTrustProviderOidcOptions, ResourceType, TagSpecification, TokenState,
    TrustProviderType, UserTrustProviderType, VerifiedAccessSseSpecificationRequest,
};
use chrono::Utc;

use crate::harness::*;

fn token_tags(tags: &[(&str, &str)]) -> TagSpecification {
    let mut spec = TagSpecification::builder()
        .resource_type(ResourceType::IpamExternalResourceVerificationToken);
    for (key, value) in tags {
        spec = spec.tags(ec2_tag(key, value));
    }
    spec.build()
}

async fn new_ipam(ec2: &aws_sdk_ec2::Client) -> String {
    ec2.create_ipam()
        .description("test")
        .send()
        .await
        .unwrap()
        .ipam()
        .unwrap()
        .ipam_id()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn verification_token_lifecycle_status_and_expiry() {
    let aws = Aws::start().await;
    let ec2 = aws.ec2(REGION).await;
    let ipam = new_ipam(&ec2).await;
    let created = ec2
        .create_ipam_external_resource_verification_token()
        .ipam_id(&ipam)
        .tag_specifications(token_tags(&[
            ("Owner", "net@example.com"),
            ("Range", "203.0.113.0/24"),
        ]))
        .send()
        .await
        .unwrap();
    let token = created.ipam_external_resource_verification_token().unwrap();
    let id = token
        .ipam_external_resource_verification_token_id()
        .unwrap()
        .to_string();
    assert!(id.starts_with("ipam-ext-res-ver-token-"));
    assert_eq!(token.ipam_id(), Some(ipam.as_str()));
    assert_eq!(token.ipam_region(), Some(REGION));
    assert_eq!(token.status(), Some(&TokenState::Valid));
    assert_eq!(
        token.state(),
        Some(&IpamExternalResourceVerificationTokenState::CreateInProgress)
    );
    assert_eq!(token.tags().len(), 2);
    assert!(!token.token_value().unwrap().is_empty() && !token.token_name().unwrap().is_empty());
    let seconds_left = token.not_after().unwrap().secs() - Utc::now().timestamp();
    assert!(
        (7 * 86_400 - 60..=7 * 86_400).contains(&seconds_left),
        "valid for seven days, {seconds_left} s left"
    );

    let described = ec2
        .describe_ipam_external_resource_verification_tokens()
        .ipam_external_resource_verification_token_ids(&id)
        .send()
        .await
        .unwrap();
    let found = &described.ipam_external_resource_verification_tokens()[0];
    assert_eq!(
        found.state(),
        Some(&IpamExternalResourceVerificationTokenState::CreateComplete)
    );

    aws.emulator().advance_clock(chrono::Duration::days(8));
    let later = ec2
        .describe_ipam_external_resource_verification_tokens()
        .send()
        .await
        .unwrap();
    assert_eq!(
        later.ipam_external_resource_verification_tokens()[0].status(),
        Some(&TokenState::Expired)
    );
    let expired = ec2
        .describe_ipam_external_resource_verification_tokens()
        .filters(Filter::builder().name("status").values("expired").build())
        .send()
        .await
        .unwrap();
    assert_eq!(
        expired.ipam_external_resource_verification_tokens().len(),
        1
    );

    let deleted = ec2
        .delete_ipam_external_resource_verification_token()
        .ipam_external_resource_verification_token_id(&id)
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted
            .ipam_external_resource_verification_token()
            .unwrap()
            .state(),
        Some(&IpamExternalResourceVerificationTokenState::DeleteInProgress)
    );
    let gone = ec2
        .describe_ipam_external_resource_verification_tokens()
        .ipam_external_resource_verification_token_ids(&id)
        .send()
        .await;
    assert_eq!(
        code(gone),
        "InvalidIpamExternalResourceVerificationTokenId.NotFound"
    );
    let again = ec2
        .delete_ipam_external_resource_verification_token()
        .ipam_external_resource_verification_token_id(&id)
        .send()
        .await;
    assert_eq!(
        code(again),
        "InvalidIpamExternalResourceVerificationTokenId.NotFound"
    );
}

#[tokio::test]
async fn token_validation_dry_run_and_idempotency() {
    let aws = Aws::start().await;
    let ec2 = aws.ec2(REGION).await;
    let ipam = new_ipam(&ec2).await;

    assert_eq!(
        code(
            ec2.create_ipam_external_resource_verification_token()
                .send()
                .await
        ),
        "MissingParameter"
    );
    let unknown = ec2
        .create_ipam_external_resource_verification_token()
        .ipam_id("ipam-0123456789abcdef0")
        .send()
        .await;
    assert_eq!(code(unknown), "InvalidIpamId.NotFound");
    let wrong_type = ec2
        .create_ipam_external_resource_verification_token()
        .ipam_id(&ipam)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::Vpc)
                .tags(ec2_tag("a", "b"))
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(wrong_type), "InvalidParameterValue");

    let dry = ec2
        .create_ipam_external_resource_verification_token()
        .ipam_id(&ipam)
        .dry_run(true)
        .send()
        .await;
    let status = dry
        .as_ref()
        .err()
        .and_then(|e| e.raw_response())
        .map(|r| r.status().as_u16());
    assert_eq!(code(dry), "DryRunOperation");
    assert_eq!(status, Some(412));
    assert!(
        ec2.describe_ipam_external_resource_verification_tokens()
            .send()
            .await
            .unwrap()
            .ipam_external_resource_verification_tokens()
            .is_empty(),
        "a dry run creates nothing"
    );
    assert_eq!(
        code(ec2.create_ipam().dry_run(true).send().await),
        "DryRunOperation"
    );
    assert_eq!(ec2.describe_ipams().send().await.unwrap().ipams().len(), 1);

    let first = ec2
        .create_ipam_external_resource_verification_token()
        .ipam_id(&ipam)
        .client_token("token-1")
        .send()
        .await
        .unwrap();
    let second = ec2
        .create_ipam_external_resource_verification_token()
        .ipam_id(&ipam)
        .client_token("token-1")
        .send()
        .await
        .unwrap();
    let id = |o: &aws_sdk_ec2::operation::create_ipam_external_resource_verification_token::CreateIpamExternalResourceVerificationTokenOutput| {
        o.ipam_external_resource_verification_token().unwrap().ipam_external_resource_verification_token_id().unwrap().to_string()
    };
    assert_eq!(
        id(&first),
        id(&second),
        "same token, same parameters: the same token"
    );
    assert_eq!(
        ec2.describe_ipam_external_resource_verification_tokens()
            .send()
            .await
            .unwrap()
            .ipam_external_resource_verification_tokens()
            .len(),
        1
    );
    let mismatch = ec2
        .create_ipam_external_resource_verification_token()
        .ipam_id(&ipam)
        .client_token("token-1")
        .tag_specifications(token_tags(&[("Owner", "x")]))
        .send()
        .await;
    assert_eq!(code(mismatch), "IdempotentParameterMismatch");

    let ipam_again = ec2
        .create_ipam()
        .client_token("ipam-1")
        .send()
        .await
        .unwrap()
        .ipam()
        .unwrap()
        .ipam_id()
        .unwrap()
        .to_string();
    let ipam_replay = ec2
        .create_ipam()
        .client_token("ipam-1")
        .send()
        .await
        .unwrap()
        .ipam()
        .unwrap()
        .ipam_id()
        .unwrap()
        .to_string();
    assert_eq!(ipam_again, ipam_replay);

    let deleting = ec2.delete_ipam().ipam_id(&ipam).send().await;
    assert_eq!(
        code(deleting),
        "IncorrectState",
        "an IPAM with tokens needs Cascade"
    );
    ec2.delete_ipam()
        .ipam_id(&ipam)
        .cascade(true)
        .send()
        .await
        .unwrap();
    assert_eq!(
        code(ec2.describe_ipams().ipam_ids(&ipam).send().await),
        "InvalidIpamId.NotFound"
    );
    assert!(ec2
        .describe_ipam_external_resource_verification_tokens()
        .send()
        .await
        .unwrap()
        .ipam_external_resource_verification_tokens()
        .is_empty());
}

#[tokio::test]
async fn describe_pages_and_filters() {
    let aws = Aws::start().await;
    let ec2 = aws.ec2(REGION).await;
    let ipam = new_ipam(&ec2).await;
    for i in 0..7 {
        let owner = if i % 2 == 0 {
            "even@example.com"
        } else {
            "odd@example.com"
        };
        ec2.create_ipam_external_resource_verification_token()
            .ipam_id(&ipam)
            .tag_specifications(token_tags(&[("Owner", owner)]))
            .send()
            .await
            .unwrap();
    }
    let first = ec2
        .describe_ipam_external_resource_verification_tokens()
        .max_results(5)
        .send()
        .await
        .unwrap();
    assert_eq!(first.ipam_external_resource_verification_tokens().len(), 5);
    let second = ec2
        .describe_ipam_external_resource_verification_tokens()
        .max_results(5)
        .next_token(first.next_token().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(second.ipam_external_resource_verification_tokens().len(), 2);
    assert!(second.next_token().is_none());

    assert_eq!(
        code(
            ec2.describe_ipam_external_resource_verification_tokens()
                .max_results(4)
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    assert_eq!(
        code(
            ec2.describe_ipam_external_resource_verification_tokens()
                .next_token("forged")
                .send()
                .await
        ),
        "InvalidParameterValue"
    );

    let by_tag = ec2
        .describe_ipam_external_resource_verification_tokens()
        .filters(Filter::builder().name("tag:Owner").values("odd@*").build())
        .send()
        .await
        .unwrap();
    assert_eq!(by_tag.ipam_external_resource_verification_tokens().len(), 3);
    let by_ipam = ec2
        .describe_ipam_external_resource_verification_tokens()
        .filters(Filter::builder().name("ipam-id").values(&ipam).build())
        .send()
        .await
        .unwrap();
    assert_eq!(
        by_ipam.ipam_external_resource_verification_tokens().len(),
        7
    );
    let bad_filter = ec2
        .describe_ipam_external_resource_verification_tokens()
        .filters(Filter::builder().name("colour").values("red").build())
        .send()
        .await;
    assert_eq!(code(bad_filter), "InvalidParameterValue");

    // Regions are separate.
    assert!(aws
        .ec2(OTHER_REGION)
        .await
        .describe_ipam_external_resource_verification_tokens()
        .send()
        .await
        .unwrap()
        .ipam_external_resource_verification_tokens()
        .is_empty());
}

fn okta() -> CreateVerifiedAccessTrustProviderOidcOptions {
    CreateVerifiedAccessTrustProviderOidcOptions::builder()
        .issuer("https://example.okta.com")
        .authorization_endpoint("https://example.okta.com/oauth2/v1/authorize")
        .token_endpoint("https://example.okta.com/oauth2/v1/token")
        .user_info_endpoint("https://example.okta.com/oauth2/v1/userinfo")
        .client_id("0oa123")
        .client_secret("s3cret")
        .scope("openid")
        .build()
}

#[tokio::test]
async fn trust_provider_rules_and_lifecycle() {
    let aws = Aws::start().await;
    let ec2 = aws.ec2(REGION).await;
    let created = ec2
        .create_verified_access_trust_provider()
        .trust_provider_type(TrustProviderType::User)
        .user_trust_provider_type(UserTrustProviderType::Oidc)
        .oidc_options(okta())
        .policy_reference_name("okta")
        .description("Okta for internal apps")
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(ResourceType::VerifiedAccessTrustProvider)
                .tags(ec2_tag("Owner", "id@example.com"))
                .build(),
        )
        .send()
        .await
        .unwrap();
    let provider = created.verified_access_trust_provider().unwrap();
    let id = provider
        .verified_access_trust_provider_id()
        .unwrap()
        .to_string();
    assert!(id.starts_with("vatp-"));
    assert_eq!(
        provider.oidc_options().unwrap().issuer(),
        Some("https://example.okta.com")
    );
    assert_eq!(
        provider
            .sse_specification()
            .unwrap()
            .customer_managed_key_enabled(),
        Some(false)
    );
    assert_eq!(provider.tags().len(), 1);

    let user = || {
        ec2.create_verified_access_trust_provider()
            .trust_provider_type(TrustProviderType::User)
            .policy_reference_name("p")
    };
    assert_eq!(
        code(user().send().await),
        "MissingParameter",
        "user needs UserTrustProviderType"
    );
    assert_eq!(
        code(
            user()
                .user_trust_provider_type(UserTrustProviderType::Oidc)
                .send()
                .await
        ),
        "MissingParameter",
        "oidc needs OidcOptions"
    );
    let incomplete = user()
        .user_trust_provider_type(UserTrustProviderType::Oidc)
        .oidc_options(
            CreateVerifiedAccessTrustProviderOidcOptions::builder()
                .issuer("https://x.example.com")
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(incomplete), "MissingParameter");
    let mixed = user()
        .user_trust_provider_type(UserTrustProviderType::IamIdentityCenter)
        .device_trust_provider_type(DeviceTrustProviderType::Jamf)
        .send()
        .await;
    assert_eq!(code(mixed), "InvalidParameterCombination");
    let device = || {
        ec2.create_verified_access_trust_provider()
            .trust_provider_type(TrustProviderType::Device)
            .policy_reference_name("d")
    };
    assert_eq!(
        code(device().send().await),
        "MissingParameter",
        "device needs DeviceTrustProviderType"
    );
    assert_eq!(
        code(
            device()
                .device_trust_provider_type(DeviceTrustProviderType::Jamf)
                .send()
                .await
        ),
        "MissingParameter",
        "device needs DeviceOptions"
    );
    let jamf = device()
        .device_trust_provider_type(DeviceTrustProviderType::Jamf)
        .device_options(
            CreateVerifiedAccessTrustProviderDeviceOptions::builder()
                .tenant_id("tenant-1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        jamf.verified_access_trust_provider()
            .unwrap()
            .device_options()
            .unwrap()
            .tenant_id(),
        Some("tenant-1")
    );
    assert_eq!(
        code(
            ec2.create_verified_access_trust_provider()
                .trust_provider_type(TrustProviderType::User)
                .user_trust_provider_type(UserTrustProviderType::IamIdentityCenter)
                .send()
                .await
        ),
        "MissingParameter"
    );
    let bad_reference = user()
        .user_trust_provider_type(UserTrustProviderType::IamIdentityCenter)
        .policy_reference_name("9-bad")
        .send()
        .await;
    assert_eq!(code(bad_reference), "InvalidParameterValue");
    let kms_without_flag = user()
        .user_trust_provider_type(UserTrustProviderType::IamIdentityCenter)
        .sse_specification(
            VerifiedAccessSseSpecificationRequest::builder()
                .kms_key_arn("arn:aws:kms:us-east-1:123456789012:key/abc")
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(kms_without_flag), "InvalidParameterCombination");
    let dry = user()
        .user_trust_provider_type(UserTrustProviderType::IamIdentityCenter)
        .dry_run(true)
        .send()
        .await;
    assert_eq!(code(dry), "DryRunOperation");
    assert_eq!(
        ec2.describe_verified_access_trust_providers()
            .send()
            .await
            .unwrap()
            .verified_access_trust_providers()
            .len(),
        2
    );

    let modified = ec2
        .modify_verified_access_trust_provider()
        .verified_access_trust_provider_id(&id)
        .description("Okta, rotated secret")
        .oidc_options(
            ModifyVerifiedAccessTrustProviderOidcOptions::builder()
                .client_secret("n3w")
                .scope("openid groups")
                .build(),
        )
        .send()
        .await
        .unwrap();
    let modified = modified.verified_access_trust_provider().unwrap();
    assert_eq!(modified.description(), Some("Okta, rotated secret"));
    assert_eq!(
        modified.oidc_options().unwrap().scope(),
        Some("openid groups")
    );
    assert_eq!(
        modified.oidc_options().unwrap().issuer(),
        Some("https://example.okta.com"),
        "unchanged fields stay"
    );
    let jamf_id = jamf
        .verified_access_trust_provider()
        .unwrap()
        .verified_access_trust_provider_id()
        .unwrap()
        .to_string();
    let oidc_on_device = ec2
        .modify_verified_access_trust_provider()
        .verified_access_trust_provider_id(&jamf_id)
        .oidc_options(
            ModifyVerifiedAccessTrustProviderOidcOptions::builder()
                .scope("x")
                .build(),
        )
        .send()
        .await;
    assert_eq!(code(oidc_on_device), "InvalidParameterCombination");

    let filtered = ec2
        .describe_verified_access_trust_providers()
        .filters(
            Filter::builder()
                .name("trust-provider-type")
                .values("device")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(filtered.verified_access_trust_providers().len(), 1);

    ec2.delete_verified_access_trust_provider()
        .verified_access_trust_provider_id(&id)
        .send()
        .await
        .unwrap();
    let gone = ec2
        .describe_verified_access_trust_providers()
        .verified_access_trust_provider_ids(&id)
        .send()
        .await;
    assert_eq!(code(gone), "InvalidVerifiedAccessTrustProviderId.NotFound");
    let modify_gone = ec2
        .modify_verified_access_trust_provider()
        .verified_access_trust_provider_id(&id)
        .description("x")
        .send()
        .await;
    assert_eq!(
        code(modify_gone),
        "InvalidVerifiedAccessTrustProviderId.NotFound"
    );
}

#[tokio::test]
async fn ec2_tag_rules() {
    let aws = Aws::start().await;
    let ec2 = aws.ec2(REGION).await;
    let ipam = new_ipam(&ec2).await;
    let token = ec2
        .create_ipam_external_resource_verification_token()
        .ipam_id(&ipam)
        .send()
        .await
        .unwrap();
    let token_id = token
        .ipam_external_resource_verification_token()
        .unwrap()
        .ipam_external_resource_verification_token_id()
        .unwrap()
        .to_string();

    ec2.create_tags()
        .resources(&token_id)
        .resources(&ipam)
        .tags(ec2_tag("Owner", "net@example.com"))
        .tags(ec2_tag("Ticket", ""))
        .send()
        .await
        .unwrap();
    let described = ec2
        .describe_tags()
        .filters(
            Filter::builder()
                .name("resource-id")
                .values(&token_id)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(described.tags().len(), 2);
    assert_eq!(
        described.tags()[0].resource_type().map(|t| t.as_str()),
        Some("ipam-external-resource-verification-token")
    );
    let by_key = ec2
        .describe_tags()
        .filters(Filter::builder().name("key").values("Owner").build())
        .send()
        .await
        .unwrap();
    assert_eq!(by_key.tags().len(), 2);

    let long_key = ec2
        .create_tags()
        .resources(&token_id)
        .tags(ec2_tag(&"k".repeat(128), "v"))
        .send()
        .await;
    assert_eq!(code(long_key), "InvalidParameterValue");
    ec2.create_tags()
        .resources(&token_id)
        .tags(ec2_tag(&"k".repeat(127), &"v".repeat(256)))
        .send()
        .await
        .unwrap();
    let long_value = ec2
        .create_tags()
        .resources(&token_id)
        .tags(ec2_tag("k", &"v".repeat(257)))
        .send()
        .await;
    assert_eq!(code(long_value), "InvalidParameterValue");
    assert_eq!(
        code(
            ec2.create_tags()
                .resources(&token_id)
                .tags(ec2_tag("aws:x", "v"))
                .send()
                .await
        ),
        "InvalidParameterValue"
    );
    let mut many = ec2.create_tags().resources(&token_id);
    for i in 0..48 {
        many = many.tags(ec2_tag(&format!("t{i}"), "v"));
    }
    assert_eq!(
        code(many.send().await),
        "TagLimitExceeded",
        "3 existing + 48 is over 50"
    );
    assert_eq!(
        ec2.describe_tags()
            .filters(
                Filter::builder()
                    .name("resource-id")
                    .values(&token_id)
                    .build()
            )
            .send()
            .await
            .unwrap()
            .tags()
            .len(),
        3,
        "nothing was applied"
    );
    assert_eq!(
        code(
            ec2.create_tags()
                .resources("vpc-123")
                .tags(ec2_tag("a", "b"))
                .send()
                .await
        ),
        "InvalidID"
    );
    assert_eq!(
        code(
            ec2.create_tags()
                .resources("vatp-0000000000000000a")
                .tags(ec2_tag("a", "b"))
                .send()
                .await
        ),
        "InvalidVerifiedAccessTrustProviderId.NotFound"
    );
    assert_eq!(
        code(
            ec2.create_tags()
                .resources(&token_id)
                .tags(ec2_tag("a", "b"))
                .dry_run(true)
                .send()
                .await
        ),
        "DryRunOperation"
    );

    ec2.delete_tags()
        .resources(&token_id)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Owner")
                .value("someone-else")
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(
        ec2.describe_tags()
            .filters(
                Filter::builder()
                    .name("resource-id")
                    .values(&token_id)
                    .build()
            )
            .send()
            .await
            .unwrap()
            .tags()
            .len(),
        3,
        "a value that does not match deletes nothing"
    );
    ec2.delete_tags()
        .resources(&token_id)
        .tags(aws_sdk_ec2::types::Tag::builder().key("Owner").build())
        .send()
        .await
        .unwrap();
    let after = ec2
        .describe_tags()
        .filters(
            Filter::builder()
                .name("resource-id")
                .values(&token_id)
                .build(),
        )
        .send()
        .await
        .unwrap();
    assert!(after.tags().iter().all(|t| t.key() != Some("Owner")));

    let paged = ec2.describe_tags().max_results(5).send().await.unwrap();
    // Left: Ticket on the IPAM and the token, Owner on the IPAM, the 127-character key on the token.
    assert_eq!(paged.tags().len(), 4);
    assert!(paged.next_token().is_none());
    assert!(aws
        .ec2(OTHER_REGION)
        .await
        .describe_tags()
        .send()
        .await
        .unwrap()
        .tags()
        .is_empty());
}

#[tokio::test]
async fn describe_regions_lists_the_enabled_regions_and_opt_in_ones_on_request() {
    let aws = Aws::start().await;
    let ec2 = aws.ec2(REGION).await;
    let names = |answer: aws_sdk_ec2::operation::describe_regions::DescribeRegionsOutput| {
        let mut names: Vec<(String, String)> = answer
            .regions()
            .iter()
            .map(|r| {
                (
                    r.region_name().unwrap().to_string(),
                    r.opt_in_status().unwrap().to_string(),
                )
            })
            .collect();
        names.sort();
        names
    };
    let enabled = names(ec2.describe_regions().send().await.unwrap());
    assert_eq!(enabled.len(), trustdesk_emulator::ENABLED_REGIONS.len());
    assert!(enabled
        .iter()
        .all(|(_, status)| status == "opt-in-not-required"));
    let all = names(
        ec2.describe_regions()
            .all_regions(true)
            .send()
            .await
            .unwrap(),
    );
    assert!(
        all.contains(&("af-south-1".into(), "not-opted-in".into())),
        "{all:?}"
    );
    let one = names(
        ec2.describe_regions()
            .region_names("eu-west-1")
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(
        one,
        [("eu-west-1".to_string(), "opt-in-not-required".to_string())]
    );
    let filtered = names(
        ec2.describe_regions()
            .all_regions(true)
            .filters(
                Filter::builder()
                    .name("opt-in-status")
                    .values("not-opted-in")
                    .build(),
            )
            .send()
            .await
            .unwrap(),
    );
    assert_eq!(
        filtered.len(),
        trustdesk_emulator::NOT_OPTED_IN_REGIONS.len()
    );
}
