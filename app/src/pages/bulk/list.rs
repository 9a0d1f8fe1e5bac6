//! `/bulk`: the bulk edits, newest first, and a search across kinds to start one.

use super::SelectionSearch;
use crate::api::bulk::get_bulk_edits;
use crate::components::{DataTable, Loaded, LocalTime};
use crate::model::bulk::{BulkEditsPage, SelectionForm};
use crate::pages::PageTitle;
use leptos::prelude::*;

#[component]
pub fn BulkEditsListPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_bulk_edits());
    view! {
        <PageTitle title="Bulk tag edits" />
        <p class="mb-2 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
            "Change the tags of many items at once, across kinds: select them in an inventory (the checkboxes, or all that match its filter), from a tag rule on the "
            <a class="underline" href="/compliance">"Compliance"</a>
            " page, or by a search here. Every edit is previewed first and sent only when confirmed."
        </p>
        <div class="mb-4"><SelectionSearch selection=SelectionForm::default() /></div>
        <Loaded data let:page>
            <Edits page />
        </Loaded>
    }
}

#[component]
fn Edits(page: BulkEditsPage) -> impl IntoView {
    if page.edits.is_empty() {
        return view! { <p id="bulk-none" class="text-sm">"No bulk edits yet."</p> }.into_any();
    }
    let rows = page
        .edits
        .into_iter()
        .map(|edit| {
            let counts = edit.counts;
            view! {
                <tr class="border-t border-slate-200 dark:border-slate-800" data-edit=edit.id.clone() data-state=edit.state.as_str()>
                    <td class="px-3 py-2"><a class="font-medium text-indigo-700 underline dark:text-indigo-300" href=format!("/bulk/{}", edit.id)>{edit.selection.clone()}</a></td>
                    <td class="px-3 py-2">{edit.operations.iter().map(|o| o.describe()).collect::<Vec<_>>().join("; ")}</td>
                    <td class="px-3 py-2">{edit.state.label()}</td>
                    <td class="px-3 py-2">{format!("{} changed, {} failed, {} to send", counts.done, counts.failed, counts.pending)}</td>
                    <td class="px-3 py-2">{edit.created_by.clone()} <div class="text-xs text-slate-500"><LocalTime utc=edit.created_at.clone() /></div></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable id="bulk-edits" columns=vec!["Selection", "Operations", "State", "Items", "Previewed by"]>
            {rows}
        </DataTable>
    }
    .into_any()
}
