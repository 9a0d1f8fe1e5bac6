//! The one showing of a secret AWS returns only at creation (a License Manager token's JWT, a
//! virtual MFA device's seed and QR code). Opening the page changes nothing (a prefetch or a
//! HEAD must not burn the secret); its button reveals it, and the server forgets it then. The
//! form posts to [`REVEAL_PATH`], whose answer is this page rendered with the secret (never
//! stored, so never put into a redirect).

use super::{PageError, PageTitle, CARD};
use crate::{
    components::CsrfField,
    islands::CopyButton,
    model::{AppError, OnceSecret},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const AREA: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm dark:border-slate-600 dark:bg-slate-800";

/// Where the page's form posts.
pub const REVEAL_PATH: &str = "/shown-once";
/// The form field that names the secret.
pub const HANDLE_FIELD: &str = "once";

/// What a plain form's POST revealed, in context for the one render of its answer.
#[derive(Clone)]
pub struct RevealedByForm(pub Result<OnceSecret, AppError>);

#[component]
pub fn ShownOncePage() -> impl IntoView {
    let query = use_query_map();
    let handle = query.read().get(HANDLE_FIELD).unwrap_or_default();
    match use_context::<RevealedByForm>().map(|revealed| revealed.0) {
        Some(Ok(secret)) => view! { <Secret secret /> }.into_any(),
        Some(Err(error)) => {
            view! { <PageTitle title="Already shown" /><PageError error /> }.into_any()
        }
        None => view! { <RevealForm handle /> }.into_any(),
    }
}

/// The button that reveals the secret: a plain post to [`REVEAL_PATH`] (with or without
/// JavaScript), whose answer is the only page that shows it.
#[component]
fn RevealForm(handle: String) -> impl IntoView {
    let action = format!("{REVEAL_PATH}?{HANDLE_FIELD}={handle}");
    view! {
        <PageTitle title="Shown once" />
        <section class=format!("{CARD} max-w-3xl space-y-3")>
            <p>"AWS returned a secret that it never shows again. trustdesk shows it once, when you reveal it, and forgets it then: have somewhere safe to paste it."</p>
            // The handle stays in the address: a reload of the answer asks to post again, and
            // the second post says the secret was shown already.
            <form method="post" action=action>
                <CsrfField />
                <input type="hidden" name=HANDLE_FIELD value=handle />
                <button type="submit" id="reveal-secret" class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Reveal the secret"</button>
            </form>
        </section>
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
            <p class="text-sm"><a id="secret-next" href=secret.next.0 class="text-indigo-700 underline dark:text-indigo-300">{secret.next.1}</a></p>
        </section>
    }
}

#[component]
fn SecretField(id: String, label: String, value: String) -> impl IntoView {
    let rows = (value.len() / 80 + 1).min(8).to_string();
    view! {
        <div>
            <label for=id.clone() class="block text-sm font-medium">{label}</label>
            <textarea id=id.clone() readonly rows=rows class=AREA>{value.clone()}</textarea>
            <div class="mt-1 flex items-center gap-3">
                <CopyButton id=format!("copy-{id}") value />
            </div>
        </div>
    }
}
