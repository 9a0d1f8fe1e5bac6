//! The dashboard's expiry overview, read from the cache as of the console's clock. Its counts
//! are kept by triggers as the cache changes (`store::expiry_counts`), so a read sums a few
//! hundred rows and reads index ranges, whatever the cache holds (about 10 ms at 100,000
//! items). The last read is kept and shown again, exactly, while it holds: while the cache has
//! seen no change the overview shows (a counter kept by triggers, one row to read) and time has
//! not carried an expiry across one of its edges or ended a snooze. A view that finds it no
//! longer holding reads again; no view waits for another.

use crate::console::Console;
use crate::store;
use crate::time::with_days_left;
use std::sync::Arc;

impl Console {
    /// The overview's read as of `now`: the kept one while it holds, else a new one, kept.
    pub async fn overview_read(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Arc<store::overview_read::OverviewRead>, sqlx::Error> {
        let pool = self.db().pool();
        let kept = || self.kept_overview.lock().expect("kept overview").clone();
        let changes = store::overview_read::overview_changes(pool).await?;
        if let Some(read) = kept().filter(|read| read.holds(changes, now)) {
            return Ok(read);
        }
        // One read at a time; whoever waited finds the read the one before it made.
        let _reading = self.overview_reading.lock().await;
        let changes = store::overview_read::overview_changes(pool).await?;
        if let Some(read) = kept().filter(|read| read.holds(changes, now)) {
            return Ok(read);
        }
        let read = Arc::new(store::overview_read::overview(pool, now, 10).await?);
        *self.kept_overview.lock().expect("kept overview") = Some(read.clone());
        Ok(read)
    }

    /// The dashboard's expiry overview, as of the console's clock.
    pub async fn expiry_overview(&self) -> Result<app::model::ExpiryOverview, sqlx::Error> {
        let now = self.clock.now();
        let read = self.overview_read(now).await?;
        let counts = read.counts.clone();
        let (soonest, soonest_silenced) = read
            .soonest
            .iter()
            .cloned()
            .map(|(item, silence)| (with_days_left(item, now), silence))
            .unzip();
        Ok(app::model::ExpiryOverview {
            by_kind: counts.by_kind,
            by_kind_and_account: counts.by_kind_and_account,
            by_account: counts.by_account,
            totals: counts.totals,
            timeline: counts.timeline,
            soonest,
            soonest_silenced,
            needs_action: read
                .needs_action
                .iter()
                .cloned()
                .map(|item| with_days_left(item, now))
                .collect(),
            needs_action_total: read.needs_action_total,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::resources;
    use app::model::AwsItem;
    use chrono::Utc;
    use std::sync::atomic::{AtomicI64, Ordering};
    use std::sync::Arc;

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

    async fn mark_gone(console: &Console, item: &AwsItem) {
        let mut tx = console.db().begin_write().await.expect("transaction");
        let at = &item.item;
        crate::store::scope_cache::mark_gone(
            &mut tx,
            at.kind,
            &at.account,
            &at.region,
            &at.id,
            "2026-12-02T00:00:00.000Z",
        )
        .await
        .expect("mark gone");
        tx.commit().await.expect("commit");
    }

    fn due_within_7_days(overview: &app::model::ExpiryOverview) -> u64 {
        overview.totals[1]
    }

    #[tokio::test]
    async fn every_change_of_the_cache_shows_on_the_next_view() {
        let fixture = console().await;
        let console = &fixture.console;
        let in_3_days = Utc::now() + chrono::Duration::days(3);
        let first = token("t-1", in_3_days, "2026-12-01T00:00:00.000Z");
        write(console, &first).await;
        let overview = console.expiry_overview().await.expect("overview");
        assert_eq!(due_within_7_days(&overview), 1);
        assert_eq!(overview.timeline[1].count, 1, "{:?}", overview.timeline);
        assert_eq!(overview.soonest.len(), 1);

        // A sync seeing the same item again changes nothing the overview shows.
        write(
            console,
            &token("t-1", in_3_days, "2026-12-01T01:00:00.000Z"),
        )
        .await;
        let seen_again = console.expiry_overview().await.unwrap();
        assert_eq!(seen_again.by_kind_and_account, overview.by_kind_and_account);
        assert_eq!(seen_again.timeline, overview.timeline);

        // A new item, a moved expiry, an item removed in AWS: each counted on the next view.
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
        assert_eq!(
            moved.timeline[9].count, 1,
            "day 60 is in week 8: {:?}",
            moved.timeline
        );
        mark_gone(console, &first).await;
        let removed = console.expiry_overview().await.unwrap();
        assert_eq!(removed.totals, [0, 1, 0, 0, 0]);
        assert_eq!(removed.soonest.len(), 1);
    }

    #[tokio::test]
    async fn counts_follow_the_clock_both_ways() {
        let fixture = console().await;
        let (console, offset) = (&fixture.console, &fixture.offset);
        let in_3_days = Utc::now() + chrono::Duration::days(3);
        write(
            console,
            &token("t-1", in_3_days, "2026-12-01T00:00:00.000Z"),
        )
        .await;
        assert_eq!(
            due_within_7_days(&console.expiry_overview().await.unwrap()),
            1
        );
        offset.store(4 * 24 * 3600, Ordering::Relaxed);
        let later = console.expiry_overview().await.unwrap();
        assert_eq!(later.totals, [1, 0, 0, 0, 0], "expired four days on");
        assert_eq!(later.timeline[0].count, 1);
        assert!(later.soonest.is_empty());
        // A clock set back counts as of its own time.
        offset.store(0, Ordering::Relaxed);
        assert_eq!(
            console.expiry_overview().await.unwrap().totals,
            [0, 1, 0, 0, 0]
        );
    }

    async fn silence(console: &Console, item: &AwsItem, until: Option<chrono::DateTime<Utc>>) {
        let mut tx = console.db().begin_write().await.expect("transaction");
        let until = until.map(crate::time::timestamp);
        crate::store::alerts::silence(
            &mut tx,
            &item.item,
            item.expires_at.as_deref().expect("dated"),
            until.as_deref(),
            "admin",
            "2026-12-01T00:00:00.000Z",
        )
        .await
        .expect("silence");
        tx.commit().await.expect("commit");
    }

    #[tokio::test]
    async fn a_silence_given_or_ending_shows_on_the_next_view() {
        let fixture = console().await;
        let (console, offset) = (&fixture.console, &fixture.offset);
        let item = token(
            "t-1",
            Utc::now() + chrono::Duration::days(3),
            "2026-12-01T00:00:00.000Z",
        );
        write(console, &item).await;
        let needs_action = |overview: &app::model::ExpiryOverview| {
            let ids: Vec<String> = overview
                .needs_action
                .iter()
                .map(|i| i.item.id.clone())
                .collect();
            (ids, overview.needs_action_total)
        };
        let quiet = console.expiry_overview().await.unwrap();
        assert_eq!(quiet.soonest_silenced, [None]);
        assert_eq!(needs_action(&quiet), (vec!["t-1".to_string()], 1));
        // Only the silence changes: the overview read before it no longer holds.
        silence(console, &item, None).await;
        let acknowledged = console.expiry_overview().await.unwrap();
        assert_eq!(acknowledged.soonest_silenced, [Some("ack".to_string())]);
        assert_eq!(needs_action(&acknowledged), (vec![], 0));
        // A snooze of an hour holds for that hour, with nothing written when it ends.
        silence(
            console,
            &item,
            Some(Utc::now() + chrono::Duration::hours(1)),
        )
        .await;
        let snoozed = console.expiry_overview().await.unwrap();
        assert_eq!(snoozed.soonest_silenced, [Some("snooze".to_string())]);
        assert_eq!(needs_action(&snoozed), (vec![], 0));
        offset.store(2 * 3600, Ordering::Relaxed);
        let snooze_over = console.expiry_overview().await.unwrap();
        assert_eq!(snooze_over.soonest_silenced, [None]);
        assert_eq!(needs_action(&snooze_over), (vec!["t-1".to_string()], 1));
    }
}
