//! IAM over the AWS query protocol: managed policies, roles, instance profiles, server
//! certificates, SAML and OIDC providers, virtual MFA devices, their tags (and roles'), and
//! GetAccountAuthorizationDetails. IAM is global: one state per account whatever the region.

mod aws_managed;
mod certificates;
mod details;
mod instance_profiles;
mod mfa;
pub mod model;
mod policies;
mod providers;
mod render;
mod roles;

use axum::response::Response;
use chrono::{DateTime, Utc};

pub use model::IamState;
use model::*;

use super::query_input::{invalid_input, validation, QueryInput};
use super::{Ctx, RawRequest, Service};
use crate::error::{ApiError, ApiResult};
use crate::paging::{page, Page};
use crate::protocol::query::{self, Params, IAM_NAMESPACE};
use crate::protocol::xml::Xml;
use crate::state::World;
use crate::tags::{apply_iam_tags, remove_iam_tags, sorted_by_key, Tag};

pub fn handle(world: &mut World, ctx: &Ctx, operation: &str, request: &RawRequest) -> Response {
    let params = Params::parse(&request.body, request.query.as_deref());
    let now = world.now();
    let account = ctx.account().to_string();
    let iam = &mut world.account(&account).iam;
    let call = Call {
        iam,
        account: &account,
        input: QueryInput::new(&params),
        now,
    };
    match call.run(operation) {
        Ok(result) => query::response(operation, IAM_NAMESPACE, &ctx.request_id, result),
        Err(error) => Service::Iam.error_response(&error, &ctx.request_id),
    }
}

struct Call<'a> {
    iam: &'a mut IamState,
    account: &'a str,
    input: QueryInput<'a>,
    now: DateTime<Utc>,
}

type Output = ApiResult<Option<Xml>>;

fn result(body: impl FnOnce(&mut Xml)) -> Output {
    let mut x = Xml::new();
    body(&mut x);
    Ok(Some(x))
}

fn no_such_entity(message: impl Into<String>) -> ApiError {
    ApiError::new(http::StatusCode::NOT_FOUND, "NoSuchEntity", message)
}

fn already_exists(message: impl Into<String>) -> ApiError {
    ApiError::new(http::StatusCode::CONFLICT, "EntityAlreadyExists", message)
}

fn delete_conflict(message: impl Into<String>) -> ApiError {
    ApiError::new(http::StatusCode::CONFLICT, "DeleteConflict", message)
}

/// IAM answers quota errors with 409.
fn limit_exceeded(message: impl Into<String>) -> ApiError {
    ApiError::new(http::StatusCode::CONFLICT, "LimitExceeded", message)
}

fn invalid_marker() -> ApiError {
    invalid_input("Invalid Marker.")
}

/// A page of a list sorted by `key`, or IAM's error for a marker it did not hand out.
fn iam_page<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    input: &QueryInput,
) -> ApiResult<Page<T>> {
    let max = input.max_items()?;
    let marker = input.marker()?;
    page(items, key, marker, max).map_err(|_| invalid_marker())
}

fn truncation(x: &mut Xml, next: Option<String>) {
    x.text("IsTruncated", next.is_some());
    x.opt_text("Marker", next);
}

impl Call<'_> {
    fn run(self, operation: &str) -> Output {
        match operation {
            "CreatePolicy" => self.create_policy(),
            "GetPolicy" => self.get_policy(),
            "ListPolicies" => self.list_policies(),
            "DeletePolicy" => self.delete_policy(),
            "GetPolicyVersion" => self.get_policy_version(),
            "ListPolicyVersions" => self.list_policy_versions(),
            "CreatePolicyVersion" => self.create_policy_version(),
            "DeletePolicyVersion" => self.delete_policy_version(),
            "SetDefaultPolicyVersion" => self.set_default_policy_version(),
            "ListEntitiesForPolicy" => self.list_entities_for_policy(),
            "CreateRole" => self.create_role(),
            "GetRole" => self.get_role(),
            "ListRoles" => self.list_roles(),
            "DeleteRole" => self.delete_role(),
            "AttachRolePolicy" => self.attach_role_policy(),
            "DetachRolePolicy" => self.detach_role_policy(),
            "ListAttachedRolePolicies" => self.list_attached_role_policies(),
            "ListInstanceProfilesForRole" => self.list_instance_profiles_for_role(),
            "CreateInstanceProfile" => self.create_instance_profile(),
            "GetInstanceProfile" => self.get_instance_profile(),
            "ListInstanceProfiles" => self.list_instance_profiles(),
            "DeleteInstanceProfile" => self.delete_instance_profile(),
            "AddRoleToInstanceProfile" => self.add_role_to_instance_profile(),
            "RemoveRoleFromInstanceProfile" => self.remove_role_from_instance_profile(),
            "UploadServerCertificate" => self.upload_server_certificate(),
            "GetServerCertificate" => self.get_server_certificate(),
            "ListServerCertificates" => self.list_server_certificates(),
            "DeleteServerCertificate" => self.delete_server_certificate(),
            "CreateSAMLProvider" => self.create_saml_provider(),
            "GetSAMLProvider" => self.get_saml_provider(),
            "ListSAMLProviders" => self.list_saml_providers(),
            "UpdateSAMLProvider" => self.update_saml_provider(),
            "DeleteSAMLProvider" => self.delete_saml_provider(),
            "CreateOpenIDConnectProvider" => self.create_oidc_provider(),
            "GetOpenIDConnectProvider" => self.get_oidc_provider(),
            "ListOpenIDConnectProviders" => self.list_oidc_providers(),
            "UpdateOpenIDConnectProviderThumbprint" => self.update_oidc_thumbprints(),
            "AddClientIDToOpenIDConnectProvider" => self.add_oidc_client_id(),
            "RemoveClientIDFromOpenIDConnectProvider" => self.remove_oidc_client_id(),
            "DeleteOpenIDConnectProvider" => self.delete_oidc_provider(),
            "CreateVirtualMFADevice" => self.create_virtual_mfa_device(),
            "ListVirtualMFADevices" => self.list_virtual_mfa_devices(),
            "DeleteVirtualMFADevice" => self.delete_virtual_mfa_device(),
            "EnableMFADevice" => self.enable_mfa_device(),
            "DeactivateMFADevice" => self.deactivate_mfa_device(),
            "GetAccountAuthorizationDetails" => self.get_account_authorization_details(),
            other => match TaggableKind::for_operation(other) {
                Some((kind, TagOperation::Tag)) => self.tag(kind),
                Some((kind, TagOperation::Untag)) => self.untag(kind),
                Some((kind, TagOperation::List)) => self.list_tags(kind),
                None => Err(Service::Iam.unknown_operation(other)),
            },
        }
    }

    // Tags on any taggable kind

    fn taggable_tags(&mut self, kind: TaggableKind) -> ApiResult<&mut Vec<Tag>> {
        let input = &self.input;
        Ok(match kind {
            TaggableKind::Role => {
                let name = input.name("RoleName", 64)?;
                &mut self.iam.role_mut(&name)?.tags
            }
            TaggableKind::Policy => {
                let arn = input.required("PolicyArn")?;
                if arn.starts_with("arn:aws:iam::aws:policy/") {
                    return Err(invalid_input("AWS managed policies cannot be tagged."));
                }
                &mut self.iam.policy_by_arn_mut(arn)?.tags
            }
            TaggableKind::InstanceProfile => {
                let name = input.name("InstanceProfileName", 128)?;
                &mut self.iam.instance_profile_mut(&name)?.tags
            }
            TaggableKind::ServerCertificate => {
                let name = input.name("ServerCertificateName", 128)?;
                &mut self.iam.server_certificate_mut(&name)?.tags
            }
            TaggableKind::SamlProvider => {
                let arn = self.saml_arn()?.to_string();
                &mut self.iam.saml_provider_mut(&arn)?.tags
            }
            TaggableKind::OidcProvider => {
                let arn = self.oidc_arn()?.to_string();
                &mut self.iam.oidc_provider_mut(&arn)?.tags
            }
            TaggableKind::MfaDevice => {
                let serial = self.mfa_serial()?;
                &mut self.iam.mfa_device_mut(&serial)?.tags
            }
        })
    }

    fn tag(mut self, kind: TaggableKind) -> Output {
        let tags = self.input.required_tags(kind.key_case())?;
        let existing = self.taggable_tags(kind)?;
        apply_iam_tags(existing, &tags, kind.key_case())?;
        Ok(None)
    }

    fn untag(mut self, kind: TaggableKind) -> Output {
        let keys = self.input.tag_keys()?;
        let existing = self.taggable_tags(kind)?;
        remove_iam_tags(existing, &keys, kind.key_case());
        Ok(None)
    }

    fn list_tags(mut self, kind: TaggableKind) -> Output {
        let max = self.input.max_items()?;
        let marker = self.input.marker()?.map(str::to_string);
        let tags = sorted_by_key(self.taggable_tags(kind)?);
        let page =
            page(tags, |t| t.key.clone(), marker.as_deref(), max).map_err(|_| invalid_marker())?;
        result(|x| {
            render::tags_always(x, &page.items);
            truncation(x, page.next);
        })
    }
}
