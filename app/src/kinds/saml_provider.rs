//! IAM SAML providers: a SAML 2.0 identity provider whose assertions IAM trusts, described by
//! the IdP's metadata document. Global per account; an item's id is the provider's name (as in
//! its ARN). The metadata's `validUntil` is the provider's expiry; the detail page replaces the
//! metadata, which is how an expiring provider is renewed.

use crate::components::{Card, NewItemPage, SubmitButton, TagsField, TextField, TextFileField};
use crate::model::aws_rules::{check_name, global_target_account, parse_tags};
use crate::model::endpoint::{form_of, Endpoint, WITH_TAGS};
use crate::model::{
    AppError, AwsItem, FieldErrors, KindInfo, Renewal, ResourceRef, Service, Tag, TagRules,
};
use crate::pages::resource::ItemForm;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
use super::act;
use super::ResourceKind;

pub const INFO: KindInfo = KindInfo {
    slug: "saml-provider",
    title: "IAM SAML providers",
    singular: "SAML provider",
    nav_label: "SAML providers",
    path: "/saml-providers",
    expiry_field: Some("ValidUntil"),
    endpoints: &[
        Endpoint::changes_aws("saml-providers/create").taking(form_of(METADATA_MAX) + WITH_TAGS),
        Endpoint::changes_aws("saml-providers/metadata").taking(form_of(METADATA_MAX)),
    ],
    // The IdP's new metadata (a later validUntil) replaces the old in place.
    renewal: Some(Renewal::InPlace("saml-metadata-section")),
    ..KindInfo::of(Service::Iam)
};

const KIND: ResourceKind = ResourceKind::SamlProvider;

/// CreateSAMLProvider's and UpdateSAMLProvider's bounds on `SAMLMetadataDocument`.
pub const METADATA_MIN: usize = 1_000;
pub const METADATA_MAX: usize = 10_000_000;

/// CreateSAMLProvider's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewSamlProvider {
    /// `account/global`.
    pub target: String,
    pub name: String,
    /// The IdP's SAML metadata XML, pasted or read from a file in the browser.
    pub metadata: String,
    /// One `Key=Value` per line.
    pub tags: String,
}

/// A valid form: the account, and what to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SamlProviderRequest {
    pub account: String,
    pub name: String,
    pub metadata: String,
    pub tags: Vec<Tag>,
}

/// A SAML provider's name: 1 to 128 letters, digits and `_ . -` (IAM's `[\w._-]+`).
pub fn check_saml_name(name: &str) -> Result<(), String> {
    check_name(name, "The name", 128, "_.-", "_ . - only")
}

/// The metadata document's length as IAM counts it: 1,000 to 10,000,000 characters. Then
/// `is_metadata` (the server's XML check) says whether it is SAML 2.0 IdP metadata.
pub fn check_metadata(
    document: &str,
    is_metadata: fn(&str) -> Result<(), String>,
) -> Result<(), String> {
    if document.trim().is_empty() {
        return Err("Paste the identity provider's SAML metadata XML, or choose its file.".into());
    }
    let count = document.chars().count();
    let length = grouped(count);
    if count < METADATA_MIN {
        return Err(format!(
            "The metadata is {length} characters; IAM requires at least 1,000 (a complete metadata document is longer)."
        ));
    }
    if count > METADATA_MAX {
        return Err(format!(
            "The metadata is {length} characters; IAM accepts at most 10,000,000."
        ));
    }
    is_metadata(document)
}

/// `10000001` as `10,000,001`.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// CreateSAMLProvider's rules; `is_metadata` is the server's check of the XML.
pub fn check_saml_provider(
    form: &NewSamlProvider,
    is_metadata: fn(&str) -> Result<(), String>,
) -> Result<SamlProviderRequest, AppError> {
    let mut errors = FieldErrors::new();
    let account = errors.take("target", global_target_account(&form.target));
    let name = form.name.trim();
    errors.check("name", check_saml_name(name));
    errors.check("metadata", check_metadata(&form.metadata, is_metadata));
    let tags = errors.take("tags", parse_tags(TagRules::Iam, &form.tags));
    errors.into_result()?;
    Ok(SamlProviderRequest {
        account,
        name: name.to_string(),
        metadata: form.metadata.clone(),
        tags,
    })
}

/// UpdateSAMLProvider's form: the new metadata document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct MetadataChange {
    pub metadata: String,
}

pub fn check_metadata_change(
    change: &MetadataChange,
    is_metadata: fn(&str) -> Result<(), String>,
) -> Result<String, AppError> {
    let mut errors = FieldErrors::new();
    errors.check("metadata", check_metadata(&change.metadata, is_metadata));
    errors.into_result()?;
    Ok(change.metadata.clone())
}

#[server(endpoint = "saml-providers/create")]
pub async fn create_saml_provider(
    #[server(default)] _csrf: String,
    provider: NewSamlProvider,
) -> Result<ResourceRef, AppError> {
    act(
        KIND,
        "create",
        None,
        &provider,
        crate::model::FormIntent::Create,
    )
    .await
}

#[server(endpoint = "saml-providers/metadata")]
pub async fn replace_saml_metadata(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    change: MetadataChange,
) -> Result<(), AppError> {
    act(
        KIND,
        "metadata",
        Some(item),
        &change,
        crate::model::FormIntent::Create,
    )
    .await
}

#[component]
pub fn NewPage() -> impl IntoView {
    view! {
        <NewItemPage kind=KIND title="New IAM SAML provider" arg="provider" id="saml"
            action={ServerAction::<CreateSamlProvider>::new()}
            about=|| "Lets IAM trust the SAML assertions of an identity provider (Okta, Entra ID, Google Workspace, ADFS), so its users can sign in to the console or assume roles. IAM reads the metadata's validUntil as the provider's expiry."
            let:form>
            <TextField form="saml" name="provider[name]" field="name" label="Name" error=form.error
                hint="Up to 128 letters, digits and _ . -, e.g. Okta" />
            <TextFileField id="saml-metadata" name="provider[metadata]" field="metadata" label="Metadata document" error=form.error
                accept=".xml,application/xml,text/xml" rows=8
                hint="The IdP's SAML 2.0 metadata XML (an EntityDescriptor with an IDPSSODescriptor), 1,000 to 10,000,000 characters" />
            <TagsField id="saml-tags" name="provider[tags]" error=form.error kind=KIND target_control=form.target_control hint="One Key=Value per line" />
            <SubmitButton label="Create SAML provider" pending=form.pending />
        </NewItemPage>
    }
}

/// Replacing the metadata: the renewal of a provider whose metadata expires.
pub fn detail_sections(resource: AwsItem, _just_created: bool) -> AnyView {
    let item = resource.item;
    view! {
        <Card heading_id="saml-metadata-heading" title="Replace metadata" id="saml-metadata-section">
            <p class="mb-2 text-sm text-slate-600 dark:text-slate-400">
                "Upload the IdP's new metadata before the current one expires (for example after it rotates its signing certificate); IAM reads the new validUntil from it."
            </p>
            <ItemForm action={ServerAction::<ReplaceSamlMetadata>::new()} item submit="Replace metadata" let:error>
                <TextFileField id="saml-new-metadata" name="change[metadata]" field="metadata" label="New metadata document" error
                    accept=".xml,application/xml,text/xml"
                    hint="SAML 2.0 IdP metadata XML, 1,000 to 10,000,000 characters" />
            </ItemForm>
        </Card>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any_xml(_: &str) -> Result<(), String> {
        Ok(())
    }

    fn never_metadata(_: &str) -> Result<(), String> {
        Err("not metadata".into())
    }

    #[test]
    fn the_form_follows_create_saml_provider_rules() {
        let form = NewSamlProvider {
            target: "prod/global".into(),
            name: "Okta_prod-1.x".into(),
            metadata: "x".repeat(1_000),
            tags: "Owner=identity@example.com".into(),
        };
        let request = check_saml_provider(&form, any_xml).unwrap();
        assert_eq!(request.account, "prod");
        assert_eq!(request.name, "Okta_prod-1.x");
        assert_eq!(request.tags.len(), 1);

        let bad = NewSamlProvider {
            target: "prod/us-east-1".into(),
            name: "Okta+prod".into(),
            metadata: "x".repeat(999),
            tags: "aws:owner=x".into(),
        };
        let error = check_saml_provider(&bad, any_xml).unwrap_err();
        for field in ["target", "name", "metadata", "tags"] {
            assert!(error.field(field).is_some(), "{field}");
        }
        assert!(error.field("metadata").unwrap().contains("999 characters"));
        assert!(error.field("name").unwrap().contains("\"+\""));
        let error = check_saml_provider(&form, never_metadata).unwrap_err();
        assert_eq!(error.field("metadata"), Some("not metadata"));
    }

    #[test]
    fn names_and_lengths_at_their_bounds() {
        assert!(check_saml_name(&"a".repeat(128)).is_ok());
        assert!(check_saml_name(&"a".repeat(129)).is_err());
        assert!(check_saml_name("").is_err());
        assert!(check_saml_name("with space").is_err());
        assert!(check_saml_name("a@b").is_err(), "@ is not in [\\w._-]");
        assert!(check_metadata(&"x".repeat(METADATA_MAX), any_xml).is_ok());
        let over = check_metadata(&"x".repeat(METADATA_MAX + 1), any_xml).unwrap_err();
        assert!(over.contains("at most 10,000,000"), "{over}");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(10_000_001), "10,000,001");
        assert!(check_metadata("   ", any_xml)
            .unwrap_err()
            .contains("Paste"));
        // Characters, not bytes: 1,000 two-byte characters are enough.
        assert!(check_metadata(&"é".repeat(1_000), any_xml).is_ok());
        assert!(check_metadata_change(
            &MetadataChange {
                metadata: "short".into()
            },
            any_xml
        )
        .unwrap_err()
        .field("metadata")
        .is_some());
    }
}
