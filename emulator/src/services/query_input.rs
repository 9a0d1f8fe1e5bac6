//! Reading and checking AWS query parameters the way IAM and STS do: a missing or malformed
//! member is a `ValidationError` naming the member and the constraint it broke.

use crate::error::{constraint_message, lower_first, ApiError, ApiResult};
use crate::protocol::query::Params;
use crate::tags::{validate_iam_tag_key, validate_iam_tags, KeyCase, Tag};

pub struct QueryInput<'a> {
    pub params: &'a Params,
}

pub const NAME_PATTERN: &str = "[\\w+=,.@-]+";
const PATH_PATTERN: &str = "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)";

pub fn validation(value: &str, member: &str, constraint: &str) -> ApiError {
    ApiError::bad_request(
        "ValidationError",
        constraint_message(value, member, constraint),
    )
}

pub fn invalid_input(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("InvalidInput", message)
}

pub fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

impl<'a> QueryInput<'a> {
    pub fn new(params: &'a Params) -> Self {
        Self { params }
    }

    pub fn optional(&self, member: &str) -> Option<&'a str> {
        self.params.get(member)
    }

    pub fn required(&self, member: &str) -> ApiResult<&'a str> {
        self.params.get(member).ok_or_else(|| {
            ApiError::bad_request(
                "ValidationError",
                format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", lower_first(member)),
            )
        })
    }

    pub fn length(&self, member: &str, value: &str, min: usize, max: usize) -> ApiResult<()> {
        let length = value.chars().count();
        if length < min || length > max {
            return Err(validation(
                value,
                member,
                &format!("Member must have length between {min} and {max}"),
            ));
        }
        Ok(())
    }

    /// A required IAM name (`[\w+=,.@-]+`) of at most `max` characters.
    pub fn name(&self, member: &str, max: usize) -> ApiResult<String> {
        let value = self.required(member)?;
        self.check_name(member, value, max)?;
        Ok(value.to_string())
    }

    pub fn check_name(&self, member: &str, value: &str, max: usize) -> ApiResult<()> {
        self.length(member, value, 1, max)?;
        if !value.chars().all(is_name_char) {
            return Err(validation(
                value,
                member,
                &format!("Member must satisfy regular expression pattern: {NAME_PATTERN}"),
            ));
        }
        Ok(())
    }

    /// An optional path, `/` when absent: `/` alone or starting and ending with `/`, printable ASCII.
    pub fn path(&self, member: &str) -> ApiResult<String> {
        match self.optional(member) {
            None => Ok("/".to_string()),
            Some(value) => {
                self.length(member, value, 1, 512)?;
                let printable = value.chars().all(|c| ('\u{21}'..='\u{7e}').contains(&c));
                if !(value == "/"
                    || (value.len() >= 2
                        && value.starts_with('/')
                        && value.ends_with('/')
                        && printable))
                {
                    return Err(validation(
                        value,
                        member,
                        &format!("Member must satisfy regular expression pattern: {PATH_PATTERN}"),
                    ));
                }
                Ok(value.to_string())
            }
        }
    }

    pub fn path_prefix(&self) -> ApiResult<String> {
        match self.optional("PathPrefix") {
            None => Ok("/".to_string()),
            Some(value) => {
                self.length("PathPrefix", value, 1, 512)?;
                if !value.starts_with('/')
                    || !value.chars().all(|c| ('\u{21}'..='\u{7f}').contains(&c))
                {
                    return Err(validation(
                        value,
                        "PathPrefix",
                        "Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*",
                    ));
                }
                Ok(value.to_string())
            }
        }
    }

    pub fn max_items(&self) -> ApiResult<usize> {
        match self.optional("MaxItems") {
            None => Ok(100),
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if (1..=1000).contains(&n) => Ok(n as usize),
                Ok(n) if n < 1 => Err(validation(
                    raw,
                    "MaxItems",
                    "Member must have value greater than or equal to 1",
                )),
                Ok(_) => Err(validation(
                    raw,
                    "MaxItems",
                    "Member must have value less than or equal to 1000",
                )),
                Err(_) => Err(invalid_input(format!(
                    "Invalid value for MaxItems: '{raw}' is not an integer."
                ))),
            },
        }
    }

    pub fn marker(&self) -> ApiResult<Option<&'a str>> {
        match self.optional("Marker") {
            Some(marker) if marker.is_empty() || marker.len() > 320 => Err(validation(
                marker,
                "Marker",
                "Member must have length between 1 and 320",
            )),
            other => Ok(other),
        }
    }

    pub fn int(&self, member: &str, min: i64, max: i64) -> ApiResult<Option<i64>> {
        match self.optional(member) {
            None => Ok(None),
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if n < min => Err(validation(
                    raw,
                    member,
                    &format!("Member must have value greater than or equal to {min}"),
                )),
                Ok(n) if n > max => Err(validation(
                    raw,
                    member,
                    &format!("Member must have value less than or equal to {max}"),
                )),
                Ok(n) => Ok(Some(n)),
                Err(_) => Err(invalid_input(format!(
                    "Invalid value for {member}: '{raw}' is not an integer."
                ))),
            },
        }
    }

    pub fn bool(&self, member: &str) -> ApiResult<Option<bool>> {
        match self.optional(member) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(raw) => Err(invalid_input(format!(
                "Invalid value for {member}: '{raw}' is not a boolean."
            ))),
        }
    }

    pub fn one_of(&self, member: &str, allowed: &[&str]) -> ApiResult<Option<&'a str>> {
        match self.optional(member) {
            Some(value) if !allowed.contains(&value) => Err(validation(
                value,
                member,
                &format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                ),
            )),
            other => Ok(other),
        }
    }

    /// `Member.member.N` strings.
    pub fn string_list(&self, member: &str) -> Vec<String> {
        self.params.string_list(&format!("{member}.member"))
    }

    /// `Tags.member.N.Key` / `.Value`, checked against IAM's tag rules for a resource that
    /// compares keys as `case` says.
    pub fn tags(&self, case: KeyCase) -> ApiResult<Vec<Tag>> {
        let tags: Vec<Tag> = self
            .params
            .indices("Tags.member")
            .into_iter()
            .map(|i| {
                let key = self.params.get(&format!("Tags.member.{i}.Key"));
                let value = self.params.get(&format!("Tags.member.{i}.Value"));
                match (key, value) {
                    (Some(key), Some(value)) => Ok(Tag::new(key, value)),
                    (None, _) => Err(self.required(&format!("Tags.{i}.member.Key")).unwrap_err()),
                    (_, None) => Err(self
                        .required(&format!("Tags.{i}.member.Value"))
                        .unwrap_err()),
                }
            })
            .collect::<ApiResult<_>>()?;
        validate_iam_tags(&tags, case)?;
        Ok(tags)
    }

    pub fn required_tags(&self, case: KeyCase) -> ApiResult<Vec<Tag>> {
        if !self.params.contains_prefix("Tags") {
            self.required("Tags")?;
        }
        self.tags(case)
    }

    pub fn tag_keys(&self) -> ApiResult<Vec<String>> {
        if !self.params.contains_prefix("TagKeys") {
            self.required("TagKeys")?;
        }
        let keys = self.string_list("TagKeys");
        if keys.len() > 50 {
            return Err(validation(
                &format!("[{} keys]", keys.len()),
                "tagKeys",
                "Member must have length less than or equal to 50",
            ));
        }
        for (i, key) in keys.iter().enumerate() {
            validate_iam_tag_key(key, &format!("tagKeys.{}.member", i + 1))?;
        }
        Ok(keys)
    }
}
