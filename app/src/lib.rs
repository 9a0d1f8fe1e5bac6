//! trustdesk's user interface. Compiled twice: natively with `ssr` for the server, which renders
//! every page, and to wasm with `hydrate` for the browser, which runs only the [`islands`].

pub mod api;
pub mod app;
pub mod components;
pub mod islands;
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
    leptos::mount::hydrate_islands();
    // Leptos' island script hydrates the page's islands right after this returns, within the
    // same task: a timer's callback runs once they are all done.
    leptos::prelude::set_timeout(mark_interactive, std::time::Duration::ZERO);
}

/// A marker for end-to-end tests and for anyone debugging: the page is interactive now.
#[cfg(feature = "hydrate")]
fn mark_interactive() {
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
