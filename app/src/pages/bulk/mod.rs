//! Bulk tag edits: the list and a search across kinds (`/bulk`), the draft where operations
//! are chosen (`/bulk/new`), and a preview with its progress and results (`/bulk/:id`).

pub mod edit;
pub mod list;
pub mod new;
mod tag_diff;

use crate::model::{bulk::SelectionForm, ResourceKind};
use leptos::prelude::*;

use crate::components::FILTER_INPUT as INPUT;

/// A search by tag (or text) across every kind, or within one: opens the draft of its items.
/// A plain GET form, so it works the same without JavaScript.
#[component]
fn SelectionSearch(selection: SelectionForm) -> impl IntoView {
    let kinds = ResourceKind::ALL
        .into_iter()
        .filter(|kind| kind.has_tags())
        .map(|kind| {
            view! { <option value=kind.as_str() selected=selection.kind == kind.as_str()>{kind.title()}</option> }
        })
        .collect_view();
    view! {
        <form method="get" action="/bulk/new" id="bulk-search" class="grid gap-3 rounded-lg border border-slate-200 bg-white p-3 text-sm sm:grid-cols-5 dark:border-slate-800 dark:bg-slate-900">
            <div>
                <label for="bulk-search-tag" class="block text-xs font-medium">"Tag (Key or Key=Value)"</label>
                <input id="bulk-search-tag" name="tag" value=selection.filter.tag.clone() placeholder="Team=payments" class=INPUT />
            </div>
            <div>
                <label for="bulk-search-q" class="block text-xs font-medium">"Text (id, name or tag)"</label>
                <input id="bulk-search-q" name="q" value=selection.filter.q.clone() class=INPUT />
            </div>
            <div>
                <label for="bulk-search-kind" class="block text-xs font-medium">"Kind"</label>
                <select id="bulk-search-kind" name="kind" class=INPUT>
                    <option value="" selected=selection.kind.is_empty()>"Every kind"</option>
                    {kinds}
                </select>
            </div>
            <div>
                <label for="bulk-search-account" class="block text-xs font-medium">"Account (empty for all)"</label>
                <input id="bulk-search-account" name="account" value=selection.filter.account.clone() class=INPUT />
            </div>
            <div class="flex items-end">
                <button type="submit" id="bulk-search-submit" class="rounded-md bg-slate-700 px-3 py-1.5 text-white hover:bg-slate-600">"Find items"</button>
            </div>
        </form>
    }
}
