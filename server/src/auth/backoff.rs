//! Growing delays per key: a few failures are free, then each further attempt must wait a delay
//! that doubles with every failure, up to a cap; a quiet spell forgets the count. Keys are
//! salted SHA-256 digests (no username or address is held), and the table has a hard size.

use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// A digest standing for a username, an address or both.
pub type Key = [u8; 32];

/// The salted digest of `parts` under `domain`, length-prefixed so that no two different
/// inputs meet.
pub fn digest(salt: &[u8; 32], domain: &str, parts: &[&[u8]]) -> Key {
    let mut digest = Sha256::new();
    digest.update(salt);
    for part in std::iter::once(domain.as_bytes()).chain(parts.iter().copied()) {
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(part);
    }
    digest.finalize().into()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Failures allowed before the first delay.
    pub free: u32,
    /// The first delay; each further failure doubles it.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// A key without a failure for this long starts again from zero.
    pub forget_after: Duration,
}

impl Rule {
    fn delay(&self, failures: u32) -> Option<Duration> {
        let doublings = failures.checked_sub(self.free)?;
        let factor = 1u32 << doublings.min(20);
        Some(self.first_delay.saturating_mul(factor).min(self.max_delay))
    }

    /// How long a key with this record must still wait at `now`.
    fn wait(&self, record: &Record, now: Instant) -> Option<Duration> {
        let until = record.last + self.delay(record.failures)?;
        (until > now).then(|| until - now)
    }

    fn forgets(&self, record: &Record, now: Instant) -> bool {
        now.saturating_duration_since(record.last) >= self.forget_after
    }
}

#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last: Instant,
    /// The rule the record was made under, so that eviction can tell a forgotten record.
    rule: Rule,
}

/// One table of records; the caller decides what its keys stand for.
#[derive(Debug)]
pub struct Backoffs {
    salt: [u8; 32],
    max_entries: usize,
    records: Mutex<HashMap<Key, Record>>,
}

impl Backoffs {
    pub fn new(max_entries: usize) -> Self {
        Self {
            salt: rand::random(),
            max_entries: max_entries.max(1),
            records: Mutex::default(),
        }
    }

    /// The key of `parts` under `domain` ("account", "address", …).
    pub fn key(&self, domain: &str, parts: &[&[u8]]) -> Key {
        digest(&self.salt, domain, parts)
    }

    /// Counts an attempt as a failure for every key, all at once, unless one of them must
    /// still wait: then `Err((wait, index))` with the longest wait and the key that imposed it,
    /// and nothing is counted. Counting before the attempt is checked is what keeps parallel
    /// attempts from all passing the check; [`Backoffs::forgive`] takes it back on success.
    pub fn reserve(&self, checks: &[(Key, Rule)], now: Instant) -> Result<(), (Duration, usize)> {
        self.reserve_counting(checks, &[], now)
    }

    /// As [`Backoffs::reserve`], and the attempt is counted under `counted_only` too, without
    /// waiting for those keys (`index` is into `checks`).
    pub fn reserve_counting(
        &self,
        checks: &[(Key, Rule)],
        counted_only: &[(Key, Rule)],
        now: Instant,
    ) -> Result<(), (Duration, usize)> {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        let mut longest: Option<(Duration, usize)> = None;
        for (index, (key, rule)) in checks.iter().enumerate() {
            if let Some(record) = records.get(key) {
                if rule.forgets(record, now) {
                    records.remove(key);
                } else if let Some(wait) = rule.wait(record, now) {
                    if longest.is_none_or(|(w, _)| wait > w) {
                        longest = Some((wait, index));
                    }
                }
            }
        }
        if let Some(refused) = longest {
            return Err(refused);
        }
        for (key, rule) in checks.iter().chain(counted_only) {
            if records
                .get(key)
                .is_some_and(|record| rule.forgets(record, now))
            {
                records.remove(key);
            }
            if !records.contains_key(key) && records.len() >= self.max_entries {
                make_room(&mut records, now, self.max_entries);
            }
            let record = records.entry(*key).or_insert(Record {
                failures: 0,
                last: now,
                rule: *rule,
            });
            record.failures = record.failures.saturating_add(1);
            record.last = now;
            record.rule = *rule;
        }
        Ok(())
    }

    /// Takes back one counted failure of `key` (the attempt succeeded).
    pub fn forgive(&self, key: &Key) {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(record) = records.get_mut(key) {
            record.failures = record.failures.saturating_sub(1);
            if record.failures == 0 {
                records.remove(key);
            }
        }
    }

    /// Forgets `key` altogether.
    pub fn clear(&self, key: &Key) {
        self.records
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(key);
    }

    pub fn record_count(&self) -> usize {
        self.records.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// Makes room for one record: the forgotten ones go first; failing that the one with the
/// fewest failures (the oldest among them), so that a spray of new names cannot push out the
/// record of an account under attack.
fn make_room(records: &mut HashMap<Key, Record>, now: Instant, max_entries: usize) {
    records.retain(|_, record| !record.rule.forgets(record, now));
    if records.len() < max_entries {
        return;
    }
    let Some(victim) = records
        .iter()
        .min_by_key(|(_, record)| (record.failures, record.last))
        .map(|(key, _)| *key)
    else {
        return;
    };
    records.remove(&victim);
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULE: Rule = Rule {
        free: 2,
        first_delay: Duration::from_secs(1),
        max_delay: Duration::from_secs(8),
        forget_after: Duration::from_secs(600),
    };

    #[test]
    fn delays_start_after_the_free_failures_double_and_stop_at_the_cap() {
        let table = Backoffs::new(100);
        let key = table.key("account", &[b"alice"]);
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        assert!(table.reserve(&[(key, RULE)], at(0)).is_ok());
        assert!(table.reserve(&[(key, RULE)], at(0)).is_ok());
        // Two failures: the next attempt waits 1 s, then 2, 4, 8, 8.
        assert_eq!(
            table.reserve(&[(key, RULE)], at(0)),
            Err((Duration::from_secs(1), 0))
        );
        let mut now = 1;
        for expected in [2, 4, 8, 8, 8] {
            assert!(table.reserve(&[(key, RULE)], at(now)).is_ok());
            assert_eq!(
                table.reserve(&[(key, RULE)], at(now)),
                Err((Duration::from_secs(expected), 0))
            );
            now += expected;
        }
        // A quiet spell forgets everything.
        let later = at(now + 600);
        assert!(table.reserve(&[(key, RULE)], later).is_ok());
        assert!(table.reserve(&[(key, RULE)], later).is_ok());
    }

    /// A table and two keys in it: `a` of `a_domain`, `b` of `b_domain`.
    fn two_keys(a_domain: &str, b_domain: &str) -> (Backoffs, Key, Key) {
        let table = Backoffs::new(100);
        let (a, b) = (table.key(a_domain, &[b"a"]), table.key(b_domain, &[b"b"]));
        (table, a, b)
    }

    #[test]
    fn a_refused_attempt_counts_nothing_and_names_the_key_that_waits() {
        let (table, a, b) = two_keys("account", "address");
        let t0 = Instant::now();
        for _ in 0..2 {
            table.reserve(&[(b, RULE)], t0).unwrap();
        }
        assert_eq!(
            table.reserve(&[(a, RULE), (b, RULE)], t0),
            Err((Duration::from_secs(1), 1))
        );
        assert_eq!(table.record_count(), 1, "a was not counted");
    }

    #[test]
    fn a_counted_only_key_is_counted_but_never_makes_the_attempt_wait() {
        let (table, a, b) = two_keys("pair", "account");
        let t0 = Instant::now();
        for _ in 0..5 {
            table
                .reserve_counting(&[(a, RULE)], &[(b, RULE)], t0)
                .unwrap();
            table.forgive(&a);
        }
        assert_eq!(
            table.reserve(&[(b, RULE)], t0),
            Err((Duration::from_secs(8), 0)),
            "b counted all five"
        );
    }

    #[test]
    fn forgiving_takes_back_one_failure() {
        let table = Backoffs::new(100);
        let key = table.key("account", &[b"alice"]);
        let t0 = Instant::now();
        table.reserve(&[(key, RULE)], t0).unwrap();
        table.reserve(&[(key, RULE)], t0).unwrap();
        table.forgive(&key);
        assert!(table.reserve(&[(key, RULE)], t0).is_ok());
        table.clear(&key);
        assert_eq!(table.record_count(), 0);
    }

    #[test]
    fn keys_are_digests_separated_by_domain_and_part() {
        let table = Backoffs::new(10);
        assert_ne!(
            table.key("account", &[b"ab"]),
            table.key("address", &[b"ab"])
        );
        assert_ne!(
            table.key("pair", &[b"a", b"b"]),
            table.key("pair", &[b"ab", b""])
        );
        assert_eq!(
            table.key("account", &[b"ab"]),
            table.key("account", &[b"ab"])
        );
        assert_ne!(
            Backoffs::new(10).key("account", &[b"ab"]),
            table.key("account", &[b"ab"]),
            "salted per table"
        );
    }

    #[test]
    fn the_table_never_grows_past_its_bound_and_keeps_the_busiest_keys() {
        let table = Backoffs::new(50);
        let t0 = Instant::now();
        let target = table.key("account", &[b"admin"]);
        for _ in 0..2 {
            table.reserve(&[(target, RULE)], t0).unwrap();
        }
        for i in 0..10_000u32 {
            let sprayed = table.key("account", &[&i.to_be_bytes()]);
            let _ = table.reserve(&[(sprayed, RULE)], t0);
            assert!(table.record_count() <= 50);
        }
        assert_eq!(table.record_count(), 50);
        assert!(
            table.reserve(&[(target, RULE)], t0).is_err(),
            "the record of the account under attack survived the spray"
        );
    }

    #[test]
    fn forgotten_records_make_room_first() {
        let table = Backoffs::new(2);
        let t0 = Instant::now();
        let (a, b, c) = (
            table.key("k", &[b"a"]),
            table.key("k", &[b"b"]),
            table.key("k", &[b"c"]),
        );
        table.reserve(&[(a, RULE)], t0).unwrap();
        table.reserve(&[(a, RULE)], t0).unwrap();
        let later = t0 + Duration::from_secs(601);
        table.reserve(&[(b, RULE)], later).unwrap();
        table.reserve(&[(c, RULE)], later).unwrap();
        assert_eq!(table.record_count(), 2);
        table.reserve(&[(b, RULE)], later).unwrap();
        assert!(
            table.reserve(&[(b, RULE)], later).is_err(),
            "b was kept; the forgotten a made room"
        );
    }
}
