//! The operations that fix what items break of the tag rules: what "Fix with bulk edit" on
//! the Compliance page fills in for the admin to review.

use super::TagOperation;
#[cfg(doc)]
use super::MAX_OPERATIONS;
use crate::model::{
    compliance::{AllowedValues, TagRule, Violation},
    ResourceKind, Tag,
};

/// Renames first (so a renamed key counts as present), then the missing keys, then the values
/// not allowed; each operation once. A value the rule cannot suggest is left empty for the
/// admin to fill in. More than [`MAX_OPERATIONS`] do not fit one edit: the caller says so.
pub fn suggested_fixes<'a>(
    rules: &[TagRule],
    items: impl IntoIterator<Item = (ResourceKind, &'a str, &'a [Tag])>,
) -> Vec<TagOperation> {
    let (mut renames, mut missing, mut values) = (Vec::new(), Vec::new(), Vec::new());
    let push = |list: &mut Vec<TagOperation>, operation: TagOperation| {
        if !list.contains(&operation) {
            list.push(operation);
        }
    };
    for (kind, account, tags) in items {
        for rule in rules {
            for violation in rule.check(kind, account, tags) {
                match violation {
                    Violation::Misspelled { found, key } => push(
                        &mut renames,
                        TagOperation::Rename {
                            from: found,
                            to: key,
                        },
                    ),
                    Violation::Missing { key } => push(
                        &mut missing,
                        TagOperation::SetIfMissing {
                            key,
                            value: first_allowed(&rule.allowed),
                        },
                    ),
                    Violation::NotAllowed { key, value, .. } => push(
                        &mut values,
                        TagOperation::ReplaceValue {
                            to: allowed_like(&rule.allowed, &value),
                            key,
                            from: value,
                        },
                    ),
                }
            }
        }
    }
    renames.into_iter().chain(missing).chain(values).collect()
}

fn first_allowed(allowed: &AllowedValues) -> String {
    match allowed {
        AllowedValues::List(values) => values.first().cloned().unwrap_or_default(),
        AllowedValues::Any | AllowedValues::Pattern(_) => String::new(),
    }
}

/// The allowed value a wrong one most likely meant: itself in another case, else nothing.
fn allowed_like(allowed: &AllowedValues, value: &str) -> String {
    let candidates = [value.to_uppercase(), value.to_lowercase()];
    if let Some(found) = candidates.into_iter().find(|v| allowed.allows(v)) {
        return found;
    }
    match allowed {
        AllowedValues::List(values) => values
            .iter()
            .find(|v| v.eq_ignore_ascii_case(value))
            .cloned()
            .unwrap_or_default(),
        AllowedValues::Any | AllowedValues::Pattern(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::bulk::operation::rename_cost_centre;
    use crate::model::compliance::fixtures::{cost_centre_rule, owner_rule};
    use crate::model::resource::tags_of as tags;

    #[test]
    fn fixes_come_renames_first_once_each() {
        let rules = [cost_centre_rule(), owner_rule()];
        let a = tags(&[("costcenter", "CC-1")]);
        let b = tags(&[("CostCentre", "cc-1200"), ("Owner", "x")]);
        let c = tags(&[("costcenter", "CC-2")]);
        let items = [
            (ResourceKind::TrustProvider, "prod", a.as_slice()),
            (ResourceKind::MfaDevice, "prod", b.as_slice()),
            (ResourceKind::LicenseToken, "prod", c.as_slice()),
            (ResourceKind::SamlProvider, "prod", c.as_slice()),
        ];
        assert_eq!(
            suggested_fixes(&rules, items),
            vec![
                rename_cost_centre(),
                TagOperation::SetIfMissing {
                    key: "Owner".into(),
                    value: String::new()
                },
                TagOperation::ReplaceValue {
                    key: "CostCentre".into(),
                    from: "cc-1200".into(),
                    to: "CC-1200".into()
                },
            ]
        );
    }
}
