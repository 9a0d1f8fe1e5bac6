//! Password hashing and sign-in throttling.

use argon2::{
    password_hash::{rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString},
    Argon2,
};
use std::{
    collections::{HashMap, VecDeque},
    net::IpAddr,
    sync::{LazyLock, Mutex},
    time::{Duration, Instant},
};

/// Argon2id with the crate's defaults (19 MiB, 2 passes), as OWASP recommends.
pub fn hash_password(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 accepts any password with a generated salt")
        .to_string()
}

pub fn verify_password(stored_hash: &str, password: &str) -> bool {
    PasswordHash::new(stored_hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checked when the username is unknown, so that both failures take the same time.
static DECOY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("decoy password, never matches"));

pub fn spend_verification_time(password: &str) {
    let _ = verify_password(&DECOY_HASH, password);
}

/// Hashing takes tens of milliseconds of CPU; keep it off the async workers.
pub async fn hash_password_blocking(password: String) -> String {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .expect("password hashing does not panic")
}

#[derive(Debug, Clone, Copy)]
pub struct ThrottlePolicy {
    pub window: Duration,
    pub per_account: usize,
    pub per_address: usize,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            window: Duration::from_secs(15 * 60),
            per_account: 5,
            per_address: 20,
        }
    }
}

/// Counts failed sign-ins per account name and per client address within a sliding window.
/// Unknown account names count too, so throttling does not reveal which accounts exist.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    failures: Mutex<Failures>,
}

#[derive(Debug, Default)]
struct Failures {
    by_account: HashMap<String, VecDeque<Instant>>,
    by_address: HashMap<IpAddr, VecDeque<Instant>>,
}

fn prune(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(*t) >= window)
    {
        times.pop_front();
    }
}

/// How long until the oldest failure leaves the window, if `limit` failures are in it.
fn blocked_for(
    times: Option<&mut VecDeque<Instant>>,
    now: Instant,
    policy: &ThrottlePolicy,
    limit: usize,
) -> Option<Duration> {
    let times = times?;
    prune(times, now, policy.window);
    (times.len() >= limit)
        .then(|| policy.window - now.duration_since(*times.front().expect("non-empty")))
}

impl LoginThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            policy,
            failures: Mutex::default(),
        }
    }

    /// `Err(wait)` if this account or address must wait before trying again.
    pub fn check(&self, account: &str, address: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut failures = self.failures.lock().expect("throttle lock");
        let policy = self.policy;
        let account_wait = blocked_for(
            failures.by_account.get_mut(account),
            now,
            &policy,
            policy.per_account,
        );
        let address_wait = blocked_for(
            failures.by_address.get_mut(&address),
            now,
            &policy,
            policy.per_address,
        );
        match account_wait.max(address_wait) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, account: &str, address: IpAddr, now: Instant) {
        let mut failures = self.failures.lock().expect("throttle lock");
        failures
            .by_account
            .entry(account.to_string())
            .or_default()
            .push_back(now);
        failures
            .by_address
            .entry(address)
            .or_default()
            .push_back(now);
        // Bound memory under a spray of random names: drop entries whose window has passed.
        if failures.by_account.len() > 10_000 {
            let window = self.policy.window;
            failures.by_account.retain(|_, t| {
                prune(t, now, window);
                !t.is_empty()
            });
        }
    }

    /// A successful sign-in clears the account's count (not the address's).
    pub fn record_success(&self, account: &str) {
        self.failures
            .lock()
            .expect("throttle lock")
            .by_account
            .remove(account);
    }
}

/// "3 minutes", "1 minute", "40 seconds": for messages.
pub fn describe_wait(wait: Duration) -> String {
    let secs = wait.as_secs().max(1);
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

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn hashes_verify_and_are_salted() {
        let a = hash_password("correct horse battery");
        let b = hash_password("correct horse battery");
        assert_ne!(a, b);
        assert!(a.starts_with("$argon2id$"));
        assert!(verify_password(&a, "correct horse battery"));
        assert!(!verify_password(&a, "wrong horse battery"));
        assert!(!verify_password("not a hash", "anything"));
    }

    #[test]
    fn account_is_blocked_after_the_limit_until_the_window_passes() {
        let policy = ThrottlePolicy {
            window: Duration::from_secs(60),
            per_account: 3,
            per_address: 100,
        };
        let throttle = LoginThrottle::new(policy);
        let t0 = Instant::now();
        for i in 0..3 {
            assert!(throttle.check("alice", HOME, t0).is_ok(), "attempt {i}");
            throttle.record_failure("alice", HOME, t0 + Duration::from_secs(i));
        }
        let wait = throttle
            .check("alice", HOME, t0 + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(50));
        assert!(
            throttle.check("bob", HOME, t0).is_ok(),
            "other accounts are not affected"
        );
        assert!(throttle
            .check("alice", HOME, t0 + Duration::from_secs(61))
            .is_ok());
    }

    #[test]
    fn address_is_blocked_across_account_names() {
        let policy = ThrottlePolicy {
            window: Duration::from_secs(60),
            per_account: 100,
            per_address: 4,
        };
        let throttle = LoginThrottle::new(policy);
        let t0 = Instant::now();
        for name in ["a", "b", "c", "d"] {
            throttle.record_failure(name, HOME, t0);
        }
        assert!(throttle.check("e", HOME, t0).is_err());
        let elsewhere: IpAddr = "10.1.2.3".parse().unwrap();
        assert!(throttle.check("e", elsewhere, t0).is_ok());
    }

    #[test]
    fn success_clears_the_account() {
        let policy = ThrottlePolicy {
            window: Duration::from_secs(60),
            per_account: 2,
            per_address: 100,
        };
        let throttle = LoginThrottle::new(policy);
        let t0 = Instant::now();
        throttle.record_failure("alice", HOME, t0);
        throttle.record_success("alice");
        throttle.record_failure("alice", HOME, t0);
        assert!(throttle.check("alice", HOME, t0).is_ok());
    }

    #[test]
    fn waits_read_naturally() {
        assert_eq!(describe_wait(Duration::from_secs(1)), "1 second");
        assert_eq!(describe_wait(Duration::from_secs(59)), "59 seconds");
        assert_eq!(describe_wait(Duration::from_secs(61)), "2 minutes");
        assert_eq!(describe_wait(Duration::from_secs(60)), "1 minute");
    }
}
