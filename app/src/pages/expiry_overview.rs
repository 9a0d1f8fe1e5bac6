//! The dashboard's first screen: what expires when, by kind and by account, each count a link
//! to the inventory filtered to exactly those items; the timeline; the ten that expire next.

use super::CARD;
use crate::{
    islands::ExpiryTimeline,
    model::{
        expiry::{ExpiryOverview, UrgencyCounts},
        export::expiry_export_path,
        share::ShareScope,
        ExportFormat, ResourceKind, Urgency, EXPIRY_WINDOWS,
    },
    pages::inventory::Expiry,
};
use leptos::prelude::*;

const CELL: &str = "px-3 py-1.5 text-right tabular-nums";

/// One row of counts; each non-zero count links to `href(urgency)`.
fn count_cells(counts: UrgencyCounts, href: impl Fn(Urgency) -> String) -> impl IntoView {
    Urgency::ALL
        .into_iter()
        .map(|urgency| {
            let n = counts[urgency.index()];
            let cell = if n == 0 {
                view! { <span class="text-slate-500">"0"</span> }.into_any()
            } else {
                view! {
                    <a href=href(urgency) class=format!("font-semibold hover:underline focus-visible:underline {}", urgency.text_class()) data-urgency=urgency.filter()>{n}</a>
                }
                .into_any()
            };
            view! { <td class=CELL>{cell}</td> }
        })
        .collect_view()
}

fn header(first: &'static str) -> AnyView {
    view! {
        <thead class="bg-slate-100 text-xs uppercase text-slate-600 dark:bg-slate-800 dark:text-slate-300">
            <tr>
                <th scope="col" class="px-3 py-1.5 text-left">{first}</th>
                {Urgency::ALL.into_iter().map(|u| view! { <th scope="col" class="px-3 py-1.5 text-right">{u.label()}</th> }).collect_view()}
            </tr>
        </thead>
    }
    .into_any()
}

fn filtered(kind: ResourceKind, account: Option<&str>, urgency: Urgency) -> String {
    match account {
        Some(account) => format!(
            "{}?account={account}&expires={}",
            kind.path(),
            urgency.filter()
        ),
        None => format!("{}?expires={}", kind.path(), urgency.filter()),
    }
}

const SELECT: &str = "mt-1 block rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-800";
const BUTTON: &str = "rounded-md border border-slate-300 px-3 py-1 hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800";

/// The expiry list as a file, all of it or the part the selects pick: a plain GET form whose
/// two buttons each name their format's path, so it works without JavaScript.
#[component]
fn ExportForm(accounts: Vec<String>) -> impl IntoView {
    let select = |name: &'static str,
                  label: &'static str,
                  all: &'static str,
                  options: Vec<(String, String)>| {
        let id = format!("expiry-export-{name}");
        view! {
            <div>
                <label for=id.clone() class="block text-xs font-medium">{label}</label>
                <select id=id name=name class=SELECT>
                    <option value="">{all}</option>
                    {options.into_iter().map(|(value, text)| view! { <option value=value>{text}</option> }).collect_view()}
                </select>
            </div>
        }
    };
    let kinds = ResourceKind::ALL
        .into_iter()
        .filter(|k| k.has_expiry())
        .map(|k| (k.as_str().to_string(), k.title().to_string()))
        .collect();
    let accounts = accounts.into_iter().map(|a| (a.clone(), a)).collect();
    let windows = EXPIRY_WINDOWS
        .into_iter()
        .filter(|(value, _, _)| *value != "none")
        .map(|(value, label, _)| (value.to_string(), label.to_string()))
        .collect();
    view! {
        <form method="get" action=expiry_export_path(ExportFormat::Csv) id="expiry-export" class=format!("{CARD} flex flex-wrap items-end gap-3 text-sm")>
            <h3 class="w-full font-semibold">"Export the expiry list"</h3>
            {select("kind", "Kind", "Every kind", kinds)}
            {select("account", "Account", "Every account", accounts)}
            {select("expires", "Expires", "Any time", windows)}
            {ExportFormat::ALL.into_iter().map(|format| view! {
                <button type="submit" formaction=expiry_export_path(format) class=BUTTON data-export=format.extension()>{format.label()}</button>
            }).collect_view()}
        </form>
    }
}

/// "Renew", for items of the kinds trustdesk renews (a successor's prefilled form, or the
/// section of the item's page that renews it in place).
#[component]
fn RenewLink(item: crate::model::ResourceRef) -> impl IntoView {
    item.renew_href().map(|href| {
        let label = format!("Renew {}", item.id);
        view! { <a href=href class="item-link text-xs" aria-label=label data-renew=item.id.clone()>"Renew"</a> }
    })
}

#[component]
pub fn ExpiryOverviewSection(overview: ExpiryOverview) -> impl IntoView {
    let totals = Urgency::ALL
        .into_iter()
        .map(|urgency| {
            view! {
                <div class=format!("{CARD} text-center") data-total=urgency.filter()>
                    <div class=format!("text-2xl font-semibold {}", urgency.text_class())>{overview.totals[urgency.index()]}</div>
                    <div class="text-xs text-slate-500">{urgency.label()}</div>
                </div>
            }
        })
        .collect_view()
        .into_any();
    let by_kind = overview
        .by_kind
        .iter()
        .map(|row| {
            let kind = row.kind;
            view! {
                <tr class="border-t border-slate-200 dark:border-slate-800" data-kind=kind.as_str()>
                    <th scope="row" class="px-3 py-1.5 text-left font-normal">
                        // The AWS field the date comes from is a tooltip: the row reads as the kind.
                        <a href=kind.path() class="text-indigo-700 hover:underline dark:text-indigo-300"
                            title=kind.expiry_field().map(|f| format!("Expiry from AWS's {f}"))>{kind.title()}</a>
                    </th>
                    {count_cells(row.counts, move |u| filtered(kind, None, u))}
                </tr>
            }
        })
        .collect_view()
        .into_any();
    let by_account = overview
        .by_account
        .iter()
        .map(|account| {
            let name = account.account.clone();
            let kinds = overview
                .by_kind_and_account
                .iter()
                .filter(|row| row.account == name)
                .map(|row| {
                    let (kind, account) = (row.kind, row.account.clone());
                    let scope = format!("{}/{}", kind.as_str(), account);
                    view! {
                        <tr class="border-t border-slate-100 dark:border-slate-800" data-kind-account=scope>
                            <th scope="row" class="px-3 py-1 pl-6 text-left text-xs font-normal">{kind.title()}</th>
                            {count_cells(row.counts, move |u| filtered(kind, Some(&account), u))}
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <tbody data-account=name.clone()>
                    <tr class="border-t border-slate-300 bg-slate-50 dark:border-slate-700 dark:bg-slate-900">
                        <th scope="rowgroup" class="px-3 py-1.5 text-left">{name.clone()}</th>
                        {Urgency::ALL.into_iter().map(|u| view! { <td class=format!("{CELL} font-semibold")>{account.counts[u.index()]}</td> }).collect_view()}
                    </tr>
                    {kinds}
                </tbody>
            }
        })
        .collect_view()
        .into_any();
    let soonest = overview
        .soonest
        .iter()
        .zip(overview.soonest_silenced.iter().cloned().chain(std::iter::repeat(None)))
        .map(|(item, silenced)| {
            let badge = silenced.map(|state| {
                let label = if state == "ack" { "acknowledged" } else { "snoozed" };
                view! { <span class="ml-1 rounded bg-slate-200 px-1.5 py-0.5 text-xs dark:bg-slate-700" data-silenced=state>{label}</span> }
            });
            view! {
                <li class="flex flex-wrap items-baseline justify-between gap-2 border-t border-slate-100 py-1.5 dark:border-slate-800">
                    <span>
                        <a href=item.item.detail_path() class="font-medium text-indigo-700 underline dark:text-indigo-300">{item.name.clone()}</a>
                        <span class="ml-1 text-xs text-slate-500">{format!("{} · {}/{}", item.item.kind.singular(), item.item.account, item.item.region)}</span>
                        {badge}
                    </span>
                    <span class="flex items-baseline gap-3">
                        <RenewLink item=item.item.clone() />
                        <Expiry at=item.expires_at.clone() days=item.expires_in_days />
                    </span>
                </li>
            }
        })
        .collect_view()
        .into_any();
    let needs_action = overview
        .needs_action
        .iter()
        .map(|item| {
            view! {
                <li class="flex flex-wrap items-baseline justify-between gap-2 border-t border-slate-100 py-1.5 dark:border-slate-800" data-needs-action=item.item.id.clone()>
                    <span>
                        <a href=item.item.detail_path() class="item-link">{item.name.clone()}</a>
                        <span class="sub ml-1">{format!("{} · {}/{}", item.item.kind.singular(), item.item.account, item.item.region)}</span>
                    </span>
                    <span class="flex items-baseline gap-3">
                        <RenewLink item=item.item.clone() />
                        <Expiry at=item.expires_at.clone() days=item.expires_in_days />
                    </span>
                </li>
            }
        })
        .collect_view();
    let more = overview
        .needs_action_total
        .saturating_sub(overview.needs_action.len() as u64);
    let needs_action = view! {
        <div class=CARD id="needs-action">
            <h3 class="mb-1 font-semibold">
                "Needs action "
                <span class="rounded bg-red-100 px-1.5 py-0.5 text-sm tabular-nums text-red-800 dark:bg-red-950 dark:text-red-200" id="needs-action-count">{overview.needs_action_total}</span>
            </h3>
            <p class="sub mb-1">"Expired or due within 7 days, and nobody acknowledged or snoozed their notices. Renew or replace them, or acknowledge them on their page."</p>
            {if overview.needs_action.is_empty() {
                view! { <p class="text-sm text-slate-600 dark:text-slate-400">"Nothing needs action."</p> }.into_any()
            } else {
                view! { <ol class="text-sm">{needs_action}</ol> }.into_any()
            }}
            {(more > 0).then(|| view! {
                <p class="sub mt-1">{format!("And {more} more: each kind's are behind its Expired and ≤ 7 days counts ")}<a class="link" href="#expiry-by-kind">"by kind"</a>"."</p>
            })}
        </div>
    };
    let nothing = overview.by_kind.is_empty().then(|| view! {
        <p class="text-sm text-slate-600 dark:text-slate-400">"No dated items are cached yet: the first sync fills this page (see the Sync page)."</p>
    });
    view! {
        <section aria-labelledby="expiry-heading" id="expiry-overview" class="mb-6 space-y-4">
            <div class="flex flex-wrap items-baseline gap-3">
                <h2 id="expiry-heading" class="text-lg font-semibold">"What expires when"</h2>
                <a id="share-expiry" href=ShareScope::Expiry { account: String::new(), expires: "90d".into() }.new_link_path() class="text-sm text-indigo-700 underline dark:text-indigo-300">"Share the expiry list"</a>
            </div>
            {nothing}
            {needs_action}
            <div class="grid grid-cols-2 gap-3 sm:grid-cols-5">{totals}</div>
            <div class=CARD>
                <h3 class="mb-2 font-semibold">"Timeline: the next 26 weeks"</h3>
                <ExpiryTimeline bars=overview.timeline.clone() />
            </div>
            <div class="grid gap-4 lg:grid-cols-2">
                <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                    <table id="expiry-by-kind" class="min-w-full text-sm">
                        <caption class="px-3 py-2 text-left font-semibold">"By kind"</caption>
                        {header("Kind")}
                        <tbody>{by_kind}</tbody>
                    </table>
                </div>
                <div class="overflow-x-auto rounded-lg border border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900">
                    <table id="expiry-by-account" class="min-w-full text-sm">
                        <caption class="px-3 py-2 text-left font-semibold">"By account"</caption>
                        {header("Account")}
                        {by_account}
                    </table>
                </div>
            </div>
            <div class=CARD>
                <h3 class="mb-1 font-semibold">"Expiring next"</h3>
                <ol id="expiring-next" class="text-sm">{soonest}</ol>
                {overview.soonest.is_empty().then(|| view! { <p class="text-sm text-slate-500">"Nothing is due."</p> })}
            </div>
            <ExportForm accounts=overview.by_account.iter().map(|a| a.account.clone()).collect() />
        </section>
    }
    .into_any()
}
