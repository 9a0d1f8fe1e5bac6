//! IAM OpenID Connect providers: an external identity provider (GitHub Actions, EKS, an IdP)
//! whose tokens IAM trusts. Global per account; an item's id is the provider's URL without
//! `https://` (as in its ARN). The detail page replaces the thumbprints and adds or removes client
//! ids.

use crate::components::form::action_error;
use crate::components::{ActionAlert, Card, NewItemPage, SubmitButton, TagsField};
use crate::components::{TextField, TextFileField};
use crate::model::aws_rules::{global_target_account, lines, parse_tags};
use crate::model::endpoint::{Endpoint, WITH_TAGS};
use crate::model::{AppError, AwsItem, FieldErrors, KindInfo, ResourceRef, Service, Tag, TagRules};
use crate::pages::resource::{ItemButton, ItemForm};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ResourceKind;
#[cfg(feature = "ssr")]
use super::act;

pub const INFO: KindInfo = KindInfo {
    slug: "oidc-provider",
    title: "IAM OIDC providers",
    singular: "OIDC provider",
    nav_label: "OIDC providers",
    path: "/oidc-providers",
    endpoints: &[
        Endpoint::changes_aws("oidc-providers/create").taking(WITH_TAGS),
        Endpoint::changes_aws("oidc-providers/thumbprints"),
        Endpoint::changes_aws("oidc-providers/add-client-id"),
        Endpoint::changes_aws("oidc-providers/remove-client-id"),
    ],
    ..KindInfo::of(Service::Iam)
};

const KIND: ResourceKind = ResourceKind::OidcProvider;

pub const MAX_CLIENT_IDS: usize = 100;
pub const MAX_THUMBPRINTS: usize = 5;

/// CreateOpenIDConnectProvider's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct NewOidcProvider {
    /// `account/global`.
    pub target: String,
    pub url: String,
    /// One per line.
    pub client_ids: String,
    /// One per line.
    pub thumbprints: String,
    /// One `Key=Value` per line.
    pub tags: String,
}

/// A valid form: the account, and what to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProviderRequest {
    pub account: String,
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub tags: Vec<Tag>,
}

/// An https URL of at most 255 characters without a query or fragment.
pub fn check_oidc_url(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .ok_or("The URL must begin with https://.")?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err("The URL needs a host name after https://.".into());
    }
    if url.len() > 255 {
        return Err("The URL is at most 255 characters.".into());
    }
    if url.contains(['?', '#']) || url.chars().any(char::is_whitespace) {
        return Err("The URL may have a path but no query, fragment or spaces.".into());
    }
    Ok(())
}

/// Client ids (audiences): at most 100, each 1 to 255 characters.
pub fn check_client_ids(ids: &[String]) -> Result<(), String> {
    if ids.len() > MAX_CLIENT_IDS {
        return Err(format!("At most {MAX_CLIENT_IDS} client IDs."));
    }
    match ids.iter().find(|id| id.chars().count() > 255) {
        Some(id) => Err(format!(
            "Client ID \"{}…\" is longer than 255 characters.",
            id.chars().take(20).collect::<String>()
        )),
        None => Ok(()),
    }
}

/// Thumbprints: 1 to 5, each the 40 hex characters of a certificate's SHA-1. More than 5 is
/// what IAM refuses with InvalidInput, on CreateOpenIDConnectProvider and on
/// UpdateOpenIDConnectProviderThumbprint alike (not a quota: no LimitExceeded).
pub fn check_thumbprints(thumbprints: &[String]) -> Result<(), String> {
    if thumbprints.is_empty() {
        return Err("Give at least one thumbprint.".into());
    }
    if thumbprints.len() > MAX_THUMBPRINTS {
        return Err(format!(
            "{} thumbprints given: IAM takes at most {MAX_THUMBPRINTS} thumbprints per provider; remove {}.",
            thumbprints.len(),
            thumbprints.len() - MAX_THUMBPRINTS
        ));
    }
    match thumbprints
        .iter()
        .find(|t| t.len() != 40 || !t.chars().all(|c| c.is_ascii_hexdigit()))
    {
        Some(bad) => Err(format!(
            "\"{bad}\" is not a thumbprint: 40 hexadecimal characters (a SHA-1)."
        )),
        None => Ok(()),
    }
}

/// CreateOpenIDConnectProvider's rules.
pub fn check_oidc_provider(form: &NewOidcProvider) -> Result<OidcProviderRequest, AppError> {
    let mut errors = FieldErrors::new();
    let account = errors.take("target", global_target_account(&form.target));
    let url = form.url.trim();
    errors.check("url", check_oidc_url(url));
    let client_ids = lines(&form.client_ids);
    errors.check("client_ids", check_client_ids(&client_ids));
    let thumbprints: Vec<String> = lines(&form.thumbprints)
        .into_iter()
        .map(|t| t.to_lowercase())
        .collect();
    errors.check("thumbprints", check_thumbprints(&thumbprints));
    let tags = errors.take("tags", parse_tags(TagRules::Iam, &form.tags));
    errors.into_result()?;
    Ok(OidcProviderRequest {
        account,
        url: url.to_string(),
        client_ids,
        thumbprints,
        tags,
    })
}

/// UpdateOpenIDConnectProviderThumbprint's form: the whole new list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ThumbprintsChange {
    pub thumbprints: String,
}

pub fn check_thumbprints_change(change: &ThumbprintsChange) -> Result<Vec<String>, AppError> {
    let thumbprints: Vec<String> = lines(&change.thumbprints)
        .into_iter()
        .map(|t| t.to_lowercase())
        .collect();
    let mut errors = FieldErrors::new();
    errors.check("thumbprints", check_thumbprints(&thumbprints));
    errors.into_result()?;
    Ok(thumbprints)
}

/// Add…/RemoveClientIDFromOpenIDConnectProvider's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientIdChange {
    pub client_id: String,
}

pub fn check_client_id_change(change: &ClientIdChange) -> Result<String, AppError> {
    let id = change.client_id.trim();
    let mut errors = FieldErrors::new();
    errors.check(
        "client_id",
        if id.is_empty() {
            Err("Give the client ID.".to_string())
        } else {
            check_client_ids(&[id.to_string()])
        },
    );
    errors.into_result()?;
    Ok(id.to_string())
}

#[server(endpoint = "oidc-providers/create")]
pub async fn create_oidc_provider(
    #[server(default)] _csrf: String,
    provider: NewOidcProvider,
) -> Result<ResourceRef, AppError> {
    act(KIND, "create", None, &provider, crate::model::FormIntent::Create).await
}

#[server(endpoint = "oidc-providers/thumbprints")]
pub async fn update_oidc_thumbprints(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    change: ThumbprintsChange,
) -> Result<(), AppError> {
    act(KIND, "thumbprints", Some(item), &change, crate::model::FormIntent::Create).await
}

#[server(endpoint = "oidc-providers/add-client-id")]
pub async fn add_oidc_client_id(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    change: ClientIdChange,
) -> Result<(), AppError> {
    act(KIND, "add-client-id", Some(item), &change, crate::model::FormIntent::Create).await
}

#[server(endpoint = "oidc-providers/remove-client-id")]
pub async fn remove_oidc_client_id(
    #[server(default)] _csrf: String,
    item: ResourceRef,
    change: ClientIdChange,
) -> Result<(), AppError> {
    act(KIND, "remove-client-id", Some(item), &change, crate::model::FormIntent::Create).await
}

#[component]
pub fn NewPage() -> impl IntoView {
    view! {
        <NewItemPage kind=KIND title="New IAM OIDC provider" arg="provider" id="oidc"
            action={ServerAction::<CreateOidcProvider>::new()}
            about=|| "Lets IAM trust the tokens of an OpenID Connect identity provider (GitHub Actions, an EKS cluster, your IdP), so its identities can assume roles."
            let:form>
            <TextField form="oidc" name="provider[url]" field="url" label="Provider URL" error=form.error
                hint="https:// and the issuer (the iss claim), e.g. https://token.actions.githubusercontent.com" />
            <TextFileField id="oidc-client_ids" name="provider[client_ids]" field="client_ids" required=false rows=3 label="Client IDs (audiences)" error=form.error
                hint="One per line; up to 100, each up to 255 characters" />
            <TextFileField id="oidc-thumbprints" name="provider[thumbprints]" field="thumbprints" required=false rows=3 label="Thumbprints" error=form.error
                hint="One per line; 1 to 5 SHA-1 fingerprints (40 hex characters) of the provider's TLS certificate" />
            <TagsField id="oidc-tags" name="provider[tags]" error=form.error kind=KIND target_control=form.target_control hint="One Key=Value per line" />
            <SubmitButton label="Create OIDC provider" pending=form.pending />
        </NewItemPage>
    }
}

/// The thumbprints (replaced as a whole) and the client ids (added or removed one at a time).
pub fn detail_sections(resource: AwsItem, _just_created: bool) -> AnyView {
    let values = |label: &str| -> Vec<String> {
        resource
            .field(label)
            .map(|value| value.split(", ").map(str::to_string).collect())
            .unwrap_or_default()
    };
    let thumbprints = values("Thumbprints");
    let client_ids = values("Client IDs");
    view! { <ProviderSettings item=resource.item thumbprints client_ids /> }.into_any()
}

#[component]
fn ProviderSettings(item: ResourceRef, thumbprints: Vec<String>, client_ids: Vec<String>) -> impl IntoView {
    let update = ServerAction::<UpdateOidcThumbprints>::new();
    let add = ServerAction::<AddOidcClientId>::new();
    let remove = ServerAction::<RemoveOidcClientId>::new();
    let remove_error = action_error(remove);
    let ids = client_ids
        .into_iter()
        .map(|id| {
            let label = format!("Remove client ID {id}");
            let (shown, value) = (id.clone(), id.clone());
            view! {
                <li class="flex items-center justify-between gap-2" data-client-id=id>
                    <code class="break-all font-mono text-xs">{shown}</code>
                    <ItemButton action=remove item=item.clone() name="change[client_id]" value label text="Remove" />
                </li>
            }
        })
        .collect_view();
    let (update_item, add_item) = (item.clone(), item);
    view! {
        <Card heading_id="thumbprints-heading" title="Thumbprints" id="oidc-thumbprints-section">
            <ItemForm action=update item=update_item submit="Replace thumbprints" let:error>
                <TextFileField id="oidc-thumbprints" name="change[thumbprints]" field="thumbprints" required=false rows=3 label="Thumbprints, one per line" error
                    hint="Replaces the list: 1 to 5 SHA-1 fingerprints" value=thumbprints.join("\n") />
            </ItemForm>
        </Card>
        <Card heading_id="client-ids-heading" title="Client IDs" id="oidc-client-ids">
            <ActionAlert error=remove_error />
            <ul class="mb-3 space-y-1 text-sm">{ids}</ul>
            <ItemForm action=add item=add_item submit="Add client ID" let:error>
                <TextField form="oidc-add" name="change[client_id]" field="client_id" label="Client ID to add" error />
            </ItemForm>
        </Card>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_follows_create_open_id_connect_provider_rules() {
        let form = NewOidcProvider {
            target: "prod/global".into(),
            url: "https://token.actions.githubusercontent.com".into(),
            client_ids: "sts.amazonaws.com\n".into(),
            thumbprints: "6938FD4D98BAB03FAADB97B34396831E3780AEA1".into(),
            tags: "Owner=ci@example.com".into(),
        };
        let request = check_oidc_provider(&form).unwrap();
        assert_eq!(request.thumbprints, vec!["6938fd4d98bab03faadb97b34396831e3780aea1".to_string()]);
        assert_eq!(request.client_ids, vec!["sts.amazonaws.com".to_string()]);
        let bad = NewOidcProvider {
            url: "http://example.com/?x=1".into(),
            thumbprints: "abc".into(),
            client_ids: (0..101).map(|i| format!("c{i}\n")).collect(),
            ..form.clone()
        };
        let error = check_oidc_provider(&bad).unwrap_err();
        for field in ["url", "thumbprints", "client_ids"] {
            assert!(error.field(field).is_some(), "{field}");
        }
        let five: String = (0..5).map(|i| format!("{i:040x}\n")).collect();
        assert_eq!(check_thumbprints_change(&ThumbprintsChange { thumbprints: five }).map(|t| t.len()), Ok(5));
        let six: String = (0..6).map(|i| format!("{i:040x}\n")).collect();
        let error = check_thumbprints_change(&ThumbprintsChange { thumbprints: six.clone() }).unwrap_err();
        assert!(error.field("thumbprints").unwrap().contains("at most 5 thumbprints"), "{error:?}");
        let error = check_oidc_provider(&NewOidcProvider { thumbprints: six, ..form.clone() }).unwrap_err();
        assert!(error.field("thumbprints").unwrap().contains("6 thumbprints given"), "{error:?}");
        assert!(check_oidc_url("https://example.com/path").is_ok());
        assert!(check_oidc_url(&format!("https://{}", "a".repeat(250))).is_err());
    }
}
