//! Secrets that must be shown exactly once and never stored (a License Manager token's JWT):
//! held in memory for a few minutes for the user who created them, gone at the first read.
//! What nobody reads is purged on a timer, and every secret's memory is zeroed when it goes.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use zeroize::Zeroizing;

const LIFETIME: Duration = Duration::from_secs(600);
/// How often expired secrets are looked for: they outlive their lifetime by at most this.
pub const PURGE_INTERVAL: Duration = Duration::from_secs(60);

struct Entry {
    secret: Zeroizing<String>,
    owner: i64,
    created: Instant,
}

pub struct OneTimeSecrets {
    entries: Mutex<HashMap<String, Entry>>,
    lifetime: Duration,
}

impl Default for OneTimeSecrets {
    fn default() -> Self {
        Self::with_lifetime(LIFETIME)
    }
}

impl OneTimeSecrets {
    fn with_lifetime(lifetime: Duration) -> Self {
        Self {
            entries: Mutex::default(),
            lifetime,
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Keeps `secret` for `owner` and returns the handle that reads it once.
    pub fn put(&self, owner: i64, secret: Zeroizing<String>) -> String {
        let handle = crate::csrf::random_token();
        self.entries().insert(
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
    pub fn take(&self, handle: &str, owner: i64) -> Option<Zeroizing<String>> {
        let mut entries = self.entries();
        match entries.get(handle) {
            Some(entry) if entry.owner == owner && entry.created.elapsed() < self.lifetime => {
                entries.remove(handle).map(|e| e.secret)
            }
            _ => None,
        }
    }

    /// Forgets (and zeroes) every secret older than its lifetime at `now`; answers how many.
    fn purge_expired_at(&self, now: Instant) -> usize {
        let mut entries = self.entries();
        let before = entries.len();
        entries.retain(|_, e| now.saturating_duration_since(e.created) < self.lifetime);
        before - entries.len()
    }

    /// Purges every `interval` until `stop` turns true (or its sender goes).
    pub async fn purge_periodically(
        &self,
        interval: Duration,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                changed = stop.changed() => {
                    if changed.is_err() || *stop.borrow() {
                        return;
                    }
                }
                _ = ticks.tick() => {
                    let purged = self.purge_expired_at(Instant::now());
                    if purged > 0 {
                        tracing::debug!(purged, "one-time secrets expired unread");
                    }
                }
            }
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn secret(text: &str) -> Zeroizing<String> {
        Zeroizing::new(text.to_string())
    }

    #[test]
    fn read_once_by_its_owner_only() {
        let secrets = OneTimeSecrets::default();
        let handle = secrets.put(7, secret("jwt"));
        assert!(
            secrets.take(&handle, 8).is_none(),
            "another user cannot read it"
        );
        assert_eq!(
            secrets.take(&handle, 7).as_deref().map(String::as_str),
            Some("jwt")
        );
        assert!(
            secrets.take(&handle, 7).is_none(),
            "gone after the first read"
        );
    }

    #[test]
    fn expired_secrets_are_purged_without_a_read() {
        let secrets = OneTimeSecrets::default();
        let start = Instant::now();
        secrets.put(7, secret("old"));
        assert_eq!(secrets.purge_expired_at(start + LIFETIME / 2), 0);
        assert_eq!(secrets.len(), 1, "kept while it may still be shown");
        assert_eq!(
            secrets.purge_expired_at(start + LIFETIME + Duration::from_secs(1)),
            1
        );
        assert_eq!(secrets.len(), 0);
    }

    #[tokio::test]
    async fn the_timer_purges_until_stopped() {
        let secrets = Arc::new(OneTimeSecrets::with_lifetime(Duration::from_millis(20)));
        secrets.put(7, secret("never read"));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let timer = tokio::spawn({
            let secrets = secrets.clone();
            async move {
                secrets
                    .purge_periodically(Duration::from_millis(10), stopped)
                    .await
            }
        });
        // Waits for the purge, however slow the machine; a purge that never comes fails here.
        for _ in 0..500 {
            if secrets.len() == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert_eq!(secrets.len(), 0, "purged by the timer, unread");
        stop.send(true).unwrap();
        timer.await.unwrap();
    }
}
