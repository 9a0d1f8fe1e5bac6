//! `/bulk/:id`: a preview (nothing sent) with its confirmation, then the progress while it runs
//! (the page reloads itself every two seconds, with or without JavaScript) and each item's
//! result, with a retry of the failed ones.

use super::tag_diff::TagDiff;
use crate::api::bulk::{get_bulk_edit, ApplyBulkEdit, RetryBulkEdit};
use crate::components::{form::action_error, ActionAlert, CsrfField, DataTable, Loaded, LocalTime};
use crate::model::bulk::{BulkEdit, BulkEditPage, BulkItem, ItemStatus};
use crate::model::resource::encode_segment;
use crate::pages::{PageTitle, CARD};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn BulkEditRoutePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let status = move || query.read().get("status").unwrap_or_default();
    let page = move || {
        query
            .read()
            .get("page")
            .and_then(|p| p.parse().ok())
            .unwrap_or(1u32)
    };
    let apply = ServerAction::<ApplyBulkEdit>::new();
    let retry = ServerAction::<RetryBulkEdit>::new();
    let data = Resource::new(
        move || {
            (
                id(),
                status(),
                page(),
                apply.version().get(),
                retry.version().get(),
            )
        },
        |(id, status, page, _, _)| get_bulk_edit(id, status, page),
    );
    view! {
        <PageTitle title="Bulk tag edit" trail=vec![("Bulk tag edits".to_string(), Some("/bulk".to_string()))] />
        <Loaded data reloads=true let:page>
            <Edit page apply retry />
        </Loaded>
    }
}

#[component]
fn Edit(
    page: BulkEditPage,
    apply: ServerAction<ApplyBulkEdit>,
    retry: ServerAction<RetryBulkEdit>,
) -> impl IntoView {
    let edit = page.edit.clone();
    let running = edit.state.is_running();
    let reload = running.then(|| view! { <leptos_meta::Meta http_equiv="refresh" content="2" /> });
    let notice = (!edit.notice.is_empty()).then(|| view! {
        <div id="bulk-notice" role="alert" class="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200">{edit.notice.clone()}</div>
    });
    let operations = edit
        .operations
        .iter()
        .map(|operation| view! { <li>{operation.describe()}</li> })
        .collect_view();
    let controls = page
        .can_change
        .then(|| view! { <Controls edit=edit.clone() apply retry /> });
    let rows = page
        .items
        .iter()
        .map(|item| view! { <ItemRow item=item.clone() /> })
        .collect_view();
    let empty = page.items.is_empty().then_some("No item has this status.");
    view! {
        {reload}
        <section class=format!("{CARD} mb-4 space-y-2") id="bulk-edit" data-state=edit.state.as_str() data-revision=edit.revision.to_string()>
            <p class="font-semibold" id="bulk-state">{edit.state.label()}</p>
            <p class="text-sm">
                {edit.selection.clone()} " · previewed by " {edit.created_by.clone()} " " <LocalTime utc=edit.created_at.clone() />
                {(!edit.confirmed_by.is_empty()).then(|| format!(" · confirmed by {}", edit.confirmed_by))}
                {edit.finished_at.clone().map(|at| view! { " · finished " <LocalTime utc=at /> })}
            </p>
            <ol class="ml-5 list-decimal text-sm" id="bulk-operations">{operations}</ol>
            <Counts page=page.clone() />
            {notice}
            {controls}
        </section>
        <DataTable id="bulk-items" columns=vec!["Item", "Tags: before → after", "Status", "Tag rules"] empty>
            {rows}
        </DataTable>
        <Pager page />
    }
}

/// How many items stand where, each a link to them.
#[component]
fn Counts(page: BulkEditPage) -> impl IntoView {
    let base = format!("/bulk/{}", encode_segment(&page.edit.id));
    let counts = page.edit.counts;
    let all = {
        let current = page.status.is_empty();
        view! { <a href=base.clone() aria-current=current.then_some("page") class="underline aria-[current=page]:font-semibold">{format!("All {}", counts.total())}</a> }
    };
    let each = ItemStatus::ALL
        .into_iter()
        .filter(|status| counts.of(*status) > 0)
        .map(|status| {
            let current = page.status == status.as_str();
            view! {
                <a href=format!("{base}?status={}", status.as_str()) data-count=status.as_str() data-n=counts.of(status).to_string()
                    aria-current=current.then_some("page") class="underline aria-[current=page]:font-semibold">
                    {format!("{} {}", status.label(), counts.of(status))}
                </a>
            }
        })
        .collect_view();
    view! { <p class="flex flex-wrap gap-3 text-sm" id="bulk-counts">{all}{each}</p> }
}

/// Confirm (bound to the revision shown) or retry.
#[component]
fn Controls(
    edit: BulkEdit,
    apply: ServerAction<ApplyBulkEdit>,
    retry: ServerAction<RetryBulkEdit>,
) -> impl IntoView {
    let apply_error = action_error(apply);
    let retry_error = action_error(retry);
    let changes = edit.counts.pending;
    let (apply_id, retry_id) = (edit.id.clone(), edit.id.clone());
    let confirm = edit.can_apply().then(|| view! {
        <ActionForm action=apply attr:id="bulk-apply-form">
            <CsrfField />
            <input type="hidden" name="id" value=apply_id />
            <input type="hidden" name="revision" value=edit.revision.to_string() />
            <button type="submit" id="bulk-apply" class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60" disabled=move || apply.pending().get()>
                {if changes == 1 { "Apply 1 change".to_string() } else { format!("Apply {changes} changes") }}
            </button>
        </ActionForm>
    });
    let again = edit.can_retry().then(|| view! {
        <ActionForm action=retry attr:id="bulk-retry-form">
            <CsrfField />
            <input type="hidden" name="id" value=retry_id />
            <button type="submit" id="bulk-retry" class="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100 disabled:opacity-60 dark:border-slate-600 dark:hover:bg-slate-800" disabled=move || retry.pending().get()>
                {match edit.counts.failed + edit.counts.pending {
                    1 => "Retry 1 item".to_string(),
                    n => format!("Retry {n} items"),
                }}
            </button>
        </ActionForm>
    });
    view! {
        <div class="flex flex-wrap items-center gap-3">
            {confirm}
            {again}
            <a href="/bulk" class="text-sm underline">"All bulk edits"</a>
        </div>
        <ActionAlert error=apply_error />
        <ActionAlert error=retry_error />
    }
}

#[component]
fn ItemRow(item: BulkItem) -> impl IntoView {
    let status_class = match item.status {
        ItemStatus::Done => "text-emerald-700 dark:text-emerald-400",
        ItemStatus::Failed | ItemStatus::Refused => "text-red-700 dark:text-red-400",
        ItemStatus::Pending => "text-indigo-700 dark:text-indigo-300",
        ItemStatus::Unchanged => "text-slate-500",
    };
    let rules = if item.breaks_before.is_empty() && item.breaks_after.is_empty() {
        view! { <span class="text-xs text-slate-500">"—"</span> }.into_any()
    } else {
        let fixed = item
            .breaks_before
            .iter()
            .filter(|b| !item.breaks_after.contains(b))
            .map(|b| view! { <li data-rule="fixed" class="text-emerald-700 dark:text-emerald-400">"Fixed: " <span class="line-through">{b.clone()}</span></li> })
            .collect_view();
        let breaks = item
            .breaks_after
            .iter()
            .map(|b| {
                let label = if item.breaks_before.contains(b) { "Still breaks: " } else { "Would break: " };
                view! { <li data-rule="breaks" class="text-red-700 dark:text-red-400">{label}{b.clone()}</li> }
            })
            .collect_view();
        view! { <ul class="text-xs">{fixed}{breaks}</ul> }.into_any()
    };
    view! {
        <tr class="border-t border-slate-200 align-top dark:border-slate-800" data-id=item.item.id.clone() data-kind=item.item.kind.as_str() data-status=item.status.as_str()>
            <td class="px-3 py-2">
                <a href=item.item.detail_path() class="font-medium text-indigo-700 underline dark:text-indigo-300">{item.name.clone()}</a>
                <div class="text-xs text-slate-500">{format!("{} · {}/{}", item.item.kind.singular(), item.item.account, item.item.region)}</div>
            </td>
            <td class="px-3 py-2"><TagDiff before=item.before.clone() after=item.after.clone() /></td>
            <td class="px-3 py-2">
                <span class=format!("font-semibold {status_class}")>{item.status.label()}</span>
                {(!item.message.is_empty()).then(|| view! { <div class="text-xs" data-message="">{item.message.clone()}</div> })}
                {(!item.request_id.is_empty()).then(|| view! { <div class="font-mono text-xs text-slate-500">{item.request_id.clone()}</div> })}
            </td>
            <td class="px-3 py-2">{rules}</td>
        </tr>
    }
}

#[component]
fn Pager(page: BulkEditPage) -> impl IntoView {
    let link = move |target: u32| {
        let mut params = vec![format!("page={target}")];
        if !page.status.is_empty() {
            params.push(format!("status={}", page.status));
        }
        format!(
            "/bulk/{}?{}",
            encode_segment(&page.edit.id),
            params.join("&")
        )
    };
    view! {
        <nav class="mt-3 flex gap-3 text-sm" aria-label="Pages">
            {(page.page > 1).then(|| view! { <a href=link(page.page - 1) rel="prev" class="underline">"Previous"</a> })}
            <span class="text-slate-500">{format!("page {} of {}", page.page, page.pages)}</span>
            {(page.page < page.pages).then(|| view! { <a href=link(page.page + 1) rel="next" class="underline">"Next"</a> })}
        </nav>
    }
}
