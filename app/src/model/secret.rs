//! A password or token in transit: it crosses the wire as a plain string, but its Debug form
//! is `[redacted]`, so a struct that derives Debug (a form, a server function's arguments)
//! cannot print it into a log.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one place that must use it (hashing, a lookup by hash).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self(value.to_string())
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn travels_as_a_plain_string_and_never_prints() {
        let secret = Secret::new("hunter2 hunter2");
        assert_eq!(
            serde_json::to_string(&secret).unwrap(),
            "\"hunter2 hunter2\""
        );
        let back: Secret = serde_json::from_str("\"hunter2 hunter2\"").unwrap();
        assert_eq!(back.expose(), "hunter2 hunter2");
        assert_eq!(format!("{secret:?}"), "[redacted]");
    }
}
