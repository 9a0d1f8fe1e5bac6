//! IAM's resources in one account, keyed as IAM keys them: names case-insensitively, SAML
//! providers by name, OIDC providers by URL, MFA devices by serial number.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::no_such_entity;
use crate::error::ApiResult;
use crate::tags::Tag;

#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub id: String,
    pub path: String,
    pub description: Option<String>,
    pub document: String,
    pub created: DateTime<Utc>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone)]
pub struct Role {
    pub arn: String,
    pub name: String,
    pub id: String,
    pub path: String,
    pub trust_policy: String,
    pub description: Option<String>,
    pub max_session_duration: i64,
    pub created: DateTime<Utc>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone)]
pub struct InstanceProfile {
    pub arn: String,
    pub name: String,
    pub id: String,
    pub path: String,
    pub created: DateTime<Utc>,
    /// An instance profile holds at most one role.
    pub role: Option<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone)]
pub struct ServerCertificate {
    pub arn: String,
    pub name: String,
    pub id: String,
    pub path: String,
    pub uploaded: DateTime<Utc>,
    /// The certificate's notAfter.
    pub expiration: DateTime<Utc>,
    pub body: String,
    pub chain: Option<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone)]
pub struct SamlProvider {
    pub arn: String,
    pub uuid: String,
    pub document: String,
    /// The metadata's `validUntil`.
    pub valid_until: Option<DateTime<Utc>>,
    pub created: DateTime<Utc>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone)]
pub struct OidcProvider {
    pub arn: String,
    /// Host and path, without `https://`, as GetOpenIDConnectProvider reports it.
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub created: DateTime<Utc>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone)]
pub struct VirtualMfaDevice {
    pub serial: String,
    pub name: String,
    /// Base32 seed, as the otpauth URI carries it.
    pub seed: String,
    pub qr_png: Vec<u8>,
    pub created: DateTime<Utc>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Default)]
pub struct IamState {
    pub policies: BTreeMap<String, ManagedPolicy>,
    pub roles: BTreeMap<String, Role>,
    pub instance_profiles: BTreeMap<String, InstanceProfile>,
    pub server_certificates: BTreeMap<String, ServerCertificate>,
    pub saml_providers: BTreeMap<String, SamlProvider>,
    pub oidc_providers: BTreeMap<String, OidcProvider>,
    pub mfa_devices: BTreeMap<String, VirtualMfaDevice>,
}

pub const DEFAULT_TRUST_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;

impl IamState {
    pub fn ensure_role(&mut self, account: &str, name: &str, now: DateTime<Utc>) {
        self.roles
            .entry(name.to_lowercase())
            .or_insert_with(|| Role {
                arn: format!("arn:aws:iam::{account}:role/{name}"),
                name: name.to_string(),
                id: crate::ids::iam_unique_id("AROA"),
                path: "/".to_string(),
                trust_policy: DEFAULT_TRUST_POLICY.to_string(),
                description: None,
                max_session_duration: 3600,
                created: now,
                tags: Vec::new(),
            });
    }

    pub fn role(&self, name: &str) -> ApiResult<&Role> {
        self.roles
            .get(&name.to_lowercase())
            .ok_or_else(|| no_such_entity(format!("The role with name {name} cannot be found.")))
    }

    pub fn policy_by_arn(&self, arn: &str) -> ApiResult<&ManagedPolicy> {
        self.policies
            .values()
            .find(|p| p.arn == arn)
            .ok_or_else(|| policy_not_found(arn))
    }

    pub fn policy_by_arn_mut(&mut self, arn: &str) -> ApiResult<&mut ManagedPolicy> {
        self.policies
            .values_mut()
            .find(|p| p.arn == arn)
            .ok_or_else(|| policy_not_found(arn))
    }

    pub fn instance_profile(&self, name: &str) -> ApiResult<&InstanceProfile> {
        self.instance_profiles
            .get(&name.to_lowercase())
            .ok_or_else(|| instance_profile_not_found(name))
    }

    pub fn instance_profile_mut(&mut self, name: &str) -> ApiResult<&mut InstanceProfile> {
        self.instance_profiles
            .get_mut(&name.to_lowercase())
            .ok_or_else(|| instance_profile_not_found(name))
    }

    pub fn server_certificate(&self, name: &str) -> ApiResult<&ServerCertificate> {
        self.server_certificates
            .get(&name.to_lowercase())
            .ok_or_else(|| server_certificate_not_found(name))
    }

    pub fn server_certificate_mut(&mut self, name: &str) -> ApiResult<&mut ServerCertificate> {
        self.server_certificates
            .get_mut(&name.to_lowercase())
            .ok_or_else(|| server_certificate_not_found(name))
    }

    pub fn saml_provider(&self, arn: &str) -> ApiResult<&SamlProvider> {
        self.saml_providers
            .values()
            .find(|p| p.arn == arn)
            .ok_or_else(|| saml_not_found(arn))
    }

    pub fn saml_provider_mut(&mut self, arn: &str) -> ApiResult<&mut SamlProvider> {
        self.saml_providers
            .values_mut()
            .find(|p| p.arn == arn)
            .ok_or_else(|| saml_not_found(arn))
    }

    pub fn oidc_provider(&self, arn: &str) -> ApiResult<&OidcProvider> {
        self.oidc_providers
            .values()
            .find(|p| p.arn == arn)
            .ok_or_else(|| oidc_not_found(arn))
    }

    pub fn oidc_provider_mut(&mut self, arn: &str) -> ApiResult<&mut OidcProvider> {
        self.oidc_providers
            .values_mut()
            .find(|p| p.arn == arn)
            .ok_or_else(|| oidc_not_found(arn))
    }

    pub fn mfa_device_mut(&mut self, serial: &str) -> ApiResult<&mut VirtualMfaDevice> {
        self.mfa_devices.get_mut(serial).ok_or_else(|| {
            no_such_entity(format!(
                "VirtualMFADevice with serial number {serial} doesn't exist."
            ))
        })
    }
}

fn policy_not_found(arn: &str) -> crate::error::ApiError {
    no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

fn instance_profile_not_found(name: &str) -> crate::error::ApiError {
    no_such_entity(format!("Instance Profile {name} cannot be found."))
}

fn server_certificate_not_found(name: &str) -> crate::error::ApiError {
    no_such_entity(format!(
        "The Server Certificate with name {name} cannot be found."
    ))
}

fn saml_not_found(arn: &str) -> crate::error::ApiError {
    no_such_entity(format!("Manifest not found for arn {arn}"))
}

fn oidc_not_found(arn: &str) -> crate::error::ApiError {
    no_such_entity(format!("OpenIDConnect Provider not found for arn {arn}"))
}

/// The IAM operations on tags, by resource kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaggableKind {
    Policy,
    InstanceProfile,
    ServerCertificate,
    SamlProvider,
    OidcProvider,
    MfaDevice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagOperation {
    Tag,
    Untag,
    List,
}

impl TaggableKind {
    const ALL: [(TaggableKind, &'static str); 6] = [
        (Self::Policy, "Policy"),
        (Self::InstanceProfile, "InstanceProfile"),
        (Self::ServerCertificate, "ServerCertificate"),
        (Self::SamlProvider, "SAMLProvider"),
        (Self::OidcProvider, "OpenIDConnectProvider"),
        (Self::MfaDevice, "MFADevice"),
    ];

    /// `TagPolicy`, `UntagPolicy`, `ListPolicyTags` and the same for the other kinds.
    pub fn for_operation(operation: &str) -> Option<(Self, TagOperation)> {
        Self::ALL.iter().find_map(|(kind, noun)| {
            if operation.strip_prefix("Tag") == Some(noun) {
                Some((*kind, TagOperation::Tag))
            } else if operation.strip_prefix("Untag") == Some(noun) {
                Some((*kind, TagOperation::Untag))
            } else if operation
                .strip_prefix("List")
                .and_then(|rest| rest.strip_suffix("Tags"))
                == Some(noun)
            {
                Some((*kind, TagOperation::List))
            } else {
                None
            }
        })
    }
}

/// A few of AWS's own managed policies, which every account sees in ListPolicies.
pub fn aws_managed_policies(now: DateTime<Utc>) -> Vec<ManagedPolicy> {
    const POLICIES: [(&str, &str, &str); 8] = [
        ("AdministratorAccess", "/", "Provides full access to AWS services and resources."),
        ("PowerUserAccess", "/", "Provides full access to AWS services and resources, but does not allow management of Users and groups."),
        ("ReadOnlyAccess", "/", "Provides read-only access to AWS services and resources."),
        ("SecurityAudit", "/", "The security audit template grants access to read security configuration metadata."),
        ("IAMReadOnlyAccess", "/", "Provides read only access to IAM via the AWS Management Console."),
        ("AmazonEC2ReadOnlyAccess", "/", "Provides read only access to Amazon EC2 via the AWS Management Console."),
        ("AWSLicenseManagerConsumptionPolicy", "/", "Provides permissions to consume licenses managed by AWS License Manager."),
        ("ViewOnlyAccess", "/job-function/", "This policy grants permissions to view resources and basic metadata across all AWS services."),
    ];
    let created = now - chrono::Duration::days(3000);
    POLICIES
        .iter()
        .enumerate()
        .map(|(i, (name, path, description))| ManagedPolicy {
            arn: format!("arn:aws:iam::aws:policy{path}{name}"),
            name: name.to_string(),
            id: format!("ANPAAWSMANAGED{i:07}"),
            path: path.to_string(),
            description: Some(description.to_string()),
            document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#.to_string(),
            created,
            tags: Vec::new(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_operations_are_recognised_for_every_kind() {
        assert_eq!(
            TaggableKind::for_operation("TagSAMLProvider"),
            Some((TaggableKind::SamlProvider, TagOperation::Tag))
        );
        assert_eq!(
            TaggableKind::for_operation("UntagMFADevice"),
            Some((TaggableKind::MfaDevice, TagOperation::Untag))
        );
        assert_eq!(
            TaggableKind::for_operation("ListOpenIDConnectProviderTags"),
            Some((TaggableKind::OidcProvider, TagOperation::List))
        );
        assert_eq!(TaggableKind::for_operation("ListPolicies"), None);
        assert_eq!(TaggableKind::for_operation("TagRole"), None);
    }
}
