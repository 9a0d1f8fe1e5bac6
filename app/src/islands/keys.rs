//! The keyboard's shortcuts on every page: `/` goes to the search across every kind, Escape
//! closes the open drawer or menu (a `<details data-closes-on-escape>`) and gives the focus back
//! to what opened it.

use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{Element, HtmlElement, KeyboardEvent};

/// Marks a `<details>` that Escape closes.
pub const CLOSES_ON_ESCAPE: &str = "data-closes-on-escape";
/// Marks the search field `/` focuses.
pub const SEARCH_SHORTCUT: &str = "data-search-shortcut";

/// Listens for the shortcuts on the page, once.
pub fn listen_for_shortcuts(document: &web_sys::Document) {
    let page = document.clone();
    let listener = Closure::<dyn Fn(KeyboardEvent)>::new(move |event: KeyboardEvent| {
        if event.ctrl_key() || event.meta_key() || event.alt_key() {
            return;
        }
        match event.key().as_str() {
            "/" if !typing_in_a_field(&event) => {
                if let Some(search) = page
                    .query_selector(&format!("[{SEARCH_SHORTCUT}]"))
                    .ok()
                    .flatten()
                    .and_then(|field| field.dyn_into::<HtmlElement>().ok())
                {
                    event.prevent_default();
                    let _ = search.focus();
                }
            }
            "Escape" => {
                close_open_menus(&page);
                super::toasts::dismiss_notices(&page);
            }
            _ => {}
        }
    });
    let _ = document.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
    listener.forget();
}

/// A `/` typed into a field is text, not a shortcut.
fn typing_in_a_field(event: &KeyboardEvent) -> bool {
    let Some(target) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return false;
    };
    matches!(target.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
        || target.get_attribute("contenteditable").is_some()
}

fn close_open_menus(document: &web_sys::Document) {
    let Ok(open) = document.query_selector_all(&format!("details[{CLOSES_ON_ESCAPE}][open]"))
    else {
        return;
    };
    for index in 0..open.length() {
        let Some(details) = open
            .item(index)
            .and_then(|node| node.dyn_into::<web_sys::HtmlDetailsElement>().ok())
        else {
            continue;
        };
        details.set_open(false);
        if let Some(summary) = details
            .query_selector("summary")
            .ok()
            .flatten()
            .and_then(|summary| summary.dyn_into::<HtmlElement>().ok())
        {
            let _ = summary.focus();
        }
    }
}
