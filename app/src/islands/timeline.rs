//! The expiry timeline: a server-rendered SVG bar chart of the expired and of each week of the
//! next half year. Each bar carries a text alternative (its `<title>`, and a table for screen
//! readers), so it reads without JavaScript; with JavaScript, pointing at a bar (or focusing it)
//! lists its items below the chart.

use crate::model::expiry::{TimelineBar, Urgency, TIMELINE_ITEMS_PER_BAR};
use leptos::prelude::*;

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 160.0;
const AXIS: f64 = 22.0;
const BAR_GAP: f64 = 3.0;

/// What a bar covers, in words.
fn bar_label(bar: &TimelineBar) -> String {
    match (bar.from_day, bar.until_day) {
        (Some(from), Some(until)) => format!("in {from}–{} days", until - 1),
        _ => "already expired".to_string(),
    }
}

fn bar_urgency(bar: &TimelineBar) -> Urgency {
    match bar.from_day {
        None => Urgency::Expired,
        Some(from) => Urgency::of_seconds(from * 86_400),
    }
}

fn bar_title(bar: &TimelineBar) -> String {
    let names: Vec<&str> = bar.items.iter().map(|i| i.name.as_str()).collect();
    let more = bar.count.saturating_sub(bar.items.len() as u64);
    let mut title = format!(
        "{} {}: {}",
        bar.count,
        if bar.count == 1 { "item" } else { "items" },
        bar_label(bar)
    );
    if !names.is_empty() {
        title.push_str(" — ");
        title.push_str(&names.join(", "));
    }
    if more > 0 {
        title.push_str(&format!(" and {more} more"));
    }
    title
}

#[island]
pub fn ExpiryTimeline(bars: Vec<TimelineBar>) -> impl IntoView {
    let selected = RwSignal::new(None::<usize>);
    let max = bars.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    let slot = WIDTH / bars.len().max(1) as f64;
    let plot = HEIGHT - AXIS;
    let rects = bars
        .iter()
        .enumerate()
        .map(|(index, bar)| {
            let height = if bar.count == 0 { 0.0 } else { (bar.count as f64 / max * (plot - 14.0)).max(2.0) };
            let x = index as f64 * slot + BAR_GAP / 2.0;
            let y = plot - height;
            let fill = bar_urgency(bar).fill();
            let title = bar_title(bar);
            let label = title.clone();
            view! {
                <g
                    tabindex="0"
                    role="listitem"
                    aria-label=label
                    data-bar=index
                    data-count=bar.count
                    class="cursor-pointer outline-none focus:opacity-80"
                    on:mouseenter=move |_| selected.set(Some(index))
                    on:focus=move |_| selected.set(Some(index))
                >
                    <title>{title}</title>
                    // A full-height hit area, so that short bars are easy to point at.
                    <rect x=format!("{x:.1}") y="0" width=format!("{:.1}", slot - BAR_GAP) height=format!("{plot:.1}") fill="transparent" />
                    <rect x=format!("{x:.1}") y=format!("{y:.1}") width=format!("{:.1}", slot - BAR_GAP) height=format!("{height:.1}") fill=fill rx="2" />
                    {(bar.count > 0).then(|| view! {
                        <text x=format!("{:.1}", x + (slot - BAR_GAP) / 2.0) y=format!("{:.1}", y - 3.0) text-anchor="middle" font-size="10" fill="currentColor">{bar.count}</text>
                    })}
                </g>
            }
        })
        .collect_view()
        .into_any();
    let ticks = bars
        .iter()
        .enumerate()
        // "expired" under the first bar, then every fourth week (a label at "now" would run
        // into "expired").
        .filter(|(index, bar)| *index == 0 || bar.from_day.is_some_and(|d| d > 0 && d % 28 == 0))
        .map(|(index, bar)| {
            let label = match bar.from_day {
                None => "expired".to_string(),
                Some(day) => format!("+{} w", day / 7),
            };
            view! {
                <text x=format!("{:.1}", index as f64 * slot + 2.0) y=format!("{:.1}", HEIGHT - 6.0) font-size="10" fill="currentColor">{label}</text>
            }
        })
        .collect_view();
    let alternative = bars
        .iter()
        .map(|bar| view! { <tr><td>{bar_label(bar)}</td><td>{bar.count}</td></tr> })
        .collect_view();
    let details = bars.clone();
    view! {
        <figure class="text-slate-700 dark:text-slate-300">
            // A phone scrolls the chart sideways rather than shrinking its labels past reading.
            <div class="relative overflow-x-auto" tabindex="0">
            <svg
                id="expiry-timeline"
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                class="h-auto w-full min-w-[38rem]"
                role="list"
                aria-label="Expiries: the expired, then each week of the next 26 weeks"
                on:mouseleave=move |_| selected.set(None)
            >
                <line x1="0" x2=format!("{WIDTH}") y1=format!("{plot:.1}") y2=format!("{plot:.1}") stroke="currentColor" stroke-opacity="0.3" />
                {rects}
                {ticks}
            </svg>
            </div>
            <figcaption class="mt-1 text-xs text-slate-500">
                "The first bar is what has already expired; each other bar is one week. Point at a bar (or move to it with Tab) to list its items."
            </figcaption>
            <table class="sr-only">
                <caption>"Expiries per week"</caption>
                <thead><tr><th scope="col">"When"</th><th scope="col">"Items"</th></tr></thead>
                <tbody>{alternative}</tbody>
            </table>
            <div id="timeline-items" aria-live="polite" class="mt-2 min-h-6 text-sm">
                {move || selected.get().and_then(|index| details.get(index).cloned()).map(|bar| {
                    let more = bar.count.saturating_sub(bar.items.len() as u64);
                    view! {
                        <p class="font-semibold">{format!("{} {}", bar.count, bar_label(&bar))}</p>
                        <ul class="ml-5 list-disc">
                            {bar.items.into_iter().map(|item| view! {
                                <li>
                                    <a href=item.path class="text-indigo-700 underline dark:text-indigo-300">{item.name}</a>
                                    {format!(" · {} · {}", item.kind.singular(), item.account)}
                                </li>
                            }).collect_view()}
                        </ul>
                        {(more > 0).then(|| view! { <p class="text-xs text-slate-500">{format!("and {more} more (the first {TIMELINE_ITEMS_PER_BAR} are listed)")}</p> })}
                    }
                })}
            </div>
        </figure>
    }
    // Erased: the chart's view type is deep enough to overflow rustc's query depth in release.
    .into_any()
}
