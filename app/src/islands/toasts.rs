//! A change's notice as a toast: with JavaScript it floats at the corner of the screen over the
//! page, with a Dismiss button (Escape too); without, it stays at the top of the page.

use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{Element, HtmlElement};

/// Marks the notice.
pub const TOAST: &str = "data-toast";
/// Marks its (hidden until JavaScript runs) Dismiss button.
pub const DISMISS: &str = "data-toast-dismiss";

/// Floats the page's notice, if it has one, and makes its Dismiss button work.
pub fn float_notices(document: &web_sys::Document) {
    let Ok(Some(toast)) = document.query_selector(&format!("[{TOAST}]")) else {
        return;
    };
    let _ = toast.class_list().add_1("toast-floating");
    let Ok(Some(button)) = toast.query_selector(&format!("[{DISMISS}]")) else {
        return;
    };
    let _ = button.remove_attribute("hidden");
    let shown = toast.clone();
    let dismiss = Closure::<dyn Fn()>::new(move || dismiss(&shown));
    let _ = button.add_event_listener_with_callback("click", dismiss.as_ref().unchecked_ref());
    dismiss.forget();
}

fn dismiss(toast: &Element) {
    toast.remove();
}

/// Dismisses the notice (Escape's part).
pub fn dismiss_notices(document: &web_sys::Document) {
    if let Ok(Some(toast)) = document.query_selector(&format!("[{TOAST}].toast-floating")) {
        if toast.contains(
            document
                .active_element()
                .as_ref()
                .map(|e| e.unchecked_ref::<web_sys::Node>()),
        ) {
            if let Some(main) = document
                .get_element_by_id("main")
                .and_then(|main| main.dyn_into::<HtmlElement>().ok())
            {
                let _ = main.focus();
            }
        }
        dismiss(&toast);
    }
}
