//! Why a notice was not handed over (to a mail server or a webhook), as a sentence an admin can
//! act on, and whether trying again later may help; the technical detail went to the log when
//! the error was made.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{sentence}")]
pub struct DeliveryError {
    sentence: String,
    permanent: bool,
}

impl DeliveryError {
    /// Worth trying again later: the server is down, busy, or not configured yet.
    pub fn temporary(sentence: impl Into<String>) -> Self {
        Self {
            sentence: sentence.into(),
            permanent: false,
        }
    }

    /// Will fail the same way every time: the server refused this recipient, or the address
    /// cannot be written.
    pub fn permanent(sentence: impl Into<String>) -> Self {
        Self {
            sentence: sentence.into(),
            permanent: true,
        }
    }

    pub fn is_permanent(&self) -> bool {
        self.permanent
    }

    pub fn sentence(&self) -> &str {
        &self.sentence
    }
}
