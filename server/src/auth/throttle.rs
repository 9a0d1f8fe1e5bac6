//! Who must wait before the next sign-in or setup attempt. Growing delays rather than a lockout:
//! nobody can keep a user out for long, and guessing gets slower with every failure.
//!
//! Sign-in counts failures three ways: one account from one address (a guesser), one account
//! from anywhere (a distributed guesser; capped at a minute so that nobody can hold a user out
//! for longer), and one address across accounts (a sprayer).

use super::backoff::{Backoffs, Key, Rule};
use std::{
    net::IpAddr,
    time::{Duration, Instant},
};

const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// The first wait past the free failures (`sign_in_delay`); it doubles with each failure more.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);
/// Records held per table: a few megabytes at most.
const MAX_ENTRIES: usize = 20_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoginPolicy {
    pub account_from_address: Rule,
    pub account: Rule,
    pub address: Rule,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        Self::starting_at(FIRST_DELAY)
    }
}

impl LoginPolicy {
    /// The standard policy with `first_delay` as the first wait.
    pub fn starting_at(first_delay: Duration) -> Self {
        let rule = |free, max_delay| Rule {
            free,
            first_delay,
            max_delay,
            forget_after: FORGET_AFTER,
        };
        Self {
            account_from_address: rule(3, Duration::from_secs(15 * 60)),
            account: rule(10, Duration::from_secs(60)),
            address: rule(20, Duration::from_secs(5 * 60)),
        }
    }
}

/// Why an attempt must wait: the address alone (whatever account it tries), or the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    pub wait: Duration,
    pub because_of_address: bool,
}

/// An attempt let through and already counted as a failure until [`LoginThrottle::succeeded`].
#[derive(Debug)]
#[must_use = "a successful sign-in must be reported, or it counts as a failure"]
pub struct Attempt {
    account_from_address: Key,
    account: Key,
    address: Key,
}

#[derive(Debug)]
pub struct LoginThrottle {
    policy: LoginPolicy,
    table: Backoffs,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self::new(LoginPolicy::default())
    }
}

impl LoginThrottle {
    pub fn new(policy: LoginPolicy) -> Self {
        Self::with_max_entries(policy, MAX_ENTRIES)
    }

    fn with_max_entries(policy: LoginPolicy, max_entries: usize) -> Self {
        Self {
            policy,
            table: Backoffs::new(max_entries),
        }
    }

    /// Lets an attempt for `account` (as [`super::normalise_username`] gives it) from `address`
    /// through, counted, or says how long it must wait.
    pub fn reserve(&self, account: &str, address: IpAddr, now: Instant) -> Result<Attempt, Wait> {
        let address = address_bytes(address);
        let attempt = Attempt {
            account_from_address: self.table.key("pair", &[account.as_bytes(), &address]),
            account: self.table.key("account", &[account.as_bytes()]),
            address: self.table.key("address", &[&address]),
        };
        let policy = &self.policy;
        self.table
            .reserve(
                &[
                    (attempt.account_from_address, policy.account_from_address),
                    (attempt.account, policy.account),
                    (attempt.address, policy.address),
                ],
                now,
            )
            .map(|()| attempt)
            .map_err(|(wait, index)| Wait {
                wait,
                because_of_address: index == 2,
            })
    }

    /// The password was right: this address's failures for the account are forgiven, and
    /// this attempt no longer counts against the account or the address.
    pub fn succeeded(&self, attempt: Attempt) {
        self.table.clear(&attempt.account_from_address);
        self.table.forgive(&attempt.account);
        self.table.forgive(&attempt.address);
    }

    pub fn records(&self) -> usize {
        self.table.record_count()
    }
}

/// Setup attempts per client address: the setup form is open to anyone until the first admin
/// exists, and each attempt with the right link costs a password hash.
#[derive(Debug)]
pub struct SetupThrottle {
    rule: Rule,
    table: Backoffs,
}

impl Default for SetupThrottle {
    fn default() -> Self {
        Self::starting_at(FIRST_DELAY)
    }
}

/// A setup attempt let through, counted until [`SetupThrottle::forgive`].
#[derive(Debug)]
pub struct SetupAttempt(Key);

impl SetupThrottle {
    pub fn starting_at(first_delay: Duration) -> Self {
        Self {
            rule: Rule {
                free: 10,
                first_delay,
                max_delay: Duration::from_secs(5 * 60),
                forget_after: FORGET_AFTER,
            },
            table: Backoffs::new(MAX_ENTRIES),
        }
    }

    pub fn reserve(&self, address: IpAddr, now: Instant) -> Result<SetupAttempt, Duration> {
        let key = self.table.key("address", &[&address_bytes(address)]);
        self.table
            .reserve(&[(key, self.rule)], now)
            .map(|()| SetupAttempt(key))
            .map_err(|(wait, _)| wait)
    }

    /// The attempt carried the right link: it does not count.
    pub fn forgive(&self, attempt: SetupAttempt) {
        self.table.forgive(&attempt.0);
    }
}

/// An address as the throttle counts it: IPv4 as it is (an IPv4-mapped IPv6 address too); IPv6
/// by its /64, the smallest block a single customer is usually given.
pub fn address_bytes(address: IpAddr) -> Vec<u8> {
    match address.to_canonical() {
        IpAddr::V4(v4) => v4.octets().to_vec(),
        IpAddr::V6(v6) => v6.octets()[..8].to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    fn elsewhere(i: u8) -> IpAddr {
        IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, i))
    }

    #[test]
    fn one_account_from_one_address_waits_after_three_failures() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        for _ in 0..3 {
            let _ = throttle.reserve("alice", HOME, t0).unwrap();
        }
        let refused = throttle.reserve("alice", HOME, t0).unwrap_err();
        assert_eq!(refused.wait, Duration::from_secs(1));
        assert!(!refused.because_of_address);
        assert!(throttle.reserve("alice", elsewhere(1), t0).is_ok());
        assert!(throttle.reserve("bob", HOME, t0).is_ok());
        // After the wait one more attempt, then twice as long.
        let t1 = t0 + Duration::from_secs(1);
        let _ = throttle.reserve("alice", HOME, t1).unwrap();
        assert_eq!(
            throttle.reserve("alice", HOME, t1).unwrap_err().wait,
            Duration::from_secs(2)
        );
    }

    #[test]
    fn an_account_attacked_from_everywhere_waits_at_most_a_minute() {
        let throttle = LoginThrottle::default();
        let mut now = Instant::now();
        let mut longest = Duration::ZERO;
        for i in 0..200u8 {
            match throttle.reserve("alice", elsewhere(i), now) {
                Ok(_) => {}
                Err(refused) => {
                    longest = longest.max(refused.wait);
                    now += refused.wait;
                    let _ = throttle.reserve("alice", elsewhere(i), now).unwrap();
                }
            }
        }
        assert_eq!(longest, Duration::from_secs(60));
        // And once that minute has passed, the user (from an address of their own) gets in.
        let user = throttle.reserve("alice", HOME, now + Duration::from_secs(60));
        assert!(user.is_ok());
    }

    #[test]
    fn an_address_spraying_account_names_waits() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        for i in 0..20 {
            let _ = throttle.reserve(&format!("user{i}"), HOME, t0).unwrap();
        }
        let refused = throttle.reserve("bob", HOME, t0).unwrap_err();
        assert!(refused.because_of_address);
        assert!(throttle.reserve("bob", elsewhere(1), t0).is_ok());
    }

    #[test]
    fn success_forgives_the_address_and_takes_back_its_own_count() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        for _ in 0..2 {
            let _ = throttle.reserve("alice", HOME, t0).unwrap();
        }
        let attempt = throttle.reserve("alice", HOME, t0).unwrap();
        throttle.succeeded(attempt);
        for _ in 0..3 {
            let _ = throttle.reserve("alice", HOME, t0).unwrap();
        }
        assert!(throttle.reserve("alice", HOME, t0).is_err());
    }

    #[test]
    fn parallel_attempts_cannot_all_pass() {
        let throttle = std::sync::Arc::new(LoginThrottle::default());
        let t0 = Instant::now();
        let passed: usize = (0..32)
            .map(|_| {
                let throttle = throttle.clone();
                std::thread::spawn(move || throttle.reserve("alice", HOME, t0).is_ok())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| usize::from(t.join().unwrap()))
            .sum();
        assert_eq!(passed, 3);
    }

    #[test]
    fn the_tables_stay_bounded_under_a_spray_of_names_and_addresses() {
        let throttle = LoginThrottle::with_max_entries(LoginPolicy::default(), 300);
        let t0 = Instant::now();
        for i in 0..5_000u32 {
            let address = IpAddr::V4(std::net::Ipv4Addr::from(i));
            let _ = throttle.reserve(&format!("sprayed-{i}"), address, t0);
            assert!(throttle.records() <= 300);
        }
        assert_eq!(throttle.records(), 300);
    }

    #[test]
    fn the_first_delay_can_be_set_and_the_caps_still_hold() {
        let throttle = LoginThrottle::new(LoginPolicy::starting_at(Duration::from_secs(90)));
        let t0 = Instant::now();
        for _ in 0..3 {
            let _ = throttle.reserve("alice", HOME, t0).unwrap();
        }
        assert_eq!(
            throttle.reserve("alice", HOME, t0).unwrap_err().wait,
            Duration::from_secs(90)
        );
        for i in 0..10 {
            let _ = throttle.reserve("bob", elsewhere(i), t0).unwrap();
        }
        assert_eq!(
            throttle.reserve("bob", elsewhere(99), t0).unwrap_err().wait,
            Duration::from_secs(60),
            "an account from anywhere waits at most a minute"
        );
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_block() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_bytes(a), address_bytes(b));
        assert_ne!(address_bytes(a), address_bytes(c));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(address_bytes(mapped), vec![192, 0, 2, 1]);
    }

    #[test]
    fn setup_attempts_wait_after_ten_and_a_right_link_does_not_count() {
        let throttle = SetupThrottle::default();
        let t0 = Instant::now();
        let right = throttle.reserve(HOME, t0).unwrap();
        throttle.forgive(right);
        for _ in 0..10 {
            let _ = throttle.reserve(HOME, t0).unwrap();
        }
        assert_eq!(
            throttle.reserve(HOME, t0).unwrap_err(),
            Duration::from_secs(1)
        );
        assert!(throttle.reserve(elsewhere(1), t0).is_ok());
    }
}
