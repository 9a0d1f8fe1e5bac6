//! One module per route.

pub mod alert_link;
pub mod alerts;
pub mod audit;
pub mod audit_entry;
pub mod bulk;
pub mod compliance;
pub mod dashboard;
pub mod expiry_overview;
pub mod inventory;
pub mod kind;
pub mod login;
pub mod not_found;
pub mod notices;
pub mod outbox;
pub mod resource;
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

#[component]
pub fn PageTitle(#[prop(into)] title: String) -> impl IntoView {
    let document_title = format!("{title} · trustdesk");
    view! {
        <leptos_meta::Title text=document_title />
        <h1 class="mb-4 text-2xl font-semibold">{title}</h1>
    }
}

pub const CARD: &str = "rounded-lg border border-slate-200 bg-white p-4 shadow-sm dark:border-slate-800 dark:bg-slate-900";
