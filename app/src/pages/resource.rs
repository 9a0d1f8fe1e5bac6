//! One AWS item: every safe field, its tags (add, change, remove) and deletion with a
//! confirmation that names it.

use super::{inventory::Expiry, PageError, PageTitle, CARD};
use crate::{
    api::{
        resources::{get_resource, DeleteResource, RemoveResourceTag, SetResourceTag},
        tag_rules::get_tag_rules,
    },
    components::{
        form::{action_error, form_level, FormFn},
        rule_warnings::violation_item,
        ActionAlert, CsrfField, FieldMessage, LocalTime, SubmitButton, TextField,
    },
    islands::{LiveRuleWarnings, TypedTags},
    kinds,
    model::{
        aws_rules::{EC2_TAG_KEY_MAX, TAG_KEY_MAX, TAG_VALUE_MAX},
        compliance::{violations, TagRule, Violation},
        AppError, AwsItem, ResourceKind, ResourceRef, TagRules,
    },
};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ResourcePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let item = move || {
        let p = params.read();
        let get = |k: &str| p.get(k).unwrap_or_default();
        ResourceKind::parse(&get("kind")).map(|kind| ResourceRef {
            kind,
            account: get("account"),
            region: get("region"),
            id: get("id"),
        })
    };
    let just_created = move || query.read().get("created").is_some();
    let set_tag = ServerAction::<SetResourceTag>::new();
    let remove_tag = ServerAction::<RemoveResourceTag>::new();
    let delete = ServerAction::<DeleteResource>::new();
    let data = Resource::new(
        move || (item(), set_tag.version().get(), remove_tag.version().get()),
        |(item, _, _)| async move {
            match item {
                Some(item) => get_resource(item).await,
                None => Err(AppError::not_found("There is no such kind of item.")),
            }
        },
    );
    // Read once per page (not again as the item is re-read), and only for kinds with tags.
    let rules = Resource::new(
        move || item().is_some_and(|item| item.kind.has_tags()),
        |tagged| async move {
            if tagged {
                get_tag_rules().await.map(|page| page.rules)
            } else {
                Ok(Vec::new())
            }
        },
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <PageTitle title="Not found" /><PageError error /> }.into_any(),
                    Ok(resource) => {
                        // Unreadable rules only cost the warnings, never the page.
                        let rules = rules.await.unwrap_or_default();
                        view! { <Detail resource rules just_created=just_created() set_tag remove_tag delete /> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn Detail(
    resource: AwsItem,
    /// The tag rules, for what the item breaks and what a tag edit would break.
    rules: Vec<TagRule>,
    just_created: bool,
    set_tag: ServerAction<SetResourceTag>,
    remove_tag: ServerAction<RemoveResourceTag>,
    delete: ServerAction<DeleteResource>,
) -> impl IntoView {
    let item = resource.item.clone();
    let kind = item.kind;
    let title = format!("{} {}", capitalise(kind.singular()), resource.name);
    let fields = resource
        .fields
        .iter()
        .map(|f| {
            // AWS's dates read as every time on the page does; other values as AWS wrote them.
            let value = if crate::components::time::is_instant(&f.value) {
                view! { <dd data-field=f.label.clone()><LocalTime utc=f.value.clone() /></dd> }.into_any()
            } else {
                view! { <dd class="break-all font-mono text-xs" data-field=f.label.clone()>{f.value.clone()}</dd> }.into_any()
            };
            view! { <dt class="text-slate-500">{f.label.clone()}</dt>{value} }
        })
        .collect_view();
    let own_sections = kinds::detail_sections(resource.clone(), just_created);
    let (main_sections, side_sections) = if kind.info().sections_are_content {
        (Some(own_sections), None)
    } else {
        (None, Some(own_sections))
    };
    let broken = violations(&rules, kind, &item.account, &resource.tags);
    let renew = view! { <super::renewal_links::RenewalCard resource=resource.clone() /> };
    view! {
        <PageTitle title=title trail=super::kind_trail(kind, true) current=resource.name.clone() />
        <p class="mb-4 flex flex-wrap gap-4 text-sm">
            <a id="share-item" href=crate::model::share::ShareScope::Item { item: item.clone() }.new_link_path() class="text-indigo-700 underline dark:text-indigo-300">"Share this item"</a>
        </p>
        {(!broken.is_empty()).then(|| view! { <BrokenRules broken /> })}
        <div class="grid items-start gap-4 lg:grid-cols-3">
            <div class="min-w-0 space-y-4 lg:col-span-2">
            <section class=CARD aria-labelledby="summary-heading">
                <h2 id="summary-heading" class="mb-2 font-semibold">"Details"</h2>
                <dl class="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
                    <dt class="text-slate-500">"ID"</dt><dd class="break-all font-mono text-xs" id="resource-id">{item.id.clone()}</dd>
                    <dt class="text-slate-500">"Account"</dt><dd>{format!("{} ({})", item.account, resource.account_id)}</dd>
                    <dt class="text-slate-500">"Region"</dt><dd>{item.region.clone()}</dd>
                    <dt class="text-slate-500">"Status"</dt><dd id="resource-status">{resource.status.clone()}</dd>
                    {kind.has_expiry().then(|| view! { <dt class="text-slate-500">"Expires"</dt><dd><Expiry at=resource.expires_at.clone() days=resource.expires_in_days /></dd> })}
                    {fields}
                    <dt class="text-slate-500">"Read from AWS"</dt><dd><LocalTime utc=resource.last_seen.clone() /></dd>
                </dl>
            </section>
            {main_sections}
            {kind.has_tags().then(|| view! {
                <section class=CARD aria-labelledby="tags-heading">
                    <h2 id="tags-heading" class="mb-2 font-semibold">"Tags"</h2>
                    <TagEditor resource rules set_tag remove_tag />
                </section>
            }.into_any())}
            <super::item_history::HistoryCard item=item.clone() />
            </div>
            <div class="min-w-0 space-y-4">
                {renew}
                {kind.has_expiry().then(|| view! { <super::notices::NoticesSection item=item.clone() /> })}
                {side_sections}
                <DeleteForm item=item.clone() delete />
            </div>
        </div>
    }
    .into_any()
}

fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Hidden fields naming the item, for every form on the page.
#[component]
pub fn ItemFields(item: ResourceRef) -> impl IntoView {
    view! {
        <input type="hidden" name="item[kind]" value=item.kind.as_str() />
        <input type="hidden" name="item[account]" value=item.account />
        <input type="hidden" name="item[region]" value=item.region />
        <input type="hidden" name="item[id]" value=item.id />
    }
}

/// A form of a kind's own section of the detail page: the CSRF and item fields, the form's own
/// fields (`children`, given the form's error), the error they do not show, and the submit
/// button. The item is read again once it succeeds.
#[component]
pub fn ItemForm<I, F, V>(
    action: ServerAction<I>,
    item: ResourceRef,
    #[prop(into)] submit: String,
    children: F,
) -> impl IntoView
where
    I: FormFn,
    F: FnOnce(Signal<Option<AppError>>) -> V + Send + 'static,
    V: IntoView + 'static,
{
    let error = action_error(action);
    view! {
        <ActionForm action>
            <div class="space-y-2">
                <CsrfField />
                <ItemFields item />
                {children(error)}
                <ActionAlert error=form_level(error) />
                <SubmitButton label=submit pending=action.pending() />
            </div>
        </ActionForm>
    }
}

/// A small form of one button that acts on the item with one value (removes a tag, a client
/// id, a version), as each row of a list on the detail page has.
#[component]
pub fn ItemButton<I>(
    action: ServerAction<I>,
    item: ResourceRef,
    /// The value's name and the value, e.g. `key` and the tag's key.
    name: &'static str,
    #[prop(into)] value: String,
    /// What the button does to what, for screen readers, e.g. `Remove tag Owner`.
    #[prop(into)]
    label: String,
    text: &'static str,
) -> impl IntoView
where
    I: FormFn,
{
    view! {
        <ActionForm action>
            <CsrfField />
            <ItemFields item />
            <input type="hidden" name=name value=value />
            <button type="submit" aria-label=label class="rounded border border-slate-300 px-2 py-0.5 text-xs hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800">{text}</button>
        </ActionForm>
    }
}

/// What the item's tags, as last read, break of the tag rules: computed where the page renders,
/// so a browser without JavaScript sees it after a create or a tag change too.
#[component]
fn BrokenRules(broken: Vec<Violation>) -> impl IntoView {
    view! {
        <section id="tag-rule-warnings" aria-labelledby="tag-rule-warnings-heading" data-count=broken.len()
            class="mb-4 rounded-lg border border-amber-300 bg-amber-50 p-4 text-amber-900 shadow-sm dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
            <h2 id="tag-rule-warnings-heading" class="mb-2 font-semibold">"Tag rules this item breaks"</h2>
            <ul class="list-disc space-y-1 pl-5 text-sm">{broken.iter().map(violation_item).collect_view()}</ul>
            <p class="mt-2 text-xs">
                "Fix its tags below. The " <a href="/compliance" class="underline">"Compliance"</a> " page lists every item that breaks a rule."
            </p>
        </section>
    }
}

#[component]
fn TagEditor(
    resource: AwsItem,
    rules: Vec<TagRule>,
    set_tag: ServerAction<SetResourceTag>,
    remove_tag: ServerAction<RemoveResourceTag>,
) -> impl IntoView {
    let set_error = action_error(set_tag);
    let remove_error = action_error(remove_tag);
    let item = resource.item.clone();
    let syntax = item.kind.tag_rules();
    let key_max = if syntax == TagRules::Ec2 {
        EC2_TAG_KEY_MAX
    } else {
        TAG_KEY_MAX
    };
    let charset = if syntax == TagRules::Iam {
        ". Letters, digits, spaces and _ . : / = + - @ only"
    } else {
        ""
    };
    let key_hint = format!("Up to {key_max} characters, not starting with aws:{charset}");
    let value_hint = format!("Up to {TAG_VALUE_MAX} characters{charset}");
    let typed = TypedTags::One {
        key: "tag-key".into(),
        value: "tag-value".into(),
        account: item.account.clone(),
        tags: resource.tags.clone(),
    };
    let rows = resource
        .tags
        .iter()
        .map(|tag| {
            let label = format!("Remove tag {}", tag.key);
            view! {
                <tr class="border-t border-slate-200 dark:border-slate-800" data-tag=tag.key.clone()>
                    <td class="px-2 py-1 font-medium">{tag.key.clone()}</td>
                    <td class="px-2 py-1">{tag.value.clone()}</td>
                    <td class="px-2 py-1 text-right">
                        <ItemButton action=remove_tag item=item.clone() name="key" value=tag.key.clone() label text="Remove" />
                    </td>
                </tr>
            }
        })
        .collect_view();
    let empty = resource.tags.is_empty().then(
        || view! { <tr><td colspan="3" class="px-2 py-2 text-slate-500">"No tags."</td></tr> },
    );
    view! {
        <div class="space-y-3">
            <ActionAlert error=remove_error />
            <div class="relative overflow-x-auto" tabindex="0">
            <table class="min-w-full text-left text-sm" id="tags">
                <thead class="text-xs uppercase text-slate-500"><tr><th class="px-2 py-1">"Key"</th><th class="px-2 py-1">"Value"</th><th><span class="sr-only">"Actions"</span></th></tr></thead>
                <tbody>{rows}{empty}</tbody>
            </table>
            </div>
            <ActionForm action=set_tag>
                <div class="grid items-start gap-2 sm:grid-cols-[1fr_1fr_auto]">
                    <CsrfField />
                    <ItemFields item=item.clone() />
                    <TextField form="tag" name="key" field="key" label="Key" error=set_error hint=key_hint />
                    <TextField form="tag" name="value" field="value" label="Value" error=set_error required=false hint=value_hint />
                    <div class="pt-6"><SubmitButton label="Set tag" pending=set_tag.pending() /></div>
                </div>
                <LiveRuleWarnings id="tag-edit-warnings".to_string() kind=item.kind rules typed
                    lead="Setting this tag would break tag rules. You can still set it.".to_string() />
                <div class="mt-2"><ActionAlert error=form_level(set_error) /></div>
            </ActionForm>
        </div>
    }
}

#[component]
fn DeleteForm(item: ResourceRef, delete: ServerAction<DeleteResource>) -> impl IntoView {
    let error = action_error(delete);
    let heading = format!("Delete this {}", item.kind.singular());
    let hint = format!(
        "Type {} to confirm. AWS deletes it at once; this cannot be undone.",
        item.id
    );
    view! {
        <section id="danger-zone" class="rounded-lg border border-red-300 bg-white p-4 shadow-sm dark:border-red-900 dark:bg-slate-900" aria-labelledby="delete-heading">
            <p class="mb-1 text-xs font-semibold tracking-wide text-red-800 uppercase dark:text-red-300">"Danger zone"</p>
            <h2 id="delete-heading" class="mb-2 font-semibold text-red-800 dark:text-red-300">{heading}</h2>
            <ActionForm action=delete>
                <div class="space-y-2">
                    <ActionAlert error=form_level(error) />
                    <CsrfField />
                    <ItemFields item=item.clone() />
                    <label for="delete-confirm" class="block text-sm">{hint}</label>
                    <input id="delete-confirm" name="confirm" autocomplete="off" aria-describedby="delete-confirm-error"
                        class="block w-full rounded-md border border-slate-300 bg-white px-2 py-1 font-mono text-xs dark:border-slate-600 dark:bg-slate-800" />
                    <FieldMessage error field="confirm" id="delete-confirm-error" />
                    <SubmitButton label="Delete" pending=delete.pending() danger=true />
                </div>
            </ActionForm>
        </section>
    }
}
