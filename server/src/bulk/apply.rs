//! Applying a confirmed bulk edit, as a job of its own: every pending item is read again from
//! AWS first (one that changed since the preview sends the whole edit back to preview, with
//! nothing sent), then the changes go out, and each item's result, its audit row and the cache
//! are written in one transaction as it completes, so the result page follows along.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use app::model::bulk::{preview, same_tags, BulkState, ItemStatus, TagChange};
use app::model::compliance::TagRule;
use app::model::{AwsItem, ItemState, Outcome, Recorded, ResourceKind};
use serde_json::json;
use tokio::sync::mpsc;

use super::send::{self, Change, Sent};
use crate::aws::{self, At};
use crate::console::Console;
use crate::store::{
    self, audit::NewAuditRow, bulk_edits, bulk_edits::Stored, resources, tag_rules,
};

/// A scope with at most this many of the edit's items is read item by item; a larger one with
/// one listing of the scope.
const READ_ONE_BY_ONE: usize = 20;

/// Who confirmed the edit: each item's audit row names them.
#[derive(Clone)]
pub struct Actor {
    pub username: String,
    pub client_ip: String,
}

impl Actor {
    fn row(&self, action: &str, target_kind: &str, target_id: &str) -> NewAuditRow {
        NewAuditRow {
            actor: self.username.clone(),
            client_ip: self.client_ip.clone(),
            action: action.into(),
            target_kind: target_kind.into(),
            target_id: target_id.into(),
            ..Default::default()
        }
    }
}

pub async fn run(console: Arc<Console>, id: String, actor: Actor) {
    if let Err(error) = run_checked(&console, &id, &actor).await {
        tracing::error!(%error, bulk_edit = %id, "bulk edit: the database failed; the edit stops");
        let stopped = async {
            let mut conn = console.db().pool().acquire().await?;
            bulk_edits::finish(
                &mut conn,
                &id,
                BulkState::Stopped,
                "trustdesk could not write its database while applying this edit, so it stopped. Items not sent are still pending: Retry checks them against AWS again and sends them.",
                &store::now(),
            )
            .await
        };
        if let Err(error) = stopped.await {
            tracing::error!(%error, bulk_edit = %id, "bulk edit: could not mark the edit stopped");
        }
    }
}

async fn run_checked(console: &Arc<Console>, id: &str, actor: &Actor) -> Result<(), sqlx::Error> {
    let pool = console.db().pool();
    let rules = tag_rules::list(pool).await?;
    let pending = bulk_edits::items_with(pool, id, &[ItemStatus::Pending]).await?;
    let checked = check(console, id, &rules, pending).await?;
    if checked.drifted > 0 {
        return sent_back(console, id, actor, checked.drifted).await;
    }
    let mut tx = console.db().begin_write().await?;
    for failed in &checked.failed {
        bulk_edits::update_item(&mut tx, id, failed).await?;
    }
    bulk_edits::advance(
        &mut tx,
        id,
        &[BulkState::Checking],
        None,
        BulkState::Applying,
    )
    .await?;
    tx.commit().await?;

    let mut by_position: HashMap<i64, Stored> = HashMap::new();
    let mut changes = Vec::with_capacity(checked.ready.len());
    for (stored, at) in checked.ready {
        let item = &stored.item;
        changes.push((
            Change {
                position: stored.position,
                kind: item.item.kind,
                at,
                id: item.item.id.clone(),
                change: TagChange::between(&item.before, &item.after),
            },
            item.before.clone(),
        ));
        by_position.insert(stored.position, stored);
    }
    let (report, mut results) = mpsc::channel(64);
    let sending = tokio::spawn(send::send_all(changes, report));
    while let Some(sent) = results.recv().await {
        if let Some(stored) = by_position.remove(&sent.position) {
            record(console, id, actor, stored, sent).await?;
        }
    }
    if let Err(error) = sending.await {
        tracing::error!(%error, bulk_edit = %id, "bulk edit: sending stopped unexpectedly");
    }
    finished(console, id, actor).await
}

/// What reading the items again found.
struct Checked {
    /// Unchanged since the preview, with where to send their change.
    ready: Vec<(Stored, At)>,
    /// Items that could not be read (the scope refused): failed, unless the edit goes back to
    /// preview, when they stay pending for the next confirmation.
    failed: Vec<Stored>,
    /// Items whose tags changed in AWS since the preview, already re-previewed.
    drifted: usize,
}

/// Reads every pending item from AWS and compares its tags with the preview's "before".
async fn check(
    console: &Arc<Console>,
    id: &str,
    rules: &[TagRule],
    pending: Vec<Stored>,
) -> Result<Checked, sqlx::Error> {
    let mut scopes: BTreeMap<(ResourceKind, String, String), Vec<Stored>> = BTreeMap::new();
    for stored in pending {
        let item = &stored.item.item;
        scopes
            .entry((item.kind, item.account.clone(), item.region.clone()))
            .or_default()
            .push(stored);
    }
    let mut checked = Checked {
        ready: Vec::new(),
        failed: Vec::new(),
        drifted: 0,
    };
    let operations = bulk_edits::get(console.db().pool(), id)
        .await?
        .map(|edit| edit.operations)
        .unwrap_or_default();
    for ((kind, account, region), items) in scopes {
        let read = match console.clients.at(kind, &account, &region).await {
            Ok(at) => read_now(&at, kind, &items).await.map(|found| (at, found)),
            Err(failure) => Err(failure),
        };
        let (at, found) = match read {
            Ok(read) => read,
            Err(failure) => {
                tracing::warn!(code = %failure.code, kind = kind.as_str(), %account, %region, "bulk edit: a scope could not be read");
                for mut stored in items {
                    stored.item.status = ItemStatus::Failed;
                    stored.item.message = failure.error.message.clone();
                    stored.item.request_id = failure.request_id.clone();
                    checked.failed.push(stored);
                }
                continue;
            }
        };
        let mut tx = console.db().begin_write().await?;
        for mut stored in items {
            match found.get(&stored.item.item.id) {
                None => {
                    stored.item.status = ItemStatus::Refused;
                    stored.item.message =
                        "AWS no longer has this item; the next sync removes it from trustdesk."
                            .into();
                    bulk_edits::update_item(&mut tx, id, &stored).await?;
                }
                Some(now) if !same_tags(&now.tags, &stored.item.before) => {
                    let shown = preview(kind, &account, &now.tags, &operations, rules);
                    stored.item.name = now.name.clone();
                    stored.item.before = now.tags.clone();
                    stored.item.after = shown.after;
                    stored.item.status = shown.status;
                    stored.item.message = shown.message;
                    stored.item.breaks_before = shown.breaks_before;
                    stored.item.breaks_after = shown.breaks_after;
                    bulk_edits::update_item(&mut tx, id, &stored).await?;
                    resources::upsert(&mut tx, now).await?;
                    checked.drifted += 1;
                }
                Some(_) => checked.ready.push((stored, at.clone())),
            }
        }
        bulk_edits::heartbeat(&mut tx, id, &store::now()).await?;
        tx.commit().await?;
    }
    Ok(checked)
}

/// The scope's items as AWS has them now, by id: item by item for a few, else one listing.
async fn read_now(
    at: &At,
    kind: ResourceKind,
    items: &[Stored],
) -> Result<HashMap<String, AwsItem>, crate::aws::AwsFailure> {
    let adapter = aws::adapter(kind);
    let mut found = HashMap::new();
    if items.len() <= READ_ONE_BY_ONE {
        for stored in items {
            if let Some(item) = adapter.get(at, &stored.item.item.id).await? {
                found.insert(item.item.id.clone(), item);
            }
        }
    } else {
        for item in adapter.list(at).await? {
            found.insert(item.item.id.clone(), item);
        }
    }
    Ok(found)
}

/// Items changed in AWS since the preview: nothing is sent, and the admin reviews again.
async fn sent_back(
    console: &Arc<Console>,
    id: &str,
    actor: &Actor,
    drifted: usize,
) -> Result<(), sqlx::Error> {
    let items = if drifted == 1 {
        "1 item".to_string()
    } else {
        format!("{drifted} items")
    };
    let notice = format!(
        "Nothing was sent: {items} changed in AWS since the preview. The preview below shows them as AWS has them now; review it and confirm again."
    );
    let mut tx = console.db().begin_write().await?;
    bulk_edits::re_preview(&mut tx, id, &notice).await?;
    let mut row = actor.row("bulk_edit.apply", "bulk_edit", id);
    row.outcome = Some(Outcome::Error);
    row.message = format!("not applied: {items} changed in AWS since the preview, re-previewed");
    row.params = json!({ "bulk_edit": id, "changed_since_preview": drifted });
    store::audit::append(&mut tx, console.db().seal(), row, &store::now()).await?;
    tx.commit().await
}

/// One item's result, its audit row and the cache, together.
async fn record(
    console: &Arc<Console>,
    id: &str,
    actor: &Actor,
    mut stored: Stored,
    sent: Sent,
) -> Result<(), sqlx::Error> {
    let target = stored.item.item.clone();
    let cached = resources::get(console.db().pool(), &target).await?;
    let change = TagChange::between(&stored.item.before, &stored.item.after);
    let state = |tags: &[app::model::Tag]| match &cached {
        Some(cached) => Recorded::Present(ItemState {
            tags: tags.to_vec(),
            ..ItemState::from(cached)
        }),
        None => Recorded::NotRecorded,
    };
    let mut row = actor.row(
        &format!("{}.bulk_tag", target.kind.as_str()),
        target.kind.as_str(),
        &target.id,
    );
    row.account = target.account.clone();
    row.region = target.region.clone();
    row.params = json!({ "bulk_edit": id, "set": change.set, "remove": change.remove });
    row.before = state(&stored.item.before);
    row.after = state(&sent.tags_now);
    match sent.result {
        Ok(request_id) => {
            stored.item.status = ItemStatus::Done;
            stored.item.message = String::new();
            row.outcome = Some(Outcome::Ok);
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
    let mut tx = console.db().begin_write().await?;
    bulk_edits::update_item(&mut tx, id, &stored).await?;
    store::audit::append(&mut tx, console.db().seal(), row, &now).await?;
    if let Some(mut cached) = cached {
        if !same_tags(&cached.tags, &sent.tags_now) {
            cached.tags = sent.tags_now;
            resources::upsert(&mut tx, &cached).await?;
        }
    }
    bulk_edits::heartbeat(&mut tx, id, &now).await?;
    tx.commit().await
}

async fn finished(console: &Arc<Console>, id: &str, actor: &Actor) -> Result<(), sqlx::Error> {
    let counts = bulk_edits::get(console.db().pool(), id)
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
    bulk_edits::finish(&mut tx, id, BulkState::Finished, &notice, &now).await?;
    let mut row = actor.row("bulk_edit.apply", "bulk_edit", id);
    row.outcome = Some(if counts.failed == 0 {
        Outcome::Ok
    } else {
        Outcome::Error
    });
    row.message = format!("{} changed, {} failed", counts.done, counts.failed);
    row.params = json!({ "bulk_edit": id, "done": counts.done, "failed": counts.failed });
    store::audit::append(&mut tx, console.db().seal(), row, &now).await?;
    tx.commit().await
}
