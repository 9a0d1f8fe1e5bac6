//! Sends a bulk edit's changes to AWS: items with the same change in one scope go in one call
//! where the service takes many ids (EC2), else one call per item; at most [`CONCURRENCY`] calls
//! at a time, each with the SDK's retries. A batch AWS refuses is sent again item by item, so
//! one bad item does not fail its neighbours.

use std::collections::BTreeMap;
use std::sync::Arc;

use app::model::bulk::TagChange;
use app::model::{ResourceKind, Tag};
use tokio::sync::{mpsc, Semaphore};

use crate::aws::{self, At, AwsFailure};

/// Calls in flight at once, across every scope of the edit.
pub const CONCURRENCY: usize = 4;

/// One item to change: where it is, its id, and the change.
pub struct Change {
    pub position: i64,
    pub kind: ResourceKind,
    pub at: At,
    pub id: String,
    pub change: TagChange,
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
                    .map(|(key, value)| Tag {
                        key: key.clone(),
                        value: value.clone(),
                    })
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
                        None => tags.push(Tag {
                            key: key.clone(),
                            value: value.clone(),
                        }),
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
    let ordered = if change.remove_first {
        [remove, set]
    } else {
        [set, remove]
    };
    ordered.into_iter().flatten().collect()
}

/// Items of one scope and kind that take the same step in one call.
struct Batch {
    kind: ResourceKind,
    at: At,
    step: Step,
    items: Vec<(i64, String)>,
}

/// Groups the items' `round`th steps by scope and step, in batches the kind allows.
fn batches(
    items: &[(Change, Vec<Step>)],
    round: usize,
    skip: &std::collections::HashSet<i64>,
) -> Vec<Batch> {
    let mut groups: BTreeMap<(ResourceKind, String, String, Step), Batch> = BTreeMap::new();
    for (change, steps) in items {
        let Some(step) = steps.get(round) else {
            continue;
        };
        if skip.contains(&change.position) {
            continue;
        }
        let key = (
            change.kind,
            change.at.scope.account.clone(),
            change.at.scope.region.clone(),
            step.clone(),
        );
        groups
            .entry(key)
            .or_insert_with(|| Batch {
                kind: change.kind,
                at: change.at.clone(),
                step: step.clone(),
                items: Vec::new(),
            })
            .items
            .push((change.position, change.id.clone()));
    }
    let mut out = Vec::new();
    for batch in groups.into_values() {
        let limit = aws::adapter(batch.kind).tag_batch_limit().max(1);
        for chunk in batch.items.chunks(limit) {
            out.push(Batch {
                kind: batch.kind,
                at: batch.at.clone(),
                step: batch.step.clone(),
                items: chunk.to_vec(),
            });
        }
    }
    out
}

/// Sends one batch; when AWS refuses a batch of several, each item again on its own.
async fn send_batch(batch: Batch, gate: Arc<Semaphore>) -> Vec<(i64, Result<String, AwsFailure>)> {
    let ids: Vec<String> = batch.items.iter().map(|(_, id)| id.clone()).collect();
    let first = {
        let _permit = gate.acquire().await;
        batch.step.send(batch.kind, &batch.at, &ids).await
    };
    match first {
        Ok(request_id) => batch
            .items
            .iter()
            .map(|(position, _)| (*position, Ok(request_id.clone())))
            .collect(),
        Err(failure) if batch.items.len() == 1 => vec![(batch.items[0].0, Err(failure))],
        Err(failure) => {
            tracing::info!(code = %failure.code, items = batch.items.len(), "bulk edit: a batch was refused; sending its items one by one");
            let mut alone = tokio::task::JoinSet::new();
            for (position, id) in batch.items {
                let (gate, step, at) = (gate.clone(), batch.step.clone(), batch.at.clone());
                alone.spawn(async move {
                    let _permit = gate.acquire().await;
                    (position, step.send(batch.kind, &at, &[id]).await)
                });
            }
            let mut results = Vec::new();
            while let Some(done) = alone.join_next().await {
                if let Ok(result) = done {
                    results.push(result);
                }
            }
            results
        }
    }
}

/// Sends every change, reporting each item once it is done or has failed, as it happens.
pub async fn send_all(changes: Vec<(Change, Vec<Tag>)>, report: mpsc::Sender<Sent>) {
    let gate = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tags_now: BTreeMap<i64, Vec<Tag>> = BTreeMap::new();
    let items: Vec<(Change, Vec<Step>)> = changes
        .into_iter()
        .map(|(change, before)| {
            tags_now.insert(change.position, before);
            let steps = steps(&change.change);
            (change, steps)
        })
        .collect();
    let rounds = items.iter().map(|(_, s)| s.len()).max().unwrap_or(0);
    let index: std::collections::HashMap<i64, usize> = items
        .iter()
        .enumerate()
        .map(|(n, (change, _))| (change.position, n))
        .collect();
    let mut failed = std::collections::HashSet::new();
    for round in 0..rounds {
        let mut calls = tokio::task::JoinSet::new();
        for batch in batches(&items, round, &failed) {
            calls.spawn(send_batch(batch, gate.clone()));
        }
        while let Some(done) = calls.join_next().await {
            let Ok(results) = done else { continue };
            for (position, result) in results {
                let Some((_, steps)) = index.get(&position).map(|n| &items[*n]) else {
                    continue;
                };
                let tags = tags_now.entry(position).or_default();
                match result {
                    Ok(request_id) => {
                        steps[round].apply(tags);
                        if round + 1 == steps.len() {
                            let _ = report
                                .send(Sent {
                                    position,
                                    tags_now: tags.clone(),
                                    result: Ok(request_id),
                                })
                                .await;
                        }
                    }
                    Err(failure) => {
                        failed.insert(position);
                        let _ = report
                            .send(Sent {
                                position,
                                tags_now: tags.clone(),
                                result: Err(failure),
                            })
                            .await;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: &str) -> Tag {
        Tag {
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn a_rename_sets_the_new_key_before_removing_the_old_unless_only_case_differs() {
        let rename = TagChange::between(&[tag("costcenter", "1")], &[tag("CostCentre", "1")]);
        assert!(matches!(
            steps(&rename).as_slice(),
            [Step::Set(_), Step::Remove(_)]
        ));
        let recase = TagChange::between(&[tag("owner", "a")], &[tag("Owner", "a")]);
        assert!(matches!(
            steps(&recase).as_slice(),
            [Step::Remove(_), Step::Set(_)]
        ));
        let mut tags = vec![tag("owner", "a")];
        for step in steps(&recase) {
            step.apply(&mut tags);
        }
        assert_eq!(tags, vec![tag("Owner", "a")]);
    }
}
