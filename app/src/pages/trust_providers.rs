//! Verified Access trust providers: the inventory, the create form (the fields each type needs
//! appear with it), and the modify form on the detail page.

use super::{inventory::InventoryView, PageError, PageTitle, CARD};
use crate::{
    api::resources::{get_create_form_options, ModifyTrustProvider, SubmitTrustProvider},
    components::{
        form::action_error, ActionAlert, CsrfField, FieldMessage, SubmitButton, TextField,
    },
    model::{AppError, CreateFormOptions, ResourceKind, ResourceRef, TrustProviderOutcome},
};
use leptos::prelude::*;

const SELECT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-600 dark:bg-slate-800";

#[component]
pub fn TrustProvidersPage() -> impl IntoView {
    view! { <InventoryView kind=ResourceKind::TrustProvider /> }
}

#[component]
pub fn NewTrustProviderPage() -> impl IntoView {
    let options = Resource::new(|| (), |_| get_create_form_options());
    view! {
        <PageTitle title="New Verified Access trust provider" />
        <p class="mb-4 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
            "A trust provider tells Verified Access who the user is (IAM Identity Center or an OIDC identity provider) or what state their device is in (Jamf, CrowdStrike, JumpCloud)."
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match options.await {
                    Err(error) => view! { <PageError error /> }.into_any(),
                    Ok(options) => view! { <CreateForm options /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// Shown until the page hydrates (so a browser without JavaScript sees every field), then only
/// when `visible` holds.
fn shown_when(
    hydrated: ReadSignal<bool>,
    visible: impl Fn() -> bool + Send + Sync + 'static,
) -> impl Fn() -> bool + Send + Sync + 'static {
    move || hydrated.get() && !visible()
}

#[component]
fn Select(
    #[prop(into)] name: String,
    #[prop(into)] field: String,
    #[prop(into)] label: String,
    options: Vec<(&'static str, &'static str)>,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] on_change: Option<RwSignal<String>>,
) -> impl IntoView {
    let id = format!("provider-{field}");
    let error_id = format!("{id}-error");
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <select id=id name=name aria-describedby=error_id.clone() class=SELECT
                on:change=move |ev| if let Some(signal) = on_change { signal.set(event_target_value(&ev)) }>
                {options.into_iter().map(|(value, text)| view! { <option value=value>{text}</option> }).collect_view()}
            </select>
            <FieldMessage error field id=error_id />
        </div>
    }
}

#[component]
fn CreateForm(options: CreateFormOptions) -> impl IntoView {
    let submit = ServerAction::<SubmitTrustProvider>::new();
    let error = action_error(submit);
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    let provider_type = RwSignal::new("user".to_string());
    let user_type = RwSignal::new("oidc".to_string());
    let device_type = RwSignal::new("jamf".to_string());
    let checked = Signal::derive(move || match submit.value().get() {
        Some(Ok(TrustProviderOutcome::Checked(check))) => Some(check),
        _ => None,
    });
    let target_options = options
        .targets
        .iter()
        .map(|t| view! { <option value=t.clone()>{t.replace('/', " · ")}</option> })
        .collect_view();
    view! {
        <section class=format!("{CARD} max-w-3xl")>
            <ActionForm action=submit>
                <div class="space-y-4">
                    <ActionAlert error=Signal::derive(move || error.get().filter(|e| e.fields.is_empty() || e.field("client_token").is_some())) />
                    {move || checked.get().map(|check| {
                        let class = if check.allowed {
                            "rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200"
                        } else {
                            "rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
                        };
                        view! { <div role="status" id="permission-check" class=class>{check.message}</div> }
                    })}
                    <CsrfField />
                    <input type="hidden" name="provider[client_token]" value=options.client_token />
                    <div>
                        <label for="provider-target" class="block text-sm font-medium">"Account and region"</label>
                        <select id="provider-target" name="provider[target]" class=SELECT aria-describedby="provider-target-error">{target_options}</select>
                        <FieldMessage error field="target" id="provider-target-error" />
                    </div>
                    <div class="grid gap-4 sm:grid-cols-2">
                        <Select name="provider[trust_provider_type]" field="trust_provider_type" label="Trust provider type" error on_change=provider_type
                            options=vec![("user", "User identity"), ("device", "Device")] />
                        <div class:hidden=shown_when(hydrated, move || provider_type.get() == "user")>
                            <Select name="provider[user_trust_provider_type]" field="user_trust_provider_type" label="User trust provider type (user)" error on_change=user_type
                                options=vec![("oidc", "OpenID Connect (OIDC)"), ("iam-identity-center", "IAM Identity Center")] />
                        </div>
                        <div class:hidden=shown_when(hydrated, move || provider_type.get() == "device")>
                            <Select name="provider[device_trust_provider_type]" field="device_trust_provider_type" label="Device trust provider type (device)" error on_change=device_type
                                options=vec![("jamf", "Jamf"), ("crowdstrike", "CrowdStrike"), ("jumpcloud", "JumpCloud")] />
                        </div>
                    </div>
                    <TextField form="provider" name="provider[policy_reference_name]" field="policy_reference_name" label="Policy reference name" error
                        hint="How Verified Access policies refer to this provider: a letter or _, then letters, digits or _." />
                    <TextField form="provider" name="provider[description]" field="description" label="Description" error required=false hint="Up to 255 characters" />
                    <fieldset class="space-y-3 rounded-md border border-slate-200 p-3 dark:border-slate-700" class:hidden=shown_when(hydrated, move || provider_type.get() == "user" && user_type.get() == "oidc")>
                        <legend class="px-1 text-sm font-semibold">"OIDC options (user providers of type OIDC)"</legend>
                        <OidcFields error creating=true />
                    </fieldset>
                    <fieldset class="space-y-3 rounded-md border border-slate-200 p-3 dark:border-slate-700" class:hidden=shown_when(hydrated, move || provider_type.get() == "device")>
                        <legend class="px-1 text-sm font-semibold">"Device options (device providers)"</legend>
                        <TextField form="provider" name="provider[device_tenant_id]" field="device_tenant_id" label="Tenant ID" error required=false hint="Required for Jamf and JumpCloud" />
                        <TextField form="provider" name="provider[device_public_signing_key_url]" field="device_public_signing_key_url" label="Public signing key URL" error required=false />
                    </fieldset>
                    <SseFields error />
                    <div>
                        <label for="provider-tags" class="block text-sm font-medium">"Tags"</label>
                        <textarea id="provider-tags" name="provider[tags]" rows="3" aria-describedby="provider-tags-error"
                            placeholder="Owner=identity@example.com"
                            class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm dark:border-slate-600 dark:bg-slate-800"></textarea>
                        <FieldMessage error field="tags" id="provider-tags-error" />
                    </div>
                    <div class="flex flex-wrap gap-2">
                        <button type="submit" name="intent" value="create" id="create-provider" disabled=move || submit.pending().get()
                            class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60">"Create trust provider"</button>
                        <button type="submit" name="intent" value="check" id="check-permissions" disabled=move || submit.pending().get()
                            class="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100 disabled:opacity-60 dark:border-slate-600 dark:hover:bg-slate-800">"Check permissions (dry run)"</button>
                    </div>
                </div>
            </ActionForm>
        </section>
    }
}

/// The OIDC fields; on create they are required, on modify only what is filled in changes.
#[component]
fn OidcFields(#[prop(into)] error: Signal<Option<AppError>>, creating: bool) -> impl IntoView {
    let keep = (!creating).then_some("Leave empty to keep the current value");
    view! {
        <TextField form="provider" name="provider[oidc_issuer]" field="oidc_issuer" label="Issuer" error required=false hint=keep.unwrap_or("https://…").to_string() />
        <TextField form="provider" name="provider[oidc_authorization_endpoint]" field="oidc_authorization_endpoint" label="Authorization endpoint" error required=false />
        <TextField form="provider" name="provider[oidc_token_endpoint]" field="oidc_token_endpoint" label="Token endpoint" error required=false />
        <TextField form="provider" name="provider[oidc_user_info_endpoint]" field="oidc_user_info_endpoint" label="User info endpoint" error required=false />
        <TextField form="provider" name="provider[oidc_client_id]" field="oidc_client_id" label="Client ID" error required=false />
        <TextField form="provider" name="provider[oidc_client_secret]" field="oidc_client_secret" label="Client secret" input_type="password" autocomplete="new-password" error required=false
            hint=if creating { "Sent to AWS only: trustdesk never shows, stores or logs it." } else { "Write-only: enter a new secret to replace it, or leave empty to keep it." } />
        <TextField form="provider" name="provider[oidc_scope]" field="oidc_scope" label="Scope" error required=false hint="e.g. openid profile groups" />
    }
}

/// The current setting is shown, so saving another change does not switch encryption off.
#[component]
fn SseFields(
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional)] enabled: bool,
    #[prop(optional)] kms_key_arn: String,
) -> impl IntoView {
    view! {
        <fieldset class="space-y-2 rounded-md border border-slate-200 p-3 dark:border-slate-700">
            <legend class="px-1 text-sm font-semibold">"Server-side encryption"</legend>
            <label class="flex items-center gap-2 text-sm">
                <input type="checkbox" name="provider[sse_customer_managed_key]" value="on" id="provider-sse" checked=enabled />
                "Use a customer managed KMS key"
            </label>
            <div>
                <label for="provider-sse_kms_key_arn" class="block text-sm font-medium">"KMS key ARN"</label>
                <input id="provider-sse_kms_key_arn" name="provider[sse_kms_key_arn]" value=kms_key_arn aria-describedby="provider-sse_kms_key_arn-error"
                    placeholder="arn:aws:kms:REGION:ACCOUNT:key/…"
                    class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-xs dark:border-slate-600 dark:bg-slate-800" />
                <FieldMessage error field="sse_kms_key_arn" id="provider-sse_kms_key_arn-error" />
            </div>
        </fieldset>
    }
}

/// On a trust provider's detail page: description, OIDC options and encryption.
#[component]
pub fn ModifyTrustProviderForm(
    item: ResourceRef,
    is_oidc: bool,
    description: String,
    sse_enabled: bool,
    kms_key_arn: String,
    modify: ServerAction<ModifyTrustProvider>,
) -> impl IntoView {
    let error = action_error(modify);
    let success = Signal::derive(move || {
        matches!(modify.value().get(), Some(Ok(()))).then(|| "Trust provider updated.".to_string())
    });
    view! {
        <section class=CARD aria-labelledby="modify-heading">
            <h2 id="modify-heading" class="mb-2 font-semibold">"Modify"</h2>
            <ActionForm action=modify>
                <div class="space-y-3">
                    <ActionAlert error=Signal::derive(move || error.get().filter(|e| e.fields.is_empty())) success />
                    <CsrfField />
                    <input type="hidden" name="item[kind]" value=item.kind.as_str() />
                    <input type="hidden" name="item[account]" value=item.account.clone() />
                    <input type="hidden" name="item[region]" value=item.region.clone() />
                    <input type="hidden" name="item[id]" value=item.id.clone() />
                    <div>
                        <label for="provider-description" class="block text-sm font-medium">"Description"</label>
                        <input id="provider-description" name="provider[description]" value=description aria-describedby="provider-description-error"
                            class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-600 dark:bg-slate-800" />
                        <FieldMessage error field="description" id="provider-description-error" />
                    </div>
                    {is_oidc.then(|| view! {
                        <fieldset class="space-y-3 rounded-md border border-slate-200 p-3 dark:border-slate-700">
                            <legend class="px-1 text-sm font-semibold">"OIDC options"</legend>
                            <OidcFields error creating=false />
                        </fieldset>
                    })}
                    <SseFields error enabled=sse_enabled kms_key_arn />
                    <SubmitButton label="Save changes" pending=modify.pending() />
                </div>
            </ActionForm>
        </section>
    }
}
