//! The demo data: two accounts (prod and dev) and two regions, with every kind of item the
//! console manages, named and tagged as a real organisation would, and expiries spread from
//! already expired to months away so every alert state is on show. A few items break the tags
//! an organisation requires, on purpose and always the same ones ([`untidy`]). Prod manages an
//! AWS Organizations organization of five accounts ([`organization`]).

pub mod iam;
pub mod organization;
pub mod scale;
pub mod untidy;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};

use crate::ids;
use crate::services::ec2::{
    DeviceOptions, Ipam, OidcOptions, SseSpecification, TrustProvider, VerificationToken,
};
use crate::services::license_manager::{License, TokenGrant};
use crate::state::{World, DEFAULT_ACCOUNT};
use crate::tags::Tag;
use untidy::Seeded;

pub use organization::{
    AUDIT_ACCOUNT, LEGACY_ACCOUNT, ORGANIZATION_ID, ROOT_ID, SANDBOX_ACCOUNT, SECURITY_OU,
    WORKLOADS_OU,
};

pub const PROD_ACCOUNT: &str = DEFAULT_ACCOUNT;
pub const DEV_ACCOUNT: &str = "210987654321";
pub const REGIONS: [&str; 2] = ["us-east-1", "eu-west-1"];
/// The role trustdesk assumes in each demo account.
pub const CONSOLE_ROLE: &str = "TrustdeskReadWrite";

/// Days from now: expired, 3 days, 10 days, 40 days, 200 days.
pub const EXPIRY_SPREAD_DAYS: [i64; 5] = [-5, 3, 10, 40, 200];

struct Team {
    owner: &'static str,
    cost_centre: &'static str,
    team: &'static str,
}

const TEAMS: [Team; 5] = [
    Team {
        owner: "priya.raman@example.com",
        cost_centre: "CC-1040",
        team: "platform",
    },
    Team {
        owner: "marcus.lee@example.com",
        cost_centre: "CC-2210",
        team: "payments",
    },
    Team {
        owner: "sofia.garcia@example.com",
        cost_centre: "CC-3105",
        team: "identity",
    },
    Team {
        owner: "tom.okafor@example.com",
        cost_centre: "CC-1040",
        team: "data",
    },
    Team {
        owner: "ana.kowalski@example.com",
        cost_centre: "CC-4400",
        team: "security",
    },
];

fn tags(i: usize, environment: &str) -> Vec<Tag> {
    let team = &TEAMS[i % TEAMS.len()];
    vec![
        Tag::new("Owner", team.owner),
        Tag::new("CostCentre", team.cost_centre),
        Tag::new("Team", team.team),
        Tag::new("Environment", environment),
    ]
}

pub fn demo(world: &mut World) {
    let now = world.now();
    for (account, environment) in [(PROD_ACCOUNT, "prod"), (DEV_ACCOUNT, "dev")] {
        iam::seed(world, account, environment, now);
        for region in REGIONS {
            seed_region(world, account, environment, region, now);
        }
    }
    organization::seed(world, now);
}

fn seed_region(
    world: &mut World,
    account: &str,
    environment: &str,
    region: &str,
    now: DateTime<Utc>,
) {
    let state = world.account(account).region(region);

    let ec2 = &mut state.ec2;
    let ipam_id = ids::ec2_id("ipam");
    let ipam = Ipam {
        arn: format!("arn:aws:ec2::{account}:ipam/{ipam_id}"),
        id: ipam_id.clone(),
        owner: account.to_string(),
        region: region.to_string(),
        description: Some(format!("{environment} address management ({region})")),
        operating_regions: vec![region.to_string()],
        tier: "advanced".to_string(),
        public_scope: ids::ec2_id("ipam-scope"),
        private_scope: ids::ec2_id("ipam-scope"),
        state: "create-complete".to_string(),
        tags: tags(0, environment),
    };
    let ranges = [
        "203.0.113.0/24",
        "198.51.100.0/24",
        "192.0.2.0/24",
        "2001:db8:1000::/36",
        "2001:db8:2000::/36",
    ];
    for (i, (range, days)) in ranges.iter().zip(EXPIRY_SPREAD_DAYS).enumerate() {
        let name = format!("byoip {range}");
        let mut token_tags = untidy::tags_of(
            Seeded::VerificationToken,
            account,
            &name,
            tags(i, environment),
        );
        token_tags.push(Tag::new("Name", name));
        let token = VerificationToken::new(account, &ipam, now + Duration::days(days), token_tags);
        ec2.tokens.insert(token.id.clone(), token);
    }
    ec2.ipams.insert(ipam_id, ipam);

    let providers: [(&str, Option<&str>, Option<&str>, &str); 4] = [
        ("user", Some("oidc"), None, "okta"),
        ("user", Some("iam-identity-center"), None, "idc"),
        ("device", None, Some("jamf"), "jamf_macs"),
        ("device", None, Some("crowdstrike"), "crowdstrike_posture"),
    ];
    for (i, (kind, user_type, device_type, reference)) in providers.iter().enumerate() {
        let id = ids::ec2_id("vatp");
        let created = now - Duration::days(120 - i as i64 * 25);
        ec2.trust_providers.insert(
            id.clone(),
            TrustProvider {
                id,
                description: Some(format!("{reference} for {environment} internal apps")),
                trust_provider_type: kind.to_string(),
                user_trust_provider_type: user_type.map(str::to_string),
                device_trust_provider_type: device_type.map(str::to_string),
                oidc: (*user_type == Some("oidc")).then(|| OidcOptions {
                    issuer: Some("https://example.okta.com".to_string()),
                    authorization_endpoint: Some(
                        "https://example.okta.com/oauth2/v1/authorize".to_string(),
                    ),
                    token_endpoint: Some("https://example.okta.com/oauth2/v1/token".to_string()),
                    user_info_endpoint: Some(
                        "https://example.okta.com/oauth2/v1/userinfo".to_string(),
                    ),
                    client_id: Some(format!("0oa{}", ids::random_alphanumeric(17))),
                    client_secret: Some(ids::random_alphanumeric(40)),
                    scope: Some("openid profile groups".to_string()),
                }),
                device: device_type.map(|t| DeviceOptions {
                    tenant_id: (t != "crowdstrike").then(|| uuid::Uuid::new_v4().to_string()),
                    public_signing_key_url: None,
                }),
                policy_reference_name: reference.to_string(),
                created,
                updated: created,
                tags: untidy::tags_of(
                    Seeded::TrustProvider,
                    account,
                    reference,
                    tags(i + 1, environment),
                ),
                sse: SseSpecification::default(),
            },
        );
    }

    let lm = &mut state.license_manager;
    let products = [
        ("Tableau Server", "TAB-SRV-CORE"),
        ("Red Hat Enterprise Linux", "RHEL-PREMIUM"),
    ];
    let mut license_arns = Vec::new();
    for (i, (product, sku)) in products.iter().enumerate() {
        let arn = format!(
            "arn:aws:license-manager::{account}:license:l-{}",
            ids::random_hex(32)
        );
        lm.licenses.insert(
            arn.clone(),
            License {
                arn: arn.clone(),
                name: format!("{product} ({environment})"),
                product_name: product.to_string(),
                product_sku: sku.to_string(),
                issuer_name: "Example Software Vendor".to_string(),
                sign_key: None,
                home_region: region.to_string(),
                begin: now - Duration::days(200),
                end: Some(now + Duration::days(400 + i as i64 * 100)),
                beneficiary: account.to_string(),
                entitlements: vec![serde_json::json!({ "Name": "Cores", "MaxCount": 64, "Overage": false, "Unit": "Count", "AllowCheckIn": true })],
                consumption_configuration: serde_json::json!({ "RenewType": "Monthly", "ProvisionalConfiguration": { "MaxTimeToLiveInMinutes": 60 } }),
                metadata: vec![serde_json::json!({ "Name": "Contract", "Value": format!("PO-{}", 4400 + i) })],
                created: now - Duration::days(200),
            },
        );
        license_arns.push(arn);
    }
    for (i, days) in EXPIRY_SPREAD_DAYS.iter().enumerate() {
        let expires = now + Duration::days(*days);
        let license = &license_arns[i % license_arns.len()];
        let role = format!(
            "arn:aws:iam::{account}:role/{}",
            ["license-consumer", "tableau-node", "rhel-fleet"][i % 3]
        );
        let grant = TokenGrant {
            license_arn: license.clone(),
            role_arns: vec![role],
            token_properties: vec![format!("team={}", TEAMS[i].team)],
            created: expires - Duration::days(365),
            expires,
        };
        lm.issue_token(account, region, grant);
    }

    let instance_arn = format!("arn:aws:sso:::instance/ssoins-{}", ids::random_hex(16));
    let mut source_tags = BTreeMap::new();
    for tag in tags(2, environment) {
        source_tags.insert(tag.key, tag.value);
    }
    state.mpa.insert(
        account,
        region,
        &instance_arn,
        region,
        now - Duration::days(60),
        source_tags,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every item of the kinds trustdesk tags, with its tags as `(key, value)`.
    fn tagged_items(world: &mut World, account: &str) -> Vec<Vec<(String, String)>> {
        let pairs = |tags: &[Tag]| -> Vec<(String, String)> {
            tags.iter()
                .map(|t| (t.key.clone(), t.value.clone()))
                .collect()
        };
        let account_state = world.account(account);
        let iam = &account_state.iam;
        let mut items: Vec<Vec<(String, String)>> = Vec::new();
        items.extend(iam.policies.values().map(|p| pairs(&p.tags)));
        items.extend(iam.instance_profiles.values().map(|p| pairs(&p.tags)));
        items.extend(iam.server_certificates.values().map(|c| pairs(&c.tags)));
        items.extend(iam.saml_providers.values().map(|p| pairs(&p.tags)));
        items.extend(iam.oidc_providers.values().map(|p| pairs(&p.tags)));
        items.extend(iam.mfa_devices.values().map(|d| pairs(&d.tags)));
        for region in REGIONS {
            let state = account_state.region(region);
            items.extend(state.ec2.tokens.values().map(|t| pairs(&t.tags)));
            items.extend(state.ec2.trust_providers.values().map(|p| pairs(&p.tags)));
            items.extend(
                state
                    .mpa
                    .identity_sources
                    .values()
                    .map(|s| s.tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
            );
        }
        items
    }

    fn is_cost_centre(value: &str) -> bool {
        value.len() == 7
            && value.starts_with("CC-")
            && value[3..].bytes().all(|b| b.is_ascii_digit())
    }

    #[test]
    fn exactly_the_listed_items_break_the_tags_an_organisation_requires() {
        let mut world = World::default();
        demo(&mut world);
        for account in [PROD_ACCOUNT, DEV_ACCOUNT] {
            let items = tagged_items(&mut world, account);
            let has = |tags: &Vec<(String, String)>, key: &str| tags.iter().any(|(k, _)| k == key);
            let without_owner = items.iter().filter(|t| !has(t, "Owner")).count();
            let misspelled = items.iter().filter(|t| has(t, "costcenter")).count();
            let bad_value = items
                .iter()
                .filter(|t| {
                    t.iter()
                        .any(|(k, v)| k == "CostCentre" && !is_cost_centre(v))
                })
                .count();
            let no_cost_centre = items
                .iter()
                .filter(|t| !has(t, "CostCentre") && !has(t, "costcenter"))
                .count();
            assert_eq!(without_owner, untidy::ITEMS_WITHOUT_OWNER, "{account}");
            assert_eq!(
                (misspelled, bad_value, no_cost_centre),
                (3, 1, 1),
                "{account}"
            );
            assert_eq!(
                misspelled + bad_value + no_cost_centre,
                untidy::ITEMS_WITH_A_BAD_COST_CENTRE,
                "{account}"
            );
            let untidy_items = items
                .iter()
                .filter(|t| {
                    !has(t, "Owner")
                        || !t
                            .iter()
                            .any(|(k, v)| k == "CostCentre" && is_cost_centre(v))
                })
                .count();
            assert_eq!(
                untidy_items,
                untidy::ITEMS_WITHOUT_OWNER + untidy::ITEMS_WITH_A_BAD_COST_CENTRE - 1,
                "{account}: the untagged policy breaks both"
            );
        }
    }

    #[test]
    fn seeds_both_accounts_and_regions_with_the_expiry_spread() {
        let mut world = World::default();
        demo(&mut world);
        let now = world.now();
        for account in [PROD_ACCOUNT, DEV_ACCOUNT] {
            let account_state = world.account(account);
            assert_eq!(account_state.iam.server_certificates.len(), 5);
            let mut days: Vec<i64> = account_state
                .iam
                .server_certificates
                .values()
                .map(|c| (c.expiration - now).num_days())
                .collect();
            days.sort();
            // Certificates carry whole dates, so the day count may round down by one.
            for (actual, wanted) in days.iter().zip(EXPIRY_SPREAD_DAYS) {
                assert!((actual - wanted).abs() <= 1, "{actual} vs {wanted}");
            }
            assert!(account_state.iam.role(CONSOLE_ROLE).is_ok());
            for region in REGIONS {
                let region_state = account_state.region(region);
                assert_eq!(region_state.ec2.tokens.len(), 5);
                assert!(region_state
                    .ec2
                    .tokens
                    .values()
                    .any(|t| t.status(now) == "expired"));
                assert_eq!(region_state.license_manager.tokens.len(), 5);
                assert_eq!(region_state.ec2.trust_providers.len(), 4);
                assert_eq!(region_state.mpa.identity_sources.len(), 1);
            }
        }
    }

    #[test]
    fn the_organization_holds_five_accounts_and_only_the_audit_one_lacks_the_role() {
        let mut world = World::default();
        demo(&mut world);
        let org = world.organization.clone().expect("the demo's organization");
        assert_eq!(org.management_account, PROD_ACCOUNT);
        let placed: Vec<(&str, &str, &str)> = org
            .members
            .values()
            .map(|m| (m.id.as_str(), m.name.as_str(), m.parent.as_str()))
            .collect();
        assert_eq!(
            placed,
            [
                (PROD_ACCOUNT, "prod", ROOT_ID),
                (DEV_ACCOUNT, "dev", WORKLOADS_OU),
                (SANDBOX_ACCOUNT, "sandbox", WORKLOADS_OU),
                (AUDIT_ACCOUNT, "audit", SECURITY_OU),
                (LEGACY_ACCOUNT, "legacy", SECURITY_OU),
            ]
        );
        assert_eq!(org.members[LEGACY_ACCOUNT].state.status(), "SUSPENDED");
        for account in [PROD_ACCOUNT, DEV_ACCOUNT, SANDBOX_ACCOUNT, LEGACY_ACCOUNT] {
            assert!(
                world.account(account).iam.role(CONSOLE_ROLE).is_ok(),
                "{account}"
            );
        }
        assert!(world.accounts.contains_key(AUDIT_ACCOUNT));
        assert!(world.account(AUDIT_ACCOUNT).iam.role(CONSOLE_ROLE).is_err());
        let sandbox = world.account(SANDBOX_ACCOUNT);
        assert_eq!(sandbox.iam.roles.len(), 1, "the role and nothing else");
        assert!(sandbox.iam.policies.is_empty() && sandbox.regions.is_empty());
    }
}
