//! IAM over the AWS query protocol: managed policies, roles, instance profiles, server
//! certificates, SAML and OIDC providers, virtual MFA devices, their tags, and
//! GetAccountAuthorizationDetails. IAM is global: one state per account whatever the region.

pub mod model;
mod render;

use axum::response::Response;
use chrono::{DateTime, Utc};

pub use model::IamState;
use model::*;

use super::query_input::{invalid_input, validation, QueryInput};
use super::{Ctx, RawRequest, Service};
use crate::derive::{cert, mfa, saml};
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
            "CreateRole" => self.create_role(),
            "GetRole" => self.get_role(),
            "DeleteRole" => self.delete_role(),
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
            "DeleteSAMLProvider" => self.delete_saml_provider(),
            "CreateOpenIDConnectProvider" => self.create_oidc_provider(),
            "GetOpenIDConnectProvider" => self.get_oidc_provider(),
            "ListOpenIDConnectProviders" => self.list_oidc_providers(),
            "DeleteOpenIDConnectProvider" => self.delete_oidc_provider(),
            "CreateVirtualMFADevice" => self.create_virtual_mfa_device(),
            "ListVirtualMFADevices" => self.list_virtual_mfa_devices(),
            "DeleteVirtualMFADevice" => self.delete_virtual_mfa_device(),
            "GetAccountAuthorizationDetails" => self.get_account_authorization_details(),
            other => match TaggableKind::for_operation(other) {
                Some((kind, TagOperation::Tag)) => self.tag(kind),
                Some((kind, TagOperation::Untag)) => self.untag(kind),
                Some((kind, TagOperation::List)) => self.list_tags(kind),
                None => Err(Service::Iam.unknown_operation(other)),
            },
        }
    }

    // Managed policies

    fn create_policy(self) -> Output {
        let name = self.input.name("PolicyName", 128)?;
        let path = self.input.path("Path")?;
        let document = self.input.required("PolicyDocument")?;
        self.input.length("PolicyDocument", document, 1, 131_072)?;
        check_policy_document(document)?;
        let description = self.input.optional("Description");
        if let Some(description) = description {
            self.input.length("Description", description, 0, 1000)?;
        }
        let tags = self.input.tags()?;
        if self.iam.policies.contains_key(&name.to_lowercase()) {
            return Err(already_exists(format!(
                "A policy called {name} already exists. Duplicate names are not allowed."
            )));
        }
        let policy = ManagedPolicy {
            arn: format!("arn:aws:iam::{}:policy{path}{name}", self.account),
            name: name.clone(),
            id: crate::ids::iam_unique_id("ANPA"),
            path,
            description: description.map(str::to_string),
            document: document.to_string(),
            created: self.now,
            tags,
        };
        let out = result(|x| {
            x.el("Policy", |x| render::policy(x, &policy, true));
        });
        self.iam.policies.insert(name.to_lowercase(), policy);
        out
    }

    fn policy_arn(&self) -> ApiResult<&str> {
        let arn = self.input.required("PolicyArn")?;
        self.input.length("PolicyArn", arn, 20, 2048)?;
        Ok(arn)
    }

    fn get_policy(self) -> Output {
        let arn = self.policy_arn()?;
        if let Some(policy) = aws_managed_policies(self.now)
            .into_iter()
            .find(|p| p.arn == arn)
        {
            return result(|x| {
                x.el("Policy", |x| render::policy(x, &policy, true));
            });
        }
        let policy = self.iam.policy_by_arn(arn)?;
        result(|x| {
            x.el("Policy", |x| render::policy(x, policy, true));
        })
    }

    fn list_policies(self) -> Output {
        let scope = self
            .input
            .one_of("Scope", &["All", "AWS", "Local"])?
            .unwrap_or("All");
        let only_attached = self.input.bool("OnlyAttached")?.unwrap_or(false);
        self.input.one_of(
            "PolicyUsageFilter",
            &["PermissionsPolicy", "PermissionsBoundary"],
        )?;
        let prefix = self.input.path_prefix()?;
        let aws_managed = if scope == "Local" {
            Vec::new()
        } else {
            aws_managed_policies(self.now)
        };
        let local = self.iam.policies.values().filter(|_| scope != "AWS");
        // Nothing is attached in the emulator: no users, groups or role attachments exist.
        let mut policies: Vec<(String, &ManagedPolicy)> = aws_managed
            .iter()
            .chain(local)
            .filter(|p| p.path.starts_with(&prefix) && !only_attached)
            .map(|p| (policy_sort_key(p), p))
            .collect();
        policies.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        let page = iam_page(policies, |(key, _)| key.clone(), &self.input)?;
        result(|x| {
            x.list("Policies", "member", &page.items, |x, (_, p)| {
                render::policy(x, p, false)
            });
            truncation(x, page.next);
        })
    }

    fn delete_policy(self) -> Output {
        let arn = self.policy_arn()?.to_string();
        let key = self.iam.policy_by_arn(&arn)?.name.to_lowercase();
        self.iam.policies.remove(&key);
        Ok(None)
    }

    // Roles

    fn create_role(self) -> Output {
        let name = self.input.name("RoleName", 64)?;
        let path = self.input.path("Path")?;
        let trust = self.input.required("AssumeRolePolicyDocument")?;
        self.input
            .length("AssumeRolePolicyDocument", trust, 1, 131_072)?;
        check_policy_document(trust)?;
        let description = self.input.optional("Description");
        if let Some(description) = description {
            self.input.length("Description", description, 0, 1000)?;
        }
        let max_session = self
            .input
            .int("MaxSessionDuration", 3600, 43200)?
            .unwrap_or(3600);
        let tags = self.input.tags()?;
        if self.iam.roles.contains_key(&name.to_lowercase()) {
            return Err(already_exists(format!(
                "Role with name {name} already exists."
            )));
        }
        let role = Role {
            arn: format!("arn:aws:iam::{}:role{path}{name}", self.account),
            name: name.clone(),
            id: crate::ids::iam_unique_id("AROA"),
            path,
            trust_policy: trust.to_string(),
            description: description.map(str::to_string),
            max_session_duration: max_session,
            created: self.now,
            tags,
        };
        let out = result(|x| {
            x.el("Role", |x| render::role(x, &role));
        });
        self.iam.roles.insert(name.to_lowercase(), role);
        out
    }

    fn get_role(self) -> Output {
        let name = self.input.name("RoleName", 64)?;
        let role = self.iam.role(&name)?;
        result(|x| {
            x.el("Role", |x| render::role(x, role));
        })
    }

    fn delete_role(self) -> Output {
        let name = self.input.name("RoleName", 64)?;
        let role = self.iam.role(&name)?.name.clone();
        if self
            .iam
            .instance_profiles
            .values()
            .any(|p| p.role.as_deref() == Some(role.as_str()))
        {
            return Err(delete_conflict(
                "Cannot delete entity, must remove roles from instance profile first.",
            ));
        }
        self.iam.roles.remove(&role.to_lowercase());
        Ok(None)
    }

    fn list_instance_profiles_for_role(self) -> Output {
        let name = self.input.name("RoleName", 64)?;
        let role = self.iam.role(&name)?.name.clone();
        let profiles: Vec<InstanceProfile> = self
            .iam
            .instance_profiles
            .values()
            .filter(|p| p.role.as_deref() == Some(role.as_str()))
            .cloned()
            .collect();
        let page = iam_page(profiles, |p| p.name.to_lowercase(), &self.input)?;
        let iam = &*self.iam;
        result(|x| {
            x.list("InstanceProfiles", "member", &page.items, |x, p| {
                render::instance_profile(x, p, iam)
            });
            truncation(x, page.next);
        })
    }

    // Instance profiles

    fn create_instance_profile(self) -> Output {
        let name = self.input.name("InstanceProfileName", 128)?;
        let path = self.input.path("Path")?;
        let tags = self.input.tags()?;
        if self
            .iam
            .instance_profiles
            .contains_key(&name.to_lowercase())
        {
            return Err(already_exists(format!(
                "Instance Profile {name} already exists."
            )));
        }
        let profile = InstanceProfile {
            arn: format!("arn:aws:iam::{}:instance-profile{path}{name}", self.account),
            name: name.clone(),
            id: crate::ids::iam_unique_id("AIPA"),
            path,
            created: self.now,
            role: None,
            tags,
        };
        let out = result(|x| {
            x.el("InstanceProfile", |x| {
                render::instance_profile(x, &profile, self.iam)
            });
        });
        self.iam
            .instance_profiles
            .insert(name.to_lowercase(), profile);
        out
    }

    fn get_instance_profile(self) -> Output {
        let name = self.input.name("InstanceProfileName", 128)?;
        let profile = self.iam.instance_profile(&name)?;
        result(|x| {
            x.el("InstanceProfile", |x| {
                render::instance_profile(x, profile, self.iam)
            });
        })
    }

    fn list_instance_profiles(self) -> Output {
        let prefix = self.input.path_prefix()?;
        let profiles: Vec<InstanceProfile> = self
            .iam
            .instance_profiles
            .values()
            .filter(|p| p.path.starts_with(&prefix))
            .cloned()
            .collect();
        let page = iam_page(profiles, |p| p.name.to_lowercase(), &self.input)?;
        let iam = &*self.iam;
        result(|x| {
            x.list("InstanceProfiles", "member", &page.items, |x, p| {
                render::instance_profile(x, p, iam)
            });
            truncation(x, page.next);
        })
    }

    fn delete_instance_profile(self) -> Output {
        let name = self.input.name("InstanceProfileName", 128)?;
        let profile = self.iam.instance_profile(&name)?;
        if profile.role.is_some() {
            return Err(delete_conflict(
                "Cannot delete entity, must remove roles from instance profile first.",
            ));
        }
        self.iam.instance_profiles.remove(&name.to_lowercase());
        Ok(None)
    }

    fn add_role_to_instance_profile(self) -> Output {
        let profile_name = self.input.name("InstanceProfileName", 128)?;
        let role_name = self.input.name("RoleName", 64)?;
        let role = self.iam.role(&role_name)?.name.clone();
        let profile = self.iam.instance_profile_mut(&profile_name)?;
        if profile.role.is_some() {
            return Err(ApiError::bad_request(
                "LimitExceeded",
                "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1",
            ));
        }
        profile.role = Some(role);
        Ok(None)
    }

    fn remove_role_from_instance_profile(self) -> Output {
        let profile_name = self.input.name("InstanceProfileName", 128)?;
        let role_name = self.input.name("RoleName", 64)?;
        let role = self.iam.role(&role_name)?.name.clone();
        let profile = self.iam.instance_profile_mut(&profile_name)?;
        if profile.role.as_deref() != Some(role.as_str()) {
            return Err(no_such_entity(format!(
                "Role {role} in Instance Profile {} cannot be found.",
                profile.name
            )));
        }
        profile.role = None;
        Ok(None)
    }

    // Server certificates

    fn upload_server_certificate(self) -> Output {
        let name = self.input.name("ServerCertificateName", 128)?;
        let path = self.input.path("Path")?;
        let body = self.input.required("CertificateBody")?;
        self.input.length("CertificateBody", body, 1, 16384)?;
        let key = self.input.required("PrivateKey")?;
        self.input.length("PrivateKey", key, 1, 16384)?;
        let chain = self.input.optional("CertificateChain");
        if let Some(chain) = chain {
            self.input.length("CertificateChain", chain, 1, 2_097_152)?;
        }
        let tags = self.input.tags()?;
        let parsed = cert::parse_certificate(body)
            .map_err(|e| ApiError::bad_request("MalformedCertificate", e.to_string()))?;
        if let Some(chain) = chain {
            cert::parse_chain(chain).map_err(|e| {
                ApiError::bad_request("MalformedCertificate", format!("Certificate chain: {e}"))
            })?;
        }
        cert::check_key_matches(&parsed, key).map_err(|e| match e {
            cert::KeyError::Malformed(message) => {
                ApiError::bad_request("MalformedCertificate", message)
            }
            cert::KeyError::Mismatch => ApiError::bad_request(
                "KeyPairMismatch",
                "The public key certificate and the private key do not match.",
            ),
        })?;
        if self
            .iam
            .server_certificates
            .contains_key(&name.to_lowercase())
        {
            return Err(already_exists(format!(
                "The Server Certificate with name {name} already exists."
            )));
        }
        let certificate = ServerCertificate {
            arn: format!(
                "arn:aws:iam::{}:server-certificate{path}{name}",
                self.account
            ),
            name: name.clone(),
            id: crate::ids::iam_unique_id("ASCA"),
            path,
            uploaded: self.now,
            expiration: parsed.not_after,
            body: body.trim().to_string(),
            chain: chain.map(|c| c.trim().to_string()),
            tags,
        };
        let out = result(|x| {
            x.el("ServerCertificateMetadata", |x| {
                render::server_certificate_metadata(x, &certificate)
            });
            render::tags(x, &certificate.tags);
        });
        self.iam
            .server_certificates
            .insert(name.to_lowercase(), certificate);
        out
    }

    fn get_server_certificate(self) -> Output {
        let name = self.input.name("ServerCertificateName", 128)?;
        let certificate = self.iam.server_certificate(&name)?;
        result(|x| {
            x.el("ServerCertificate", |x| {
                x.el("ServerCertificateMetadata", |x| {
                    render::server_certificate_metadata(x, certificate)
                })
                .text("CertificateBody", &certificate.body)
                .opt_text("CertificateChain", certificate.chain.as_ref());
                render::tags(x, &certificate.tags);
            });
        })
    }

    fn list_server_certificates(self) -> Output {
        let prefix = self.input.path_prefix()?;
        let certificates: Vec<ServerCertificate> = self
            .iam
            .server_certificates
            .values()
            .filter(|c| c.path.starts_with(&prefix))
            .cloned()
            .collect();
        let page = iam_page(certificates, |c| c.name.to_lowercase(), &self.input)?;
        result(|x| {
            x.list(
                "ServerCertificateMetadataList",
                "member",
                &page.items,
                render::server_certificate_metadata,
            );
            truncation(x, page.next);
        })
    }

    fn delete_server_certificate(self) -> Output {
        let name = self.input.name("ServerCertificateName", 128)?;
        self.iam.server_certificate(&name)?;
        self.iam.server_certificates.remove(&name.to_lowercase());
        Ok(None)
    }

    // SAML providers

    fn create_saml_provider(self) -> Output {
        let document = self.input.required("SAMLMetadataDocument")?;
        self.input
            .length("SAMLMetadataDocument", document, 1000, 10_000_000)?;
        let name = self.input.name("Name", 128)?;
        let tags = self.input.tags()?;
        let metadata = saml::parse_metadata(document)
            .map_err(|e| invalid_input(format!("Could not parse metadata: {e}")))?;
        if self.iam.saml_providers.contains_key(&name) {
            return Err(already_exists(format!(
                "SAMLProvider {name} already exists."
            )));
        }
        let provider = SamlProvider {
            arn: format!("arn:aws:iam::{}:saml-provider/{name}", self.account),
            uuid: uuid::Uuid::new_v4().to_string(),
            document: document.to_string(),
            valid_until: metadata.valid_until,
            created: self.now,
            tags,
        };
        let out = result(|x| {
            x.text("SAMLProviderArn", &provider.arn);
            render::tags(x, &provider.tags);
        });
        self.iam.saml_providers.insert(name, provider);
        out
    }

    fn saml_arn(&self) -> ApiResult<&str> {
        let arn = self.input.required("SAMLProviderArn")?;
        self.input.length("SAMLProviderArn", arn, 20, 2048)?;
        Ok(arn)
    }

    fn get_saml_provider(self) -> Output {
        let arn = self.saml_arn()?;
        let provider = self.iam.saml_provider(arn)?;
        result(|x| {
            x.text("SAMLProviderUUID", &provider.uuid)
                .text("SAMLMetadataDocument", &provider.document)
                .time("CreateDate", provider.created)
                .opt_time("ValidUntil", provider.valid_until);
            render::tags(x, &provider.tags);
        })
    }

    fn list_saml_providers(self) -> Output {
        let providers: Vec<&SamlProvider> = self.iam.saml_providers.values().collect();
        result(|x| {
            x.list("SAMLProviderList", "member", &providers, |x, p| {
                x.text("Arn", &p.arn)
                    .opt_time("ValidUntil", p.valid_until)
                    .time("CreateDate", p.created);
            });
        })
    }

    fn delete_saml_provider(self) -> Output {
        let arn = self.saml_arn()?.to_string();
        let name = self.iam.saml_provider(&arn)?;
        let name = name.arn.rsplit('/').next().unwrap_or_default().to_string();
        self.iam.saml_providers.remove(&name);
        Ok(None)
    }

    // OpenID Connect providers

    fn create_oidc_provider(self) -> Output {
        let url = self.input.required("Url")?;
        self.input.length("Url", url, 1, 255)?;
        let host_and_path = url
            .strip_prefix("https://")
            .filter(|rest| !rest.is_empty() && !rest.contains('?') && !rest.contains('#'))
            .ok_or_else(|| invalid_input(format!("Invalid URL: '{url}'. The URL must begin with https:// and have no query or fragment.")))?;
        let host_and_path = host_and_path.trim_end_matches('/').to_string();
        let client_ids = self.input.string_list("ClientIDList");
        if client_ids.len() > 100 {
            return Err(ApiError::bad_request(
                "LimitExceeded",
                "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: 100",
            ));
        }
        for (i, id) in client_ids.iter().enumerate() {
            self.input
                .length(&format!("clientIDList.{}.member", i + 1), id, 1, 255)?;
        }
        if !self.input.params.contains_prefix("ThumbprintList") {
            self.input.required("ThumbprintList")?;
        }
        let thumbprints = self.input.string_list("ThumbprintList");
        if thumbprints.is_empty() {
            return Err(invalid_input(
                "Thumbprint list must contain at least one entry.",
            ));
        }
        if thumbprints.len() > 5 {
            return Err(ApiError::bad_request(
                "LimitExceeded",
                "Cannot exceed quota for ThumbprintsPerOpenIdConnectProvider: 5",
            ));
        }
        for (i, thumbprint) in thumbprints.iter().enumerate() {
            if thumbprint.len() != 40 || !thumbprint.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(validation(
                    thumbprint,
                    &format!("thumbprintList.{}.member", i + 1),
                    "Member must have length greater than or equal to 40 and be hexadecimal",
                ));
            }
        }
        let tags = self.input.tags()?;
        if self.iam.oidc_providers.contains_key(&host_and_path) {
            return Err(already_exists(format!(
                "Provider with url {url} already exists."
            )));
        }
        let provider = OidcProvider {
            arn: format!(
                "arn:aws:iam::{}:oidc-provider/{host_and_path}",
                self.account
            ),
            url: host_and_path.clone(),
            client_ids,
            thumbprints,
            created: self.now,
            tags,
        };
        let out = result(|x| {
            x.text("OpenIDConnectProviderArn", &provider.arn);
            render::tags(x, &provider.tags);
        });
        self.iam.oidc_providers.insert(host_and_path, provider);
        out
    }

    fn oidc_arn(&self) -> ApiResult<&str> {
        let arn = self.input.required("OpenIDConnectProviderArn")?;
        self.input
            .length("OpenIDConnectProviderArn", arn, 20, 2048)?;
        Ok(arn)
    }

    fn get_oidc_provider(self) -> Output {
        let arn = self.oidc_arn()?;
        let provider = self.iam.oidc_provider(arn)?;
        result(|x| {
            x.text("Url", &provider.url)
                .string_list("ClientIDList", "member", &provider.client_ids)
                .string_list("ThumbprintList", "member", &provider.thumbprints)
                .time("CreateDate", provider.created);
            render::tags(x, &provider.tags);
        })
    }

    fn list_oidc_providers(self) -> Output {
        let providers: Vec<&OidcProvider> = self.iam.oidc_providers.values().collect();
        result(|x| {
            x.list("OpenIDConnectProviderList", "member", &providers, |x, p| {
                x.text("Arn", &p.arn);
            });
        })
    }

    fn delete_oidc_provider(self) -> Output {
        let arn = self.oidc_arn()?.to_string();
        let url = self.iam.oidc_provider(&arn)?.url.clone();
        self.iam.oidc_providers.remove(&url);
        Ok(None)
    }

    // Virtual MFA devices

    fn create_virtual_mfa_device(self) -> Output {
        let name = self.input.name("VirtualMFADeviceName", 226)?;
        let path = self.input.path("Path")?;
        let tags = self.input.tags()?;
        let serial = format!("arn:aws:iam::{}:mfa{path}{name}", self.account);
        if self.iam.mfa_devices.contains_key(&serial) {
            return Err(already_exists(
                "MFADevice entity at the same path and name already exists.",
            ));
        }
        let seed = mfa::new_seed();
        let qr_png =
            mfa::qr_code_png(&mfa::otpauth_uri(&name, self.account, &seed)).map_err(|e| {
                ApiError::new(http::StatusCode::INTERNAL_SERVER_ERROR, "ServiceFailure", e)
            })?;
        let device = VirtualMfaDevice {
            serial: serial.clone(),
            name,
            seed,
            qr_png,
            created: self.now,
            tags,
        };
        let out = result(|x| {
            x.el("VirtualMFADevice", |x| render::mfa_device(x, &device, true));
        });
        self.iam.mfa_devices.insert(serial, device);
        out
    }

    fn list_virtual_mfa_devices(self) -> Output {
        let status = self
            .input
            .one_of("AssignmentStatus", &["Assigned", "Unassigned", "Any"])?
            .unwrap_or("Any");
        // No IAM users exist in the emulator, so every device is unassigned.
        let devices: Vec<VirtualMfaDevice> = if status == "Assigned" {
            Vec::new()
        } else {
            self.iam.mfa_devices.values().cloned().collect()
        };
        let page = iam_page(devices, |d| d.serial.clone(), &self.input)?;
        result(|x| {
            x.list("VirtualMFADevices", "member", &page.items, |x, d| {
                render::mfa_device(x, d, false)
            });
            truncation(x, page.next);
        })
    }

    fn delete_virtual_mfa_device(self) -> Output {
        let serial = self.mfa_serial()?;
        self.iam.mfa_device_mut(&serial)?;
        self.iam.mfa_devices.remove(&serial);
        Ok(None)
    }

    fn mfa_serial(&self) -> ApiResult<String> {
        let serial = self.input.required("SerialNumber")?;
        self.input.length("SerialNumber", serial, 9, 256)?;
        if !serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "=,.@:/-_+".contains(c))
        {
            return Err(validation(
                serial,
                "SerialNumber",
                "Member must satisfy regular expression pattern: [\\w+=/:,.@-]+",
            ));
        }
        Ok(serial.to_string())
    }

    // Tags on any taggable kind

    fn taggable_tags(&mut self, kind: TaggableKind) -> ApiResult<&mut Vec<Tag>> {
        let input = &self.input;
        Ok(match kind {
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
        let tags = self.input.required_tags()?;
        let existing = self.taggable_tags(kind)?;
        apply_iam_tags(existing, &tags)?;
        Ok(None)
    }

    fn untag(mut self, kind: TaggableKind) -> Output {
        let keys = self.input.tag_keys()?;
        let existing = self.taggable_tags(kind)?;
        remove_iam_tags(existing, &keys);
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

    // Account snapshot

    fn get_account_authorization_details(self) -> Output {
        const FILTERS: [&str; 5] = [
            "User",
            "Role",
            "Group",
            "LocalManagedPolicy",
            "AWSManagedPolicy",
        ];
        let filters = self.input.string_list("Filter");
        for (i, filter) in filters.iter().enumerate() {
            if !FILTERS.contains(&filter.as_str()) {
                return Err(validation(
                    filter,
                    &format!("filter.{}.member", i + 1),
                    &format!(
                        "Member must satisfy enum value set: [{}]",
                        FILTERS.join(", ")
                    ),
                ));
            }
        }
        let wants = |kind: &str| filters.is_empty() || filters.iter().any(|f| f == kind);
        // One ordered list across kinds, so a marker can resume in the middle of any of them.
        let mut entries: Vec<(String, AuthorizationEntry)> = Vec::new();
        if wants("Role") {
            entries.extend(self.iam.roles.values().map(|r| {
                (
                    format!("1:{}", r.name.to_lowercase()),
                    AuthorizationEntry::Role(r.clone()),
                )
            }));
        }
        if wants("LocalManagedPolicy") {
            entries.extend(self.iam.policies.values().map(|p| {
                (
                    format!("2:{}", policy_sort_key(p)),
                    AuthorizationEntry::Policy(p.clone()),
                )
            }));
        }
        if wants("AWSManagedPolicy") {
            entries.extend(aws_managed_policies(self.now).into_iter().map(|p| {
                (
                    format!("3:{}", policy_sort_key(&p)),
                    AuthorizationEntry::Policy(p),
                )
            }));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let page = iam_page(entries, |(key, _)| key.clone(), &self.input)?;
        let iam = &*self.iam;
        result(|x| {
            x.el("UserDetailList", |_| {}).el("GroupDetailList", |_| {});
            let roles: Vec<&Role> = page
                .items
                .iter()
                .filter_map(|(_, e)| match e {
                    AuthorizationEntry::Role(r) => Some(r),
                    _ => None,
                })
                .collect();
            x.list("RoleDetailList", "member", &roles, |x, role| {
                render::role_detail(x, role, iam)
            });
            let policies: Vec<&ManagedPolicy> = page
                .items
                .iter()
                .filter_map(|(_, e)| match e {
                    AuthorizationEntry::Policy(p) => Some(p),
                    _ => None,
                })
                .collect();
            x.list("Policies", "member", &policies, |x, policy| {
                render::policy_detail(x, policy)
            });
            truncation(x, page.next);
        })
    }
}

enum AuthorizationEntry {
    Role(Role),
    Policy(ManagedPolicy),
}

fn policy_sort_key(policy: &ManagedPolicy) -> String {
    format!("{}\u{1}{}", policy.name.to_lowercase(), policy.arn)
}

/// IAM refuses documents that are not JSON objects with a `Statement`.
fn check_policy_document(document: &str) -> ApiResult<()> {
    let malformed = |why: &str| {
        ApiError::bad_request(
            "MalformedPolicyDocument",
            format!("Syntax errors in policy: {why}"),
        )
    };
    let value: serde_json::Value =
        serde_json::from_str(document).map_err(|e| malformed(&e.to_string()))?;
    let object = value
        .as_object()
        .ok_or_else(|| malformed("the policy must be a JSON object"))?;
    if !object.contains_key("Statement") {
        return Err(malformed("missing required field Statement"));
    }
    Ok(())
}
