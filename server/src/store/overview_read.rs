//! The expiry overview as one read keeps it: the counts, the next items and what needs action,
//! all of one state of the cache, with what says how long the read holds: the number of
//! changes of what it shows the cache has seen (migration `overview_changes`), and the first
//! moment at which time alone changes it. The console shows a read again while it holds.

use super::alerts::SILENCE_HOLDS;
use super::expiry::{at_day, counts_in, edge_days, soonest_in, Counts};
use super::resources::COLUMNS;
use super::sql::{SqlResult, COUNTED_EXPIRING};
use super::timestamp;
use app::model::AwsItem;
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// The overview as read at one moment: its counts and next items, how many changes of what it
/// shows the cache had seen (migration `overview_changes`), and the first moment at which time
/// alone changes it (an expiry crossing one of its edges, or a snooze ending).
#[derive(Clone)]
pub struct OverviewRead {
    pub changes: i64,
    pub read_at: DateTime<Utc>,
    /// `None`: no item can cross an edge as time goes on (no dated item after any edge).
    pub changes_at: Option<DateTime<Utc>>,
    pub counts: Counts,
    pub soonest: Vec<(AwsItem, Option<String>)>,
    /// Expired or due within 7 days, not silenced: the first few, most overdue first.
    pub needs_action: Vec<AwsItem>,
    pub needs_action_total: u64,
}

impl OverviewRead {
    /// Whether this read is what the overview shows at `now` with the cache at `changes`: the
    /// cache has not changed since, and `now` lies between the read and the first moment time
    /// would change it.
    pub fn holds(&self, changes: i64, now: DateTime<Utc>) -> bool {
        self.changes == changes && self.read_at <= now && self.changes_at.is_none_or(|at| now < at)
    }
}

const OVERVIEW_CHANGES: &str = "SELECT changes FROM change_counters WHERE name = 'overview'";

/// How many changes of what the overview shows the cache has seen: one read of one row.
pub async fn overview_changes(pool: &SqlitePool) -> SqlResult<i64> {
    sqlx::query_scalar(OVERVIEW_CHANGES).fetch_one(pool).await
}

/// The overview as of `now` (its counts and `limit` next items), with what tells how long it
/// holds, all from one read transaction.
pub async fn overview(
    pool: &SqlitePool,
    now: DateTime<Utc>,
    limit: i64,
) -> SqlResult<OverviewRead> {
    let mut snapshot = pool.begin().await?;
    let changes: i64 = sqlx::query_scalar(OVERVIEW_CHANGES)
        .fetch_one(&mut *snapshot)
        .await?;
    let counts = counts_in(&mut snapshot, now).await?;
    let soonest = soonest_in(&mut snapshot, &timestamp(now), limit).await?;
    let (needs_action, silenced) = needs_action_in(&mut snapshot, now).await?;
    let changes_at = changes_at(&mut snapshot, now).await?;
    snapshot.commit().await?;
    // The kept counts give how many are expired or due within 7 days; less those silenced.
    let due = counts.totals[0] + counts.totals[1];
    Ok(OverviewRead {
        changes,
        read_at: now,
        changes_at,
        counts,
        soonest,
        needs_action,
        needs_action_total: due.saturating_sub(silenced),
    })
}

/// Items still in AWS, expired or due before `now` + 7 days, whose notices no silence holds,
/// the most overdue first. `lead` goes before the SELECT (`EXPLAIN QUERY PLAN ` in tests).
fn needs_action_query(lead: &str) -> String {
    format!(
        "{lead}SELECT {COLUMNS} FROM resources r INDEXED BY resources_live_by_expiry
         WHERE {COUNTED_EXPIRING} AND r.expires_at < ?2
           AND NOT EXISTS (SELECT 1 FROM alert_silences s WHERE {SILENCE_HOLDS})
         ORDER BY r.expires_at, r.kind, r.account, r.region, r.id LIMIT ?3"
    )
}

/// How many items still in AWS, expired or due before `now` + 7 days, a silence holds for:
/// one pass over the silences, which are few beside the items.
fn silenced_due_query(lead: &str) -> String {
    format!(
        "{lead}SELECT COUNT(*) FROM alert_silences s JOIN resources r
           ON r.kind = s.kind AND r.account = s.account AND r.region = s.region AND r.id = s.id
         WHERE r.gone_at IS NULL AND r.renewed_at IS NULL AND r.expires_at < ?2 AND {SILENCE_HOLDS}"
    )
}

/// The first items that need action (see [`needs_action_query`]) and how many due items are
/// silenced.
async fn needs_action_in(
    conn: &mut SqliteConnection,
    now: DateTime<Utc>,
) -> SqlResult<(Vec<AwsItem>, u64)> {
    let (now_at, horizon) = (timestamp(now), at_day(now, 7));
    let rows: Vec<super::resources::Row> = sqlx::query_as(&needs_action_query(""))
        .bind(&now_at)
        .bind(&horizon)
        .bind(app::model::expiry::NEEDS_ACTION_SHOWN as i64)
        .fetch_all(&mut *conn)
        .await?;
    let silenced: i64 = sqlx::query_scalar(&silenced_due_query(""))
        .bind(&now_at)
        .bind(&horizon)
        .fetch_one(&mut *conn)
        .await?;
    Ok((
        rows.into_iter()
            .filter_map(|row| row.into_resource())
            .collect(),
        u64::try_from(silenced).unwrap_or(0),
    ))
}

/// For each edge day, the first expiry at or after `now` + that many days: the next item to
/// cross that edge. `lead` goes before the SELECT (`EXPLAIN QUERY PLAN ` in tests).
fn next_expiries_query<'q>(lead: &str, now: DateTime<Utc>) -> QueryBuilder<'q, Sqlite> {
    let mut query = QueryBuilder::new(format!("{lead}WITH edges(day, at) AS ("));
    query.push_values(edge_days(), |mut row, day| {
        row.push_bind(day).push_bind(at_day(now, day));
    });
    query.push(format!(
        ") SELECT e.day, (SELECT MIN(r.expires_at) FROM resources r INDEXED BY resources_live_by_expiry
                          WHERE {COUNTED_EXPIRING} AND r.expires_at >= e.at)
           FROM edges e"
    ));
    query
}

/// The first stored moment (a timestamp as [`timestamp`] writes it) that compares after
/// `expires_at`, as the overview compares them: as text. Exact for a value written that way
/// (`expires_at` + 1 ms); for any other value, a moment no later than that one (the start of its
/// day or year), so a kept overview never outlives what it shows. `None` when not even that is
/// known.
fn first_moment_after(expires_at: &str) -> Option<DateTime<Utc>> {
    let parsed = DateTime::parse_from_rfc3339(expires_at).map(|at| at.with_timezone(&Utc));
    if let Ok(at) = parsed {
        if timestamp(at) == expires_at {
            return Some(at + chrono::Duration::milliseconds(1));
        }
    }
    let start_of = |date: chrono::NaiveDate| date.and_hms_opt(0, 0, 0).map(|at| at.and_utc());
    if let Some(day) = expires_at.get(..10) {
        if let Ok(date) = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
            return start_of(date);
        }
    }
    let year: i32 = expires_at
        .get(..4)
        .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))?
        .parse()
        .ok()?;
    start_of(chrono::NaiveDate::from_ymd_opt(year, 1, 1)?)
}

/// The first moment after `now` at which time alone changes the overview read at `now`: an
/// item's expiry reached by one of its edges (`now` + d days counts an item once the stored
/// moment compares after its expiry), or a snooze ending (it holds while `until > now`).
async fn changes_at(
    conn: &mut SqliteConnection,
    now: DateTime<Utc>,
) -> SqlResult<Option<DateTime<Utc>>> {
    let next: Vec<(i64, Option<String>)> = next_expiries_query("", now)
        .build_query_as()
        .fetch_all(&mut *conn)
        .await?;
    let snooze_ends: Option<String> = sqlx::query_scalar(
        "SELECT MIN(until) FROM alert_silences WHERE state = 'snooze' AND until > ?",
    )
    .bind(timestamp(now))
    .fetch_one(&mut *conn)
    .await?;
    let crossings = next.into_iter().filter_map(|(day, expires_at)| {
        // An expiry whose next moment is unknown holds nothing: read again on the next view.
        let after = first_moment_after(&expires_at?).unwrap_or(now);
        Some(after - chrono::Duration::days(day))
    });
    // `until > now` holds until the stored moment reaches `until`: `until` itself when written
    // as a timestamp, else (no later than) the moment after the text before it.
    let snooze_end = snooze_ends.map(|until| {
        DateTime::parse_from_rfc3339(&until)
            .ok()
            .map(|at| at.with_timezone(&Utc))
            .filter(|at| timestamp(*at) == until)
            .unwrap_or(now)
    });
    Ok(crossings.chain(snooze_end).min())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::expiry::counts;
    use crate::store::expiry::tests::{reads_items_by_index_alone, steps};

    #[tokio::test]
    async fn the_overview_says_the_exact_moment_time_changes_it() {
        let (_dir, db) = crate::store::temp_db().await;
        let now = DateTime::parse_from_rfc3339("2026-12-06T12:00:00.000Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |days: i64, ms: i64| {
            now + chrono::Duration::days(days) + chrono::Duration::milliseconds(ms)
        };
        let mut tx = db.begin_write().await.unwrap();
        for (id, expires) in [("soon", at(3, 5)), ("later", at(10, 0))] {
            let item = crate::store::dated_token(id, &timestamp(expires));
            super::super::resources::upsert(&mut tx, &item)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();
        let read = overview(db.pool(), now, 10).await.unwrap();
        // "later" reaches the 7-day edge first: counted within 7 days from 3 days and 1 ms on.
        assert_eq!(read.changes_at, Some(at(3, 1)));
        let figures = |counts: &Counts| (counts.totals, counts.timeline.clone());
        let before = counts(db.pool(), at(3, 0)).await.unwrap();
        let after = counts(db.pool(), at(3, 1)).await.unwrap();
        assert_eq!(figures(&before), figures(&read.counts));
        assert_ne!(figures(&after), figures(&read.counts));
        assert_eq!(after.totals, [0, 2, 0, 0, 0]);

        // A snooze of the soonest item ending in an hour ends the read's hold then.
        let mut tx = db.begin_write().await.unwrap();
        let soon = crate::store::dated_token("soon", &timestamp(at(3, 5)));
        let until = timestamp(now + chrono::Duration::hours(1));
        super::super::alerts::silence(
            &mut tx,
            &soon.item,
            &timestamp(at(3, 5)),
            Some(&until),
            "ann",
            &timestamp(now),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let snoozed = overview(db.pool(), now, 10).await.unwrap();
        assert_eq!(snoozed.changes_at, Some(now + chrono::Duration::hours(1)));
        assert!(
            snoozed.changes > read.changes,
            "the silence counts as a change"
        );
        assert_eq!(overview_changes(db.pool()).await.unwrap(), snoozed.changes);
        assert_eq!(snoozed.soonest[0].1.as_deref(), Some("snooze"));

        // A sync seeing the items unchanged (only their last_seen) changes nothing shown.
        let mut tx = db.begin_write().await.unwrap();
        let seen_again = AwsItem {
            last_seen: timestamp(now),
            ..soon
        };
        super::super::resources::upsert(&mut tx, &seen_again)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(overview_changes(db.pool()).await.unwrap(), snoozed.changes);
    }

    #[tokio::test]
    async fn when_the_overview_changes_is_read_from_the_live_expiry_index() {
        let (_dir, db) = crate::store::temp_db().await;
        let next = steps(
            db.pool(),
            next_expiries_query("EXPLAIN QUERY PLAN ", Utc::now()),
        )
        .await;
        reads_items_by_index_alone(&next);
        assert!(
            next.iter()
                .any(|s| s.contains("resources_live_by_expiry (expires_at>?)")),
            "{next:?}"
        );
    }

    #[tokio::test]
    async fn needs_action_lists_what_is_due_and_unsilenced_most_overdue_first() {
        let (_dir, db) = crate::store::temp_db().await;
        let now = DateTime::parse_from_rfc3339("2026-12-06T12:00:00.000Z")
            .unwrap()
            .with_timezone(&Utc);
        let at = |days: i64| timestamp(now + chrono::Duration::days(days));
        let items = [
            ("long-expired", at(-30)),
            ("expired-acked", at(-3)),
            ("expired", at(-1)),
            ("due-snoozed", at(2)),
            ("due-snooze-over", at(3)),
            ("due", at(6)),
            ("later", at(8)),
            ("removed", at(1)),
        ];
        let mut tx = db.begin_write().await.unwrap();
        for (id, expires) in &items {
            let item = crate::store::dated_token(id, expires);
            super::super::resources::upsert(&mut tx, &item)
                .await
                .unwrap();
        }
        let removed = crate::store::dated_token("removed", &at(1)).item;
        crate::store::scope_cache::mark_gone(
            &mut tx,
            removed.kind,
            &removed.account,
            &removed.region,
            &removed.id,
            &at(-1),
        )
        .await
        .unwrap();
        for (id, until) in [
            ("expired-acked", None),
            ("due-snoozed", Some(at(1))),
            ("due-snooze-over", Some(at(-1))),
        ] {
            let (_, expires) = items.iter().find(|(i, _)| *i == id).unwrap();
            let item = crate::store::dated_token(id, expires).item;
            super::super::alerts::silence(
                &mut tx,
                &item,
                expires,
                until.as_deref(),
                "ann",
                &at(-5),
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        let read = overview(db.pool(), now, 10).await.unwrap();
        let ids: Vec<&str> = read
            .needs_action
            .iter()
            .map(|i| i.item.id.as_str())
            .collect();
        assert_eq!(ids, ["long-expired", "expired", "due-snooze-over", "due"]);
        assert_eq!(read.needs_action_total, 4);
    }

    #[tokio::test]
    async fn needs_action_reads_a_range_of_the_live_expiry_index() {
        let (_dir, db) = crate::store::temp_db().await;
        // Unbound parameters are NULL to EXPLAIN: the plan is the same.
        let steps = steps(
            db.pool(),
            QueryBuilder::new(needs_action_query("EXPLAIN QUERY PLAN ")),
        )
        .await;
        reads_items_by_index_alone(&steps);
        assert!(
            !steps.iter().any(|s| s.contains("TEMP B-TREE")),
            "{steps:?}"
        );
    }
}
