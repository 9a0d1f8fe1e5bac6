//! `/bulk/new`: what the selection (from the URL) holds, and the operations to preview. A
//! rule's fix arrives with its operations filled in; nothing is sent until the preview is
//! confirmed on the next page.

use super::{SelectionSearch, INPUT};
use crate::{
    api::bulk::{get_bulk_draft, PreviewBulkEdit},
    components::{form::action_error, ActionAlert, CsrfField, FieldMessage},
    model::{
        bulk::{
            BulkDraft, OperationRow, SelectionForm, MAX_BULK_ITEMS, MAX_OPERATIONS,
            OPERATION_CHOICES,
        },
        AppError,
    },
    pages::{PageError, PageTitle, CARD},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Blank rows offered beside the suggested ones.
const BLANK_ROWS: usize = 3;

#[component]
pub fn NewBulkEditPage() -> impl IntoView {
    let query = use_query_map();
    let selection = move || {
        SelectionForm::from_query(|key| query.read().get(key), |key| query.read().get_all(key))
    };
    let draft = Resource::new(selection, get_bulk_draft);
    view! {
        <PageTitle title="Bulk tag edit" trail=vec![("Bulk tag edits".to_string(), Some("/bulk".to_string()))] />
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match draft.await {
                    Err(error) => view! {
                        <div class="mb-4"><PageError error /></div>
                        <SelectionSearch selection=selection() />
                    }.into_any(),
                    Ok(draft) => view! { <Draft draft /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Draft(draft: BulkDraft) -> impl IntoView {
    let preview = ServerAction::<PreviewBulkEdit>::new();
    let error = action_error(preview);
    let too_many = draft.selected > MAX_BULK_ITEMS as u64;
    let by_kind = draft
        .by_kind
        .iter()
        .map(|(kind, n)| view! { <li data-kind=kind.as_str()>{format!("{}: {n}", kind.title())}</li> })
        .collect_view();
    let sample = draft
        .sample
        .iter()
        .map(|(item, name)| view! { <li><a class="underline" href=item.detail_path()>{name.clone()}</a>{format!(" · {}/{}", item.account, item.region)}</li> })
        .collect_view();
    let more = (draft.selected > draft.sample.len() as u64).then(|| {
        view! { <li class="text-slate-500">{format!("and {} more", draft.selected - draft.sample.len() as u64)}</li> }
    });
    let mut rows = draft.suggested.clone();
    let blanks = BLANK_ROWS.min(MAX_OPERATIONS.saturating_sub(rows.len()));
    rows.extend(std::iter::repeat_n(OperationRow::default(), blanks));
    let notes = draft.notes.clone();
    let suggested = (!draft.suggested.is_empty()).then(|| view! {
        <p id="bulk-suggested" class="text-sm text-slate-600 dark:text-slate-400">
            "The operations below fix what these items break; check them, and fill in any empty value."
        </p>
        {notes.into_iter().map(|note| view! { <p data-note="" class="text-sm text-amber-800 dark:text-amber-300">{note}</p> }).collect_view()}
    });
    let posted = draft.selection.clone();
    let form = (draft.can_change && !too_many && draft.selected > 0).then(|| {
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(n, row)| view! { <Row n row error /> })
            .collect_view();
        view! {
            <ActionForm action=preview attr:id="bulk-form" attr:class="space-y-3">
                <CsrfField />
                <SelectionFields selection=posted />
                {suggested}
                <FieldMessage error field="ops" id="bulk-ops-error" />
                <div class="space-y-2">{rows}</div>
                <button type="submit" id="bulk-preview" class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500 disabled:opacity-60" disabled=move || preview.pending().get()>
                    {move || if preview.pending().get() { "Working out the preview…" } else { "Preview the changes" }}
                </button>
                <p class="text-xs text-slate-500">"Nothing is sent to AWS until you confirm the preview."</p>
            </ActionForm>
            <ActionAlert error />
        }
    });
    let why_not = if !draft.can_change {
        Some("Only admins can edit tags in bulk; your account has the viewer role.".to_string())
    } else if too_many {
        Some(format!("The selection holds more than {MAX_BULK_ITEMS} items; narrow the filter (an account, a region, a tag) and edit them in parts."))
    } else if draft.selected == 0 {
        Some("The selection holds no items: change the filter.".to_string())
    } else {
        None
    };
    view! {
        <section class=format!("{CARD} mb-4 max-w-4xl space-y-2")>
            <p id="bulk-selected" data-count=draft.selected.to_string()>
                <span class="font-medium">{draft.described.clone()}</span>
                {format!(": {} {}", if too_many { format!("more than {MAX_BULK_ITEMS}") } else { draft.selected.to_string() }, if draft.selected == 1 { "item" } else { "items" })}
            </p>
            <ul class="text-sm" id="bulk-by-kind">{by_kind}</ul>
            <ul class="text-sm" id="bulk-sample">{sample}{more}</ul>
            {why_not.map(|message| view! { <p role="alert" id="bulk-not-allowed" class="text-sm text-amber-800 dark:text-amber-300">{message}</p> })}
        </section>
        <section class=format!("{CARD} mb-4 max-w-4xl")>
            <h2 class="mb-2 font-semibold">"Operations, applied in order"</h2>
            {form}
        </section>
        <details class="max-w-4xl text-sm">
            <summary class="cursor-pointer">"Select other items"</summary>
            <div class="mt-2"><SelectionSearch selection=draft.selection /></div>
        </details>
    }
}

/// The selection as the preview form posts it.
#[component]
fn SelectionFields(selection: SelectionForm) -> impl IntoView {
    let filter = selection.filter;
    let fields = [
        ("kind", selection.kind),
        ("q", filter.q),
        ("account", filter.account),
        ("region", filter.region),
        ("status", filter.status),
        ("tag", filter.tag),
        ("expires", filter.expires),
        ("rule", selection.rule),
    ]
    .into_iter()
    .map(|(name, value)| view! { <input type="hidden" name=format!("selection[{name}]") value=value /> })
    .collect_view();
    let picks = selection
        .picks
        .into_iter()
        .enumerate()
        .map(|(n, pick)| view! { <input type="hidden" name=format!("selection[picks][{n}]") value=pick /> })
        .collect_view();
    view! { {fields}{picks} }
}

#[component]
fn Row(n: usize, row: OperationRow, error: Signal<Option<AppError>>) -> impl IntoView {
    let id = |field: &str| format!("bulk-op-{n}-{field}");
    let name = |field: &str| format!("ops[{n}][{field}]");
    let field = |part: &str| format!("ops.{n}.{part}");
    let choices = OPERATION_CHOICES
        .into_iter()
        .map(|(value, label)| view! { <option value=value selected=row.op == value>{label}</option> })
        .collect_view();
    // A text part of the operation: a key (at most 128 characters) or a value (256).
    let text = |part: &'static str, label: &'static str, value: String, max: &'static str| {
        view! {
            <div>
                <label for=id(part) class="block text-xs font-medium">{label}</label>
                <input id=id(part) name=name(part) value=value maxlength=max class=INPUT aria-describedby=id(&format!("{part}-error")) />
                <FieldMessage error field=field(part) id=id(&format!("{part}-error")) />
            </div>
        }
    };
    view! {
        <fieldset class="grid gap-2 rounded-md border border-slate-200 p-2 sm:grid-cols-4 dark:border-slate-700" data-row=n.to_string()>
            <legend class="sr-only">{format!("Operation {}", n + 1)}</legend>
            <div>
                <label for=id("op") class="block text-xs font-medium">"Operation"</label>
                <select id=id("op") name=name("op") class=INPUT aria-describedby=id("op-error")>{choices}</select>
                <FieldMessage error field=field("op") id=id("op-error") />
            </div>
            {text("key", "Key", row.key, "128")}
            {text("from", "Current value (Change a value)", row.from, "256")}
            {text("value", "New value (for a rename: new key)", row.value, "256")}
        </fieldset>
    }
}
