//! IAM OpenID Connect providers: an external identity provider (GitHub Actions, EKS, an IdP)
//! whose tokens IAM trusts. Global per account; an item's id is the provider's URL without
//! `https://` (as in its ARN). The detail page replaces the thumbprints and adds or removes client
//! ids.

use crate::model::endpoint::{Endpoint, WITH_TAGS};
use crate::{
    components::{
        CreatePage, TargetSelect,
        form::action_error, ActionAlert, CsrfField, FieldMessage, TagsField, SubmitButton, TextField,
    },
    model::{
        aws_rules::{check_global_target, lines, parse_tags},
        AppError, AwsItem, CreateFormOptions, FieldErrors, KindInfo, ResourceRef,
        Service, Tag, TagRules,
    },
    pages::{
        resource::{reread_after, ItemFields}, CARD,
    },
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::ResourceKind;
#[cfg(feature = "ssr")]
use super::act;

const KIND: ResourceKind = ResourceKind::OidcProvider;

pub const INFO: KindInfo = KindInfo {
    slug: "oidc-provider",
    title: "IAM OIDC providers",
    singular: "OIDC provider",
    nav_label: "OIDC providers",
    path: "/oidc-providers",
    service: Service::Iam,
    expiry_field: None,
    tag_rules: TagRules::Iam,
    global: true,    endpoints: &[
        Endpoint::changes_aws("oidc-providers/create").taking(WITH_TAGS),
        Endpoint::changes_aws("oidc-providers/thumbprints"),
        Endpoint::changes_aws("oidc-providers/add-client-id"),
        Endpoint::changes_aws("oidc-providers/remove-client-id"),
    ],
};

pub const MAX_CLIENT_IDS: usize = 100;
pub const MAX_THUMBPRINTS: usize = 5;

const AREA: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm dark:border-slate-600 dark:bg-slate-800";

/// CreateOpenIDConnectProvider's form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOidcProvider {
    /// `account/global`.
    #[serde(default)]
    pub target: String,
    #[serde(default)]
    pub url: String,
    /// One per line.
    #[serde(default)]
    pub client_ids: String,
    /// One per line.
    #[serde(default)]
    pub thumbprints: String,
    /// One `Key=Value` per line.
    #[serde(default)]
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
    errors.check("target", check_global_target(&form.target));
    let url = form.url.trim();
    errors.check("url", check_oidc_url(url));
    let client_ids = lines(&form.client_ids);
    errors.check("client_ids", check_client_ids(&client_ids));
    let thumbprints: Vec<String> = lines(&form.thumbprints)
        .into_iter()
        .map(|t| t.to_lowercase())
        .collect();
    errors.check("thumbprints", check_thumbprints(&thumbprints));
    let tags = parse_tags(TagRules::Iam, &form.tags);
    errors.check("tags", tags.as_ref().map(|_| ()).map_err(Clone::clone));
    errors.into_result()?;
    Ok(OidcProviderRequest {
        account: form.target.split('/').next().unwrap_or_default().to_string(),
        url: url.to_string(),
        client_ids,
        thumbprints,
        tags: tags.unwrap_or_default(),
    })
}

/// UpdateOpenIDConnectProviderThumbprint's form: the whole new list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThumbprintsChange {
    #[serde(default)]
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
pub struct ClientIdChange {
    #[serde(default)]
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
        <CreatePage title="New IAM OIDC provider"
            load=|| crate::api::resources::get_create_form_options(KIND)
            form=|options| view! { <ProviderForm options /> }>
            "Lets IAM trust the tokens of an OpenID Connect identity provider (GitHub Actions, an EKS cluster, your IdP), so its identities can assume roles."
        </CreatePage>
    }
}

#[component]
fn ProviderForm(options: CreateFormOptions) -> impl IntoView {
    let create = ServerAction::<CreateOidcProvider>::new();
    let error = action_error(create);
    // The target the select shows: its first option until the admin picks another.
    let target = RwSignal::new(options.targets.first().cloned().unwrap_or_default());
    view! {
        <section class=format!("{CARD} max-w-3xl")>
            <ActionForm action=create>
                <div class="space-y-4">
                    <ActionAlert error=Signal::derive(move || error.get().filter(|e| e.fields.is_empty())) />
                    <CsrfField />
                    <TargetSelect id="oidc-target" name="provider[target]" kind=KIND targets=options.targets.clone() target error />
                    <TextField form="oidc" name="provider[url]" field="url" label="Provider URL" error
                        hint="https:// and the issuer (the iss claim), e.g. https://token.actions.githubusercontent.com" />
                    <LinesField name="provider[client_ids]" field="client_ids" label="Client IDs (audiences)" error
                        hint="One per line; up to 100, each up to 255 characters" />
                    <LinesField name="provider[thumbprints]" field="thumbprints" label="Thumbprints" error
                        hint="One per line; 1 to 5 SHA-1 fingerprints (40 hex characters) of the provider's TLS certificate" />
                    <TagsField id="oidc-tags" name="provider[tags]" error kind=KIND target hint="One Key=Value per line" />
                    <SubmitButton label="Create OIDC provider" pending=create.pending() />
                </div>
            </ActionForm>
        </section>
    }
}

/// A labelled textarea of one value per line.
#[component]
fn LinesField(
    name: &'static str,
    field: &'static str,
    label: &'static str,
    #[prop(into)] error: Signal<Option<AppError>>,
    hint: &'static str,
    #[prop(optional, into)] value: String,
) -> impl IntoView {
    let id = format!("oidc-{field}");
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <textarea id=id name=name rows="3" aria-describedby=format!("{hint_id} {error_id}") class=AREA>{value}</textarea>
            <p id=hint_id class="mt-1 text-xs text-slate-500">{hint}</p>
            <FieldMessage error field id=error_id />
        </div>
    }
}

/// The thumbprints (replaced as a whole) and the client ids (added or removed one at a time).
pub fn detail_sections(resource: AwsItem, _just_created: bool) -> AnyView {
    let values = |label: &str| -> Vec<String> {
        resource
            .fields
            .iter()
            .find(|f| f.label == label)
            .map(|f| f.value.split(", ").map(str::to_string).collect())
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
    reread_after(update);
    reread_after(add);
    reread_after(remove);
    let update_error = action_error(update);
    let add_error = action_error(add);
    let remove_error = action_error(remove);
    let ids = client_ids
        .into_iter()
        .map(|id| {
            let label = format!("Remove client ID {id}");
            let item = item.clone();
            let (shown, value) = (id.clone(), id.clone());
            view! {
                <li class="flex items-center justify-between gap-2" data-client-id=id>
                    <code class="break-all font-mono text-xs">{shown}</code>
                    <ActionForm action=remove>
                        <CsrfField />
                        <ItemFields item />
                        <input type="hidden" name="change[client_id]" value=value />
                        <button type="submit" aria-label=label class="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">"Remove"</button>
                    </ActionForm>
                </li>
            }
        })
        .collect_view();
    let (update_item, add_item) = (item.clone(), item);
    view! {
        <section class=CARD aria-labelledby="thumbprints-heading" id="oidc-thumbprints-section">
            <h2 id="thumbprints-heading" class="mb-2 font-semibold">"Thumbprints"</h2>
            <ActionForm action=update>
                <div class="space-y-2">
                    <CsrfField />
                    <ItemFields item=update_item.clone() />
                    <LinesField name="change[thumbprints]" field="thumbprints" label="Thumbprints, one per line" error=update_error
                        hint="Replaces the list: 1 to 5 SHA-1 fingerprints" value=thumbprints.join("\n") />
                    <ActionAlert error=Signal::derive(move || update_error.get().filter(|e| e.fields.is_empty())) />
                    <SubmitButton label="Replace thumbprints" pending=update.pending() />
                </div>
            </ActionForm>
        </section>
        <section class=CARD aria-labelledby="client-ids-heading" id="oidc-client-ids">
            <h2 id="client-ids-heading" class="mb-2 font-semibold">"Client IDs"</h2>
            <ActionAlert error=remove_error />
            <ul class="mb-3 space-y-1 text-sm">{ids}</ul>
            <ActionForm action=add>
                <div class="space-y-2">
                    <CsrfField />
                    <ItemFields item=add_item.clone() />
                    <TextField form="oidc-add" name="change[client_id]" field="client_id" label="Client ID to add" error=add_error />
                    <ActionAlert error=Signal::derive(move || add_error.get().filter(|e| e.fields.is_empty())) />
                    <SubmitButton label="Add client ID" pending=add.pending() />
                </div>
            </ActionForm>
        </section>
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
