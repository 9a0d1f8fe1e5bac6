//! How many dated items still in AWS expire before given moments, per kind and account, read
//! without passing over the items: from the counts per year, month and day that triggers keep
//! (migration `expiry_counts`), and for each moment the items of its own day before it, a range
//! of the live expiry index. The overview's buckets and timeline bars are differences of these.

use super::sql::{SqlResult, COUNTED_EXPIRING};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection};
use std::collections::BTreeMap;

/// One kind in one account: its dated items still in AWS, and how many expire before each
/// moment asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Before {
    pub kind: String,
    pub account: String,
    pub total: u64,
    /// In the order of the moments.
    pub before: Vec<u64>,
}

/// The first `span` characters of a stored timestamp, as the table's `period` holds them.
fn prefix(at: &str, span: usize) -> &str {
    at.get(..span).unwrap_or(at)
}

/// The table's rows that a count before `first` .. `last` needs: every year (the totals, and
/// the years before the first moment's), the months of the first moment's year before its
/// month, and the days from that month up to the last moment's day.
/// `lead` goes before the SELECT (`EXPLAIN QUERY PLAN ` in tests).
fn periods_query(lead: &str) -> String {
    let columns = "span, period, kind, account, items";
    format!(
        "{lead}SELECT {columns} FROM expiry_counts WHERE span = 4
         UNION ALL SELECT {columns} FROM expiry_counts WHERE span = 7 AND period >= ?1 AND period < ?2
         UNION ALL SELECT {columns} FROM expiry_counts WHERE span = 10 AND period >= ?2 AND period < ?3"
    )
}

/// Per moment, the items of its day that expire before it: `day <= expires_at < moment`. The
/// index is named because, without statistics, SQLite may pick the expiry index that holds
/// removed items too and read each row for its `gone_at`.
fn same_day_query<'q>(lead: &str, moments: &[String]) -> QueryBuilder<'q, Sqlite> {
    let mut query = QueryBuilder::new(format!("{lead}WITH moments(i, day, at) AS ("));
    query.push_values(moments.iter().enumerate(), |mut row, (i, at)| {
        row.push_bind(i as i64)
            .push_bind(prefix(at, 10).to_string())
            .push_bind(at.clone());
    });
    query.push(format!(
        ") SELECT m.i, r.kind, r.account, COUNT(*)
           FROM moments m CROSS JOIN resources r INDEXED BY resources_live_by_expiry
           WHERE {COUNTED_EXPIRING}
             AND r.expires_at >= m.day AND r.expires_at < m.at
           GROUP BY m.i, r.kind, r.account"
    ));
    query
}

/// For each kind and account with dated items still in AWS, how many expire before each of
/// `moments` (stored timestamps, ascending), by kind then account. Its two reads must see one
/// state of the cache: call it within a transaction.
pub async fn before(conn: &mut SqliteConnection, moments: &[String]) -> SqlResult<Vec<Before>> {
    let (Some(first), Some(last)) = (moments.first(), moments.last()) else {
        return Ok(Vec::new());
    };
    let (year, month) = (prefix(first, 4), prefix(first, 7));
    let periods: Vec<(i64, String, String, String, i64)> = sqlx::query_as(&periods_query(""))
        .bind(year)
        .bind(month)
        .bind(prefix(last, 10))
        .fetch_all(&mut *conn)
        .await?;
    let mut groups: BTreeMap<(String, String), Before> = BTreeMap::new();
    let add = |counts: &mut [u64], items: i64, of: &dyn Fn(&String) -> bool| {
        for (count, at) in counts.iter_mut().zip(moments) {
            if of(at) {
                *count += items.max(0) as u64;
            }
        }
    };
    for (span, period, kind, account, items) in periods {
        let group = group_of(&mut groups, kind, account, moments.len());
        match span {
            4 => {
                group.total += items.max(0) as u64;
                if period.as_str() < year {
                    add(&mut group.before, items, &|_| true);
                }
            }
            // The months of the first moment's year before its month: before every moment.
            7 => add(&mut group.before, items, &|_| true),
            _ => add(&mut group.before, items, &|at| {
                period.as_str() < prefix(at, 10)
            }),
        }
    }
    let same_day: Vec<(i64, String, String, i64)> = same_day_query("", moments)
        .build_query_as()
        .fetch_all(&mut *conn)
        .await?;
    for (i, kind, account, items) in same_day {
        if let Some(count) = group_of(&mut groups, kind, account, moments.len())
            .before
            .get_mut(i as usize)
        {
            *count += items.max(0) as u64;
        }
    }
    Ok(groups.into_values().collect())
}

/// The entry of `kind` in `account`, new with nothing counted if need be.
fn group_of(
    groups: &mut BTreeMap<(String, String), Before>,
    kind: String,
    account: String,
    moments: usize,
) -> &mut Before {
    groups
        .entry((kind.clone(), account.clone()))
        .or_insert_with(|| Before {
            kind,
            account,
            total: 0,
            before: vec![0; moments],
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::expiry::tests::steps;

    #[tokio::test]
    async fn the_counts_are_read_from_ranges_of_indices_never_a_pass_over_the_items() {
        let (_dir, db) = crate::store::temp_db().await;
        let periods: Vec<(i64, i64, i64, String)> =
            sqlx::query_as(&periods_query("EXPLAIN QUERY PLAN "))
                .bind("2026")
                .bind("2026-12")
                .bind("2027-06-01")
                .fetch_all(db.pool())
                .await
                .expect("plan");
        let periods: Vec<String> = periods.into_iter().map(|(_, _, _, step)| step).collect();
        let searches: Vec<&String> = periods
            .iter()
            .filter(|s| s.starts_with("SEARCH") || s.starts_with("SCAN"))
            .collect();
        assert_eq!(searches.len(), 3, "{periods:?}");
        for step in searches {
            assert!(
                step.starts_with("SEARCH expiry_counts USING PRIMARY KEY (span=?"),
                "{periods:?}"
            );
        }

        let moments = ["2026-12-06T17:00:00.000Z", "2026-12-13T17:00:00.000Z"].map(String::from);
        let same_day = steps(db.pool(), same_day_query("EXPLAIN QUERY PLAN ", &moments)).await;
        let reads_items: Vec<&String> = same_day.iter().filter(|s| s.contains(" r ")).collect();
        assert_eq!(
            reads_items,
            [&"SEARCH r USING COVERING INDEX resources_live_by_expiry (expires_at>? AND expires_at<?)"
                .to_string()],
            "{same_day:?}"
        );
    }
}
