//! Reading EC2 query parameters with EC2's errors: `MissingParameter`, `InvalidParameterValue`,
//! `InvalidParameterCombination`, and `DryRunOperation` once a dry run would have succeeded.

use http::StatusCode;

use crate::error::{ApiError, ApiResult};
use crate::protocol::query::Params;
use crate::tags::{validate_ec2_tags, Tag};

pub struct Ec2Input<'a> {
    pub params: &'a Params,
}

pub fn invalid_value(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("InvalidParameterValue", message)
}

pub fn invalid_combination(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("InvalidParameterCombination", message)
}

pub fn missing(member: &str) -> ApiError {
    ApiError::bad_request(
        "MissingParameter",
        format!("The request must contain the parameter {member}"),
    )
}

#[derive(Debug, Clone)]
pub struct Filter {
    pub name: String,
    pub values: Vec<String>,
}

impl<'a> Ec2Input<'a> {
    pub fn new(params: &'a Params) -> Self {
        Self { params }
    }

    pub fn optional(&self, member: &str) -> Option<&'a str> {
        self.params.get(member)
    }

    pub fn required(&self, member: &str) -> ApiResult<&'a str> {
        match self.params.get(member) {
            Some(value) if !value.is_empty() => Ok(value),
            _ => Err(missing(member)),
        }
    }

    pub fn one_of(&self, member: &str, allowed: &[&str]) -> ApiResult<Option<&'a str>> {
        match self.optional(member) {
            Some(value) if !allowed.contains(&value) => Err(invalid_value(format!(
                "Value ({value}) for parameter {member} is invalid. Valid values: {}",
                allowed.join(", ")
            ))),
            other => Ok(other),
        }
    }

    pub fn max_length(&self, member: &str, max: usize) -> ApiResult<Option<&'a str>> {
        match self.optional(member) {
            Some(value) if value.chars().count() > max => Err(invalid_value(format!(
                "Value for parameter {member} is too long: at most {max} characters are allowed."
            ))),
            other => Ok(other),
        }
    }

    pub fn bool(&self, member: &str) -> ApiResult<Option<bool>> {
        match self.optional(member) {
            None => Ok(None),
            Some(raw) if raw.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(raw) if raw.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(raw) => Err(invalid_value(format!(
                "Value ({raw}) for parameter {member} is invalid. Expected: 'true' or 'false'."
            ))),
        }
    }

    /// Succeeds only when there is no dry run; a dry run that got this far would have succeeded.
    pub fn unless_dry_run(&self) -> ApiResult<()> {
        if self.bool("DryRun")?.unwrap_or(false) {
            return Err(ApiError::new(
                StatusCode::PRECONDITION_FAILED,
                "DryRunOperation",
                "Request would have succeeded, but DryRun flag is set.",
            ));
        }
        Ok(())
    }

    pub fn max_results(&self, min: i64, max: i64) -> ApiResult<Option<usize>> {
        match self.optional("MaxResults") {
            None => Ok(None),
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(Some(n as usize)),
                _ => Err(invalid_value(format!(
                    "Value ( {raw} ) for parameter maxResults is invalid. Expecting a value between {min} and {max}."
                ))),
            },
        }
    }

    /// `Member.N`.
    pub fn list(&self, member: &str) -> Vec<String> {
        self.params.string_list(member)
    }

    pub fn filters(&self) -> ApiResult<Vec<Filter>> {
        self.params
            .indices("Filter")
            .into_iter()
            .map(|i| {
                let name = self
                    .params
                    .get(&format!("Filter.{i}.Name"))
                    .ok_or_else(|| missing(&format!("Filter.{i}.Name")))?;
                Ok(Filter {
                    name: name.to_string(),
                    values: self.list(&format!("Filter.{i}.Value")),
                })
            })
            .collect()
    }

    /// `Prefix.N.Key` / `.Value` tags, checked against EC2's rules.
    pub fn tags(&self, prefix: &str) -> ApiResult<Vec<Tag>> {
        let tags: Vec<Tag> = self
            .params
            .indices(prefix)
            .into_iter()
            .map(|i| {
                let key = self
                    .params
                    .get(&format!("{prefix}.{i}.Key"))
                    .ok_or_else(|| missing(&format!("{prefix}.{i}.Key")))?;
                Ok(Tag::new(
                    key,
                    self.params
                        .get(&format!("{prefix}.{i}.Value"))
                        .unwrap_or_default(),
                ))
            })
            .collect::<ApiResult<_>>()?;
        validate_ec2_tags(&tags)?;
        Ok(tags)
    }

    /// Tags to apply at creation; each `TagSpecification` must name this operation's resource type.
    pub fn tag_specifications(&self, resource_type: &str) -> ApiResult<Vec<Tag>> {
        let mut tags = Vec::new();
        for i in self.params.indices("TagSpecification") {
            let spec_type = self
                .params
                .get(&format!("TagSpecification.{i}.ResourceType"));
            match spec_type {
                None => return Err(missing(&format!("TagSpecification.{i}.ResourceType"))),
                Some(t) if t != resource_type => {
                    return Err(invalid_value(format!(
                        "'{t}' is not a valid taggable resource type for this operation."
                    )));
                }
                Some(_) => tags.extend(self.tags(&format!("TagSpecification.{i}.Tag"))?),
            }
        }
        validate_ec2_tags(&tags)?;
        Ok(tags)
    }
}

/// EC2 filter values may use `*` (any run) and `?` (any one character).
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Whether a resource passes every filter. `field` answers the resource's values for a filter
/// name it supports and `None` for one it does not, which is an error as in EC2.
pub fn passes(
    filters: &[Filter],
    tags: &[Tag],
    field: impl Fn(&str) -> Option<Vec<String>>,
) -> ApiResult<bool> {
    for filter in filters {
        let matches_any = |values: &[String]| {
            values
                .iter()
                .any(|v| filter.values.iter().any(|pattern| glob_matches(pattern, v)))
        };
        let pass = if let Some(key) = filter.name.strip_prefix("tag:") {
            let values: Vec<String> = tags
                .iter()
                .filter(|t| t.key == key)
                .map(|t| t.value.clone())
                .collect();
            matches_any(&values)
        } else if filter.name == "tag-key" {
            let keys: Vec<String> = tags.iter().map(|t| t.key.clone()).collect();
            matches_any(&keys)
        } else {
            match field(&filter.name) {
                Some(values) => matches_any(&values),
                None => {
                    return Err(invalid_value(format!(
                        "The filter '{}' is invalid",
                        filter.name
                    )))
                }
            }
        };
        if !pass {
            return Ok(false);
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_matches("prod-*", "prod-eu"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("a?c", "abc"));
        assert!(!glob_matches("a?c", "abbc"));
        assert!(glob_matches("*-token-*", "ipam-ext-res-ver-token-1"));
        assert!(!glob_matches("prod", "production"));
    }
}
