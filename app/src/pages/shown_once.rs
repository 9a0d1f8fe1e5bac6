//! The one showing of a secret AWS returns only at creation (a License Manager token's JWT, a
//! virtual MFA device's seed and QR code). Opening the page changes nothing (a prefetch or a
//! HEAD must not burn the secret); its button reveals it, and the server forgets it then.
//! Hydrated, the button calls the server function; without JavaScript the form posts to
//! [`REVEAL_PATH`], whose answer is this page rendered with the secret (never stored, so never
//! put into a redirect).

use super::{PageError, PageTitle, CARD};
use crate::{
    api::resources::TakeShownOnce,
    components::{use_csrf_token, CsrfField},
    islands::CopyButton,
    model::{AppError, OnceSecret},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const AREA: &str = "mt-1 block w-full rounded-md border border-slate-300 bg-white px-3 py-2 font-mono text-sm dark:border-slate-600 dark:bg-slate-800";

/// Where the page's form posts without JavaScript.
pub const REVEAL_PATH: &str = "/shown-once";
/// The form field that names the secret.
pub const HANDLE_FIELD: &str = "once";

/// What a plain form's POST revealed, in context for the one render of its answer.
#[derive(Clone)]
pub struct RevealedByForm(pub Result<OnceSecret, AppError>);

type Revealed = Option<Result<OnceSecret, AppError>>;

#[component]
pub fn ShownOncePage() -> impl IntoView {
    let query = use_query_map();
    let handle = move || query.read().get(HANDLE_FIELD).unwrap_or_default();
    let by_form: Revealed = use_context::<RevealedByForm>().map(|revealed| revealed.0);
    // A resource, so that what the server revealed travels to the hydrating browser in this
    // same answer (on a navigation in the browser there is none).
    let by_form = Resource::new(
        || (),
        move |_| {
            let by_form = by_form.clone();
            async move { by_form }
        },
    );
    let reveal = ServerAction::<TakeShownOnce>::new();
    view! {
        <Suspense fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let by_form = by_form.await;
                view! { <Reveal handle=handle() by_form reveal /> }
            })}
        </Suspense>
    }
}

#[component]
fn Reveal(handle: String, by_form: Revealed, reveal: ServerAction<TakeShownOnce>) -> impl IntoView {
    move || match reveal.value().get().or_else(|| by_form.clone()) {
        Some(Ok(secret)) => view! { <Secret secret /> }.into_any(),
        Some(Err(error)) => {
            view! { <PageTitle title="Already shown" /><PageError error /> }.into_any()
        }
        None => view! { <RevealForm handle=handle.clone() reveal /> }.into_any(),
    }
}

#[component]
fn RevealForm(handle: String, reveal: ServerAction<TakeShownOnce>) -> impl IntoView {
    let csrf = use_csrf_token();
    let action = format!("{REVEAL_PATH}?{HANDLE_FIELD}={handle}");
    let submit = {
        let handle = handle.clone();
        move |event: leptos::ev::SubmitEvent| {
            event.prevent_default();
            reveal.dispatch(TakeShownOnce {
                _csrf: csrf.get(),
                once: handle.clone().into(),
            });
        }
    };
    view! {
        <PageTitle title="Shown once" />
        <section class=format!("{CARD} max-w-3xl space-y-3")>
            <p>"AWS returned a secret that it never shows again. trustdesk shows it once, when you reveal it, and forgets it then: have somewhere safe to paste it."</p>
            // The handle stays in the address: a reload of the answer asks to post again, and
            // the second post says the secret was shown already.
            <form method="post" action=action on:submit=submit>
                <CsrfField />
                <input type="hidden" name=HANDLE_FIELD value=handle />
                <button type="submit" id="reveal-secret" disabled=move || reveal.pending().get() class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Reveal the secret"</button>
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
