//! Refused sign-ins, folded: the first refusal of a kind (account, address, reason) in a window
//! gets an audit row; those that follow within the window are only counted, and the count goes
//! into the next row of that kind (`"repeated": n`: the row stands for n + 1 refusals). A flood
//! of refusals thus writes a few rows a minute, not one each, and still accounts for every one.

use super::backoff::{digest, Key};
use crate::client_addr::ClientIp;
use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Kinds of refusal held at once; a few hundred kilobytes at most.
const MAX_ENTRIES: usize = 4096;
/// Rows of other kinds whose window ended that one refusal writes along with its own.
const FLUSH_PER_CALL: usize = 32;

/// One refused sign-in, as its audit row tells it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// As typed (at most 64 characters).
    pub username: String,
    /// The client; unknown clients fold together, as the throttle counts them as one.
    pub address: ClientIp,
    pub reason: &'static str,
}

/// An audit row to write now: it stands for `repeated + 1` refusals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRow {
    pub refusal: Refusal,
    pub repeated: u64,
}

#[derive(Debug)]
struct Held {
    since: Instant,
    /// Refusals of this kind since its last row, not yet written.
    folded: u64,
    latest: Refusal,
}

impl Held {
    /// The row for the folded refusals, if any: the latest of them stands for the others.
    fn due(self) -> Option<DueRow> {
        (self.folded > 0).then(|| DueRow {
            refusal: self.latest,
            repeated: self.folded - 1,
        })
    }
}

#[derive(Debug)]
pub struct RepeatedRefusals {
    window: Duration,
    salt: [u8; 32],
    max_entries: usize,
    held: Mutex<HashMap<Key, Held>>,
}

impl RepeatedRefusals {
    pub fn new(window: Duration) -> Self {
        Self::with_max_entries(window, MAX_ENTRIES)
    }

    fn with_max_entries(window: Duration, max_entries: usize) -> Self {
        Self {
            window,
            salt: rand::random(),
            max_entries: max_entries.max(1),
            held: Mutex::default(),
        }
    }

    /// Notes a refusal; answers the rows to write now (none while its kind was written within
    /// the window). `account` is the normalised name, or empty for a refusal about the address
    /// alone (whichever account it tried).
    pub fn note(&self, account: &str, refusal: Refusal, now: Instant) -> Vec<DueRow> {
        let address = super::throttle::address_bytes(refusal.address);
        let key = digest(
            &self.salt,
            "refusal",
            &[account.as_bytes(), &address, refusal.reason.as_bytes()],
        );
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        let mut due = Vec::new();
        match held.get_mut(&key) {
            Some(entry) if now.saturating_duration_since(entry.since) < self.window => {
                entry.folded += 1;
                entry.latest = refusal;
            }
            Some(entry) => {
                due.push(DueRow {
                    refusal: refusal.clone(),
                    repeated: entry.folded,
                });
                *entry = Held {
                    since: now,
                    folded: 0,
                    latest: refusal,
                };
            }
            None => {
                if held.len() >= self.max_entries {
                    due.extend(make_room(&mut held));
                }
                due.push(DueRow {
                    refusal: refusal.clone(),
                    repeated: 0,
                });
                held.insert(
                    key,
                    Held {
                        since: now,
                        folded: 0,
                        latest: refusal,
                    },
                );
            }
        }
        due.extend(self.ended(&mut held, now, key));
        due
    }

    /// Kinds whose window ended: their folded counts become rows, and they are forgotten.
    fn ended(&self, held: &mut HashMap<Key, Held>, now: Instant, except: Key) -> Vec<DueRow> {
        let ended: Vec<Key> = held
            .iter()
            .filter(|(key, entry)| {
                **key != except && now.saturating_duration_since(entry.since) >= self.window
            })
            .map(|(key, _)| *key)
            .collect();
        let mut due = Vec::new();
        for key in ended {
            if due.len() >= FLUSH_PER_CALL {
                break;
            }
            if let Some(row) = held.remove(&key).and_then(Held::due) {
                due.push(row);
            }
        }
        due
    }

    /// Every count still held, as rows (at shutdown).
    pub fn drain(&self) -> Vec<DueRow> {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        held.drain().filter_map(|(_, entry)| entry.due()).collect()
    }
}

/// Forgets the kind written longest ago, answering its folded count as a row.
fn make_room(held: &mut HashMap<Key, Held>) -> Option<DueRow> {
    let oldest = held
        .iter()
        .min_by_key(|(_, entry)| entry.since)
        .map(|(key, _)| *key)?;
    held.remove(&oldest).and_then(Held::due)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(username: &str, reason: &'static str) -> Refusal {
        Refusal {
            username: username.into(),
            address: ClientIp::Known(std::net::Ipv4Addr::LOCALHOST.into()),
            reason,
        }
    }

    fn attempts(rows: &[DueRow]) -> u64 {
        rows.iter().map(|row| row.repeated + 1).sum()
    }

    /// A log with a window of a minute, the instant the test starts at, and no rows yet.
    fn minute_window() -> (RepeatedRefusals, Instant, Vec<DueRow>) {
        let log = RepeatedRefusals::new(Duration::from_secs(60));
        (log, Instant::now(), Vec::new())
    }

    #[test]
    fn one_row_per_kind_and_window_carrying_the_repeats() {
        let (log, t0, mut rows) = minute_window();
        for i in 0..50 {
            rows.extend(log.note(
                "admin",
                refusal("admin", "wrong password"),
                t0 + Duration::from_secs(i),
            ));
        }
        assert_eq!(rows.len(), 1, "{rows:?}");
        let later = t0 + Duration::from_secs(61);
        rows.extend(log.note("admin", refusal("admin", "wrong password"), later));
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1].repeated, 49);
        assert_eq!(attempts(&rows), 51);
    }

    #[test]
    fn other_kinds_are_written_apart_and_ended_windows_are_flushed() {
        let (log, t0, mut rows) = minute_window();
        for _ in 0..5 {
            rows.extend(log.note("admin", refusal("admin", "wrong password"), t0));
            rows.extend(log.note("admin", refusal("admin", "throttled"), t0));
        }
        assert_eq!(rows.len(), 2);
        // A refusal of a third kind after the window writes the two pending counts too.
        let later = t0 + Duration::from_secs(60);
        rows.extend(log.note("bob", refusal("bob", "unknown username"), later));
        assert_eq!(rows.len(), 5, "{rows:?}");
        assert_eq!(attempts(&rows), 11);
        assert!(log.drain().is_empty(), "nothing left to write");
    }

    #[test]
    fn drain_writes_what_is_held() {
        let (log, t0, mut rows) = minute_window();
        for _ in 0..7 {
            rows.extend(log.note("", refusal("x", "throttled"), t0));
        }
        rows.extend(log.drain());
        assert_eq!(rows.len(), 2);
        assert_eq!(attempts(&rows), 7);
    }

    #[test]
    fn memory_is_bounded_and_evicted_counts_are_written() {
        let log = RepeatedRefusals::with_max_entries(Duration::from_secs(60), 100);
        let t0 = Instant::now();
        let mut rows = Vec::new();
        for i in 0..1_000 {
            let name = format!("sprayed-{i}");
            for _ in 0..3 {
                rows.extend(log.note(&name, refusal(&name, "unknown username"), t0));
            }
            assert!(log.held.lock().unwrap().len() <= 100);
        }
        rows.extend(log.drain());
        assert_eq!(attempts(&rows), 3_000);
    }
}
