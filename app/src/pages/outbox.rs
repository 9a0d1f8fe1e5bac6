//! The Outbox page: every mail and webhook post trustdesk queued, what became of it, and for admins "retry" and
//! "discard" on mail that could not be delivered.

use super::PageTitle;
use crate::api::alerts::{get_outbox, ActOnMail};
use crate::components::ACTIONS;
use crate::components::{form::action_error, ActionAlert, CsrfField, DataTable, Loaded, LocalTime};
use crate::model::alerts::{OutboxPage, OutboxRow};
use leptos::prelude::*;

#[component]
pub fn OutboxPage() -> impl IntoView {
    let act = ServerAction::<ActOnMail>::new();
    let error = action_error(act);
    let data = Resource::new(move || act.version().get(), |_| get_outbox());
    view! {
        <PageTitle title="Outbox" />
        <ActionAlert error />
        <Loaded data reloads=true let:page>
            <Mails page act />
        </Loaded>
    }
}

#[component]
fn Mails(page: OutboxPage, act: ServerAction<ActOnMail>) -> impl IntoView {
    let can_manage = page.can_manage;
    let rows = page
        .rows
        .iter()
        .map(|row| mail_row(row, can_manage, act))
        .collect_view();
    let empty = page.rows.is_empty().then_some("Nothing sent yet.");
    view! {
        <p class="mb-2 text-sm" id="outbox-mailer">{page.mailer.clone()}</p>
        {page.folder.clone().map(|folder| view! {
            <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" id="outbox-folder">
                "Demo mode: each mail is written to " <code class="font-mono text-xs">{folder}</code> " as a .eml file (named after its Message-ID) that any mail program opens."
            </p>
        })}
        {page.demo_chat_page.clone().map(|chat| view! {
            <p class="mb-2 text-sm text-slate-600 dark:text-slate-400" id="outbox-chat">
                "Demo mode: chat notices are posted to the emulator's Slack-compatible channel; "
                <a href=chat class="text-indigo-700 underline dark:text-indigo-300" target="_blank" rel="noopener">"open the demo chat"</a> "."
            </p>
        })}
        <DataTable id="outbox" columns=vec!["Queued", "To", "Subject", "State", "Attempts", ACTIONS] empty>
            {rows}
        </DataTable>
    }
}

fn mail_row(row: &OutboxRow, can_manage: bool, act: ServerAction<ActOnMail>) -> impl IntoView {
    let id = row.id;
    let stuck = matches!(row.state.as_str(), "failed" | "discarded" | "pending");
    let button = move |action: &'static str, label: &'static str| {
        view! {
            <ActionForm action=act attr:class="inline">
                <CsrfField />
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="action" value=action />
                <button type="submit" data-action=action class="text-xs text-indigo-700 underline dark:text-indigo-300">{label}</button>
            </ActionForm>
        }
    };
    let state_class = match row.state.as_str() {
        "sent" => "text-emerald-700 dark:text-emerald-400",
        "failed" => "font-semibold text-red-700 dark:text-red-400",
        _ => "text-slate-600 dark:text-slate-400",
    };
    view! {
        <tr class="border-t border-slate-200 dark:border-slate-800" data-mail=id data-state=row.state.clone()>
            <td class="px-3 py-2"><LocalTime utc=row.created_at.clone() /></td>
            <td class="px-3 py-2" data-channel=row.channel.clone()>
                {(row.channel == "webhook").then(|| view! {
                    <span class="mr-1 rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-700 dark:bg-slate-800 dark:text-slate-300">"webhook"</span>
                })}
                {row.recipient.clone()}
            </td>
            <td class="px-3 py-2">
                {row.subject.clone()}
                <div class="font-mono text-xs text-slate-500">{row.message_id.clone()}</div>
            </td>
            <td class="px-3 py-2">
                <span class=state_class>{row.state.clone()}</span>
                {row.sent_at.clone().map(|at| view! { <div class="text-xs">"sent " <LocalTime utc=at /></div> })}
                {row.last_error.clone().map(|e| view! { <div class="text-xs text-slate-600 dark:text-slate-400">{e}</div> })}
            </td>
            <td class="px-3 py-2">{row.attempts}</td>
            <td class="space-x-2 px-3 py-2">
                {(can_manage && stuck && row.state != "pending").then(|| button("retry", "Retry"))}
                {(can_manage && stuck && row.state != "discarded").then(|| button("discard", "Discard"))}
            </td>
        </tr>
    }
}
