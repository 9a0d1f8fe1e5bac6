//! The Tags field of every kind's create form: a textarea of one `Key=Value` per line, its hint,
//! the error of the form's `tags` field, and the tag rules the tags would break in the account
//! the form has chosen (warnings: the form submits regardless).

use crate::{
    api::tag_rules::get_tag_rules,
    api::tag_rules::get_tag_suggestions,
    components::{
        form::{described_by, invalid},
        FieldMessage,
    },
    islands::{LiveRuleWarnings, TagRows, TypedTags},
    model::{
        compliance::{AllowedValues, KeySuggestion, TagRule, TagSuggestions},
        AppError, ResourceKind,
    },
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
    let suggestions = Resource::new(|| (), move |_| get_tag_suggestions(kind));
    let textarea = id.clone();
    let value = super::prefilled(&name).unwrap_or_default();
    let typed = TypedTags::New {
        tags: id.clone(),
        target: target_control.get_untracked(),
    };
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">"Tags"</label>
            <textarea id=id name=name rows=rows aria-describedby=described_by aria-invalid=invalid placeholder=placeholder class=AREA>{value}</textarea>
            {hint.map(|h| view! { <p id=hint_id class="mt-1 text-xs text-slate-500">{h}</p> })}
            <FieldMessage error field="tags" id=error_id />
            <Suspense fallback=|| ()>
                {move || {
                    let (rules_id, typed, textarea) = (rules_id.clone(), typed.clone(), textarea.clone());
                    Suspend::new(async move {
                        // Unreadable rules or suggestions only cost the help, never the form.
                        let rules = rules.await.map(|page| page.rules).unwrap_or_default();
                        let used = suggestions.await.unwrap_or_default();
                        let (required, suggestions) = suggest(&rules, kind, used);
                        view! {
                            <TagRows textarea required suggestions />
                            <LiveRuleWarnings id=rules_id kind rules typed
                                lead="These tags would break tag rules. You can still create it; its page will list what it breaks.".to_string() />
                        }
                    })
                }}
            </Suspense>
        </div>
    }
}

/// The keys the rules that apply to `kind` require, and the keys to suggest: the rules' first
/// (with the values they allow), then those the kind's items use (with their values).
fn suggest(
    rules: &[TagRule],
    kind: ResourceKind,
    used: TagSuggestions,
) -> (Vec<String>, TagSuggestions) {
    let applying: Vec<&TagRule> = rules
        .iter()
        .filter(|rule| rule.kinds.is_empty() || rule.kinds.contains(&kind))
        .collect();
    let mut required: Vec<String> = Vec::new();
    let mut keys: Vec<KeySuggestion> = Vec::new();
    for rule in applying {
        if rule.required && !required.contains(&rule.key) {
            required.push(rule.key.clone());
        }
        let allowed = match &rule.allowed {
            AllowedValues::List(values) => values.clone(),
            _ => Vec::new(),
        };
        match keys.iter_mut().find(|k| k.key == rule.key) {
            Some(key) => key.values.extend(allowed),
            None => keys.push(KeySuggestion {
                key: rule.key.clone(),
                values: allowed,
            }),
        }
    }
    for mut key in used.keys {
        match keys.iter_mut().find(|k| k.key == key.key) {
            Some(known) => {
                key.values.retain(|value| !known.values.contains(value));
                known.values.extend(key.values);
            }
            None => keys.push(key),
        }
    }
    (required, TagSuggestions { keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        key: &str,
        kinds: Vec<ResourceKind>,
        required: bool,
        allowed: AllowedValues,
    ) -> TagRule {
        TagRule {
            id: 1,
            key: key.into(),
            kinds,
            accounts: Vec::new(),
            required,
            allowed,
            spellings: Vec::new(),
        }
    }

    #[test]
    fn the_rules_keys_come_first_with_their_values_then_the_keys_in_use() {
        let rules = vec![
            rule(
                "Team",
                vec![],
                true,
                AllowedValues::List(vec!["web".into(), "data".into()]),
            ),
            rule(
                "Owner",
                vec![ResourceKind::SamlProvider],
                true,
                AllowedValues::Any,
            ),
            rule(
                "CostCentre",
                vec![],
                false,
                AllowedValues::Pattern("CC-*".into()),
            ),
        ];
        let used = TagSuggestions {
            keys: vec![
                KeySuggestion {
                    key: "Env".into(),
                    values: vec!["prod".into()],
                },
                KeySuggestion {
                    key: "Team".into(),
                    values: vec!["web".into(), "ops".into()],
                },
            ],
        };
        let (required, suggested) = suggest(&rules, ResourceKind::ServerCertificate, used);
        assert_eq!(required, ["Team"], "the Owner rule is for SAML providers");
        let keys: Vec<&str> = suggested.keys.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(keys, ["Team", "CostCentre", "Env"]);
        assert_eq!(suggested.keys[0].values, ["web", "data", "ops"]);
    }
}
