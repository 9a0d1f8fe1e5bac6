//! Injected failures for reliability tests: the next N calls of an operation are throttled, fail
//! with a 500, or are delayed before being served normally. A fault may be narrowed to the calls
//! of one account, or to the calls naming one item (its id, name or ARN in the request), so a
//! test can fail one item of a bulk operation or one scope while the rest are served.

use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Fault {
    /// The service's throttling error (IAM/STS `Throttling`, EC2 `RequestLimitExceeded`, License
    /// Manager `RateLimitExceededException`, Multi-party approval `ThrottlingException`,
    /// Organizations `TooManyRequestsException`).
    Throttle,
    /// An HTTP 500 with the service's internal-error code.
    ServerError,
    /// The service's access-denied error (EC2 `UnauthorizedOperation`, IAM/STS `AccessDenied`,
    /// License Manager, Multi-party approval and Organizations `AccessDeniedException`), as when
    /// the caller's policy lacks the action.
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

/// Which calls a fault applies to, beyond its operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Only {
    /// Calls signed by a principal of this account.
    #[serde(default)]
    pub account: Option<String>,
    /// Calls whose path, query or body contains this text (e.g. an item's id).
    #[serde(default)]
    pub naming: Option<String>,
}

/// One call as faults see it.
pub struct Call<'a> {
    pub operation: &'a str,
    pub account: &'a str,
    /// The request's path, query and body, where an item's id or name appears.
    pub text: &'a str,
}

impl Only {
    fn matches(&self, call: &Call<'_>) -> bool {
        self.account.as_deref().is_none_or(|a| a == call.account)
            && self
                .naming
                .as_deref()
                .is_none_or(|text| call.text.contains(text))
    }
}

#[derive(Debug)]
struct Pending {
    operation: String,
    only: Only,
    fault: Fault,
    left: usize,
}

#[derive(Debug, Default)]
pub struct Faults {
    pending: Vec<Pending>,
}

impl Faults {
    pub fn inject(&mut self, operation: &str, only: Only, fault: Fault, times: usize) {
        self.pending.push(Pending {
            operation: operation.to_string(),
            only,
            fault,
            left: times,
        });
    }

    pub fn clear(&mut self) {
        self.pending.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// The fault the next call must suffer, if any: the first injected that matches it (its
    /// own operation before the wildcard); each injected fault is used once.
    pub fn take(&mut self, call: &Call<'_>) -> Option<Fault> {
        if self.pending.is_empty() {
            return None;
        }
        let position = [call.operation, ANY_OPERATION]
            .iter()
            .find_map(|operation| {
                self.pending
                    .iter()
                    .position(|p| p.operation == *operation && p.only.matches(call))
            })?;
        let pending = &mut self.pending[position];
        let fault = pending.fault;
        pending.left -= 1;
        if pending.left == 0 {
            self.pending.remove(position);
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call<'a>(operation: &'a str, account: &'a str, text: &'a str) -> Call<'a> {
        Call {
            operation,
            account,
            text,
        }
    }

    #[test]
    fn each_fault_is_used_once_per_call() {
        let mut faults = Faults::default();
        faults.inject("ListPolicies", Only::default(), Fault::Throttle, 2);
        assert_eq!(faults.take(&call("GetPolicy", "1", "")), None);
        for _ in 0..2 {
            assert_eq!(
                faults.take(&call("ListPolicies", "1", "")),
                Some(Fault::Throttle)
            );
        }
        assert_eq!(faults.take(&call("ListPolicies", "1", "")), None);
    }

    #[test]
    fn wildcard_applies_to_any_operation() {
        let mut faults = Faults::default();
        faults.inject(ANY_OPERATION, Only::default(), Fault::ServerError, 1);
        let identity = call("GetCallerIdentity", "1", "");
        assert_eq!(faults.take(&identity), Some(Fault::ServerError));
        assert_eq!(faults.take(&identity), None);
    }

    #[test]
    fn a_narrowed_fault_spares_other_accounts_and_items() {
        let mut faults = Faults::default();
        let only_role = Only {
            account: None,
            naming: Some("RoleName=web".into()),
        };
        faults.inject("TagRole", only_role, Fault::Throttle, 1);
        let only_account = Only {
            account: Some("222".into()),
            naming: None,
        };
        faults.inject(ANY_OPERATION, only_account, Fault::AccessDenied, 1);
        assert_eq!(faults.take(&call("TagRole", "111", "RoleName=api")), None);
        assert_eq!(faults.take(&call("ListRoles", "111", "")), None);
        assert_eq!(
            faults.take(&call("TagRole", "111", "Action=TagRole&RoleName=web")),
            Some(Fault::Throttle)
        );
        assert_eq!(
            faults.take(&call("ListRoles", "222", "")),
            Some(Fault::AccessDenied)
        );
        assert_eq!(faults.take(&call("ListRoles", "222", "")), None);
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
