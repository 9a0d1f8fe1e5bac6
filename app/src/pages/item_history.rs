//! An item's History card: the audit rows that acted on it, newest first, each leading to the
//! row in full.

use super::CARD;
use crate::{
    api::audit::get_item_history,
    components::{Loaded, LocalTime},
    model::{audit::ITEM_HISTORY_SHOWN, ItemHistory, Outcome, ResourceRef},
};
use leptos::prelude::*;

#[component]
pub fn HistoryCard(item: ResourceRef) -> impl IntoView {
    let read = item.clone();
    let data = Resource::new(move || read.clone(), get_item_history);
    view! {
        <section class=CARD aria-labelledby="history-heading" id="history">
            <h2 id="history-heading" class="mb-2 font-semibold">"History"</h2>
            <Loaded data let:history>
                <HistoryList history item=item.clone() />
            </Loaded>
        </section>
    }
}

#[component]
fn HistoryList(history: ItemHistory, item: ResourceRef) -> impl IntoView {
    if history.entries.is_empty() {
        return view! {
            <p class="text-sm text-slate-600 dark:text-slate-300">
                "Nothing done to it through trustdesk yet: changes made here, and those a sync found made outside, show up in this list."
            </p>
        }
        .into_any();
    }
    let more = (history.total > u64::from(ITEM_HISTORY_SHOWN)).then(|| {
        let all = format!(
            "/audit?{}",
            crate::model::inventory::query_params([
                ("kind", item.kind.as_str()),
                ("account", item.account.as_str()),
            ])
            .join("&")
        );
        view! {
            <p class="mt-2 text-sm">
                {format!("The newest of {} rows about it. ", history.total)}
                <a href=all class="item-link">"The Audit page lists this kind's rows in this account →"</a>
            </p>
        }
    });
    view! {
        <ol class="divide-y divide-slate-100 text-sm dark:divide-slate-800">
            {history.entries.into_iter().map(|entry| {
                let outcome_class = match entry.outcome {
                    Outcome::Ok => "text-emerald-700 dark:text-emerald-400",
                    Outcome::Error => "text-red-700 dark:text-red-400",
                    Outcome::Attempted => "text-amber-700 dark:text-amber-400",
                };
                view! {
                    <li class="flex flex-wrap items-baseline gap-x-3 py-1.5" data-history-row=entry.id.to_string()>
                        <span class="sub whitespace-nowrap"><LocalTime utc=entry.at.clone() /></span>
                        <a href=format!("/audit/{}", entry.id) class="item-link font-mono text-xs">{crate::model::audit::action_name(&entry.action).to_string()}</a>
                        <span class=outcome_class>{entry.outcome.as_str()}</span>
                        <span class="text-slate-700 dark:text-slate-300">{entry.actor.clone()}</span>
                        <span class="sub min-w-0 basis-full break-words">{entry.message.clone()}</span>
                    </li>
                }
            }).collect_view()}
        </ol>
        {more}
    }
    .into_any()
}
