//! The Tag rules page: the keys every item must carry, their allowed values and spellings.
//! Everyone signed in reads them; admins add and remove them.

use super::{PageTitle, CARD};
use crate::api::tag_rules::{get_tag_rules, AddTagRule, DeleteTagRule};
use crate::components::form::{action_error, action_success};
use crate::components::{ActionAlert, CsrfField, DataTable, FieldMessage, Loaded, ACTIONS};
use crate::model::compliance::{AllowedValues, TagRule, TagRulesPage};
use crate::model::ResourceKind;
use leptos::prelude::*;

const INPUT: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-800";
const TD: &str = "px-3 py-2 align-top";

#[component]
pub fn TagRulesPage() -> impl IntoView {
    let add = ServerAction::<AddTagRule>::new();
    let delete = ServerAction::<DeleteTagRule>::new();
    let delete_error = action_error(delete);
    let data = Resource::new(
        move || (add.version().get(), delete.version().get()),
        |_| get_tag_rules(),
    );
    view! {
        <PageTitle title="Tag rules" />
        <p class="mb-3 max-w-3xl text-sm text-slate-600 dark:text-slate-400">
            "The tags your organisation requires on its trust artifacts: a key that must be present, the values it may have, and spellings that must be this key instead."
        </p>
        <ActionAlert error=delete_error />
        <Loaded data reloads=true let:page>
            <Rules page add delete />
        </Loaded>
    }
    .into_any()
}

#[component]
fn Rules(
    page: TagRulesPage,
    add: ServerAction<AddTagRule>,
    delete: ServerAction<DeleteTagRule>,
) -> impl IntoView {
    let can_edit = page.can_edit;
    let rows = page
        .rules
        .iter()
        .map(|rule| rule_row(rule, can_edit, delete))
        .collect_view();
    let empty = page.rules.is_empty().then_some("No tag rules yet.");
    view! {
        <DataTable id="tag-rules" columns=vec!["Key", "Applies to", "Values", "Other spellings", ACTIONS] empty class="mb-6">
            {rows}
        </DataTable>
        {can_edit.then(|| view! { <NewRule accounts=page.accounts.clone() add /> })}
    }
}

fn rule_row(rule: &TagRule, can_edit: bool, delete: ServerAction<DeleteTagRule>) -> impl IntoView {
    let id = rule.id;
    let required = if rule.required {
        "required"
    } else {
        "optional"
    };
    let values = match &rule.allowed {
        AllowedValues::Any => "any value".to_string(),
        other => other.describe(),
    };
    view! {
        <tr class="border-t border-slate-200 dark:border-slate-800" data-rule=id data-key=rule.key.clone()>
            <td class=TD><span class="font-mono">{rule.key.clone()}</span><div class="text-xs text-slate-500">{required}</div></td>
            <td class=TD>{rule.scope()}</td>
            <td class=TD>{values}</td>
            <td class=format!("{TD} font-mono text-xs")>{rule.spellings.join(", ")}</td>
            <td class=TD>
                {can_edit.then(|| view! {
                    <ActionForm action=delete attr:class="inline">
                        <CsrfField />
                        <input type="hidden" name="id" value=id />
                        <button type="submit" data-delete-rule=id class="text-xs text-red-700 underline dark:text-red-400">"Remove"</button>
                    </ActionForm>
                })}
            </td>
        </tr>
    }
}

#[component]
fn NewRule(accounts: Vec<String>, add: ServerAction<AddTagRule>) -> impl IntoView {
    let error = action_error(add);
    let added = action_success(add, "Rule added.");
    let kinds = ResourceKind::ALL
        .into_iter()
        .filter(|kind| kind.has_tags())
        .map(|kind| kind.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let field = move |name: &'static str, label: &'static str, hint: String, area: bool| {
        let id = format!("rule-{name}");
        let input = if area {
            view! { <textarea id=id.clone() name=format!("rule[{name}]") rows="3" class=INPUT aria-describedby=format!("{id}-error")></textarea> }.into_any()
        } else {
            view! { <input id=id.clone() name=format!("rule[{name}]") class=INPUT aria-describedby=format!("{id}-error") /> }.into_any()
        };
        view! {
            <div>
                <label for=id.clone() class="block text-sm font-medium">{label}</label>
                {input}
                <p class="mt-1 text-xs text-slate-500">{hint}</p>
                <FieldMessage error field=name id=format!("{id}-error") />
            </div>
        }
    };
    view! {
        <section class=format!("{CARD} max-w-3xl")>
            <h2 class="mb-2 font-semibold">"Add a rule"</h2>
            <ActionForm action=add attr:id="rule-form" attr:class="space-y-3">
                <CsrfField />
                {field("key", "Key", "As it must be spelled, e.g. CostCentre.".into(), false)}
                <label class="flex items-center gap-2 text-sm">
                    <input id="rule-required" type="checkbox" name="rule[required]" value="on" checked />
                    "Required: every item it applies to must carry this key"
                </label>
                {field("kinds", "Kinds (empty for every kind with tags)", format!("Comma-separated: {kinds}."), false)}
                {field("accounts", "Accounts (empty for all)", format!("Comma-separated: {}.", accounts.join(", ")), false)}
                <div>
                    <label for="rule-allowed" class="block text-sm font-medium">"Allowed values"</label>
                    <select id="rule-allowed" name="rule[allowed]" class=INPUT>
                        <option value="any">"Any value"</option>
                        <option value="list">"One of a list (one value per line below)"</option>
                        <option value="pattern">"Matching a pattern (below; * is any run of characters, ? any one)"</option>
                    </select>
                    <FieldMessage error field="allowed" id="rule-allowed-error" />
                </div>
                {field("values", "Values or pattern", "For a list, one value per line; for a pattern, e.g. CC-????.".into(), true)}
                {field("spellings", "Other spellings", "Keys that must be this key instead, e.g. costcenter, cost-centre (compared without case).".into(), false)}
                <button type="submit" id="rule-add" class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Add the rule"</button>
            </ActionForm>
            <ActionAlert error success=added />
        </section>
    }
}
