//! Making a read-only share link for what the admin was looking at: an inventory view with its
//! filters, one item, or the expiry list. The scope arrives in the URL from the page's Share
//! link; the form adds who it is for, how long it works and whether tags are included.

use super::{PageTitle, CARD};
use crate::{
    api::shares::{get_share_preview, CreateShareLink},
    components::LocalTime,
    components::{form::action_error, ActionAlert, CsrfField, FieldMessage, Loaded},
    islands::CopyButton,
    model::{
        share::{ShareCreated, ShareForm, SharePreview, DEFAULT_LIFETIME_HOURS, LIFETIME_CHOICES},
        InventoryQuery, EXPIRY_WINDOWS,
    },
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-800";

#[component]
pub fn NewSharePage() -> impl IntoView {
    let query = use_query_map();
    let form = move || {
        let get = |key: &str| query.read().get(key);
        ShareForm {
            scope: get("scope").unwrap_or_default(),
            kind: get("kind").unwrap_or_default(),
            id: get("id").unwrap_or_default(),
            filter: InventoryQuery::from_query(get).filter(),
            ..Default::default()
        }
    };
    // Without a scope there is nothing to preview: the page says what can be shared.
    let chosen = move || !query.read().get("scope").unwrap_or_default().is_empty();
    let preview = Resource::new(
        move || chosen().then(form),
        |form| async move {
            match form {
                Some(form) => get_share_preview(form).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let trail = vec![("Share links".to_string(), Some("/shares".to_string()))];
    view! {
        <PageTitle title="Share a read-only view" trail />
        <Loaded data=preview let:preview>
            {match preview {
                Some(preview) => view! { <NewShare preview form=form() /> }.into_any(),
                None => view! { <ChooseWhatToShare /> }.into_any(),
            }}
        </Loaded>
    }
}

/// `/shares/new` without a scope (the Share links page's "New share link"): what can be shared,
/// each a step away, instead of a form that could only refuse.
#[component]
fn ChooseWhatToShare() -> impl IntoView {
    let kinds = crate::model::ResourceKind::ALL
        .into_iter()
        .map(|kind| {
            let href = crate::model::share::ShareScope::Inventory { kind, filter: InventoryQuery::default() }.new_link_path();
            view! { <li><a class="item-link" href=href>{format!("{} · {}", kind.service().title(), kind.info().nav_label)}</a></li> }
        })
        .collect_view();
    let expiry = crate::model::share::ShareScope::Expiry {
        account: String::new(),
        expires: String::new(),
    }
    .new_link_path();
    view! {
        <div id="share-choices" class="grid max-w-5xl gap-4 md:grid-cols-3">
            <section class=CARD aria-labelledby="share-expiry">
                <h2 id="share-expiry" class="mb-2 font-semibold">"The expiry list"</h2>
                <p class="mb-2 text-sm">"Everything that expires, soonest first, as the dashboard lists it; you can narrow it to a window and an account next."</p>
                <a class="item-link text-sm" href=expiry>"Share the expiry list"</a>
            </section>
            <section class=CARD aria-labelledby="share-inventory">
                <h2 id="share-inventory" class="mb-2 font-semibold">"A whole inventory"</h2>
                <p class="mb-2 text-sm">"Every item of one kind. For a filtered view (one account, a tag, an expiry window), open the inventory, set its filters and use its “Share this view”."</p>
                <ul class="space-y-1 text-sm">{kinds}</ul>
            </section>
            <section class=CARD aria-labelledby="share-item">
                <h2 id="share-item" class="mb-2 font-semibold">"One item"</h2>
                <p class="text-sm">"Open the item's page (from its inventory, or the search at the top) and use its “Share this item”."</p>
            </section>
        </div>
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
    let filter = &form.filter;
    let hidden = [
        ("scope", form.scope.clone()),
        ("kind", form.kind.clone()),
        ("account", filter.account.clone()),
        ("region", filter.region.clone()),
        ("id", form.id.clone()),
        ("q", filter.q.clone()),
        ("status", filter.status.clone()),
        ("tag", filter.tag.clone()),
        ("expires", filter.expires.clone()),
        ("removed", if filter.removed { "1" } else { "" }.to_string()),
    ]
    .into_iter()
    .map(|(name, value)| view! { <input type="hidden" name=format!("form[{name}]") value=value /> })
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
            view! { <option value=*value selected=*value == form.filter.expires>{*label}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action="/shares/new" class="flex flex-wrap items-end gap-3">
            <input type="hidden" name="scope" value="expiry" />
            <div>
                <label for="share-window" class="block text-sm font-medium">"Items expiring"</label>
                <select id="share-window" name="expires" class=INPUT>
                    <option value="" selected=form.filter.expires.is_empty()>"Any time (every dated item)"</option>
                    {windows}
                </select>
            </div>
            <div>
                <label for="share-account" class="block text-sm font-medium">"Account (empty for all)"</label>
                <input id="share-account" name="account" value=form.filter.account.clone() class=INPUT />
            </div>
            <button type="submit" id="share-update" class="rounded-md border border-slate-300 px-3 py-2 text-sm">"Update"</button>
        </form>
    }
}

#[component]
fn Created(created: ShareCreated) -> impl IntoView {
    view! {
        <div role="status" class="space-y-2 rounded-md border border-emerald-300 bg-emerald-50 p-3 text-sm text-emerald-950 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-100">
            <p class="font-semibold">{format!("Link created for {}.", created.label)}</p>
            <p>"Copy it now: trustdesk keeps only a hash of it and cannot show it again. It works until " <LocalTime utc=created.expires_at.clone() /> "."</p>
            <input id="share-url" readonly value=created.url.clone() class=format!("{INPUT} font-mono") />
            <div class="flex items-center gap-3">
                <CopyButton id="copy-share-url" value=created.url.clone() />
                <a href="/shares" class="underline">"See every share link"</a>
            </div>
        </div>
    }
}
