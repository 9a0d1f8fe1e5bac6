//! One module per route.

pub mod about;
pub mod alert_link;
pub mod alerts;
pub mod audit;
pub mod audit_entry;
pub mod bulk;
pub mod compliance;
pub mod dashboard;
pub mod expiry_overview;
pub mod inventory;
pub mod item_history;
pub mod kind;
pub mod login;
pub mod not_found;
pub mod notices;
pub mod outbox;
pub mod renewal_links;
pub mod resource;
pub mod search;
pub mod setup;
pub mod share_new;
pub mod shared_view;
pub mod shares;
pub mod shown_once;
pub mod sync;
pub mod tag_rules;
pub mod users;

use crate::model::{AppError, ErrorKind};
use leptos::prelude::*;

/// A page-level error: what went wrong and, where it helps, what to do next.
#[component]
pub fn PageError(error: AppError) -> impl IntoView {
    let sign_in = (error.kind == ErrorKind::Unauthenticated)
        .then(|| view! { " " <a class="underline" href="/login">"Sign in"</a> });
    // What the user quotes to an operator, who finds the same id in the server log.
    let request_id = error.request_id.map(|id| {
        view! {
            <p class="mt-1 text-xs opacity-80">
                "Request id: " <span class="font-mono" data-request-id="">{id.to_string()}</span>
            </p>
        }
    });
    view! {
        <div
            role="alert"
            class="rounded-md border border-red-300 bg-red-50 px-4 py-3 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200"
        >
            {error.message}
            {sign_in}
            {request_id}
        </div>
    }
}

/// The page's heading and document title, after the trail of pages above it (`trail`: each
/// label with its link, if it has a page of its own), e.g. "IAM › Server certificates".
#[component]
pub fn PageTitle(
    #[prop(into)] title: String,
    #[prop(optional)] trail: Vec<(String, Option<String>)>,
    /// The trail's last step, the page itself, where the title says more than the trail
    /// needs (`IAM › Server certificates` for "IAM server certificates").
    #[prop(optional, into)]
    current: Option<String>,
) -> impl IntoView {
    let document_title = format!("{title} · trustdesk");
    let breadcrumbs = (!trail.is_empty()).then(|| {
        let steps = trail
            .into_iter()
            .map(|(label, href)| {
                let step = match href {
                    Some(href) => view! { <a href=href class="hover:underline">{label}</a> }.into_any(),
                    None => view! { <span>{label}</span> }.into_any(),
                };
                view! { <li class="flex items-center gap-1">{step}<span aria-hidden="true">"›"</span></li> }
            })
            .collect_view();
        view! {
            <nav aria-label="Breadcrumb" class="mb-1 text-sm text-slate-600 dark:text-slate-300">
                <ol class="flex flex-wrap items-center gap-1" id="breadcrumbs">
                    {steps}
                    <li aria-current="page" class="truncate font-medium text-slate-800 dark:text-slate-100">{current.clone().unwrap_or_else(|| title.clone())}</li>
                </ol>
            </nav>
        }
    });
    view! {
        <leptos_meta::Title text=document_title />
        {breadcrumbs}
        <h1 class="mb-4 text-2xl font-semibold break-words">{title}</h1>
    }
}

/// The trail above a kind's pages: its service, then (`linked`) the kind's inventory.
pub fn kind_trail(kind: crate::model::ResourceKind, linked: bool) -> Vec<(String, Option<String>)> {
    let mut trail = vec![(kind.service().title().to_string(), None)];
    if linked {
        trail.push((
            kind.info().nav_label.to_string(),
            Some(kind.path().to_string()),
        ));
    }
    trail
}

pub const CARD: &str = "rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900";
