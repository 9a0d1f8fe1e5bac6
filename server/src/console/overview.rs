//! The dashboard's expiry overview, read from the cache as of the console's clock.
//!
//! Counting and bucketing every dated item costs a scan of the cache (about 100 ms at 100,000
//! items), and every dashboard view asks for it. So the counts and the timeline are kept
//! between views: until the cache changes (its trigger-kept version moves) or [`MEMO_FOR`]
//! passes on the console's clock, since the buckets' edges move with time. When only time has
//! run out, the view that recomputes them waits for it and the views arriving meanwhile are
//! shown the last counts (for up to [`STAND_IN_FOR`] more), instead of all queueing behind one
//! scan on a busy server. The next ten, with their silences, are read fresh each time: one
//! indexed query.

use app::model::expiry::TimelineBar;
use chrono::{DateTime, Utc};
use std::sync::Arc;

use crate::console::Console;
use crate::store::{self, expiry::Counts};
use crate::time::with_days_left;

/// How long counts are kept while nothing changes: an item crossing a bucket's edge shows at
/// most this late.
pub(crate) const MEMO_FOR: chrono::Duration = chrono::Duration::seconds(30);

/// How much longer counts of an unchanged cache stand in while another view recomputes them.
pub(crate) const STAND_IN_FOR: chrono::Duration = chrono::Duration::seconds(30);

/// The last counts and timeline, and what they were computed from. Views read it without
/// waiting on each other; one computation runs at a time, and views that miss meanwhile take
/// the last counts when they may stand in, else wait for it and take its result.
#[derive(Default)]
pub(crate) struct OverviewMemo {
    latest: std::sync::Mutex<Option<Arc<Memo>>>,
    computing: tokio::sync::Mutex<()>,
    computations: std::sync::atomic::AtomicU64,
}

struct Memo {
    version: i64,
    as_of: DateTime<Utc>,
    counts: Arc<Counts>,
    timeline: Arc<Vec<TimelineBar>>,
}

impl Memo {
    /// Either side of `as_of`: a view that read the clock just before the one computing took
    /// its turn is as well served as one just after, while a clock set back further is not.
    fn still_holds(&self, version: i64, now: DateTime<Utc>) -> bool {
        self.version == version && (now - self.as_of).abs() < MEMO_FOR
    }

    /// Nothing changed since, and time ran out only a little: shown while another view
    /// computes anew.
    fn may_stand_in(&self, version: i64, now: DateTime<Utc>) -> bool {
        self.version == version && (now - self.as_of).abs() < MEMO_FOR + STAND_IN_FOR
    }
}

impl OverviewMemo {
    fn holding(&self, version: i64, now: DateTime<Utc>) -> Option<Arc<Memo>> {
        self.latest().filter(|memo| memo.still_holds(version, now))
    }

    fn standing_in(&self, version: i64, now: DateTime<Utc>) -> Option<Arc<Memo>> {
        self.latest().filter(|memo| memo.may_stand_in(version, now))
    }

    fn latest(&self) -> Option<Arc<Memo>> {
        self.latest
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// How many times the counts were computed rather than reused.
    #[cfg(test)]
    pub(crate) fn computations(&self) -> u64 {
        self.computations.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Console {
    /// The dashboard's expiry overview, as of the console's clock.
    pub async fn expiry_overview(&self) -> Result<app::model::ExpiryOverview, sqlx::Error> {
        let pool = self.db().pool();
        let now = self.clock.now();
        let (counts, timeline) = self.overview_counts(now).await?;
        let (soonest, soonest_silenced) =
            store::expiry::soonest(pool, &crate::time::timestamp(now), 10)
                .await?
                .into_iter()
                .map(|(item, silence)| (with_days_left(item, now), silence))
                .unzip();
        let counts = Arc::unwrap_or_clone(counts);
        Ok(app::model::ExpiryOverview {
            by_kind: counts.by_kind,
            by_kind_and_account: counts.by_kind_and_account,
            by_account: counts.by_account,
            totals: counts.totals,
            timeline: Arc::unwrap_or_clone(timeline),
            soonest,
            soonest_silenced,
        })
    }

    /// The kept counts and timeline when they still hold, else freshly computed ones.
    async fn overview_counts(
        &self,
        now: DateTime<Utc>,
    ) -> Result<(Arc<Counts>, Arc<Vec<TimelineBar>>), sqlx::Error> {
        let pool = self.db().pool();
        let memo = &self.overview_memo;
        let version = store::expiry::version(pool).await?;
        if let Some(kept) = memo.holding(version, now) {
            return Ok((kept.counts.clone(), kept.timeline.clone()));
        }
        let _turn = match memo.computing.try_lock() {
            Ok(turn) => turn,
            Err(_) => {
                if let Some(stand_in) = memo.standing_in(version, now) {
                    return Ok((stand_in.counts.clone(), stand_in.timeline.clone()));
                }
                memo.computing.lock().await
            }
        };
        // The view computing before this one may have left what this one needs.
        let version = store::expiry::version(pool).await?;
        if let Some(kept) = memo.holding(version, now) {
            return Ok((kept.counts.clone(), kept.timeline.clone()));
        }
        memo.computations
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let counts = Arc::new(store::expiry::counts(pool, now).await?);
        let timeline = Arc::new(store::expiry::timeline(pool, now).await?);
        *memo.latest.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(Memo {
            version,
            as_of: now,
            counts: counts.clone(),
            timeline: timeline.clone(),
        }));
        Ok((counts, timeline))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::resources;
    use app::model::AwsItem;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::time::Duration;

    fn token(id: &str, expires_at: chrono::DateTime<Utc>, seen: &str) -> AwsItem {
        AwsItem {
            last_seen: seen.into(),
            ..crate::store::dated_token(id, &crate::time::timestamp(expires_at))
        }
    }

    struct Fixture {
        console: Console,
        /// The console clock's offset from the system's, in seconds.
        offset: Arc<AtomicI64>,
        _dir: tempfile::TempDir,
    }

    async fn console() -> Fixture {
        let (dir, db) = crate::store::temp_db().await;
        let offset = Arc::new(AtomicI64::new(0));
        let clock_offset = offset.clone();
        let console = Console::new(
            db,
            crate::auth::Passwords::for_this_machine(),
            app::model::AwsTarget {
                endpoint_url: None,
                demo: false,
            },
            Arc::new(crate::aws::Aws::none()),
        )
        .with_clock(crate::time::Clock::offset_by(move || {
            chrono::Duration::seconds(clock_offset.load(Ordering::Relaxed))
        }));
        Fixture {
            console,
            offset,
            _dir: dir,
        }
    }

    async fn write(console: &Console, item: &AwsItem) {
        let mut tx = console.db().begin_write().await.expect("transaction");
        resources::upsert(&mut tx, item).await.expect("upsert");
        tx.commit().await.expect("commit");
    }

    fn due_within_7_days(overview: &app::model::ExpiryOverview) -> u64 {
        overview.totals[1]
    }

    #[tokio::test]
    async fn views_share_the_counts_until_an_item_changes() {
        let fixture = console().await;
        let console = &fixture.console;
        let in_3_days = Utc::now() + chrono::Duration::days(3);
        write(
            console,
            &token("t-1", in_3_days, "2026-12-01T00:00:00.000Z"),
        )
        .await;
        let first = console.expiry_overview().await.expect("overview");
        let second = console.expiry_overview().await.expect("overview");
        assert_eq!(due_within_7_days(&first), 1);
        assert_eq!(first, second);
        assert_eq!(console.overview_memo.computations(), 1);

        // A sync seeing the same item again changes nothing the overview shows.
        write(
            console,
            &token("t-1", in_3_days, "2026-12-01T01:00:00.000Z"),
        )
        .await;
        console.expiry_overview().await.expect("overview");
        assert_eq!(console.overview_memo.computations(), 1);

        // A new item, a moved expiry: counted on the next view.
        write(
            console,
            &token("t-2", in_3_days, "2026-12-01T01:00:00.000Z"),
        )
        .await;
        assert_eq!(
            due_within_7_days(&console.expiry_overview().await.unwrap()),
            2
        );
        let in_60_days = Utc::now() + chrono::Duration::days(60);
        write(
            console,
            &token("t-1", in_60_days, "2026-12-01T01:00:00.000Z"),
        )
        .await;
        let moved = console.expiry_overview().await.unwrap();
        assert_eq!(due_within_7_days(&moved), 1);
        assert_eq!(moved.totals[3], 1, "{:?}", moved.totals);
        assert_eq!(console.overview_memo.computations(), 3);
    }

    #[tokio::test]
    async fn counts_follow_the_clock_past_the_memo_time() {
        let fixture = console().await;
        let (console, offset) = (&fixture.console, &fixture.offset);
        write(
            console,
            &token(
                "t-1",
                Utc::now() + chrono::Duration::days(3),
                "2026-12-01T00:00:00.000Z",
            ),
        )
        .await;
        assert_eq!(
            due_within_7_days(&console.expiry_overview().await.unwrap()),
            1
        );
        offset.store(4 * 24 * 3600, Ordering::Relaxed);
        let later = console.expiry_overview().await.unwrap();
        assert_eq!(
            later.totals[0], 1,
            "expired four days on: {:?}",
            later.totals
        );
        // A clock set back is not served counts from its future.
        offset.store(0, Ordering::Relaxed);
        assert_eq!(
            due_within_7_days(&console.expiry_overview().await.unwrap()),
            1
        );
        assert_eq!(console.overview_memo.computations(), 3);
    }

    #[tokio::test]
    async fn while_one_view_recomputes_the_others_see_the_last_counts_for_a_while() {
        let Fixture {
            console,
            offset,
            _dir: _kept,
        } = console().await;
        let in_3_days = Utc::now() + chrono::Duration::days(3);
        write(
            &console,
            &token("t-1", in_3_days, "2026-12-01T00:00:00.000Z"),
        )
        .await;
        assert_eq!(
            due_within_7_days(&console.expiry_overview().await.unwrap()),
            1
        );
        let console = Arc::new(console);
        // A view is computing (it holds the turn) when the memo's time has just run out.
        offset.store(MEMO_FOR.num_seconds() + 5, Ordering::Relaxed);
        let turn = console.overview_memo.computing.lock().await;
        let stood_in = tokio::time::timeout(Duration::from_secs(10), console.expiry_overview())
            .await
            .expect("a view arriving meanwhile does not wait")
            .unwrap();
        assert_eq!(due_within_7_days(&stood_in), 1);
        assert_eq!(console.overview_memo.computations(), 1);

        // Long past it, a view waits for the computation instead.
        offset.store(
            (MEMO_FOR + STAND_IN_FOR).num_seconds() + 5,
            Ordering::Relaxed,
        );
        let waiting = tokio::spawn({
            let console = console.clone();
            async move { console.expiry_overview().await }
        });
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert!(!waiting.is_finished(), "it waits for the turn");
        drop(turn);
        assert_eq!(due_within_7_days(&waiting.await.unwrap().unwrap()), 1);
        assert_eq!(console.overview_memo.computations(), 2);
    }

    #[test]
    fn a_view_that_read_the_clock_just_before_the_computing_one_shares_its_counts() {
        let as_of = Utc::now();
        let memo = Memo {
            version: 7,
            as_of,
            counts: Arc::default(),
            timeline: Arc::default(),
        };
        let millis = chrono::Duration::milliseconds;
        assert!(memo.still_holds(7, as_of - millis(5)));
        assert!(memo.still_holds(7, as_of + millis(5)));
        assert!(!memo.still_holds(8, as_of));
        assert!(!memo.still_holds(7, as_of - MEMO_FOR - millis(1)));
        assert!(!memo.still_holds(7, as_of + MEMO_FOR));
    }

    #[tokio::test]
    async fn views_arriving_together_count_once() {
        let Fixture {
            console,
            _dir: _kept,
            ..
        } = console().await;
        write(
            &console,
            &token(
                "t-1",
                Utc::now() + chrono::Duration::days(3),
                "2026-12-01T00:00:00.000Z",
            ),
        )
        .await;
        let console = Arc::new(console);
        let views: Vec<_> = (0..16)
            .map(|_| {
                let console = console.clone();
                tokio::spawn(async move { console.expiry_overview().await })
            })
            .collect();
        for view in views {
            assert_eq!(due_within_7_days(&view.await.unwrap().unwrap()), 1);
        }
        assert_eq!(console.overview_memo.computations(), 1);
    }
}
