//! The one error type that crosses the wire between server functions and pages.

use leptos::server_fn::{
    codec::JsonEncoding,
    error::{FromServerFnError, ServerFnErrorErr},
};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What the UI can do about an error; each kind maps to one HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The input broke a rule; `fields` says which.
    Validation,
    /// The caller is not signed in (or the session ended).
    Unauthenticated,
    /// Signed in, but the role does not allow this, or the CSRF token did not match.
    AccessDenied,
    NotFound,
    /// Too many attempts; wait and retry.
    Throttled,
    /// The request conflicts with the current state (duplicate name, last admin, ...).
    Conflict,
    /// A dependency (database, AWS) is not answering; retrying later may work.
    Unavailable,
    /// A bug or an unexpected failure; details are in the server log only.
    Internal,
}

impl ErrorKind {
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::Validation => 400,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::AccessDenied => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::Throttled => 429,
            ErrorKind::Unavailable => 503,
            ErrorKind::Internal => 500,
        }
    }
}

/// A broken rule on one named form field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// An error a person can act on: a kind, a sentence, and the fields at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
    /// trustdesk's id of the request that failed (its `X-Request-Id`), for the user to quote.
    /// Boxed: results carrying this error stay small (clippy's `result_large_err`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<Box<str>>,
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            fields: Vec::new(),
            request_id: None,
        }
    }

    pub fn validation(fields: Vec<FieldError>) -> Self {
        let message = match fields.len() {
            1 => "One field needs attention.".to_string(),
            n => format!("{n} fields need attention."),
        };
        Self {
            kind: ErrorKind::Validation,
            message,
            fields,
            request_id: None,
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(
            ErrorKind::Unauthenticated,
            "Your session has ended. Sign in again to continue.",
        )
    }

    pub fn access_denied(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::AccessDenied, message)
    }

    pub fn admin_only() -> Self {
        Self::access_denied("Only admins can do this; your account has the viewer role.")
    }

    pub fn csrf_mismatch() -> Self {
        Self::access_denied(
            "This form has expired or did not come from trustdesk. Reload the page and submit it again.",
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }

    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unavailable, message)
    }

    pub fn internal() -> Self {
        Self::new(
            ErrorKind::Internal,
            "Something went wrong on the server; the details are in its log. Nothing was changed.",
        )
    }

    /// The message for one field, to show beside its input.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|f| f.field == name)
            .map(|f| f.message.as_str())
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => Self::new(
                ErrorKind::Validation,
                "The form was incomplete or malformed. Reload the page and try again.",
            ),
            ServerFnErrorErr::Request(_) => Self::unavailable(
                "trustdesk's server could not be reached. Check your connection and try again.",
            ),
            _ => Self::internal(),
        }
    }
}

/// Collects field errors so a validator reports every broken rule at once, not just the first.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn check(&mut self, field: &str, result: Result<(), String>) {
        if let Err(message) = result {
            self.0.push(FieldError {
                field: field.to_string(),
                message,
            });
        }
    }

    /// Checks a field whose rule also reads its value: the value, or (the error kept for
    /// [`Self::into_result`]) the type's default in its place.
    pub fn take<T: Default>(&mut self, field: &str, result: Result<T, String>) -> T {
        result.unwrap_or_else(|message| {
            self.check(field, Err(message));
            T::default()
        })
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_error_names_each_field() {
        let mut errors = FieldErrors::new();
        errors.check("username", Err("too short".into()));
        errors.check("role", Ok(()));
        errors.check("password", Err("too weak".into()));
        let err = errors.into_result().unwrap_err();
        assert_eq!(err.kind, ErrorKind::Validation);
        assert_eq!(err.field("username"), Some("too short"));
        assert_eq!(err.field("password"), Some("too weak"));
        assert_eq!(err.field("role"), None);
        assert_eq!(err.message, "2 fields need attention.");
    }

    #[test]
    fn round_trips_through_the_wire_encoding() {
        let err = AppError::validation(vec![FieldError {
            field: "password".into(),
            message: "must be at least 12 characters".into(),
        }]);
        let decoded = AppError::de(err.ser());
        assert_eq!(decoded, err);
    }

    #[test]
    fn garbage_on_the_wire_becomes_an_internal_error_not_a_panic() {
        let decoded = AppError::de("not json".into());
        assert_eq!(decoded.kind, ErrorKind::Internal);
    }
}
