//! What a bulk edit does to one item, worked out before anything is sent: the tags after, or
//! why AWS would refuse it, and the tag rules the item breaks before and after.

use serde::{Deserialize, Serialize};

use super::operation::TagOperation;
use crate::model::{
    aws_rules::{check_tag_key, check_tag_value, MAX_TAGS},
    compliance::{violations, TagRule},
    ResourceKind, Tag, TagRules,
};

/// Where an item of a bulk edit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemStatus {
    /// A change previewed and not sent yet.
    Pending,
    /// The operations leave its tags as they are.
    Unchanged,
    /// AWS would refuse the change (no tags on the kind, too many tags, a key it rejects).
    Refused,
    /// AWS took the change.
    Done,
    /// AWS refused the change when it was sent; retryable.
    Failed,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 5] = [
        ItemStatus::Pending,
        ItemStatus::Unchanged,
        ItemStatus::Refused,
        ItemStatus::Done,
        ItemStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Pending => "pending",
            ItemStatus::Unchanged => "unchanged",
            ItemStatus::Refused => "refused",
            ItemStatus::Done => "done",
            ItemStatus::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::Pending => "Will change",
            ItemStatus::Unchanged => "Unchanged",
            ItemStatus::Refused => "Refused",
            ItemStatus::Done => "Done",
            ItemStatus::Failed => "Failed",
        }
    }
}

/// One item's preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Previewed {
    pub after: Vec<Tag>,
    pub status: ItemStatus,
    /// Why AWS would refuse it.
    pub message: String,
    /// The rules it breaks before the change.
    pub breaks_before: Vec<String>,
    /// The rules it breaks after the change (before it, for a refused item).
    pub breaks_after: Vec<String>,
}

/// Applies the operations to one item's tags and checks the result against AWS's rules for
/// its kind and the organisation's tag rules.
pub fn preview(
    kind: ResourceKind,
    account: &str,
    before: &[Tag],
    operations: &[TagOperation],
    rules: &[TagRule],
) -> Previewed {
    let describe = |tags: &[Tag]| -> Vec<String> {
        violations(rules, kind, account, tags)
            .iter()
            .map(|v| v.describe())
            .collect()
    };
    let mut after = before.to_vec();
    for operation in operations {
        operation.apply(&mut after);
    }
    let breaks_before = describe(before);
    let refusal = refusal(kind, before, &after);
    let status = match (&refusal, same_tags(before, &after)) {
        (_, true) => ItemStatus::Unchanged,
        (Some(_), false) => ItemStatus::Refused,
        (None, false) => ItemStatus::Pending,
    };
    let breaks_after = match status {
        ItemStatus::Pending => describe(&after),
        _ => breaks_before.clone(),
    };
    if status != ItemStatus::Pending {
        after = before.to_vec();
    }
    Previewed {
        after,
        status,
        message: if status == ItemStatus::Refused {
            refusal.unwrap_or_default()
        } else {
            String::new()
        },
        breaks_before,
        breaks_after,
    }
}

/// Why AWS would refuse to give the item these tags, if it would.
fn refusal(kind: ResourceKind, before: &[Tag], after: &[Tag]) -> Option<String> {
    let rules = kind.tag_rules();
    if rules == TagRules::None {
        return Some(format!("AWS does not support tags on {}.", kind.title()));
    }
    let change = TagChange::between(before, after);
    for tag in &change.set {
        if let Err(message) = check_tag_key(rules, &tag.key) {
            return Some(message);
        }
        if let Err(message) = check_tag_value(rules, &tag.key, &tag.value) {
            return Some(message);
        }
    }
    if after.len() > MAX_TAGS {
        return Some(format!(
            "It would have {} tags; AWS allows at most {MAX_TAGS} per item.",
            after.len()
        ));
    }
    None
}

/// Whether two tag lists hold the same tags, in any order.
pub fn same_tags(a: &[Tag], b: &[Tag]) -> bool {
    a.len() == b.len() && a.iter().all(|tag| b.contains(tag))
}

/// What AWS must be asked to turn `before` into `after`: the tags to add or overwrite and the
/// keys to remove. Setting goes first, so an item is never left without the value in between
/// (a rename sets the new key, then removes the old). Keys are compared exactly: every service
/// trustdesk tags keeps `owner` and `Owner` apart (IAM folds case only on users and roles), so a
/// removal never deletes a key just set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagChange {
    pub set: Vec<Tag>,
    pub remove: Vec<String>,
}

impl TagChange {
    pub fn between(before: &[Tag], after: &[Tag]) -> Self {
        let set: Vec<Tag> = after
            .iter()
            .filter(|tag| !before.contains(tag))
            .cloned()
            .collect();
        let remove: Vec<String> = before
            .iter()
            .filter(|tag| !after.iter().any(|t| t.key == tag.key))
            .map(|tag| tag.key.clone())
            .collect();
        Self { set, remove }
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty() && self.remove.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::bulk::operation::rename_cost_centre as rename;
    use crate::model::compliance::fixtures::cost_centre_rule;
    use crate::model::resource::tags_of as tags;

    #[test]
    fn a_fix_is_previewed_with_the_violations_it_removes() {
        let before = tags(&[("Owner", "ana"), ("costcenter", "CC-1200")]);
        let shown = preview(
            ResourceKind::InstanceProfile,
            "prod",
            &before,
            &[rename()],
            &[cost_centre_rule()],
        );
        assert_eq!(shown.status, ItemStatus::Pending);
        assert_eq!(
            shown.after,
            tags(&[("Owner", "ana"), ("CostCentre", "CC-1200")])
        );
        assert_eq!(shown.breaks_before.len(), 1);
        assert!(shown.breaks_after.is_empty());
        assert_eq!(
            TagChange::between(&before, &shown.after),
            TagChange {
                set: tags(&[("CostCentre", "CC-1200")]),
                remove: vec!["costcenter".into()],
            }
        );
    }

    #[test]
    fn items_aws_would_refuse_keep_their_tags() {
        let no_tags = preview(ResourceKind::LicenseToken, "prod", &[], &[rename()], &[]);
        assert_eq!(no_tags.status, ItemStatus::Unchanged);
        let set = TagOperation::Set {
            key: "Team".into(),
            value: "a".into(),
        };
        let license = preview(
            ResourceKind::LicenseToken,
            "prod",
            &[],
            std::slice::from_ref(&set),
            &[],
        );
        assert_eq!(license.status, ItemStatus::Refused);
        assert!(license.message.contains("does not support tags"));
        assert!(license.after.is_empty());

        let full: Vec<Tag> = (0..50)
            .map(|n| Tag {
                key: format!("k{n}"),
                value: String::new(),
            })
            .collect();
        let crowded = preview(ResourceKind::TrustProvider, "prod", &full, &[set], &[]);
        assert_eq!(crowded.status, ItemStatus::Refused);
        assert!(
            crowded.message.contains("at most 50"),
            "{}",
            crowded.message
        );
        assert_eq!(crowded.after, full);

        let hash = TagOperation::Set {
            key: "team#".into(),
            value: "a".into(),
        };
        let iam = preview(
            ResourceKind::MfaDevice,
            "prod",
            &[],
            std::slice::from_ref(&hash),
            &[],
        );
        assert_eq!(iam.status, ItemStatus::Refused);
        assert!(iam.message.contains("IAM does not allow"));
        let ec2 = preview(ResourceKind::TrustProvider, "prod", &[], &[hash], &[]);
        assert_eq!(ec2.status, ItemStatus::Pending);
    }

    #[test]
    fn iam_keys_that_differ_only_by_case_are_two_keys() {
        // IAM folds case only on users and roles; the six IAM kinds trustdesk manages keep
        // `owner` and `Owner` apart, as EC2 and Multi-party approval do.
        let before = tags(&[("owner", "ana")]);
        let set = TagOperation::Set {
            key: "Owner".into(),
            value: "bo".into(),
        };
        for kind in [ResourceKind::SamlProvider, ResourceKind::TrustProvider] {
            let both = preview(kind, "prod", &before, std::slice::from_ref(&set), &[]);
            assert_eq!(
                both.status,
                ItemStatus::Pending,
                "{kind:?}: {}",
                both.message
            );
            assert_eq!(both.after, tags(&[("owner", "ana"), ("Owner", "bo")]));
            assert_eq!(
                TagChange::between(&before, &both.after),
                TagChange {
                    set: tags(&[("Owner", "bo")]),
                    remove: Vec::new(),
                }
            );
        }

        let recase = TagOperation::Rename {
            from: "owner".into(),
            to: "Owner".into(),
        };
        let renamed = preview(ResourceKind::SamlProvider, "prod", &before, &[recase], &[]);
        assert_eq!(renamed.status, ItemStatus::Pending);
        assert_eq!(renamed.after, tags(&[("Owner", "ana")]));
        assert_eq!(
            TagChange::between(&before, &renamed.after),
            TagChange {
                set: tags(&[("Owner", "ana")]),
                remove: vec!["owner".into()],
            }
        );
    }
}
