//! The one showing of a secret AWS returns only at creation (a License Manager token's JWT, a
//! virtual MFA device's seed and QR code). Reading it forgets it on the server.

use super::{PageError, PageTitle, CARD};
use crate::{api::resources::take_shown_once, model::OnceSecret};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const AREA: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm dark:border-slate-600 dark:bg-slate-800";

#[component]
pub fn ShownOncePage() -> impl IntoView {
    let query = use_query_map();
    let handle = move || query.read().get("once").unwrap_or_default();
    let shown = Resource::new(handle, |handle| take_shown_once(handle.into()));
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match shown.await {
                    Err(error) => view! { <PageTitle title="Already shown" /><PageError error /> }.into_any(),
                    Ok(secret) => view! { <Secret secret /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Secret(secret: OnceSecret) -> impl IntoView {
    let values = secret
        .values
        .into_iter()
        .map(|v| view! { <SecretField id=v.id label=v.label value=v.value /> })
        .collect_view();
    let image = secret.image_png_base64.map(|png| {
        view! { <img id="secret-image" class="h-56 w-56 rounded border border-slate-200 bg-white p-2" alt="QR code to scan with an authenticator app" src=format!("data:image/png;base64,{png}") /> }
    });
    view! {
        <PageTitle title=secret.title />
        <section class=format!("{CARD} max-w-3xl space-y-3")>
            <p role="alert" class="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
                {secret.warning}
            </p>
            {image}
            {values}
            <p class="text-sm"><a id="secret-item" href=secret.item.detail_path() class="text-indigo-700 underline dark:text-indigo-300">"See the item's details"</a></p>
        </section>
    }
}

#[component]
fn SecretField(id: String, label: String, value: String) -> impl IntoView {
    let (copied, set_copied) = signal(false);
    let copy = {
        let value = value.clone();
        move |_| {
            #[cfg(feature = "hydrate")]
            if let Some(window) = web_sys::window() {
                let _ = window.navigator().clipboard().write_text(&value);
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = &value;
            set_copied.set(true);
        }
    };
    let rows = (value.len() / 80 + 1).min(8).to_string();
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <textarea id=id.clone() readonly rows=rows class=AREA>{value}</textarea>
            <div class="mt-1 flex items-center gap-3">
                <button type="button" id=format!("copy-{id}") on:click=copy class="rounded-md bg-indigo-600 px-3 py-1.5 text-sm font-semibold text-white hover:bg-indigo-500">"Copy to clipboard"</button>
                {move || copied.get().then(|| view! { <span role="status" class="text-sm text-emerald-700">"Copied."</span> })}
            </div>
        </div>
    }
}
