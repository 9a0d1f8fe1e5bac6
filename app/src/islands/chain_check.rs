//! "Verify the hash chain" on the audit page: without JavaScript a plain form that verifies the
//! whole trail in one request; in the browser a walk in chunks, showing how far it got.

use crate::{
    api::audit::VerifyAuditChunk,
    model::{AuditQuery, ChainCursor, ChainReport},
    pages::PageError,
};
use leptos::prelude::*;

/// "Verify the chain": a plain form that verifies the whole trail in one request; with
/// JavaScript the page walks it instead in chunks, showing how far it got.
#[island]
pub fn ChainCheck(query: AuditQuery) -> impl IntoView {
    let chunk = ServerAction::<VerifyAuditChunk>::new();
    // Each answered chunk asks for the next until the walk is done or breaks.
    Effect::new(move |_| {
        if let Some(Ok(progress)) = chunk.value().get() {
            if !progress.done {
                chunk.dispatch(VerifyAuditChunk {
                    cursor: progress.cursor,
                });
            }
        }
    });
    let start = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        chunk.dispatch(VerifyAuditChunk {
            cursor: ChainCursor::default(),
        });
    };
    let hidden = query
        .filters()
        .into_iter()
        .filter(|(_, value)| !value.is_empty())
        .map(|(name, value)| view! { <input type="hidden" name=name value=value.to_string() /> })
        .collect_view();
    let running =
        move || chunk.pending().get() || matches!(chunk.value().get(), Some(Ok(ref p)) if !p.done);
    view! {
        <form method="get" action="/audit" class="mb-3" on:submit=start>
            {hidden}
            <input type="hidden" name="verify" value="1" />
            <button type="submit" id="verify-chain" disabled=running class="rounded-md border border-slate-300 px-3 py-1 text-sm hover:bg-slate-100 disabled:opacity-50 dark:border-slate-600 dark:hover:bg-slate-800">
                "Verify the hash chain"
            </button>
        </form>
        {move || match chunk.value().get() {
            None if chunk.pending().get() => view! {
                <div class="mb-3 text-sm" role="status"><progress id="chain-progress" class="w-64" />" Starting…"</div>
            }.into_any(),
            None => ().into_any(),
            Some(Err(error)) => view! { <PageError error /> }.into_any(),
            Some(Ok(progress)) if !progress.done => {
                let checked = progress.cursor.rows_checked;
                let total = progress.total_rows.max(checked);
                view! {
                    <div class="mb-3 text-sm" role="status">
                        <progress id="chain-progress" class="w-64" max=total.to_string() value=checked.to_string() />
                        {format!(" Checked {checked} of {total} rows…")}
                    </div>
                }.into_any()
            }
            Some(Ok(progress)) => view! { <ChainResult report=progress.report() /> }.into_any(),
        }}
    }
}

#[component]
pub fn ChainResult(report: ChainReport) -> impl IntoView {
    let keyed = match report.keyed_from {
        Some(1) => " Every row is sealed with the audit key (HMAC-SHA256).".to_string(),
        Some(row) => format!(
            " Rows from #{row} on are sealed with the audit key (HMAC-SHA256); the rows before it with plain SHA-256."
        ),
        None => String::new(),
    };
    let rows_checked = report.rows_checked;
    match (&report.first_broken, report.anchor()) {
        (None, Some(anchor)) => view! {
            <div id="chain-status" role="status" class="mb-3 rounded-md border border-emerald-300 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-800 dark:bg-emerald-950 dark:text-emerald-200">
                <p>{format!("Chain intact: {rows_checked} rows checked.{keyed}")}</p>
                <p class="mt-1">
                    "Anchor to keep outside trustdesk (for "<code>"trustdesk audit verify --anchor"</code>"): "
                    <code id="chain-anchor" class="break-all">{anchor.to_string()}</code>
                </p>
            </div>
        }.into_any(),
        (broken, _) => {
            let (id, reason) = broken
                .as_ref()
                .map(|b| (b.id, b.reason.clone()))
                .unwrap_or_default();
            view! {
                <p id="chain-status" role="alert" class="mb-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
                    {format!("Chain broken at row {id}: {reason} ({rows_checked} rows checked).")}
                    " " <a href=format!("/audit/{id}") class="underline">"See the row"</a>
                </p>
            }.into_any()
        }
    }
}
