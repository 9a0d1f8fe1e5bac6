//! A long text, pasted or (where the field takes files) read from a file: a labelled textarea
//! (which alone works without JavaScript) and, once the page is hydrated, a file picker that
//! reads the chosen file into the textarea in the browser. The file never goes to the server as
//! a file: the form posts the text.

use crate::components::form::{described_by, invalid};
use crate::{components::FieldMessage, model::AppError};
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
    // Effects run only in the browser, after hydration: without JavaScript the picker is never
    // rendered (a file input in a urlencoded form would post only the file's name).
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let area = NodeRef::<leptos::html::Textarea>::new();
    let read_status = RwSignal::new(String::new());
    let (hint_id, error_id) = (format!("{id}-hint"), format!("{id}-error"));
    let file_id = format!("{id}-file");
    let described_by = described_by(&id, true);
    let invalid = invalid(error, field.clone());
    let on_file = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        if let Some(area) = area.get() {
            read_file_into(&input, area, read_status);
        }
    };
    let picker_label = format!("{label}: read from a file");
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            {accept.map(|accept| view! {
                <Show when=move || hydrated.get()>
                    <div class="mt-1 flex flex-wrap items-center gap-2 text-xs">
                        <label for=file_id.clone() class="text-slate-600 dark:text-slate-400">"Read from a file (or paste below):"</label>
                        <input id=file_id.clone() type="file" accept=accept.clone() aria-label=picker_label.clone() on:change=on_file class="text-xs" />
                        <span role="status" data-read-status="">{move || read_status.get()}</span>
                    </div>
                </Show>
            })}
            <textarea id=id name=name rows=rows.to_string() required=required node_ref=area spellcheck="false"
                aria-invalid=invalid aria-describedby=described_by placeholder=placeholder class=AREA>{value}</textarea>
            <p id=hint_id class="mt-1 text-xs text-slate-500 dark:text-slate-400">{hint}</p>
            <FieldMessage error field id=error_id />
        </div>
    }
}

/// Reads the input's first file as text into the textarea. `files` and its first item are read
/// through `Reflect` (the page's `web-sys` has no `FileList`/`File` bindings; a `File` is a
/// `Blob`, which `FileReader` reads).
fn read_file_into(
    input: &web_sys::HtmlInputElement,
    area: web_sys::HtmlTextAreaElement,
    status: RwSignal<String>,
) {
    use wasm_bindgen::JsCast;
    let file = js_sys::Reflect::get(input, &"files".into())
        .and_then(|files| js_sys::Reflect::get(&files, &0u32.into()));
    let Some(blob) = file.ok().and_then(|f| f.dyn_into::<web_sys::Blob>().ok()) else {
        return;
    };
    let Ok(reader) = web_sys::FileReader::new() else {
        status.set("This browser cannot read files; paste the text instead.".into());
        return;
    };
    status.set("Reading…".into());
    let done = reader.clone();
    let onload = wasm_bindgen::closure::Closure::once_into_js(move || {
        match done.result().ok().and_then(|text| text.as_string()) {
            Some(text) => {
                area.set_value(&text);
                status.set(format!(
                    "Read {} characters from the file.",
                    text.chars().count()
                ));
            }
            None => status.set("The file could not be read as text; paste it instead.".into()),
        }
    });
    reader.set_onload(Some(onload.unchecked_ref()));
    if reader.read_as_text(&blob).is_err() {
        status.set("The file could not be read; paste the text instead.".into());
    }
}
