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
                open_drawers_the_stylesheet_cannot(&document);
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

/// Browsers without `::details-content` (before Chrome 131, Firefox 143, Safari 18.4) cannot
/// show a closed `<details>`' content from the stylesheet: on a screen wide enough for the
/// sidebar and the inventory's filters, their drawers open instead.
#[cfg(feature = "hydrate")]
fn open_drawers_the_stylesheet_cannot(document: &web_sys::Document) {
    use wasm_bindgen::{JsCast, JsValue};
    let Some(window) = web_sys::window() else {
        return;
    };
    let call = |target: &JsValue, method: &str, argument: &str| -> Option<JsValue> {
        let function: js_sys::Function = js_sys::Reflect::get(target, &method.into())
            .ok()?
            .dyn_into()
            .ok()?;
        function.call1(target, &argument.into()).ok()
    };
    let css = js_sys::Reflect::get(&window, &"CSS".into()).unwrap_or(JsValue::UNDEFINED);
    if call(&css, "supports", "selector(::details-content)").and_then(|v| v.as_bool()) == Some(true)
    {
        return;
    }
    for (selector, width) in [(".nav-drawer", "64rem"), (".filters-drawer", "40rem")] {
        let wide = call(&window, "matchMedia", &format!("(min-width: {width})"))
            .and_then(|list| js_sys::Reflect::get(&list, &"matches".into()).ok())
            .and_then(|matches| matches.as_bool())
            .unwrap_or(false);
        if let (true, Ok(Some(details))) = (wide, document.query_selector(selector)) {
            let _ = details.set_attribute("open", "");
        }
    }
}
