//! Applying a confirmed bulk edit, as a run of its own (owned by a random token, so a run that
//! was marked stopped or superseded by a retry stops itself). Every pending item is read again
//! from AWS first: one that changed since the preview sends the whole edit back to preview,
//! with nothing sent; one that already holds the previewed tags (a run that stopped before
//! recording it) is recorded as done. Then the changes go out, and each item's result, its
//! audit row and its cached tags are written in one transaction as it completes.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use app::model::bulk::{preview, same_tags, BulkState, ItemStatus, TagChange};
use app::model::{AwsItem, ItemState, Outcome, Recorded, ResourceKind, Tag};
use serde_json::json;
use tokio::sync::{mpsc, watch};

use super::send::{self, Change, Sent};
use crate::aws::{self, At, AwsFailure};
use crate::console::Console;
use crate::store::{
    self, audit::NewAuditRow, bulk_edits, bulk_edits::Stored, resources, tag_rules, Tx,
};

/// A scope with at most this many of the edit's items is read item by item; a larger one with
/// one listing of the scope.
const READ_ONE_BY_ONE: usize = 20;
/// How often a run says it is alive (well within `bulk_edits::STALE_AFTER`).
const HEARTBEAT: Duration = Duration::from_secs(30);
/// How long a run may go on recording the answers of calls already made once the server is
/// stopping; whatever has not come back by then stays pending, for Retry to check.
const STOP_GRACE: Duration = Duration::from_secs(10);
pub const STOPPED_NOTICE: &str = "trustdesk stopped while this ran. Items not sent are still pending: Retry checks them against AWS again and sends them.";

/// Who confirmed the edit (each item's audit row names them), and the run's token.
#[derive(Clone)]
pub struct Run {
    pub id: String,
    pub runner: String,
    pub username: String,
    pub client_ip: String,
    /// The confirming request's id, written into each item's audit row.
    pub http_request_id: String,
}

impl Run {
    fn row(&self, action: &str, target_kind: &str, target_id: &str) -> NewAuditRow {
        NewAuditRow {
            actor: self.username.clone(),
            client_ip: self.client_ip.clone(),
            http_request_id: self.http_request_id.clone(),
            action: action.into(),
            target_kind: target_kind.into(),
            target_id: target_id.into(),
            ..Default::default()
        }
    }

    /// A write transaction, or `None` when this run no longer owns the edit.
    async fn own_tx(&self, console: &Console) -> Result<Option<Tx>, Stop> {
        let mut tx = console.db().begin_write().await?;
        if bulk_edits::owned(&mut tx, &self.id, &self.runner).await? {
            Ok(Some(tx))
        } else {
            Ok(None)
        }
    }
}

/// Why a run ends early.
#[derive(Debug)]
enum Stop {
    /// Marked stopped, or another run took over: this one leaves everything as it is.
    Superseded,
    /// The server is stopping: nothing more is sent, and what is not recorded stays pending.
    Shutdown,
    Database(sqlx::Error),
}

impl From<sqlx::Error> for Stop {
    fn from(error: sqlx::Error) -> Self {
        Stop::Database(error)
    }
}

/// Aborts the task when dropped, so an early return stops what it was doing.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

pub async fn run(console: Arc<Console>, run: Run) {
    let alive = AbortOnDrop(tokio::spawn(heartbeats(console.clone(), run.clone())));
    let stop = console.shutting_down();
    // Dropping the run mid-way is safe: each item's record is one transaction.
    let outcome = tokio::select! {
        outcome = run_owned(&console, &run, stop.clone()) => outcome,
        () = after_grace(stop) => Err(Stop::Shutdown),
    };
    drop(alive);
    match outcome {
        Ok(()) => {}
        Err(Stop::Superseded) => {
            tracing::warn!(bulk_edit = %run.id, "bulk edit: this run no longer owns the edit; it stops")
        }
        Err(stop) => {
            match stop {
                Stop::Database(error) => {
                    tracing::error!(%error, bulk_edit = %run.id, "bulk edit: the database failed; the edit stops")
                }
                _ => {
                    tracing::warn!(bulk_edit = %run.id, "bulk edit: trustdesk is stopping; the edit stops, Retry continues it")
                }
            }
            let stopped = async {
                let mut conn = console.db().pool().acquire().await?;
                bulk_edits::finish(
                    &mut conn,
                    &run.id,
                    &run.runner,
                    BulkState::Stopped,
                    STOPPED_NOTICE,
                    &store::now(),
                )
                .await
            };
            if let Err(error) = stopped.await {
                tracing::error!(%error, bulk_edit = %run.id, "bulk edit: could not mark the edit stopped");
            }
        }
    }
}

/// Ends `STOP_GRACE` after the server began stopping.
async fn after_grace(stop: watch::Receiver<bool>) {
    crate::jobs::until_true(stop).await;
    tokio::time::sleep(STOP_GRACE).await;
}

async fn heartbeats(console: Arc<Console>, run: Run) {
    loop {
        tokio::time::sleep(HEARTBEAT).await;
        let beat = async {
            let mut conn = console.db().pool().acquire().await?;
            bulk_edits::heartbeat(&mut conn, &run.id, &run.runner, &store::now()).await
        };
        match beat.await {
            Ok(true) => {}
            Ok(false) => return,
            Err(error) => {
                tracing::warn!(%error, bulk_edit = %run.id, "bulk edit: heartbeat not written")
            }
        }
    }
}

async fn run_owned(
    console: &Arc<Console>,
    run: &Run,
    stop: watch::Receiver<bool>,
) -> Result<(), Stop> {
    let pool = console.db().pool();
    let rules = tag_rules::list(pool).await?;
    let operations = bulk_edits::get(pool, &run.id)
        .await?
        .map(|edit| edit.operations)
        .unwrap_or_default();
    let pending = bulk_edits::items_with(pool, &run.id, &[ItemStatus::Pending]).await?;
    // Nothing is written while the items are read again: a stop then leaves the edit as it was.
    let checked = tokio::select! {
        checked = check(console, pending) => checked,
        () = crate::jobs::until_true(stop.clone()) => return Err(Stop::Shutdown),
    };

    let Some(mut tx) = run.own_tx(console).await? else {
        return Err(Stop::Superseded);
    };
    if !checked.drifted.is_empty() {
        // The re-preview and the items it rewrote, together: a run that stops before this
        // commit leaves the preview as the admin saw it.
        let drifted = checked.drifted.len();
        for (mut stored, now) in checked.drifted {
            let shown = preview(
                stored.item.item.kind,
                &stored.item.item.account,
                &now.tags,
                &operations,
                &rules,
            );
            stored.item.name = now.name.clone();
            stored.item.before = now.tags.clone();
            stored.item.after = shown.after;
            stored.item.status = shown.status;
            stored.item.message = shown.message;
            stored.item.breaks_before = shown.breaks_before;
            stored.item.breaks_after = shown.breaks_after;
            bulk_edits::update_item(&mut tx, &run.id, &stored).await?;
            resources::upsert(&mut tx, &now).await?;
        }
        sent_back(&mut tx, console, run, drifted).await?;
        return tx.commit().await.map_err(Stop::from);
    }
    for stored in &checked.settled {
        bulk_edits::update_item(&mut tx, &run.id, stored).await?;
    }
    bulk_edits::to_applying(&mut tx, &run.id, &run.runner).await?;
    tx.commit().await?;
    for (stored, tags_now) in checked.found_applied {
        let sent = Sent {
            position: stored.position,
            tags_now,
            result: Ok(String::new()),
        };
        record(console, run, stored, sent, true).await?;
    }

    let mut waiting: HashMap<i64, Stored> = HashMap::new();
    let mut changes = Vec::with_capacity(checked.ready.len());
    for (stored, at) in checked.ready {
        let item = &stored.item;
        changes.push(Change {
            position: stored.position,
            kind: item.item.kind,
            at,
            id: item.item.id.clone(),
            change: TagChange::between(&item.before, &item.after),
            before: item.before.clone(),
        });
        waiting.insert(stored.position, stored);
    }
    let (report, mut results) = mpsc::channel(64);
    // Dropped on any early return: no call goes out that could not be recorded.
    let sending = AbortOnDrop(tokio::spawn(send::send_all(changes, report, stop.clone())));
    while let Some(sent) = results.recv().await {
        if let Some(stored) = waiting.remove(&sent.position) {
            record(console, run, stored, sent, false).await?;
        }
    }
    drop(sending);
    if *stop.borrow() && !waiting.is_empty() {
        // Items no call was made for were not reported: they stay pending.
        return Err(Stop::Shutdown);
    }
    // An item nobody reported (its unit stopped unexpectedly) is failed, to be retried.
    for (_, stored) in waiting {
        let sent = Sent {
            position: stored.position,
            tags_now: stored.item.before.clone(),
            result: Err(AwsFailure {
                error: app::model::AppError::unavailable(
                    "trustdesk lost track of this change; Retry checks the item against AWS and sends it again.",
                ),
                code: "Lost".into(),
                request_id: String::new(),
            }),
        };
        record(console, run, stored, sent, false).await?;
    }
    finished(console, run).await
}

/// What reading the items again found.
#[derive(Default)]
struct Checked {
    /// Unchanged since the preview, with where to send their change.
    ready: Vec<(Stored, At)>,
    /// Already holding the previewed tags: a run stopped before recording them.
    found_applied: Vec<(Stored, Vec<Tag>)>,
    /// Changed in AWS since the preview, with the item as AWS has it now.
    drifted: Vec<(Stored, AwsItem)>,
    /// Decided without sending: gone from AWS (refused) or unreadable (failed).
    settled: Vec<Stored>,
}

/// Reads every pending item from AWS and compares its tags with the preview's.
async fn check(console: &Arc<Console>, pending: Vec<Stored>) -> Checked {
    let mut scopes: BTreeMap<(ResourceKind, String, String), Vec<Stored>> = BTreeMap::new();
    for stored in pending {
        let item = &stored.item.item;
        scopes
            .entry((item.kind, item.account.clone(), item.region.clone()))
            .or_default()
            .push(stored);
    }
    let mut checked = Checked::default();
    for ((kind, account, region), items) in scopes {
        let at = match console.clients.at(kind, &account, &region).await {
            Ok(at) => at,
            Err(failure) => {
                fail_all(&mut checked, items, &failure);
                continue;
            }
        };
        let found = match read_now(&at, kind, &items).await {
            Ok(found) => found,
            Err(failure) => {
                tracing::warn!(code = %failure.code, kind = kind.as_str(), %account, %region, "bulk edit: a scope could not be read");
                fail_all(&mut checked, items, &failure);
                continue;
            }
        };
        for mut stored in items {
            match found.get(&stored.item.item.id) {
                Some(Err(failure)) => {
                    fail(&mut stored, failure);
                    checked.settled.push(stored);
                }
                None | Some(Ok(None)) => {
                    stored.item.status = ItemStatus::Refused;
                    stored.item.message =
                        "AWS no longer has this item; the next sync removes it from trustdesk."
                            .into();
                    checked.settled.push(stored);
                }
                Some(Ok(Some(now))) if same_tags(&now.tags, &stored.item.before) => {
                    checked.ready.push((stored, at.clone()))
                }
                Some(Ok(Some(now))) if same_tags(&now.tags, &stored.item.after) => {
                    let tags = now.tags.clone();
                    checked.found_applied.push((stored, tags));
                }
                Some(Ok(Some(now))) => checked.drifted.push((stored, now.clone())),
            }
        }
    }
    checked
}

fn fail(stored: &mut Stored, failure: &AwsFailure) {
    stored.item.status = ItemStatus::Failed;
    stored.item.message = failure.error.message.clone();
    stored.item.request_id = failure.request_id.clone();
}

fn fail_all(checked: &mut Checked, items: Vec<Stored>, failure: &AwsFailure) {
    for mut stored in items {
        fail(&mut stored, failure);
        checked.settled.push(stored);
    }
}

type Read = Result<Option<AwsItem>, AwsFailure>;

/// The scope's items as AWS has them now, by id: item by item for a few (each its own
/// answer), else one listing (one answer for all).
async fn read_now(
    at: &At,
    kind: ResourceKind,
    items: &[Stored],
) -> Result<HashMap<String, Read>, AwsFailure> {
    let adapter = aws::adapter(kind);
    let mut found = HashMap::new();
    if items.len() <= READ_ONE_BY_ONE {
        for stored in items {
            let id = &stored.item.item.id;
            found.insert(id.clone(), adapter.get(at, id).await);
        }
    } else {
        for item in adapter.list(at).await? {
            found.insert(item.item.id.clone(), Ok(Some(item)));
        }
    }
    Ok(found)
}

/// Items changed in AWS since the preview: nothing is sent, and the admin reviews again.
async fn sent_back(tx: &mut Tx, console: &Console, run: &Run, drifted: usize) -> Result<(), Stop> {
    let items = if drifted == 1 {
        "1 item".to_string()
    } else {
        format!("{drifted} items")
    };
    let notice = format!(
        "Nothing was sent: {items} changed in AWS since the preview. The preview below shows them as AWS has them now; review it and confirm again."
    );
    if !bulk_edits::re_preview(tx, &run.id, &run.runner, &notice).await? {
        return Err(Stop::Superseded);
    }
    let mut row = run.row("bulk_edit.apply", "bulk_edit", &run.id);
    row.outcome = Some(Outcome::Error);
    row.message = format!("not applied: {items} changed in AWS since the preview, re-previewed");
    row.params = json!({ "bulk_edit": run.id, "changed_since_preview": drifted });
    store::audit::append(tx, console.db().seal(), row, &store::now()).await?;
    Ok(())
}

/// One item's result, its audit row and its cached tags, together, while this run owns the
/// edit. `found` says AWS already held the change when it was checked.
async fn record(
    console: &Arc<Console>,
    run: &Run,
    mut stored: Stored,
    sent: Sent,
    found: bool,
) -> Result<(), Stop> {
    let Some(mut tx) = run.own_tx(console).await? else {
        return Err(Stop::Superseded);
    };
    let target = stored.item.item.clone();
    let cached = resources::get_in(&mut tx, &target).await?;
    let change = TagChange::between(&stored.item.before, &stored.item.after);
    let state = |tags: &[Tag]| -> Recorded {
        Recorded::Present(match &cached {
            Some(cached) => ItemState {
                tags: tags.to_vec(),
                ..ItemState::from(cached)
            },
            None => ItemState {
                name: stored.item.name.clone(),
                status: String::new(),
                expires_at: None,
                tags: tags.to_vec(),
                fields: Vec::new(),
                read_at: String::new(),
            },
        })
    };
    let mut row = run.row(
        &format!("{}.bulk_tag", target.kind.as_str()),
        target.kind.as_str(),
        &target.id,
    );
    row.account = target.account.clone();
    row.region = target.region.clone();
    row.params = json!({ "bulk_edit": run.id, "set": change.set, "remove": change.remove });
    row.before = state(&stored.item.before);
    row.after = state(&sent.tags_now);
    match sent.result {
        Ok(request_id) => {
            stored.item.status = ItemStatus::Done;
            stored.item.message = if found {
                "AWS already had these tags: an earlier run made the change before it stopped."
                    .into()
            } else {
                String::new()
            };
            row.outcome = Some(Outcome::Ok);
            row.message = stored.item.message.clone();
            row.request_id = request_id.clone();
            stored.item.request_id = request_id;
        }
        Err(failure) => {
            stored.item.status = ItemStatus::Failed;
            stored.item.message = if same_tags(&sent.tags_now, &stored.item.before) {
                failure.error.message.clone()
            } else {
                format!(
                    "{} Part of the change was made first; Retry sends the rest.",
                    failure.error.message
                )
            };
            // What AWS holds now, so a retry sends only what is left.
            stored.item.before = sent.tags_now.clone();
            row.outcome = Some(Outcome::Error);
            row.message = format!("{}: {}", failure.code, failure.error.message);
            row.request_id = failure.request_id.clone();
            stored.item.request_id = failure.request_id;
        }
    }
    let now = store::now();
    bulk_edits::update_item(&mut tx, &run.id, &stored).await?;
    store::audit::append(&mut tx, console.db().seal(), row, &now).await?;
    if let Some(mut cached) = cached {
        if !same_tags(&cached.tags, &sent.tags_now) {
            cached.tags = sent.tags_now;
            resources::upsert(&mut tx, &cached).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

async fn finished(console: &Arc<Console>, run: &Run) -> Result<(), Stop> {
    let counts = bulk_edits::get(console.db().pool(), &run.id)
        .await?
        .map(|edit| edit.counts)
        .unwrap_or_default();
    let notice = match counts.failed {
        0 => String::new(),
        1 => "1 item failed: the reason is beside it. Retry sends it again.".into(),
        n => format!("{n} items failed: the reason is beside each. Retry sends them again."),
    };
    let now = store::now();
    let mut tx = console.db().begin_write().await?;
    if !bulk_edits::finish(
        &mut tx,
        &run.id,
        &run.runner,
        BulkState::Finished,
        &notice,
        &now,
    )
    .await?
    {
        return Err(Stop::Superseded);
    }
    let mut row = run.row("bulk_edit.apply", "bulk_edit", &run.id);
    row.outcome = Some(if counts.failed == 0 {
        Outcome::Ok
    } else {
        Outcome::Error
    });
    row.message = format!("{} changed, {} failed", counts.done, counts.failed);
    row.params = json!({ "bulk_edit": run.id, "done": counts.done, "failed": counts.failed });
    store::audit::append(&mut tx, console.db().seal(), row, &now).await?;
    tx.commit().await?;
    Ok(())
}
