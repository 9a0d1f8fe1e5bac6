//! The tag rules a form's tags would break, shown as the admin types (never a reason to refuse
//! the submit). The rules arrive with the page; the typing is read from the form's own fields.

use super::dom::follow_value;
use crate::components::RuleWarnings;
use crate::model::{
    compliance::{TagRule, Violation},
    tag_warnings::{create_warnings, set_tag_warnings, target_account},
    ResourceKind, Tag,
};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// Where the tags being typed are, by the element ids of the form's controls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TypedTags {
    /// A create form: its tags textarea (one `Key=Value` a line) and the control holding the
    /// `account/region…` the item is made in. Nothing warns before the tags are touched.
    New { tags: String, target: String },
    /// The tag editor of an item in `account` that has `tags`: the key and value inputs.
    One {
        key: String,
        value: String,
        account: String,
        tags: Vec<Tag>,
    },
}

#[island]
pub fn LiveRuleWarnings(
    /// The list's element id; it holds `li[data-rule-key]`, one per violation.
    id: String,
    /// The sentence above the list.
    lead: String,
    kind: ResourceKind,
    rules: Vec<TagRule>,
    typed: TypedTags,
) -> impl IntoView {
    let warnings = RwSignal::new(Vec::<Violation>::new());
    Effect::new(move |_| match typed.clone() {
        TypedTags::New { tags, target } => {
            let (text, touched, account) = (
                RwSignal::new(String::new()),
                RwSignal::new(false),
                RwSignal::new(String::new()),
            );
            let rules = rules.clone();
            let update = move || {
                if touched.get_untracked() {
                    warnings.set(create_warnings(
                        &rules,
                        kind,
                        &account.get_untracked(),
                        &text.get_untracked(),
                    ));
                }
            };
            let (on_target, on_text) = (update.clone(), update);
            follow_value(&target, move |value| {
                account.set(target_account(&value).to_string());
                on_target();
            });
            follow_value(&tags, move |value| {
                touched.set(touched.get_untracked() || !value.is_empty());
                text.set(value);
                on_text();
            });
        }
        TypedTags::One {
            key,
            value,
            account,
            tags,
        } => {
            let (typed_key, typed_value) =
                (RwSignal::new(String::new()), RwSignal::new(String::new()));
            let rules = rules.clone();
            let update = move || {
                warnings.set(set_tag_warnings(
                    &rules,
                    kind,
                    &account,
                    &tags,
                    &typed_key.get_untracked(),
                    &typed_value.get_untracked(),
                ))
            };
            let (on_key, on_value) = (update.clone(), update);
            follow_value(&key, move |typed| {
                typed_key.set(typed);
                on_key();
            });
            follow_value(&value, move |typed| {
                typed_value.set(typed);
                on_value();
            });
        }
    });
    view! { <RuleWarnings id lead warnings /> }
}
