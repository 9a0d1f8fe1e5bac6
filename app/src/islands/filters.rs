//! Filter forms (`<form method="get" data-live-filter>`) applied as they change: a choice made
//! in a select, a box ticked, a text field left or confirmed loads the view it asks for, with
//! no Apply to press. Either way (this, or the form's own submit without JavaScript) the URL
//! carries only the fields given a value (the server sends a plain submit's URL on to that
//! same address), so that a view has one address to share or bookmark.

use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{Event, HtmlFormElement};

/// Marks a GET form whose changes apply at once.
pub const LIVE_FILTER: &str = "data-live-filter";

/// Listens for changes and submissions of live filter forms on the page, once.
pub fn apply_filters_as_they_change(document: &web_sys::Document) {
    for event_name in ["change", "submit"] {
        let listener = Closure::<dyn Fn(Event)>::new(move |event: Event| {
            let Some(form) = form_of(&event) else {
                return;
            };
            event.prevent_default();
            if let (Some(url), Some(window)) = (filtered_url(&form), web_sys::window()) {
                let _ = window.location().assign(&url);
            }
        });
        let _ = document
            .add_event_listener_with_callback(event_name, listener.as_ref().unchecked_ref());
        listener.forget();
    }
}

/// The live filter form the event happened in (the form itself, or one of its controls).
fn form_of(event: &Event) -> Option<HtmlFormElement> {
    let target: web_sys::Element = event.target()?.dyn_into().ok()?;
    let form: HtmlFormElement = target
        .closest(&format!("form[{LIVE_FILTER}]"))
        .ok()??
        .dyn_into()
        .ok()?;
    Some(form)
}

/// The form's action with the fields given a value, as the browser would encode them.
fn filtered_url(form: &HtmlFormElement) -> Option<String> {
    let data = web_sys::FormData::new_with_form(form).ok()?;
    let params = web_sys::UrlSearchParams::new().ok()?;
    let entries = js_sys::try_iter(&data).ok()??;
    for entry in entries {
        let pair: js_sys::Array = entry.ok()?.dyn_into().ok()?;
        let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string()) else {
            continue;
        };
        if !value.trim().is_empty() {
            params.append(&name, &value);
        }
    }
    let action = form.get_attribute("action").unwrap_or_default();
    let query = String::from(params.to_string());
    Some(if query.is_empty() {
        action
    } else {
        format!("{action}?{query}")
    })
}
