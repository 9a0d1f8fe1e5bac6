//! The tag rules a form's tags would break, shown as the admin types: one sentence per
//! violation, in a live region, and never a reason to refuse the submit.

use crate::model::compliance::Violation;
use leptos::prelude::*;

const WARNING: &str = "mt-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200";

#[component]
pub fn RuleWarnings(
    /// The list's element id; it holds `li[data-rule-key]`, one per violation.
    #[prop(into)]
    id: String,
    /// The sentence above the list, e.g. "These tags would break tag rules: …".
    #[prop(into)]
    lead: String,
    #[prop(into)] warnings: Signal<Vec<Violation>>,
) -> impl IntoView {
    view! {
        // Always present, so a screen reader announces the warnings as they appear.
        <div id=id aria-live="polite" data-count=move || warnings.with(Vec::len)>
            {move || {
                let list = warnings.get();
                (!list.is_empty()).then(|| view! {
                    <div class=WARNING>
                        <p class="font-medium">{lead.clone()}</p>
                        <ul class="mt-1 list-disc pl-5">{list.iter().map(violation_item).collect_view()}</ul>
                    </div>
                })
            }}
        </div>
    }
}

/// One violation as a list item that tests and styles can find by the rule's key.
pub fn violation_item(violation: &Violation) -> impl IntoView {
    view! {
        <li data-rule-key=violation.rule_key().to_string() data-violation=violation.code()>
            {violation.describe()}
        </li>
    }
}
