//! SAML and OpenID Connect identity providers: SAML ValidUntil is read from the metadata on
//! create and update; OIDC providers keep up to 5 thumbprints and 100 client ids.

use super::model::{OidcProvider, SamlProvider};
use super::{
    already_exists, invalid_input, limit_exceeded, render, result, validation, Call, Output,
};
use crate::derive::saml;
use crate::error::{ApiError, ApiResult};
use crate::tags::KeyCase;

/// IAM's quotas per OpenID Connect provider.
const MAX_CLIENT_IDS: usize = 100;
const MAX_THUMBPRINTS: usize = 5;

impl<'a> Call<'a> {
    pub(super) fn create_saml_provider(self) -> Output {
        let document = self.saml_metadata()?;
        let name = self.input.name("Name", 128)?;
        let tags = self.input.tags(KeyCase::Sensitive)?;
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

    /// Replaces the metadata; ValidUntil is read again from the new document.
    pub(super) fn update_saml_provider(self) -> Output {
        let arn = self.saml_arn()?;
        let document = self.saml_metadata()?;
        let provider = self.iam.saml_provider_mut(arn)?;
        let metadata = saml::parse_metadata(document)
            .map_err(|e| invalid_input(format!("Could not parse metadata: {e}")))?;
        provider.document = document.to_string();
        provider.valid_until = metadata.valid_until;
        result(|x| {
            x.text("SAMLProviderArn", arn);
        })
    }

    fn saml_metadata(&self) -> ApiResult<&'a str> {
        let document = self.input.required("SAMLMetadataDocument")?;
        self.input
            .length("SAMLMetadataDocument", document, 1000, 10_000_000)?;
        Ok(document)
    }

    pub(super) fn saml_arn(&self) -> ApiResult<&'a str> {
        let arn = self.input.required("SAMLProviderArn")?;
        self.input.length("SAMLProviderArn", arn, 20, 2048)?;
        Ok(arn)
    }

    pub(super) fn get_saml_provider(self) -> Output {
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

    pub(super) fn list_saml_providers(self) -> Output {
        let providers: Vec<&SamlProvider> = self.iam.saml_providers.values().collect();
        result(|x| {
            x.list("SAMLProviderList", "member", &providers, |x, p| {
                x.text("Arn", &p.arn)
                    .opt_time("ValidUntil", p.valid_until)
                    .time("CreateDate", p.created);
            });
        })
    }

    pub(super) fn delete_saml_provider(self) -> Output {
        let arn = self.saml_arn()?.to_string();
        let name = self.iam.saml_provider(&arn)?;
        let name = name.arn.rsplit('/').next().unwrap_or_default().to_string();
        self.iam.saml_providers.remove(&name);
        Ok(None)
    }

    // OpenID Connect providers

    pub(super) fn create_oidc_provider(self) -> Output {
        let url = self.input.required("Url")?;
        self.input.length("Url", url, 1, 255)?;
        let host_and_path = url
            .strip_prefix("https://")
            .filter(|rest| !rest.is_empty() && !rest.contains('?') && !rest.contains('#'))
            .ok_or_else(|| invalid_input(format!("Invalid URL: '{url}'. The URL must begin with https:// and have no query or fragment.")))?;
        let host_and_path = host_and_path.trim_end_matches('/').to_string();
        let client_ids = self.input.string_list("ClientIDList");
        if client_ids.len() > MAX_CLIENT_IDS {
            return Err(client_id_quota());
        }
        for (i, id) in client_ids.iter().enumerate() {
            self.input
                .length(&format!("clientIDList.{}.member", i + 1), id, 1, 255)?;
        }
        let thumbprints = self.thumbprints()?;
        let tags = self.input.tags(KeyCase::Sensitive)?;
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

    /// `ThumbprintList`: one to five entries of exactly 40 hex digits.
    fn thumbprints(&self) -> ApiResult<Vec<String>> {
        if !self.input.params.contains_prefix("ThumbprintList") {
            self.input.required("ThumbprintList")?;
        }
        let thumbprints = self.input.string_list("ThumbprintList");
        if thumbprints.is_empty() {
            return Err(invalid_input(
                "Thumbprint list must contain at least one entry.",
            ));
        }
        // Not a quota (LimitExceeded) but a bad input, on create and on update alike: IAM's
        // UpdateOpenIDConnectProviderThumbprint has no LimitExceeded error at all. The message
        // is IAM's, "fewer than 5" though five is allowed.
        if thumbprints.len() > MAX_THUMBPRINTS {
            return Err(invalid_input(
                "Thumbprint list must contain fewer than 5 entries.",
            ));
        }
        for (i, thumbprint) in thumbprints.iter().enumerate() {
            let member = format!("thumbprintList.{}.member", i + 1);
            let length = thumbprint.chars().count();
            if length < 40 {
                return Err(validation(
                    thumbprint,
                    &member,
                    "Member must have length greater than or equal to 40",
                ));
            }
            if length > 40 {
                return Err(validation(
                    thumbprint,
                    &member,
                    "Member must have length less than or equal to 40",
                ));
            }
            if !thumbprint.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(validation(
                    thumbprint,
                    &member,
                    "Member must satisfy regular expression pattern: [0-9A-Fa-f]{40}",
                ));
            }
        }
        Ok(thumbprints)
    }

    fn client_id(&self) -> ApiResult<&'a str> {
        let id = self.input.required("ClientID")?;
        self.input.length("ClientID", id, 1, 255)?;
        Ok(id)
    }

    pub(super) fn update_oidc_thumbprints(self) -> Output {
        let arn = self.oidc_arn()?;
        let thumbprints = self.thumbprints()?;
        self.iam.oidc_provider_mut(arn)?.thumbprints = thumbprints;
        Ok(None)
    }

    /// Adding a client id the provider already has changes nothing and succeeds.
    pub(super) fn add_oidc_client_id(self) -> Output {
        let arn = self.oidc_arn()?;
        let id = self.client_id()?;
        let provider = self.iam.oidc_provider_mut(arn)?;
        if provider.client_ids.iter().any(|c| c == id) {
            return Ok(None);
        }
        if provider.client_ids.len() >= MAX_CLIENT_IDS {
            return Err(client_id_quota());
        }
        provider.client_ids.push(id.to_string());
        Ok(None)
    }

    /// Removing a client id the provider does not have changes nothing and succeeds.
    pub(super) fn remove_oidc_client_id(self) -> Output {
        let arn = self.oidc_arn()?;
        let id = self.client_id()?;
        self.iam
            .oidc_provider_mut(arn)?
            .client_ids
            .retain(|c| c != id);
        Ok(None)
    }

    pub(super) fn oidc_arn(&self) -> ApiResult<&'a str> {
        let arn = self.input.required("OpenIDConnectProviderArn")?;
        self.input
            .length("OpenIDConnectProviderArn", arn, 20, 2048)?;
        Ok(arn)
    }

    pub(super) fn get_oidc_provider(self) -> Output {
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

    pub(super) fn list_oidc_providers(self) -> Output {
        let providers: Vec<&OidcProvider> = self.iam.oidc_providers.values().collect();
        result(|x| {
            x.list("OpenIDConnectProviderList", "member", &providers, |x, p| {
                x.text("Arn", &p.arn);
            });
        })
    }

    pub(super) fn delete_oidc_provider(self) -> Output {
        let arn = self.oidc_arn()?.to_string();
        let url = self.iam.oidc_provider(&arn)?.url.clone();
        self.iam.oidc_providers.remove(&url);
        Ok(None)
    }
}

fn client_id_quota() -> ApiError {
    limit_exceeded(format!(
        "Cannot exceed quota for ClientIdsPerOpenIdConnectProvider: {MAX_CLIENT_IDS}"
    ))
}
