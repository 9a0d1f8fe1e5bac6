//! Whole views of the resources cache read in batches, for exports. Each batch is one short
//! query that starts just after the last item of the batch before (keyset paging on the view's
//! own sort terms and the row id), so an export of any size holds one batch in memory, never
//! keeps a read transaction open while a client downloads, and neither skips nor repeats an item
//! when a sync removes or adds others between two batches (as OFFSET paging would).

use super::sql::{SqlResult, COUNTED_EXPIRING};
use app::model::{AwsItem, InventoryQuery, ResourceKind};
use serde::Deserialize;
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::inventory_filter::{push_filter, push_item_filter, push_scope, push_tag_exists};
use super::inventory_order::{order_terms, sort_keys, SortKey};
use super::resources::{Row, COLUMNS};

/// Which items an export walks.
#[derive(Debug, Clone)]
pub enum View {
    /// One kind's inventory, filtered and sorted as its page is (the page number is ignored).
    Inventory {
        kind: ResourceKind,
        query: InventoryQuery,
    },
    /// The dated items still in AWS, soonest first, of one kind or all: the expiry list. Only
    /// the filter's account, region, tag, text, status and expiry window apply.
    Expiry {
        kind: Option<ResourceKind>,
        filter: InventoryQuery,
    },
}

/// The expiry list's order; the row id after it makes every order total.
const EXPIRY_ORDER: &[SortKey] = &[
    ("r.expires_at", false),
    ("r.kind", false),
    ("r.account", false),
    ("r.region", false),
    ("r.id", false),
];

impl View {
    fn sort_keys(&self) -> &'static [SortKey] {
        match self {
            View::Inventory { query, .. } => sort_keys(&query.sort),
            View::Expiry { .. } => EXPIRY_ORDER,
        }
    }

    fn push_filter(&self, sql: &mut QueryBuilder<'_, Sqlite>, now: &str) {
        match self {
            View::Inventory { kind, query } => push_filter(sql, *kind, query, now),
            View::Expiry { kind, filter } => {
                // `expires_at IS NOT NULL` lets SQLite walk the partial expiry index.
                sql.push(" WHERE ");
                sql.push(COUNTED_EXPIRING);
                if let Some(kind) = kind {
                    sql.push(" AND r.kind = ");
                    sql.push_bind(kind.as_str().to_string());
                }
                push_scope(sql, "r", filter);
                push_tag_exists(sql, filter);
                push_item_filter(sql, filter, now);
            }
        }
    }
}

/// One value of a sort term (or the row id) of the last item a batch read.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum KeyValue {
    Int(i64),
    Text(String),
}

/// Where the next batch starts: the sort terms' values of the last item read, then its row id.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor(Vec<KeyValue>);

impl Cursor {
    /// From a batch query's `json_array(…)` of the last row's sort terms.
    pub(super) fn parse(json: &str) -> SqlResult<Self> {
        serde_json::from_str::<Vec<KeyValue>>(json)
            .map(Cursor)
            .map_err(|error| sqlx::Error::Decode(Box::new(error)))
    }
}

/// A cached item as an export lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub item: AwsItem,
    /// When the sync found the item gone from AWS, if it did.
    pub removed_at: Option<String>,
}

#[derive(sqlx::FromRow)]
struct BatchRow {
    #[sqlx(flatten)]
    row: Row,
    removed_at: Option<String>,
    batch_cursor: String,
}

/// Up to `limit` items of `view` after `after` (from the start without one), in the view's
/// order, each with the cursor that continues after it. `now` anchors the expiry windows.
pub async fn batch(
    pool: &SqlitePool,
    view: &View,
    now: &str,
    after: Option<&Cursor>,
    limit: usize,
) -> SqlResult<Vec<(Listed, Cursor)>> {
    let mut sql = batch_query("", view, now, after, limit)?;
    let rows: Vec<BatchRow> = sql.build_query_as().fetch_all(pool).await?;
    let mut listed = Vec::with_capacity(rows.len());
    for row in rows {
        let cursor = Cursor::parse(&row.batch_cursor)?;
        if let Some(item) = row.row.into_resource() {
            listed.push((
                Listed {
                    item,
                    removed_at: row.removed_at,
                },
                cursor,
            ));
        }
    }
    Ok(listed)
}

/// The query of one batch; `lead` goes before the SELECT (`EXPLAIN QUERY PLAN ` in tests).
fn batch_query<'q>(
    lead: &str,
    view: &View,
    now: &str,
    after: Option<&Cursor>,
    limit: usize,
) -> SqlResult<QueryBuilder<'q, Sqlite>> {
    let mut keys: Vec<SortKey> = view.sort_keys().to_vec();
    keys.push(("r.rowid", false));
    let cursor = cursor_of(&keys);
    let mut sql = QueryBuilder::<Sqlite>::new(format!(
        "{lead}SELECT {COLUMNS}, r.gone_at AS removed_at, {cursor} AS batch_cursor \
         FROM resources r"
    ));
    view.push_filter(&mut sql, now);
    push_batch(&mut sql, &keys, after, limit)?;
    Ok(sql)
}

/// `json_array(k1, k2, …)`: a row's cursor, its values of the sort `keys`.
pub(super) fn cursor_of(keys: &[SortKey]) -> String {
    let terms: Vec<&str> = keys.iter().map(|(term, _)| *term).collect();
    format!("json_array({})", terms.join(", "))
}

/// The end of a batch's query: after `after` (from the first row without one), in the order
/// of `keys`, at most `limit` rows.
pub(super) fn push_batch(
    sql: &mut QueryBuilder<'_, Sqlite>,
    keys: &[SortKey],
    after: Option<&Cursor>,
    limit: usize,
) -> SqlResult<()> {
    if let Some(cursor) = after {
        push_after(sql, keys, cursor)?;
    }
    sql.push(" ORDER BY ");
    sql.push(order_terms(keys));
    sql.push(" LIMIT ");
    sql.push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
    Ok(())
}

/// ` AND …` the items strictly after `cursor` in the order of `keys`:
/// `k1 > v1 OR (k1 = v1 AND (k2 > v2 OR (k2 = v2 AND …)))`, with `<` for descending terms.
/// The first term's bound is repeated on its own (`k1 >= v1`) so that SQLite can start on the
/// index of the first term instead of reading the view from its beginning.
pub(super) fn push_after(
    sql: &mut QueryBuilder<'_, Sqlite>,
    keys: &[SortKey],
    cursor: &Cursor,
) -> SqlResult<()> {
    if cursor.0.len() != keys.len() {
        return Err(sqlx::Error::Protocol(format!(
            "an export's cursor has {} values for {} sort terms",
            cursor.0.len(),
            keys.len()
        )));
    }
    let bind = |sql: &mut QueryBuilder<'_, Sqlite>, value: &KeyValue| match value {
        KeyValue::Int(n) => {
            sql.push_bind(*n);
        }
        KeyValue::Text(text) => {
            sql.push_bind(text.clone());
        }
    };
    let ((first, first_descending), first_value) = (keys[0], &cursor.0[0]);
    sql.push(format!(
        " AND {first} {} ",
        if first_descending { "<=" } else { ">=" }
    ));
    bind(sql, first_value);
    sql.push(" AND ");
    let last = keys.len() - 1;
    for (i, ((term, descending), value)) in keys.iter().zip(&cursor.0).enumerate() {
        let beyond = if *descending { "<" } else { ">" };
        if i == last {
            sql.push(format!("{term} {beyond} "));
            bind(sql, value);
        } else {
            sql.push(format!("({term} {beyond} "));
            bind(sql, value);
            sql.push(format!(" OR ({term} = "));
            bind(sql, value);
            sql.push(" AND ");
        }
    }
    sql.push(")".repeat(2 * last));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::resources;
    use app::model::{ResourceRef, Tag, INVENTORY_PAGE_SIZE};

    const NOW: &str = "2026-12-10T00:00:00.000Z";

    /// Items with many ties: 7 names (differing in case too), 5 expiries and none, two
    /// statuses, two accounts and regions, so every sort term has equal values to step over.
    fn item(n: usize, kind: ResourceKind) -> AwsItem {
        AwsItem {
            item: ResourceRef {
                kind,
                account: ["prod", "dev"][n % 2].into(),
                region: ["us-east-1", "eu-west-1"][n / 2 % 2].into(),
                id: format!("id-{:03}", n * 37 % 101),
            },
            account_id: "123456789012".into(),
            name: ["alpha", "Alpha", "beta", "gamma", "BETA", "delta", "alpha"][n % 7].into(),
            status: ["valid", "expired"][n / 3 % 2].into(),
            expires_at: (n % 6 != 5).then(|| format!("2026-12-{:02}T00:00:00.000Z", 5 + n % 5 * 3)),
            tags: vec![Tag {
                key: "Team".into(),
                value: ["red", "blue"][n % 2].into(),
            }],
            fields: Vec::new(),
            last_seen: NOW.into(),
            expires_in_days: None,
        }
    }

    async fn seeded(n: usize) -> (tempfile::TempDir, crate::store::Db) {
        let kinds = [ResourceKind::VerificationToken, ResourceKind::TrustProvider];
        let items = (0..n).flat_map(|i| kinds.map(|kind| item(i, kind)));
        crate::store::temp_db_holding(items).await
    }

    /// Every item of `view`, read `limit` at a time.
    async fn walk(db: &crate::store::Db, view: &View, limit: usize) -> Vec<ResourceRef> {
        let mut after = None;
        let mut all = Vec::new();
        loop {
            let rows = batch(db.pool(), view, NOW, after.as_ref(), limit)
                .await
                .expect("batch");
            assert!(rows.len() <= limit);
            let done = rows.len() < limit;
            after = rows.last().map(|(_, cursor)| cursor.clone());
            all.extend(rows.into_iter().map(|(listed, _)| listed.item.item));
            if done {
                return all;
            }
        }
    }

    #[tokio::test]
    async fn batches_list_a_view_as_its_pages_do_whatever_the_sort() {
        let (_dir, db) = seeded(90).await;
        let kind = ResourceKind::VerificationToken;
        for sort in [
            "", "-expiry", "name", "-name", "account", "-account", "region", "-region", "status",
            "-status",
        ] {
            for (tag, expires) in [("", ""), ("Team=red", ""), ("", "expired"), ("", "30d")] {
                let query = InventoryQuery {
                    sort: sort.into(),
                    tag: tag.into(),
                    expires: expires.into(),
                    ..Default::default()
                };
                let mut paged = Vec::new();
                for page in 1.. {
                    let (items, total) = resources::page(db.pool(), kind, &query, page, NOW)
                        .await
                        .expect("page");
                    paged.extend(items.into_iter().map(|i| i.item));
                    if paged.len() >= total {
                        break;
                    }
                }
                assert!(!paged.is_empty(), "{query:?}");
                let view = View::Inventory {
                    kind,
                    query: query.clone(),
                };
                // Batches smaller than a page, of a page, and one for everything.
                for limit in [4, INVENTORY_PAGE_SIZE, 1000] {
                    let walked = walk(&db, &view, limit).await;
                    assert_eq!(walked, paged, "{query:?} in batches of {limit}");
                }
            }
        }
    }

    #[tokio::test]
    async fn batches_start_on_an_index_not_a_scan_of_the_cache() {
        let (_dir, db) = seeded(30).await;
        let views = [
            View::Inventory {
                kind: ResourceKind::VerificationToken,
                query: InventoryQuery::default(),
            },
            View::Inventory {
                kind: ResourceKind::VerificationToken,
                query: InventoryQuery {
                    sort: "name".into(),
                    tag: "Team=red".into(),
                    ..Default::default()
                },
            },
            View::Expiry {
                kind: None,
                filter: InventoryQuery::default(),
            },
            View::Expiry {
                kind: Some(ResourceKind::TrustProvider),
                filter: InventoryQuery {
                    expires: "30d".into(),
                    ..Default::default()
                },
            },
        ];
        for view in views {
            let first = batch(db.pool(), &view, NOW, None, 5).await.expect("batch");
            let after = first.last().map(|(_, cursor)| cursor.clone());
            for cursor in [None, after] {
                let steps: Vec<(i64, i64, i64, String)> =
                    batch_query("EXPLAIN QUERY PLAN ", &view, NOW, cursor.as_ref(), 5)
                        .expect("query")
                        .build_query_as()
                        .fetch_all(db.pool())
                        .await
                        .expect("plan");
                for (_, _, _, step) in &steps {
                    let reads_a_table = step.starts_with("SCAN") || step.starts_with("SEARCH");
                    assert!(
                        !reads_a_table || step.contains("INDEX") || step.contains("PRIMARY KEY"),
                        "{view:?} after {cursor:?}: {steps:?}"
                    );
                }
            }
        }
    }

    #[tokio::test]
    async fn the_expiry_list_is_every_dated_item_soonest_first() {
        let (_dir, db) = seeded(60).await;
        let mut conn = db.pool().acquire().await.expect("connection");
        // Gone from AWS: not on the list.
        sqlx::query("UPDATE resources SET gone_at = ?1 WHERE id = 'id-000'")
            .bind(NOW)
            .execute(&mut *conn)
            .await
            .expect("mark gone");
        drop(conn);
        let view = View::Expiry {
            kind: None,
            filter: InventoryQuery::default(),
        };
        let walked = walk(&db, &view, 7).await;
        let dated: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM resources r WHERE {}",
            COUNTED_EXPIRING
        ))
        .fetch_one(db.pool())
        .await
        .expect("count");
        assert_eq!(walked.len() as i64, dated);
        assert!(walked.iter().all(|i| i.id != "id-000"));
        let mut expiries = Vec::new();
        for item in &walked {
            let found = resources::get(db.pool(), item).await.expect("get");
            expiries.push(found.and_then(|f| f.expires_at).expect("dated"));
        }
        assert!(expiries.windows(2).all(|w| w[0] <= w[1]), "{expiries:?}");

        let one_kind = View::Expiry {
            kind: Some(ResourceKind::TrustProvider),
            filter: InventoryQuery {
                account: "dev".into(),
                expires: "7d".into(),
                ..Default::default()
            },
        };
        let walked = walk(&db, &one_kind, 3).await;
        assert!(!walked.is_empty());
        assert!(walked
            .iter()
            .all(|i| i.kind == ResourceKind::TrustProvider && i.account == "dev"));
    }
}
