//! What islands read of the server-rendered page around them: a form control's value, followed
//! as it changes. Effects run only in the browser, so the server build compiles these to nothing.

/// Calls `seen` with the value of the form control whose element id is `id`, now and after
/// each `input` or `change` event on it. A control that is not on the page is never seen.
pub fn follow_value(id: &str, seen: impl Fn(String) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{closure::Closure, JsCast};
        let Some(control) = element(id) else {
            return;
        };
        let read = {
            let control = control.clone();
            move || {
                js_sys::Reflect::get(&control, &"value".into())
                    .ok()
                    .and_then(|value| value.as_string())
                    .unwrap_or_default()
            }
        };
        seen(read());
        let seen = std::rc::Rc::new(seen);
        for event in ["input", "change"] {
            let (seen, read) = (seen.clone(), read.clone());
            let listener = Closure::<dyn Fn()>::new(move || seen(read()));
            let _ =
                control.add_event_listener_with_callback(event, listener.as_ref().unchecked_ref());
            // The control lives as long as the page, and so does what listens to it.
            listener.forget();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (id, seen);
}

/// The page's element with this id.
#[cfg(feature = "hydrate")]
pub fn element(id: &str) -> Option<web_sys::Element> {
    web_sys::window()?.document()?.get_element_by_id(id)
}
