//! A file picker beside a long text field (SAML metadata, a certificate): it reads the chosen
//! file into the textarea in the browser. The file never goes to the server as a file: the form
//! posts the text. Without JavaScript there is no picker (a file input in a urlencoded form would
//! post only the file's name), and the text is pasted.

use leptos::prelude::*;

#[island]
pub fn FilePicker(
    /// The textarea's element id; the picker is `{area}-file`.
    area: String,
    /// The file types offered, e.g. `.xml,application/xml`.
    accept: String,
    /// The field's label, for the picker's accessible name.
    label: String,
) -> impl IntoView {
    // Effects run only in the browser: the server renders no picker.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let read_status = RwSignal::new(String::new());
    let file_id = format!("{area}-file");
    let on_file = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let input: web_sys::HtmlInputElement = event_target(&ev);
            if let Some(area) = super::dom::element(&area)
                .and_then(|area| area.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
            {
                read_file_into(&input, area, read_status);
            }
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (ev, &area);
    };
    let picker_label = format!("{label}: read from a file");
    view! {
        <Show when=move || hydrated.get()>
            <div class="mt-1 flex flex-wrap items-center gap-2 text-xs">
                <label for=file_id.clone() class="text-slate-600 dark:text-slate-400">"Read from a file (or paste below):"</label>
                <input id=file_id.clone() type="file" accept=accept.clone() aria-label=picker_label.clone() on:change=on_file.clone() class="text-xs" />
                <span role="status" data-read-status="">{move || read_status.get()}</span>
            </div>
        </Show>
    }
}

/// Reads the input's first file as text into the textarea. `files` and its first item are read
/// through `Reflect` (the page's `web-sys` has no `FileList`/`File` bindings; a `File` is a
/// `Blob`, which `FileReader` reads).
#[cfg(feature = "hydrate")]
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
