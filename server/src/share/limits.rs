//! How often share links may be used: per client (guessing tokens costs the guesser, not the
//! server) and per link (a leaked link cannot be scraped fast).
//!
//! A client is its IPv4 address or its IPv6 /64: one subscriber is handed a whole /64, so
//! counting its addresses one by one would give it 2^64 allowances (and let it fill the
//! table). The tables are bounded and, when full, forget the client or link seen least
//! recently: a flood of addresses can neither grow memory nor turn every holder away.

use crate::rate_limit::{client_bucket, Limit, RateLimiter};
use std::time::{Duration, Instant};

/// Keys kept per limiter; beyond that, the least recently seen make room.
const MAX_KEYS: usize = 10_000;

pub struct ShareLimits {
    per_link: RateLimiter,
    per_client: RateLimiter,
}

impl ShareLimits {
    pub fn per_minute(requests: u32) -> Self {
        Self::new(requests, MAX_KEYS)
    }

    fn new(requests: u32, max_keys: usize) -> Self {
        let limit = Limit {
            requests,
            window: Duration::from_secs(60),
        };
        Self {
            per_link: RateLimiter::new(limit, max_keys),
            per_client: RateLimiter::new(limit, max_keys),
        }
    }

    /// Counts a request from `address`, whatever link it asks for; `Err(wait)` once the
    /// client's allowance is spent. Checked before the token is looked up, so a client trying
    /// unknown tokens is stopped whatever the tokens are.
    pub fn check_client(&self, address: &str, now: Instant) -> Result<(), Duration> {
        self.per_client.hit("client", &client_bucket(address), now)
    }

    /// Counts a request for the active link whose token hashes to `token_hash`; `Err(wait)`
    /// once the link's allowance is spent. Only links that exist are counted, so tokens made
    /// up by a stranger never take a real link's place in the table.
    pub fn check_link(&self, token_hash: &str, now: Instant) -> Result<(), Duration> {
        self.per_link.hit("link", token_hash, now)
    }
}

impl Default for ShareLimits {
    fn default() -> Self {
        Self::per_minute(60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_is_its_ipv4_address_or_its_ipv6_64() {
        for (client, bucket) in [
            ("192.0.2.7", "192.0.2.7"),
            ("::ffff:192.0.2.7", "192.0.2.7"),
            ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
            ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
            ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
            ("unknown", "unknown"),
        ] {
            assert_eq!(client_bucket(client), bucket, "{client}");
        }
    }

    #[test]
    fn addresses_in_one_ipv6_64_share_one_allowance() {
        let limits = ShareLimits::new(3, 100);
        let t0 = Instant::now();
        for host in 1..=3 {
            assert!(limits
                .check_client(&format!("2001:db8:7:7::{host:x}"), t0)
                .is_ok());
        }
        assert!(
            limits.check_client("2001:db8:7:7:ffff::1", t0).is_err(),
            "a fourth address of the same /64 is the same client"
        );
        assert!(
            limits.check_client("2001:db8:7:8::1", t0).is_ok(),
            "the next /64 is another client"
        );
        assert!(limits
            .check_client("2001:db8:7:7::1", t0 + Duration::from_secs(60))
            .is_ok());
    }

    /// The review's flood: more distinct addresses than the table holds, in under a second,
    /// then a holder of the link.
    #[test]
    fn a_flood_of_addresses_leaves_a_holder_served() {
        let limits = ShareLimits::per_minute(60);
        let t0 = Instant::now();
        assert!(limits.check_client("198.51.100.9", t0).is_ok());
        assert!(limits.check_link("holders-link", t0).is_ok());
        for i in 0..(MAX_KEYS as u32 + 200) {
            let address = std::net::Ipv4Addr::from(0x0a00_0000 + i).to_string();
            let at = t0 + Duration::from_micros(u64::from(i) * 90);
            assert!(
                limits.check_client(&address, at).is_ok(),
                "{address}: a new client is never refused"
            );
        }
        let after = t0 + Duration::from_millis(900);
        for holder in ["198.51.100.9", "203.0.113.4"] {
            assert_eq!(limits.check_client(holder, after), Ok(()), "{holder}");
            assert_eq!(limits.check_link("holders-link", after), Ok(()));
        }
    }

    #[test]
    fn a_link_keeps_its_own_limit_across_clients() {
        let limits = ShareLimits::new(2, 100);
        let t0 = Instant::now();
        assert!(limits.check_link("leaked", t0).is_ok());
        assert!(limits.check_link("leaked", t0).is_ok());
        assert!(limits.check_link("leaked", t0).is_err());
        assert!(limits.check_link("another", t0).is_ok());
    }
}
