use super::{PageError, PageTitle, CARD};
use crate::{
    api::session::{check_setup_link, CompleteSetup},
    components::{
        form::action_error, ActionAlert, CsrfField, NewPasswordFields, SubmitButton, TextField,
    },
    model::SetupLinkState,
};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The one-time page that creates the first admin, reached through the link the server logs.
#[component]
pub fn SetupPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let state = Resource::new(token, |token| check_setup_link(token.into()));
    let setup = ServerAction::<CompleteSetup>::new();
    let error = action_error(setup);
    view! {
        <div class="mx-auto max-w-md">
            <PageTitle title="Set up trustdesk" />
            <Suspense fallback=|| view! { <p>"Checking the setup link…"</p> }>
                {move || Suspend::new(async move {
                    match state.await {
                        Err(e) => view! { <PageError error=e /> }.into_any(),
                        Ok(SetupLinkState::Done) => view! {
                            <p class=CARD>
                                "trustdesk is already set up. " <a class="underline" href="/login">"Sign in"</a>
                                " with your account; an admin can add more users."
                            </p>
                        }.into_any(),
                        Ok(SetupLinkState::Unusable) => view! {
                            <p role="alert" class=CARD>
                                "This setup link is invalid, has expired (links last one hour) or was already used. "
                                "Restart trustdesk to print a new one, or run "
                                <code>"trustdesk user add NAME --role admin"</code> " on the server."
                            </p>
                        }.into_any(),
                        Ok(SetupLinkState::Usable) => view! {
                            <div class=CARD>
                                <p class="mb-4 text-sm text-slate-600 dark:text-slate-400">
                                    "Create the first admin account. This link works once."
                                </p>
                                <ActionForm action=setup>
                                    <div class="space-y-4">
                                        <ActionAlert error />
                                        <CsrfField />
                                        <input type="hidden" name="token" value=token />
                                        <input type="hidden" name="admin[role]" value="admin" />
                                        <TextField form="setup" name="admin[username]" field="username"
                                            label="Username" autocomplete="username" error
                                            hint="Lower-case letters, digits and . _ - @" />
                                        <NewPasswordFields form="setup" arg="admin" error />
                                        <SubmitButton label="Create admin and sign in" pending=setup.pending() />
                                    </div>
                                </ActionForm>
                            </div>
                        }.into_any(),
                    }
                })}
            </Suspense>
        </div>
    }
}
