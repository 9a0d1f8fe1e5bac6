//! Where an alert email's acknowledge and snooze links lead: what the link stands for, and a
//! button that acts. Opening the page changes nothing (mail scanners follow links); only the
//! POST does, once. No sign-in: the signed link is the recipient's proof.

use super::{PageTitle, CARD};
use crate::api::alerts::{get_alert_link, UseAlertLink};
use crate::components::form::{action_error, action_success};
use crate::components::{ActionAlert, CsrfField, Loaded, LocalTime};
use crate::model::alerts::{AlertLinkInfo, SNOOZE_CHOICES};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

#[component]
pub fn AlertLinkPage() -> impl IntoView {
    let query = use_query_map();
    let token = move || query.read().get("token").unwrap_or_default();
    let act = ServerAction::<UseAlertLink>::new();
    let info = Resource::new(token, |token| get_alert_link(token.into()));
    view! {
        <PageTitle title="Expiry notice" />
        <Loaded data=info reloads=true let:info>
            <Confirm info token=token() act />
        </Loaded>
    }
}

#[component]
fn Confirm(info: AlertLinkInfo, token: String, act: ServerAction<UseAlertLink>) -> impl IntoView {
    let error = action_error(act);
    let snooze = info.action == "snooze";
    let done = action_success(
        act,
        if snooze {
            "Snoozed: no notices about this item until the snooze ends."
        } else {
            "Acknowledged: no further notices until its expiry changes."
        },
    );
    let what = if snooze {
        "Snooze the notices about"
    } else {
        "Acknowledge"
    };
    view! {
        <section class=CARD id="alert-link">
            <p class="mb-2">{format!("{what} {} ", info.kind.singular())} <strong>{info.name.clone()}</strong> {format!(" in {}/{}", info.account, info.region)}</p>
            {info.expires_at.clone().map(|at| view! { <p class="mb-2 text-sm">"It expires " <LocalTime utc=at /> "."</p> })}
            <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">{format!("This link was sent to {}.", info.recipient)}</p>
            <ActionForm action=act attr:class="flex flex-wrap items-end gap-3">
                <CsrfField />
                <input type="hidden" name="token" value=token />
                {snooze.then(|| view! {
                    <div>
                        <label for="snooze-days" class="block text-sm font-medium">"For"</label>
                        <select id="snooze-days" name="days" class="mt-1 rounded-md border border-slate-300 bg-white px-2 py-1 text-sm dark:border-slate-600 dark:bg-slate-800">
                            {SNOOZE_CHOICES.into_iter().map(|d| view! { <option value=d selected=d == 7>{format!("{d} days")}</option> }).collect_view()}
                        </select>
                    </div>
                })}
                <button type="submit" id="confirm-link" class="rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500">
                    {if snooze { "Snooze" } else { "Acknowledge" }}
                </button>
            </ActionForm>
            <div class="mt-3"><ActionAlert error success=done /></div>
        </section>
    }
}
