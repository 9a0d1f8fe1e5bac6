//! The reads of a share view: a fixed selection of the cache, paged and sorted, and one item
//! looked up *within* that selection. The selection is part of every query's WHERE clause, so an
//! item outside it cannot be read whatever the URL asks for.

use super::inventory_filter::{push_filter, push_item_filter};
use super::inventory_order::order_by;
use super::resources::{fetch, Row, COLUMNS};
use super::sql::{push_page, push_window, SqlResult};
use app::model::{AwsItem, InventoryQuery, ResourceKind, ResourceRef, INVENTORY_PAGE_SIZE};
use sqlx::{QueryBuilder, Sqlite, SqlitePool};

/// The part of the cache a link shows.
#[derive(Debug, Clone, Copy)]
pub enum Selection<'a> {
    /// One kind under an inventory filter (its sort and page are ignored).
    Kind {
        kind: ResourceKind,
        filter: &'a InventoryQuery,
    },
    /// Dated items of every kind still in AWS, in an expiry window, in one account or all.
    Dated { account: &'a str, expires: &'a str },
    /// One item.
    Item(&'a ResourceRef),
}

fn push_selection(sql: &mut QueryBuilder<'_, Sqlite>, selection: Selection<'_>, now: &str) {
    match selection {
        Selection::Kind { kind, filter } => push_filter(sql, kind, filter, now),
        Selection::Dated { account, expires } => {
            sql.push(" WHERE ");
            sql.push(super::sql::COUNTED_EXPIRING);
            if !account.is_empty() {
                sql.push(" AND r.account = ");
                sql.push_bind(account.to_string());
            }
            let window = InventoryQuery {
                expires: expires.to_string(),
                ..Default::default()
            };
            push_item_filter(sql, &window, now);
        }
        Selection::Item(item) => {
            sql.push(" WHERE r.kind = ");
            sql.push_bind(item.kind.as_str().to_string());
            push_key(sql, item);
        }
    }
}

fn push_key(sql: &mut QueryBuilder<'_, Sqlite>, item: &ResourceRef) {
    sql.push(" AND r.account = ");
    sql.push_bind(item.account.clone());
    sql.push(" AND r.region = ");
    sql.push_bind(item.region.clone());
    sql.push(" AND r.id = ");
    sql.push_bind(item.id.clone());
}

/// One page (1-based) of the selection, sorted by a sort the inventory knows, and the total.
pub async fn page(
    pool: &SqlitePool,
    selection: Selection<'_>,
    sort: &str,
    page: u32,
    now: &str,
) -> SqlResult<(Vec<AwsItem>, usize)> {
    let mut count = QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM resources r");
    push_selection(&mut count, selection, now);
    let (total,): (i64,) = count.build_query_as().fetch_one(pool).await?;
    let mut select = QueryBuilder::<Sqlite>::new(format!("SELECT {COLUMNS} FROM resources r"));
    push_selection(&mut select, selection, now);
    select.push(" ORDER BY ");
    select.push(order_by(sort).as_str());
    push_page(&mut select, page, INVENTORY_PAGE_SIZE);
    Ok((
        fetch(select, pool).await?,
        usize::try_from(total).unwrap_or(0),
    ))
}

/// `item`, only if it is in the selection.
pub async fn find(
    pool: &SqlitePool,
    selection: Selection<'_>,
    item: &ResourceRef,
    now: &str,
) -> SqlResult<Option<AwsItem>> {
    let mut select = QueryBuilder::<Sqlite>::new(format!("SELECT {COLUMNS} FROM resources r"));
    push_selection(&mut select, selection, now);
    select.push(" AND r.kind = ");
    select.push_bind(item.kind.as_str().to_string());
    push_key(&mut select, item);
    let row: Option<Row> = select.build_query_as().fetch_optional(pool).await?;
    Ok(row.and_then(Row::into_resource))
}

/// Every item of the selection, in pages of `batch`, sorted: for the share view's CSV.
pub async fn batch(
    pool: &SqlitePool,
    selection: Selection<'_>,
    sort: &str,
    offset: i64,
    batch: i64,
    now: &str,
) -> SqlResult<Vec<AwsItem>> {
    let mut select = QueryBuilder::<Sqlite>::new(format!("SELECT {COLUMNS} FROM resources r"));
    push_selection(&mut select, selection, now);
    select.push(" ORDER BY ");
    select.push(order_by(sort).as_str());
    push_window(&mut select, batch, offset);
    fetch(select, pool).await
}
