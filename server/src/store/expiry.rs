//! The expiry overview's reads over the cache: counts per urgency by kind and account, the
//! timeline's weeks, and the items that expire next. Items removed in AWS are left out. The
//! counts come from [`expiry_counts`], kept as the cache changes; the items shown are ranges
//! of the live expiry index, so a view's cost does not grow with the cache.

use super::expiry_counts;
use super::sql::SqlResult;
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
fn edge_days() -> Vec<i64> {
    let bars = (0..=TIMELINE_DAYS / TIMELINE_BAR_DAYS).map(|week| week * TIMELINE_BAR_DAYS);
    let mut days: Vec<i64> = BUCKET_EDGES.into_iter().chain(bars).collect();
    days.sort_unstable();
    days.dedup();
    days
}

fn at_day(now: DateTime<Utc>, days: i64) -> String {
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
async fn counts_in(conn: &mut SqliteConnection, now: DateTime<Utc>) -> SqlResult<Counts> {
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
             SELECT rowid FROM resources INDEXED BY resources_live_by_expiry
             WHERE expires_at IS NOT NULL AND gone_at IS NULL
               AND expires_at >= b.from_at AND expires_at < b.until_at
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
         WHERE r.expires_at IS NOT NULL AND r.gone_at IS NULL AND r.expires_at >= ?1
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

async fn soonest_in(
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
         WHERE r.expires_at IS NOT NULL AND r.gone_at IS NULL AND r.expires_at < ?2
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
         WHERE r.gone_at IS NULL AND r.expires_at < ?2 AND {SILENCE_HOLDS}"
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
    query.push(
        ") SELECT e.day, (SELECT MIN(r.expires_at) FROM resources r INDEXED BY resources_live_by_expiry
                          WHERE r.expires_at IS NOT NULL AND r.gone_at IS NULL AND r.expires_at >= e.at)
           FROM edges e",
    );
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
    fn reads_items_by_index_alone(steps: &[String]) {
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

        let soonest: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&soonest_query("EXPLAIN QUERY PLAN "))
                .bind("2026-12-01T00:00:00.000Z")
                .bind(10)
                .fetch_all(db.pool())
                .await
                .expect("plan");
        let soonest: Vec<String> = soonest.into_iter().map(|(_, _, _, step)| step).collect();
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
        let rows: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&needs_action_query("EXPLAIN QUERY PLAN "))
                .bind("2026-12-01T00:00:00.000Z")
                .bind("2026-12-08T00:00:00.000Z")
                .bind(15)
                .fetch_all(db.pool())
                .await
                .expect("plan");
        let steps: Vec<String> = rows.into_iter().map(|(_, _, _, step)| step).collect();
        reads_items_by_index_alone(&steps);
        assert!(
            !steps.iter().any(|s| s.contains("TEMP B-TREE")),
            "{steps:?}"
        );
    }
}
