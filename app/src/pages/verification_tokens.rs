//! IPAM external-resource verification tokens: the inventory and the create form.

use super::{inventory::InventoryView, PageError, PageTitle, CARD};
use crate::{
    api::resources::{get_token_form_options, SubmitVerificationToken},
    components::{form::action_error, ActionAlert, CsrfField, FieldMessage},
    model::{aws_rules::MAX_TAGS, ResourceKind, TokenFormOptions, TokenFormOutcome},
};
use leptos::prelude::*;

#[component]
pub fn VerificationTokensPage() -> impl IntoView {
    view! { <InventoryView kind=ResourceKind::VerificationToken /> }
}

#[component]
pub fn NewVerificationTokenPage() -> impl IntoView {
    let options = Resource::new(|| (), |_| get_token_form_options());
    view! {
        <PageTitle title="New IPAM verification token" />
        <p class="mb-4 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
            "A verification token proves to AWS that you control an address range you bring (BYOIP). AWS generates the token; publish it in DNS or RDAP within its validity period."
        </p>
        <Suspense fallback=|| view! { <p>"Loading the IPAMs of every account and region…"</p> }>
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
fn TokenForm(options: TokenFormOptions) -> impl IntoView {
    let submit = ServerAction::<SubmitVerificationToken>::new();
    let error = action_error(submit);
    let checked = Signal::derive(move || match submit.value().get() {
        Some(Ok(TokenFormOutcome::Checked(check))) => Some(check),
        _ => None,
    });
    let ipam_choices = options
        .ipams
        .iter()
        .map(|ipam| {
            let label = format!(
                "{} · {} · {}{}",
                ipam.account,
                ipam.region,
                ipam.ipam_id,
                if ipam.description.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", ipam.description)
                }
            );
            view! { <option value=ipam.target()>{label}</option> }
        })
        .collect_view();
    let no_ipams = options.ipams.is_empty();
    view! {
        <section class=format!("{CARD} max-w-3xl") aria-labelledby="token-form-heading">
            <h2 id="token-form-heading" class="sr-only">"Token"</h2>
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
                    <input type="hidden" name="token[client_token]" value=options.client_token />
                    <div>
                        <label for="token-ipam" class="block text-sm font-medium">"IPAM"</label>
                        <select id="token-ipam" name="token[ipam]" required aria-describedby="token-ipam-hint token-ipam-error"
                            class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 dark:border-slate-600 dark:bg-slate-800">
                            {ipam_choices}
                        </select>
                        <p id="token-ipam-hint" class="mt-1 text-xs text-slate-500">
                            {if no_ipams { "No IPAM exists in the configured accounts and regions; create one first." } else { "The IPAM that will create the token; its account and region are the token's." }}
                        </p>
                        <FieldMessage error field="ipam" id="token-ipam-error" />
                    </div>
                    <div>
                        <label for="token-tags" class="block text-sm font-medium">"Tags"</label>
                        <textarea id="token-tags" name="token[tags]" rows="4" aria-describedby="token-tags-hint token-tags-error"
                            placeholder="Owner=net-team@example.com\nRange=203.0.113.0/24"
                            class="mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm dark:border-slate-600 dark:bg-slate-800"></textarea>
                        <p id="token-tags-hint" class="mt-1 text-xs text-slate-500">
                            {format!("One Key=Value per line; at most {MAX_TAGS}. Keys up to 127 characters and not starting with aws:, values up to 256.")}
                        </p>
                        <FieldMessage error field="tags" id="token-tags-error" />
                    </div>
                    <div class="flex flex-wrap gap-2">
                        <button type="submit" name="intent" value="create" id="create-token" disabled=move || submit.pending().get() || no_ipams
                            class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60">
                            "Create token"
                        </button>
                        <button type="submit" name="intent" value="check" id="check-permissions" disabled=move || submit.pending().get() || no_ipams
                            class="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100 disabled:opacity-60 dark:border-slate-600 dark:hover:bg-slate-800">
                            "Check permissions (dry run)"
                        </button>
                    </div>
                </div>
            </ActionForm>
        </section>
    }
}
