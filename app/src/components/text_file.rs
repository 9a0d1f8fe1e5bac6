//! A long text, pasted or (where the field takes files) read from a file: a labelled textarea
//! (which alone works without JavaScript) and, in a browser, a [`FilePicker`] that reads the
//! chosen file into it.

use crate::components::form::{described_by, invalid};
use crate::{components::FieldMessage, islands::FilePicker, model::AppError};
use leptos::prelude::*;

const AREA: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-xs aria-[invalid=true]:border-red-600 dark:border-slate-600 dark:bg-slate-800";

#[component]
pub fn TextFileField(
    /// The textarea's element id; the picker is `{id}-file`, the error `{id}-error`.
    #[prop(into)]
    id: String,
    /// The name the server function expects, e.g. `provider[metadata]`.
    #[prop(into)]
    name: String,
    /// The field name in validation errors.
    #[prop(into)]
    field: String,
    #[prop(into)] label: String,
    #[prop(into)] error: Signal<Option<AppError>>,
    #[prop(into)] hint: String,
    /// The file types the picker offers, e.g. `.xml,application/xml`; without them, no picker
    /// (lines to type, e.g. one value per line).
    #[prop(optional, into)]
    accept: Option<String>,
    #[prop(default = 6)] rows: u32,
    #[prop(default = true)] required: bool,
    #[prop(optional, into)] placeholder: Option<String>,
    /// What it holds when the page opens.
    #[prop(optional, into)]
    value: String,
) -> impl IntoView {
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let value = if value.is_empty() {
        super::prefilled(&name).unwrap_or_default()
    } else {
        value
    };
    let described_by = described_by(&id, true);
    let invalid = invalid(error, field.clone());
    let picker =
        accept.map(|accept| view! { <FilePicker area=id.clone() accept label=label.clone() /> });
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            {picker}
            <textarea id=id name=name rows=rows.to_string() required=required spellcheck="false"
                aria-invalid=invalid aria-describedby=described_by placeholder=placeholder class=AREA>{value}</textarea>
            <p id=hint_id class="mt-1 text-xs text-slate-500 dark:text-slate-400">{hint}</p>
            <FieldMessage error field id=error_id />
        </div>
    }
}
