//! AWS items as the console shows them, whatever their kind: where they live, what they are
//! called, their status and expiry, their tags, and their other safe fields for the detail page.

use serde::{Deserialize, Serialize};

/// The kinds of AWS item the console manages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceKind {
    VerificationToken,
    TrustProvider,
    LicenseToken,
    IdentitySource,
}

/// The AWS service a kind belongs to; the navigation groups kinds by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Service {
    Ec2,
    Iam,
    LicenseManager,
    MultiPartyApproval,
}

impl Service {
    pub const ALL: [Service; 4] = [
        Service::Ec2,
        Service::Iam,
        Service::LicenseManager,
        Service::MultiPartyApproval,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Service::Ec2 => "EC2",
            Service::Iam => "IAM",
            Service::LicenseManager => "License Manager",
            Service::MultiPartyApproval => "Multi-party approval",
        }
    }
}

/// What the generic machinery (navigation, inventory, detail page, tags, delete, refresh)
/// needs to know of a kind: one entry per kind, in [`ResourceKind::info`].
#[derive(Debug)]
pub struct KindInfo {
    /// The stable name used in URLs, the cache and the audit trail.
    pub slug: &'static str,
    /// Plural, for page titles.
    pub title: &'static str,
    pub singular: &'static str,
    /// Short plural for the navigation.
    pub nav_label: &'static str,
    /// The inventory page.
    pub path: &'static str,
    pub service: Service,
    pub has_expiry: bool,
    pub has_tags: bool,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 4] = [
        ResourceKind::VerificationToken,
        ResourceKind::TrustProvider,
        ResourceKind::LicenseToken,
        ResourceKind::IdentitySource,
    ];

    pub fn info(self) -> &'static KindInfo {
        match self {
            ResourceKind::VerificationToken => &KindInfo {
                slug: "verification-token",
                title: "IPAM verification tokens",
                singular: "verification token",
                nav_label: "Verification tokens",
                path: "/verification-tokens",
                service: Service::Ec2,
                has_expiry: true,
                has_tags: true,
            },
            ResourceKind::TrustProvider => &KindInfo {
                slug: "trust-provider",
                title: "Verified Access trust providers",
                singular: "trust provider",
                nav_label: "Trust providers",
                path: "/trust-providers",
                service: Service::Ec2,
                has_expiry: false,
                has_tags: true,
            },
            ResourceKind::LicenseToken => &KindInfo {
                slug: "license-token",
                title: "License Manager tokens",
                singular: "license token",
                nav_label: "License tokens",
                path: "/license-tokens",
                service: Service::LicenseManager,
                has_expiry: true,
                // AWS has no tags on License Manager tokens.
                has_tags: false,
            },
            ResourceKind::IdentitySource => &KindInfo {
                slug: "identity-source",
                title: "Multi-party approval identity sources",
                singular: "identity source",
                nav_label: "Identity sources",
                path: "/identity-sources",
                service: Service::MultiPartyApproval,
                has_expiry: false,
                has_tags: true,
            },
        }
    }

    /// The stable name used in URLs, the cache and the audit trail.
    pub fn as_str(self) -> &'static str {
        self.info().slug
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Plural, for page titles.
    pub fn title(self) -> &'static str {
        self.info().title
    }

    pub fn singular(self) -> &'static str {
        self.info().singular
    }

    /// The inventory page.
    pub fn path(self) -> &'static str {
        self.info().path
    }

    pub fn service(self) -> Service {
        self.info().service
    }

    pub fn has_expiry(self) -> bool {
        self.info().has_expiry
    }

    pub fn has_tags(self) -> bool {
        self.info().has_tags
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

/// A labelled value on the detail page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub label: String,
    pub value: String,
}

/// Which item: kind, account (by its configured name), region and AWS id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceRef {
    pub kind: ResourceKind,
    pub account: String,
    pub region: String,
    pub id: String,
}

impl ResourceRef {
    pub fn detail_path(&self) -> String {
        format!(
            "/resources/{}/{}/{}/{}",
            self.kind.as_str(),
            self.account,
            self.region,
            self.id
        )
    }

    /// `account/region/id`, how forms name an item in one field.
    pub fn to_target(&self) -> String {
        format!("{}/{}/{}", self.account, self.region, self.id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwsItem {
    pub item: ResourceRef,
    /// The AWS account id behind the configured account name.
    pub account_id: String,
    pub name: String,
    pub status: String,
    /// RFC 3339, UTC.
    pub expires_at: Option<String>,
    pub tags: Vec<Tag>,
    pub fields: Vec<Field>,
    /// When the console last read this item from AWS (RFC 3339, UTC).
    pub last_seen: String,
    /// Whole days until expiry, negative once expired; computed when the item is read.
    #[serde(default)]
    pub expires_in_days: Option<i64>,
}

impl AwsItem {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.value.as_str())
    }
}

/// Days below which an expiry is shown as close.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// The filter, sort and page of an inventory view, as carried in its URL.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryQuery {
    /// Free text matched against id, name and tag values.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub account: String,
    #[serde(default)]
    pub region: String,
    #[serde(default)]
    pub status: String,
    /// `Key=Value`, or `Key` alone for any value.
    #[serde(default)]
    pub tag: String,
    /// An expiry window: `expired`, `7d`, `30d` or `90d` (not yet expired, due within that
    /// many days), `none` (no expiry), or empty for all.
    #[serde(default)]
    pub expires: String,
    /// `expiry` (default), `-expiry`, `name`, `-name`, `account`, `region`, `status`.
    #[serde(default)]
    pub sort: String,
    #[serde(default)]
    pub page: u32,
}

pub const INVENTORY_PAGE_SIZE: usize = 25;

/// The expiry windows an inventory can be filtered by: URL value, label, and the window's end
/// in days from now (`None` for the two that are not windows ahead).
pub const EXPIRY_WINDOWS: [(&str, &str, Option<i64>); 5] = [
    ("expired", "Expired", None),
    ("7d", "Within 7 days", Some(7)),
    ("30d", "Within 30 days", Some(30)),
    ("90d", "Within 90 days", Some(90)),
    ("none", "No expiry", None),
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InventoryPage {
    pub kind: ResourceKind,
    pub items: Vec<AwsItem>,
    /// Items matching the filter, over all pages.
    pub total: usize,
    pub page: u32,
    pub pages: u32,
    /// Values to offer in the filter selects.
    pub accounts: Vec<String>,
    pub regions: Vec<String>,
    pub statuses: Vec<String>,
    /// The oldest refresh among the account/region pairs shown (RFC 3339), if any.
    pub refreshed_at: Option<String>,
}

/// What a refresh found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshReport {
    pub items: usize,
    /// One sentence per account/region that could not be read.
    pub failures: Vec<String>,
}

/// An IPAM a verification token can be created in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IpamChoice {
    pub account: String,
    pub region: String,
    pub ipam_id: String,
    pub description: String,
}

impl IpamChoice {
    pub fn target(&self) -> String {
        format!("{}/{}/{}", self.account, self.region, self.ipam_id)
    }
}

/// The verification-token form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewVerificationToken {
    /// `account/region/ipam-id`.
    pub ipam: String,
    /// One `Key=Value` per line.
    #[serde(default)]
    pub tags: String,
    /// Rendered with the form, so a double submit creates one token.
    pub client_token: String,
}

/// A token just created: its name and value, which prove ownership.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedVerificationToken {
    pub resource: AwsItem,
    pub token_name: String,
    pub token_value: String,
}

/// What the verification-token form needs: the IPAMs to choose from and this form's
/// idempotency token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenFormOptions {
    pub ipams: Vec<IpamChoice>,
    pub client_token: String,
}

/// Which of a create form's buttons was pressed: create, or check permissions with a dry run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FormIntent {
    #[default]
    Create,
    Check,
}

/// What the verification-token form's submit did: created, or checked permissions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TokenFormOutcome {
    Created(Box<CreatedVerificationToken>),
    Checked(PermissionCheck),
}

/// The outcome of a "Check permissions" dry run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PermissionCheck {
    pub allowed: bool,
    pub message: String,
}

/// The trust-provider form (create, and modify where noted). The OIDC client secret is
/// write-only: sent to AWS, never shown, stored, logged or audited.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustProviderForm {
    /// `account/region` (create only).
    #[serde(default)]
    pub target: String,
    /// `user` or `device` (create only).
    #[serde(default)]
    pub trust_provider_type: String,
    /// `iam-identity-center` or `oidc`, for user providers (create only).
    #[serde(default)]
    pub user_trust_provider_type: String,
    /// `jamf`, `crowdstrike` or `jumpcloud`, for device providers (create only).
    #[serde(default)]
    pub device_trust_provider_type: String,
    #[serde(default)]
    pub policy_reference_name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub oidc_issuer: String,
    #[serde(default)]
    pub oidc_authorization_endpoint: String,
    #[serde(default)]
    pub oidc_token_endpoint: String,
    #[serde(default)]
    pub oidc_user_info_endpoint: String,
    #[serde(default)]
    pub oidc_client_id: String,
    #[serde(default)]
    pub oidc_client_secret: String,
    #[serde(default)]
    pub oidc_scope: String,
    #[serde(default)]
    pub device_tenant_id: String,
    #[serde(default)]
    pub device_public_signing_key_url: String,
    /// A checkbox: present (any value) when ticked.
    #[serde(default)]
    pub sse_customer_managed_key: Option<String>,
    #[serde(default)]
    pub sse_kms_key_arn: String,
    /// One `Key=Value` per line (create only).
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub client_token: String,
}

impl TrustProviderForm {
    /// Whether any OIDC option is filled in (on modify, empty ones keep their value).
    pub fn gives_oidc_options(&self) -> bool {
        [
            &self.oidc_issuer,
            &self.oidc_authorization_endpoint,
            &self.oidc_token_endpoint,
            &self.oidc_user_info_endpoint,
            &self.oidc_client_id,
            &self.oidc_client_secret,
            &self.oidc_scope,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }
}

/// Accounts and regions a new item can go to, and this form's idempotency token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateFormOptions {
    /// `account/region` values.
    pub targets: Vec<String>,
    pub client_token: String,
}

/// What the trust-provider form's submit did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrustProviderOutcome {
    Created(ResourceRef),
    Checked(PermissionCheck),
}

/// A license a token can be created for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseChoice {
    pub account: String,
    pub region: String,
    pub license_arn: String,
    pub name: String,
}

impl LicenseChoice {
    pub fn target(&self) -> String {
        format!("{}/{}/{}", self.account, self.region, self.license_arn)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LicenseTokenFormOptions {
    pub licenses: Vec<LicenseChoice>,
    pub client_token: String,
}

pub const LICENSE_TOKEN_DEFAULT_DAYS: u32 = 365;

/// The license-token form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLicenseToken {
    /// `account/region/license-arn`.
    #[serde(default)]
    pub license: String,
    /// IAM role ARNs, one per line.
    #[serde(default)]
    pub role_arns: String,
    /// Days from creation; empty means 365.
    #[serde(default)]
    pub expiration_in_days: String,
    /// Up to three values for the token's `amr` claim, one per line.
    #[serde(default)]
    pub token_properties: String,
    #[serde(default)]
    pub client_token: String,
}

/// The identity-source form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewIdentitySource {
    /// `account/region` where the identity source is created.
    #[serde(default)]
    pub target: String,
    /// `arn:aws:sso:::instance/ssoins-…`.
    #[serde(default)]
    pub instance_arn: String,
    /// The region of the IAM Identity Center instance.
    #[serde(default)]
    pub instance_region: String,
    /// One `Key=Value` per line.
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub client_token: String,
}

/// A token just created, with its JWT: shown once, never stored.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedLicenseToken {
    pub item: ResourceRef,
    pub jwt: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_is_listed_and_round_trips() {
        // The match is exhaustive: a new kind must be added here, and then to ALL.
        let listed = |kind: ResourceKind| match kind {
            ResourceKind::VerificationToken
            | ResourceKind::TrustProvider
            | ResourceKind::LicenseToken
            | ResourceKind::IdentitySource => ResourceKind::ALL.contains(&kind),
        };
        for kind in [
            ResourceKind::VerificationToken,
            ResourceKind::TrustProvider,
            ResourceKind::LicenseToken,
            ResourceKind::IdentitySource,
        ] {
            assert!(listed(kind), "{kind:?} is missing from ResourceKind::ALL");
            assert_eq!(ResourceKind::parse(kind.as_str()), Some(kind));
            // The slug is also the serde name, so URLs and JSON agree.
            assert_eq!(
                serde_json::to_value(kind).ok(),
                Some(serde_json::Value::String(kind.as_str().to_string()))
            );
        }
        let paths: std::collections::HashSet<_> =
            ResourceKind::ALL.iter().map(|k| k.path()).collect();
        assert_eq!(
            paths.len(),
            ResourceKind::ALL.len(),
            "two kinds share a path"
        );
    }
}

// Written by hand so that a `{:?}` anywhere (a log line, a panic message) cannot print the
// secret these carry.
impl std::fmt::Debug for TrustProviderForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustProviderForm")
            .field("target", &self.target)
            .field("trust_provider_type", &self.trust_provider_type)
            .field("user_trust_provider_type", &self.user_trust_provider_type)
            .field(
                "device_trust_provider_type",
                &self.device_trust_provider_type,
            )
            .field("policy_reference_name", &self.policy_reference_name)
            .field("description", &self.description)
            .field("oidc_issuer", &self.oidc_issuer)
            .field(
                "oidc_authorization_endpoint",
                &self.oidc_authorization_endpoint,
            )
            .field("oidc_token_endpoint", &self.oidc_token_endpoint)
            .field("oidc_user_info_endpoint", &self.oidc_user_info_endpoint)
            .field("oidc_client_id", &self.oidc_client_id)
            .field("oidc_client_secret", &"[redacted]")
            .field("oidc_scope", &self.oidc_scope)
            .field("device_tenant_id", &self.device_tenant_id)
            .field(
                "device_public_signing_key_url",
                &self.device_public_signing_key_url,
            )
            .field("sse_customer_managed_key", &self.sse_customer_managed_key)
            .field("sse_kms_key_arn", &self.sse_kms_key_arn)
            .field("tags", &self.tags)
            .field("client_token", &self.client_token)
            .finish()
    }
}

impl std::fmt::Debug for CreatedLicenseToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedLicenseToken")
            .field("item", &self.item)
            .field("jwt", &"[redacted]")
            .finish()
    }
}

#[cfg(test)]
mod redaction_tests {
    use super::*;

    #[test]
    fn debug_output_never_carries_the_secrets() {
        let form = TrustProviderForm {
            oidc_client_secret: "hunter2-secret".into(),
            ..Default::default()
        };
        assert!(!format!("{form:?}").contains("hunter2-secret"));
        let created = CreatedLicenseToken {
            item: ResourceRef {
                kind: ResourceKind::LicenseToken,
                account: "a".into(),
                region: "r".into(),
                id: "i".into(),
            },
            jwt: "eyJhbGciOiJIUzI1NiJ9.e30.sig".into(),
        };
        assert!(!format!("{created:?}").contains("eyJ"));
    }
}
