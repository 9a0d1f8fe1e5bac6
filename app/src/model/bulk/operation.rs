//! The tag operations of a bulk edit, as the form's rows and as what they do to one item's tags.

use serde::{Deserialize, Serialize};

use crate::model::{
    aws_rules::{TAG_KEY_MAX, TAG_VALUE_MAX},
    FieldErrors, Tag,
};

/// The most operations one bulk edit applies.
pub const MAX_OPERATIONS: usize = 10;

/// One change to every selected item's tags, applied in the order the admin gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum TagOperation {
    /// Adds the tag, or sets its value where the key exists.
    Set { key: String, value: String },
    /// Adds the tag only where the key is absent; existing values stay.
    SetIfMissing { key: String, value: String },
    /// Moves the value of `from` to the key `to` (which it overwrites) where `from` exists.
    Rename { from: String, to: String },
    /// Sets `key` to `to` where its value is exactly `from`.
    ReplaceValue {
        key: String,
        from: String,
        to: String,
    },
    /// Removes the key where it exists.
    Remove { key: String },
}

impl TagOperation {
    /// `tags` after the operation.
    pub fn apply(&self, tags: &mut Vec<Tag>) {
        let position = |tags: &[Tag], key: &str| tags.iter().position(|t| t.key == key);
        match self {
            TagOperation::Set { key, value } => set(tags, key, value),
            TagOperation::SetIfMissing { key, value } => {
                if position(tags, key).is_none() {
                    set(tags, key, value);
                }
            }
            TagOperation::Rename { from, to } => {
                if let Some(at) = position(tags, from) {
                    let moved = tags.remove(at);
                    set(tags, to, &moved.value);
                }
            }
            TagOperation::ReplaceValue { key, from, to } => {
                if let Some(tag) = tags.iter_mut().find(|t| t.key == *key && t.value == *from) {
                    tag.value = to.clone();
                }
            }
            TagOperation::Remove { key } => tags.retain(|t| t.key != *key),
        }
    }

    /// A short sentence for the preview and the audit trail.
    pub fn describe(&self) -> String {
        match self {
            TagOperation::Set { key, value } => format!("Set {key}={value}"),
            TagOperation::SetIfMissing { key, value } => {
                format!("Set {key}={value} where {key} is missing")
            }
            TagOperation::Rename { from, to } => format!("Rename key {from} to {to}"),
            TagOperation::ReplaceValue { key, from, to } => {
                format!("Change {key} from {from} to {to}")
            }
            TagOperation::Remove { key } => format!("Remove {key}"),
        }
    }

    /// The keys and values the operation writes, to check against each kind's tag rules.
    pub fn written(&self) -> Vec<(&str, &str)> {
        match self {
            TagOperation::Set { key, value } | TagOperation::SetIfMissing { key, value } => {
                vec![(key, value)]
            }
            TagOperation::Rename { to, .. } => vec![(to, "")],
            TagOperation::ReplaceValue { key, to, .. } => vec![(key, to)],
            TagOperation::Remove { .. } => Vec::new(),
        }
    }

    /// The row of the form that shows this operation.
    pub fn row(&self) -> OperationRow {
        let row = |op: &str, key: &str, from: &str, value: &str| OperationRow {
            op: op.into(),
            key: key.into(),
            from: from.into(),
            value: value.into(),
        };
        match self {
            TagOperation::Set { key, value } => row("set", key, "", value),
            TagOperation::SetIfMissing { key, value } => row("set-if-missing", key, "", value),
            TagOperation::Rename { from, to } => row("rename", from, "", to),
            TagOperation::ReplaceValue { key, from, to } => row("replace-value", key, from, to),
            TagOperation::Remove { key } => row("remove", key, "", ""),
        }
    }
}

fn set(tags: &mut Vec<Tag>, key: &str, value: &str) {
    match tags.iter_mut().find(|t| t.key == key) {
        Some(tag) => tag.value = value.to_string(),
        None => tags.push(Tag {
            key: key.to_string(),
            value: value.to_string(),
        }),
    }
}

/// The choices of a row's operation, as the form's select offers them.
pub const OPERATION_CHOICES: [(&str, &str); 5] = [
    ("set", "Add or set"),
    ("set-if-missing", "Set only where missing"),
    ("rename", "Rename key"),
    ("replace-value", "Change a value"),
    ("remove", "Remove key"),
];

/// One row of the operations form: which operation, its key, the value it replaces (for
/// "change a value"), and the new value (or, for a rename, the new key).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OperationRow {
    #[serde(default)]
    pub op: String,
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub value: String,
}

impl OperationRow {
    fn is_blank(&self) -> bool {
        self.key.trim().is_empty() && self.from.trim().is_empty() && self.value.trim().is_empty()
    }

    /// The operation, or `None` for a row left blank; each field's error named
    /// `ops.N.field`.
    fn parse(&self, n: usize, errors: &mut FieldErrors) -> Option<TagOperation> {
        if self.is_blank() {
            return None;
        }
        let field = |name: &str| format!("ops.{n}.{name}");
        let key = self.key.trim().to_string();
        let from = self.from.trim().to_string();
        let value = self.value.trim().to_string();
        errors.check(&field("key"), check_key(&key, "Key"));
        let operation = match self.op.as_str() {
            "set" | "set-if-missing" => {
                errors.check(&field("value"), check_new_value(&value));
                if self.op == "set" {
                    TagOperation::Set { key, value }
                } else {
                    TagOperation::SetIfMissing { key, value }
                }
            }
            "rename" => {
                errors.check(&field("value"), check_key(&value, "The new key"));
                if key == value && !key.is_empty() {
                    errors.check(
                        &field("value"),
                        Err("The new key is the same as the old one.".into()),
                    );
                }
                TagOperation::Rename {
                    from: key,
                    to: value,
                }
            }
            "replace-value" => {
                errors.check(&field("from"), check_value(&from));
                errors.check(&field("value"), check_new_value(&value));
                if from == value {
                    errors.check(
                        &field("value"),
                        Err("The new value is the same as the one it replaces.".into()),
                    );
                }
                TagOperation::ReplaceValue {
                    key,
                    from,
                    to: value,
                }
            }
            "remove" => TagOperation::Remove { key },
            _ => {
                errors.check(&field("op"), Err("Choose an operation.".into()));
                return None;
            }
        };
        Some(operation)
    }
}

/// The operations of the form's rows (blank rows skipped), or every field's error.
pub fn parse_operations(rows: &[OperationRow]) -> Result<Vec<TagOperation>, FieldErrors> {
    let mut errors = FieldErrors::new();
    if rows.len() > MAX_OPERATIONS {
        errors.check(
            "ops",
            Err(format!(
                "A bulk edit has at most {MAX_OPERATIONS} operations; split it in two."
            )),
        );
    }
    let operations: Vec<TagOperation> = rows
        .iter()
        .take(MAX_OPERATIONS)
        .enumerate()
        .filter_map(|(n, row)| row.parse(n, &mut errors))
        .collect();
    if operations.is_empty() && rows.iter().all(OperationRow::is_blank) {
        errors.check(
            "ops",
            Err("Give at least one operation: a key, and a value where it needs one.".into()),
        );
    }
    match errors.is_empty() {
        true => Ok(operations),
        false => Err(errors),
    }
}

/// The rules every service shares; each kind's own (IAM's characters, EC2's 127) are checked
/// per item in the preview, where an item that breaks them is refused rather than the form.
fn check_key(key: &str, what: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err(format!("{what} cannot be empty."));
    }
    if key.chars().count() > TAG_KEY_MAX {
        return Err(format!("{what} is longer than {TAG_KEY_MAX} characters."));
    }
    if key.chars().any(char::is_control) {
        return Err(format!("{what} contains a control character."));
    }
    if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
        return Err(format!("{what} starts with aws:, which AWS reserves."));
    }
    Ok(())
}

/// A value the edit writes: not empty, since an empty value would satisfy a required key (and
/// the rules and alerts that read it) without saying anything.
fn check_new_value(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(
            "Give a value: an empty one would satisfy a required key without saying anything."
                .into(),
        );
    }
    check_value(value)
}

fn check_value(value: &str) -> Result<(), String> {
    if value.chars().count() > TAG_VALUE_MAX {
        return Err(format!(
            "The value is longer than {TAG_VALUE_MAX} characters."
        ));
    }
    if value.chars().any(char::is_control) {
        return Err("The value contains a control character.".into());
    }
    Ok(())
}

/// The operation that fixes the test rules' misspelled `costcenter`.
#[cfg(test)]
pub(crate) fn rename_cost_centre() -> TagOperation {
    TagOperation::Rename {
        from: "costcenter".into(),
        to: "CostCentre".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::resource::tags_of as tags;

    fn after(before: &[(&str, &str)], operation: TagOperation) -> Vec<Tag> {
        let mut tags = tags(before);
        operation.apply(&mut tags);
        tags
    }

    fn row(op: &str, key: &str, from: &str, value: &str) -> OperationRow {
        OperationRow {
            op: op.into(),
            key: key.into(),
            from: from.into(),
            value: value.into(),
        }
    }

    #[test]
    fn each_operation_changes_only_what_it_names() {
        let before = [("Owner", "ana"), ("costcenter", "CC-1")];
        let set = |key: &str, value: &str| TagOperation::Set {
            key: key.into(),
            value: value.into(),
        };
        assert_eq!(
            after(&before, set("Owner", "bo")),
            tags(&[("Owner", "bo"), ("costcenter", "CC-1")])
        );
        assert_eq!(
            after(&before, set("Team", "x")),
            tags(&[("Owner", "ana"), ("costcenter", "CC-1"), ("Team", "x")])
        );
        let if_missing = |key: &str| TagOperation::SetIfMissing {
            key: key.into(),
            value: "bo".into(),
        };
        assert_eq!(after(&before, if_missing("Owner")), tags(&before));
        assert_eq!(
            after(&before, if_missing("Team")),
            tags(&[("Owner", "ana"), ("costcenter", "CC-1"), ("Team", "bo")])
        );
        let rename = TagOperation::Rename {
            from: "costcenter".into(),
            to: "CostCentre".into(),
        };
        assert_eq!(
            after(&before, rename.clone()),
            tags(&[("Owner", "ana"), ("CostCentre", "CC-1")])
        );
        assert_eq!(
            after(&[("Owner", "ana")], rename),
            tags(&[("Owner", "ana")])
        );
        let replace = |from: &str| TagOperation::ReplaceValue {
            key: "costcenter".into(),
            from: from.into(),
            to: "CC-2".into(),
        };
        assert_eq!(
            after(&before, replace("CC-1")),
            tags(&[("Owner", "ana"), ("costcenter", "CC-2")])
        );
        assert_eq!(after(&before, replace("CC-9")), tags(&before));
        let remove = TagOperation::Remove {
            key: "Owner".into(),
        };
        assert_eq!(after(&before, remove), tags(&[("costcenter", "CC-1")]));
    }

    #[test]
    fn rows_become_operations_and_blank_rows_are_skipped() {
        let rows = [
            row("rename", " costcenter ", "", "CostCentre"),
            row("set", "", "", ""),
            row("set-if-missing", "Owner", "", "security@example.com"),
        ];
        assert_eq!(
            parse_operations(&rows).unwrap(),
            vec![
                rename_cost_centre(),
                TagOperation::SetIfMissing {
                    key: "Owner".into(),
                    value: "security@example.com".into()
                },
            ]
        );
        for operation in parse_operations(&rows).unwrap() {
            assert_eq!(
                parse_operations(&[operation.row()]).unwrap(),
                vec![operation]
            );
        }
    }

    #[test]
    fn each_bad_field_is_named() {
        let fields = |rows: &[OperationRow]| -> Vec<String> {
            parse_operations(rows)
                .unwrap_err()
                .iter()
                .map(|e| e.field.clone())
                .collect()
        };
        assert_eq!(fields(&[row("", "", "", "")]), ["ops"]);
        assert_eq!(fields(&[row("set", "aws:owner", "", "x")]), ["ops.0.key"]);
        assert_eq!(fields(&[row("", "Owner", "", "x")]), ["ops.0.op"]);
        assert_eq!(
            fields(&[row("set-if-missing", "Owner", "", "")]),
            ["ops.0.value"]
        );
        assert_eq!(
            fields(&[row("set", "Owner", "", "ok"), row("rename", "a", "", "a")]),
            ["ops.1.value"]
        );
        assert_eq!(
            fields(&[row("set", "Owner", "", &"v".repeat(257))]),
            ["ops.0.value"]
        );
        assert_eq!(
            fields(&[row("replace-value", "Owner", "a\u{7}", "b")]),
            ["ops.0.from"]
        );
        assert_eq!(fields(&vec![row("remove", "k", "", ""); 11]), ["ops"]);
    }
}
