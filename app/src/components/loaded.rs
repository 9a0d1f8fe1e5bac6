//! What a page shows of a resource it loads: "Loading…", then the loaded value's view, or the
//! error's.

use crate::{model::AppError, pages::PageError};
use leptos::prelude::*;
use serde::{de::DeserializeOwned, Serialize};

/// `children` given what `data` loaded, or the page's error. Where `data` loads again after
/// the page's actions (`reloads`), the last value stays shown meanwhile (a `Transition`).
#[component]
pub fn Loaded<T, F, V>(
    data: Resource<Result<T, AppError>>,
    #[prop(optional)] reloads: bool,
    /// Shown while it loads; "Loading…" by default.
    #[prop(optional, into)]
    loading: Option<ViewFn>,
    children: F,
) -> impl IntoView
where
    T: Clone + Serialize + DeserializeOwned + Send + Sync + 'static,
    F: Fn(T) -> V + Clone + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let loading = loading.unwrap_or_else(|| ViewFn::from(|| view! { <p>"Loading…"</p> }));
    let fallback = move || loading.run();
    let content = move || {
        let children = children.clone();
        Suspend::new(async move {
            match data.await {
                Err(error) => view! { <PageError error /> }.into_any(),
                Ok(value) => children(value).into_any(),
            }
        })
    };
    if reloads {
        view! { <Transition fallback>{content}</Transition> }.into_any()
    } else {
        view! { <Suspense fallback>{content}</Suspense> }.into_any()
    }
}
