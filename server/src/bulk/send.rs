//! Sends a bulk edit's changes to AWS. Items of one scope with the same change form a unit
//! that takes its steps (set, remove) back to back, in one call per step where the service
//! takes many ids (EC2, up to 1000) and one call per item elsewhere; at most [`CONCURRENCY`]
//! calls at a time, each with the SDK's retries. A call AWS refuses for several items is split
//! in halves to find the items at fault, within [`SPLIT_CALLS`] calls, so one bad item does not
//! fail its neighbours and a refusal of the whole scope does not become a call per item.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use app::model::bulk::TagChange;
use app::model::{ResourceKind, Tag};
use tokio::sync::{mpsc, watch, Semaphore};

use crate::aws::{self, At, AwsFailure};

/// Calls in flight at once, across every scope of the edit.
pub const CONCURRENCY: usize = 4;
/// The most extra calls spent splitting one refused batch.
pub const SPLIT_CALLS: usize = 32;

/// One item to change: where it is, its id, the change, and its tags before it.
pub struct Change {
    pub position: i64,
    pub kind: ResourceKind,
    pub at: At,
    pub id: String,
    pub change: TagChange,
    pub before: Vec<Tag>,
}

/// How one item ended: the tags AWS now holds (before with every step that succeeded), and
/// the request id of its last call or the failure of the step that failed.
pub struct Sent {
    pub position: i64,
    pub tags_now: Vec<Tag>,
    pub result: Result<String, AwsFailure>,
}

/// A step of a change: set or remove.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Set(Vec<(String, String)>),
    Remove(Vec<String>),
}

impl Step {
    async fn send(
        &self,
        kind: ResourceKind,
        at: &At,
        ids: &[String],
    ) -> Result<String, AwsFailure> {
        let adapter = aws::adapter(kind);
        match self {
            Step::Set(pairs) => {
                let tags: Vec<Tag> = pairs
                    .iter()
                    .map(|(key, value)| Tag::new(key, value))
                    .collect();
                adapter.tag_many(at, ids, &tags).await
            }
            Step::Remove(keys) => adapter.untag_many(at, ids, keys).await,
        }
    }

    fn apply(&self, tags: &mut Vec<Tag>) {
        match self {
            Step::Set(pairs) => {
                for (key, value) in pairs {
                    match tags.iter_mut().find(|t| t.key == *key) {
                        Some(tag) => tag.value = value.clone(),
                        None => tags.push(Tag::new(key, value)),
                    }
                }
            }
            Step::Remove(keys) => tags.retain(|t| !keys.contains(&t.key)),
        }
    }
}

fn steps(change: &TagChange) -> Vec<Step> {
    let mut pairs: Vec<(String, String)> = change
        .set
        .iter()
        .map(|t| (t.key.clone(), t.value.clone()))
        .collect();
    pairs.sort();
    let mut keys = change.remove.clone();
    keys.sort();
    let set = (!pairs.is_empty()).then_some(Step::Set(pairs));
    let remove = (!keys.is_empty()).then_some(Step::Remove(keys));
    // Set first: the item is never without the value in between (see `TagChange`).
    [set, remove].into_iter().flatten().collect()
}

/// An item inside a unit: its position, id and the tags AWS holds so far.
struct Member {
    position: i64,
    id: String,
    tags: Vec<Tag>,
}

/// Items of one kind and scope with the same steps, as many as one call takes.
struct Unit {
    kind: ResourceKind,
    at: At,
    steps: Vec<Step>,
    members: Vec<Member>,
}

fn units(changes: Vec<Change>) -> Vec<Unit> {
    let mut groups: BTreeMap<(ResourceKind, String, String, Vec<Step>), Unit> = BTreeMap::new();
    for change in changes {
        let steps = steps(&change.change);
        let key = (
            change.kind,
            change.at.scope.account.clone(),
            change.at.scope.region.clone(),
            steps.clone(),
        );
        groups
            .entry(key)
            .or_insert_with(|| Unit {
                kind: change.kind,
                at: change.at.clone(),
                steps,
                members: Vec::new(),
            })
            .members
            .push(Member {
                position: change.position,
                id: change.id,
                tags: change.before,
            });
    }
    let mut out = Vec::new();
    for mut group in groups.into_values() {
        let limit = aws::adapter(group.kind).tag_batch_limit().max(1);
        while !group.members.is_empty() {
            let rest = group.members.split_off(group.members.len().min(limit));
            out.push(Unit {
                kind: group.kind,
                at: group.at.clone(),
                steps: group.steps.clone(),
                members: std::mem::replace(&mut group.members, rest),
            });
        }
    }
    out
}

/// Sends one step for `ids`; a refusal of several is split in halves to find the items at
/// fault, within the budget. One result per id.
async fn send_step(
    kind: ResourceKind,
    at: &At,
    step: &Step,
    ids: &[String],
    gate: &Semaphore,
    stop: &watch::Receiver<bool>,
) -> Vec<Result<String, AwsFailure>> {
    let mut results: Vec<Option<Result<String, AwsFailure>>> = vec![None; ids.len()];
    let mut pending: Vec<Range<usize>> = Vec::new();
    pending.push(0..ids.len());
    let mut budget = SPLIT_CALLS;
    while let Some(range) = pending.pop() {
        let sent = {
            let _permit = gate.acquire().await;
            // Checked with the permit in hand: no call starts once the server is stopping.
            if *stop.borrow() {
                Err(stopped())
            } else {
                step.send(kind, at, &ids[range.clone()]).await
            }
        };
        match sent {
            Ok(request_id) => {
                for slot in &mut results[range] {
                    *slot = Some(Ok(request_id.clone()));
                }
            }
            Err(failure) if range.len() > 1 && budget >= 2 && failure.code != STOPPED => {
                tracing::info!(code = %failure.code, items = range.len(), "bulk edit: a batch was refused; splitting it to find the items at fault");
                budget -= 2;
                let middle = range.start + range.len() / 2;
                pending.push(middle..range.end);
                pending.push(range.start..middle);
            }
            Err(failure) => {
                for slot in &mut results[range] {
                    *slot = Some(Err(failure.clone()));
                }
            }
        }
    }
    results
        .into_iter()
        .map(|r| r.expect("every id is answered"))
        .collect()
}

/// The code of a call not made because the server is stopping.
const STOPPED: &str = "Stopped";

fn stopped() -> AwsFailure {
    AwsFailure {
        error: app::model::AppError::unavailable(
            "trustdesk stopped before sending the rest of this change; Retry sends it.",
        ),
        code: STOPPED.into(),
        request_id: String::new(),
    }
}

/// Takes one unit's steps in order; each item is reported once, when done or failed. An item
/// the server stopped before any call for it is not reported: it stays pending.
async fn run_unit(
    unit: Unit,
    gate: Arc<Semaphore>,
    report: mpsc::Sender<Sent>,
    stop: watch::Receiver<bool>,
) {
    let mut live = unit.members;
    let mut last_request = String::new();
    for (index, step) in unit.steps.iter().enumerate() {
        if live.is_empty() || report.is_closed() {
            return;
        }
        let ids: Vec<String> = live.iter().map(|m| m.id.clone()).collect();
        let results = send_step(unit.kind, &unit.at, step, &ids, &gate, &stop).await;
        let mut next = Vec::with_capacity(live.len());
        for (mut member, result) in live.into_iter().zip(results) {
            match result {
                Err(failure) if failure.code == STOPPED && index == 0 => {}
                Ok(request_id) => {
                    step.apply(&mut member.tags);
                    last_request = request_id;
                    next.push(member);
                }
                Err(failure) => {
                    let sent = Sent {
                        position: member.position,
                        tags_now: member.tags,
                        result: Err(failure),
                    };
                    if report.send(sent).await.is_err() {
                        return;
                    }
                }
            }
        }
        live = next;
    }
    for member in live {
        let sent = Sent {
            position: member.position,
            tags_now: member.tags,
            result: Ok(last_request.clone()),
        };
        if report.send(sent).await.is_err() {
            return;
        }
    }
}

/// Sends every change, reporting each item as it completes. Stops sending once nobody
/// listens (the run stopped); dropping this future stops every call not yet made.
pub async fn send_all(
    changes: Vec<Change>,
    report: mpsc::Sender<Sent>,
    stop: watch::Receiver<bool>,
) {
    let gate = Arc::new(Semaphore::new(CONCURRENCY));
    let mut running = tokio::task::JoinSet::new();
    for unit in units(changes) {
        running.spawn(run_unit(unit, gate.clone(), report.clone(), stop.clone()));
    }
    while let Some(done) = running.join_next().await {
        if let Err(error) = done {
            tracing::error!(%error, "bulk edit: a unit of changes stopped unexpectedly");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rename_sets_the_new_key_before_removing_the_old_even_when_only_case_differs() {
        let tag = Tag::new;
        for (from, to) in [("costcenter", "CostCentre"), ("owner", "Owner")] {
            let rename = TagChange::between(&[tag(from, "1")], &[tag(to, "1")]);
            assert!(matches!(
                steps(&rename).as_slice(),
                [Step::Set(_), Step::Remove(_)]
            ));
            let mut tags = vec![tag(from, "1")];
            for step in steps(&rename) {
                step.apply(&mut tags);
            }
            assert_eq!(tags, vec![tag(to, "1")]);
        }
    }
}
