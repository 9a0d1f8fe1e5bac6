//! The Tags field of every kind's create form: a textarea of one `Key=Value` per line, its hint
//! and the error of the form's `tags` field.

use crate::{components::FieldMessage, model::AppError};
use leptos::prelude::*;

const AREA: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm aria-[invalid=true]:border-red-600 dark:border-slate-600 dark:bg-slate-800";

#[component]
pub fn TagsField(
    /// The textarea's element id, e.g. `profile-tags`; its hint is `{id}-hint`, its error
    /// `{id}-error`.
    #[prop(into)]
    id: String,
    /// The name the server function expects, e.g. `profile[tags]`.
    #[prop(into)]
    name: String,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(optional, into)] placeholder: Option<String>,
    #[prop(optional, into)] hint: Option<String>,
    #[prop(default = 3)] rows: u32,
) -> impl IntoView {
    let error_id = format!("{id}-error");
    let hint_id = format!("{id}-hint");
    let described_by = if hint.is_some() {
        format!("{hint_id} {error_id}")
    } else {
        error_id.clone()
    };
    let invalid = move || {
        error
            .get()
            .is_some_and(|e| e.field("tags").is_some())
            .to_string()
    };
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">"Tags"</label>
            <textarea id=id name=name rows=rows aria-describedby=described_by aria-invalid=invalid placeholder=placeholder class=AREA></textarea>
            {hint.map(|h| view! { <p id=hint_id class="mt-1 text-xs text-slate-500">{h}</p> })}
            <FieldMessage error field="tags" id=error_id />
        </div>
    }
}
