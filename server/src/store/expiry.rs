//! The expiry overview's reads over the cache: counts per urgency by kind and account, the
//! timeline's weeks, and the items that expire next. Items removed in AWS are left out. The
//! counts come from [`expiry_counts`], kept as the cache changes; the items shown are ranges
//! of the live expiry index, so a view's cost does not grow with the cache.

use super::expiry_counts;
use super::sql::{SqlResult, COUNTED_EXPIRING};
use app::model::expiry::{
    AccountCounts, KindAccountCounts, KindCounts, TimelineBar, TimelineItem, UrgencyCounts,
    TIMELINE_BAR_DAYS, TIMELINE_DAYS, TIMELINE_ITEMS_PER_BAR,
};
use app::model::{AwsItem, ResourceKind, ResourceRef};
use chrono::{DateTime, Utc};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::alerts::SILENCE_HOLDS;
use super::resources::COLUMNS;
use super::timestamp;

/// Days from now of the buckets' edges: expired before the first, then ≤ 7 days, 8–30, 31–90,
/// later ([`app::model::expiry::Urgency`]).
const BUCKET_EDGES: [i64; 4] = [0, 7, 30, 90];

/// The days from now that the buckets and the timeline's bars start or end at, ascending.
pub(super) fn edge_days() -> Vec<i64> {
    let bars = (0..=TIMELINE_DAYS / TIMELINE_BAR_DAYS).map(|week| week * TIMELINE_BAR_DAYS);
    let mut days: Vec<i64> = BUCKET_EDGES.into_iter().chain(bars).collect();
    days.sort_unstable();
    days.dedup();
    days
}

pub(super) fn at_day(now: DateTime<Utc>, days: i64) -> String {
    timestamp(now + chrono::Duration::days(days))
}

/// What the overview counts: items per urgency by kind and account, and the timeline.
#[derive(Clone, Default)]
pub struct Counts {
    pub by_kind: Vec<KindCounts>,
    pub by_kind_and_account: Vec<KindAccountCounts>,
    pub by_account: Vec<AccountCounts>,
    pub totals: UrgencyCounts,
    pub timeline: Vec<TimelineBar>,
}

/// The overview's counts as of `now`, from the trigger-kept counts (see [`expiry_counts`]) and
/// one read of the timeline's first items per bar: nothing here passes over the items. One
/// read transaction, so that every figure is of the same state of the cache.
pub async fn counts(pool: &SqlitePool, now: DateTime<Utc>) -> SqlResult<Counts> {
    let mut snapshot = pool.begin().await?;
    let counts = counts_in(&mut snapshot, now).await?;
    snapshot.commit().await?;
    Ok(counts)
}

/// [`counts`] within the caller's read transaction.
pub(super) async fn counts_in(
    conn: &mut SqliteConnection,
    now: DateTime<Utc>,
) -> SqlResult<Counts> {
    let days = edge_days();
    let moments: Vec<String> = days.iter().map(|d| at_day(now, *d)).collect();
    let groups = expiry_counts::before(&mut *conn, &moments).await?;
    let mut timeline = timeline_bars(&mut *conn, now).await?;
    let before = |group: &expiry_counts::Before, day: i64| {
        days.iter()
            .position(|d| *d == day)
            .map_or(0, |at| group.before[at])
    };
    let mut by_kind: Vec<KindCounts> = Vec::new();
    let mut by_account: Vec<AccountCounts> = Vec::new();
    let mut totals: UrgencyCounts = [0; 5];
    let mut by_kind_and_account = Vec::new();
    let weeks = TIMELINE_DAYS / TIMELINE_BAR_DAYS;
    let mut bar_counts = vec![0u64; weeks as usize + 1];
    for group in &groups {
        let Some(kind) = ResourceKind::parse(&group.kind) else {
            continue;
        };
        let account = group.account.clone();
        let [expired, before_7, before_30, before_90] = BUCKET_EDGES.map(|day| before(group, day));
        let counts = [
            expired,
            before_7 - expired,
            before_30 - before_7,
            before_90 - before_30,
            group.total - before_90,
        ];
        bar_counts[0] += expired;
        for week in 0..weeks {
            let from = before(group, week * TIMELINE_BAR_DAYS);
            let until = before(group, (week + 1) * TIMELINE_BAR_DAYS);
            bar_counts[week as usize + 1] += until - from;
        }
        by_kind_and_account.push(KindAccountCounts {
            kind,
            account: account.clone(),
            counts,
        });
        let new_kind = || KindCounts {
            kind,
            counts: [0; 5],
        };
        add(
            &mut entry(&mut by_kind, |k| k.kind == kind, new_kind).counts,
            &counts,
        );
        let new_account = || AccountCounts {
            account: account.clone(),
            counts: [0; 5],
        };
        let of_account = entry(&mut by_account, |a| a.account == account, new_account);
        add(&mut of_account.counts, &counts);
        add(&mut totals, &counts);
    }
    by_kind.sort_by_key(|k| ResourceKind::ALL.iter().position(|all| *all == k.kind));
    by_account.sort_by(|a, b| a.account.cmp(&b.account));
    by_kind_and_account.sort_by(|a, b| {
        a.account.cmp(&b.account).then_with(|| {
            let position = |k: ResourceKind| ResourceKind::ALL.iter().position(|all| *all == k);
            position(a.kind).cmp(&position(b.kind))
        })
    });
    for (bar, count) in timeline.iter_mut().zip(bar_counts) {
        bar.count = count;
    }
    Ok(Counts {
        by_kind,
        by_kind_and_account,
        by_account,
        totals,
        timeline,
    })
}

/// The entry of `list` that `is_it` finds, or a `new` one, added at the end.
fn entry<T>(list: &mut Vec<T>, is_it: impl Fn(&T) -> bool, new: impl FnOnce() -> T) -> &mut T {
    match list.iter().position(is_it) {
        Some(at) => &mut list[at],
        None => {
            list.push(new());
            list.last_mut().expect("just pushed")
        }
    }
}

fn add(into: &mut UrgencyCounts, counts: &UrgencyCounts) {
    for (total, n) in into.iter_mut().zip(counts) {
        *total += n;
    }
}

/// The order of the expiry list (and of its export), which the live expiry index keeps.
const EXPIRY_ORDER: &str = "expires_at, kind, account, region, id";

/// Each bar's first [`TIMELINE_ITEMS_PER_BAR`] items, soonest first: a range of the live expiry
/// index per bar. Bar -1 holds the expired; bar n the days [7n, 7n + 7) from now.
/// `lead` goes before the query (`EXPLAIN QUERY PLAN ` in tests).
fn timeline_items_query<'q>(lead: &str, now: DateTime<Utc>) -> QueryBuilder<'q, Sqlite> {
    let weeks = TIMELINE_DAYS / TIMELINE_BAR_DAYS;
    let bars = std::iter::once((-1, String::new(), at_day(now, 0))).chain((0..weeks).map(|week| {
        (
            week,
            at_day(now, week * TIMELINE_BAR_DAYS),
            at_day(now, (week + 1) * TIMELINE_BAR_DAYS),
        )
    }));
    let mut query = QueryBuilder::new(format!("{lead}WITH bars(bar, from_at, until_at) AS ("));
    query.push_values(bars, |mut row, (bar, from, until)| {
        row.push_bind(bar).push_bind(from).push_bind(until);
    });
    query.push(format!(
        ") SELECT b.bar, r.kind, r.account, r.region, r.id, r.name, r.expires_at
           FROM bars b CROSS JOIN resources r
           WHERE r.rowid IN (
             SELECT r.rowid FROM resources r INDEXED BY resources_live_by_expiry
             WHERE {COUNTED_EXPIRING}
               AND r.expires_at >= b.from_at AND r.expires_at < b.until_at
             ORDER BY {EXPIRY_ORDER} LIMIT {TIMELINE_ITEMS_PER_BAR})
           ORDER BY b.bar, r.expires_at, r.kind, r.account, r.region, r.id"
    ));
    query
}

#[derive(sqlx::FromRow)]
struct TimelineRow {
    bar: i64,
    kind: String,
    account: String,
    region: String,
    id: String,
    name: String,
    expires_at: String,
}

/// The expired bar and one bar a week over the next [`TIMELINE_DAYS`], each with its first
/// [`TIMELINE_ITEMS_PER_BAR`] items; their counts are the caller's.
async fn timeline_bars(
    conn: &mut SqliteConnection,
    now: DateTime<Utc>,
) -> SqlResult<Vec<TimelineBar>> {
    let rows: Vec<TimelineRow> = timeline_items_query("", now)
        .build_query_as()
        .fetch_all(&mut *conn)
        .await?;
    let weeks = TIMELINE_DAYS / TIMELINE_BAR_DAYS;
    let mut bars: Vec<TimelineBar> = std::iter::once(TimelineBar {
        from_day: None,
        until_day: None,
        count: 0,
        items: Vec::new(),
    })
    .chain((0..weeks).map(|week| TimelineBar {
        from_day: Some(week * TIMELINE_BAR_DAYS),
        until_day: Some((week + 1) * TIMELINE_BAR_DAYS),
        count: 0,
        items: Vec::new(),
    }))
    .collect();
    for row in rows {
        let Some(kind) = ResourceKind::parse(&row.kind) else {
            continue;
        };
        let Some(bar) = usize::try_from(row.bar + 1)
            .ok()
            .and_then(|i| bars.get_mut(i))
        else {
            continue;
        };
        let item = ResourceRef {
            kind,
            account: row.account.clone(),
            region: row.region,
            id: row.id,
        };
        bar.items.push(TimelineItem {
            kind,
            name: row.name,
            account: row.account,
            path: item.detail_path(),
            expires_at: row.expires_at,
        });
    }
    Ok(bars)
}

/// The next `limit` items to expire: not yet expired, still in AWS, a range of the live
/// expiry index. `lead` goes before the SELECT (`EXPLAIN QUERY PLAN ` in tests).
fn soonest_query(lead: &str) -> String {
    format!(
        "{lead}SELECT {COLUMNS},
                (SELECT s.state FROM alert_silences s WHERE {SILENCE_HOLDS}) AS silence
         FROM resources r INDEXED BY resources_live_by_expiry
         WHERE {COUNTED_EXPIRING} AND r.expires_at >= ?1
         ORDER BY r.expires_at, r.kind, r.account, r.region, r.id LIMIT ?2"
    )
}

/// The items that expire next (not yet expired, still in AWS), soonest first, each with the
/// state (`ack` or `snooze`) of the alert silence that holds for its current expiry.
pub async fn soonest(
    pool: &SqlitePool,
    now: &str,
    limit: i64,
) -> SqlResult<Vec<(AwsItem, Option<String>)>> {
    soonest_in(&mut *pool.acquire().await?, now, limit).await
}

pub(super) async fn soonest_in(
    conn: &mut SqliteConnection,
    now: &str,
    limit: i64,
) -> SqlResult<Vec<(AwsItem, Option<String>)>> {
    let rows: Vec<SoonestRow> = sqlx::query_as(&soonest_query(""))
        .bind(now)
        .bind(limit)
        .fetch_all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| Some((row.item.into_resource()?, row.silence)))
        .collect())
}

#[derive(sqlx::FromRow)]
struct SoonestRow {
    #[sqlx(flatten)]
    item: super::resources::Row,
    silence: Option<String>,
}

#[cfg(test)]
mod agrees_with_a_scan;

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// The steps of the plan SQLite chooses, one line each (the kept counts' tests read it too).
    pub(in crate::store) async fn steps(
        pool: &SqlitePool,
        mut query: QueryBuilder<'_, Sqlite>,
    ) -> Vec<String> {
        let rows: Vec<(i64, i64, i64, String)> =
            query.build_query_as().fetch_all(pool).await.expect("plan");
        rows.into_iter().map(|(_, _, _, step)| step).collect()
    }

    /// Every read of `resources` in `steps` is a range or a lookup on an index: no pass over
    /// the items, whatever their number.
    pub(in crate::store) fn reads_items_by_index_alone(steps: &[String]) {
        for step in steps
            .iter()
            .filter(|s| s.contains("resources") || s.contains(" r "))
        {
            assert!(
                step.starts_with("SEARCH")
                    && (step.contains("INDEX resources_live_by_expiry (expires_at")
                        || step.contains("INTEGER PRIMARY KEY (rowid=?)")),
                "{step} in {steps:?}"
            );
        }
    }

    #[tokio::test]
    async fn the_timeline_and_the_next_items_read_ranges_of_the_live_expiry_index() {
        let (_dir, db) = crate::store::temp_db().await;
        let timeline = steps(
            db.pool(),
            timeline_items_query("EXPLAIN QUERY PLAN ", Utc::now()),
        )
        .await;
        reads_items_by_index_alone(&timeline);
        assert!(
            timeline
                .iter()
                .any(|s| s.contains("resources_live_by_expiry (expires_at>? AND expires_at<?)")),
            "{timeline:?}"
        );
        // The index gives each bar's order; only the picked rows (27 bars of 12 at most) are
        // sorted together at the end.
        assert_eq!(
            timeline
                .iter()
                .filter(|s| s.contains("TEMP B-TREE"))
                .count(),
            1,
            "{timeline:?}"
        );
        assert_eq!(
            timeline.last().map(String::as_str),
            Some("USE TEMP B-TREE FOR ORDER BY")
        );

        let soonest = steps(
            db.pool(),
            QueryBuilder::new(soonest_query("EXPLAIN QUERY PLAN ")),
        )
        .await;
        reads_items_by_index_alone(&soonest);
        assert!(
            !soonest.iter().any(|s| s.contains("TEMP B-TREE")),
            "the index gives the order: {soonest:?}"
        );
        assert!(
            soonest
                .iter()
                .any(|s| s.starts_with("SEARCH s USING PRIMARY KEY (kind=? AND account=?")),
            "an item's silence is one lookup: {soonest:?}"
        );
        assert!(
            !soonest.iter().any(|s| s.starts_with("SCAN")),
            "{soonest:?}"
        );
    }

    #[tokio::test]
    async fn the_next_items_carry_only_the_silences_that_hold() {
        let (_dir, db) = crate::store::temp_db().await;
        let now = "2026-12-01T00:00:00.000Z";
        let mut tx = db.begin_write().await.unwrap();
        let items = [
            ("acked", "2026-12-02T00:00:00.000Z"),
            ("snoozed", "2026-12-03T00:00:00.000Z"),
            ("snooze-over", "2026-12-04T00:00:00.000Z"),
            ("acked-before-renewal", "2026-12-05T00:00:00.000Z"),
            ("quiet", "2026-12-06T00:00:00.000Z"),
            ("expired", "2026-11-30T00:00:00.000Z"),
        ];
        for (id, expires) in items {
            super::super::resources::upsert(&mut tx, &crate::store::dated_token(id, expires))
                .await
                .unwrap();
        }
        let silence = |id: &str| crate::store::dated_token(id, "").item;
        let alerts = super::super::alerts::silence;
        // Acknowledged; snoozed until after now; a snooze already over; acknowledged at an
        // expiry the item has since left behind.
        for (id, expires_at, until) in [
            ("acked", items[0].1, None),
            ("snoozed", items[1].1, Some("2026-12-08T00:00:00.000Z")),
            ("snooze-over", items[2].1, Some("2026-11-30T12:00:00.000Z")),
            ("acked-before-renewal", "2026-11-20T00:00:00.000Z", None),
        ] {
            alerts(&mut tx, &silence(id), expires_at, until, "ann", now)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        let next: Vec<(String, Option<String>)> = soonest(db.pool(), now, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|(item, silence)| (item.item.id, silence))
            .collect();
        let expected = [
            ("acked", Some("ack")),
            ("snoozed", Some("snooze")),
            ("snooze-over", None),
            ("acked-before-renewal", None),
            ("quiet", None),
        ]
        .map(|(id, state)| (id.to_string(), state.map(String::from)));
        assert_eq!(next, expected);
        assert_eq!(soonest(db.pool(), now, 2).await.unwrap().len(), 2);
    }
}
