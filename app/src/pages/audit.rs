//! The audit trail: filters in the URL (a filtered view is a link, and works without
//! JavaScript), rows newest first with a link to each row's page, downloads of what the
//! filters select, and verifying the hash chain: in chunks with a progress bar, or without
//! JavaScript in one request.

use super::{PageError, PageTitle};
use crate::{
    api::audit::{get_audit_page, verify_audit_chain},
    components::{DataTable, FilterSelect, LocalTime, FILTER_INPUT},
    islands::{chain_check::ChainResult, ChainCheck},
    model::{AppError, AuditEntry, AuditPage, AuditQuery, Outcome},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const LINK: &str = "text-indigo-700 underline dark:text-indigo-300";

#[component]
pub fn AuditPage() -> impl IntoView {
    let query_map = use_query_map();
    let query = move || AuditQuery::from_query(|key| query_map.read().get(key));
    let verify = move || query_map.read().get("verify").is_some();
    let entries = Resource::new(query, get_audit_page);
    let report = Resource::new(verify, |wanted| async move {
        if wanted {
            Some(verify_audit_chain().await)
        } else {
            None
        }
    });
    view! {
        <PageTitle title="Audit" />
        <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">
            "Every sign-in and change, newest first. Each row's hash covers its contents and the previous row's hash (with the audit key, an HMAC only trustdesk can compute), so an edited or deleted row breaks the chain."
        </p>
        <ChainCheck query=query() />
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                report.await.map(|result| match result {
                    Ok(report) => view! { <ChainResult report /> }.into_any(),
                    Err(error) => view! { <PageError error /> }.into_any(),
                })
            })}
        </Suspense>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let query = query();
                match entries.await {
                    Err(error) => view! {
                        <Filters query=query.clone() page=None />
                        <FilterError error />
                    }.into_any(),
                    Ok(page) => view! { <Listing page query /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A filter the server refused, with what is wrong in each field.
#[component]
fn FilterError(error: AppError) -> impl IntoView {
    if error.fields.is_empty() {
        return view! { <PageError error /> }.into_any();
    }
    view! {
        <div role="alert" id="filter-error" class="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
            <ul class="ml-5 list-disc">
                {error.fields.into_iter().map(|f| view! { <li>{format!("{}: {}", f.field, f.message)}</li> }).collect_view()}
            </ul>
        </div>
    }
    .into_any()
}

#[component]
fn Listing(page: AuditPage, query: AuditQuery) -> impl IntoView {
    let filters = query.filter_string();
    let export = |extension: &str| {
        if filters.is_empty() {
            format!("/audit/export.{extension}")
        } else {
            format!("/audit/export.{extension}?{filters}")
        }
    };
    let (csv, json) = (export("csv"), export("json"));
    let summary = format!(
        "{} {}{} · page {} of {}",
        page.total_entries,
        if page.total_entries == 1 {
            "row"
        } else {
            "rows"
        },
        if query.is_filtered() { " match" } else { "" },
        page.page,
        page.total_pages.max(1),
    );
    view! {
        <Filters query=query.clone() page=Some(page.clone()) />
        <div class="mb-2 flex flex-wrap items-center gap-3 text-sm">
            <span id="audit-count" class="text-slate-600 dark:text-slate-400">{summary}</span>
            // `rel="external"` and `download`: a file, not a page the router should render.
            <a id="export-csv" href=csv rel="external" download="" class=LINK>"Download CSV"</a>
            <a id="export-json" href=json rel="external" download="" class=LINK>"Download JSON"</a>
        </div>
        <AuditTable entries=page.entries />
        <Pager page=page.page total_pages=page.total_pages query />
    }
}

#[component]
fn Filters(query: AuditQuery, page: Option<AuditPage>) -> impl IntoView {
    let (actors, actions, kinds, accounts) = page
        .map(|p| (p.actors, p.actions, p.kinds, p.accounts))
        .unwrap_or_default();
    // A value from a link that the trail no longer holds still shows as chosen.
    let select = |name, label, options, current| {
        view! { <FilterSelect name label options current keep_current=true /> }
    };
    let outcomes = Outcome::ALL
        .iter()
        .map(|o| o.as_str().to_string())
        .collect();
    view! {
        <form method="get" action="/audit" id="audit-filters" class="mb-4 grid gap-3 rounded-lg border border-slate-200 bg-white p-3 text-sm sm:grid-cols-3 lg:grid-cols-7 dark:border-slate-800 dark:bg-slate-900">
            {select("actor", "Actor", actors, query.actor.clone())}
            {select("action", "Action", actions, query.action.clone())}
            {select("kind", "Kind", kinds, query.kind.clone())}
            {select("account", "Account", accounts, query.account.clone())}
            {select("outcome", "Outcome", outcomes, query.outcome.clone())}
            <div>
                <label for="filter-from" class="block text-xs font-medium">"From (UTC)"</label>
                <input type="date" id="filter-from" name="from" value=query.from.clone() class=FILTER_INPUT />
            </div>
            <div>
                <label for="filter-to" class="block text-xs font-medium">"To (UTC)"</label>
                <input type="date" id="filter-to" name="to" value=query.to.clone() class=FILTER_INPUT />
            </div>
            <div class="flex items-end gap-2 lg:col-span-7">
                <button type="submit" id="apply-filter" class="rounded-md bg-slate-700 px-3 py-1 text-white hover:bg-slate-600">"Apply"</button>
                <a href="/audit" class=LINK>"Clear"</a>
            </div>
        </form>
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p id="audit-empty">"No audit rows match."</p> }.into_any();
    }
    let rows = entries
        .into_iter()
        .map(|e| {
            let outcome_class = match e.outcome {
                Outcome::Ok => "text-emerald-700 dark:text-emerald-400",
                Outcome::Error => "text-red-700 dark:text-red-400",
                Outcome::Attempted => "text-amber-700 dark:text-amber-400",
            };
            let (target, scope) = (e.target(), e.scope());
            let action_attr = e.action.clone();
            let href = format!("/audit/{}", e.id);
            let label = format!("Audit row {}", e.id);
            view! {
                <tr class="border-t border-slate-200 align-top dark:border-slate-800" data-action=action_attr data-id=e.id>
                    <td class="px-3 py-2"><a href=href aria-label=label class=LINK>{e.id}</a></td>
                    <td class="whitespace-nowrap px-3 py-2"><LocalTime utc=e.at /></td>
                    <td class="px-3 py-2">{e.actor}</td>
                    <td class="px-3 py-2 font-mono text-xs">{e.client_ip}</td>
                    <td class="px-3 py-2 font-medium">{crate::model::audit::action_name(&e.action).to_string()}</td>
                    <td class="px-3 py-2">{target}</td>
                    <td class="px-3 py-2">{scope}</td>
                    <td class=format!("px-3 py-2 font-medium {outcome_class}")>
                        {e.outcome.as_str()}
                        {(!e.message.is_empty()).then(|| view! { <div class="text-xs font-normal">{e.message}</div> })}
                    </td>
                    <td class="px-3 py-2 font-mono text-xs">{e.request_id}</td>
                    <td class="max-w-xs px-3 py-2 text-xs">
                        <details>
                            <summary class="cursor-pointer break-words" data-params-summary="">{if e.summary.is_empty() { "—".to_string() } else { e.summary }}</summary>
                            <pre class="mt-1 break-all whitespace-pre-wrap font-mono">{e.params}</pre>
                        </details>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let columns = vec![
        "#",
        "Time",
        "Actor",
        "Client IP",
        "Action",
        "Target",
        "Account / region",
        "Outcome",
        "AWS request id",
        "Parameters",
    ];
    view! {
        <DataTable id="audit-table" columns>
            {rows}
        </DataTable>
    }
    .into_any()
}

#[component]
fn Pager(page: u32, total_pages: u32, query: AuditQuery) -> impl IntoView {
    let link = "rounded border border-slate-300 px-3 py-1 hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800";
    let newer = (page > 1).then(|| query.page_href(page - 1));
    let older = (page < total_pages).then(|| query.page_href(page + 1));
    view! {
        <nav aria-label="Audit pages" class="mt-3 flex items-center gap-3 text-sm">
            {newer.map(|href| view! { <a class=link rel="prev" href=href>"Newer"</a> })}
            <span>{format!("Page {page} of {}", total_pages.max(1))}</span>
            {older.map(|href| view! { <a class=link rel="next" href=href>"Older"</a> })}
        </nav>
    }
}
