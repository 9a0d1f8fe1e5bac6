//! Secrets that must be shown exactly once and never stored (a License Manager token's JWT):
//! held in memory for a few minutes for the user who created them, gone at the first read.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const LIFETIME: Duration = Duration::from_secs(600);

struct Entry {
    secret: String,
    owner: i64,
    created: Instant,
}

#[derive(Default)]
pub struct OneTimeSecrets {
    entries: Mutex<HashMap<String, Entry>>,
}

impl OneTimeSecrets {
    /// Keeps `secret` for `owner` and returns the handle that reads it once.
    pub fn put(&self, owner: i64, secret: String) -> String {
        let handle = crate::csrf::random_token();
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, e| e.created.elapsed() < LIFETIME);
        entries.insert(
            handle.clone(),
            Entry {
                secret,
                owner,
                created: Instant::now(),
            },
        );
        handle
    }

    /// The secret, once, and only for the user it was made for.
    pub fn take(&self, handle: &str, owner: i64) -> Option<String> {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        match entries.get(handle) {
            Some(entry) if entry.owner == owner && entry.created.elapsed() < LIFETIME => {
                entries.remove(handle).map(|e| e.secret)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_once_by_its_owner_only() {
        let secrets = OneTimeSecrets::default();
        let handle = secrets.put(7, "jwt".into());
        assert_eq!(
            secrets.take(&handle, 8),
            None,
            "another user cannot read it"
        );
        assert_eq!(secrets.take(&handle, 7).as_deref(), Some("jwt"));
        assert_eq!(secrets.take(&handle, 7), None, "gone after the first read");
    }
}
