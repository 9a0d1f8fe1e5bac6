//! Who must wait before the next sign-in or setup attempt. Growing delays rather than a lockout:
//! nobody can keep a user out for long, and guessing gets slower with every failure.
//!
//! Sign-in counts failures three ways: one account from one address (a guesser), one account
//! from anywhere (a distributed guesser; capped at a minute), and one address across accounts
//! (a sprayer). An address the account signed in from lately does not wait for the account's
//! count: guesses from elsewhere, each restarting that wait, could otherwise keep the user out
//! for as long as they go on. Its own counts still apply to it.

use super::backoff::{Backoffs, Key, Rule};
use crate::client_addr::ClientIp;
use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// How long a successful sign-in from an address spares it the account's wait.
pub const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 60 * 60);
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
    /// What a success makes known: this account from this address; none for an unknown client,
    /// which any client can claim to be.
    signed_in_from: Option<Key>,
    at: Instant,
}

#[derive(Debug)]
pub struct LoginThrottle {
    policy: LoginPolicy,
    table: Backoffs,
    known: KnownAddresses,
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
            known: KnownAddresses::new(max_entries),
        }
    }

    /// Lets an attempt for `account` (as [`super::normalise_username`] gives it) from `client`
    /// through, counted, or says how long it must wait. Every unknown client counts as one
    /// address.
    pub fn reserve(&self, account: &str, client: ClientIp, now: Instant) -> Result<Attempt, Wait> {
        let counted_as = address_bytes(client);
        let attempt = Attempt {
            account_from_address: self.table.key("pair", &[account.as_bytes(), &counted_as]),
            account: self.table.key("account", &[account.as_bytes()]),
            address: self.table.key("address", &[&counted_as]),
            signed_in_from: client.address().map(|_| {
                self.table
                    .key("signed in from", &[account.as_bytes(), &counted_as])
            }),
            at: now,
        };
        let policy = &self.policy;
        let pair = (attempt.account_from_address, policy.account_from_address);
        let account = (attempt.account, policy.account);
        let address = (attempt.address, policy.address);
        let all = [pair, account, address];
        let (spared, spared_count) = ([pair, address], [account]);
        let known = attempt
            .signed_in_from
            .is_some_and(|key| self.known.lately(&key, now));
        // An address the account signed in from lately is still counted under the account.
        let (checks, counted_only): (&[_], &[_]) = if known {
            (&spared, &spared_count)
        } else {
            (&all, &[])
        };
        self.table
            .reserve_counting(checks, counted_only, now)
            .map_err(|(wait, index)| Wait {
                wait,
                because_of_address: checks[index].0 == attempt.address,
            })?;
        Ok(attempt)
    }

    /// The password was right: this address's failures for the account are forgiven, this
    /// attempt no longer counts against the account or the address, and the address is known
    /// to the account for [`KNOWN_FOR`].
    pub fn succeeded(&self, attempt: Attempt) {
        self.table.clear(&attempt.account_from_address);
        self.table.forgive(&attempt.account);
        self.table.forgive(&attempt.address);
        if let Some(key) = attempt.signed_in_from {
            self.known.signed_in(key, attempt.at);
        }
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

    pub fn reserve(&self, client: ClientIp, now: Instant) -> Result<SetupAttempt, Duration> {
        let key = self.table.key("address", &[&address_bytes(client)]);
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

/// The (account, address) pairs with a successful sign-in, and when the latest was: only a
/// right password adds one, so strangers cannot fill the table; it is bounded all the same.
#[derive(Debug)]
struct KnownAddresses {
    max_entries: usize,
    since: Mutex<HashMap<Key, Instant>>,
}

impl KnownAddresses {
    fn new(max_entries: usize) -> Self {
        Self {
            max_entries: max_entries.max(1),
            since: Mutex::default(),
        }
    }

    fn lately(&self, key: &Key, now: Instant) -> bool {
        let since = self.since.lock().unwrap_or_else(|e| e.into_inner());
        since
            .get(key)
            .is_some_and(|at| now.saturating_duration_since(*at) < KNOWN_FOR)
    }

    fn signed_in(&self, key: Key, at: Instant) {
        let mut since = self.since.lock().unwrap_or_else(|e| e.into_inner());
        if !since.contains_key(&key) && since.len() >= self.max_entries {
            since.retain(|_, last| at.saturating_duration_since(*last) < KNOWN_FOR);
            if since.len() >= self.max_entries {
                let oldest = since.iter().min_by_key(|(_, last)| **last).map(|(k, _)| *k);
                if let Some(oldest) = oldest {
                    since.remove(&oldest);
                }
            }
        }
        let last = since.entry(key).or_insert(at);
        *last = (*last).max(at);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.since.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// A client as the throttle counts it: IPv4 as it is (an IPv4-mapped IPv6 address too); IPv6
/// by its /64, the smallest block a single customer is usually given; every unknown client as
/// one (its bytes are no address's length).
pub fn address_bytes(client: ClientIp) -> Vec<u8> {
    match client.address().map(|ip| ip.to_canonical()) {
        Some(IpAddr::V4(v4)) => v4.octets().to_vec(),
        Some(IpAddr::V6(v6)) => v6.octets()[..8].to_vec(),
        None => b"unknown".to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: ClientIp = ClientIp::Known(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));

    fn elsewhere(i: u8) -> ClientIp {
        ClientIp::Known(IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, i)))
    }

    /// `times` wrong passwords for `account` from `from` at `now`, each let through.
    fn failed(throttle: &LoginThrottle, account: &str, from: ClientIp, now: Instant, times: usize) {
        for _ in 0..times {
            let _ = throttle.reserve(account, from, now).unwrap();
        }
    }

    /// A throttle after `times` wrong passwords for alice from home, and the instant of them.
    fn alice_failed(times: usize) -> (LoginThrottle, Instant) {
        let (throttle, t0) = (LoginThrottle::default(), Instant::now());
        failed(&throttle, "alice", HOME, t0, times);
        (throttle, t0)
    }

    fn signed_in(throttle: &LoginThrottle, account: &str, from: ClientIp, now: Instant) {
        throttle.succeeded(throttle.reserve(account, from, now).unwrap());
    }

    /// Wrong guesses for `account` from ten addresses at once: the account's free failures
    /// spent, it waits.
    fn guess_until_the_account_waits(throttle: &LoginThrottle, account: &str, now: Instant) {
        for i in 0..10 {
            let _ = throttle.reserve(account, elsewhere(i), now).unwrap();
        }
        assert!(
            !throttle
                .reserve(account, elsewhere(99), now)
                .unwrap_err()
                .because_of_address
        );
    }

    #[test]
    fn one_account_from_one_address_waits_after_three_failures() {
        let (throttle, t0) = alice_failed(3);
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
        let (throttle, t0) = alice_failed(2);
        let attempt = throttle.reserve("alice", HOME, t0).unwrap();
        throttle.succeeded(attempt);
        failed(&throttle, "alice", HOME, t0, 3);
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
            let address = ClientIp::Known(IpAddr::V4(std::net::Ipv4Addr::from(i)));
            let _ = throttle.reserve(&format!("sprayed-{i}"), address, t0);
            assert!(throttle.records() <= 300);
        }
        assert_eq!(throttle.records(), 300);
    }

    #[test]
    fn the_first_delay_can_be_set_and_the_caps_still_hold() {
        let throttle = LoginThrottle::new(LoginPolicy::starting_at(Duration::from_secs(90)));
        let t0 = Instant::now();
        failed(&throttle, "alice", HOME, t0, 3);
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
        assert_eq!(address_bytes(a.into()), address_bytes(b.into()));
        assert_ne!(address_bytes(a.into()), address_bytes(c.into()));
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        assert_eq!(address_bytes(mapped.into()), vec![192, 0, 2, 1]);
    }

    #[test]
    fn rotating_addresses_cannot_keep_out_a_user_from_an_address_they_signed_in_from() {
        // The review's attack: 59 addresses take turns, a wrong guess every 100 ms, each one
        // that is let through restarting the account's wait; the user, who signed in from
        // HOME before, tries every 7 seconds for 200 seconds.
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        signed_in(&throttle, "alice", HOME, t0);
        let (mut user_in, mut stranger_in, mut tries, mut guesses_let_through) = (0, 0, 0, 0);
        for tick in 1..=2_000u32 {
            let now = t0 + Duration::from_millis(100) * tick;
            let attacker = elsewhere((tick % 59) as u8);
            if throttle.reserve("alice", attacker, now).is_ok() {
                guesses_let_through += 1;
            }
            if tick % 70 == 0 {
                tries += 1;
                if let Ok(attempt) = throttle.reserve("alice", HOME, now) {
                    user_in += 1;
                    throttle.succeeded(attempt);
                }
                // The same right password from an address never used before.
                let stranger =
                    ClientIp::Known(IpAddr::V4(std::net::Ipv4Addr::new(192, 0, 2, tries as u8)));
                if let Ok(attempt) = throttle.reserve("alice", stranger, now) {
                    stranger_in += 1;
                    throttle.succeeded(attempt);
                }
            }
        }
        assert_eq!(tries, 28);
        assert_eq!(user_in, tries, "the user got in every time");
        assert!(
            stranger_in <= 2,
            "the account's wait still holds for everyone else: {stranger_in} of {tries} got in"
        );
        assert!(guesses_let_through > 10, "{guesses_let_through}");
    }

    #[test]
    fn a_known_address_still_waits_for_its_own_failures() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        signed_in(&throttle, "alice", HOME, t0);
        failed(&throttle, "alice", HOME, t0, 3);
        let refused = throttle.reserve("alice", HOME, t0).unwrap_err();
        assert_eq!(refused.wait, Duration::from_secs(1));
        assert!(!refused.because_of_address);
        // Its guesses count against the account too.
        for i in 0..7 {
            let _ = throttle.reserve("alice", elsewhere(i), t0).unwrap();
        }
        assert!(throttle.reserve("alice", elsewhere(50), t0).is_err());
    }

    #[test]
    fn the_account_wait_spares_an_address_only_for_that_account_and_for_a_while() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        signed_in(&throttle, "alice", HOME, t0);
        guess_until_the_account_waits(&throttle, "bob", t0);
        assert!(
            throttle.reserve("bob", HOME, t0).is_err(),
            "HOME is known to alice, not to bob"
        );
        guess_until_the_account_waits(&throttle, "alice", t0);
        assert!(throttle.reserve("alice", HOME, t0).is_ok());
        let later = t0 + KNOWN_FOR;
        guess_until_the_account_waits(&throttle, "alice", later);
        assert!(
            throttle.reserve("alice", HOME, later).is_err(),
            "a sign-in {} days ago no longer counts",
            KNOWN_FOR.as_secs() / 86_400
        );
    }

    #[test]
    fn unknown_clients_are_counted_as_one_and_never_become_known() {
        let throttle = LoginThrottle::default();
        let t0 = Instant::now();
        assert_ne!(address_bytes(ClientIp::Unknown), address_bytes(HOME));
        for _ in 0..3 {
            let _ = throttle.reserve("alice", ClientIp::Unknown, t0).unwrap();
        }
        assert!(throttle.reserve("alice", ClientIp::Unknown, t0).is_err());
        assert!(throttle.reserve("alice", HOME, t0).is_ok());
        // A right password from an unknown client makes no client known: any may claim it.
        let t1 = t0 + Duration::from_secs(60);
        signed_in(&throttle, "bob", ClientIp::Unknown, t1);
        guess_until_the_account_waits(&throttle, "bob", t1);
        assert!(throttle.reserve("bob", ClientIp::Unknown, t1).is_err());
        for i in 0..20 {
            let _ = throttle.reserve(&format!("user{i}"), ClientIp::Unknown, t1);
        }
        assert!(
            throttle
                .reserve("carol", ClientIp::Unknown, t1)
                .unwrap_err()
                .because_of_address,
            "unknown clients spraying names wait as one address"
        );
    }

    #[test]
    fn the_known_addresses_stay_bounded_and_the_oldest_go_first() {
        let known = KnownAddresses::new(3);
        let t0 = Instant::now();
        let key = |i: u8| [i; 32];
        for i in 0..5u8 {
            known.signed_in(key(i), t0 + Duration::from_secs(u64::from(i)));
            assert!(known.len() <= 3);
        }
        let now = t0 + Duration::from_secs(10);
        assert!(!known.lately(&key(0), now) && !known.lately(&key(1), now));
        assert!((2..5).all(|i| known.lately(&key(i), now)));
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
