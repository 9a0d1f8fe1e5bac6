//! Verified Access trust providers: create, describe, modify and delete, with the
//! required-when rules of their user, device and OIDC options.

use super::*;

impl Call<'_> {
    pub(super) fn oidc_options(&self, prefix: &str) -> Option<OidcOptions> {
        if !self.params.contains_prefix(prefix) {
            return None;
        }
        let get = |member: &str| {
            self.params
                .get(&format!("{prefix}.{member}"))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        Some(OidcOptions {
            issuer: get("Issuer"),
            authorization_endpoint: get("AuthorizationEndpoint"),
            token_endpoint: get("TokenEndpoint"),
            user_info_endpoint: get("UserInfoEndpoint"),
            client_id: get("ClientId"),
            client_secret: get("ClientSecret"),
            scope: get("Scope"),
        })
    }

    pub(super) fn device_options(&self) -> Option<DeviceOptions> {
        if !self.params.contains_prefix("DeviceOptions") {
            return None;
        }
        let get = |member: &str| {
            self.params
                .get(&format!("DeviceOptions.{member}"))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        Some(DeviceOptions {
            tenant_id: get("TenantId"),
            public_signing_key_url: get("PublicSigningKeyUrl"),
        })
    }

    pub(super) fn sse_specification(&self) -> ApiResult<Option<SseSpecification>> {
        if !self.params.contains_prefix("SseSpecification") {
            return Ok(None);
        }
        let enabled = self
            .input
            .bool("SseSpecification.CustomerManagedKeyEnabled")?
            .unwrap_or(false);
        let kms_key_arn = self
            .input
            .optional("SseSpecification.KmsKeyArn")
            .filter(|v| !v.is_empty())
            .map(str::to_string);
        match (&kms_key_arn, enabled) {
            (Some(_), false) => Err(invalid_combination("KmsKeyArn can be given only when CustomerManagedKeyEnabled is true.")),
            (None, true) => Err(missing("SseSpecification.KmsKeyArn")),
            (Some(arn), true) if !arn.starts_with("arn:aws:kms:") => {
                Err(invalid_value(format!("Value ({arn}) for parameter SseSpecification.KmsKeyArn is invalid: it must be a KMS key ARN.")))
            }
            _ => Ok(Some(SseSpecification { customer_managed_key_enabled: enabled, kms_key_arn })),
        }
    }

    pub(super) fn create_trust_provider(mut self) -> ApiResult<Xml> {
        let provider_type = self.input.required("TrustProviderType")?;
        self.input
            .one_of("TrustProviderType", &["user", "device"])?;
        let user_type = self
            .input
            .one_of("UserTrustProviderType", &["iam-identity-center", "oidc"])?;
        let device_type = self.input.one_of(
            "DeviceTrustProviderType",
            &["jamf", "crowdstrike", "jumpcloud"],
        )?;
        let policy_reference_name = self.input.required("PolicyReferenceName")?;
        check_policy_reference_name(policy_reference_name)?;
        let description = self.input.max_length("Description", 255)?;
        let oidc = self.oidc_options("OidcOptions");
        let device = self.device_options();
        let sse = self.sse_specification()?.unwrap_or_default();
        let tags = self
            .input
            .tag_specifications("verified-access-trust-provider")?;
        match provider_type {
            "user" => {
                let user_type = user_type.ok_or_else(|| missing("UserTrustProviderType"))?;
                if device_type.is_some() || device.is_some() {
                    return Err(invalid_combination("DeviceTrustProviderType and DeviceOptions apply only to device trust providers."));
                }
                if user_type == "oidc" {
                    let options = oidc.as_ref().ok_or_else(|| missing("OidcOptions"))?;
                    options.check_complete()?;
                } else if oidc.is_some() {
                    return Err(invalid_combination(
                        "OidcOptions apply only to user trust providers of type oidc.",
                    ));
                }
            }
            _ => {
                let device_type = device_type.ok_or_else(|| missing("DeviceTrustProviderType"))?;
                if user_type.is_some() || oidc.is_some() {
                    return Err(invalid_combination(
                        "UserTrustProviderType and OidcOptions apply only to user trust providers.",
                    ));
                }
                let options = device.as_ref().ok_or_else(|| missing("DeviceOptions"))?;
                if device_type != "crowdstrike" && options.tenant_id.is_none() {
                    return Err(missing("DeviceOptions.TenantId"));
                }
                if let Some(url) = &options.public_signing_key_url {
                    check_https("DeviceOptions.PublicSigningKeyUrl", url)?;
                }
            }
        }
        self.input.unless_dry_run()?;
        if let Some(id) = self.idempotency("CreateVerifiedAccessTrustProvider")? {
            if let Some(provider) = self.ec2.trust_providers.get(&id) {
                return one(|x| {
                    x.el("verifiedAccessTrustProvider", |x| {
                        render_trust_provider(x, provider)
                    });
                });
            }
        }
        let id = ids::ec2_id("vatp");
        let provider = TrustProvider {
            id: id.clone(),
            description: description.map(str::to_string),
            trust_provider_type: provider_type.to_string(),
            user_trust_provider_type: user_type.map(str::to_string),
            device_trust_provider_type: device_type.map(str::to_string),
            oidc,
            device,
            policy_reference_name: policy_reference_name.to_string(),
            created: self.now,
            updated: self.now,
            tags,
            sse,
        };
        let out = one(|x| {
            x.el("verifiedAccessTrustProvider", |x| {
                render_trust_provider(x, &provider)
            });
        });
        self.remember("CreateVerifiedAccessTrustProvider", &id)?;
        self.ec2.trust_providers.insert(id, provider);
        out
    }

    pub(super) fn describe_trust_providers(self) -> ApiResult<Xml> {
        let filters = self.input.filters()?;
        let wanted = self.input.list("VerifiedAccessTrustProviderId");
        let max = self.input.max_results(5, 200)?;
        self.input.unless_dry_run()?;
        for id in &wanted {
            if !self.ec2.trust_providers.contains_key(id) {
                return Err(trust_provider_not_found(id));
            }
        }
        let mut found = Vec::new();
        for provider in self.ec2.trust_providers.values() {
            if !wanted.is_empty() && !wanted.contains(&provider.id) {
                continue;
            }
            let keep = passes(&filters, &provider.tags, |name| {
                Some(match name {
                    "trust-provider-type" => vec![provider.trust_provider_type.clone()],
                    "user-trust-provider-type" => {
                        provider.user_trust_provider_type.iter().cloned().collect()
                    }
                    "device-trust-provider-type" => provider
                        .device_trust_provider_type
                        .iter()
                        .cloned()
                        .collect(),
                    "policy-reference-name" => vec![provider.policy_reference_name.clone()],
                    "description" => provider.description.iter().cloned().collect(),
                    _ => return None,
                })
            })?;
            if keep {
                found.push(provider.clone());
            }
        }
        let page = page(
            found,
            |p| p.id.clone(),
            self.input.optional("NextToken"),
            max.unwrap_or(200),
        )
        .map_err(|_| invalid_next_token())?;
        one(|x| {
            x.list(
                "verifiedAccessTrustProviderSet",
                "item",
                &page.items,
                render_trust_provider,
            )
            .opt_text("nextToken", page.next);
        })
    }

    pub(super) fn modify_trust_provider(self) -> ApiResult<Xml> {
        let id = self
            .input
            .required("VerifiedAccessTrustProviderId")?
            .to_string();
        let description = self.input.max_length("Description", 255)?;
        let oidc = self.oidc_options("OidcOptions");
        let device = self.device_options();
        let sse = self.sse_specification()?;
        let mut provider = self
            .ec2
            .trust_providers
            .get(&id)
            .cloned()
            .ok_or_else(|| trust_provider_not_found(&id))?;
        if let Some(changes) = oidc {
            if provider.user_trust_provider_type.as_deref() != Some("oidc") {
                return Err(invalid_combination(
                    "OidcOptions can be modified only on user trust providers of type oidc.",
                ));
            }
            let current = provider.oidc.get_or_insert_with(OidcOptions::default);
            current.merge(changes);
        }
        if let Some(changes) = device {
            if provider.trust_provider_type != "device" {
                return Err(invalid_combination(
                    "DeviceOptions can be modified only on device trust providers.",
                ));
            }
            if changes.tenant_id.is_some() {
                return Err(invalid_combination(
                    "The TenantId of a device trust provider cannot be modified.",
                ));
            }
            if let Some(url) = changes.public_signing_key_url {
                check_https("DeviceOptions.PublicSigningKeyUrl", &url)?;
                provider
                    .device
                    .get_or_insert_with(DeviceOptions::default)
                    .public_signing_key_url = Some(url);
            }
        }
        if let Some(description) = description {
            provider.description = Some(description.to_string());
        }
        if let Some(sse) = sse {
            provider.sse = sse;
        }
        self.input.unless_dry_run()?;
        provider.updated = self.now;
        let out = one(|x| {
            x.el("verifiedAccessTrustProvider", |x| {
                render_trust_provider(x, &provider)
            });
        });
        self.ec2.trust_providers.insert(id, provider);
        out
    }

    pub(super) fn delete_trust_provider(self) -> ApiResult<Xml> {
        let id = self
            .input
            .required("VerifiedAccessTrustProviderId")?
            .to_string();
        let provider = self
            .ec2
            .trust_providers
            .get(&id)
            .cloned()
            .ok_or_else(|| trust_provider_not_found(&id))?;
        self.input.unless_dry_run()?;
        self.ec2.trust_providers.remove(&id);
        one(|x| {
            x.el("verifiedAccessTrustProvider", |x| {
                render_trust_provider(x, &provider)
            });
        })
    }
}

fn trust_provider_not_found(id: &str) -> ApiError {
    not_found(
        "InvalidVerifiedAccessTrustProviderId.NotFound",
        format!("The Verified Access trust provider ID '{id}' does not exist"),
    )
}

fn check_policy_reference_name(name: &str) -> ApiResult<()> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') || name.len() > 64 {
        return Err(invalid_value(format!(
            "Value ({name}) for parameter PolicyReferenceName is invalid. It must start with a letter or underscore, contain only letters, digits and underscores, and be at most 64 characters."
        )));
    }
    Ok(())
}

fn check_https(member: &str, value: &str) -> ApiResult<()> {
    match url::Url::parse(value) {
        Ok(url) if url.scheme() == "https" && url.host().is_some() => Ok(()),
        _ => Err(invalid_value(format!(
            "Value ({value}) for parameter {member} is invalid: it must be an https:// URL."
        ))),
    }
}

impl OidcOptions {
    fn check_complete(&self) -> ApiResult<()> {
        let required = [
            ("Issuer", &self.issuer),
            ("AuthorizationEndpoint", &self.authorization_endpoint),
            ("TokenEndpoint", &self.token_endpoint),
            ("UserInfoEndpoint", &self.user_info_endpoint),
            ("ClientId", &self.client_id),
            ("ClientSecret", &self.client_secret),
        ];
        for (member, value) in required {
            let Some(value) = value else {
                return Err(missing(&format!("OidcOptions.{member}")));
            };
            if member.ends_with("Endpoint") || member == "Issuer" {
                check_https(&format!("OidcOptions.{member}"), value)?;
            }
        }
        Ok(())
    }

    fn merge(&mut self, changes: OidcOptions) {
        let fields = [
            (&mut self.issuer, changes.issuer),
            (
                &mut self.authorization_endpoint,
                changes.authorization_endpoint,
            ),
            (&mut self.token_endpoint, changes.token_endpoint),
            (&mut self.user_info_endpoint, changes.user_info_endpoint),
            (&mut self.client_id, changes.client_id),
            (&mut self.client_secret, changes.client_secret),
            (&mut self.scope, changes.scope),
        ];
        for (field, change) in fields {
            if change.is_some() {
                *field = change;
            }
        }
    }
}

fn render_trust_provider(x: &mut Xml, provider: &TrustProvider) {
    x.text("verifiedAccessTrustProviderId", &provider.id)
        .opt_text("description", provider.description.as_ref())
        .text("trustProviderType", &provider.trust_provider_type)
        .opt_text(
            "userTrustProviderType",
            provider.user_trust_provider_type.as_ref(),
        )
        .opt_text(
            "deviceTrustProviderType",
            provider.device_trust_provider_type.as_ref(),
        );
    if let Some(oidc) = &provider.oidc {
        x.el("oidcOptions", |x| {
            x.opt_text("issuer", oidc.issuer.as_ref())
                .opt_text(
                    "authorizationEndpoint",
                    oidc.authorization_endpoint.as_ref(),
                )
                .opt_text("tokenEndpoint", oidc.token_endpoint.as_ref())
                .opt_text("userInfoEndpoint", oidc.user_info_endpoint.as_ref())
                .opt_text("clientId", oidc.client_id.as_ref())
                .opt_text("clientSecret", oidc.client_secret.as_ref())
                .opt_text("scope", oidc.scope.as_ref());
        });
    }
    if let Some(device) = &provider.device {
        x.el("deviceOptions", |x| {
            x.opt_text("tenantId", device.tenant_id.as_ref()).opt_text(
                "publicSigningKeyUrl",
                device.public_signing_key_url.as_ref(),
            );
        });
    }
    x.text("policyReferenceName", &provider.policy_reference_name)
        .text("creationTime", iso8601(provider.created))
        .text("lastUpdatedTime", iso8601(provider.updated));
    render_tags(x, &provider.tags);
    x.el("sseSpecification", |x| {
        x.text(
            "customerManagedKeyEnabled",
            provider.sse.customer_managed_key_enabled,
        )
        .opt_text("kmsKeyArn", provider.sse.kms_key_arn.as_ref());
    });
}
