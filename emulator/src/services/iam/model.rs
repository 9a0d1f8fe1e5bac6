//! IAM's resources in one account, keyed as IAM keys them: names case-insensitively, SAML
//! providers by name, OIDC providers by URL, MFA devices by serial number.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

pub use super::aws_managed::{aws_managed_policies, aws_managed_policy};
use super::no_such_entity;
use crate::error::ApiResult;
use crate::tags::{KeyCase, Tag};

#[derive(Debug, Clone)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    pub id: String,
    pub path: String,
    pub description: Option<String>,
    pub versions: PolicyVersions,
    pub created: DateTime<Utc>,
    pub tags: Vec<Tag>,
}

impl ManagedPolicy {
    /// When a policy has one version, its creation; otherwise when its newest version was made.
    pub fn updated(&self) -> DateTime<Utc> {
        self.versions
            .all()
            .iter()
            .map(|v| v.created)
            .max()
            .unwrap_or(self.created)
    }
}

pub fn is_aws_managed_arn(arn: &str) -> bool {
    arn.starts_with("arn:aws:iam::aws:policy/")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    /// `v1`, `v2`, …
    pub id: String,
    pub document: String,
    pub created: DateTime<Utc>,
}

/// A managed policy's versions: at most five, exactly one of them the default. Version ids
/// count up and are never reused, as IAM's are.
#[derive(Debug, Clone)]
pub struct PolicyVersions {
    /// Oldest first.
    versions: Vec<PolicyVersion>,
    default_id: String,
    next: u32,
}

pub const MAX_POLICY_VERSIONS: usize = 5;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionError {
    Missing,
    IsDefault,
    Full,
}

impl PolicyVersions {
    /// A new policy: `v1`, the default.
    pub fn new(document: &str, created: DateTime<Utc>) -> Self {
        Self {
            versions: vec![PolicyVersion {
                id: "v1".to_string(),
                document: document.to_string(),
                created,
            }],
            default_id: "v1".to_string(),
            next: 2,
        }
    }

    pub fn all(&self) -> &[PolicyVersion] {
        &self.versions
    }

    pub fn default_id(&self) -> &str {
        &self.default_id
    }

    pub fn get(&self, id: &str) -> Option<&PolicyVersion> {
        self.versions.iter().find(|v| v.id == id)
    }

    pub fn is_default(&self, id: &str) -> bool {
        self.default_id == id
    }

    pub fn add(
        &mut self,
        document: &str,
        created: DateTime<Utc>,
        set_as_default: bool,
    ) -> Result<&PolicyVersion, VersionError> {
        if self.versions.len() >= MAX_POLICY_VERSIONS {
            return Err(VersionError::Full);
        }
        let id = format!("v{}", self.next);
        self.next += 1;
        if set_as_default {
            self.default_id = id.clone();
        }
        self.versions.push(PolicyVersion {
            id,
            document: document.to_string(),
            created,
        });
        Ok(&self.versions[self.versions.len() - 1])
    }

    pub fn set_default(&mut self, id: &str) -> Result<(), VersionError> {
        if self.get(id).is_none() {
            return Err(VersionError::Missing);
        }
        self.default_id = id.to_string();
        Ok(())
    }

    pub fn remove(&mut self, id: &str) -> Result<(), VersionError> {
        if self.get(id).is_none() {
            return Err(VersionError::Missing);
        }
        if self.is_default(id) {
            return Err(VersionError::IsDefault);
        }
        self.versions.retain(|v| v.id != id);
        Ok(())
    }
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
    /// ARNs of the managed policies attached to the role, in the order they were attached.
    pub attached_policies: Vec<String>,
}

/// The managed policies a role may have attached: IAM's default quota.
pub const MAX_POLICIES_PER_ROLE: usize = 10;

#[derive(Debug, Clone)]
pub struct User {
    pub arn: String,
    pub name: String,
    pub id: String,
    pub path: String,
    pub created: DateTime<Utc>,
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
    /// Set while the device is enabled for a user (EnableMFADevice).
    pub assignment: Option<MfaAssignment>,
}

#[derive(Debug, Clone)]
pub struct MfaAssignment {
    /// The user's name, as stored in [`IamState::users`].
    pub user: String,
    pub enabled: DateTime<Utc>,
}

/// The MFA devices one user may have enabled.
pub const MAX_MFA_DEVICES_PER_USER: usize = 8;

#[derive(Debug, Default)]
pub struct IamState {
    pub policies: BTreeMap<String, ManagedPolicy>,
    pub roles: BTreeMap<String, Role>,
    pub instance_profiles: BTreeMap<String, InstanceProfile>,
    pub server_certificates: BTreeMap<String, ServerCertificate>,
    pub saml_providers: BTreeMap<String, SamlProvider>,
    pub oidc_providers: BTreeMap<String, OidcProvider>,
    pub mfa_devices: BTreeMap<String, VirtualMfaDevice>,
    pub users: BTreeMap<String, User>,
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
                attached_policies: Vec::new(),
            });
    }

    pub fn role_mut(&mut self, name: &str) -> ApiResult<&mut Role> {
        self.roles
            .get_mut(&name.to_lowercase())
            .ok_or_else(|| role_not_found(name))
    }

    pub fn user(&self, name: &str) -> ApiResult<&User> {
        self.users
            .get(&name.to_lowercase())
            .ok_or_else(|| no_such_entity(format!("The user with name {name} cannot be found.")))
    }

    /// How many roles in this account have the policy attached (users and groups are not
    /// emulated).
    pub fn attachment_count(&self, policy_arn: &str) -> usize {
        self.roles
            .values()
            .filter(|r| r.attached_policies.iter().any(|a| a == policy_arn))
            .count()
    }

    /// A customer managed policy of this account, or one of AWS's, which every account can read.
    pub fn readable_policy(&self, arn: &str) -> ApiResult<&ManagedPolicy> {
        if is_aws_managed_arn(arn) {
            return aws_managed_policy(arn).ok_or_else(|| policy_not_found(arn));
        }
        self.policy_by_arn(arn)
    }

    pub fn role(&self, name: &str) -> ApiResult<&Role> {
        self.roles
            .get(&name.to_lowercase())
            .ok_or_else(|| role_not_found(name))
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

    pub fn mfa_device(&self, serial: &str) -> ApiResult<&VirtualMfaDevice> {
        self.mfa_devices
            .get(serial)
            .ok_or_else(|| mfa_not_found(serial))
    }

    pub fn mfa_device_mut(&mut self, serial: &str) -> ApiResult<&mut VirtualMfaDevice> {
        self.mfa_devices
            .get_mut(serial)
            .ok_or_else(|| mfa_not_found(serial))
    }
}

fn role_not_found(name: &str) -> crate::error::ApiError {
    no_such_entity(format!("The role with name {name} cannot be found."))
}

pub fn policy_not_found(arn: &str) -> crate::error::ApiError {
    no_such_entity(format!("Policy {arn} does not exist or is not attachable."))
}

fn mfa_not_found(serial: &str) -> crate::error::ApiError {
    no_such_entity(format!(
        "VirtualMFADevice with serial number {serial} doesn't exist."
    ))
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
    /// Not one of the kinds trustdesk manages; here for IAM's other key rule (see `key_case`).
    Role,
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
    const ALL: [(TaggableKind, &'static str); 7] = [
        (Self::Role, "Role"),
        (Self::Policy, "Policy"),
        (Self::InstanceProfile, "InstanceProfile"),
        (Self::ServerCertificate, "ServerCertificate"),
        (Self::SamlProvider, "SAMLProvider"),
        (Self::OidcProvider, "OpenIDConnectProvider"),
        (Self::MfaDevice, "MFADevice"),
    ];

    /// Only users and roles fold the case of tag keys (IAM User Guide, Tagging IAM resources);
    /// the six kinds trustdesk manages do not.
    pub fn key_case(self) -> KeyCase {
        match self {
            Self::Role => KeyCase::Insensitive,
            _ => KeyCase::Sensitive,
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_versions_keep_one_default_count_up_and_stop_at_five() {
        let t = Utc::now();
        let mut versions = PolicyVersions::new("{}", t);
        assert_eq!(versions.default_id(), "v1");
        assert_eq!(versions.add("{2}", t, false).unwrap().id, "v2");
        assert_eq!(versions.default_id(), "v1");
        assert_eq!(versions.add("{3}", t, true).unwrap().id, "v3");
        assert_eq!(versions.default_id(), "v3");
        assert_eq!(versions.remove("v3"), Err(VersionError::IsDefault));
        assert_eq!(versions.remove("v9"), Err(VersionError::Missing));
        versions.add("{4}", t, false).unwrap();
        versions.add("{5}", t, false).unwrap();
        assert_eq!(
            versions.add("{6}", t, false).unwrap_err(),
            VersionError::Full
        );
        assert_eq!(versions.remove("v5"), Ok(()));
        assert_eq!(
            versions.add("{6}", t, false).unwrap().id,
            "v6",
            "ids are not reused"
        );
        assert_eq!(versions.set_default("v5"), Err(VersionError::Missing));
        assert_eq!(versions.set_default("v6"), Ok(()));
        assert!(versions.is_default("v6") && !versions.is_default("v3"));
        let ids: Vec<&str> = versions.all().iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["v1", "v2", "v3", "v4", "v6"]);
    }

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
        assert_eq!(
            TaggableKind::for_operation("TagRole"),
            Some((TaggableKind::Role, TagOperation::Tag))
        );
        assert_eq!(TaggableKind::for_operation("ListRoles"), None);
    }
}
