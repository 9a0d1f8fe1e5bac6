//! License Manager tokens: the inventory, the create form, and the one showing of a new
//! token's JWT.

use super::{inventory::InventoryView, PageError, PageTitle, CARD};
use crate::{
    api::resources::{get_license_token_form_options, take_license_token, CreateLicenseToken},
    components::{
        form::action_error, ActionAlert, CsrfField, FieldMessage, SubmitButton, TextField,
    },
    model::{
        CreatedLicenseToken, LicenseTokenFormOptions, ResourceKind, LICENSE_TOKEN_DEFAULT_DAYS,
    },
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const AREA: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm dark:border-slate-600 dark:bg-slate-800";

#[component]
pub fn LicenseTokensPage() -> impl IntoView {
    view! { <InventoryView kind=ResourceKind::LicenseToken /> }
}

#[component]
pub fn NewLicenseTokenPage() -> impl IntoView {
    let options = Resource::new(|| (), |_| get_license_token_form_options());
    view! {
        <PageTitle title="New License Manager token" />
        <p class="mb-4 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
            "A long-lived refresh token (a JWT) that software uses to get License Manager credentials. It is shown once, right after creation: copy it then."
        </p>
        <Suspense fallback=|| view! { <p>"Loading the licenses of every account and region…"</p> }>
            {move || Suspend::new(async move {
                match options.await {
                    Err(error) => view! { <PageError error /> }.into_any(),
                    Ok(options) => view! { <TokenForm options /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn TokenForm(options: LicenseTokenFormOptions) -> impl IntoView {
    let create = ServerAction::<CreateLicenseToken>::new();
    let error = action_error(create);
    let none = options.licenses.is_empty();
    let choices = options
        .licenses
        .iter()
        .map(|l| view! { <option value=l.target()>{format!("{} · {} · {}", l.account, l.region, l.name)}</option> })
        .collect_view();
    view! {
        <section class=format!("{CARD} max-w-3xl")>
            <ActionForm action=create>
                <div class="space-y-4">
                    <ActionAlert error=Signal::derive(move || error.get().filter(|e| e.fields.is_empty() || e.field("client_token").is_some())) />
                    <CsrfField />
                    <input type="hidden" name="token[client_token]" value=options.client_token />
                    <div>
                        <label for="license-token-license" class="block text-sm font-medium">"License"</label>
                        <select id="license-token-license" name="token[license]" aria-describedby="license-token-license-error"
                            class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-600 dark:bg-slate-800">{choices}</select>
                        {none.then(|| view! { <p class="mt-1 text-xs text-slate-500">"No license exists in the configured accounts and regions."</p> })}
                        <FieldMessage error field="license" id="license-token-license-error" />
                    </div>
                    <div>
                        <label for="license-token-roles" class="block text-sm font-medium">"Role ARNs"</label>
                        <textarea id="license-token-roles" name="token[role_arns]" rows="2" class=AREA aria-describedby="license-token-roles-error"
                            placeholder="arn:aws:iam::123456789012:role/license-consumer"></textarea>
                        <p class="mt-1 text-xs text-slate-500">"One per line; embedded in the token (License Manager does not check them)."</p>
                        <FieldMessage error field="role_arns" id="license-token-roles-error" />
                    </div>
                    <TextField form="license-token" name="token[expiration_in_days]" field="expiration_in_days" label="Expiration in days" error required=false
                        hint=format!("1 to 730; empty means the default of {LICENSE_TOKEN_DEFAULT_DAYS}") />
                    <div>
                        <label for="license-token-properties" class="block text-sm font-medium">"Token properties"</label>
                        <textarea id="license-token-properties" name="token[token_properties]" rows="2" class=AREA aria-describedby="license-token-properties-error"></textarea>
                        <p class="mt-1 text-xs text-slate-500">"Up to 3, one per line; they become the token's amr claim."</p>
                        <FieldMessage error field="token_properties" id="license-token-properties-error" />
                    </div>
                    <SubmitButton label="Create token" pending=create.pending() />
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn CreatedLicenseTokenPage() -> impl IntoView {
    let query = use_query_map();
    let handle = move || query.read().get("once").unwrap_or_default();
    let created = Resource::new(handle, take_license_token);
    view! {
        <PageTitle title="License Manager token created" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match created.await {
                    Err(error) => view! { <PageError error /> }.into_any(),
                    Ok(token) => view! { <ShownOnce token /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn ShownOnce(token: CreatedLicenseToken) -> impl IntoView {
    let jwt = token.jwt.clone();
    let (copied, set_copied) = signal(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        {
            if let Some(window) = web_sys::window() {
                let _ = window.navigator().clipboard().write_text(&jwt);
                set_copied.set(true);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = &jwt;
            set_copied.set(true);
        }
    };
    view! {
        <section class=format!("{CARD} max-w-3xl space-y-3")>
            <p role="alert" class="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
                "Copy this token now. trustdesk does not keep it and will not show it again; AWS cannot show it again either."
            </p>
            <label for="license-jwt" class="block text-sm font-medium">"Token (JWT)"</label>
            <textarea id="license-jwt" readonly rows="6" class=AREA>{token.jwt.clone()}</textarea>
            <div class="flex items-center gap-3">
                <button type="button" id="copy-jwt" on:click=copy class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Copy to clipboard"</button>
                {move || copied.get().then(|| view! { <span role="status" class="text-sm text-emerald-700">"Copied."</span> })}
            </div>
            <p class="text-sm"><a id="token-detail" href=token.item.detail_path() class="text-indigo-700 underline dark:text-indigo-300">"See the token's details"</a></p>
        </section>
    }
}
