//! Reading a JSON request body member by member, with the `ValidationException` AWS's JSON
//! services answer for a missing or ill-typed member.

use serde_json::{Map, Value};

use crate::error::{ApiError, ApiResult};

pub fn validation(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("ValidationException", message)
}

pub fn parse_body(body: &[u8]) -> ApiResult<Map<String, Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(ApiError::bad_request(
            "SerializationException",
            "The request body is not a JSON object.",
        )),
    }
}

pub struct JsonInput<'a> {
    pub object: &'a Map<String, Value>,
    /// Dotted path of this object in the request, for messages.
    pub at: String,
}

impl<'a> JsonInput<'a> {
    pub fn new(object: &'a Map<String, Value>) -> Self {
        Self {
            object,
            at: String::new(),
        }
    }

    fn name(&self, member: &str) -> String {
        if self.at.is_empty() {
            member.to_string()
        } else {
            format!("{}.{member}", self.at)
        }
    }

    pub fn string(&self, member: &str) -> ApiResult<Option<&'a str>> {
        match self.object.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(validation(format!(
                "{} must be a string.",
                self.name(member)
            ))),
        }
    }

    pub fn required_string(&self, member: &str) -> ApiResult<&'a str> {
        match self.string(member)? {
            Some(s) if !s.is_empty() => Ok(s),
            _ => Err(validation(format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", self.name(member)))),
        }
    }

    pub fn bounded_string(
        &self,
        member: &str,
        min: usize,
        max: usize,
    ) -> ApiResult<Option<&'a str>> {
        match self.string(member)? {
            Some(s) if s.chars().count() < min || s.chars().count() > max => Err(validation(format!(
                "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must have length between {min} and {max}",
                self.name(member)
            ))),
            other => Ok(other),
        }
    }

    pub fn integer(&self, member: &str, min: i64, max: i64) -> ApiResult<Option<i64>> {
        match self.object.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => match n.as_i64() {
                Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
                _ => Err(validation(format!(
                    "1 validation error detected: Value '{n}' at '{}' failed to satisfy constraint: Member must have value between {min} and {max}",
                    self.name(member)
                ))),
            },
            Some(_) => Err(validation(format!("{} must be a number.", self.name(member)))),
        }
    }

    pub fn boolean(&self, member: &str) -> ApiResult<Option<bool>> {
        match self.object.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(validation(format!(
                "{} must be true or false.",
                self.name(member)
            ))),
        }
    }

    pub fn strings(&self, member: &str) -> ApiResult<Vec<String>> {
        match self.object.get(member) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_string).ok_or_else(|| {
                        validation(format!("{} must be a list of strings.", self.name(member)))
                    })
                })
                .collect(),
            Some(_) => Err(validation(format!("{} must be a list.", self.name(member)))),
        }
    }

    pub fn object(&self, member: &str) -> ApiResult<Option<JsonInput<'a>>> {
        match self.object.get(member) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Object(map)) => Ok(Some(JsonInput {
                object: map,
                at: self.name(member),
            })),
            Some(_) => Err(validation(format!(
                "{} must be an object.",
                self.name(member)
            ))),
        }
    }

    pub fn required_object(&self, member: &str) -> ApiResult<JsonInput<'a>> {
        self.object(member)?.ok_or_else(|| {
            validation(format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", self.name(member)))
        })
    }

    pub fn objects(&self, member: &str) -> ApiResult<Vec<JsonInput<'a>>> {
        match self.object.get(member) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, item)| match item {
                    Value::Object(map) => Ok(JsonInput {
                        object: map,
                        at: format!("{}.{}", self.name(member), i + 1),
                    }),
                    _ => Err(validation(format!(
                        "{} must be a list of objects.",
                        self.name(member)
                    ))),
                })
                .collect(),
            Some(_) => Err(validation(format!("{} must be a list.", self.name(member)))),
        }
    }

    pub fn one_of(&self, member: &str, allowed: &[&str]) -> ApiResult<Option<&'a str>> {
        match self.string(member)? {
            Some(value) if !allowed.contains(&value) => Err(validation(format!(
                "1 validation error detected: Value '{value}' at '{}' failed to satisfy constraint: Member must satisfy enum value set: [{}]",
                self.name(member),
                allowed.join(", ")
            ))),
            other => Ok(other),
        }
    }
}
