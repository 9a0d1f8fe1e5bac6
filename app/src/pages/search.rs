//! `/search?q=`: the header's search across every kind, one list grouped by kind, each group
//! leading to the kind's inventory with the same search.

use super::{inventory::Expiry, PageTitle};
use crate::{
    api::search::get_search,
    components::{Loaded, FILTER_INPUT},
    model::{
        inventory::query_params,
        search::{SearchGroup, SearchResults, SEARCH_MATCH_LIMIT, SEARCH_MIN_WORD},
    },
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn SearchPage() -> impl IntoView {
    let query_map = use_query_map();
    let q = move || query_map.read().get("q").unwrap_or_default();
    let data = Resource::new(q, get_search);
    view! {
        <PageTitle title="Search" />
        <form method="get" action="/search" role="search" class="mb-4 flex max-w-2xl gap-2">
            <label for="search-page-q" class="sr-only">"Search every kind"</label>
            <input id="search-page-q" name="q" type="search" value=q
                placeholder="id, name, ARN, account id, tag key or value" class=FILTER_INPUT />
            <button type="submit" class="rounded-md bg-slate-700 px-3 py-1 text-sm text-white hover:bg-slate-600">"Search"</button>
        </form>
        <Loaded data let:results>
            <Results results />
        </Loaded>
    }
}

#[component]
fn Results(results: SearchResults) -> impl IntoView {
    if results.q.is_empty() {
        return view! {
            <p class="text-sm text-slate-600 dark:text-slate-300">
                "Search every kind's items at once: type part of an id, a name, an ARN, an account id, or a tag's key or value. On any page, / puts the cursor in the search box at the top."
            </p>
        }
        .into_any();
    }
    if results.too_short {
        return view! {
            <p id="search-summary" class="text-sm">
                {format!("Type at least {SEARCH_MIN_WORD} characters of one word: shorter words can only narrow a search. An inventory's own search also finds shorter text.")}
            </p>
        }
        .into_any();
    }
    let total = results.total();
    let summary = match (total, results.limited) {
        (0, _) => format!("Nothing in the cache matches “{}”.", results.q),
        (_, true) => format!(
            "More than {SEARCH_MATCH_LIMIT} items match “{}”: each kind's count below is at least what it says, of some {SEARCH_MATCH_LIMIT} of them. Add a word to narrow it.",
            results.q
        ),
        (1, false) => format!("1 item matches “{}”.", results.q),
        (n, false) => format!(
            "{n} items match “{}”, in {}.",
            results.q,
            match results.groups.len() {
                1 => "1 kind".to_string(),
                kinds => format!("{kinds} kinds"),
            }
        ),
    };
    let q = results.q.clone();
    let limited = results.limited;
    view! {
        <p id="search-summary" role="status" class="mb-4 text-sm text-slate-700 dark:text-slate-300">{summary}</p>
        <div class="grid gap-4">
            {results.groups.into_iter().map(|group| view! { <Group group q=q.clone() limited /> }).collect_view()}
        </div>
    }
    .into_any()
}

#[component]
fn Group(
    group: SearchGroup,
    q: String,
    /// The search matched more than it counts: each count is a floor.
    limited: bool,
) -> impl IntoView {
    let kind = group.kind;
    let inventory = format!(
        "{}?{}",
        kind.path(),
        query_params([("q", q.as_str())]).join("&")
    );
    let more = (group.total > group.items.len() as u64).then(|| {
        let label = if limited {
            format!("All in {} →", kind.title())
        } else {
            format!("All {} in {} →", group.total, kind.title())
        };
        view! {
            <a href=inventory.clone() class="item-link text-sm" data-search-more="">{label}</a>
        }
    });
    let count = if limited {
        format!("{}+", group.total)
    } else {
        group.total.to_string()
    };
    let heading = format!("{} · {}", kind.service().title(), kind.info().nav_label);
    view! {
        <section class=super::CARD data-search-group=kind.as_str() aria-label=kind.title()>
            <h2 class="mb-2 flex items-baseline gap-2 font-semibold">
                <a href=inventory class="hover:underline">{heading}</a>
                <span class="tabular-nums text-sm font-normal text-slate-600 dark:text-slate-300" data-search-count="">
                    {count}
                </span>
            </h2>
            <ul class="divide-y divide-slate-100 dark:divide-slate-800">
                {group.items.into_iter().map(|item| {
                    let place = if kind.is_global() {
                        item.item.account.clone()
                    } else {
                        format!("{} · {}", item.item.account, item.item.region)
                    };
                    let show_id = item.name != item.item.id;
                    view! {
                        <li class="flex flex-wrap items-baseline gap-x-3 py-1.5 text-sm" data-id=item.item.id.clone()>
                            <a href=item.item.detail_path() class="item-link">{item.name.clone()}</a>
                            {show_id.then(|| view! { <span class="sub mono break-all">{item.item.id.clone()}</span> })}
                            <span class="sub">{place}</span>
                            {kind.has_expiry().then(|| view! { <span class="ml-auto"><Expiry at=item.expires_at.clone() days=item.expires_in_days /></span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {more}
        </section>
    }
}
