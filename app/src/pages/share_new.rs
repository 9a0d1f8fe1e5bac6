//! Making a read-only share link for what the admin was looking at: an inventory view with its
//! filters, one item, or the expiry list. The scope arrives in the URL from the page's Share
//! link; the form adds who it is for, how long it works and whether tags are included.

use super::{PageError, PageTitle, CARD};
use crate::{
    api::shares::{get_share_preview, CreateShareLink},
    components::{form::action_error, ActionAlert, CsrfField, FieldMessage, LocalTime},
    model::{
        share::{ShareCreated, ShareForm, SharePreview, DEFAULT_LIFETIME_HOURS, LIFETIME_CHOICES},
        EXPIRY_WINDOWS,
    },
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-800";
/// The scope's fields, carried from the URL into the form unchanged.
const SCOPE_FIELDS: [&str; 10] = [
    "scope", "kind", "account", "region", "id", "q", "status", "tag", "expires", "removed",
];

#[component]
pub fn NewSharePage() -> impl IntoView {
    let query = use_query_map();
    let form = move || {
        let map = query.read();
        let get = |key: &str| map.get(key).unwrap_or_default();
        ShareForm {
            scope: get("scope"),
            kind: get("kind"),
            account: get("account"),
            region: get("region"),
            id: get("id"),
            q: get("q"),
            status: get("status"),
            tag: get("tag"),
            expires: get("expires"),
            removed: get("removed"),
            ..Default::default()
        }
    };
    let preview = Resource::new(form, get_share_preview);
    view! {
        <PageTitle title="Share a read-only view" />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match preview.await {
                    Err(error) => view! { <PageError error /> }.into_any(),
                    Ok(preview) => view! { <NewShare preview form=form() /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn NewShare(preview: SharePreview, form: ShareForm) -> impl IntoView {
    let create = ServerAction::<CreateShareLink>::new();
    let error = action_error(create);
    let created = move || match create.value().get() {
        Some(Ok(created)) => Some(view! { <Created created /> }),
        _ => None,
    };
    let hidden = SCOPE_FIELDS
        .into_iter()
        .map(|name| {
            let value = match name {
                "scope" => form.scope.clone(),
                "kind" => form.kind.clone(),
                "account" => form.account.clone(),
                "region" => form.region.clone(),
                "id" => form.id.clone(),
                "q" => form.q.clone(),
                "status" => form.status.clone(),
                "tag" => form.tag.clone(),
                "expires" => form.expires.clone(),
                _ => form.removed.clone(),
            };
            view! { <input type="hidden" name=format!("form[{name}]") value=value /> }
        })
        .collect_view();
    let window = (form.scope == "expiry").then(|| view! { <ExpiryWindow form=form.clone() /> });
    let lifetimes = LIFETIME_CHOICES
        .into_iter()
        .map(|(hours, label)| {
            view! { <option value=hours.to_string() selected=hours == DEFAULT_LIFETIME_HOURS>{label}</option> }
        })
        .collect_view();
    view! {
        <section class=format!("{CARD} max-w-3xl space-y-3")>
            <p id="share-preview">
                <span class="font-medium">"The link will show: "</span>{preview.scope.clone()}
                " (" {preview.items} " items now; the holder sees them as trustdesk's cache has them at the time they look)."
            </p>
            <p class="text-sm"><a class="underline" href=preview.console_path.clone()>"See these items in the console"</a></p>
            {window}
            <ActionForm action=create attr:id="share-form" attr:class="space-y-3">
                <CsrfField />
                {hidden}
                <div>
                    <label for="share-label" class="block text-sm font-medium">"Who it is for"</label>
                    <input id="share-label" name="form[label]" required maxlength="100" class=INPUT placeholder="External auditor (Acme LLP), Q4 review" aria-describedby="share-label-error" />
                    <FieldMessage error field="label" id="share-label-error" />
                </div>
                <div>
                    <label for="share-lifetime" class="block text-sm font-medium">"Works for"</label>
                    <select id="share-lifetime" name="form[lifetime_hours]" class=INPUT aria-describedby="share-lifetime-error">{lifetimes}</select>
                    <FieldMessage error field="lifetime_hours" id="share-lifetime-error" />
                </div>
                <label class="flex items-start gap-2 text-sm">
                    <input id="share-tags" type="checkbox" name="form[include_tags]" value="on" class="mt-1" />
                    <span>"Include tags. Leave this off unless the holder needs them: tags often carry people's names and email addresses."</span>
                </label>
                <button type="submit" id="share-create" class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500" disabled=move || create.pending().get()>
                    "Create the link"
                </button>
            </ActionForm>
            <ActionAlert error />
            {created}
        </section>
    }
}

/// The expiry list's window and account, chosen by reloading the page with them (no JavaScript
/// needed), so the preview always counts what the link will show.
#[component]
fn ExpiryWindow(form: ShareForm) -> impl IntoView {
    let windows = EXPIRY_WINDOWS
        .iter()
        .filter(|(value, _, _)| *value != "none")
        .map(|(value, label, _)| {
            view! { <option value=*value selected=*value == form.expires>{*label}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action="/shares/new" class="flex flex-wrap items-end gap-3">
            <input type="hidden" name="scope" value="expiry" />
            <div>
                <label for="share-window" class="block text-sm font-medium">"Items expiring"</label>
                <select id="share-window" name="expires" class=INPUT>
                    <option value="" selected=form.expires.is_empty()>"Any time (every dated item)"</option>
                    {windows}
                </select>
            </div>
            <div>
                <label for="share-account" class="block text-sm font-medium">"Account (empty for all)"</label>
                <input id="share-account" name="account" value=form.account.clone() class=INPUT />
            </div>
            <button type="submit" id="share-update" class="rounded-md border border-slate-300 px-3 py-2 text-sm">"Update"</button>
        </form>
    }
}

#[component]
fn Created(created: ShareCreated) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let url = created.url.clone();
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&url);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &url;
        set_copied.set(true);
    };
    view! {
        <div role="status" class="space-y-2 rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100">
            <p class="font-semibold">{format!("Link created for {}.", created.label)}</p>
            <p>"Copy it now: trustdesk keeps only a hash of it and cannot show it again. It works until " <LocalTime utc=created.expires_at.clone() /> "."</p>
            <input id="share-url" readonly value=created.url.clone() class=format!("{INPUT} font-mono") />
            <div class="flex items-center gap-3">
                <button type="button" id="copy-share-url" on:click=copy class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500">"Copy to clipboard"</button>
                {move || copied.get().then(|| view! { <span class="text-emerald-700">"Copied."</span> })}
                <a href="/shares" class="underline">"See every share link"</a>
            </div>
        </div>
    }
}
