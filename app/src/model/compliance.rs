//! Tag rules and what breaks them: the keys an organisation requires on its trust artifacts,
//! the values it allows, and the spellings it does not. One evaluation serves the compliance
//! report, the tag editor's warnings and the bulk editor's preview.

use super::{
    aws_rules::{check_tag_key, check_tag_value},
    error::{AppError, FieldErrors},
    resource::TagRules,
    ResourceKind, Tag,
};
use serde::{Deserialize, Serialize};

/// Rules are checked against every kind's tag syntax, so they use the strictest: IAM's.
const RULE_SYNTAX: TagRules = TagRules::Iam;
pub const MAX_ALLOWED_VALUES: usize = 200;
pub const MAX_SPELLINGS: usize = 20;

/// Which values a rule's key may have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "values", rename_all = "snake_case")]
pub enum AllowedValues {
    Any,
    /// Exactly one of these (case-sensitive, as AWS compares values).
    List(Vec<String>),
    /// A pattern where `*` is any run of characters and `?` any one, e.g. `CC-????`.
    Pattern(String),
}

impl AllowedValues {
    pub fn allows(&self, value: &str) -> bool {
        match self {
            AllowedValues::Any => true,
            AllowedValues::List(values) => values.iter().any(|v| v == value),
            AllowedValues::Pattern(pattern) => glob_matches(pattern, value),
        }
    }

    /// `any value`, `one of a, b`, `matching CC-*`: for reports and warnings.
    pub fn describe(&self) -> String {
        match self {
            AllowedValues::Any => "any value".into(),
            AllowedValues::List(values) => format!("one of {}", values.join(", ")),
            AllowedValues::Pattern(pattern) => format!("matching {pattern}"),
        }
    }
}

/// `*` matches any run of characters (also none), `?` exactly one; everything else itself.
/// The same as SQLite's GLOB for patterns without `[`, which rules cannot contain, so the
/// compliance queries and this function agree.
pub fn glob_matches(pattern: &str, value: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let value: Vec<char> = value.chars().collect();
    // Iterative matching with one backtrack point: linear in practice, never exponential.
    let (mut p, mut v) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while v < value.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, v));
                p += 1;
            }
            Some('?') => {
                p += 1;
                v += 1;
            }
            Some(c) if *c == value[v] => {
                p += 1;
                v += 1;
            }
            _ => match star {
                Some((star_p, star_v)) => {
                    p = star_p + 1;
                    v = star_v + 1;
                    star = Some((star_p, star_v + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|c| *c == '*')
}

/// One rule: a key, where it applies, whether it is required, its allowed values, and the
/// spellings that must be this key instead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRule {
    pub id: i64,
    /// The key as it must be spelled, e.g. `CostCentre`.
    pub key: String,
    /// The kinds it applies to; empty for every kind with tags.
    pub kinds: Vec<ResourceKind>,
    /// The configured account names it applies to; empty for all.
    pub accounts: Vec<String>,
    pub required: bool,
    pub allowed: AllowedValues,
    /// Other spellings of the key, e.g. `costcenter`, `cost-centre`: compared without case.
    pub spellings: Vec<String>,
}

/// What a create form's tag rows suggest: the keys of a kind's cached items, most used first,
/// each with the values most used with it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagSuggestions {
    pub keys: Vec<KeySuggestion>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeySuggestion {
    pub key: String,
    pub values: Vec<String>,
}

/// How an item breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Violation {
    /// A required key is absent.
    Missing { key: String },
    /// The key's value is not one the rule allows.
    NotAllowed {
        key: String,
        value: String,
        allowed: String,
    },
    /// A tag carries the key under another spelling.
    Misspelled { found: String, key: String },
}

impl Violation {
    /// The key of the rule broken, as it must be spelled.
    pub fn rule_key(&self) -> &str {
        match self {
            Violation::Missing { key }
            | Violation::NotAllowed { key, .. }
            | Violation::Misspelled { key, .. } => key,
        }
    }

    /// `missing`, `not_allowed` or `misspelled` (as serialised): pages' data attributes and
    /// exports name violations so.
    pub fn code(&self) -> &'static str {
        match self {
            Violation::Missing { .. } => "missing",
            Violation::NotAllowed { .. } => "not_allowed",
            Violation::Misspelled { .. } => "misspelled",
        }
    }

    /// A sentence naming what to fix.
    pub fn describe(&self) -> String {
        match self {
            Violation::Missing { key } => format!("{key} is required but missing."),
            Violation::NotAllowed {
                key,
                value,
                allowed,
            } => format!("{key}={value} is not allowed: {key} must be {allowed}."),
            Violation::Misspelled { found, key } => {
                format!("{found} should be spelled {key}.")
            }
        }
    }
}

impl TagRule {
    pub fn applies_to(&self, kind: ResourceKind, account: &str) -> bool {
        kind.has_tags()
            && (self.kinds.is_empty() || self.kinds.contains(&kind))
            && (self.accounts.is_empty() || self.accounts.iter().any(|a| a == account))
    }

    /// The tag an item carries for this rule's key: under the key itself, else under another
    /// spelling of it; none when the key is missing.
    pub fn carried<'t>(&self, tags: &'t [Tag]) -> Option<&'t Tag> {
        tags.iter()
            .find(|tag| tag.key == self.key)
            .or_else(|| tags.iter().find(|tag| self.is_other_spelling(&tag.key)))
    }

    fn is_other_spelling(&self, key: &str) -> bool {
        key != self.key
            && (key.eq_ignore_ascii_case(&self.key)
                || self.spellings.iter().any(|s| s.eq_ignore_ascii_case(key)))
    }

    /// What an item of `kind` in `account` with `tags` breaks of this rule.
    pub fn check(&self, kind: ResourceKind, account: &str, tags: &[Tag]) -> Vec<Violation> {
        if !self.applies_to(kind, account) {
            return Vec::new();
        }
        let mut violations: Vec<Violation> = tags
            .iter()
            .filter(|tag| self.is_other_spelling(&tag.key))
            .map(|tag| Violation::Misspelled {
                found: tag.key.clone(),
                key: self.key.clone(),
            })
            .collect();
        match tags.iter().find(|tag| tag.key == self.key) {
            Some(tag) if !self.allowed.allows(&tag.value) => {
                violations.push(Violation::NotAllowed {
                    key: self.key.clone(),
                    value: tag.value.clone(),
                    allowed: self.allowed.describe(),
                })
            }
            Some(_) => {}
            // A misspelled key is the fix to make (a rename); saying "missing" too would count
            // one problem twice.
            None if self.required && violations.is_empty() => violations.push(Violation::Missing {
                key: self.key.clone(),
            }),
            None => {}
        }
        violations
    }
}

/// Every violation of `rules` by one item: for the tag editor's warnings and the bulk preview.
pub fn violations(
    rules: &[TagRule],
    kind: ResourceKind,
    account: &str,
    tags: &[Tag],
) -> Vec<Violation> {
    rules
        .iter()
        .flat_map(|rule| rule.check(kind, account, tags))
        .collect()
}

/// The Tag rules page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRulesPage {
    pub rules: Vec<TagRule>,
    /// The configured accounts, for the form.
    pub accounts: Vec<String>,
    /// Admins change rules; everyone signed in reads them.
    pub can_edit: bool,
}

impl TagRule {
    /// Where it applies, in words.
    pub fn scope(&self) -> String {
        let kinds = if self.kinds.is_empty() {
            "every kind with tags".to_string()
        } else {
            self.kinds
                .iter()
                .map(|k| k.title())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let accounts = if self.accounts.is_empty() {
            "every account".to_string()
        } else {
            self.accounts.join(", ")
        };
        format!("{kinds} in {accounts}")
    }
}

/// One rule's standing in the compliance report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleCompliance {
    pub rule: TagRule,
    /// Items breaking it, in all.
    pub total: i64,
    /// `(kind, account, items)`.
    pub counts: Vec<(ResourceKind, String, i64)>,
    /// The first items breaking it, with what each breaks.
    pub items: Vec<BreakingItem>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakingItem {
    pub item: super::ResourceRef,
    pub name: String,
    pub violations: Vec<String>,
}

/// Items listed per rule on the Compliance page.
pub const ITEMS_PER_RULE: i64 = 50;

/// What the rule form submits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TagRuleForm {
    #[serde(default)]
    pub key: String,
    /// Kind slugs, one per line or comma-separated; empty for every kind.
    #[serde(default)]
    pub kinds: String,
    /// Account names, one per line or comma-separated; empty for all.
    #[serde(default)]
    pub accounts: String,
    /// A checkbox.
    #[serde(default)]
    pub required: String,
    /// `any`, `list` or `pattern`.
    #[serde(default)]
    pub allowed: String,
    /// The list (one value per line) or the pattern.
    #[serde(default)]
    pub values: String,
    /// Other spellings, one per line or comma-separated.
    #[serde(default)]
    pub spellings: String,
}

fn items(text: &str) -> Vec<String> {
    text.split(['\n', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl TagRuleForm {
    /// Checks every field; the rule it describes, with `id` 0 until stored.
    pub fn validate(&self, known_accounts: &[String]) -> Result<TagRule, AppError> {
        let mut errors = FieldErrors::new();
        let key = self.key.trim().to_string();
        errors.check("key", check_tag_key(RULE_SYNTAX, &key));
        let mut kinds = Vec::new();
        for slug in items(&self.kinds) {
            match ResourceKind::parse(&slug) {
                Some(kind) if kind.has_tags() => kinds.push(kind),
                Some(kind) => errors.check(
                    "kinds",
                    Err(format!(
                        "{} have no tags, so a tag rule cannot apply to them.",
                        kind.title()
                    )),
                ),
                None => errors.check(
                    "kinds",
                    Err(format!("\"{slug}\" is not a kind trustdesk knows.")),
                ),
            }
        }
        let accounts = items(&self.accounts);
        for account in &accounts {
            if !known_accounts.contains(account) {
                errors.check(
                    "accounts",
                    Err(format!(
                        "\"{account}\" is not a configured account; choose from {}.",
                        known_accounts.join(", ")
                    )),
                );
            }
        }
        let allowed = match self.allowed.as_str() {
            "" | "any" => AllowedValues::Any,
            "list" => {
                let values: Vec<String> = self
                    .values
                    .lines()
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect();
                if values.is_empty() {
                    errors.check(
                        "values",
                        Err("List at least one allowed value, one per line.".into()),
                    );
                }
                if values.len() > MAX_ALLOWED_VALUES {
                    errors.check(
                        "values",
                        Err(format!("List at most {MAX_ALLOWED_VALUES} values.")),
                    );
                }
                for value in &values {
                    errors.check("values", check_tag_value(RULE_SYNTAX, &key, value));
                }
                AllowedValues::List(values)
            }
            "pattern" => {
                let pattern = self.values.trim().to_string();
                if pattern.is_empty() {
                    errors.check(
                        "values",
                        Err(
                            "Enter a pattern, e.g. CC-* (* is any run of characters, ? any one)."
                                .into(),
                        ),
                    );
                }
                // The wildcards aside, a pattern is made of what a value may hold.
                let literal = pattern.replace(['*', '?'], "");
                errors.check("values", check_tag_value(RULE_SYNTAX, &key, &literal));
                AllowedValues::Pattern(pattern)
            }
            other => {
                errors.check(
                    "allowed",
                    Err(format!("\"{other}\" is not any, list or pattern.")),
                );
                AllowedValues::Any
            }
        };
        let spellings = items(&self.spellings);
        if spellings.len() > MAX_SPELLINGS {
            errors.check(
                "spellings",
                Err(format!("List at most {MAX_SPELLINGS} spellings.")),
            );
        }
        for spelling in &spellings {
            if spelling == &key {
                errors.check("spellings", Err(format!("{spelling} is the key itself.")));
            } else {
                errors.check("spellings", check_tag_key(RULE_SYNTAX, spelling));
            }
        }
        errors.into_result()?;
        Ok(TagRule {
            id: 0,
            key,
            kinds,
            accounts,
            required: matches!(self.required.as_str(), "on" | "true" | "1"),
            allowed,
            spellings,
        })
    }
}

/// Rules for the tests of the model's tag-rule machinery.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::{AllowedValues, TagRule};

    /// Rule 1: `CostCentre`, required, `CC-????`, also spelled `costcenter`; every kind and account.
    pub fn cost_centre_rule() -> TagRule {
        TagRule {
            id: 1,
            key: "CostCentre".into(),
            kinds: Vec::new(),
            accounts: Vec::new(),
            required: true,
            allowed: AllowedValues::Pattern("CC-????".into()),
            spellings: vec!["costcenter".into()],
        }
    }

    /// Rule 2: `Owner`, required, any value; every kind and account.
    pub fn owner_rule() -> TagRule {
        TagRule {
            id: 2,
            key: "Owner".into(),
            allowed: AllowedValues::Any,
            spellings: Vec::new(),
            ..cost_centre_rule()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cost_centre() -> TagRule {
        TagRule {
            accounts: vec!["prod".into()],
            spellings: vec!["costcenter".into(), "cost-centre".into()],
            ..fixtures::cost_centre_rule()
        }
    }

    #[test]
    fn globs_match_like_sqlite() {
        for (pattern, value, matches) in [
            ("CC-????", "CC-1234", true),
            ("CC-????", "CC-123", false),
            ("CC-*", "CC-", true),
            ("*", "", true),
            ("a*b*c", "a-x-b-y-c", true),
            ("a*b*c", "a-x-c-y-b", false),
            ("*@example.com", "alice@example.com", true),
            ("cc-*", "CC-1", false),
        ] {
            assert_eq!(glob_matches(pattern, value), matches, "{pattern} ~ {value}");
        }
        // A pattern built to backtrack badly still answers at once.
        let value = "a".repeat(5000);
        assert!(!glob_matches(&format!("{}b", "*a".repeat(50)), &value));
    }

    #[test]
    fn each_violation_is_found_once() {
        let rule = cost_centre();
        let kind = ResourceKind::SamlProvider;
        assert_eq!(
            rule.check(kind, "prod", &[]),
            vec![Violation::Missing {
                key: "CostCentre".into()
            }]
        );
        assert_eq!(
            rule.check(kind, "prod", &[Tag::new("CostCentre", "CC-0042")]),
            vec![]
        );
        assert!(matches!(
            rule.check(kind, "prod", &[Tag::new("CostCentre", "marketing")])[..],
            [Violation::NotAllowed { .. }]
        ));
        assert_eq!(
            rule.check(kind, "prod", &[Tag::new("costcenter", "CC-0042")]),
            vec![Violation::Misspelled {
                found: "costcenter".into(),
                key: "CostCentre".into()
            }],
            "a misspelling is not also reported missing"
        );
        assert!(matches!(
            rule.check(kind, "prod", &[Tag::new("COSTCENTRE", "x")])[..],
            [Violation::Misspelled { .. }]
        ));
        assert_eq!(rule.check(kind, "dev", &[]), vec![], "other accounts");
        assert_eq!(
            rule.check(ResourceKind::LicenseToken, "prod", &[]),
            vec![],
            "kinds without tags"
        );
    }

    #[test]
    fn each_violation_names_its_rule_and_its_code_as_serialized() {
        for violation in [
            Violation::Missing {
                key: "CostCentre".into(),
            },
            Violation::NotAllowed {
                key: "CostCentre".into(),
                value: "x".into(),
                allowed: "matching CC-????".into(),
            },
            Violation::Misspelled {
                found: "costcenter".into(),
                key: "CostCentre".into(),
            },
        ] {
            assert_eq!(violation.rule_key(), "CostCentre");
            assert_eq!(
                serde_json::to_value(&violation).unwrap()["type"],
                violation.code()
            );
        }
    }

    #[test]
    fn exports_name_each_violation_and_the_tag_that_carries_the_key() {
        let rule = cost_centre();
        let kind = ResourceKind::MfaDevice;
        let codes = |tags: &[Tag]| -> Vec<&'static str> {
            rule.check(kind, "prod", tags)
                .iter()
                .map(Violation::code)
                .collect()
        };
        assert_eq!(codes(&[]), ["missing"]);
        assert_eq!(codes(&[Tag::new("CostCentre", "cc-1200")]), ["not_allowed"]);
        assert_eq!(codes(&[Tag::new("costcenter", "CC-1040")]), ["misspelled"]);

        assert_eq!(rule.carried(&[Tag::new("Owner", "a")]), None);
        assert_eq!(
            rule.carried(&[Tag::new("cost-centre", "CC-1"), Tag::new("Owner", "a")]),
            Some(&Tag::new("cost-centre", "CC-1"))
        );
        assert_eq!(
            rule.carried(&[
                Tag::new("costcenter", "CC-1"),
                Tag::new("CostCentre", "CC-2")
            ]),
            Some(&Tag::new("CostCentre", "CC-2")),
            "the key itself before another spelling"
        );
    }

    #[test]
    fn the_form_names_each_bad_field() {
        let accounts = vec!["prod".to_string(), "dev".to_string()];
        let form = TagRuleForm {
            key: "CostCentre".into(),
            kinds: "saml-provider, server-certificate".into(),
            accounts: "prod".into(),
            required: "on".into(),
            allowed: "list".into(),
            values: "CC-1\nCC-2\n".into(),
            spellings: "costcenter".into(),
        };
        let rule = form.validate(&accounts).unwrap();
        let pattern = TagRuleForm {
            allowed: "pattern".into(),
            values: "CC-??*".into(),
            ..form.clone()
        };
        assert_eq!(
            pattern.validate(&accounts).unwrap().allowed,
            AllowedValues::Pattern("CC-??*".into())
        );
        assert_eq!(rule.kinds.len(), 2);
        assert_eq!(
            rule.allowed,
            AllowedValues::List(vec!["CC-1".into(), "CC-2".into()])
        );
        assert!(rule.required);
        for (broken, field) in [
            (
                TagRuleForm {
                    key: "aws:x".into(),
                    ..form.clone()
                },
                "key",
            ),
            (
                TagRuleForm {
                    kinds: "license-token".into(),
                    ..form.clone()
                },
                "kinds",
            ),
            (
                TagRuleForm {
                    kinds: "nope".into(),
                    ..form.clone()
                },
                "kinds",
            ),
            (
                TagRuleForm {
                    accounts: "staging".into(),
                    ..form.clone()
                },
                "accounts",
            ),
            (
                TagRuleForm {
                    values: "".into(),
                    ..form.clone()
                },
                "values",
            ),
            (
                TagRuleForm {
                    allowed: "regex".into(),
                    ..form.clone()
                },
                "allowed",
            ),
            (
                TagRuleForm {
                    spellings: "CostCentre".into(),
                    ..form.clone()
                },
                "spellings",
            ),
        ] {
            let error = broken.validate(&accounts).unwrap_err();
            assert!(error.field(field).is_some(), "{field}: {error:?}");
        }
    }
}
