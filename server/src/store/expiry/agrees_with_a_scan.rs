//! The overview's counts, kept by triggers, against a plain scan of what was written: random
//! caches (kinds, accounts, regions, expiries on and beside the buckets' edges, at midnight,
//! with other offsets or none, silences), changed by inserts, updates, deletes, removals in AWS,
//! returns, purges and renewals (linked, and ended by their successor's removal), counted as of several moments (bucket edges, both sides of midnight,
//! of a month's and a year's end), and a database migrated from before the counts were kept.

use super::*;
use crate::store::overview_read::overview;
use crate::store::{alerts, renewals, resources, scope_cache};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

type Key = (ResourceKind, String, String, String);

/// What the test wrote and did not delete: the reference the scan reads.
#[derive(Default)]
struct Written {
    items: BTreeMap<Key, Live>,
    /// Renewed item → its successor, as linked.
    renewals: BTreeMap<Key, Key>,
    /// How many links were made, and how many ended because their successor left.
    links_made: usize,
    links_ended: usize,
}

impl Written {
    /// `successor` left AWS or the cache: what it renewed counts again.
    fn successor_left(&mut self, successor: &Key) {
        let ended: Vec<Key> = self
            .renewals
            .iter()
            .filter(|(_, to)| *to == successor)
            .map(|(from, _)| from.clone())
            .collect();
        for renewed in ended {
            self.links_ended += 1;
            self.renewals.remove(&renewed);
            if let Some(live) = self.items.get_mut(&renewed) {
                live.renewed = false;
            }
        }
    }

    fn present(&self, key: &Key) -> bool {
        self.items.get(key).is_some_and(|live| !live.gone)
    }
}

#[derive(Clone)]
struct Live {
    name: String,
    expires_at: Option<String>,
    gone: bool,
    /// A successor renews it: it counts no more while the link holds.
    renewed: bool,
}

fn parse(at: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(at)
        .expect("a moment")
        .with_timezone(&Utc)
}

/// The moments the overview is counted as of: the middle of a day, both sides of midnight, a
/// month's and a year's last and first milliseconds, a short month.
fn moments() -> Vec<DateTime<Utc>> {
    [
        "2026-12-06T17:35:12.345Z",
        "2026-12-06T23:59:59.999Z",
        "2026-12-07T00:00:00.000Z",
        "2026-12-07T00:00:00.001Z",
        "2026-12-31T23:59:59.999Z",
        "2027-01-01T00:00:00.000Z",
        "2027-02-27T12:00:00.000Z",
    ]
    .map(parse)
    .to_vec()
}

/// An expiry as the cache may hold one: none; anywhere within about a year and a half of the
/// moments; exactly on a moment's bucket or bar edge, or a millisecond either side; at
/// midnight or its last millisecond; or written with an offset, a date alone, a year alone or
/// nothing, which compare as the text they are.
fn expiry(rng: &mut StdRng) -> Option<String> {
    let moments = moments();
    let moment = moments[rng.gen_range(0..moments.len())];
    let days = edge_days();
    Some(match rng.gen_range(0..10) {
        0 => return None,
        1..=3 => timestamp(
            moment
                + chrono::Duration::days(rng.gen_range(-400..500))
                + chrono::Duration::milliseconds(rng.gen_range(0..86_400_000)),
        ),
        4 | 5 => {
            let edge = days[rng.gen_range(0..days.len())];
            let beside = rng.gen_range(-1..=1);
            timestamp(
                moment + chrono::Duration::days(edge) + chrono::Duration::milliseconds(beside),
            )
        }
        6 | 7 => {
            let day = (moment + chrono::Duration::days(rng.gen_range(-10..100))).date_naive();
            let midnight = day.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
            let at = if rng.gen_bool(0.5) {
                midnight
            } else {
                midnight + chrono::Duration::days(1) - chrono::Duration::milliseconds(1)
            };
            timestamp(at)
        }
        8 => {
            let day = (moment + chrono::Duration::days(rng.gen_range(-3..10))).date_naive();
            format!("{}T{:02}:30:00+02:00", day, rng.gen_range(0..24))
        }
        _ => [
            "2026-12-07",
            "2026-12",
            "2027",
            "",
            "2026-12-06T17:35:12.345",
        ][rng.gen_range(0..5)]
        .to_string(),
    })
}

fn key(rng: &mut StdRng) -> Key {
    (
        ResourceKind::ALL[rng.gen_range(0..4)],
        ["prod", "dev", "audit"][rng.gen_range(0..3)].to_string(),
        ["us-east-1", "eu-west-1"][rng.gen_range(0..2)].to_string(),
        format!("item-{:03}", rng.gen_range(0..60)),
    )
}

fn reference(key: &Key) -> ResourceRef {
    ResourceRef {
        kind: key.0,
        account: key.1.clone(),
        region: key.2.clone(),
        id: key.3.clone(),
    }
}

fn cached(key: &Key, live: &Live) -> AwsItem {
    AwsItem {
        item: reference(key),
        account_id: "123456789012".into(),
        name: live.name.clone(),
        status: "valid".into(),
        expires_at: live.expires_at.clone(),
        tags: vec![],
        fields: vec![],
        last_seen: "2026-12-01T00:00:00.000Z".into(),
        expires_in_days: None,
    }
}

/// `operations` random changes, each in its own transaction, as syncs and edits make them;
/// renewals among them where the database has them (`renew`).
async fn change(
    pool: &SqlitePool,
    written: &mut Written,
    rng: &mut StdRng,
    operations: usize,
    renew: bool,
) {
    let choices = if renew { 23 } else { 20 };
    for _ in 0..operations {
        let mut conn = pool.acquire().await.expect("connection");
        // Successors are often the ones changed, so that links end as well as begin.
        let successors: Vec<&Key> = written.renewals.values().collect();
        let key = if !successors.is_empty() && rng.gen_bool(0.1) {
            successors[rng.gen_range(0..successors.len())].clone()
        } else {
            key(rng)
        };
        match rng.gen_range(0..choices) {
            // Insert, or update: a new expiry, a new name, back from removal (a renewal,
            // kept on the row, stays).
            0..=10 => {
                let live = Live {
                    name: format!("{} {}", key.3, rng.gen_range(0..3)),
                    expires_at: expiry(rng),
                    gone: false,
                    renewed: written.items.get(&key).is_some_and(|live| live.renewed),
                };
                resources::upsert(&mut conn, &cached(&key, &live))
                    .await
                    .expect("upsert");
                written.items.insert(key, live);
            }
            // Seen again unchanged.
            11 | 12 => {
                if let Some(live) = written.items.get_mut(&key) {
                    live.gone = false;
                    resources::upsert(&mut conn, &cached(&key, live))
                        .await
                        .expect("upsert");
                }
            }
            13 | 14 => {
                resources::delete(&mut conn, &reference(&key))
                    .await
                    .expect("delete");
                if written.present(&key) {
                    written.successor_left(&key);
                }
                written.items.remove(&key);
            }
            15..=17 => {
                let (kind, account, region, id) = &key;
                scope_cache::mark_gone(
                    &mut conn,
                    *kind,
                    account,
                    region,
                    id,
                    "2026-12-05T00:00:00.000Z",
                )
                .await
                .expect("mark gone");
                if written.present(&key) {
                    written.successor_left(&key);
                }
                if let Some(live) = written.items.get_mut(&key) {
                    live.gone = true;
                }
            }
            // Silences are the alerts' business: they change no count.
            18 => {
                let Some(live) = written.items.get(&key) else {
                    continue;
                };
                let expires_at = live.expires_at.clone().unwrap_or_default();
                let until = rng.gen_bool(0.5).then_some("2026-12-20T00:00:00.000Z");
                alerts::silence(
                    &mut conn,
                    &reference(&key),
                    &expires_at,
                    until,
                    "ann",
                    "2026-12-01T00:00:00.000Z",
                )
                .await
                .expect("silence");
            }
            // A successor made for an item of its kind, both still in AWS.
            20..=22 => {
                let successor = (
                    key.0,
                    key.1.clone(),
                    key.2.clone(),
                    format!("item-{:03}", rng.gen_range(0..60)),
                );
                if successor == key || !written.present(&key) || !written.present(&successor) {
                    continue;
                }
                renewals::link(
                    &mut conn,
                    &reference(&key),
                    &reference(&successor),
                    "2026-12-02T00:00:00.000Z",
                    "ann",
                )
                .await
                .expect("link");
                written.renewals.insert(key.clone(), successor);
                written.links_made += 1;
                if let Some(live) = written.items.get_mut(&key) {
                    live.renewed = true;
                }
            }
            _ => {
                if rng.gen_bool(0.1) {
                    scope_cache::purge_gone(&mut conn, "2027-01-01T00:00:00.000Z")
                        .await
                        .expect("purge");
                    written.items.retain(|_, live| !live.gone);
                }
            }
        }
    }
}

/// The overview as a scan of every written item computes it.
fn scanned(written: &Written, now: DateTime<Utc>) -> Counts {
    let at = |days: i64| at_day(now, days);
    let dated: Vec<(&Key, &Live, &str)> = written
        .items
        .iter()
        .filter(|(_, live)| !live.gone && !live.renewed)
        .filter_map(|(key, live)| Some((key, live, live.expires_at.as_deref()?)))
        .collect();
    let urgency = |expires_at: &str| {
        BUCKET_EDGES
            .iter()
            .position(|days| expires_at < at(*days).as_str())
            .unwrap_or(4)
    };
    let counts_of = |keep: &dyn Fn(&Key) -> bool| {
        let mut counts = [0u64; 5];
        for (key, _, expires_at) in &dated {
            if keep(key) {
                counts[urgency(expires_at)] += 1;
            }
        }
        counts
    };
    let mut accounts: Vec<String> = dated.iter().map(|(key, _, _)| key.1.clone()).collect();
    accounts.sort();
    accounts.dedup();
    let has = |kind: ResourceKind, account: Option<&str>| {
        dated
            .iter()
            .any(|(key, _, _)| key.0 == kind && account.is_none_or(|a| key.1 == a))
    };
    let by_kind = ResourceKind::ALL
        .into_iter()
        .filter(|kind| has(*kind, None))
        .map(|kind| KindCounts {
            kind,
            counts: counts_of(&|key| key.0 == kind),
        })
        .collect();
    let by_account = accounts
        .iter()
        .map(|account| AccountCounts {
            account: account.clone(),
            counts: counts_of(&|key| key.1 == *account),
        })
        .collect();
    let by_kind_and_account = accounts
        .iter()
        .flat_map(|account| {
            ResourceKind::ALL
                .into_iter()
                .filter(|kind| has(*kind, Some(account)))
                .map(|kind| KindAccountCounts {
                    kind,
                    account: account.clone(),
                    counts: counts_of(&|key| key.0 == kind && key.1 == *account),
                })
        })
        .collect();
    let weeks = TIMELINE_DAYS / TIMELINE_BAR_DAYS;
    let bars = std::iter::once((None, String::new(), at(0))).chain((0..weeks).map(|week| {
        let (from, until) = (week * TIMELINE_BAR_DAYS, (week + 1) * TIMELINE_BAR_DAYS);
        (Some((from, until)), at(from), at(until))
    }));
    let timeline = bars
        .map(|(days, from, until)| {
            let mut items: Vec<(&Key, &Live, &str)> = dated
                .iter()
                .filter(|(_, _, expires_at)| {
                    from.as_str() <= *expires_at && *expires_at < until.as_str()
                })
                .copied()
                .collect();
            items.sort_by_key(|(key, _, expires_at)| {
                (*expires_at, key.0.as_str(), &key.1, &key.2, &key.3)
            });
            TimelineBar {
                from_day: days.map(|(from, _)| from),
                until_day: days.map(|(_, until)| until),
                count: items.len() as u64,
                items: items
                    .into_iter()
                    .take(TIMELINE_ITEMS_PER_BAR)
                    .map(|(key, live, expires_at)| TimelineItem {
                        kind: key.0,
                        name: live.name.clone(),
                        account: key.1.clone(),
                        path: reference(key).detail_path(),
                        expires_at: expires_at.to_string(),
                    })
                    .collect(),
            }
        })
        .collect();
    Counts {
        by_kind,
        by_kind_and_account,
        by_account,
        totals: counts_of(&|_| true),
        timeline,
    }
}

/// The overview of `pool` equals the scan's as of every moment, and a day before and after.
/// Answers how many of those reads held past their moment.
async fn agrees(pool: &SqlitePool, written: &Written, round: &str) -> usize {
    let mut held = 0;
    for moment in moments() {
        for now in [
            moment,
            moment - chrono::Duration::days(1),
            moment + chrono::Duration::days(1),
        ] {
            let kept = counts(pool, now).await.expect("counts");
            let scan = scanned(written, now);
            let context = format!("{round}, as of {}", timestamp(now));
            assert_eq!(kept.totals, scan.totals, "{context}");
            assert_eq!(kept.by_kind, scan.by_kind, "{context}");
            assert_eq!(kept.by_account, scan.by_account, "{context}");
            assert_eq!(
                kept.by_kind_and_account, scan.by_kind_and_account,
                "{context}"
            );
            assert_eq!(kept.timeline, scan.timeline, "{context}");
            if holds_no_longer_than_it_shows(pool, written, now, &context).await {
                held += 1;
            }
        }
    }
    held
}

/// The figures a scan gives, side by side, to compare two moments' whole overviews.
fn figures(counts: &Counts) -> impl PartialEq + std::fmt::Debug + '_ {
    (
        &counts.totals,
        &counts.by_kind,
        &counts.by_account,
        &counts.by_kind_and_account,
        &counts.timeline,
    )
}

/// The overview read at `now` holds, as time goes on, no longer than what it shows: a scan a
/// millisecond before the moment it says time changes it shows what a scan at `now` shows. (It
/// may say a moment earlier than the true one for expiries not written as timestamps; the exact
/// moment is `the_overview_says_the_exact_moment_time_changes_it`'s.) Answers whether it held
/// past `now` at all.
async fn holds_no_longer_than_it_shows(
    pool: &SqlitePool,
    written: &Written,
    now: DateTime<Utc>,
    context: &str,
) -> bool {
    let read = overview(pool, now, 10).await.expect("overview");
    let at_now = scanned(written, now);
    let Some(changes_at) = read.changes_at else {
        let now = timestamp(now);
        let later = written
            .items
            .values()
            .filter(|l| !l.gone && !l.renewed)
            .filter_map(|l| l.expires_at.as_ref())
            .find(|expires_at| **expires_at >= now);
        assert_eq!(later, None, "{context}: nothing is said to change");
        return true;
    };
    if changes_at <= now {
        return false;
    }
    let just_before = changes_at - chrono::Duration::milliseconds(1);
    assert_eq!(
        figures(&scanned(written, just_before)),
        figures(&at_now),
        "{context}: as of {}",
        timestamp(just_before)
    );
    assert!(read.holds(read.changes, just_before) && !read.holds(read.changes, changes_at));
    assert!(
        !read.holds(read.changes + 1, now),
        "a change of the cache ends it"
    );
    true
}

#[tokio::test]
async fn the_kept_counts_equal_a_scan_through_every_kind_of_change() {
    let (_dir, db) = crate::store::temp_db().await;
    let mut written = Written::default();
    let (mut dated, mut removed, mut renewed, mut held) = (0, 0, 0, 0);
    for seed in 0..4 {
        let mut rng = StdRng::seed_from_u64(seed);
        change(db.pool(), &mut written, &mut rng, 500, true).await;
        held += agrees(db.pool(), &written, &format!("after round {seed}")).await;
        let live = |l: &&Live| l.expires_at.is_some() && !l.gone;
        dated = dated.max(written.items.values().filter(live).count());
        removed = removed.max(written.items.values().filter(|l| l.gone).count());
        renewed = renewed.max(written.items.values().filter(|l| l.renewed).count());
    }
    assert!(dated > 200, "the cache held enough to count: {dated}");
    assert!(removed > 10, "and items removed in AWS: {removed}");
    assert!(
        renewed > 2 && written.links_made > 20,
        "and items renewed by a successor: {renewed} at once, {} in all",
        written.links_made
    );
    assert!(
        written.links_ended > 10,
        "and renewals ended by their successor's removal: {}",
        written.links_ended
    );
    assert!(
        held > 10,
        "reads that held past their moment were checked: {held}"
    );
}

/// A database as the release before the counts left it: every migration but the counts' and
/// the renewals' (which changes them).
async fn before_the_counts(path: &std::path::Path) -> SqlitePool {
    let all = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations");
    let older = path.with_extension("migrations");
    std::fs::create_dir_all(&older).expect("dir");
    for entry in std::fs::read_dir(&all).expect("migrations") {
        let file = entry.expect("entry").path();
        let name = file
            .file_name()
            .expect("name")
            .to_string_lossy()
            .to_string();
        if !name.ends_with("_expiry_counts.sql") && !name.ends_with("_renewals.sql") {
            std::fs::copy(&file, older.join(name)).expect("copy");
        }
    }
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .foreign_keys(true);
    let pool = SqlitePool::connect_with(options).await.expect("database");
    sqlx::migrate::Migrator::new(older.as_path())
        .await
        .expect("older migrations")
        .run(&pool)
        .await
        .expect("migrated to the previous release");
    pool
}

#[tokio::test]
async fn the_migration_counts_what_an_existing_cache_holds() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("old.db");
    let old = before_the_counts(&path).await;
    let mut written = Written::default();
    let mut rng = StdRng::seed_from_u64(21);
    change(&old, &mut written, &mut rng, 600, false).await;
    old.close().await;

    let db = crate::store::Db::open(&path).await.expect("migrated");
    agrees(db.pool(), &written, "just migrated").await;
    // The triggers keep them from there on.
    change(db.pool(), &mut written, &mut rng, 300, true).await;
    agrees(db.pool(), &written, "changed after the migration").await;
}
