//! One audit row in full: who, what, where, the outcome, its parameters (secrets redacted),
//! its seal and link, and for a change to an AWS item the item before and after it.

use super::{PageError, PageTitle, CARD};
use crate::{
    api::audit::get_audit_entry,
    components::LocalTime,
    model::{
        resource::encode_segment, state_lines, AppError, AuditDetail, ItemState, Outcome, Recorded,
        ResourceKind, ResourceRef,
    },
};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

const LINK: &str = "text-indigo-700 underline dark:text-indigo-300";

#[component]
pub fn AuditEntryPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let data = Resource::new(id, |id| async move {
        match id {
            Some(id) => get_audit_entry(id).await,
            None => Err(AppError::not_found("An audit row is named by its number.")),
        }
    });
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! {
                        <PageTitle title="Audit row" />
                        <p class="mb-4 text-sm"><a href="/audit" class=LINK>"The audit trail"</a></p>
                        <PageError error />
                    }.into_any(),
                    Ok(detail) => view! { <Entry detail /> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A link to the list filtered by one value.
fn filtered(key: &str, value: &str) -> String {
    format!("/audit?{key}={}", encode_segment(value))
}

#[component]
fn Entry(detail: AuditDetail) -> impl IntoView {
    let e = detail.entry.clone();
    let item_link = ResourceKind::parse(&e.target_kind)
        .filter(|_| !e.target_id.is_empty() && !e.account.is_empty())
        .map(|kind| {
            ResourceRef {
                kind,
                account: e.account.clone(),
                region: e.region.clone(),
                id: e.target_id.clone(),
            }
            .detail_path()
        });
    let (target, scope) = (e.target(), e.scope());
    let seal = match detail.scheme.as_str() {
        "hmac-sha256" => "HMAC-SHA256 with the audit key".to_string(),
        "sha256" => "SHA-256".to_string(),
        other => other.to_string(),
    };
    let previous = (e.id > 1).then(|| format!("/audit/{}", e.id - 1));
    let dt = "text-slate-500";
    let mono = "break-all font-mono text-xs";
    view! {
        <PageTitle title=format!("Audit row {}", e.id) trail=vec![("Audit".to_string(), Some("/audit".to_string()))] />
        <p class="mb-4 flex gap-4 text-sm">
            <a href="/audit" class=LINK>"The audit trail"</a>
            {previous.map(|href| view! { <a href=href rel="prev" class=LINK>"Previous row"</a> })}
            <a href=format!("/audit/{}", e.id + 1) rel="next" class=LINK>"Next row"</a>
        </p>
        <div class="grid gap-4 lg:grid-cols-2">
            <section class=CARD aria-labelledby="row-heading">
                <h2 id="row-heading" class="mb-2 font-semibold">"What happened"</h2>
                <dl class="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm" id="audit-row">
                    <dt class=dt>"Time"</dt><dd><LocalTime utc=e.at.clone() /></dd>
                    <dt class=dt>"Actor"</dt><dd><a href=filtered("actor", &e.actor) class=LINK>{e.actor.clone()}</a></dd>
                    <dt class=dt>"Client IP"</dt><dd class=mono>{e.client_ip.clone()}</dd>
                    <dt class=dt>"Action"</dt><dd data-field="action"><a href=filtered("action", &e.action) class=LINK>{e.action.clone()}</a></dd>
                    <dt class=dt>"Target"</dt>
                    <dd>{match item_link {
                        Some(href) => view! { <a href=href class=LINK>{target}</a> }.into_any(),
                        None => target.into_any(),
                    }}</dd>
                    <dt class=dt>"Account / region"</dt><dd>{scope}</dd>
                    <dt class=dt>"Outcome"</dt>
                    <dd data-field="outcome">{e.outcome.as_str()}{(!e.message.is_empty()).then(|| view! { <div class="text-xs">{e.message.clone()}</div> })}</dd>
                    <dt class=dt>"AWS request id"</dt><dd class=mono>{e.request_id.clone()}</dd>
                    <dt class=dt>"Request id"</dt><dd class=mono data-field="http_request_id">{e.http_request_id.clone()}</dd>
                    <dt class=dt>"Sealed with"</dt><dd data-field="scheme">{seal}</dd>
                    <dt class=dt>"Hash"</dt><dd class=mono>{e.hash.clone()}</dd>
                    <dt class=dt>"Previous hash"</dt><dd class=mono>{detail.prev_hash.clone()}</dd>
                </dl>
            </section>
            <section class=CARD aria-labelledby="params-heading">
                <h2 id="params-heading" class="mb-2 font-semibold">"Parameters"</h2>
                <p class="mb-2 text-xs text-slate-500">"As the request gave them; secrets are never written to the trail."</p>
                <pre id="audit-params" class="overflow-x-auto whitespace-pre-wrap break-all rounded bg-slate-100 p-2 font-mono text-xs dark:bg-slate-800">{detail.params_pretty.clone()}</pre>
            </section>
            {(detail.about_item || detail.before != Recorded::NotRecorded || detail.after != Recorded::NotRecorded)
                .then(|| view! { <States detail=detail.clone() /> })}
        </div>
    }
}

/// The item before and after the change, side by side, changed lines marked.
#[component]
fn States(detail: AuditDetail) -> impl IntoView {
    let body = match (&detail.before, &detail.after) {
        // A refusal or a failure changed nothing in AWS: there is no before and after to show.
        (Recorded::NotRecorded, Recorded::NotRecorded) if detail.entry.outcome == Outcome::Error => view! {
            <p id="states-not-recorded">"Nothing changed: this request did not change the item in AWS."</p>
        }.into_any(),
        (Recorded::NotRecorded, Recorded::NotRecorded) => view! {
            <p id="states-not-recorded">"Not recorded: this row was written before trustdesk recorded the item before and after each change."</p>
        }.into_any(),
        (before, after) => {
            let present = |r: &Recorded| match r {
                Recorded::Present(state) => Some(state.clone()),
                _ => None,
            };
            let (b, a): (Option<ItemState>, Option<ItemState>) = (present(before), present(after));
            let lines = state_lines(b.as_ref(), a.as_ref());
            let side = |r: &Recorded, which: &'static str| -> AnyView {
                match r {
                    Recorded::NotRecorded if which == "after" && detail.entry.outcome == Outcome::Attempted => {
                        "not known yet: the change was in flight".into_any()
                    }
                    Recorded::NotRecorded if which == "after" && detail.entry.outcome == Outcome::Error => {
                        "unchanged: AWS refused the change".into_any()
                    }
                    Recorded::NotRecorded => "not recorded".into_any(),
                    Recorded::Absent if which == "before" => "no item (not in trustdesk's cache)".into_any(),
                    Recorded::Absent => "no item (gone from AWS)".into_any(),
                    Recorded::Present(state) => view! { "read from AWS " <LocalTime utc=state.read_at.clone() /> }.into_any(),
                }
            };
            let cell = |value: Option<String>| match value {
                Some(v) => v.into_any(),
                None => view! { <span class="text-slate-500">"—"</span> }.into_any(),
            };
            let rows = lines
                .into_iter()
                .map(|line| {
                    let changed = line.changed();
                    let class = if changed {
                        "border-t border-slate-200 bg-amber-50 font-medium dark:border-slate-800 dark:bg-amber-950"
                    } else {
                        "border-t border-slate-200 dark:border-slate-800"
                    };
                    view! {
                        <tr class=class data-line=line.label.clone() data-changed=changed.to_string()>
                            <th scope="row" class="px-2 py-1 text-left font-normal text-slate-500">{line.label.clone()}</th>
                            <td class="break-all px-2 py-1">{cell(line.before)}</td>
                            <td class="break-all px-2 py-1">{cell(line.after)}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table id="audit-states" class="min-w-full text-sm">
                    <thead class="text-xs text-slate-600 dark:text-slate-300">
                        <tr>
                            <th scope="col" class="px-2 py-1 text-left"></th>
                            <th scope="col" class="px-2 py-1 text-left">"Before" <div class="font-normal" id="state-before">{side(before, "before")}</div></th>
                            <th scope="col" class="px-2 py-1 text-left">"After" <div class="font-normal" id="state-after">{side(after, "after")}</div></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            }.into_any()
        }
    };
    view! {
        <section class=format!("{CARD} lg:col-span-2") aria-labelledby="states-heading">
            <h2 id="states-heading" class="mb-2 font-semibold">"Before and after"</h2>
            <p class="mb-2 text-xs text-slate-500">"Before: the item as trustdesk's cache held it when the change was made. After: as AWS answered right after it. Changed lines are marked."</p>
            {body}
        </section>
    }
}
