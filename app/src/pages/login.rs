use super::{PageTitle, CARD};
use crate::{
    api::session::{get_setup_needed, get_sign_in_options, Login},
    components::{form::action_error, ActionAlert, CsrfField, SubmitButton, TextField},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// `next` as a query value.
fn url_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_string());
    let login = ServerAction::<Login>::new();
    let error = action_error(login);
    // Its own resource: the session resource is read by the header alone (see Shell).
    let setup_needed = Resource::new(|| (), |_| get_setup_needed());
    let options = Resource::new(|| (), |_| get_sign_in_options());
    let sso = move || {
        Suspend::new(async move {
            let options = options.await.unwrap_or_default();
            let start = format!("/auth/sso/start?next={}", url_escape(&next()));
            let button = options.sso_button.map(|label| view! {
                <a id="sso-sign-in" href=start class="mb-4 block rounded-md bg-indigo-600 px-3 py-2 text-center text-sm font-semibold text-white hover:bg-indigo-500">{label}</a>
            });
            let limited = options.break_glass_only.then(|| view! {
                <p class="mb-4 text-sm text-slate-600 dark:text-slate-400" id="break-glass-note">
                    "Passwords are for the break-glass admin only; everyone else signs in above."
                </p>
            });
            view! { {button} {limited} }
        })
    };
    view! {
        <div class="mx-auto max-w-sm">
            <PageTitle title="Sign in" />
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    setup_needed
                        .await
                        .unwrap_or(false)
                        .then(|| {
                            view! {
                                <p class="mb-4 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-200">
                                    "trustdesk has no admin yet. Open the one-time setup link that the server printed to its log, or run "
                                    <code>"trustdesk user add NAME --role admin"</code> " on the server."
                                </p>
                            }
                        })
                })}
            </Suspense>
            <Suspense fallback=|| ()>{sso}</Suspense>
            <div class=CARD>
                <ActionForm action=login>
                    <div class="space-y-4">
                        <ActionAlert error />
                        <CsrfField />
                        <input type="hidden" name="next" value=next />
                        <TextField
                            form="login"
                            name="username"
                            field="username"
                            label="Username"
                            autocomplete="username"
                            error
                        />
                        <TextField
                            form="login"
                            name="password"
                            field="password"
                            label="Password"
                            input_type="password"
                            autocomplete="current-password"
                            error
                        />
                        <SubmitButton label="Sign in" pending=login.pending() />
                    </div>
                </ActionForm>
            </div>
        </div>
    }
}
