//! The expiry overview's reads over the cache: counts per urgency by kind and account, the
//! timeline's weeks, and the items that expire next. Items removed in AWS are left out.

use super::sql::SqlResult;
use app::model::expiry::{
    AccountCounts, KindAccountCounts, KindCounts, TimelineBar, TimelineItem, UrgencyCounts,
    TIMELINE_BAR_DAYS, TIMELINE_DAYS, TIMELINE_ITEMS_PER_BAR,
};
use app::model::{AwsItem, ResourceKind, ResourceRef};
use chrono::{DateTime, Utc};
use sqlx::SqlitePool;

use super::alerts::SILENCE_HOLDS;
use super::resources::COLUMNS;
use super::timestamp;

/// The bucket edges as stored timestamps: now, +7, +30, +90 days.
fn edges(now: DateTime<Utc>) -> [String; 4] {
    [0, 7, 30, 90].map(|days| timestamp(now + chrono::Duration::days(days)))
}

const COUNT_COLUMNS: &str = "SUM(expires_at < ?1), \
     SUM(expires_at >= ?1 AND expires_at < ?2), \
     SUM(expires_at >= ?2 AND expires_at < ?3), \
     SUM(expires_at >= ?3 AND expires_at < ?4), \
     SUM(expires_at >= ?4)";

/// The grouped count; `lead` goes before the SELECT (`EXPLAIN QUERY PLAN ` in tests).
fn counts_query(lead: &str) -> String {
    format!(
        "{lead}SELECT kind, account, {COUNT_COLUMNS} FROM resources
         WHERE expires_at IS NOT NULL AND gone_at IS NULL GROUP BY kind, account"
    )
}

type CountRow = (String, String, i64, i64, i64, i64, i64);

/// What the overview counts, summed from one pass over the dated items.
#[derive(Clone, Default)]
pub struct Counts {
    pub by_kind: Vec<KindCounts>,
    pub by_kind_and_account: Vec<KindAccountCounts>,
    pub by_account: Vec<AccountCounts>,
    pub totals: UrgencyCounts,
}

/// Counts per (kind, account), from which the other tables and the totals are summed.
pub async fn counts(pool: &SqlitePool, now: DateTime<Utc>) -> SqlResult<Counts> {
    let [now_at, d7, d30, d90] = edges(now);
    let rows: Vec<CountRow> = sqlx::query_as(&counts_query(""))
        .bind(&now_at)
        .bind(&d7)
        .bind(&d30)
        .bind(&d90)
        .fetch_all(pool)
        .await?;
    let mut by_kind: Vec<KindCounts> = Vec::new();
    let mut by_account: Vec<AccountCounts> = Vec::new();
    let mut totals: UrgencyCounts = [0; 5];
    let mut by_kind_and_account = Vec::new();
    for (kind, account, a, b, c, d, e) in rows {
        let Some(kind) = ResourceKind::parse(&kind) else {
            continue;
        };
        let counts = [a, b, c, d, e].map(|n| n.max(0) as u64);
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
    Ok(Counts {
        by_kind,
        by_kind_and_account,
        by_account,
        totals,
    })
}

/// Moves whenever an item appears in, leaves or changes in the cache in a way the overview
/// shows (triggers keep it: see the migration `overview_memo`).
pub async fn version(pool: &SqlitePool) -> SqlResult<i64> {
    sqlx::query_scalar("SELECT version FROM resources_version WHERE id = 1")
        .fetch_one(pool)
        .await
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

#[derive(sqlx::FromRow)]
struct TimelineRow {
    bar: i64,
    kind: String,
    account: String,
    region: String,
    id: String,
    name: String,
    expires_at: String,
    rank: i64,
    bar_count: i64,
}

/// The expired bar and one bar a week over the next [`TIMELINE_DAYS`], each with its count and
/// its first [`TIMELINE_ITEMS_PER_BAR`] items; weeks without expiries are bars of zero.
pub async fn timeline(pool: &SqlitePool, now: DateTime<Utc>) -> SqlResult<Vec<TimelineBar>> {
    let now_at = timestamp(now);
    let end = timestamp(now + chrono::Duration::days(TIMELINE_DAYS));
    // Bar -1 holds the expired; bar n the days [7n, 7n + 7).
    let rows: Vec<TimelineRow> = sqlx::query_as(
        "SELECT bar, kind, account, region, id, name, expires_at, rank, bar_count FROM (
           SELECT b.*, ROW_NUMBER() OVER (PARTITION BY bar ORDER BY expires_at, id) AS rank,
                  COUNT(*) OVER (PARTITION BY bar) AS bar_count
           FROM (SELECT CASE WHEN expires_at < ?1 THEN -1
                        ELSE CAST((julianday(expires_at) - julianday(?1)) / ?3 AS INTEGER) END AS bar,
                        kind, account, region, id, name, expires_at
                 FROM resources
                 WHERE expires_at IS NOT NULL AND gone_at IS NULL AND expires_at < ?2) b)
         WHERE rank <= ?4 ORDER BY bar, rank",
    )
    .bind(&now_at)
    .bind(&end)
    .bind(TIMELINE_BAR_DAYS as f64)
    .bind(TIMELINE_ITEMS_PER_BAR as i64)
    .fetch_all(pool)
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
        bar.count = row.bar_count.max(0) as u64;
        let item = ResourceRef {
            kind,
            account: row.account.clone(),
            region: row.region,
            id: row.id,
        };
        if row.rank as usize <= TIMELINE_ITEMS_PER_BAR {
            bar.items.push(TimelineItem {
                kind,
                name: row.name,
                account: row.account,
                path: item.detail_path(),
                expires_at: row.expires_at,
            });
        }
    }
    Ok(bars)
}

/// The items that expire next (not yet expired, still in AWS), soonest first, each with the
/// state (`ack` or `snooze`) of the alert silence that holds for its current expiry.
pub async fn soonest(
    pool: &SqlitePool,
    now: &str,
    limit: i64,
) -> SqlResult<Vec<(AwsItem, Option<String>)>> {
    let rows: Vec<SoonestRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS},
                (SELECT s.state FROM alert_silences s WHERE {SILENCE_HOLDS}) AS silence
         FROM resources r WHERE r.expires_at >= ?1 AND r.gone_at IS NULL
         ORDER BY r.expires_at, r.id LIMIT ?2"
    ))
    .bind(now)
    .bind(limit)
    .fetch_all(pool)
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
mod tests {
    use super::*;

    #[tokio::test]
    async fn counting_reads_the_dated_index_not_the_rows() {
        let (_dir, db) = crate::store::temp_db().await;
        let plan: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&counts_query("EXPLAIN QUERY PLAN "))
                .bind("a")
                .bind("b")
                .bind("c")
                .bind("d")
                .fetch_all(db.pool())
                .await
                .expect("plan");
        let steps: Vec<&str> = plan.iter().map(|(_, _, _, step)| step.as_str()).collect();
        assert_eq!(
            steps,
            ["SCAN resources USING INDEX resources_dated"],
            "{steps:?}"
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
