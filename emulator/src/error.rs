//! An AWS error as the services report it: a code, a message and the HTTP status. Each wire
//! protocol renders it in its own shape (see `protocol`).

use http::StatusCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    pub fn bad_request(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// Client errors are the caller's fault ("Sender" in the query protocols' `Type`).
    pub fn is_sender(&self) -> bool {
        self.status.is_client_error()
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The message AWS uses for a Smithy constraint violation, e.g.
/// "1 validation error detected: Value 'x' at 'policyName' failed to satisfy constraint: ...".
pub fn constraint_message(value: &str, member: &str, constraint: &str) -> String {
    let shown: String = value.chars().take(64).collect();
    format!(
        "1 validation error detected: Value '{shown}' at '{}' failed to satisfy constraint: {constraint}",
        lower_first(member)
    )
}

pub fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}
