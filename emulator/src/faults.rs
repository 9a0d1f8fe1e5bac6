//! Injected failures for reliability tests: the next N calls of an operation are throttled, fail
//! with a 500, or are delayed before being served normally.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Fault {
    /// The service's throttling error (IAM/STS `Throttling`, EC2 `RequestLimitExceeded`, License
    /// Manager `RateLimitExceededException`, Multi-party approval `ThrottlingException`).
    Throttle,
    /// An HTTP 500 with the service's internal-error code.
    ServerError,
    /// The service's access-denied error (EC2 `UnauthorizedOperation`, IAM/STS `AccessDenied`,
    /// License Manager and Multi-party approval `AccessDeniedException`), as when the caller's
    /// policy lacks the action.
    AccessDenied,
    /// The call waits this long, then is served.
    Delay {
        #[serde(with = "millis")]
        delay: Duration,
    },
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
        u64::deserialize(deserializer).map(Duration::from_millis)
    }
}

/// Matches every operation.
pub const ANY_OPERATION: &str = "*";

#[derive(Debug, Default)]
pub struct Faults {
    pending: HashMap<String, VecDeque<Fault>>,
}

impl Faults {
    pub fn inject(&mut self, operation: &str, fault: Fault, times: usize) {
        let queue = self.pending.entry(operation.to_string()).or_default();
        queue.extend(std::iter::repeat_n(fault, times));
    }

    pub fn clear(&mut self) {
        self.pending.clear();
    }

    /// The fault the next call of `operation` must suffer, if any; each injected fault is used once.
    pub fn take(&mut self, operation: &str) -> Option<Fault> {
        if self.pending.is_empty() {
            return None;
        }
        for key in [operation, ANY_OPERATION] {
            if let Some(queue) = self.pending.get_mut(key) {
                let fault = queue.pop_front();
                if queue.is_empty() {
                    self.pending.remove(key);
                }
                if fault.is_some() {
                    return fault;
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fault_is_used_once_per_call() {
        let mut faults = Faults::default();
        faults.inject("ListPolicies", Fault::Throttle, 2);
        assert_eq!(faults.take("GetPolicy"), None);
        assert_eq!(faults.take("ListPolicies"), Some(Fault::Throttle));
        assert_eq!(faults.take("ListPolicies"), Some(Fault::Throttle));
        assert_eq!(faults.take("ListPolicies"), None);
    }

    #[test]
    fn wildcard_applies_to_any_operation() {
        let mut faults = Faults::default();
        faults.inject(ANY_OPERATION, Fault::ServerError, 1);
        assert_eq!(faults.take("GetCallerIdentity"), Some(Fault::ServerError));
        assert_eq!(faults.take("GetCallerIdentity"), None);
    }

    #[test]
    fn parses_control_requests() {
        let fault: Fault = serde_json::from_str(r#"{"kind":"delay","delay":250}"#).unwrap();
        assert_eq!(
            fault,
            Fault::Delay {
                delay: Duration::from_millis(250)
            }
        );
        let fault: Fault = serde_json::from_str(r#"{"kind":"throttle"}"#).unwrap();
        assert_eq!(fault, Fault::Throttle);
    }
}
