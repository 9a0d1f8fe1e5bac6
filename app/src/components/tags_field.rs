//! The Tags field of every kind's create form: a textarea of one `Key=Value` per line, its hint,
//! the error of the form's `tags` field, and the tag rules the tags would break in the account
//! the form has chosen (warnings: the form submits regardless).

use crate::{
    api::tag_rules::get_tag_rules,
    components::{
        form::{described_by, invalid},
        FieldMessage,
    },
    islands::{LiveRuleWarnings, TypedTags},
    model::{AppError, ResourceKind},
};
use leptos::prelude::*;

const AREA: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm aria-[invalid=true]:border-red-600 dark:border-slate-600 dark:bg-slate-800";

#[component]
pub fn TagsField(
    /// The textarea's element id, e.g. `profile-tags`; its hint is `{id}-hint`, its error
    /// `{id}-error`, the rules it would break `{id}-rules`.
    #[prop(into)]
    id: String,
    /// The name the server function expects, e.g. `profile[tags]`.
    #[prop(into)]
    name: String,
    #[prop(into)] error: Signal<Option<AppError>>,
    /// The kind the form creates, for the rules that apply to it.
    kind: ResourceKind,
    /// The element id of the form's control holding the chosen target (`account/region…`), for
    /// the rules of its account.
    #[prop(into)]
    target_control: Signal<String>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(default = 3)] rows: u32,
) -> impl IntoView {
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let rules_id = format!("{id}-rules");
    let described_by = described_by(&id, hint.is_some());
    let invalid = invalid(error, "tags".into());
    // Once per create page; everyone signed in may read the rules.
    let rules = Resource::new(|| (), |_| get_tag_rules());
    let typed = TypedTags::New {
        tags: id.clone(),
        target: target_control.get_untracked(),
    };
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">"Tags"</label>
            <textarea id=id name=name rows=rows aria-describedby=described_by aria-invalid=invalid placeholder=placeholder class=AREA></textarea>
            {hint.map(|h| view! { <p id=hint_id class="mt-1 text-xs text-slate-500">{h}</p> })}
            <FieldMessage error field="tags" id=error_id />
            <Suspense fallback=|| ()>
                {move || {
                    let (rules_id, typed) = (rules_id.clone(), typed.clone());
                    Suspend::new(async move {
                        // Unreadable rules only cost the warnings, never the form.
                        let rules = rules.await.map(|page| page.rules).unwrap_or_default();
                        view! {
                            <LiveRuleWarnings id=rules_id kind rules typed
                                lead="These tags would break tag rules. You can still create it; its page will list what it breaks.".to_string() />
                        }
                    })
                }}
            </Suspense>
        </div>
    }
}
