//! IAM's response shapes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

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

/// ListPolicies leaves the description out; GetPolicy and CreatePolicy include it.
pub fn policy(x: &mut Xml, policy: &ManagedPolicy, with_description: bool) {
    x.text("PolicyName", &policy.name)
        .text("PolicyId", &policy.id)
        .text("Arn", &policy.arn)
        .text("Path", &policy.path)
        .text("DefaultVersionId", "v1")
        .text("AttachmentCount", 0)
        .text("PermissionsBoundaryUsageCount", 0)
        .text("IsAttachable", true);
    if with_description {
        x.opt_text("Description", policy.description.as_ref());
    }
    x.time("CreateDate", policy.created)
        .time("UpdateDate", policy.created);
    tags(x, &policy.tags);
}

pub fn policy_detail(x: &mut Xml, policy: &ManagedPolicy) {
    x.text("PolicyName", &policy.name)
        .text("PolicyId", &policy.id)
        .text("Arn", &policy.arn)
        .text("Path", &policy.path)
        .text("DefaultVersionId", "v1")
        .text("AttachmentCount", 0)
        .text("PermissionsBoundaryUsageCount", 0)
        .text("IsAttachable", true)
        .opt_text("Description", policy.description.as_ref())
        .time("CreateDate", policy.created)
        .time("UpdateDate", policy.created)
        .el("PolicyVersionList", |x| {
            x.el("member", |x| {
                x.text("Document", url_encoded(&policy.document))
                    .text("VersionId", "v1")
                    .text("IsDefaultVersion", true)
                    .time("CreateDate", policy.created);
            });
        });
}

/// IAM returns policy documents URL-encoded.
fn url_encoded(document: &str) -> String {
    url::form_urlencoded::byte_serialize(document.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

pub fn role(x: &mut Xml, role: &Role) {
    x.text("Path", &role.path)
        .text("RoleName", &role.name)
        .text("RoleId", &role.id)
        .text("Arn", &role.arn)
        .time("CreateDate", role.created)
        .text("AssumeRolePolicyDocument", url_encoded(&role.trust_policy))
        .opt_text("Description", role.description.as_ref())
        .text("MaxSessionDuration", role.max_session_duration);
    tags(x, &role.tags);
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
        .el("AttachedManagedPolicies", |_| {});
    tags(x, &role.tags);
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

/// The seed and QR code are returned only when the device is created.
pub fn mfa_device(x: &mut Xml, device: &VirtualMfaDevice, with_secret: bool) {
    x.text("SerialNumber", &device.serial);
    if with_secret {
        x.text("Base32StringSeed", STANDARD.encode(device.seed.as_bytes()))
            .text("QRCodePNG", STANDARD.encode(&device.qr_png));
    }
    tags(x, &device.tags);
}
