use super::{PageTitle, CARD};
use crate::{
    api::session::{get_setup_needed, Login},
    components::{form::action_error, ActionAlert, CsrfField, SubmitButton, TextField},
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let next = move || query.read().get("next").unwrap_or_else(|| "/".to_string());
    let login = ServerAction::<Login>::new();
    let error = action_error(login);
    // Its own resource: the session resource is read by the header alone (see Shell).
    let setup_needed = Resource::new(|| (), |_| get_setup_needed());
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
