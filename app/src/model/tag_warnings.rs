//! Warnings, never refusals: which tag rules the tags an admin is typing would break. The create
//! forms and the tag editor show them as the admin types; nothing here stops a submit (AWS's own
//! tag syntax is checked elsewhere and does refuse).

use super::{
    compliance::{TagRule, Violation},
    ResourceKind, Tag,
};

/// The account a create form's target names: targets are `account/region`, or
/// `account/region/…` where the form also picks something in that region.
pub fn target_account(target: &str) -> &str {
    target.split('/').next().unwrap_or_default()
}

/// The rules that apply to an item of `kind` in `account`: those naming the kind (or no kind)
/// and the account (or no account).
pub fn rules_for<'a>(rules: &'a [TagRule], kind: ResourceKind, account: &str) -> Vec<&'a TagRule> {
    rules
        .iter()
        .filter(|rule| rule.applies_to(kind, account))
        .collect()
}

/// The tags in a create form's textarea so far, read as the form's check reads them (`Key=Value`
/// per line, `Key` alone for an empty value, blank lines skipped, both sides trimmed) but
/// leniently: a line that is not a tag yet is skipped, as the form's check names it on submit.
pub fn typed_tags(text: &str) -> Vec<Tag> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .filter_map(|line| {
            let (key, value) = line.split_once('=').unwrap_or((line, ""));
            let key = key.trim();
            (!key.is_empty()).then(|| Tag {
                key: key.to_string(),
                value: value.trim().to_string(),
            })
        })
        .collect()
}

/// What an item of `kind` created in `account` with the tags typed in `text` would break.
pub fn create_warnings(
    rules: &[TagRule],
    kind: ResourceKind,
    account: &str,
    text: &str,
) -> Vec<Violation> {
    let tags = typed_tags(text);
    rules_for(rules, kind, account)
        .into_iter()
        .flat_map(|rule| rule.check(kind, account, &tags))
        .collect()
}

/// What setting `key=value` (as typed in the tag editor) on an item with `tags` would newly
/// break: what the tags after the change break and the tags before it do not. What the item
/// breaks already is its page's business, not this edit's.
pub fn set_tag_warnings(
    rules: &[TagRule],
    kind: ResourceKind,
    account: &str,
    tags: &[Tag],
    key: &str,
    value: &str,
) -> Vec<Violation> {
    let key = key.trim();
    if key.is_empty() {
        return Vec::new();
    }
    let mut after: Vec<Tag> = tags.iter().filter(|t| t.key != key).cloned().collect();
    after.push(Tag {
        key: key.to_string(),
        value: value.trim().to_string(),
    });
    let before = super::compliance::violations(rules, kind, account, tags);
    super::compliance::violations(rules, kind, account, &after)
        .into_iter()
        .filter(|violation| !before.contains(violation))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::compliance::fixtures::{cost_centre_rule, owner_rule};

    /// `CostCentre` (required, `CC-????`, also spelled `costcenter`) for SAML providers in prod;
    /// `Owner` (required, any value) everywhere.
    fn rules() -> Vec<TagRule> {
        let cost_centre = TagRule {
            kinds: vec![ResourceKind::SamlProvider],
            accounts: vec!["prod".into()],
            ..cost_centre_rule()
        };
        vec![cost_centre, owner_rule()]
    }

    fn keys(rules: Vec<&TagRule>) -> Vec<&str> {
        rules.into_iter().map(|r| r.key.as_str()).collect()
    }

    #[test]
    fn a_rule_applies_to_its_kinds_and_accounts_and_one_without_accounts_everywhere() {
        let rules = rules();
        let saml = ResourceKind::SamlProvider;
        assert_eq!(
            keys(rules_for(&rules, saml, "prod")),
            ["CostCentre", "Owner"]
        );
        assert_eq!(keys(rules_for(&rules, saml, "dev")), ["Owner"]);
        assert_eq!(
            keys(rules_for(&rules, ResourceKind::InstanceProfile, "prod")),
            ["Owner"]
        );
        assert!(
            rules_for(&rules, ResourceKind::LicenseToken, "prod").is_empty(),
            "license tokens have no tags"
        );
    }

    #[test]
    fn targets_name_their_account_first() {
        assert_eq!(target_account("prod/global"), "prod");
        assert_eq!(target_account("dev/us-east-1/ipam-0abc"), "dev");
        assert_eq!(target_account(""), "");
    }

    #[test]
    fn typed_tags_are_read_like_the_form_reads_them_skipping_what_is_no_tag_yet() {
        assert_eq!(
            typed_tags(" Owner = alice@example.com \n\nEmpty\n=orphan\nA=b=c"),
            vec![
                Tag::new("Owner", "alice@example.com"),
                Tag::new("Empty", ""),
                Tag::new("A", "b=c")
            ]
        );
    }

    #[test]
    fn create_warnings_name_each_rule_the_typed_tags_break_in_the_chosen_account() {
        let rules = rules();
        let saml = ResourceKind::SamlProvider;
        let described = |account: &str, text: &str| -> Vec<String> {
            create_warnings(&rules, saml, account, text)
                .iter()
                .map(Violation::describe)
                .collect()
        };
        assert_eq!(
            described("prod", ""),
            [
                "CostCentre is required but missing.",
                "Owner is required but missing."
            ]
        );
        assert_eq!(
            described("prod", "Owner=a@example.com\ncostcenter=CC-0042"),
            ["costcenter should be spelled CostCentre."]
        );
        assert_eq!(
            described("prod", "Owner=a@example.com\nCostCentre=marketing"),
            ["CostCentre=marketing is not allowed: CostCentre must be matching CC-????."]
        );
        assert!(described("prod", "Owner=a@example.com\nCostCentre=CC-0042").is_empty());
        assert!(
            described("dev", "Owner=a@example.com").is_empty(),
            "CostCentre is prod's rule"
        );
    }

    #[test]
    fn the_tag_editor_warns_of_what_the_edit_would_newly_break() {
        let rules = rules();
        let saml = ResourceKind::SamlProvider;
        let tags = [Tag::new("Owner", "a@example.com")];
        let warn =
            |key: &str, value: &str| set_tag_warnings(&rules, saml, "prod", &tags, key, value);
        assert_eq!(
            warn("costcenter", "CC-0042"),
            vec![Violation::Misspelled {
                found: "costcenter".into(),
                key: "CostCentre".into()
            }],
            "a misspelling, not the missing key the item lacks already"
        );
        assert!(matches!(
            warn(" CostCentre ", "marketing")[..],
            [Violation::NotAllowed { .. }]
        ));
        assert!(warn("CostCentre", "CC-0042").is_empty(), "the fix");
        assert!(warn("", "x").is_empty(), "nothing typed yet");
        assert!(warn("Team", "x").is_empty(), "no rule for the key");
        let owned_and_billed = [
            Tag::new("Owner", "a@example.com"),
            Tag::new("CostCentre", "CC-0042"),
        ];
        assert_eq!(
            set_tag_warnings(
                &rules,
                saml,
                "prod",
                &owned_and_billed,
                "CostCentre",
                "nope"
            ),
            vec![Violation::NotAllowed {
                key: "CostCentre".into(),
                value: "nope".into(),
                allowed: "matching CC-????".into()
            }],
            "changing a value replaces it"
        );
    }
}
