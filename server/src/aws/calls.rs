//! Counts the HTTP requests trustdesk sends to AWS for one piece of work (a sync of one scope),
//! retries included, as AWS counts them against quotas and throttling. The clients'
//! interceptor ([`super::call_metrics::AwsCallMetrics`]) counts each attempt into it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Shared by the clients of one [`super::At`]; every service's client counts into it.
#[derive(Clone, Debug, Default)]
pub struct CallCounter(Arc<AtomicU64>);

impl CallCounter {
    pub fn count(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    /// One more request sent.
    pub(super) fn add_one(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}
