//! The Sync page: what the background sync read in each kind, account and region, when, how
//! long it took, how many AWS calls and items, what failed; the next run, and "Sync now".

use super::{PageTitle, CARD};
use crate::api::sync::{get_sync_overview, RequestSync};
use crate::components::form::{action_error, action_success};
use crate::components::{ActionAlert, CsrfField, DataTable, Loaded, LocalTime};
use crate::model::{SyncOverview, SyncScopeRun};
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
        <DataTable id="sync-scopes" columns empty>
            {rows}
        </DataTable>
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
