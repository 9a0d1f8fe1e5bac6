//! An item's expiry notices on its page: whether they are acknowledged or snoozed, and the
//! buttons that change that (admins; each change audited).

use super::resource::ItemFields;
use crate::api::alerts::{get_silence, SetSilence};
use crate::components::{form::action_error, ActionAlert, Card, CsrfField, LocalTime};
use crate::model::{alerts::SNOOZE_CHOICES, ResourceRef};
use leptos::prelude::*;

const BUTTON: &str = "rounded-md border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800";

#[component]
pub fn NoticesSection(item: ResourceRef) -> impl IntoView {
    let set = ServerAction::<SetSilence>::new();
    let error = action_error(set);
    let lookup = item.clone();
    let silence = Resource::new(
        move || set.version().get(),
        move |_| get_silence(lookup.clone()),
    );
    // A form of one button that sets the silence to `action`.
    let one_button =
        move |item: ResourceRef, action: &'static str, id: &'static str, label: &'static str| {
            view! {
                <ActionForm action=set>
                    <CsrfField />
                    <ItemFields item />
                    <input type="hidden" name="action" value=action />
                    <button type="submit" id=id class=BUTTON>{label}</button>
                </ActionForm>
            }
        };
    let snooze = move |item: ResourceRef| {
        view! {
            <ActionForm action=set attr:class="flex items-end gap-1">
                <CsrfField />
                <ItemFields item />
                <input type="hidden" name="action" value="snooze" />
                <select name="days" aria-label="Snooze for" class="rounded-md border border-slate-300 bg-white px-1 py-1 text-sm dark:border-slate-600 dark:bg-slate-800">
                    {SNOOZE_CHOICES.into_iter().map(|d| view! { <option value=d selected=d == 7>{format!("{d} days")}</option> }).collect_view()}
                </select>
                <button type="submit" id="snooze" class=BUTTON>"Snooze"</button>
            </ActionForm>
        }
    };
    // Only what applies to the notices' state: silence them while they run; once acknowledged,
    // resume them; once snoozed, resume them now, acknowledge for good or snooze for longer.
    view! {
        <Card heading_id="notices-heading" title="Expiry notices" id="notices">
            <Transition fallback=|| ()>
                {move || {
                    let item = item.clone();
                    Suspend::new(async move {
                        match silence.await {
                            Ok(Some(s)) if s.state == "ack" => view! {
                                <p id="silence" data-state="ack" class="mb-2 text-sm">{format!("Acknowledged by {} on ", s.by)} <LocalTime utc=s.at /> ": no notices until the expiry changes."</p>
                                <div class="flex flex-wrap items-end gap-2">
                                    {one_button(item.clone(), "clear", "resume-notices", "Resume notices")}
                                </div>
                            }.into_any(),
                            Ok(Some(s)) => view! {
                                <p id="silence" data-state="snooze" class="mb-2 text-sm">{format!("Snoozed by {} until ", s.by)} <LocalTime utc=s.until.unwrap_or_default() /> "."</p>
                                <div class="flex flex-wrap items-end gap-2">
                                    {one_button(item.clone(), "clear", "resume-notices", "Resume notices")}
                                    {one_button(item.clone(), "ack", "acknowledge", "Acknowledge")}
                                    {snooze(item.clone())}
                                </div>
                            }.into_any(),
                            Ok(None) => view! {
                                <p id="silence" data-state="none" class="mb-2 text-sm">"Owners are notified as the expiry nears (see Alerts)."</p>
                                <div class="flex flex-wrap items-end gap-2">
                                    {one_button(item.clone(), "ack", "acknowledge", "Acknowledge")}
                                    {snooze(item.clone())}
                                </div>
                            }.into_any(),
                            // Unread, the state is unknown: what silences them is still offered.
                            Err(error) => view! {
                                <p class="mb-2 text-sm text-red-700 dark:text-red-400">{error.message}</p>
                                <div class="flex flex-wrap items-end gap-2">
                                    {one_button(item.clone(), "ack", "acknowledge", "Acknowledge")}
                                    {snooze(item.clone())}
                                </div>
                            }.into_any(),
                        }
                    })
                }}
            </Transition>
            <div class="mt-2"><ActionAlert error /></div>
        </Card>
    }
}
