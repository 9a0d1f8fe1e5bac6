//! Password hashing and the defences of sign-in and setup: growing delays per account and
//! address, and refusals folded in the audit trail.

mod backoff;
mod passwords;
mod repeats;
mod throttle;

pub use passwords::Passwords;
pub use repeats::{DueRow, Refusal, RepeatedRefusals};
pub use throttle::{
    Attempt, LoginPolicy, LoginThrottle, SetupAttempt, SetupThrottle, Wait, FIRST_DELAY,
};

use std::time::Duration;

/// A username as sign-in matches it and the throttle counts it: trimmed and in lower case (the
/// only case a username may be created in), so `Admin ` is `admin`, and throttled as one.
pub fn normalise_username(typed: &str) -> String {
    typed.trim().to_lowercase()
}

/// "3 minutes", "1 minute", "40 seconds": for messages.
pub fn describe_wait(wait: Duration) -> String {
    // Rounded up: "wait 1 second" must be enough.
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let secs = secs.max(1);
    if secs >= 60 {
        let minutes = secs.div_ceil(60);
        format!("{minutes} minute{}", if minutes == 1 { "" } else { "s" })
    } else {
        format!("{secs} second{}", if secs == 1 { "" } else { "s" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_naturally() {
        assert_eq!(describe_wait(Duration::from_secs(1)), "1 second");
        assert_eq!(describe_wait(Duration::from_millis(200)), "1 second");
        assert_eq!(describe_wait(Duration::from_millis(1200)), "2 seconds");
        assert_eq!(describe_wait(Duration::from_secs(59)), "59 seconds");
        assert_eq!(describe_wait(Duration::from_secs(61)), "2 minutes");
        assert_eq!(describe_wait(Duration::from_secs(60)), "1 minute");
    }

    #[test]
    fn usernames_are_matched_and_counted_trimmed_and_in_lower_case() {
        assert_eq!(normalise_username("  Admin "), "admin");
        assert_eq!(normalise_username("admin"), normalise_username("ADMIN"));
    }
}
