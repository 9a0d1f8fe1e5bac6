//! The Compliance page: for each tag rule, the cached items that break it, counted by kind and
//! account, each count a link to that inventory, and the first items with what to fix; every
//! breaking item, not only the first, as a CSV from the header's link.

use super::{PageTitle, CARD};
use crate::{
    api::tag_rules::get_compliance,
    components::Loaded,
    model::{
        compliance::RuleCompliance, export::COMPLIANCE_EXPORT_PATH, resource::encode_segment,
        ExportFormat, ResourceKind,
    },
};
use leptos::prelude::*;

#[component]
pub fn CompliancePage() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_compliance());
    view! {
        <PageTitle title="Compliance" />
        <div class="mb-4 flex max-w-3xl flex-wrap items-baseline gap-3 text-sm">
            <p class="text-slate-600 dark:text-slate-400">
                "Items in trustdesk's cache that break a " <a class="underline" href="/tag-rules">"tag rule"</a> ", as of each kind's last sync."
            </p>
            // A file, not a page: the router must leave it to the browser.
            <a id="compliance-fix-all" class="rounded-md bg-indigo-600 px-3 py-1.5 font-semibold text-white hover:bg-indigo-500" href="/bulk/new?rule=all">"Fix everything with one bulk edit"</a>
            <a id="compliance-export" class="ml-auto text-indigo-700 underline dark:text-indigo-300" href=COMPLIANCE_EXPORT_PATH rel="external">{ExportFormat::Csv.label()}</a>
        </div>
        <Loaded data let:report>
            {if report.is_empty() {
                view! {
                    <p id="compliance-empty">"No tag rules yet: add one on the " <a class="underline" href="/tag-rules">"Tag rules"</a> " page."</p>
                }.into_any()
            } else {
                report.into_iter().map(|rule| view! { <Rule rule /> }).collect_view().into_any()
            }}
        </Loaded>
    }
    .into_any()
}

fn inventory_link(kind: ResourceKind, account: &str) -> String {
    format!("{}?account={}", kind.path(), encode_segment(account))
}

#[component]
fn Rule(rule: RuleCompliance) -> impl IntoView {
    let key = rule.rule.key.clone();
    let counts = rule
        .counts
        .iter()
        .map(|(kind, account, n)| {
            view! {
                <li data-kind=kind.as_str() data-account=account.clone()>
                    <a class="text-indigo-700 underline dark:text-indigo-300" href=inventory_link(*kind, account)>{format!("{} in {account}", kind.title())}</a>
                    {format!(": {n}")}
                </li>
            }
        })
        .collect_view();
    let items = rule
        .items
        .iter()
        .map(|item| {
            view! {
                <li class="border-t border-slate-100 py-1.5 dark:border-slate-800" data-id=item.item.id.clone()>
                    <a class="font-medium text-indigo-700 underline dark:text-indigo-300" href=item.item.detail_path()>{item.name.clone()}</a>
                    <span class="ml-1 text-xs text-slate-500">{format!("{} · {}/{}", item.item.kind.singular(), item.item.account, item.item.region)}</span>
                    <div class="text-sm">{item.violations.join(" ")}</div>
                </li>
            }
        })
        .collect_view();
    let more = (rule.total > rule.items.len() as i64).then(|| {
        view! { <p class="text-xs text-slate-500">{format!("The first {} of {} are listed.", rule.items.len(), rule.total)}</p> }
    });
    let fix = (rule.total > 0).then(|| {
        view! {
            <a class="rounded-md border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800" data-fix=rule.rule.id.to_string() href=format!("/bulk/new?rule={}", rule.rule.id)>"Fix with bulk edit"</a>
        }
    });
    let state = if rule.total == 0 {
        view! { <span class="font-semibold text-emerald-700 dark:text-emerald-400">"Every item complies."</span> }.into_any()
    } else {
        view! { <span class="font-semibold text-red-700 dark:text-red-400">{format!("{} items break it.", rule.total)}</span> }.into_any()
    };
    view! {
        <section class=format!("{CARD} mb-4") data-rule=rule.rule.id data-total=rule.total.to_string()>
            <h2 class="font-semibold"><span class="font-mono">{key}</span>" · " {rule.rule.scope()}</h2>
            <p class="mb-2 flex flex-wrap items-center gap-3 text-sm">{state}{fix}</p>
            <ul class="mb-2 text-sm">{counts}</ul>
            <ol class="text-sm">{items}</ol>
            {more}
        </section>
    }
}
