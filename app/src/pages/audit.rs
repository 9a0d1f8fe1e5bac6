use super::{PageError, PageTitle};
use crate::{
    api::audit::{get_audit_page, verify_audit_chain},
    components::LocalTime,
    model::{AuditEntry, ChainReport, Outcome},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AuditPage() -> impl IntoView {
    let query = use_query_map();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse::<u32>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1)
    };
    let verify = move || query.read().get("verify").is_some();
    let entries = Resource::new(page, get_audit_page);
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
            "Every sign-in and change, newest first. Each row carries a SHA-256 hash over its contents and the previous row's hash, so an edited or deleted row breaks the chain."
        </p>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match report.await {
                    None => view! {
                        <a href=format!("/audit?page={}&verify=1", page()) class="mb-3 inline-block text-sm text-indigo-700 underline dark:text-indigo-300">
                            "Verify the hash chain"
                        </a>
                    }.into_any(),
                    Some(result) => view! { <ChainResult result /> }.into_any(),
                }
            })}
        </Suspense>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Err(error) => view! { <PageError error /> }.into_any(),
                    Ok(p) => {
                        let pager = view! { <Pager page=p.page total_pages=p.total_pages total=p.total_entries /> };
                        view! {
                            <AuditTable entries=p.entries />
                            {pager}
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn ChainResult(result: Result<ChainReport, crate::model::AppError>) -> impl IntoView {
    match result {
        Err(error) => view! { <PageError error /> }.into_any(),
        Ok(ChainReport { rows_checked, first_broken: None }) => view! {
            <p id="chain-status" role="status" class="mb-3 rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">
                {format!("Chain intact: {rows_checked} rows checked.")}
            </p>
        }.into_any(),
        Ok(ChainReport { rows_checked, first_broken: Some(broken) }) => view! {
            <p id="chain-status" role="alert" class="mb-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
                {format!("Chain broken at row {}: {} ({rows_checked} rows checked).", broken.id, broken.reason)}
            </p>
        }.into_any(),
    }
}

#[component]
fn AuditTable(entries: Vec<AuditEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p>"No audit rows yet."</p> }.into_any();
    }
    let rows = entries
        .into_iter()
        .map(|e| {
            let outcome_class = match e.outcome {
                Outcome::Ok => "text-emerald-700 dark:text-emerald-400",
                Outcome::Error => "text-red-700 dark:text-red-400",
                Outcome::Attempted => "text-amber-700 dark:text-amber-400",
            };
            let target = if e.target_id.is_empty() {
                e.target_kind.clone()
            } else {
                format!("{} {}", e.target_kind, e.target_id)
            };
            let scope = [e.account.as_str(), e.region.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" / ");
            let action_attr = e.action.clone();
            view! {
                <tr class="border-t border-slate-200 align-top dark:border-slate-800" data-action=action_attr>
                    <td class="px-3 py-2 text-slate-500">{e.id}</td>
                    <td class="whitespace-nowrap px-3 py-2"><LocalTime utc=e.at /></td>
                    <td class="px-3 py-2">{e.actor}</td>
                    <td class="px-3 py-2 font-mono text-xs">{e.client_ip}</td>
                    <td class="px-3 py-2 font-medium">{e.action}</td>
                    <td class="px-3 py-2">{target}</td>
                    <td class="px-3 py-2">{scope}</td>
                    <td class=format!("px-3 py-2 font-medium {outcome_class}")>
                        {e.outcome.as_str()}
                        {(!e.message.is_empty()).then(|| view! { <div class="text-xs font-normal">{e.message}</div> })}
                    </td>
                    <td class="px-3 py-2 font-mono text-xs">{e.request_id}</td>
                    <td class="max-w-xs break-all px-3 py-2 font-mono text-xs">{e.params}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
            <table id="audit-table" class="min-w-full text-left text-sm">
                <thead class="bg-slate-100 text-xs uppercase text-slate-600 dark:bg-slate-800 dark:text-slate-300">
                    <tr>
                        <th scope="col" class="px-3 py-2">"#"</th>
                        <th scope="col" class="px-3 py-2">"Time"</th>
                        <th scope="col" class="px-3 py-2">"Actor"</th>
                        <th scope="col" class="px-3 py-2">"Client IP"</th>
                        <th scope="col" class="px-3 py-2">"Action"</th>
                        <th scope="col" class="px-3 py-2">"Target"</th>
                        <th scope="col" class="px-3 py-2">"Account / region"</th>
                        <th scope="col" class="px-3 py-2">"Outcome"</th>
                        <th scope="col" class="px-3 py-2">"AWS request id"</th>
                        <th scope="col" class="px-3 py-2">"Parameters"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn Pager(page: u32, total_pages: u32, total: u64) -> impl IntoView {
    let link = "rounded border border-slate-300 px-3 py-1 hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800";
    view! {
        <nav aria-label="Audit pages" class="mt-3 flex items-center gap-3 text-sm">
            {(page > 1).then(|| view! { <a class=link rel="prev" href=format!("/audit?page={}", page - 1)>"Newer"</a> })}
            <span>{format!("Page {page} of {} · {total} rows", total_pages.max(1))}</span>
            {(page < total_pages).then(|| view! { <a class=link rel="next" href=format!("/audit?page={}", page + 1)>"Older"</a> })}
        </nav>
    }
}
