//! Multi-party approval identity sources: the inventory and the create form.

use super::{inventory::InventoryView, PageError, PageTitle, CARD};
use crate::{
    api::resources::{get_create_form_options, CreateIdentitySource},
    components::{
        form::action_error, ActionAlert, CsrfField, FieldMessage, SubmitButton, TextField,
    },
    model::{CreateFormOptions, ResourceKind},
};
use leptos::prelude::*;

#[component]
pub fn IdentitySourcesPage() -> impl IntoView {
    view! { <InventoryView kind=ResourceKind::IdentitySource /> }
}

#[component]
pub fn NewIdentitySourcePage() -> impl IntoView {
    let options = Resource::new(|| (), |_| get_create_form_options());
    view! {
        <PageTitle title="New Multi-party approval identity source" />
        <p class="mb-4 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
            "An identity source supplies the approvers of multi-party approval teams: an IAM Identity Center instance."
        </p>
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match options.await {
                    Err(error) => view! { <PageError error /> }.into_any(),
                    Ok(options) => view! { <SourceForm options /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn SourceForm(options: CreateFormOptions) -> impl IntoView {
    let create = ServerAction::<CreateIdentitySource>::new();
    let error = action_error(create);
    let targets = options
        .targets
        .iter()
        .map(|t| view! { <option value=t.clone()>{t.replace('/', " · ")}</option> })
        .collect_view();
    view! {
        <section class=format!("{CARD} max-w-3xl")>
            <ActionForm action=create>
                <div class="space-y-4">
                    <ActionAlert error=Signal::derive(move || error.get().filter(|e| e.fields.is_empty() || e.field("client_token").is_some())) />
                    <CsrfField />
                    <input type="hidden" name="source[client_token]" value=options.client_token />
                    <div>
                        <label for="source-target" class="block text-sm font-medium">"Account and region"</label>
                        <select id="source-target" name="source[target]" aria-describedby="source-target-error"
                            class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-600 dark:bg-slate-800">{targets}</select>
                        <FieldMessage error field="target" id="source-target-error" />
                    </div>
                    <TextField form="source" name="source[instance_arn]" field="instance_arn" label="IAM Identity Center instance ARN" error
                        hint="arn:aws:sso:::instance/ssoins-XXXXXXXXXXXXXXXX" />
                    <TextField form="source" name="source[instance_region]" field="instance_region" label="Instance region" error hint="Where the IAM Identity Center instance lives, e.g. us-east-1" />
                    <div>
                        <label for="source-tags" class="block text-sm font-medium">"Tags"</label>
                        <textarea id="source-tags" name="source[tags]" rows="3" aria-describedby="source-tags-error" placeholder="Owner=security@example.com"
                            class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm dark:border-slate-600 dark:bg-slate-800"></textarea>
                        <FieldMessage error field="tags" id="source-tags-error" />
                    </div>
                    <SubmitButton label="Create identity source" pending=create.pending() />
                </div>
            </ActionForm>
        </section>
    }
}
