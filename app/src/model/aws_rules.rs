//! AWS's input rules, checked in the browser and again on the server before anything is sent.

use super::error::{AppError, FieldErrors};
use super::resource::{Tag, TagRules};

pub const EC2_TAG_KEY_MAX: usize = 127;
/// IAM's and Multi-party approval's key limit.
pub const TAG_KEY_MAX: usize = 128;
pub const TAG_VALUE_MAX: usize = 256;
pub const MAX_TAGS: usize = 50;

/// `us-east-1`, `eu-west-2`, `us-gov-west-1`…
pub fn is_aws_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].chars().all(|c| c.is_ascii_lowercase())
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && !parts[parts.len() - 1].is_empty()
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
}

/// What a tag key or value may contain in IAM: letters, digits, spaces and `_.:/=+-@`.
fn iam_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// A tag key under the kind's service's rules: not empty, not too long, not `aws:`, and in
/// IAM only the characters IAM allows.
pub fn check_tag_key(rules: TagRules, key: &str) -> Result<(), String> {
    let max = match rules {
        TagRules::Ec2 => EC2_TAG_KEY_MAX,
        TagRules::Iam | TagRules::Mpa => TAG_KEY_MAX,
        TagRules::None => return Err("AWS does not support tags on this kind of item.".into()),
    };
    if key.trim().is_empty() {
        return Err("A tag key cannot be empty.".into());
    }
    if key.chars().count() > max {
        return Err(format!(
            "Tag key \"{}…\" is longer than {max} characters.",
            key.chars().take(20).collect::<String>()
        ));
    }
    if key.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("aws:")) {
        return Err(format!(
            "Tag key \"{key}\" starts with aws:, which AWS reserves."
        ));
    }
    iam_tag_chars(rules, key, || format!("Tag key \"{key}\""))
}

/// In IAM, only the characters IAM allows in tags; `what` names the key or value in the error.
fn iam_tag_chars(rules: TagRules, text: &str, what: impl Fn() -> String) -> Result<(), String> {
    if rules == TagRules::Iam && !text.chars().all(iam_tag_char) {
        return Err(format!(
            "{} has a character IAM does not allow: use letters, digits, spaces and _ . : / = + - @.",
            what()
        ));
    }
    Ok(())
}

/// An EC2 tag key: 1–127 characters, not starting with `aws:`.
pub fn check_ec2_tag_key(key: &str) -> Result<(), String> {
    check_tag_key(TagRules::Ec2, key)
}

pub fn check_tag_value(rules: TagRules, key: &str, value: &str) -> Result<(), String> {
    if value.chars().count() > TAG_VALUE_MAX {
        return Err(format!(
            "The value of tag \"{key}\" is longer than {TAG_VALUE_MAX} characters."
        ));
    }
    iam_tag_chars(rules, value, || format!("The value of tag \"{key}\""))
}

/// One tag set from the tag editor, trimmed, with each field's error on that field.
pub fn check_tag_edit(rules: TagRules, key: &str, value: &str) -> Result<Tag, AppError> {
    let tag = Tag {
        key: key.trim().to_string(),
        value: value.trim().to_string(),
    };
    let mut errors = FieldErrors::new();
    errors.check("key", check_tag_key(rules, &tag.key));
    errors.check("value", check_tag_value(rules, &tag.key, &tag.value));
    errors.into_result()?;
    Ok(tag)
}

/// Parses `Key=Value` lines (blank lines ignored; `Key` alone means an empty value) and checks
/// them against the service's rules: at most 50 tags, no key twice. Keys are compared exactly,
/// as AWS does for every kind trustdesk manages: IAM folds the case of tag keys only on users
/// and roles (IAM User Guide, "Tagging IAM resources"), so `Costcenter` and `costcenter` are two
/// keys on a policy, a provider, a certificate, an instance profile or an MFA device.
pub fn parse_tags(rules: TagRules, text: &str) -> Result<Vec<Tag>, String> {
    let mut tags: Vec<Tag> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (key, value) = line.split_once('=').unwrap_or((line, ""));
        let tag = Tag {
            key: key.trim().to_string(),
            value: value.trim().to_string(),
        };
        check_tag_key(rules, &tag.key)
            .and_then(|_| check_tag_value(rules, &tag.key, &tag.value))
            .map_err(|e| format!("Line {}: {e}", n + 1))?;
        if tags.iter().any(|t| t.key == tag.key) {
            return Err(format!(
                "Line {}: tag key \"{}\" appears twice.",
                n + 1,
                tag.key
            ));
        }
        tags.push(tag);
    }
    if tags.len() > MAX_TAGS {
        return Err(format!(
            "{} tags given; AWS allows at most {MAX_TAGS} per resource.",
            tags.len()
        ));
    }
    Ok(tags)
}

/// [`parse_tags`] under EC2's rules.
pub fn parse_ec2_tags(text: &str) -> Result<Vec<Tag>, String> {
    parse_tags(TagRules::Ec2, text)
}

/// A client token: 1–64 printable ASCII characters.
pub fn check_client_token(token: &str) -> Result<(), String> {
    if token.is_empty() || token.len() > 64 || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(
            "The form's idempotency token is missing or malformed; reload the page.".into(),
        );
    }
    Ok(())
}

pub fn check_https(value: &str, what: &str) -> Result<(), String> {
    let rest = value.strip_prefix("https://").unwrap_or_default();
    if rest.is_empty() || value.chars().any(char::is_whitespace) || rest.starts_with('/') {
        return Err(format!("{what} must be an https:// URL."));
    }
    Ok(())
}

pub fn required(value: &str, what: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        Err(format!("{what} is required."))
    } else {
        Ok(())
    }
}

/// `account/region`, as the create forms name where an item goes.
pub fn check_target(target: &str) -> Result<(), String> {
    match target.split_once('/') {
        Some((account, region)) if !account.is_empty() && is_aws_region(region) => Ok(()),
        _ => Err("Choose the account and region.".into()),
    }
}

/// An IAM name (instance profile, policy, server certificate, MFA device): 1 to `max`
/// characters, letters, digits and `_+=,.@-`, no spaces.
pub fn check_iam_name(name: &str, what: &str, max: usize) -> Result<(), String> {
    check_name(name, what, max, "_+=,.@-", "_ + = , . @ -")
}

/// A name of 1 to `max` characters: letters, digits and those of `punctuation`, which
/// `listed` names in the error.
pub fn check_name(
    name: &str,
    what: &str,
    max: usize,
    punctuation: &str,
    listed: &str,
) -> Result<(), String> {
    if name.is_empty() {
        return Err(format!("{what} is required."));
    }
    if name.chars().count() > max {
        return Err(format!("{what} is longer than {max} characters."));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || punctuation.contains(*c)))
    {
        return Err(format!(
            "{what} cannot contain \"{bad}\": use letters, digits and {listed}."
        ));
    }
    Ok(())
}

/// The name (1 to `max` of IAM's name characters) and the path of an IAM item's create form,
/// trimmed, each checked on its field (`name`, `path`).
pub fn check_iam_name_and_path<'a>(
    errors: &mut FieldErrors,
    name: &'a str,
    path: &'a str,
    max: usize,
) -> (&'a str, &'a str) {
    let (name, path) = (name.trim(), path.trim());
    errors.check("name", check_iam_name(name, "The name", max));
    errors.check("path", check_iam_path(path));
    (name, path)
}

/// An IAM path: `/` alone, or up to 512 characters that begin and end with `/` and are
/// printable ASCII. Empty means `/`.
pub fn check_iam_path(path: &str) -> Result<(), String> {
    if path.is_empty() || path == "/" {
        return Ok(());
    }
    if path.len() > 512 {
        return Err("A path is at most 512 characters.".into());
    }
    if !path.starts_with('/') || !path.ends_with('/') {
        return Err("A path begins and ends with /, e.g. /teams/network/.".into());
    }
    if !path.chars().all(|c| ('\u{21}'..='\u{7f}').contains(&c)) {
        return Err("A path holds printable ASCII characters only, no spaces.".into());
    }
    Ok(())
}

/// `account/global`, as the create forms of global (IAM) kinds name the account.
pub fn check_global_target(target: &str) -> Result<(), String> {
    match target.split_once('/') {
        Some((account, super::resource::GLOBAL_REGION)) if !account.is_empty() => Ok(()),
        _ => Err("Choose the account.".into()),
    }
}

/// The account a global kind's form creates in (its target is `account/global`).
pub fn global_target_account(target: &str) -> Result<String, String> {
    check_global_target(target).map(|()| super::tag_warnings::target_account(target).to_string())
}

/// Non-empty trimmed lines.
pub fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

pub fn is_role_arn(arn: &str) -> bool {
    arn.strip_prefix("arn:aws:iam::")
        .and_then(|rest| rest.split_once(":role/"))
        .is_some_and(|(account, name)| {
            account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) && !name.is_empty()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_edits_name_the_field_at_fault() {
        assert_eq!(
            check_tag_edit(TagRules::Ec2, " Owner ", " x ").unwrap(),
            Tag {
                key: "Owner".into(),
                value: "x".into()
            }
        );
        let error = check_tag_edit(TagRules::Ec2, "aws:x", "ok").unwrap_err();
        assert!(error.field("key").is_some() && error.field("value").is_none());
        let error = check_tag_edit(TagRules::Ec2, "Owner", &"v".repeat(257)).unwrap_err();
        assert!(error.field("value").is_some() && error.field("key").is_none());
    }

    #[test]
    fn regions() {
        assert!(is_aws_region("eu-west-1"));
        assert!(is_aws_region("us-gov-west-1"));
        assert!(!is_aws_region("europe"));
        assert!(!is_aws_region("EU-west-1"));
    }

    #[test]
    fn tag_lines_follow_ec2_rules() {
        let tags = parse_ec2_tags("Owner = net@example.com\n\nTicket\n").unwrap();
        assert_eq!(
            tags,
            vec![
                Tag {
                    key: "Owner".into(),
                    value: "net@example.com".into()
                },
                Tag {
                    key: "Ticket".into(),
                    value: String::new()
                },
            ]
        );
        assert!(parse_ec2_tags("aws:x=1").unwrap_err().contains("aws:"));
        assert!(parse_ec2_tags(&format!("{}=v", "k".repeat(128)))
            .unwrap_err()
            .contains("127"));
        assert!(parse_ec2_tags(&format!("k={}", "v".repeat(257)))
            .unwrap_err()
            .contains("256"));
        assert!(parse_ec2_tags("a=1\na=2").unwrap_err().contains("twice"));
        let many: String = (0..51).map(|i| format!("k{i}=v\n")).collect();
        assert!(parse_ec2_tags(&many).unwrap_err().contains("50"));
        assert!(parse_ec2_tags(&format!("{}=v", "k".repeat(127))).is_ok());
    }

    #[test]
    fn iam_tags_allow_128_character_keys_and_only_iam_characters() {
        assert!(check_tag_key(TagRules::Iam, &"k".repeat(128)).is_ok());
        assert!(check_tag_key(TagRules::Ec2, &"k".repeat(128)).is_err());
        assert!(check_tag_key(TagRules::Iam, &"k".repeat(129)).is_err());
        assert!(check_tag_value(TagRules::Iam, "k", "a*b").is_err());
        assert!(check_tag_value(TagRules::Ec2, "k", "a*b").is_ok());
        assert!(check_tag_value(TagRules::Iam, "Owner", "ops@example.com").is_ok());
        assert!(check_tag_key(TagRules::None, "Owner").is_err());
    }

    #[test]
    fn tag_keys_that_differ_only_by_case_are_two_keys_in_every_service() {
        // IAM folds case only for users and roles, which trustdesk does not manage.
        for rules in [TagRules::Iam, TagRules::Ec2, TagRules::Mpa] {
            assert_eq!(
                parse_tags(rules, "Costcenter=1234\ncostcenter=5678"),
                Ok(vec![
                    Tag {
                        key: "Costcenter".into(),
                        value: "1234".into()
                    },
                    Tag {
                        key: "costcenter".into(),
                        value: "5678".into()
                    },
                ]),
                "{rules:?}"
            );
            assert!(parse_tags(rules, "Owner=a\nOwner=b")
                .unwrap_err()
                .contains("twice"));
        }
    }

    #[test]
    fn iam_names_and_paths() {
        assert!(check_iam_name("web-servers_1.prod@x", "The name", 128).is_ok());
        assert!(check_iam_name("", "The name", 128)
            .unwrap_err()
            .contains("required"));
        assert!(check_iam_name("has space", "The name", 128)
            .unwrap_err()
            .contains("\" \""));
        assert!(check_iam_name(&"n".repeat(129), "The name", 128)
            .unwrap_err()
            .contains("128"));
        assert!(check_iam_path("").is_ok());
        assert!(check_iam_path("/").is_ok());
        assert!(check_iam_path("/teams/net/").is_ok());
        assert!(check_iam_path("teams/").is_err());
        assert!(check_iam_path("/teams").is_err());
        assert!(check_iam_path("/a b/").is_err());
        assert!(check_iam_path(&format!("/{}/", "p".repeat(511))).is_err());
    }
}
