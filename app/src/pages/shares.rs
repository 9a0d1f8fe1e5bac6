//! The Share links page (admins): every link with its scope, who it is for, who made it, when
//! it stops working and how often it was used; revoke one or all; one link's recorded views.

use super::PageTitle;
use crate::api::shares::{get_share_links, RevokeAllShareLinks, RevokeShareLink};
use crate::components::{form::action_error, ActionAlert, CsrfField, DataTable, Loaded};
use crate::components::{LocalTime, ACTIONS};
use crate::model::share::{ShareLinkSummary, ShareLinksPage, ShareState, ShareViewRecord};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const TD: &str = "px-3 py-2 align-top";

#[component]
pub fn ShareLinksPage() -> impl IntoView {
    let query = use_query_map();
    let selected = move || {
        query
            .read()
            .get("views")
            .and_then(|v| v.parse::<i64>().ok())
    };
    let revoke = ServerAction::<RevokeShareLink>::new();
    let revoke_all = ServerAction::<RevokeAllShareLinks>::new();
    let error = action_error(revoke);
    let all_error = action_error(revoke_all);
    let data = Resource::new(
        move || {
            (
                selected(),
                revoke.version().get(),
                revoke_all.version().get(),
            )
        },
        |(selected, _, _)| get_share_links(selected),
    );
    view! {
        <PageTitle title="Share links" />
        <div class="mb-3 flex flex-wrap items-start gap-4">
            <p class="max-w-3xl text-sm text-slate-600 dark:text-slate-400">
                "Read-only links for people without an account: an inventory view (with its filters), an item or the expiry list. Revoking takes effect on the link's next request."
            </p>
            <a href="/shares/new" id="new-share-link" class="btn-primary">"New share link"</a>
        </div>
        <ActionAlert error />
        <ActionAlert error=all_error />
        <Loaded data reloads=true let:page>
            <Links page revoke revoke_all />
        </Loaded>
    }
}

#[component]
fn Links(
    page: ShareLinksPage,
    revoke: ServerAction<RevokeShareLink>,
    revoke_all: ServerAction<RevokeAllShareLinks>,
) -> impl IntoView {
    let active = page
        .links
        .iter()
        .filter(|l| l.state == ShareState::Active)
        .count();
    let rows = page
        .links
        .iter()
        .map(|link| link_row(link, page.selected == Some(link.id), revoke))
        .collect_view();
    let empty = page.links.is_empty().then_some("No share links yet.");
    let views = page.selected.map(|id| {
        let label = page
            .links
            .iter()
            .find(|l| l.id == id)
            .map(|l| l.label.clone())
            .unwrap_or_default();
        view! { <Views label views=page.views.clone() /> }.into_any()
    });
    view! {
        {(active > 0).then(|| view! {
            <ActionForm action=revoke_all attr:class="mb-3 flex flex-wrap items-center gap-3 text-sm">
                <CsrfField />
                <label class="flex items-center gap-2">
                    <input id="revoke-all-confirm" type="checkbox" required />
                    {if active == 1 { "Stop the one working link now".to_string() } else { format!("Stop all {active} working links now") }}
                </label>
                <button type="submit" id="revoke-all" class="rounded-md bg-red-600 px-3 py-1.5 font-semibold text-white hover:bg-red-500">"Revoke all"</button>
            </ActionForm>
        })}
        <DataTable id="share-links" columns=vec!["For", "Shows", "Created", "Expires", "State", "Views", ACTIONS] empty>
            {rows}
        </DataTable>
        {views}
    }
}

fn link_row(
    link: &ShareLinkSummary,
    selected: bool,
    revoke: ServerAction<RevokeShareLink>,
) -> impl IntoView {
    let id = link.id;
    let state_class = match link.state {
        ShareState::Active => "font-semibold text-emerald-700 dark:text-emerald-400",
        ShareState::Expired => "text-slate-500",
        ShareState::Revoked => "text-red-700 dark:text-red-400",
    };
    let revoked = link.revoked_at.clone().map(|at| {
        let by = link.revoked_by.clone().unwrap_or_default();
        view! { <div class="text-xs">{format!("by {by}, ")}<LocalTime utc=at /></div> }
    });
    let last = link
        .last_viewed_at
        .clone()
        .map(|at| view! { <div class="text-xs">"last " <LocalTime utc=at /></div> });
    let tags = if link.include_tags {
        "with tags"
    } else {
        "without tags"
    };
    view! {
        <tr class="border-t border-slate-200 dark:border-slate-800" data-share=id data-state=format!("{:?}", link.state).to_lowercase() aria-selected=selected.to_string()>
            <td class=TD>{link.label.clone()}</td>
            <td class=TD>
                <a class="text-indigo-700 underline dark:text-indigo-300" href=link.scope_path.clone()>{link.scope.clone()}</a>
                <div class="text-xs text-slate-500">{tags}</div>
            </td>
            <td class=TD>{link.created_by.clone()}<div class="text-xs"><LocalTime utc=link.created_at.clone() /></div></td>
            <td class=TD><LocalTime utc=link.expires_at.clone() /></td>
            <td class=TD><span class=state_class>{link.state.label()}</span>{revoked}</td>
            <td class=TD>
                <a class="underline" href=format!("/shares?views={id}") data-views=id>{count(link.views, "view", "views")}</a>
                <div class="text-xs">{count(link.addresses, "address", "addresses")}</div>
                {last}
            </td>
            <td class=TD>
                {(link.state == ShareState::Active).then(|| view! {
                    <ActionForm action=revoke attr:class="inline">
                        <CsrfField />
                        <input type="hidden" name="id" value=id />
                        <button type="submit" data-revoke=id class="text-xs text-red-700 underline dark:text-red-400">"Revoke"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

/// `1 view`, `3 views`.
fn count(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[component]
fn Views(label: String, views: Vec<ShareViewRecord>) -> impl IntoView {
    let rows = views
        .into_iter()
        .map(|v| {
            view! {
                <tr class="border-t border-slate-200 dark:border-slate-800">
                    <td class=TD><LocalTime utc=v.at /></td>
                    <td class=TD>{v.what}</td>
                    <td class=TD>{v.client_ip}</td>
                    <td class=format!("{TD} break-all text-xs")>{v.user_agent}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="mt-6">
            <h2 class="mb-2 text-lg font-semibold">{format!("Views of the link for {label}")}</h2>
            <DataTable id="share-views" columns=vec!["When", "What", "Address", "Browser"]>
                {rows}
            </DataTable>
        </section>
    }
}
