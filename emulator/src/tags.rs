//! Tag rules. IAM: at most 50 per resource, keys 1–128 and values 0–256 characters from letters,
//! digits, spaces and `_.:/=+-@`, keys case-insensitive, `aws:` reserved. EC2: at most 50 per
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

/// Checks tags sent in one IAM request: each tag's form, no key twice (ignoring case), at most 50.
pub fn validate_iam_tags(tags: &[Tag]) -> ApiResult<()> {
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
            .any(|earlier| earlier.key.eq_ignore_ascii_case(&tag.key))
        {
            return Err(ApiError::bad_request(
                "InvalidInput",
                "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
            ));
        }
    }
    Ok(())
}

/// Adds or overwrites tags on an IAM resource; nothing changes when the result would exceed 50.
pub fn apply_iam_tags(existing: &mut Vec<Tag>, new: &[Tag]) -> ApiResult<()> {
    let mut merged = existing.clone();
    for tag in new {
        match merged
            .iter_mut()
            .find(|t| t.key.eq_ignore_ascii_case(&tag.key))
        {
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

pub fn remove_iam_tags(existing: &mut Vec<Tag>, keys: &[String]) {
    existing.retain(|tag| !keys.iter().any(|key| key.eq_ignore_ascii_case(&tag.key)));
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
            validate_iam_tags(&[Tag::new("AWS:x", "v")])
                .unwrap_err()
                .code,
            "InvalidInput"
        );
        assert_eq!(
            validate_iam_tags(&[Tag::new("Owner", "a"), Tag::new("owner", "b")])
                .unwrap_err()
                .code,
            "InvalidInput"
        );
        assert_eq!(
            validate_iam_tags(&[Tag::new("semi;colon", "v")])
                .unwrap_err()
                .code,
            "ValidationError"
        );
        assert_eq!(
            validate_iam_tags(&[Tag::new("k".repeat(129), "v")])
                .unwrap_err()
                .code,
            "ValidationError"
        );
        assert_eq!(
            validate_iam_tags(&[Tag::new("k", "v".repeat(257))])
                .unwrap_err()
                .code,
            "ValidationError"
        );
        assert!(validate_iam_tags(&[Tag::new("Cost Centre", "CC-1024 / ops@example.com")]).is_ok());
        assert!(validate_iam_tags(&[Tag::new("k".repeat(128), "")]).is_ok());
    }

    #[test]
    fn iam_limit_counts_the_merged_set_and_changes_nothing_when_over() {
        let mut existing: Vec<Tag> = (0..49).map(|i| Tag::new(format!("k{i}"), "v")).collect();
        apply_iam_tags(&mut existing, &[Tag::new("K0", "overwritten")]).unwrap();
        assert_eq!(existing.len(), 49);
        assert_eq!(existing[0], Tag::new("K0", "overwritten"));
        let err =
            apply_iam_tags(&mut existing, &[Tag::new("a", "1"), Tag::new("b", "2")]).unwrap_err();
        assert_eq!(err.code, "LimitExceeded");
        assert_eq!(existing.len(), 49);
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
