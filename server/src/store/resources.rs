//! The `resources` cache, its `resource_tags` and `resource_syncs`: what the inventories read.
//! An inventory page is one SQL query (filter, sort, page) and one count, both on indices.

use app::model::{AwsItem, Field, InventoryQuery, ResourceKind, ResourceRef, Tag};
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::inventory_filter::{count_query, push_filter};
use super::inventory_order::order_by;
use super::sql::{push_page, Bind, SqlResult};

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    kind: String,
    account: String,
    region: String,
    id: String,
    account_id: String,
    name: String,
    status: String,
    expires_at: Option<String>,
    tags: String,
    fields: String,
    last_seen: String,
}

impl Row {
    pub(super) fn into_resource(self) -> Option<AwsItem> {
        Some(AwsItem {
            item: ResourceRef {
                kind: ResourceKind::parse(&self.kind)?,
                account: self.account,
                region: self.region,
                id: self.id,
            },
            account_id: self.account_id,
            name: self.name,
            status: self.status,
            expires_at: self.expires_at,
            tags: serde_json::from_str::<Vec<Tag>>(&self.tags).unwrap_or_default(),
            fields: serde_json::from_str::<Vec<Field>>(&self.fields).unwrap_or_default(),
            last_seen: self.last_seen,
            expires_in_days: None,
        })
    }
}

pub(super) const COLUMNS: &str =
    "kind, account, region, id, account_id, name, status, expires_at, tags, fields, last_seen";

/// What the free-text searches (an inventory's, and the one across every kind through the
/// `search_index` it feeds) match: id, name, account id, ARN, tag keys and values, lower-cased.
/// Migration `search_index` computes the same for items cached before it.
pub(super) fn search_text(resource: &AwsItem) -> String {
    let mut text = format!(
        "{}\n{}\n{}",
        resource.item.id, resource.name, resource.account_id
    );
    for arn in resource.fields.iter().filter(|field| field.label == "ARN") {
        text.push('\n');
        text.push_str(&arn.value);
    }
    for tag in &resource.tags {
        text.push('\n');
        text.push_str(&tag.key);
        text.push('\n');
        text.push_str(&tag.value);
    }
    text.to_lowercase()
}

pub async fn upsert(conn: &mut SqliteConnection, resource: &AwsItem) -> SqlResult<()> {
    sqlx::query(
        "INSERT INTO resources (kind, account, region, id, account_id, name, status, expires_at, tags, fields, last_seen, search)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, account, region, id) DO UPDATE SET
           account_id = excluded.account_id, name = excluded.name, status = excluded.status,
           expires_at = excluded.expires_at, tags = excluded.tags, fields = excluded.fields,
           last_seen = excluded.last_seen, search = excluded.search, gone_at = NULL",
    )
    .bind_item(&resource.item)
    .bind(&resource.account_id)
    .bind(&resource.name)
    .bind(&resource.status)
    .bind(&resource.expires_at)
    .bind(serde_json::to_string(&resource.tags).unwrap_or_else(|_| "[]".into()))
    .bind(serde_json::to_string(&resource.fields).unwrap_or_else(|_| "[]".into()))
    .bind(&resource.last_seen)
    .bind(search_text(resource))
    .execute(&mut *conn)
    .await?;
    replace_tags(conn, resource).await
}

async fn replace_tags(conn: &mut SqliteConnection, resource: &AwsItem) -> SqlResult<()> {
    let item = &resource.item;
    sqlx::query(
        "DELETE FROM resource_tags WHERE kind = ? AND account = ? AND region = ? AND id = ?",
    )
    .bind_item(item)
    .execute(&mut *conn)
    .await?;
    if resource.tags.is_empty() {
        return Ok(());
    }
    let mut insert = QueryBuilder::<Sqlite>::new(
        "INSERT OR REPLACE INTO resource_tags (kind, account, region, id, key, value) ",
    );
    insert.push_values(&resource.tags, |mut row, tag| {
        row.push_bind(item.kind.as_str())
            .push_bind(&item.account)
            .push_bind(&item.region)
            .push_bind(&item.id)
            .push_bind(&tag.key)
            .push_bind(&tag.value);
    });
    insert.build().execute(&mut *conn).await?;
    Ok(())
}

pub async fn delete(conn: &mut SqliteConnection, item: &ResourceRef) -> SqlResult<()> {
    sqlx::query("DELETE FROM resources WHERE kind = ? AND account = ? AND region = ? AND id = ?")
        .bind_item(item)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One page of an inventory: the items of `kind` matching `query`, sorted, and how many match
/// in all. `now` (a stored timestamp) anchors the expiry windows.
pub async fn page(
    pool: &SqlitePool,
    kind: ResourceKind,
    query: &InventoryQuery,
    page: u32,
    now: &str,
) -> SqlResult<(Vec<AwsItem>, usize)> {
    let total: i64 = if filters_nothing(query) {
        // The kind's number of items as triggers keep it (migration `kind_counts`).
        sqlx::query_scalar(
            "SELECT ifnull((SELECT items FROM kind_counts WHERE kind = ? AND gone = ?), 0)",
        )
        .bind(kind.as_str())
        .bind(query.removed)
        .fetch_one(pool)
        .await?
    } else {
        count_query("", kind, query, now)
            .build_query_as::<(i64,)>()
            .fetch_one(pool)
            .await?
            .0
    };

    let mut select = select_page(
        &format!("SELECT {COLUMNS} FROM resources r"),
        kind,
        query,
        now,
    );
    push_page(&mut select, page, query.page_size());
    Ok((
        fetch(select, pool).await?,
        usize::try_from(total).unwrap_or(0),
    ))
}

/// Each kind's number of items still in AWS, as triggers keep them (migration `kind_counts`):
/// the navigation's counts, one small read.
pub async fn live_counts(pool: &SqlitePool) -> SqlResult<Vec<(String, i64)>> {
    sqlx::query_as("SELECT kind, items FROM kind_counts WHERE gone = 0")
        .fetch_all(pool)
        .await
}

/// Whether `query` shows every item of its kind (still in AWS, or removed): no filter that
/// [`push_filter`] would write.
fn filters_nothing(query: &InventoryQuery) -> bool {
    query.q.trim().is_empty()
        && query.account.is_empty()
        && query.region.is_empty()
        && query.status.is_empty()
        && query.tag.trim().is_empty()
        && query.expires.is_empty()
}

/// The cached items `select` reads (as [`COLUMNS`]), leaving out a kind this trustdesk does not
/// know.
pub(super) async fn fetch(
    mut select: QueryBuilder<'_, Sqlite>,
    pool: &SqlitePool,
) -> SqlResult<Vec<AwsItem>> {
    let rows: Vec<Row> = select.build_query_as().fetch_all(pool).await?;
    Ok(rows.into_iter().filter_map(Row::into_resource).collect())
}

/// `prefix` (a SELECT over `resources r`) with the query's filter and order.
fn select_page<'q>(
    prefix: &str,
    kind: ResourceKind,
    query: &InventoryQuery,
    now: &str,
) -> QueryBuilder<'q, Sqlite> {
    let mut select = QueryBuilder::<Sqlite>::new(prefix);
    push_filter(&mut select, kind, query, now);
    select.push(" ORDER BY ");
    select.push(order_by(&query.sort));
    select
}

/// The statuses the cached items of a kind (those still in AWS) have, for the filter's choices.
/// A kind has a handful of statuses but may have tens of thousands of items, so this hops from
/// one status to the next on the (kind, gone_at, status) index, one seek each, instead of reading
/// every entry of the kind.
pub async fn statuses(pool: &SqlitePool, kind: ResourceKind) -> SqlResult<Vec<String>> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "WITH RECURSIVE s(status) AS ( \
           SELECT (SELECT MIN(status) FROM resources WHERE kind = ?1 AND gone_at IS NULL AND status > '') \
           UNION ALL \
           SELECT (SELECT MIN(status) FROM resources WHERE kind = ?1 AND gone_at IS NULL AND status > s.status) \
           FROM s WHERE s.status IS NOT NULL) \
         SELECT status FROM s WHERE status IS NOT NULL",
    )
    .bind(kind.as_str())
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|(status,)| status).collect())
}

pub async fn get(pool: &SqlitePool, item: &ResourceRef) -> SqlResult<Option<AwsItem>> {
    get_in(&mut *pool.acquire().await?, item).await
}

/// [`get`] inside a transaction (e.g. to change a cached item under the write lock).
pub async fn get_in(conn: &mut SqliteConnection, item: &ResourceRef) -> SqlResult<Option<AwsItem>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM resources WHERE kind = ? AND account = ? AND region = ? AND id = ?"
    ))
    .bind_item(item)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.and_then(Row::into_resource))
}

/// `(account, region, synced_at)` for one kind.
pub async fn syncs(
    pool: &SqlitePool,
    kind: ResourceKind,
) -> SqlResult<Vec<(String, String, String)>> {
    sqlx::query_as("SELECT account, region, synced_at FROM resource_syncs WHERE kind = ?")
        .bind(kind.as_str())
        .fetch_all(pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::model::INVENTORY_PAGE_SIZE;

    /// The plan SQLite chooses for an inventory page, one line per step.
    async fn plan(pool: &SqlitePool, query: &InventoryQuery) -> Vec<String> {
        let mut explain = select_page(
            &format!("EXPLAIN QUERY PLAN SELECT {COLUMNS} FROM resources r"),
            ResourceKind::VerificationToken,
            query,
            "2026-11-22T00:00:00.000Z",
        );
        explain.push(" LIMIT 25");
        crate::store::expiry::tests::steps(pool, explain).await
    }

    /// Every order a page can ask for is an index's, filtered by account or status or not: a
    /// page never sorts (which would read every row before it from the table).
    #[tokio::test]
    async fn every_order_is_read_from_an_index_without_sorting() {
        let (_dir, db) = crate::store::temp_db().await;
        let sorts = [
            "", "-expiry", "name", "-name", "account", "-account", "region", "-region", "status",
            "-status",
        ];
        for sort in sorts {
            for (account, status) in [("", ""), ("prod", ""), ("", "valid")] {
                // Sorted by region, then account: an account filter leaves SQLite ordering each
                // region's items by name itself (a rare view; no index for it).
                if sort.ends_with("region") && !account.is_empty() {
                    continue;
                }
                let query = InventoryQuery {
                    sort: sort.into(),
                    account: account.into(),
                    status: status.into(),
                    ..Default::default()
                };
                let steps = plan(db.pool(), &query).await;
                assert!(
                    steps.iter().all(|s| !s.contains("TEMP B-TREE")),
                    "{query:?} sorts: {steps:?}"
                );
                assert!(
                    steps
                        .iter()
                        .any(|s| s.starts_with("SEARCH r USING INDEX resources_by_kind_")),
                    "{query:?}: {steps:?}"
                );
            }
        }
    }

    #[tokio::test]
    async fn inventory_pages_never_scan_the_whole_cache() {
        let (_dir, db) = crate::store::temp_db().await;
        let queries = [
            InventoryQuery::default(),
            InventoryQuery {
                tag: "Team=platform".into(),
                account: "prod".into(),
                ..Default::default()
            },
            InventoryQuery {
                sort: "name".into(),
                status: "expired".into(),
                ..Default::default()
            },
            InventoryQuery {
                q: "web".into(),
                expires: "30d".into(),
                sort: "-expiry".into(),
                ..Default::default()
            },
        ];
        for query in queries {
            let steps = plan(db.pool(), &query).await;
            for step in &steps {
                let reads_a_table = step.starts_with("SCAN") || step.starts_with("SEARCH");
                let by_index = step.contains("USING INDEX")
                    || step.contains("USING COVERING INDEX")
                    || step.contains("USING PRIMARY KEY");
                assert!(
                    !reads_a_table || by_index,
                    "{query:?} reads a table without an index: {steps:?}"
                );
            }
        }
    }

    /// The number an inventory without a filter shows comes from the counts triggers keep; they
    /// equal a count of the items through inserts, rewrites, removals in AWS, returns and
    /// deletions, for items still in AWS and removed alike.
    #[tokio::test]
    async fn the_kept_kind_counts_equal_a_count_through_every_change() {
        let (_dir, db) = crate::store::temp_db().await;
        let now = "2026-12-06T00:00:00.000Z";
        let agree = |step: &'static str| {
            let pool = db.pool().clone();
            async move {
                for kind in [ResourceKind::VerificationToken, ResourceKind::LicenseToken] {
                    for removed in [false, true] {
                        let query = InventoryQuery {
                            removed,
                            ..Default::default()
                        };
                        let (_, kept) = page(&pool, kind, &query, 1, now).await.unwrap();
                        let counted: (i64,) = count_query("", kind, &query, now)
                            .build_query_as()
                            .fetch_one(&pool)
                            .await
                            .unwrap();
                        assert_eq!(
                            kept as i64, counted.0,
                            "{step}: {kind:?}, removed {removed}"
                        );
                    }
                }
            }
        };
        agree("empty").await;
        let token = |n: usize| crate::store::dated_token(&format!("t-{n}"), now);
        let mut tx = db.begin_write().await.unwrap();
        for n in 0..30 {
            upsert(&mut tx, &token(n)).await.unwrap();
        }
        let license = AwsItem {
            item: ResourceRef {
                kind: ResourceKind::LicenseToken,
                ..token(99).item
            },
            ..token(99)
        };
        upsert(&mut tx, &license).await.unwrap();
        tx.commit().await.unwrap();
        agree("inserted").await;
        let mut tx = db.begin_write().await.unwrap();
        for n in 0..30 {
            upsert(&mut tx, &token(n)).await.unwrap();
        }
        for n in 0..10 {
            let item = token(n).item;
            crate::store::scope_cache::mark_gone(
                &mut tx,
                item.kind,
                &item.account,
                &item.region,
                &item.id,
                now,
            )
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
        agree("rewritten, ten removed in AWS").await;
        let mut tx = db.begin_write().await.unwrap();
        upsert(&mut tx, &token(0)).await.unwrap();
        delete(&mut tx, &token(1).item).await.unwrap();
        delete(&mut tx, &token(20).item).await.unwrap();
        delete(&mut tx, &license.item).await.unwrap();
        tx.commit().await.unwrap();
        agree("one back in AWS, deletions").await;
        let mut tx = db.begin_write().await.unwrap();
        crate::store::scope_cache::purge_gone(&mut tx, "2027-01-01T00:00:00.000Z")
            .await
            .unwrap();
        tx.commit().await.unwrap();
        agree("removed items forgotten").await;
    }

    /// A kind's rows lie scattered over the table: a count that read each would read most of
    /// the file for every inventory page.
    #[tokio::test]
    async fn counts_without_a_tag_read_an_index_alone() {
        let (_dir, db) = crate::store::temp_db().await;
        for query in [
            InventoryQuery::default(),
            InventoryQuery {
                account: "prod".into(),
                region: "us-east-1".into(),
                ..Default::default()
            },
            InventoryQuery {
                removed: true,
                ..Default::default()
            },
        ] {
            let steps = crate::store::expiry::tests::steps(
                db.pool(),
                count_query(
                    "EXPLAIN QUERY PLAN ",
                    ResourceKind::VerificationToken,
                    &query,
                    "2026-11-22T00:00:00.000Z",
                ),
            )
            .await;
            assert!(
                steps.iter().all(|step| step.contains("COVERING INDEX")),
                "{query:?}: {steps:?}"
            );
        }
    }

    fn cached(n: usize) -> AwsItem {
        AwsItem {
            item: ResourceRef {
                kind: ResourceKind::VerificationToken,
                account: if n.is_multiple_of(2) { "prod" } else { "dev" }.into(),
                region: if n.is_multiple_of(3) {
                    "eu-west-1"
                } else {
                    "us-east-1"
                }
                .into(),
                id: format!("token-{n:03}"),
            },
            account_id: "123456789012".into(),
            name: format!("token {n}"),
            status: if n.is_multiple_of(5) {
                "expired"
            } else {
                "valid"
            }
            .into(),
            expires_at: Some(format!("2026-12-{:02}T00:00:00.000Z", 1 + n % 28)),
            tags: [("Team", ["web", "data"][n % 2]), ("Owner", "a@example.com")]
                .into_iter()
                .take(1 + n % 2)
                .map(|(key, value)| Tag {
                    key: key.into(),
                    value: value.into(),
                })
                .collect(),
            fields: Vec::new(),
            last_seen: "2026-11-22T00:00:00.000Z".into(),
            expires_in_days: None,
        }
    }

    #[tokio::test]
    async fn counts_on_the_tag_index_match_the_items_and_use_indices() {
        let (_dir, db) = crate::store::temp_db().await;
        let items: Vec<AwsItem> = (0..60).map(cached).collect();
        let mut conn = db.pool().acquire().await.expect("connection");
        for item in &items {
            upsert(&mut conn, item).await.expect("upsert");
        }
        drop(conn);
        assert_eq!(
            statuses(db.pool(), ResourceKind::VerificationToken)
                .await
                .expect("statuses"),
            vec!["expired".to_string(), "valid".to_string()]
        );
        assert!(statuses(db.pool(), ResourceKind::TrustProvider)
            .await
            .expect("statuses")
            .is_empty());
        let now = "2026-12-10T00:00:00.000Z";
        let queries = [
            ("Team=web", "", "", ""),
            ("Team=web", "prod", "", ""),
            ("Team=data", "dev", "eu-west-1", ""),
            ("Owner", "", "", ""),
            ("Owner", "", "", "expired"),
            ("Team=web", "prod", "", "valid"),
            ("Nope=x", "", "", ""),
        ];
        for (tag, account, region, status) in queries {
            let query = InventoryQuery {
                tag: tag.into(),
                account: account.into(),
                region: region.into(),
                status: status.into(),
                ..Default::default()
            };
            let expected = items
                .iter()
                .filter(|i| account.is_empty() || i.item.account == account)
                .filter(|i| region.is_empty() || i.item.region == region)
                .filter(|i| status.is_empty() || i.status == status)
                .filter(|i| {
                    let (key, value) = tag.split_once('=').unwrap_or((tag, ""));
                    i.tags
                        .iter()
                        .any(|t| t.key == key && (value.is_empty() || t.value == value))
                })
                .count();
            let (rows, total) = page(db.pool(), ResourceKind::VerificationToken, &query, 1, now)
                .await
                .expect("page");
            assert_eq!(total, expected, "{query:?}");
            assert_eq!(rows.len(), expected.min(INVENTORY_PAGE_SIZE), "{query:?}");

            let steps = crate::store::expiry::tests::steps(
                db.pool(),
                count_query(
                    "EXPLAIN QUERY PLAN ",
                    ResourceKind::VerificationToken,
                    &query,
                    now,
                ),
            )
            .await;
            for step in &steps {
                assert!(
                    !step.starts_with("SCAN"),
                    "{query:?} counts by scanning: {steps:?}"
                );
            }
        }
    }
}
