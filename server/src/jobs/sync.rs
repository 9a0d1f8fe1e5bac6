//! AWS → cache: every kind in every configured account and region (IAM kinds once per account),
//! read with one paginated list per scope and only the per-item reads a list lacks (each
//! adapter's `list` says which). At most one sync runs at a time across every trustdesk process
//! on the database (a lease row), a bounded number of scopes at once, each within a timeout.
//! What changed in AWS without trustdesk (items removed, created, retagged) is written to the
//! audit trail; removed items are kept, marked, for the configured retention.

use std::collections::HashMap;
use std::time::Duration;

use app::model::{AwsItem, Field, ItemState, Recorded, ResourceKind, ResourceRef, Tag};
use futures_util::StreamExt;
use serde_json::{json, Value};

use super::JobContext;
use crate::aws::Place;
use crate::store::{self, audit::NewAuditRow, resources, scope_cache, scope_cache::Cached};

/// The lease's name in `leases`.
pub const LEASE: &str = "sync";
/// How long a lease lasts without renewal.
pub const LEASE_FOR: Duration = Duration::from_secs(60);
/// The actor of audit rows about changes made in AWS without trustdesk.
pub const OUTSIDE_ACTOR: &str = "aws (outside trustdesk)";

/// What one scope's read came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeReport {
    pub kind: ResourceKind,
    pub account: String,
    pub region: String,
    pub items: usize,
    pub aws_calls: u64,
    /// AWS's sentence when the scope could not be read.
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub run: String,
    pub scopes: Vec<ScopeReport>,
    /// The AWS requests of the organization's read that began the run (none without one).
    pub organization_calls: u64,
}

impl RunReport {
    pub fn items(&self) -> usize {
        self.scopes.iter().map(|s| s.items).sum()
    }

    pub fn aws_calls(&self) -> u64 {
        self.scopes.iter().map(|s| s.aws_calls).sum()
    }

    pub fn failures(&self) -> Vec<String> {
        self.scopes.iter().filter_map(|s| s.error.clone()).collect()
    }
}

/// Reads the organization's accounts again (`[organization]`), which the syncs from now on
/// read, and keeps what was found for the Sync page. Answers the read's AWS requests.
pub async fn read_organization(aws: &crate::aws::Aws, db: &crate::store::Db) -> u64 {
    let Some(found) = aws.read_organization().await else {
        return 0;
    };
    if !found.read.error.is_empty() {
        tracing::warn!(error = %found.read.error, "sync: could not read the organization; its accounts managed before stay managed");
    }
    if let Err(error) = store::organization::save(db.pool(), &found.read).await {
        tracing::warn!(%error, "sync: could not keep the organization's read");
    }
    found.aws_calls
}

/// Syncs `kinds` (every kind for the scheduled sync, one for an inventory's Refresh) unless
/// another sync holds the lease: then `None`, and nothing is read.
pub async fn run(
    jobs: &JobContext,
    kinds: &[ResourceKind],
) -> Result<Option<RunReport>, sqlx::Error> {
    let pool = jobs.db.pool();
    let holder = crate::csrf::random_token();
    let settings = &jobs.sync_settings;
    // Renewed every third of it while the sync runs; after a crash (kill -9) another process
    // may sync once it runs out.
    let lease_for = LEASE_FOR;
    if !take_lease(jobs, &holder, lease_for).await? {
        return Ok(None);
    }
    let renewing = async {
        loop {
            tokio::time::sleep(lease_for / 3).await;
            if let Err(error) = take_lease(jobs, &holder, lease_for).await {
                tracing::warn!(%error, "sync: could not renew the lease");
            }
        }
    };
    let run = crate::csrf::random_token();
    let synced = async {
        // The scheduled sync (every kind) begins by reading the organization again, so that
        // new accounts are read in it and suspended ones are not.
        let organization_calls = if kinds == ResourceKind::ALL.as_slice() {
            read_organization(&jobs.aws, &jobs.db).await
        } else {
            0
        };
        let run = run.clone();
        let places: Vec<(ResourceKind, Place)> = kinds
            .iter()
            .flat_map(|kind| {
                jobs.aws
                    .places(*kind)
                    .into_iter()
                    .map(|place| (*kind, place))
            })
            .collect();
        let named: Vec<(ResourceKind, String, String)> = places
            .iter()
            .map(|(kind, place)| (*kind, place.account.name.clone(), place.region.clone()))
            .collect();
        let mut tx = jobs.db.begin_write().await?;
        let queued = store::sync::queue(&mut tx, &run, &named, &store::now()).await?;
        tx.commit().await?;
        let scopes: Vec<ScopeReport> = futures_util::stream::iter(queued.into_iter().zip(places))
            .map(|(queued, (kind, place))| async move {
                let started = std::time::Instant::now();
                let report = sync_scope(jobs, queued.row, kind, &place).await;
                let outcome = if report.error.is_none() {
                    "ok"
                } else {
                    "error"
                };
                jobs.metrics.sync_run(
                    kind.as_str(),
                    &report.account,
                    &report.region,
                    outcome,
                    started.elapsed(),
                );
                report
            })
            .buffer_unordered(settings.concurrency.max(1))
            .collect()
            .await;
        let mut tx = jobs.db.begin_write().await?;
        let retention = chrono::Duration::from_std(settings.gone_retention)
            .unwrap_or_else(|_| chrono::Duration::days(30));
        let purged = scope_cache::purge_gone(
            &mut tx,
            &crate::time::timestamp(jobs.clock.now() - retention),
        )
        .await?;
        tx.commit().await?;
        crate::monitoring::refresh_items(&jobs.metrics, pool, jobs.clock.now()).await;
        if purged > 0 {
            tracing::info!(
                purged,
                "sync: forgot items removed in AWS longer ago than the retention"
            );
        }
        Ok::<_, sqlx::Error>(RunReport {
            run,
            scopes,
            organization_calls,
        })
    };
    let result = tokio::select! {
        result = synced => result,
        () = renewing => unreachable!("the renewal loop never ends"),
        // A scope's results are written in one transaction, so dropping the reads mid-way
        // leaves each scope either written or as it was; those not written are abandoned.
        () = jobs.until_shutdown() => {
            let abandoned = store::sync::abandon_run(pool, &run, &store::now()).await;
            match abandoned {
                Ok(scopes) => tracing::warn!(scopes, "sync: trustdesk is stopping; scopes not read yet are marked abandoned"),
                Err(error) => tracing::warn!(%error, "sync: could not mark unfinished scopes; the next start does"),
            }
            Ok(RunReport { run: run.clone(), scopes: Vec::new(), organization_calls: 0 })
        }
    };
    if let Err(error) = store::sync::release_lease(pool, LEASE, &holder).await {
        tracing::warn!(%error, "sync: could not release the lease; it runs out by itself");
    }
    result.map(Some)
}

async fn take_lease(
    jobs: &JobContext,
    holder: &str,
    lease_for: Duration,
) -> Result<bool, sqlx::Error> {
    let now = chrono::Utc::now();
    let until = now + chrono::Duration::from_std(lease_for).unwrap_or(chrono::Duration::minutes(5));
    store::sync::take_lease(
        jobs.db.pool(),
        LEASE,
        holder,
        &crate::time::timestamp(now),
        &crate::time::timestamp(until),
    )
    .await
}

/// Reads one scope and brings its cache in line, recording the outcome in its `sync_runs` row.
async fn sync_scope(jobs: &JobContext, row: i64, kind: ResourceKind, place: &Place) -> ScopeReport {
    let account = place.account.name.clone();
    let region = place.region.as_str();
    let mut report = ScopeReport {
        kind,
        account: account.clone(),
        region: region.to_string(),
        items: 0,
        aws_calls: 0,
        error: None,
    };
    let pool = jobs.db.pool();
    if let Err(error) = store::sync::mark_running(pool, row, &store::now()).await {
        tracing::warn!(%error, "sync: could not mark a scope running");
    }
    let calls = std::sync::OnceLock::new();
    let read = tokio::time::timeout(jobs.sync_settings.scope_timeout, async {
        let at = jobs.aws.at_place(place).await?;
        let _ = calls.set(at.calls.clone());
        let items = crate::aws::adapter(kind).list(&at).await?;
        Ok::<_, crate::aws::AwsFailure>((items, at.seen.clone()))
    })
    .await;
    report.aws_calls = calls
        .get()
        .map_or(0, |c: &crate::aws::calls::CallCounter| c.count());
    let (outcome, error) = match read {
        Ok(Ok((items, list_started))) => {
            report.items = items.len();
            match apply(jobs, kind, &account, region, items, &list_started, row, report.aws_calls).await {
                Ok(()) => return report,
                Err(error) => {
                    tracing::error!(%error, kind = kind.as_str(), account, region, "sync: could not write the cache");
                    (
                        store::sync::Outcome::Error,
                        "trustdesk read AWS but could not write its database; the next sync tries again.".to_string(),
                    )
                }
            }
        }
        Ok(Err(failure)) => (store::sync::Outcome::Error, failure.error.message),
        Err(_) => (
            store::sync::Outcome::Timeout,
            format!(
                "AWS did not answer within {} for {} in {account}/{region}; the cached items are as last read.",
                humantime::format_duration(jobs.sync_settings.scope_timeout),
                kind.title()
            ),
        ),
    };
    report.error = Some(error.clone());
    let finished = async {
        let mut tx = jobs.db.begin_write().await?;
        store::sync::finish(
            &mut tx,
            row,
            outcome,
            0,
            report.aws_calls,
            &error,
            &store::now(),
        )
        .await?;
        tx.commit().await
    };
    if let Err(db_error) = finished.await {
        tracing::error!(%db_error, "sync: could not record a failed scope");
    }
    report
}

/// Writes one scope's listing: the cache, the audit rows for what changed outside trustdesk,
/// the scope's read time and its `sync_runs` row, in one transaction.
#[allow(clippy::too_many_arguments)]
async fn apply(
    jobs: &JobContext,
    kind: ResourceKind,
    account: &str,
    region: &str,
    listed: Vec<AwsItem>,
    list_started: &str,
    row: i64,
    aws_calls: u64,
) -> Result<(), sqlx::Error> {
    let items = listed.len();
    let mut tx = jobs.db.begin_write().await?;
    let read_before = sqlx::query_scalar::<_, i64>(
        "SELECT COUNT(*) FROM resource_syncs WHERE kind = ? AND account = ? AND region = ?",
    )
    .bind(kind.as_str())
    .bind(account)
    .bind(region)
    .fetch_one(&mut *tx)
    .await?
        > 0;
    let cached = scope_cache::items(&mut tx, kind, account, region).await?;
    let changes = compare(cached, listed, list_started, read_before);
    // The cached copy of what changed or went, read before the cache changes: the audit rows'
    // "before", so an entry's page shows what was deleted or what the change replaced.
    let mut befores = Vec::with_capacity(changes.outside.len());
    for change in &changes.outside {
        befores.push(if change.was_cached {
            let item = item_ref(kind, account, region, &change.id);
            match resources::get_in(&mut tx, &item).await? {
                Some(cached) => Recorded::Present(ItemState::from(&cached)),
                None => Recorded::NotRecorded,
            }
        } else {
            Recorded::Absent
        });
    }
    let now = store::now();
    for item in &changes.upserts {
        resources::upsert(&mut tx, item).await?;
    }
    for gone in &changes.gone {
        scope_cache::mark_gone(&mut tx, kind, account, region, &gone.id, &now).await?;
    }
    for (change, before) in changes.outside.iter().zip(befores) {
        let row = NewAuditRow {
            actor: OUTSIDE_ACTOR.into(),
            client_ip: String::new(),
            action: change.action.into(),
            target_kind: kind.as_str().into(),
            target_id: change.id.clone(),
            account: account.into(),
            region: region.into(),
            params: change.params.clone(),
            outcome: Some(app::model::Outcome::Ok),
            message: change.message(kind),
            request_id: String::new(),
            before,
            after: change.after.clone(),
            ..Default::default()
        };
        store::audit::append(&mut tx, jobs.db.seal(), row, &now).await?;
    }
    scope_cache::mark_read(&mut tx, kind, account, region, list_started).await?;
    store::sync::finish(
        &mut tx,
        row,
        store::sync::Outcome::Ok,
        items,
        aws_calls,
        "",
        &now,
    )
    .await?;
    tx.commit().await
}

/// What a listing changes in the cache.
#[derive(Debug, Default)]
struct Changes {
    upserts: Vec<AwsItem>,
    gone: Vec<Cached>,
    outside: Vec<OutsideChange>,
}

#[derive(Debug, PartialEq)]
struct OutsideChange {
    action: &'static str,
    id: String,
    name: String,
    params: Value,
    /// The cache held the item as present (changed or removed): its cached copy is the row's
    /// "before". Otherwise (created, or back after it went) there was none.
    was_cached: bool,
    /// The item as AWS listed it; absent once removed.
    after: Recorded,
}

impl OutsideChange {
    fn message(&self, kind: ResourceKind) -> String {
        let what = match self.action {
            "sync.removed_outside" => "is no longer in AWS",
            "sync.created_outside" => "appeared in AWS",
            "sync.returned_outside" => "is in AWS again",
            _ => "was changed in AWS",
        };
        format!(
            "{} {} {what}, without trustdesk.",
            kind.singular(),
            self.name
        )
    }
}

/// Compares the cache of a scope with what AWS listed. An item the cache holds a newer copy of
/// than the listing (trustdesk changed or created it after the list began) is left as cached,
/// so a change made in trustdesk during a sync is neither undone nor reported as outside.
fn compare(
    cached: Vec<Cached>,
    listed: Vec<AwsItem>,
    list_started: &str,
    read_before: bool,
) -> Changes {
    let mut cached: HashMap<String, Cached> =
        cached.into_iter().map(|c| (c.id.clone(), c)).collect();
    let mut changes = Changes::default();
    for item in listed {
        match cached.remove(&item.item.id) {
            Some(old) if old.last_seen.as_str() > list_started => {}
            Some(old) if old.gone_at.is_some() => {
                changes.outside.push(OutsideChange {
                    action: "sync.returned_outside",
                    id: item.item.id.clone(),
                    name: item.name.clone(),
                    params: json!({}),
                    was_cached: false,
                    after: Recorded::Present(ItemState::from(&item)),
                });
                changes.upserts.push(item);
            }
            Some(old) => {
                if let Some(params) = difference(&old, &item) {
                    changes.outside.push(OutsideChange {
                        action: "sync.changed_outside",
                        id: item.item.id.clone(),
                        name: item.name.clone(),
                        params,
                        was_cached: true,
                        after: Recorded::Present(ItemState::from(&item)),
                    });
                }
                changes.upserts.push(item);
            }
            None => {
                if read_before {
                    changes.outside.push(OutsideChange {
                        action: "sync.created_outside",
                        id: item.item.id.clone(),
                        name: item.name.clone(),
                        params: json!({"tags": tag_map(&item.tags)}),
                        was_cached: false,
                        after: Recorded::Present(ItemState::from(&item)),
                    });
                }
                changes.upserts.push(item);
            }
        }
    }
    for (_, old) in cached {
        if old.gone_at.is_none() && old.last_seen.as_str() <= list_started {
            changes.outside.push(OutsideChange {
                action: "sync.removed_outside",
                id: old.id.clone(),
                name: old.name.clone(),
                params: json!({"last_seen": old.last_seen}),
                was_cached: true,
                after: Recorded::Absent,
            });
            changes.gone.push(old);
        }
    }
    changes
}

fn tag_map(tags: &[Tag]) -> serde_json::Map<String, Value> {
    tags.iter()
        .map(|t| (t.key.clone(), Value::String(t.value.clone())))
        .collect()
}

fn field_map(fields: &[Field]) -> HashMap<&str, &str> {
    fields
        .iter()
        .map(|f| (f.label.as_str(), f.value.as_str()))
        .collect()
}

/// What differs between the cached copy and AWS's (tags, fields, name, expiry), as
/// `{"tags": {"Key": {"before": …, "after": …}}, "fields": {…}}`; None when nothing does.
fn difference(old: &Cached, new: &AwsItem) -> Option<Value> {
    let mut tags = serde_json::Map::new();
    let (before, after) = (tag_map(&old.tags), tag_map(&new.tags));
    for key in before.keys().chain(after.keys()) {
        let (b, a) = (before.get(key), after.get(key));
        if b != a && !tags.contains_key(key) {
            tags.insert(key.clone(), json!({"before": b, "after": a}));
        }
    }
    let mut fields = serde_json::Map::new();
    let (before, after) = (field_map(&old.fields), field_map(&new.fields));
    for label in before.keys().chain(after.keys()) {
        let (b, a) = (before.get(label), after.get(label));
        if b != a && !fields.contains_key(*label) {
            fields.insert(label.to_string(), json!({"before": b, "after": a}));
        }
    }
    if old.name != new.name {
        fields.insert(
            "Name".into(),
            json!({"before": old.name, "after": new.name}),
        );
    }
    if old.expires_at != new.expires_at {
        fields.insert(
            "Expires".into(),
            json!({"before": old.expires_at, "after": new.expires_at}),
        );
    }
    let mut diff = serde_json::Map::new();
    if !tags.is_empty() {
        diff.insert("tags".into(), Value::Object(tags));
    }
    if !fields.is_empty() {
        diff.insert("fields".into(), Value::Object(fields));
    }
    (!diff.is_empty()).then_some(Value::Object(diff))
}

/// The fewest AWS calls that can read a scope of `kind` holding `items`, as the kind's adapter
/// counts them (an IAM listing reads 1,000 items a call; EC2's, License Manager's and
/// Multi-party approval's are counted as one page, as in the demo). A full sync makes exactly
/// this many (a test holds the emulator's count to it; `scripts/bench-server` prints both).
pub fn fewest_calls(kind: ResourceKind, items: u64) -> u64 {
    crate::aws::adapter(kind).fewest_calls(items)
}

/// The reference an audit row or a page uses for a cached item of a scope.
pub fn item_ref(kind: ResourceKind, account: &str, region: &str, id: &str) -> ResourceRef {
    ResourceRef {
        kind,
        account: account.into(),
        region: region.into(),
        id: id.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LISTED_AT: &str = "2026-12-01T10:00:00.000Z";

    fn item(id: &str, tags: &[(&str, &str)]) -> AwsItem {
        AwsItem {
            item: item_ref(ResourceKind::SamlProvider, "prod", "global", id),
            account_id: "123456789012".into(),
            name: id.into(),
            status: "valid".into(),
            expires_at: None,
            tags: tags
                .iter()
                .map(|(k, v)| Tag {
                    key: (*k).into(),
                    value: (*v).into(),
                })
                .collect(),
            fields: vec![],
            last_seen: LISTED_AT.into(),
            expires_in_days: None,
        }
    }

    fn cached(id: &str, tags: &[(&str, &str)], last_seen: &str, gone: bool) -> Cached {
        let item = item(id, tags);
        Cached {
            id: id.into(),
            name: id.into(),
            expires_at: None,
            tags: item.tags,
            fields: vec![],
            last_seen: last_seen.into(),
            gone_at: gone.then(|| "2026-11-30T00:00:00.000Z".into()),
        }
    }

    const EARLIER: &str = "2026-12-01T09:00:00.000Z";
    const LATER: &str = "2026-12-01T10:00:05.000Z";

    #[test]
    fn retagged_removed_created_and_returned_items_are_told_apart() {
        let changes = compare(
            vec![
                cached("same", &[("Owner", "a")], EARLIER, false),
                cached("retagged", &[("Owner", "a")], EARLIER, false),
                cached("removed", &[], EARLIER, false),
                cached("back", &[], EARLIER, true),
                cached("already-gone", &[], EARLIER, true),
            ],
            vec![
                item("same", &[("Owner", "a")]),
                item("retagged", &[("Owner", "b"), ("Team", "x")]),
                item("back", &[]),
                item("new", &[("Owner", "c")]),
            ],
            LISTED_AT,
            true,
        );
        let actions: Vec<(&str, &str)> = changes
            .outside
            .iter()
            .map(|c| (c.action, c.id.as_str()))
            .collect();
        assert_eq!(
            actions,
            vec![
                ("sync.changed_outside", "retagged"),
                ("sync.returned_outside", "back"),
                ("sync.created_outside", "new"),
                ("sync.removed_outside", "removed"),
            ]
        );
        assert_eq!(
            changes.outside[0].params,
            json!({"tags": {"Owner": {"before": "a", "after": "b"}, "Team": {"before": null, "after": "x"}}})
        );
        assert_eq!(changes.upserts.len(), 4);
        assert_eq!(
            changes
                .gone
                .iter()
                .map(|g| g.id.as_str())
                .collect::<Vec<_>>(),
            vec!["removed"]
        );
    }

    #[test]
    fn removed_and_changed_items_take_their_cached_copy_as_before_and_the_listing_as_after() {
        let changes = compare(
            vec![
                cached("removed", &[("Owner", "a")], EARLIER, false),
                cached("retagged", &[("Owner", "a")], EARLIER, false),
                cached("back", &[], EARLIER, true),
            ],
            vec![
                item("retagged", &[("Owner", "b")]),
                item("back", &[]),
                item("new", &[]),
            ],
            LISTED_AT,
            true,
        );
        let sides: Vec<(&str, bool, Recorded)> = changes
            .outside
            .iter()
            .map(|c| (c.action, c.was_cached, c.after.clone()))
            .collect();
        let listed =
            |id: &str, tags: &[(&str, &str)]| Recorded::Present(ItemState::from(&item(id, tags)));
        assert_eq!(
            sides,
            vec![
                (
                    "sync.changed_outside",
                    true,
                    listed("retagged", &[("Owner", "b")])
                ),
                ("sync.returned_outside", false, listed("back", &[])),
                ("sync.created_outside", false, listed("new", &[])),
                ("sync.removed_outside", true, Recorded::Absent),
            ]
        );
    }

    #[test]
    fn a_copy_newer_than_the_listing_is_kept_and_not_reported() {
        let changes = compare(
            vec![
                cached("tagged-in-trustdesk", &[("Owner", "new")], LATER, false),
                cached("created-in-trustdesk", &[], LATER, false),
            ],
            vec![item("tagged-in-trustdesk", &[("Owner", "old")])],
            LISTED_AT,
            true,
        );
        assert!(changes.outside.is_empty(), "{:?}", changes.outside);
        assert!(changes.upserts.is_empty());
        assert!(changes.gone.is_empty());
    }

    #[test]
    fn the_first_read_of_a_scope_reports_no_creations() {
        let changes = compare(
            vec![],
            vec![item("a", &[]), item("b", &[])],
            LISTED_AT,
            false,
        );
        assert!(changes.outside.is_empty());
        assert_eq!(changes.upserts.len(), 2);
    }
}
