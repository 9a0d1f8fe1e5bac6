//! How often share links may be used: per link (a leaked link cannot be scraped fast) and per
//! client address across links (guessing tokens costs the guesser, not the server).

use crate::rate_limit::{Limit, RateLimiter};
use std::time::{Duration, Instant};

/// Keys kept per limiter; beyond that, only ended windows make room.
const MAX_KEYS: usize = 10_000;

pub struct ShareLimits {
    per_link: RateLimiter,
    per_address: RateLimiter,
}

impl ShareLimits {
    pub fn per_minute(requests: u32) -> Self {
        let limit = Limit {
            requests,
            window: Duration::from_secs(60),
        };
        Self {
            per_link: RateLimiter::new(limit, MAX_KEYS),
            per_address: RateLimiter::new(limit, MAX_KEYS),
        }
    }

    /// Counts a request from `address` for the link whose token hashes to `token_hash`;
    /// `Err(wait)` when either allowance is spent. The address is counted first, so a client
    /// trying unknown tokens is stopped whatever the tokens are.
    pub fn check(&self, address: &str, token_hash: &str) -> Result<(), Duration> {
        let now = Instant::now();
        self.per_address.hit("address", address, now)?;
        self.per_link.hit("link", token_hash, now)
    }
}

impl Default for ShareLimits {
    fn default() -> Self {
        Self::per_minute(60)
    }
}
