//! A fixed-window request counter per key, bounded in memory and keyed by a hash, so that a
//! client spraying new keys (addresses, tokens) can neither grow it without end nor have its
//! raw input kept.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

type Key = [u8; 16];

#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub requests: u32,
    pub window: Duration,
}

pub struct RateLimiter {
    limit: Limit,
    max_keys: usize,
    windows: Mutex<HashMap<Key, (Instant, u32)>>,
}

fn key(namespace: &str, value: &str) -> Key {
    let digest = Sha256::new()
        .chain_update(namespace.as_bytes())
        .chain_update([0])
        .chain_update(value.as_bytes())
        .finalize();
    let mut key = [0u8; 16];
    key.copy_from_slice(&digest[..16]);
    key
}

impl RateLimiter {
    pub fn new(limit: Limit, max_keys: usize) -> Self {
        Self {
            limit,
            max_keys,
            windows: Mutex::default(),
        }
    }

    /// Counts one request for `value`; `Err(wait)` once the window's allowance is spent.
    pub fn hit(&self, namespace: &str, value: &str, now: Instant) -> Result<(), Duration> {
        let key = key(namespace, value);
        let window = self.limit.window;
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= self.max_keys && !windows.contains_key(&key) {
            windows.retain(|_, (start, _)| now.duration_since(*start) < window);
            if windows.len() >= self.max_keys {
                // Still full of live windows: under a flood of distinct keys, a new key waits
                // for a window to end rather than pushing a busy one out.
                return Err(window);
            }
        }
        let entry = windows.entry(key).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        if entry.1 >= self.limit.requests {
            return Err(window.saturating_sub(now.duration_since(entry.0)));
        }
        entry.1 += 1;
        Ok(())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.windows.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(requests: u32, max_keys: usize) -> RateLimiter {
        RateLimiter::new(
            Limit {
                requests,
                window: Duration::from_secs(60),
            },
            max_keys,
        )
    }

    #[test]
    fn a_key_gets_its_allowance_per_window() {
        let limiter = limiter(3, 100);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.hit("ip", "10.0.0.1", t0).is_ok());
        }
        let wait = limiter
            .hit("ip", "10.0.0.1", t0 + Duration::from_secs(20))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(40));
        assert!(
            limiter.hit("ip", "10.0.0.2", t0).is_ok(),
            "other keys go on"
        );
        assert!(
            limiter.hit("link", "10.0.0.1", t0).is_ok(),
            "namespaces apart"
        );
        assert!(limiter
            .hit("ip", "10.0.0.1", t0 + Duration::from_secs(60))
            .is_ok());
    }

    #[test]
    fn memory_stays_bounded_under_a_spray_of_keys() {
        let limiter = limiter(1, 50);
        let t0 = Instant::now();
        for i in 0..10_000 {
            let _ = limiter.hit("ip", &format!("10.0.{}.{}", i / 256, i % 256), t0);
        }
        assert_eq!(limiter.len(), 50);
        let later = t0 + Duration::from_secs(61);
        assert!(
            limiter.hit("ip", "192.0.2.1", later).is_ok(),
            "ended windows make room"
        );
        assert!(limiter.len() <= 50);
    }
}
