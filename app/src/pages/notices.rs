//! An item's expiry notices on its page: whether they are acknowledged or snoozed, and the
//! buttons that change that (admins; each change audited).

use super::CARD;
use crate::{
    api::alerts::{get_silence, SetSilence},
    components::{form::action_error, ActionAlert, CsrfField, LocalTime},
    model::{alerts::SNOOZE_CHOICES, ResourceRef},
};
use leptos::prelude::*;

#[component]
pub fn NoticesSection(item: ResourceRef) -> impl IntoView {
    let set = ServerAction::<SetSilence>::new();
    let error = action_error(set);
    let lookup = item.clone();
    let silence = Resource::new(
        move || set.version().get(),
        move |_| get_silence(lookup.clone()),
    );
    let hidden = move |item: &ResourceRef| {
        view! {
            <input type="hidden" name="item[kind]" value=item.kind.as_str() />
            <input type="hidden" name="item[account]" value=item.account.clone() />
            <input type="hidden" name="item[region]" value=item.region.clone() />
            <input type="hidden" name="item[id]" value=item.id.clone() />
        }
    };
    let (for_ack, for_snooze, for_clear) = (hidden(&item), hidden(&item), hidden(&item));
    let button = "rounded-md border border-slate-300 px-2 py-1 text-sm hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800";
    view! {
        <section class=CARD aria-labelledby="notices-heading" id="notices">
            <h2 id="notices-heading" class="mb-2 font-semibold">"Expiry notices"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match silence.await {
                        Ok(Some(s)) if s.state == "ack" => view! {
                            <p id="silence" data-state="ack" class="mb-2 text-sm">{format!("Acknowledged by {} on ", s.by)} <LocalTime utc=s.at /> ": no notices until the expiry changes."</p>
                        }.into_any(),
                        Ok(Some(s)) => view! {
                            <p id="silence" data-state="snooze" class="mb-2 text-sm">{format!("Snoozed by {} until ", s.by)} <LocalTime utc=s.until.unwrap_or_default() /> "."</p>
                        }.into_any(),
                        Ok(None) => view! { <p id="silence" data-state="none" class="mb-2 text-sm">"Owners are notified as the expiry nears (see Alerts)."</p> }.into_any(),
                        Err(error) => view! { <p class="mb-2 text-sm text-red-700 dark:text-red-400">{error.message}</p> }.into_any(),
                    }
                })}
            </Transition>
            <div class="flex flex-wrap items-end gap-2">
                <ActionForm action=set>
                    <CsrfField />
                    {for_ack}
                    <input type="hidden" name="action" value="ack" />
                    <button type="submit" id="acknowledge" class=button>"Acknowledge"</button>
                </ActionForm>
                <ActionForm action=set attr:class="flex items-end gap-1">
                    <CsrfField />
                    {for_snooze}
                    <input type="hidden" name="action" value="snooze" />
                    <select name="days" aria-label="Snooze for" class="rounded-md border border-slate-300 bg-white px-1 py-1 text-sm dark:border-slate-600 dark:bg-slate-800">
                        {SNOOZE_CHOICES.into_iter().map(|d| view! { <option value=d selected=d == 7>{format!("{d} days")}</option> }).collect_view()}
                    </select>
                    <button type="submit" id="snooze" class=button>"Snooze"</button>
                </ActionForm>
                <ActionForm action=set>
                    <CsrfField />
                    {for_clear}
                    <input type="hidden" name="action" value="clear" />
                    <button type="submit" id="resume-notices" class=button>"Resume notices"</button>
                </ActionForm>
            </div>
            <div class="mt-2"><ActionAlert error /></div>
        </section>
    }
}
