//! EC2's resources in one account and region.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::error::{ApiError, ApiResult};
use crate::ids;
use crate::state::IdempotencyTokens;
use crate::tags::Tag;

#[derive(Debug, Clone)]
pub struct Ipam {
    pub id: String,
    pub arn: String,
    pub owner: String,
    pub region: String,
    pub description: Option<String>,
    pub operating_regions: Vec<String>,
    pub tier: String,
    pub public_scope: String,
    pub private_scope: String,
    pub state: String,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone)]
pub struct VerificationToken {
    pub id: String,
    pub arn: String,
    pub ipam_id: String,
    pub ipam_arn: String,
    pub ipam_region: String,
    pub value: String,
    pub name: String,
    pub not_after: DateTime<Utc>,
    pub state: String,
    pub tags: Vec<Tag>,
}

impl VerificationToken {
    pub fn new(account: &str, ipam: &Ipam, not_after: DateTime<Utc>, tags: Vec<Tag>) -> Self {
        let id = ids::ec2_id("ipam-ext-res-ver-token");
        Self {
            arn: format!("arn:aws:ec2::{account}:ipam-external-resource-verification-token/{id}"),
            id,
            ipam_id: ipam.id.clone(),
            ipam_arn: ipam.arn.clone(),
            ipam_region: ipam.region.clone(),
            value: uuid::Uuid::new_v4().to_string(),
            name: format!("_{}", ids::random_hex(24)),
            not_after,
            state: "create-complete".to_string(),
            tags,
        }
    }

    /// `valid` until NotAfter, `expired` from then on.
    pub fn status(&self, now: DateTime<Utc>) -> &'static str {
        if now < self.not_after {
            "valid"
        } else {
            "expired"
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct OidcOptions {
    pub issuer: Option<String>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub user_info_endpoint: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub scope: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct DeviceOptions {
    pub tenant_id: Option<String>,
    pub public_signing_key_url: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct SseSpecification {
    pub customer_managed_key_enabled: bool,
    pub kms_key_arn: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TrustProvider {
    pub id: String,
    pub description: Option<String>,
    pub trust_provider_type: String,
    pub user_trust_provider_type: Option<String>,
    pub device_trust_provider_type: Option<String>,
    pub oidc: Option<OidcOptions>,
    pub device: Option<DeviceOptions>,
    pub policy_reference_name: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub tags: Vec<Tag>,
    pub sse: SseSpecification,
}

#[derive(Debug, Default)]
pub struct Ec2State {
    pub ipams: BTreeMap<String, Ipam>,
    pub tokens: BTreeMap<String, VerificationToken>,
    pub trust_providers: BTreeMap<String, TrustProvider>,
    pub idempotency: IdempotencyTokens,
}

const TOKEN_PREFIX: &str = "ipam-ext-res-ver-token-";

impl Ec2State {
    pub fn tags_of(&self, id: &str) -> ApiResult<&Vec<Tag>> {
        let found = if id.starts_with(TOKEN_PREFIX) {
            self.tokens.get(id).map(|t| &t.tags)
        } else if id.starts_with("ipam-") {
            self.ipams.get(id).map(|i| &i.tags)
        } else if id.starts_with("vatp-") {
            self.trust_providers.get(id).map(|p| &p.tags)
        } else {
            return Err(ApiError::bad_request(
                "InvalidID",
                format!("The ID '{id}' is not valid"),
            ));
        };
        found.ok_or_else(|| resource_not_found(id))
    }

    pub fn tags_of_mut(&mut self, id: &str) -> ApiResult<&mut Vec<Tag>> {
        let found = if id.starts_with(TOKEN_PREFIX) {
            self.tokens.get_mut(id).map(|t| &mut t.tags)
        } else if id.starts_with("ipam-") {
            self.ipams.get_mut(id).map(|i| &mut i.tags)
        } else if id.starts_with("vatp-") {
            self.trust_providers.get_mut(id).map(|p| &mut p.tags)
        } else {
            return Err(ApiError::bad_request(
                "InvalidID",
                format!("The ID '{id}' is not valid"),
            ));
        };
        found.ok_or_else(|| resource_not_found(id))
    }

    pub fn all_tags(&self) -> Vec<(String, &'static str, &Vec<Tag>)> {
        let ipams = self.ipams.values().map(|i| (i.id.clone(), "ipam", &i.tags));
        let tokens = self.tokens.values().map(|t| {
            (
                t.id.clone(),
                "ipam-external-resource-verification-token",
                &t.tags,
            )
        });
        let providers = self
            .trust_providers
            .values()
            .map(|p| (p.id.clone(), "verified-access-trust-provider", &p.tags));
        ipams.chain(tokens).chain(providers).collect()
    }
}

fn resource_not_found(id: &str) -> ApiError {
    let code = if id.starts_with(TOKEN_PREFIX) {
        "InvalidIpamExternalResourceVerificationTokenId.NotFound"
    } else if id.starts_with("ipam-") {
        "InvalidIpamId.NotFound"
    } else {
        "InvalidVerifiedAccessTrustProviderId.NotFound"
    };
    ApiError::bad_request(code, format!("The resource ID '{id}' does not exist"))
}
