//! What the holder of a share link sees: a banner naming who shared what, for whom and until
//! when, and the scope's items, read only. Rendered on the server into a page of its own, with
//! no scripts, no forms and no way into the rest of the console.

use crate::{
    components::LocalTime,
    model::{
        resource::encode_segment,
        share::{ShareBanner, ShareState, SharedItem, SharedList},
    },
    pages::inventory::Expiry,
};
use leptos::prelude::*;

const CARD: &str = "rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900";
const TH: &str = "px-3 py-2 text-left";
const TD: &str = "px-3 py-2 align-top";

/// The body of a share view.
pub enum SharedBody {
    /// A page of the scope's items; `base` is the link's own path (`/s/<token>`).
    List {
        list: SharedList,
        base: String,
        /// Several kinds in one list (the expiry scope) show the kind per row.
        show_kind: bool,
    },
    /// One item; `back` leads to the list it was opened from, within the link.
    Item {
        item: SharedItem,
        back: Option<String>,
    },
}

#[component]
pub fn SharedViewPage(banner: ShareBanner, body: SharedBody, csv_path: String) -> impl IntoView {
    let body = match body {
        SharedBody::List {
            list,
            base,
            show_kind,
        } => view! { <SharedTable list base show_kind include_tags=banner.include_tags /> }
            .into_any(),
        SharedBody::Item { item, back } => view! { <SharedDetail item back /> }.into_any(),
    };
    view! {
        <div class="min-h-screen bg-slate-50 text-slate-900 dark:bg-slate-950 dark:text-slate-100">
            <Banner banner />
            <main class="mx-auto max-w-screen-2xl space-y-4 p-6">
                {body}
                <p class="text-sm">
                    <a id="shared-csv" href=csv_path class="text-indigo-700 underline dark:text-indigo-300">"Download this view as CSV"</a>
                </p>
            </main>
        </div>
    }
}

#[component]
fn Banner(banner: ShareBanner) -> impl IntoView {
    let tags = if banner.include_tags {
        "Tags are included."
    } else {
        "Tags are left out."
    };
    view! {
        <header id="share-banner" role="banner" class="border-b border-indigo-200 bg-indigo-50 px-6 py-3 text-sm text-indigo-950 dark:border-indigo-900 dark:bg-indigo-950 dark:text-indigo-100">
            <p class="text-base font-semibold">"trustdesk · read-only shared view"</p>
            <p>
                "Shared by " <strong id="share-by">{banner.shared_by}</strong>
                " for " <strong id="share-for">{banner.label}</strong>
                " on " <LocalTime utc=banner.created_at />
                ". This link stops working at " <strong id="share-expires"><LocalTime utc=banner.expires_at /></strong> "."
            </p>
            <p id="share-scope">"Shows: " {banner.scope} ". " {tags}</p>
        </header>
    }
}

#[component]
fn SharedTable(
    list: SharedList,
    base: String,
    show_kind: bool,
    include_tags: bool,
) -> impl IntoView {
    let sort_query = |sort: &str| {
        if sort.is_empty() {
            String::new()
        } else {
            format!("&sort={}", encode_segment(sort))
        }
    };
    let sort = list.sort.clone();
    let page_link = |page: u32| format!("{base}?page={page}{}", sort_query(&sort));
    let previous = (list.page > 1).then(|| {
        view! { <a id="shared-previous" class="underline" href=page_link(list.page - 1)>"Previous"</a> }
    });
    let next = (list.page < list.pages).then(|| {
        view! { <a id="shared-next" class="underline" href=page_link(list.page + 1)>"Next"</a> }
    });
    let sort_link = |key: &'static str, label: &'static str| {
        let href = format!("{base}?page=1{}", sort_query(key));
        view! { <a class="underline" href=href>{label}</a> }
    };
    let rows = list
        .items
        .into_iter()
        .map(|item| {
            let href = format!(
                "{base}/item?kind={}&account={}&region={}&id={}",
                item.kind.as_str(),
                encode_segment(&item.account),
                encode_segment(&item.region),
                encode_segment(&item.id)
            );
            let kind = show_kind.then(|| view! { <td class=TD>{item.kind.singular()}</td> });
            let tags = include_tags.then(|| view! { <td class=TD><TagList tags=item.tags.clone() /></td> });
            view! {
                <tr class="border-t border-slate-200 dark:border-slate-800" data-id=item.id.clone()>
                    {kind}
                    <td class=TD><a class="font-medium text-indigo-700 underline dark:text-indigo-300" href=href>{item.name.clone()}</a>
                        <div class="font-mono text-xs text-slate-500">{item.id.clone()}</div></td>
                    <td class=TD>{item.account.clone()}</td>
                    <td class=TD>{item.region.clone()}</td>
                    <td class=TD>{item.status.clone()}</td>
                    <td class=TD><Expiry at=item.expires_at.clone() days=item.expires_in_days /></td>
                    {tags}
                </tr>
            }
        })
        .collect_view();
    let empty = (list.total == 0)
        .then(|| view! { <p class="p-4 text-sm">"No items match this shared view today."</p> });
    view! {
        <section class=CARD>
            <p id="shared-count" class="mb-2 text-sm">{format!("{} items · page {} of {}", list.total, list.page, list.pages)}</p>
            <div class="overflow-x-auto">
                <table id="shared-items" class="min-w-full text-sm">
                    <thead class="bg-slate-100 text-xs uppercase text-slate-600 dark:bg-slate-800 dark:text-slate-300">
                        <tr>
                            {show_kind.then(|| view! { <th scope="col" class=TH>"Kind"</th> })}
                            <th scope="col" class=TH>{sort_link("name", "Name")}</th>
                            <th scope="col" class=TH>{sort_link("account", "Account")}</th>
                            <th scope="col" class=TH>{sort_link("region", "Region")}</th>
                            <th scope="col" class=TH>{sort_link("status", "Status")}</th>
                            <th scope="col" class=TH>{sort_link("expiry", "Expiry")}</th>
                            {include_tags.then(|| view! { <th scope="col" class=TH>"Tags"</th> })}
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            {empty}
            <nav class="mt-3 flex gap-4 text-sm">{previous}{next}</nav>
        </section>
    }
}

#[component]
fn TagList(tags: Vec<crate::model::Tag>) -> impl IntoView {
    tags.into_iter()
        .map(|t| view! { <span class="mr-1 inline-block rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs dark:bg-slate-800">{format!("{}={}", t.key, t.value)}</span> })
        .collect_view()
}

#[component]
fn SharedDetail(item: SharedItem, back: Option<String>) -> impl IntoView {
    let back = back.map(|href| view! { <p class="text-sm"><a id="shared-back" class="underline" href=href>"Back to the shared list"</a></p> });
    let fields = item
        .fields
        .into_iter()
        .map(|f| view! { <dt class="font-medium">{f.label}</dt><dd class="mb-2 break-all font-mono text-sm">{f.value}</dd> })
        .collect_view();
    let tags = (!item.tags.is_empty()).then(|| view! { <div><h2 class="mt-3 font-semibold">"Tags"</h2><TagList tags=item.tags.clone() /></div> });
    view! {
        {back}
        <section id="shared-item" class=CARD>
            <h1 class="text-xl font-semibold">{item.name.clone()}</h1>
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">{format!("{} · {} · {}", item.kind.singular(), item.account, item.region)}</p>
            <dl class="grid grid-cols-1 gap-x-6 sm:grid-cols-[max-content_1fr]">
                <dt class="font-medium">"ID"</dt><dd class="mb-2 break-all font-mono text-sm">{item.id.clone()}</dd>
                <dt class="font-medium">"Status"</dt><dd class="mb-2">{item.status.clone()}</dd>
                <dt class="font-medium">"Expiry"</dt><dd class="mb-2"><Expiry at=item.expires_at.clone() days=item.expires_in_days /></dd>
                {fields}
                <dt class="font-medium">"Last read from AWS"</dt><dd class="mb-2"><LocalTime utc=item.last_seen.clone() /></dd>
            </dl>
            {tags}
        </section>
    }
}

/// The page an expired, revoked or unknown link answers with.
#[component]
pub fn SharedGonePage(state: Option<ShareState>) -> impl IntoView {
    let (title, text) = match state {
        Some(ShareState::Revoked) => (
            "This share link was revoked",
            "The person who shared it has withdrawn it. Ask them for a new link if you still need access.",
        ),
        Some(_) => (
            "This share link has expired",
            "Share links work for a limited time. Ask the person who shared it for a new link.",
        ),
        None => (
            "There is no such share link",
            "Check that the whole link was copied; share links are long.",
        ),
    };
    view! {
        <main class="mx-auto max-w-xl p-10">
            <h1 class="mb-2 text-2xl font-semibold">{title}</h1>
            <p>{text}</p>
        </main>
    }
}
