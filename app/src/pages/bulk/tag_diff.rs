//! An item's tags before and after a bulk edit, as one line of chips: kept, added, changed,
//! removed.

use crate::model::Tag;
use leptos::prelude::*;

const CHIP: &str = "mr-1 mb-1 inline-block rounded px-1.5 py-0.5 text-xs";

#[component]
pub fn TagDiff(before: Vec<Tag>, after: Vec<Tag>) -> impl IntoView {
    let mut chips = Vec::new();
    for tag in &before {
        match after.iter().find(|t| t.key == tag.key) {
            Some(now) if now.value == tag.value => chips.push(view! {
                <span class=format!("{CHIP} bg-slate-100 text-slate-600 dark:bg-slate-800 dark:text-slate-300") data-tag="kept">
                    {format!("{}={}", tag.key, tag.value)}
                </span>
            }.into_any()),
            Some(now) => chips.push(view! {
                <span class=format!("{CHIP} bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200") data-tag="changed">
                    {format!("{}: {} → {}", tag.key, tag.value, now.value)}
                </span>
            }.into_any()),
            None => chips.push(view! {
                <span class=format!("{CHIP} bg-red-100 text-red-900 line-through dark:bg-red-950 dark:text-red-200") data-tag="removed">
                    {format!("{}={}", tag.key, tag.value)}
                </span>
            }.into_any()),
        }
    }
    for tag in after
        .iter()
        .filter(|t| !before.iter().any(|b| b.key == t.key))
    {
        chips.push(view! {
            <span class=format!("{CHIP} bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200") data-tag="added">
                {format!("+{}={}", tag.key, tag.value)}
            </span>
        }.into_any());
    }
    if chips.is_empty() {
        chips.push(view! { <span class="text-xs text-slate-500">"no tags"</span> }.into_any());
    }
    chips.collect_view()
}
