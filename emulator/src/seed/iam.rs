//! The demo's IAM: per account, customer managed policies (attached and not, one with three
//! versions), roles with AWS and customer managed policies attached, instance profiles (with a
//! role and empty), server certificates and SAML providers whose expiries run from already past
//! to months away, OIDC providers, and virtual MFA devices, one enabled for a user.
//!
//! Names, ids, relations, tags and expiry offsets are the same on every run; only the
//! certificates' key pairs (and so their PEM bodies) are generated afresh.

use chrono::{DateTime, Duration, Utc};

use super::untidy::{tags_of, Seeded};
use super::{tags, CONSOLE_ROLE, EXPIRY_SPREAD_DAYS};
use crate::derive::{cert, mfa, saml};
use crate::ids;
use crate::services::iam::model::{
    IamState, InstanceProfile, ManagedPolicy, MfaAssignment, OidcProvider, PolicyVersions, Role,
    SamlProvider, ServerCertificate, User, VirtualMfaDevice, DEFAULT_TRUST_POLICY,
};
use crate::state::World;

/// Server certificates, by expiry: the first expired, the second within 7 days, the third within
/// 30, the others later (see [`EXPIRY_SPREAD_DAYS`]). Each is named `NAME-ENVIRONMENT`.
pub const SERVER_CERTIFICATES: [&str; 5] = [
    "api-gateway",
    "customer-portal",
    "partner-sftp",
    "grafana-internal",
    "payments-edge",
];

/// SAML providers with their entity ids, by ValidUntil, spread as the certificates are.
pub const SAML_PROVIDERS: [(&str, &str); 5] = [
    ("Okta", "https://example.okta.com"),
    ("AzureAD", "https://sts.windows.net/4f6c1a2e"),
    ("PingFederate", "https://sso.example.com/pf"),
    (
        "GoogleWorkspace",
        "https://accounts.google.com/o/saml2?idpid=C01abc",
    ),
    ("JumpCloud", "https://sso.jumpcloud.com/saml2/example"),
];

/// The virtual MFA device enabled for [`MFA_USER`]; the others are unassigned.
pub const ASSIGNED_MFA_DEVICE: &str = "alice-phone";
pub const MFA_USER: &str = "alice";
pub const MFA_DEVICES: [&str; 4] = [
    "break-glass-root",
    "oncall-shared",
    ASSIGNED_MFA_DEVICE,
    "ci-release-signing",
];

/// The customer managed policy with three versions (v3 the default).
pub const VERSIONED_POLICY: &str = "s3-backup-writer";
/// A customer managed policy that is attached to nothing and has one version: deletable.
pub const UNUSED_POLICY: &str = "legacy-cloudwatch-export";

/// The role that has AWS managed policies attached.
pub const AUDITOR_ROLE: &str = "security-auditor";

/// Instance profiles and the role each holds; the last is empty.
const INSTANCE_PROFILES: [(&str, Option<&str>); 4] = [
    ("web-tier", Some("web-tier-role")),
    ("batch-workers", Some("batch-workers-role")),
    ("bastion", Some("bastion-role")),
    ("observability-agent", None),
];

const EC2_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

struct SeedPolicy {
    name: &'static str,
    path: &'static str,
    description: &'static str,
    /// Oldest first, each with its age in days; the last is the default.
    versions: &'static [(i64, &'static str)],
    /// Roles it is attached to.
    attached_to: &'static [&'static str],
    tagged: bool,
}

const POLICIES: [SeedPolicy; 7] = [
    SeedPolicy {
        name: VERSIONED_POLICY,
        path: "/",
        description: "Lets backup jobs write to the backup bucket.",
        versions: &[
            (
                600,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::example-backups/*"}]}"#,
            ),
            (
                200,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:PutObject","s3:AbortMultipartUpload"],"Resource":"arn:aws:s3:::example-backups/*"}]}"#,
            ),
            (
                30,
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"WriteBackups","Effect":"Allow","Action":["s3:PutObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],"Resource":"arn:aws:s3:::example-backups/*"},{"Sid":"ListBucket","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example-backups"}]}"#,
            ),
        ],
        attached_to: &["batch-workers-role"],
        tagged: true,
    },
    SeedPolicy {
        name: "kms-decrypt-payments",
        path: "/",
        description: "Decrypt with the payments CMK.",
        versions: &[(
            540,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","kms:DescribeKey"],"Resource":"arn:aws:kms:us-east-1:*:key/*","Condition":{"StringEquals":{"kms:RequestAlias":"alias/payments"}}}]}"#,
        )],
        attached_to: &["web-tier-role"],
        tagged: true,
    },
    SeedPolicy {
        name: "ipam-token-rotation",
        path: "/trustdesk/",
        description: "Create and delete IPAM verification tokens.",
        versions: &[(
            480,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:CreateIpamExternalResourceVerificationToken","ec2:DeleteIpamExternalResourceVerificationToken","ec2:DescribeIpamExternalResourceVerificationTokens","ec2:DescribeIpams"],"Resource":"*"}]}"#,
        )],
        attached_to: &[CONSOLE_ROLE],
        tagged: true,
    },
    SeedPolicy {
        name: "verified-access-admin",
        path: "/trustdesk/",
        description: "Manage Verified Access trust providers.",
        versions: &[(
            420,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:CreateVerifiedAccessTrustProvider","ec2:DeleteVerifiedAccessTrustProvider","ec2:DescribeVerifiedAccessTrustProviders","ec2:ModifyVerifiedAccessTrustProvider","ec2:CreateTags","ec2:DeleteTags"],"Resource":"*"}]}"#,
        )],
        attached_to: &[CONSOLE_ROLE],
        tagged: true,
    },
    SeedPolicy {
        name: "license-token-issuer",
        path: "/",
        description: "Issue License Manager tokens for vendor software.",
        versions: &[(
            360,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["license-manager:CreateToken","license-manager:ListTokens","license-manager:DeleteToken","license-manager:ListLicenses"],"Resource":"*"}]}"#,
        )],
        attached_to: &[],
        tagged: true,
    },
    SeedPolicy {
        name: "read-only-audit",
        path: "/audit/",
        description: "Read-only access for quarterly audits.",
        versions: &[(
            300,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:Get*","iam:List*","ec2:Describe*"],"Resource":"*"}]}"#,
        )],
        attached_to: &[AUDITOR_ROLE],
        tagged: true,
    },
    SeedPolicy {
        name: UNUSED_POLICY,
        path: "/",
        description: "Exported CloudWatch metrics to the old reporting bucket.",
        versions: &[(
            900,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["cloudwatch:GetMetricData","s3:PutObject"],"Resource":"*"}]}"#,
        )],
        attached_to: &[],
        tagged: false,
    },
];

/// AWS managed policies attached to roles in every demo account.
const AWS_ATTACHMENTS: [(&str, &str); 3] = [
    (AUDITOR_ROLE, "arn:aws:iam::aws:policy/ReadOnlyAccess"),
    (AUDITOR_ROLE, "arn:aws:iam::aws:policy/SecurityAudit"),
    (
        "observability-agent-role",
        "arn:aws:iam::aws:policy/AmazonEC2ReadOnlyAccess",
    ),
];

pub fn seed(world: &mut World, account: &str, environment: &str, now: DateTime<Utc>) {
    let iam = &mut world.account(account).iam;
    users(iam, account, now);
    roles(iam, account, environment, now);
    policies(iam, account, environment, now);
    instance_profiles(iam, account, environment, now);
    server_certificates(iam, account, environment, now);
    saml_providers(iam, account, environment, now);
    oidc_providers(iam, account, environment, now);
    mfa_devices(iam, account, environment, now);
}

fn users(iam: &mut IamState, account: &str, now: DateTime<Utc>) {
    for (i, name) in [MFA_USER, "deploy-bot"].iter().enumerate() {
        iam.users.insert(
            name.to_lowercase(),
            User {
                arn: format!("arn:aws:iam::{account}:user/{name}"),
                name: name.to_string(),
                id: ids::stable_iam_id("AIDA", &format!("{account}/user/{name}")),
                path: "/".to_string(),
                created: now - Duration::days(700 - i as i64 * 100),
            },
        );
    }
}

fn roles(iam: &mut IamState, account: &str, environment: &str, now: DateTime<Utc>) {
    let mut roles: Vec<(&str, &str, String, &str, i64)> = vec![(
        "/",
        DEFAULT_TRUST_POLICY,
        CONSOLE_ROLE.to_string(),
        "Assumed by trustdesk to read and manage trust artifacts.",
        3600,
    )];
    roles.extend(INSTANCE_PROFILES.iter().map(|(profile, _)| {
        (
            "/",
            EC2_TRUST,
            format!("{profile}-role"),
            "Instance role for the EC2 fleet.",
            3600,
        )
    }));
    let auditor_trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{account}:root"}},"Action":"sts:AssumeRole","Condition":{{"Bool":{{"aws:MultiFactorAuthPresent":"true"}}}}}}]}}"#
    );
    roles.push((
        "/audit/",
        auditor_trust.as_str(),
        AUDITOR_ROLE.to_string(),
        "Assumed by auditors, with MFA, for read-only reviews.",
        14_400,
    ));
    for (i, (path, trust, name, description, max_session)) in roles.into_iter().enumerate() {
        iam.roles.insert(
            name.to_lowercase(),
            Role {
                arn: format!("arn:aws:iam::{account}:role{path}{name}"),
                id: ids::stable_iam_id("AROA", &format!("{account}/role/{name}")),
                path: path.to_string(),
                trust_policy: trust.to_string(),
                description: Some(description.to_string()),
                max_session_duration: max_session,
                created: now - Duration::days(500 - i as i64 * 30),
                tags: tags(i, environment),
                attached_policies: Vec::new(),
                name,
            },
        );
    }
    for (role, policy) in AWS_ATTACHMENTS {
        attach(iam, role, policy);
    }
}

fn attach(iam: &mut IamState, role: &str, policy_arn: &str) {
    let role = iam
        .role_mut(role)
        .expect("the seed attaches policies to roles it made");
    role.attached_policies.push(policy_arn.to_string());
}

fn policies(iam: &mut IamState, account: &str, environment: &str, now: DateTime<Utc>) {
    for (i, policy) in POLICIES.iter().enumerate() {
        let (first, rest) = policy
            .versions
            .split_first()
            .expect("every seeded policy has a version");
        let created = now - Duration::days(first.0);
        let mut versions = PolicyVersions::new(first.1, created);
        for (age, document) in rest {
            versions
                .add(document, now - Duration::days(*age), true)
                .expect("at most five versions");
        }
        let arn = format!(
            "arn:aws:iam::{account}:policy{}{}",
            policy.path, policy.name
        );
        for role in policy.attached_to {
            attach(iam, role, &arn);
        }
        iam.policies.insert(
            policy.name.to_lowercase(),
            ManagedPolicy {
                id: ids::stable_iam_id("ANPA", &arn),
                arn,
                name: policy.name.to_string(),
                path: policy.path.to_string(),
                description: Some(policy.description.to_string()),
                versions,
                created,
                tags: if policy.tagged {
                    tags(i, environment)
                } else {
                    Vec::new()
                },
            },
        );
    }
}

fn instance_profiles(iam: &mut IamState, account: &str, environment: &str, now: DateTime<Utc>) {
    for (i, (name, role)) in INSTANCE_PROFILES.iter().enumerate() {
        let arn = format!("arn:aws:iam::{account}:instance-profile/{name}");
        iam.instance_profiles.insert(
            name.to_lowercase(),
            InstanceProfile {
                id: ids::stable_iam_id("AIPA", &arn),
                arn,
                name: name.to_string(),
                path: "/".to_string(),
                created: now - Duration::days(500 - i as i64 * 50),
                role: role.map(str::to_string),
                tags: tags_of(Seeded::InstanceProfile, account, name, tags(i, environment)),
            },
        );
    }
}

fn server_certificates(iam: &mut IamState, account: &str, environment: &str, now: DateTime<Utc>) {
    for (i, (name, days)) in SERVER_CERTIFICATES
        .iter()
        .zip(EXPIRY_SPREAD_DAYS)
        .enumerate()
    {
        let not_after = now + Duration::days(days);
        let not_before = not_after - Duration::days(397);
        let host = format!("{name}.{environment}.example.com");
        let (body, _key) = cert::self_signed(&host, not_before, not_after);
        let parsed = cert::parse_certificate(&body).expect("a generated certificate parses");
        let full_name = format!("{name}-{environment}");
        let arn = format!("arn:aws:iam::{account}:server-certificate/{environment}/{full_name}");
        iam.server_certificates.insert(
            full_name.to_lowercase(),
            ServerCertificate {
                id: ids::stable_iam_id("ASCA", &arn),
                arn,
                name: full_name,
                path: format!("/{environment}/"),
                uploaded: now - Duration::days(30 + i as i64 * 20),
                expiration: parsed.not_after,
                body,
                chain: None,
                tags: tags_of(
                    Seeded::ServerCertificate,
                    account,
                    name,
                    tags(i, environment),
                ),
            },
        );
    }
}

fn saml_providers(iam: &mut IamState, account: &str, environment: &str, now: DateTime<Utc>) {
    for (i, ((name, entity), days)) in SAML_PROVIDERS.iter().zip(EXPIRY_SPREAD_DAYS).enumerate() {
        let valid_until = now + Duration::days(days);
        let document = saml::sample_metadata(entity, valid_until);
        // Read back as CreateSAMLProvider would, so ValidUntil is what the metadata says.
        let metadata = saml::parse_metadata(&document).expect("the sample metadata parses");
        let arn = format!("arn:aws:iam::{account}:saml-provider/{name}");
        iam.saml_providers.insert(
            name.to_string(),
            SamlProvider {
                uuid: ids::stable_uuid(&arn),
                arn,
                document,
                valid_until: metadata.valid_until,
                created: now - Duration::days(300 - i as i64 * 40),
                tags: tags_of(
                    Seeded::SamlProvider,
                    account,
                    name,
                    tags(i + 2, environment),
                ),
            },
        );
    }
}

fn oidc_providers(iam: &mut IamState, account: &str, environment: &str, now: DateTime<Utc>) {
    let providers: [(&str, &[&str], usize); 4] = [
        (
            "token.actions.githubusercontent.com",
            &["sts.amazonaws.com", "https://github.com/example-org"],
            1,
        ),
        (
            "oidc.eks.us-east-1.amazonaws.com/id/5C8A3F1E9B2D4E6F",
            &["sts.amazonaws.com"],
            2,
        ),
        ("gitlab.example.com", &["https://gitlab.example.com"], 1),
        ("app.terraform.io", &["aws.workload.identity"], 1),
    ];
    for (i, (url, client_ids, thumbprints)) in providers.iter().enumerate() {
        let arn = format!("arn:aws:iam::{account}:oidc-provider/{url}");
        iam.oidc_providers.insert(
            url.to_string(),
            OidcProvider {
                url: url.to_string(),
                client_ids: client_ids.iter().map(|c| c.to_string()).collect(),
                thumbprints: (0..*thumbprints)
                    .map(|n| ids::stable_hex(&format!("{arn}#{n}"), 40))
                    .collect(),
                arn,
                created: now - Duration::days(200 + i as i64 * 30),
                tags: tags_of(Seeded::OidcProvider, account, url, tags(i + 1, environment)),
            },
        );
    }
}

fn mfa_devices(iam: &mut IamState, account: &str, environment: &str, now: DateTime<Utc>) {
    for (i, device) in MFA_DEVICES.iter().enumerate() {
        let serial = format!("arn:aws:iam::{account}:mfa/{device}");
        let seed = mfa::base32(&ids::stable_bytes(&serial, 40));
        let qr_png =
            mfa::qr_code_png(&mfa::otpauth_uri(device, account, &seed)).unwrap_or_default();
        let assignment = (*device == ASSIGNED_MFA_DEVICE).then(|| MfaAssignment {
            user: MFA_USER.to_string(),
            enabled: now - Duration::days(60),
        });
        iam.mfa_devices.insert(
            serial.clone(),
            VirtualMfaDevice {
                serial,
                name: device.to_string(),
                seed,
                qr_png,
                created: now - Duration::days(90),
                tags: tags_of(Seeded::MfaDevice, account, device, tags(i + 4, environment)),
                assignment,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::{demo, DEV_ACCOUNT, PROD_ACCOUNT};
    use super::*;

    fn days_left(until: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
        (until - now).num_hours().div_euclid(24)
    }

    /// Expired, within 7 days, within 30 days, later.
    fn expiry_classes(mut days: Vec<i64>) -> Vec<&'static str> {
        days.sort();
        days.into_iter()
            .map(|d| match d {
                i64::MIN..0 => "expired",
                0..7 => "7 days",
                7..30 => "30 days",
                _ => "later",
            })
            .collect()
    }

    #[test]
    fn every_iam_inventory_is_filled_in_both_accounts() {
        let mut world = World::default();
        demo(&mut world);
        let now = world.now();
        for account in [PROD_ACCOUNT, DEV_ACCOUNT] {
            let iam = &world.account(account).iam;

            assert_eq!(iam.policies.len(), 7);
            let versioned = iam.policies.get(VERSIONED_POLICY).unwrap();
            let ids: Vec<&str> = versioned
                .versions
                .all()
                .iter()
                .map(|v| v.id.as_str())
                .collect();
            assert_eq!(ids, ["v1", "v2", "v3"]);
            assert_eq!(versioned.versions.default_id(), "v3");
            let attached = iam
                .policies
                .values()
                .filter(|p| iam.attachment_count(&p.arn) > 0)
                .count();
            assert_eq!(attached, 5, "five customer managed policies are attached");
            let unused = iam.policies.get(UNUSED_POLICY).unwrap();
            assert_eq!(iam.attachment_count(&unused.arn), 0);
            assert!(unused.tags.is_empty());
            assert_eq!(
                iam.attachment_count("arn:aws:iam::aws:policy/ReadOnlyAccess"),
                1
            );
            assert_eq!(
                iam.role(CONSOLE_ROLE).unwrap().attached_policies.len(),
                2,
                "{account}"
            );
            assert_eq!(iam.roles.len(), 6);

            assert_eq!(iam.instance_profiles.len(), 4);
            assert_eq!(
                iam.instance_profiles
                    .values()
                    .filter(|p| p.role.is_none())
                    .count(),
                1
            );
            for profile in iam.instance_profiles.values() {
                if let Some(role) = &profile.role {
                    assert!(iam.role(role).is_ok(), "{role}");
                }
            }

            let spread = ["expired", "7 days", "30 days", "later", "later"];
            let certificate_days = iam
                .server_certificates
                .values()
                .map(|c| days_left(c.expiration, now))
                .collect();
            assert_eq!(expiry_classes(certificate_days), spread);
            let saml_days = iam
                .saml_providers
                .values()
                .map(|p| days_left(p.valid_until.unwrap(), now))
                .collect();
            assert_eq!(expiry_classes(saml_days), spread);
            for provider in iam.saml_providers.values() {
                let parsed = saml::parse_metadata(&provider.document).unwrap();
                assert_eq!(parsed.valid_until, provider.valid_until);
            }

            assert_eq!(iam.oidc_providers.len(), 4);
            let github = iam
                .oidc_providers
                .get("token.actions.githubusercontent.com")
                .unwrap();
            assert_eq!(github.client_ids.len(), 2);
            for provider in iam.oidc_providers.values() {
                assert!(!provider.thumbprints.is_empty());
                assert!(provider.thumbprints.iter().all(|t| t.len() == 40));
            }

            assert_eq!(iam.mfa_devices.len(), 4);
            let assigned: Vec<&str> = iam
                .mfa_devices
                .values()
                .filter(|d| d.assignment.is_some())
                .map(|d| d.name.as_str())
                .collect();
            assert_eq!(assigned, [ASSIGNED_MFA_DEVICE]);
            assert!(iam.user(MFA_USER).is_ok());

            let untagged_items = iam.policies.values().filter(|p| p.tags.is_empty()).count()
                + iam.roles.values().filter(|r| r.tags.is_empty()).count()
                + iam
                    .mfa_devices
                    .values()
                    .filter(|d| d.tags.is_empty())
                    .count();
            assert_eq!(untagged_items, 1, "only the unused policy is untagged");
        }
    }

    #[test]
    fn the_seed_is_the_same_on_every_run() {
        let snapshot = |world: &mut World| {
            let iam = &world.account(PROD_ACCOUNT).iam;
            let mut ids: Vec<String> = iam.policies.values().map(|p| p.id.clone()).collect();
            ids.extend(iam.roles.values().map(|r| r.id.clone()));
            ids.extend(iam.instance_profiles.values().map(|p| p.id.clone()));
            ids.extend(iam.server_certificates.values().map(|c| c.id.clone()));
            ids.extend(iam.saml_providers.values().map(|p| p.uuid.clone()));
            ids.extend(
                iam.oidc_providers
                    .values()
                    .flat_map(|p| p.thumbprints.clone()),
            );
            ids.extend(iam.mfa_devices.values().map(|d| d.seed.clone()));
            ids
        };
        let (mut first, mut second) = (World::default(), World::default());
        demo(&mut first);
        demo(&mut second);
        assert_eq!(snapshot(&mut first), snapshot(&mut second));
        let id_in = |world: &mut World, account: &str| {
            world.account(account).iam.policies[VERSIONED_POLICY]
                .id
                .clone()
        };
        let prod = id_in(&mut first, PROD_ACCOUNT);
        assert_ne!(
            prod,
            id_in(&mut first, DEV_ACCOUNT),
            "ids differ by account"
        );
    }
}
