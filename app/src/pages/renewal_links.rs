//! An item's renewal: the Renew button of an expiring item, and the links a renewal made
//! through trustdesk leaves ("renews" / "renewed by"), with the offer to retire the renewed
//! item (delete it now, or leave it to expire) on its successor's page.

use super::resource::ItemFields;
use super::CARD;
use crate::{
    api::resources::{get_renewal_links, DeleteResource, LeaveRenewedToExpire},
    components::{
        form::{action_error, form_level},
        ActionAlert, CsrfField, FieldMessage, Loaded, LocalTime, SubmitButton,
    },
    model::{AwsItem, LinkedItem, Renewal, RenewalLink, RenewalLinks, Retirement},
};
use leptos::prelude::*;

/// The Renew card: what renews the item or what it renews, and how to renew it.
#[component]
pub fn RenewalCard(resource: AwsItem) -> impl IntoView {
    let item = resource.item.clone();
    let leave = ServerAction::<LeaveRenewedToExpire>::new();
    let delete = ServerAction::<DeleteResource>::new();
    let links = Resource::new(
        move || (item.clone(), leave.version().get(), delete.version().get()),
        |(item, _, _)| get_renewal_links(item),
    );
    view! {
        <Loaded data=links reloads=true loading=|| () let:links>
            <RenewalSections resource=resource.clone() links leave delete />
        </Loaded>
    }
}

#[component]
fn RenewalSections(
    resource: AwsItem,
    links: RenewalLinks,
    leave: ServerAction<LeaveRenewedToExpire>,
    delete: ServerAction<DeleteResource>,
) -> impl IntoView {
    let renewed = links
        .renewed_by
        .as_ref()
        .map(|link| view! { <RenewedBy link=link.clone() /> });
    // Renewing again is offered only once no successor renews the item.
    let renew = links
        .renewed_by
        .is_none()
        .then(|| view! { <RenewSection resource=resource.clone() /> });
    let renews = links
        .renews
        .map(|link| view! { <Renews link leave delete /> });
    view! { {renewed} {renews} {renew} }
}

/// How many days before its expiry an item's page offers to renew it.
const RENEW_FROM_DAYS: i64 = 90;

/// The Renew button of an item of a kind trustdesk renews, expired or expiring within
/// [`RENEW_FROM_DAYS`].
#[component]
fn RenewSection(resource: AwsItem) -> impl IntoView {
    let renewal = resource.item.kind.info().renewal;
    let href = resource.item.renew_href();
    // Offered from when the overview starts to show it coming (within 90 days) on.
    let due = resource
        .expires_in_days
        .is_some_and(|days| days <= RENEW_FROM_DAYS);
    renewal.zip(href).filter(|_| due).map(|(renewal, href)| {
        let when = match resource.expires_in_days {
            Some(days) if days < 0 => format!("It expired {} ago.", plural(-days, "day")),
            Some(0) => "It expires today.".to_string(),
            Some(days) => format!("It expires in {}.", plural(days, "day")),
            None => String::new(),
        };
        let what = match renewal {
            Renewal::Successor(_) => "Make its successor: the create form opens with its settings, and the two are linked.",
            Renewal::InPlace(_) => "Renew it in place with the identity provider's new metadata document (a later validUntil).",
        };
        view! {
            <section class=CARD aria-labelledby="renew-heading" id="renew">
                <h2 id="renew-heading" class="mb-2 font-semibold">"Renew"</h2>
                <p class="mb-3 text-sm text-slate-600 dark:text-slate-400">{when} " " {what}</p>
                <a id="renew-item" href=href class="inline-block rounded-md bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500">"Renew"</a>
            </section>
        }
    })
}

/// On a renewed item's page: which item renews it, and what became of this one.
#[component]
fn RenewedBy(link: RenewalLink) -> impl IntoView {
    let fate = match link.retired {
        Retirement::Undecided => "It stays in AWS until it is deleted or expires.",
        Retirement::LeftToExpire => "It is left to expire.",
        Retirement::Deleted => "It was deleted.",
    };
    view! {
        <section class=CARD aria-labelledby="renewed-heading" id="renewed-by">
            <h2 id="renewed-heading" class="mb-2 font-semibold">"Renewed"</h2>
            <p class="text-sm">
                "Renewed by " <OtherItem other=link.other.clone() />
                " on " <LocalTime utc=link.renewed_at.clone() /> " by " {link.renewed_by.clone()} ". "
                "It no longer counts as expiring and gets no more notices. " {fate}
            </p>
        </section>
    }
}

/// On a successor's page: the item it renews, and the offer to retire that one.
#[component]
fn Renews(
    link: RenewalLink,
    leave: ServerAction<LeaveRenewedToExpire>,
    delete: ServerAction<DeleteResource>,
) -> impl IntoView {
    let old = link.other.clone();
    let retire = match (link.retired, old.present) {
        (Retirement::Undecided, true) => {
            view! { <RetireOffer old=old.clone() leave delete /> }.into_any()
        }
        (Retirement::LeftToExpire, _) => view! {
            <p class="mt-2 text-sm" id="retired">"The old one is left to expire" {old.expires_at.clone().map(|at| view! { " (" <LocalTime utc=at /> ")" })} "."</p>
        }
        .into_any(),
        (Retirement::Deleted, _) => {
            view! { <p class="mt-2 text-sm" id="retired">"The old one was deleted."</p> }.into_any()
        }
        (Retirement::Undecided, false) => view! {
            <p class="mt-2 text-sm" id="retired">"The old one is not in AWS any more."</p>
        }
        .into_any(),
    };
    view! {
        <section class=CARD aria-labelledby="renews-heading" id="renews">
            <h2 id="renews-heading" class="mb-2 font-semibold">"Renews"</h2>
            <p class="text-sm">
                "Made on " <LocalTime utc=link.renewed_at.clone() /> " by " {link.renewed_by.clone()}
                " to renew " <OtherItem other=old.clone() />
                {old.expires_at.clone().map(|at| view! { " (its expiry: " <LocalTime utc=at /> ")" })}
                ". The old one no longer counts as expiring and gets no more notices."
            </p>
            {retire}
        </section>
    }
}

/// The two ways to retire the renewed item: delete it now (typing its id), or leave it.
#[component]
fn RetireOffer(
    old: LinkedItem,
    leave: ServerAction<LeaveRenewedToExpire>,
    delete: ServerAction<DeleteResource>,
) -> impl IntoView {
    let (leave_item, delete_item) = (old.item.clone(), old.item.clone());
    let leave_error = action_error(leave);
    let delete_error = action_error(delete);
    let hint = format!(
        "Type {} to delete the old one now. AWS deletes it at once; this cannot be undone.",
        old.item.id
    );
    view! {
        <div class="mt-3 space-y-3 border-t border-slate-100 pt-3 dark:border-slate-800" id="retire-offer">
            <h3 class="text-sm font-semibold">"Retire the old one"</h3>
            <ActionForm action=leave>
                <div class="space-y-2">
                    <CsrfField />
                    <ItemFields item=leave_item />
                    <ActionAlert error=form_level(leave_error) />
                    <button type="submit" id="leave-to-expire" disabled=move || leave.pending().get()
                        class="rounded-md border border-slate-300 px-3 py-2 text-sm hover:bg-slate-100 disabled:opacity-60 dark:border-slate-600 dark:hover:bg-slate-800">
                        "Leave it to expire"
                    </button>
                </div>
            </ActionForm>
            <ActionForm action=delete>
                <div class="space-y-2">
                    <CsrfField />
                    <ItemFields item=delete_item />
                    <ActionAlert error=form_level(delete_error) />
                    <label for="retire-confirm" class="block text-sm">{hint}</label>
                    <input id="retire-confirm" name="confirm" autocomplete="off" aria-describedby="retire-confirm-error"
                        class="block w-full rounded-md border border-slate-300 bg-white px-2 py-1 font-mono text-xs dark:border-slate-600 dark:bg-slate-800" />
                    <FieldMessage error=delete_error field="confirm" id="retire-confirm-error" />
                    <SubmitButton label="Delete the old one" pending=delete.pending() danger=true />
                </div>
            </ActionForm>
        </div>
    }
}

/// The other item of a pair: a link to its page while the cache holds it.
#[component]
fn OtherItem(other: LinkedItem) -> impl IntoView {
    if other.present {
        view! { <a href=other.item.detail_path() class="item-link" data-linked=other.item.id.clone()>{other.name}</a> }.into_any()
    } else {
        view! { <span class="font-mono text-xs" data-linked=other.item.id.clone()>{other.name} " (not in AWS any more)"</span> }.into_any()
    }
}

fn plural(n: i64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
