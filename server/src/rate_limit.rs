//! A fixed-window request counter per key, bounded in memory and keyed by a hash, so that a
//! client spraying new keys (addresses, tokens) can neither grow it without end nor have its
//! raw input kept. When the table is full, the key seen least recently makes room: a flood of
//! new keys costs the flooder's own oldest entries, never a refusal for everyone else.

use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv6Addr};
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
    table: Mutex<Table>,
}

/// One key's window.
struct Window {
    start: Instant,
    count: u32,
    /// The hit that last touched the key (see [`Table::hits`]).
    seen: u64,
}

#[derive(Default)]
struct Table {
    windows: HashMap<Key, Window>,
    /// Each key under the number of the hit that last touched it, oldest first: the first is
    /// the one to evict.
    by_last_seen: BTreeMap<u64, Key>,
    /// Hits so far: a clock that never repeats, unlike `Instant`s taken in the same tick.
    hits: u64,
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

impl Table {
    /// `key`'s window, marked as seen now; a new key first evicts the least recently seen
    /// ones while the table holds `max_keys`.
    fn touch(&mut self, key: Key, now: Instant, max_keys: usize) -> &mut Window {
        self.hits += 1;
        let seen = self.hits;
        if let Some(window) = self.windows.get_mut(&key) {
            self.by_last_seen.remove(&window.seen);
            window.seen = seen;
        } else {
            while self.windows.len() >= max_keys.max(1) {
                let Some((_, oldest)) = self.by_last_seen.pop_first() else {
                    break;
                };
                self.windows.remove(&oldest);
            }
            self.windows.insert(
                key,
                Window {
                    start: now,
                    count: 0,
                    seen,
                },
            );
        }
        self.by_last_seen.insert(seen, key);
        self.windows.get_mut(&key).expect("inserted above")
    }
}

impl RateLimiter {
    pub fn new(limit: Limit, max_keys: usize) -> Self {
        Self {
            limit,
            max_keys,
            table: Mutex::default(),
        }
    }

    /// Counts one request for `value`; `Err(wait)` once the window's allowance is spent.
    pub fn hit(&self, namespace: &str, value: &str, now: Instant) -> Result<(), Duration> {
        let key = key(namespace, value);
        let window = self.limit.window;
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let entry = table.touch(key, now, self.max_keys);
        if now.saturating_duration_since(entry.start) >= window {
            entry.start = now;
            entry.count = 0;
        }
        if entry.count >= self.limit.requests {
            return Err(window.saturating_sub(now.saturating_duration_since(entry.start)));
        }
        entry.count += 1;
        Ok(())
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        let table = self.table.lock().unwrap();
        assert_eq!(table.windows.len(), table.by_last_seen.len());
        table.windows.len()
    }
}

/// The part of `address` one client is counted by: an IPv4 address whole (also when written
/// as IPv4-mapped IPv6), an IPv6 address's /64. Anything that is not an address (an unknown
/// client) is one bucket of its own.
pub fn client_bucket(address: &str) -> String {
    match address.parse::<IpAddr>().map(|ip| ip.to_canonical()) {
        Ok(IpAddr::V4(ip)) => ip.to_string(),
        Ok(IpAddr::V6(ip)) => {
            let network = Ipv6Addr::from(u128::from(ip) & !(u128::MAX >> 64));
            format!("{network}/64")
        }
        Err(_) => address.to_string(),
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

    #[test]
    fn a_full_table_evicts_the_least_recently_seen_key_instead_of_refusing() {
        let limiter = limiter(2, 3);
        let t0 = Instant::now();
        for key in ["a", "b", "c", "a"] {
            assert!(limiter.hit("ip", key, t0).is_ok(), "{key}");
        }
        // Full of live windows: a new key still gets in, and `b` (seen least recently, as `a`
        // was seen again) makes room.
        assert!(
            limiter.hit("ip", "d", t0).is_ok(),
            "a new key is not refused"
        );
        assert_eq!(limiter.len(), 3);
        assert!(
            limiter.hit("ip", "a", t0).is_err(),
            "a was kept, with its count"
        );
        assert!(limiter.hit("ip", "b", t0).is_ok());
        assert!(
            limiter.hit("ip", "b", t0).is_ok(),
            "b starts a new window: it was evicted"
        );
        assert_eq!(limiter.len(), 3);
    }
}
