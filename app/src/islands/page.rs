//! What every page gains in a browser, from one island in the page's frame (one island instead
//! of one per row or form keeps a page's HTML small): instants in the viewer's time zone, forms
//! sent from the page so that a refusal keeps what was typed, filters applied as they change, and
//! the keyboard's shortcuts (`/` to search, Escape to close a menu).

use leptos::prelude::*;

/// Marks an instant the server wrote in UTC (`<time datetime=… data-local>`), for
/// [`PageEnhancements`] to show in the viewer's time zone.
pub const LOCAL_TIME: &str = "data-local";

#[island]
pub fn PageEnhancements() -> impl IntoView {
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        {
            show_local_times();
            if let Some(document) = web_sys::window().and_then(|window| window.document()) {
                super::forms::send_forms_from_the_page(&document);
                super::filters::apply_filters_as_they_change(&document);
                super::keys::listen_for_shortcuts(&document);
                super::toasts::float_notices(&document);
            }
        }
    });
}

/// Rewrites every marked `<time>` in the viewer's time zone; its `datetime` keeps the instant.
#[cfg(feature = "hydrate")]
fn show_local_times() {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let Ok(times) = document.query_selector_all(&format!("time[{LOCAL_TIME}]")) else {
        return;
    };
    for index in 0..times.length() {
        let Some(time) = times.item(index) else {
            continue;
        };
        let element: &web_sys::Element = wasm_bindgen::JsCast::unchecked_ref(&time);
        if let Some(local) = element
            .get_attribute("datetime")
            .and_then(|utc| crate::components::time::local_display(&utc))
        {
            time.set_text_content(Some(&local));
        }
    }
}
