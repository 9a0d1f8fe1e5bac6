//! Copying a value shown on the page (a secret shown once, a new share link) to the clipboard.

use leptos::prelude::*;

/// "Copy to clipboard" for `value`, and "Copied." once it was. Without JavaScript the value
/// stays selectable where the page shows it.
#[island]
pub fn CopyButton(
    /// The button's element id.
    #[prop(into)]
    id: String,
    value: String,
) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let copy = move |_| {
        #[cfg(feature = "hydrate")]
        if let Some(window) = web_sys::window() {
            let _ = window.navigator().clipboard().write_text(&value);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = &value;
        set_copied.set(true);
    };
    view! {
        <button type="button" id=id on:click=copy class="btn-primary">"Copy to clipboard"</button>
        {move || copied.get().then(|| view! { <span role="status" class="text-sm text-emerald-700">"Copied."</span> })}
    }
}
