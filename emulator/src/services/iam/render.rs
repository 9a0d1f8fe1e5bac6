//! IAM's response shapes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::model::*;
use crate::protocol::xml::Xml;
use crate::tags::Tag;

/// `<Tags>` only when there are tags, as IAM writes resources.
pub fn tags(x: &mut Xml, tags: &[Tag]) {
    if !tags.is_empty() {
        tags_always(x, tags);
    }
}

pub fn tags_always(x: &mut Xml, tags: &[Tag]) {
    x.list("Tags", "member", tags, |x, tag| {
        x.text("Key", &tag.key).text("Value", &tag.value);
    });
}

/// ListPolicies leaves the description out; its items carry their tags (since IAM's 2021
/// tagging update, `aws-api/iam-2021-02-12-tagging-changes.txt`), as GetPolicy's and
/// CreatePolicy's do.
pub fn policy(x: &mut Xml, policy: &ManagedPolicy, attachments: usize, with_description: bool) {
    x.text("PolicyName", &policy.name)
        .text("PolicyId", &policy.id)
        .text("Arn", &policy.arn)
        .text("Path", &policy.path)
        .text("DefaultVersionId", policy.versions.default_id())
        .text("AttachmentCount", attachments)
        .text("PermissionsBoundaryUsageCount", 0)
        .text("IsAttachable", true);
    if with_description {
        x.opt_text("Description", policy.description.as_ref());
    }
    x.time("CreateDate", policy.created)
        .time("UpdateDate", policy.updated());
    tags(x, &policy.tags);
}

pub fn policy_detail(x: &mut Xml, policy: &ManagedPolicy, attachments: usize) {
    x.text("PolicyName", &policy.name)
        .text("PolicyId", &policy.id)
        .text("Arn", &policy.arn)
        .text("Path", &policy.path)
        .text("DefaultVersionId", policy.versions.default_id())
        .text("AttachmentCount", attachments)
        .text("PermissionsBoundaryUsageCount", 0)
        .text("IsAttachable", true)
        .opt_text("Description", policy.description.as_ref())
        .time("CreateDate", policy.created)
        .time("UpdateDate", policy.updated())
        .list(
            "PolicyVersionList",
            "member",
            policy.versions.all(),
            |x, version| {
                policy_version(x, policy, version, true);
            },
        );
}

/// The document is returned by GetPolicyVersion and GetAccountAuthorizationDetails only, not
/// by CreatePolicyVersion or ListPolicyVersions.
pub fn policy_version(
    x: &mut Xml,
    policy: &ManagedPolicy,
    version: &PolicyVersion,
    with_document: bool,
) {
    if with_document {
        x.text("Document", url_encoded(&version.document));
    }
    x.text("VersionId", &version.id)
        .text("IsDefaultVersion", policy.versions.is_default(&version.id))
        .time("CreateDate", version.created);
}

/// Everything but RFC 3986's unreserved characters (letters, digits, `-._~`) percent-encoded.
const RFC3986: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// IAM returns policy documents URL-encoded "compliant with RFC 3986".
pub fn url_encoded(document: &str) -> String {
    utf8_percent_encode(document, RFC3986).to_string()
}

pub fn role(x: &mut Xml, role: &Role) {
    role_listed(x, role);
    tags(x, &role.tags);
}

/// ListRoles leaves out PermissionsBoundary, RoleLastUsed and Tags.
pub fn role_listed(x: &mut Xml, role: &Role) {
    x.text("Path", &role.path)
        .text("RoleName", &role.name)
        .text("RoleId", &role.id)
        .text("Arn", &role.arn)
        .time("CreateDate", role.created)
        .text("AssumeRolePolicyDocument", url_encoded(&role.trust_policy))
        .opt_text("Description", role.description.as_ref())
        .text("MaxSessionDuration", role.max_session_duration);
}

pub fn role_detail(x: &mut Xml, role: &Role, iam: &IamState) {
    let profiles: Vec<&InstanceProfile> = iam
        .instance_profiles
        .values()
        .filter(|p| p.role.as_deref() == Some(role.name.as_str()))
        .collect();
    x.text("Path", &role.path)
        .text("RoleName", &role.name)
        .text("RoleId", &role.id)
        .text("Arn", &role.arn)
        .time("CreateDate", role.created)
        .text("AssumeRolePolicyDocument", url_encoded(&role.trust_policy))
        .list("InstanceProfileList", "member", &profiles, |x, profile| {
            instance_profile(x, profile, iam)
        })
        .el("RolePolicyList", |_| {})
        .list(
            "AttachedManagedPolicies",
            "member",
            &role.attached_policies,
            |x, arn| attached_policy(x, arn),
        );
    tags(x, &role.tags);
}

/// `PolicyName` and `PolicyArn`: the name is the ARN's last segment.
pub fn attached_policy(x: &mut Xml, arn: &str) {
    x.text("PolicyName", arn.rsplit('/').next().unwrap_or(arn))
        .text("PolicyArn", arn);
}

pub fn instance_profile(x: &mut Xml, profile: &InstanceProfile, iam: &IamState) {
    let roles: Vec<&Role> = profile
        .role
        .iter()
        .filter_map(|name| iam.roles.get(&name.to_lowercase()))
        .collect();
    x.text("Path", &profile.path)
        .text("InstanceProfileName", &profile.name)
        .text("InstanceProfileId", &profile.id)
        .text("Arn", &profile.arn)
        .time("CreateDate", profile.created)
        .list("Roles", "member", &roles, |x, r| role(x, r));
    tags(x, &profile.tags);
}

pub fn server_certificate_metadata(x: &mut Xml, certificate: &ServerCertificate) {
    x.text("Path", &certificate.path)
        .text("ServerCertificateName", &certificate.name)
        .text("ServerCertificateId", &certificate.id)
        .text("Arn", &certificate.arn)
        .time("UploadDate", certificate.uploaded)
        .time("Expiration", certificate.expiration);
}

/// The seed and QR code are returned only when the device is created; its tags by
/// CreateVirtualMFADevice and ListVirtualMFADevices (which carries them since IAM's 2021 tagging
/// update); the user and the date it was enabled only while it is assigned.
pub fn mfa_device(x: &mut Xml, device: &VirtualMfaDevice, with_secret: bool, iam: &IamState) {
    x.text("SerialNumber", &device.serial);
    if with_secret {
        x.text("Base32StringSeed", STANDARD.encode(device.seed.as_bytes()))
            .text("QRCodePNG", STANDARD.encode(&device.qr_png));
    }
    if let Some(assignment) = &device.assignment {
        if let Ok(assigned) = iam.user(&assignment.user) {
            x.el("User", |x| user(x, assigned));
        }
        x.time("EnableDate", assignment.enabled);
    }
    tags(x, &device.tags);
}

pub fn user(x: &mut Xml, user: &User) {
    x.text("Path", &user.path)
        .text("UserName", &user.name)
        .text("UserId", &user.id)
        .text("Arn", &user.arn)
        .time("CreateDate", user.created);
}
