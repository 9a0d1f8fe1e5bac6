//! An inventory query's filters as SQL (`WHERE …`, and the count of what they match): every
//! value bound, never spliced into the SQL. Pages, share views, exports and bulk selections
//! take them from here.

use app::model::{InventoryQuery, ResourceKind, EXPIRY_WINDOWS};
use sqlx::{QueryBuilder, Sqlite};

/// `WHERE …` for an inventory query; every value is bound, never spliced into the SQL.
pub(super) fn push_filter(
    sql: &mut QueryBuilder<'_, Sqlite>,
    kind: ResourceKind,
    query: &InventoryQuery,
    now: &str,
) {
    sql.push(" WHERE r.kind = ");
    sql.push_bind(kind.as_str().to_string());
    sql.push(if query.removed {
        " AND r.gone_at IS NOT NULL"
    } else {
        " AND r.gone_at IS NULL"
    });
    push_scope(sql, "r", query);
    push_tag_exists(sql, query);
    push_item_filter(sql, query, now);
}

/// ` AND EXISTS (…)` a tag of the item `r` as the query's `Key=Value` (or `Key`) asks, if it asks.
pub(super) fn push_tag_exists(sql: &mut QueryBuilder<'_, Sqlite>, query: &InventoryQuery) {
    let tag = query.tag.trim();
    if !tag.is_empty() {
        sql.push(
            " AND EXISTS (SELECT 1 FROM resource_tags t WHERE t.kind = r.kind AND t.account = r.account \
             AND t.region = r.region AND t.id = r.id",
        );
        push_tag(sql, tag);
        sql.push(")");
    }
}

/// `SELECT COUNT(*) …` for an inventory query. With a tag asked for, the count runs on the tag
/// index, whose rows carry each item's account and region: one index range instead of a probe
/// per item of the kind (measured on 10,000 items: 0.1 ms instead of 4 ms). `resources` is joined
/// only when a filter needs a column of its own.
/// `lead` goes before the SELECT (`EXPLAIN QUERY PLAN ` in tests).
pub(super) fn count_query<'q>(
    lead: &str,
    kind: ResourceKind,
    query: &InventoryQuery,
    now: &str,
) -> QueryBuilder<'q, Sqlite> {
    let tag = query.tag.trim();
    if tag.is_empty() {
        let mut count =
            QueryBuilder::<Sqlite>::new(format!("{lead}SELECT COUNT(*) FROM resources r"));
        push_filter(&mut count, kind, query, now);
        return count;
    }
    let mut probe = QueryBuilder::<Sqlite>::new("");
    push_item_filter(&mut probe, query, now);
    let needs_item = !probe.sql().is_empty();
    let from = if needs_item {
        "resource_tags t JOIN resources r ON r.kind = t.kind \
         AND r.account = t.account AND r.region = t.region AND r.id = t.id"
    } else {
        "resource_tags t"
    };
    let mut count = QueryBuilder::<Sqlite>::new(format!("{lead}SELECT COUNT(*) FROM {from}"));
    count.push(" WHERE t.kind = ");
    count.push_bind(kind.as_str().to_string());
    count.push(if query.removed {
        " AND t.gone = 1"
    } else {
        " AND t.gone = 0"
    });
    push_tag(&mut count, tag);
    push_scope(&mut count, "t", query);
    push_item_filter(&mut count, query, now);
    count
}

/// ` AND <alias>.account = …` and the same for the region, for those the query names.
pub(super) fn push_scope(sql: &mut QueryBuilder<'_, Sqlite>, alias: &str, query: &InventoryQuery) {
    for (column, value) in [("account", &query.account), ("region", &query.region)] {
        if !value.is_empty() {
            sql.push(format!(" AND {alias}.{column} = "));
            sql.push_bind(value.clone());
        }
    }
}

/// ` AND t.key = …` (and the value, for `Key=Value`) on the tag table `t`.
fn push_tag(sql: &mut QueryBuilder<'_, Sqlite>, tag: &str) {
    sql.push(" AND t.key = ");
    match tag.split_once('=') {
        Some((key, value)) => {
            sql.push_bind(key.trim().to_string());
            sql.push(" AND t.value = ");
            sql.push_bind(value.trim().to_string());
        }
        None => {
            sql.push_bind(tag.to_string());
        }
    }
}

/// The filters on an item's own columns (`r`): status, free text and the expiry window.
pub(super) fn push_item_filter(
    sql: &mut QueryBuilder<'_, Sqlite>,
    query: &InventoryQuery,
    now: &str,
) {
    if !query.status.is_empty() {
        sql.push(" AND r.status = ");
        sql.push_bind(query.status.clone());
    }
    // Every word, anywhere, as the search across every kind matches them.
    for word in query.words() {
        sql.push(" AND r.search LIKE ");
        sql.push_bind(format!("%{}%", escape_like(&word)));
        sql.push(" ESCAPE '\\'");
    }
    match query.expires.as_str() {
        "expired" => {
            sql.push(" AND r.expires_at < ");
            sql.push_bind(now.to_string());
        }
        "none" => {
            sql.push(" AND r.expires_at IS NULL");
        }
        window => {
            let range = EXPIRY_WINDOWS
                .iter()
                .find(|(value, _, _)| *value == window)
                .and_then(|(_, _, range)| *range);
            if let Some((from, until)) = range {
                let at = |days: i64| {
                    chrono::DateTime::parse_from_rfc3339(now)
                        .map(|at| at.with_timezone(&chrono::Utc) + chrono::Duration::days(days))
                        .map(super::timestamp)
                        .unwrap_or_default()
                };
                sql.push(" AND r.expires_at >= ");
                sql.push_bind(at(from));
                if let Some(until) = until {
                    sql.push(" AND r.expires_at < ");
                    sql.push_bind(at(until));
                }
            }
        }
    }
}

pub(super) fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}
