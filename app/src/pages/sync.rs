//! The Sync page: what the background sync read in each kind, account and region, when, how
//! long it took, how many AWS calls and items, what failed; the next run, and "Sync now".

use super::{PageTitle, CARD};
use crate::api::sync::{get_sync_overview, RequestSync};
use crate::components::form::{action_error, action_success};
use crate::components::{ActionAlert, CsrfField, DataTable, Loaded, LocalTime};
use crate::model::{AccountState, OrganizationRead, SyncOverview, SyncScopeRun};
use leptos::prelude::*;

/// How often the page loads itself again while a sync is requested or running, with or
/// without JavaScript.
const PROGRESS_RELOAD_SECONDS: &str = "2";

#[component]
pub fn SyncPage() -> impl IntoView {
    let request = ServerAction::<RequestSync>::new();
    let request_error = action_error(request);
    let requested = action_success(request, "Sync requested: it starts within seconds.");
    let data = Resource::new(move || request.version().get(), |_| get_sync_overview());
    view! {
        <PageTitle title="Sync" />
        <Loaded data reloads=true let:overview>
            <Overview overview request request_error requested />
        </Loaded>
    }
}

#[component]
fn Overview(
    overview: SyncOverview,
    request: ServerAction<RequestSync>,
    request_error: Signal<Option<crate::model::AppError>>,
    requested: Signal<Option<String>>,
) -> impl IntoView {
    let minutes = overview.interval_seconds.div_ceil(60);
    let reload = (overview.running || overview.requested).then(
        || view! { <leptos_meta::Meta http_equiv="refresh" content=PROGRESS_RELOAD_SECONDS /> },
    );
    let state = if overview.running {
        view! {
            <p id="sync-state" data-state="running" class="font-semibold">
                {format!("Syncing now: {} of {} scopes read.", overview.newest_done, overview.newest_total)}
                " " <a href="/sync" class="font-normal text-indigo-700 underline dark:text-indigo-300">"Reload"</a>
            </p>
        }
        .into_any()
    } else if overview.requested {
        view! { <p id="sync-state" data-state="requested">"A sync was requested and starts within seconds. " <a href="/sync" class="text-indigo-700 underline dark:text-indigo-300">"Reload"</a></p> }.into_any()
    } else {
        match overview.next_run_at.clone() {
            Some(at) => view! { <p id="sync-state" data-state="idle">"Next sync: " <LocalTime utc=at /></p> }.into_any(),
            None => view! { <p id="sync-state" data-state="idle">"The first sync starts when trustdesk starts."</p> }.into_any(),
        }
    };
    let rows = overview.scopes.iter().map(scope_row).collect_view();
    let empty = overview.scopes.is_empty().then_some("No sync has run yet.");
    let columns = vec![
        "Kind",
        "Account",
        "Region",
        "Last run",
        "Duration",
        "AWS calls",
        "Items",
        "Outcome",
    ];
    view! {
        {reload}
        <div class=format!("{CARD} mb-4 space-y-2 text-sm")>
            <p class="text-slate-600 dark:text-slate-400">
                {format!("trustdesk reads every kind in every configured account and region (IAM once per account) every {minutes} minutes, a few scopes at a time. Items AWS no longer lists are kept and shown under \u{201c}Removed in AWS\u{201d}; changes made outside trustdesk are written to the audit trail.")}
            </p>
            {state}
            {overview.can_sync.then(|| view! {
                <ActionForm action=request>
                    <CsrfField />
                    <button type="submit" id="sync-now" class="rounded-md bg-indigo-600 px-3 py-2 font-semibold text-white hover:bg-indigo-500 disabled:opacity-50" disabled=move || request.pending().get()>
                        "Sync now"
                    </button>
                </ActionForm>
            })}
            <ActionAlert error=request_error success=requested />
        </div>
        {overview.organization.map(|read| view! { <Organization read /> })}
        <DataTable id="sync-scopes" columns empty>
            {rows}
        </DataTable>
    }
}

/// The organization's accounts as the last read found them: managed, or why not.
#[component]
fn Organization(mut read: OrganizationRead) -> impl IntoView {
    read.accounts
        .sort_by_key(|account| (account.aws_name.to_lowercase(), account.id.clone()));
    // OUs are read only when they narrow the accounts; without them the column says nothing.
    let with_ous = read.accounts.iter().any(|account| !account.ous.is_empty());
    let managed = read
        .accounts
        .iter()
        .filter(|a| a.state == AccountState::Managed)
        .count();
    let problem = (!read.error.is_empty()).then(|| {
        view! {
            <p role="alert" id="organization-error" class="font-semibold text-red-700 dark:text-red-400">
                {format!("The organization could not be read: {} The accounts it gave before are still read.", read.error)}
            </p>
        }
    });
    let rows = read
        .accounts
        .iter()
        .map(|account| {
            let (label, class) = match account.state {
                AccountState::Managed => ("managed", "text-emerald-700 dark:text-emerald-400"),
                AccountState::Excluded => ("excluded", "text-slate-600 dark:text-slate-400"),
                AccountState::Inactive => ("not active", "text-amber-700 dark:text-amber-400"),
                AccountState::Unreachable => ("role refused", "text-red-700 font-semibold dark:text-red-400"),
            };
            let name = if account.name.is_empty() || account.name == account.aws_name {
                view! { <span>{account.aws_name.clone()}</span> }.into_any()
            } else {
                view! { <span>{account.aws_name.clone()} <span class="sub">{format!(" (as {})", account.name)}</span></span> }.into_any()
            };
            view! {
                <tr data-org-account=account.id.clone() data-state=label>
                    <td>{name}</td>
                    <td class="font-mono text-xs">{account.id.clone()}</td>
                    {with_ous.then(|| view! { <td>{account.ous.join(" › ")}</td> })}
                    <td>{account.status.clone()}</td>
                    <td>
                        <span class=class>{label}</span>
                        {(!account.note.is_empty()).then(|| view! { <div class="text-xs text-slate-600 dark:text-slate-400">{account.note.clone()}</div> })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    let mut columns = vec!["Account", "Id", "Status in AWS", "In trustdesk"];
    if with_ous {
        columns.insert(2, "Organizational unit");
    }
    let empty = read
        .accounts
        .is_empty()
        .then_some("The organization has no accounts.");
    view! {
        <section class=format!("{CARD} mb-4 space-y-2 text-sm") aria-labelledby="organization-heading" id="organization">
            <h2 id="organization-heading" class="font-semibold">"Organization"</h2>
            <p class="text-slate-600 dark:text-slate-400">
                {format!("{managed} of {} accounts of the AWS Organization are read, as of ", read.accounts.len())}
                <LocalTime utc=read.read_at.clone() />
                ". The organization is read again at the start of every sync: new accounts appear, suspended or closed ones are no longer read."
            </p>
            {problem}
            <DataTable id="organization-accounts" columns empty>
                {rows}
            </DataTable>
        </section>
    }
}

fn scope_row(run: &SyncScopeRun) -> impl IntoView {
    let when = run
        .finished_at
        .clone()
        .or_else(|| run.started_at.clone())
        .unwrap_or_else(|| run.queued_at.clone());
    let outcome_class = if run.failed() {
        "text-red-700 font-semibold dark:text-red-400"
    } else if run.is_finished() {
        "text-emerald-700 dark:text-emerald-400"
    } else {
        "text-slate-600 dark:text-slate-400"
    };
    let duration = run
        .duration_ms
        .map(|ms| {
            if ms < 1_000 {
                format!("{ms} ms")
            } else {
                format!("{:.1} s", ms as f64 / 1_000.0)
            }
        })
        .unwrap_or_else(|| "—".into());
    view! {
        <tr data-scope=format!("{}/{}/{}", run.kind.as_str(), run.account, run.region) data-outcome=run.outcome.clone()>
            <td><a href=run.kind.path() class="link">{run.kind.title()}</a></td>
            <td>{run.account.clone()}</td>
            <td>{run.region.clone()}</td>
            <td><LocalTime utc=when /></td>
            <td>{duration}</td>
            <td data-calls="">{run.aws_calls}</td>
            <td>{run.items}</td>
            <td>
                <span class=outcome_class>{run.outcome.clone()}</span>
                {(!run.error.is_empty()).then(|| view! { <div class="text-xs text-slate-600 dark:text-slate-400">{run.error.clone()}</div> })}
            </td>
        </tr>
    }
}
