//! Tag rules. IAM: at most 50 per resource, keys 1–128 and values 0–256 characters from letters,
//! digits, spaces and `_.:/=+-@`, `aws:` reserved; keys are case-insensitive on users and roles
//! only and case-sensitive on every other IAM kind (see [`KeyCase`]). EC2: at most 50 per
//! resource, keys 1–127 and values 0–256 characters, keys case-sensitive, `aws:` reserved.

use crate::error::{constraint_message, ApiError, ApiResult};

pub const MAX_TAGS_PER_RESOURCE: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

impl Tag {
    pub fn new(key: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            value: value.into(),
        }
    }
}

/// How an IAM resource compares tag keys. The IAM User Guide (Tagging IAM resources, case
/// sensitivity): on users and roles `Costcenter` and `costcenter` are one key (case is kept,
/// and tagging `costcenter=5678` replaces `Costcenter=1234`); on customer managed policies,
/// instance profiles, OIDC and SAML providers, server certificates and virtual MFA devices they
/// are two separate keys. The 50-tag limit counts keys as the resource compares them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCase {
    /// IAM users and roles.
    Insensitive,
    /// Every other taggable IAM kind.
    Sensitive,
}

impl KeyCase {
    pub fn same_key(self, a: &str, b: &str) -> bool {
        match self {
            KeyCase::Insensitive => a == b || a.to_lowercase() == b.to_lowercase(),
            KeyCase::Sensitive => a == b,
        }
    }

    fn duplicate_message(self) -> &'static str {
        match self {
            KeyCase::Insensitive => {
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            }
            KeyCase::Sensitive => "Duplicate tag keys found.",
        }
    }
}

fn is_reserved(key: &str) -> bool {
    key.get(..4)
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case("aws:"))
}

fn iam_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

const IAM_TAG_PATTERN: &str = "[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+";

pub fn validate_iam_tag_key(key: &str, member: &str) -> ApiResult<()> {
    let length = key.chars().count();
    if !(1..=128).contains(&length) {
        return Err(iam_validation(
            key,
            member,
            "Member must have length between 1 and 128",
        ));
    }
    if !key.chars().all(iam_tag_char) {
        return Err(iam_validation(
            key,
            member,
            &format!("Member must satisfy regular expression pattern: {IAM_TAG_PATTERN}"),
        ));
    }
    if is_reserved(key) {
        return Err(ApiError::bad_request(
            "InvalidInput",
            "Tag keys starting with 'aws:' are reserved for use by AWS.",
        ));
    }
    Ok(())
}

/// Checks tags sent in one IAM request: each tag's form, no key twice (as `case` compares
/// keys), at most 50.
pub fn validate_iam_tags(tags: &[Tag], case: KeyCase) -> ApiResult<()> {
    if tags.len() > MAX_TAGS_PER_RESOURCE {
        return Err(iam_validation(
            &format!("[{} tags]", tags.len()),
            "tags",
            "Member must have length less than or equal to 50",
        ));
    }
    for (i, tag) in tags.iter().enumerate() {
        validate_iam_tag_key(&tag.key, &format!("tags.{}.member.key", i + 1))?;
        if tag.value.chars().count() > 256 {
            return Err(iam_validation(
                &tag.value,
                &format!("tags.{}.member.value", i + 1),
                "Member must have length less than or equal to 256",
            ));
        }
        if !tag.value.chars().all(iam_tag_char) {
            return Err(iam_validation(
                &tag.value,
                &format!("tags.{}.member.value", i + 1),
                "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]*",
            ));
        }
    }
    for (i, tag) in tags.iter().enumerate() {
        if tags[..i]
            .iter()
            .any(|earlier| case.same_key(&earlier.key, &tag.key))
        {
            return Err(ApiError::bad_request(
                "InvalidInput",
                case.duplicate_message(),
            ));
        }
    }
    Ok(())
}

/// Adds or overwrites tags on an IAM resource (a tag replaces the one whose key `case` calls
/// the same, key spelling included); nothing changes when the result would exceed 50.
pub fn apply_iam_tags(existing: &mut Vec<Tag>, new: &[Tag], case: KeyCase) -> ApiResult<()> {
    let mut merged = existing.clone();
    for tag in new {
        match merged.iter_mut().find(|t| case.same_key(&t.key, &tag.key)) {
            Some(found) => *found = tag.clone(),
            None => merged.push(tag.clone()),
        }
    }
    if merged.len() > MAX_TAGS_PER_RESOURCE {
        // IAM's LimitExceeded is a 409.
        return Err(ApiError::new(
            http::StatusCode::CONFLICT,
            "LimitExceeded",
            format!("The number of tags has reached the maximum limit of {MAX_TAGS_PER_RESOURCE}."),
        ));
    }
    *existing = merged;
    Ok(())
}

pub fn remove_iam_tags(existing: &mut Vec<Tag>, keys: &[String], case: KeyCase) {
    existing.retain(|tag| !keys.iter().any(|key| case.same_key(key, &tag.key)));
}

pub fn sorted_by_key(tags: &[Tag]) -> Vec<Tag> {
    let mut sorted = tags.to_vec();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    sorted
}

fn iam_validation(value: &str, member: &str, constraint: &str) -> ApiError {
    ApiError::bad_request(
        "ValidationError",
        constraint_message(value, member, constraint),
    )
}

fn ec2_invalid(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("InvalidParameterValue", message)
}

pub fn validate_ec2_tag_key(key: &str) -> ApiResult<()> {
    if key.is_empty() {
        return Err(ec2_invalid("Tag key cannot be empty."));
    }
    if key.chars().count() > 127 {
        return Err(ec2_invalid(format!(
            "Tag key exceeds the maximum length of 127 characters: '{key}'"
        )));
    }
    if is_reserved(key) {
        return Err(ec2_invalid(format!(
            "Tag keys starting with 'aws:' are reserved for internal use: '{key}'"
        )));
    }
    Ok(())
}

pub fn validate_ec2_tags(tags: &[Tag]) -> ApiResult<()> {
    for (i, tag) in tags.iter().enumerate() {
        validate_ec2_tag_key(&tag.key)?;
        if tag.value.chars().count() > 256 {
            return Err(ec2_invalid(format!(
                "Tag value exceeds the maximum length of 256 characters for key '{}'",
                tag.key
            )));
        }
        if tags[..i].iter().any(|earlier| earlier.key == tag.key) {
            return Err(ec2_invalid(format!(
                "Duplicate tag key '{}' specified.",
                tag.key
            )));
        }
    }
    if tags.len() > MAX_TAGS_PER_RESOURCE {
        return Err(tag_limit_exceeded());
    }
    Ok(())
}

fn tag_limit_exceeded() -> ApiError {
    ApiError::bad_request(
        "TagLimitExceeded",
        "The maximum number of Tags for a resource has been reached.",
    )
}

/// Adds or overwrites tags on an EC2 resource; nothing changes when the result would exceed 50.
pub fn apply_ec2_tags(existing: &mut Vec<Tag>, new: &[Tag]) -> ApiResult<()> {
    let mut merged = existing.clone();
    for tag in new {
        match merged.iter_mut().find(|t| t.key == tag.key) {
            Some(found) => found.value = tag.value.clone(),
            None => merged.push(tag.clone()),
        }
    }
    if merged.len() > MAX_TAGS_PER_RESOURCE {
        return Err(tag_limit_exceeded());
    }
    *existing = merged;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iam_rejects_reserved_duplicate_and_malformed_keys() {
        assert_eq!(
            validate_iam_tags(&[Tag::new("AWS:x", "v")], KeyCase::Sensitive)
                .unwrap_err()
                .code,
            "InvalidInput"
        );
        assert_eq!(
            validate_iam_tags(
                &[Tag::new("Owner", "a"), Tag::new("owner", "b")],
                KeyCase::Insensitive
            )
            .unwrap_err()
            .code,
            "InvalidInput"
        );
        assert_eq!(
            validate_iam_tags(&[Tag::new("semi;colon", "v")], KeyCase::Sensitive)
                .unwrap_err()
                .code,
            "ValidationError"
        );
        assert_eq!(
            validate_iam_tags(&[Tag::new("k".repeat(129), "v")], KeyCase::Sensitive)
                .unwrap_err()
                .code,
            "ValidationError"
        );
        assert_eq!(
            validate_iam_tags(&[Tag::new("k", "v".repeat(257))], KeyCase::Sensitive)
                .unwrap_err()
                .code,
            "ValidationError"
        );
        assert!(validate_iam_tags(
            &[Tag::new("Cost Centre", "CC-1024 / ops@example.com")],
            KeyCase::Sensitive
        )
        .is_ok());
        assert!(validate_iam_tags(&[Tag::new("k".repeat(128), "")], KeyCase::Sensitive).is_ok());
    }

    #[test]
    fn iam_limit_counts_the_merged_set_and_changes_nothing_when_over() {
        let mut existing: Vec<Tag> = (0..49).map(|i| Tag::new(format!("k{i}"), "v")).collect();
        apply_iam_tags(
            &mut existing,
            &[Tag::new("K0", "overwritten")],
            KeyCase::Insensitive,
        )
        .unwrap();
        assert_eq!(existing.len(), 49);
        assert_eq!(existing[0], Tag::new("K0", "overwritten"));
        let err = apply_iam_tags(
            &mut existing,
            &[Tag::new("a", "1"), Tag::new("b", "2")],
            KeyCase::Insensitive,
        )
        .unwrap_err();
        assert_eq!(err.code, "LimitExceeded");
        assert_eq!(existing.len(), 49);
    }

    #[test]
    fn only_users_and_roles_fold_the_case_of_keys() {
        // IAM User Guide: on policies (and the other kinds) Costcenter and costcenter are two keys.
        let twins = [
            Tag::new("Costcenter", "1234"),
            Tag::new("costcenter", "5678"),
        ];
        assert!(validate_iam_tags(&twins, KeyCase::Sensitive).is_ok());
        assert_eq!(
            validate_iam_tags(&twins, KeyCase::Insensitive)
                .unwrap_err()
                .code,
            "InvalidInput"
        );
        assert_eq!(
            validate_iam_tags(
                &[Tag::new("k", "1"), Tag::new("k", "2")],
                KeyCase::Sensitive
            )
            .unwrap_err()
            .code,
            "InvalidInput"
        );

        let mut policy = vec![Tag::new("Costcenter", "1234")];
        apply_iam_tags(
            &mut policy,
            &[Tag::new("costcenter", "5678")],
            KeyCase::Sensitive,
        )
        .unwrap();
        assert_eq!(policy, twins);
        remove_iam_tags(&mut policy, &["COSTCENTER".to_string()], KeyCase::Sensitive);
        assert_eq!(policy.len(), 2, "untagging names the exact key");
        remove_iam_tags(&mut policy, &["costcenter".to_string()], KeyCase::Sensitive);
        assert_eq!(policy, [Tag::new("Costcenter", "1234")]);

        let mut role = vec![Tag::new("Costcenter", "1234")];
        apply_iam_tags(
            &mut role,
            &[Tag::new("costcenter", "5678")],
            KeyCase::Insensitive,
        )
        .unwrap();
        assert_eq!(role, [Tag::new("costcenter", "5678")]);
        remove_iam_tags(&mut role, &["COSTCENTER".to_string()], KeyCase::Insensitive);
        assert!(role.is_empty());
    }

    #[test]
    fn the_limit_counts_keys_as_the_kind_compares_them() {
        // 49 keys plus a case-twin: a 50th key on a policy, the same key on a role.
        let base: Vec<Tag> = (0..49).map(|i| Tag::new(format!("k{i}"), "v")).collect();
        let mut policy = base.clone();
        apply_iam_tags(&mut policy, &[Tag::new("K0", "twin")], KeyCase::Sensitive).unwrap();
        assert_eq!(policy.len(), 50);
        let err =
            apply_iam_tags(&mut policy, &[Tag::new("K1", "twin")], KeyCase::Sensitive).unwrap_err();
        assert_eq!(
            (err.code.as_str(), err.status.as_u16()),
            ("LimitExceeded", 409)
        );
        assert_eq!(policy.len(), 50, "nothing changes when over");
        let mut role = base;
        apply_iam_tags(
            &mut role,
            &[Tag::new("K0", "same"), Tag::new("x", "new")],
            KeyCase::Insensitive,
        )
        .unwrap();
        assert_eq!(role.len(), 50);
    }

    #[test]
    fn ec2_rules() {
        assert!(validate_ec2_tags(&[Tag::new("k".repeat(127), "v".repeat(256))]).is_ok());
        assert_eq!(
            validate_ec2_tags(&[Tag::new("k".repeat(128), "")])
                .unwrap_err()
                .code,
            "InvalidParameterValue"
        );
        assert_eq!(
            validate_ec2_tags(&[Tag::new("aws:cloudformation", "")])
                .unwrap_err()
                .code,
            "InvalidParameterValue"
        );
        let mut existing: Vec<Tag> = (0..50).map(|i| Tag::new(format!("k{i}"), "v")).collect();
        assert_eq!(
            apply_ec2_tags(&mut existing, &[Tag::new("new", "")])
                .unwrap_err()
                .code,
            "TagLimitExceeded"
        );
        apply_ec2_tags(&mut existing, &[Tag::new("k1", "changed")]).unwrap();
        assert_eq!(existing[1].value, "changed");
    }
}
