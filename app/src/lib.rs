//! trustdesk's user interface. Compiled twice: natively with `ssr` for the server, and to wasm
//! with `hydrate` for the browser.

pub mod api;
pub mod app;
pub mod components;
pub mod kinds;
pub mod model;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ports;

pub use app::{shell, App, PUBLIC_PAGES};

#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // A marker for end-to-end tests and for anyone debugging: the page is interactive now.
    if let Some(window) = web_sys::window() {
        use wasm_bindgen::JsCast;
        // When, in milliseconds since the navigation started: the end-to-end suite prints it as
        // the first page's time to interactive.
        let performance = js_sys::Reflect::get(&window, &"performance".into()).ok();
        let now = performance.as_ref().and_then(|performance| {
            js_sys::Reflect::get(performance, &"now".into())
                .ok()?
                .dyn_into::<js_sys::Function>()
                .ok()?
                .call0(performance)
                .ok()
        });
        if let Some(now) = now {
            let _ = js_sys::Reflect::set(&window, &"__trustdeskHydratedAt".into(), &now);
        }
        let _ = js_sys::Reflect::set(&window, &"__trustdeskHydrated".into(), &true.into());
    }
}
