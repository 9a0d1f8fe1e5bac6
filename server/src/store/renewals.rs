//! Renewal links: an item made through trustdesk as the successor of another ("renews" /
//! "renewed by"). Triggers keep the renewed item's `renewed_at`, which takes it out of every
//! count, list and alert of what expires, and end a link whose successor is gone
//! (migration `20261211000001_renewals`).

use app::model::{LinkedItem, RenewalLink, RenewalLinks, ResourceKind, ResourceRef, Retirement};
use sqlx::{SqliteConnection, SqlitePool};

use super::sql::{Bind, SqlResult};

/// Links `successor` to the item it renews (of the same kind), replacing an earlier link of
/// that item.
pub async fn link(
    conn: &mut SqliteConnection,
    renewed: &ResourceRef,
    successor: &ResourceRef,
    at: &str,
    by: &str,
) -> SqlResult<()> {
    sqlx::query(
        "INSERT INTO renewals (kind, account, region, id, new_account, new_region, new_id,
                               renewed_at, renewed_by)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, account, region, id) DO UPDATE SET
           new_account = excluded.new_account, new_region = excluded.new_region,
           new_id = excluded.new_id, renewed_at = excluded.renewed_at,
           renewed_by = excluded.renewed_by, retired = ''",
    )
    .bind_item(renewed)
    .bind(&successor.account)
    .bind(&successor.region)
    .bind(&successor.id)
    .bind(at)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records what became of a renewed item; false if no link renews it.
pub async fn retire(
    conn: &mut SqliteConnection,
    renewed: &ResourceRef,
    retirement: Retirement,
) -> SqlResult<bool> {
    let done = sqlx::query(
        "UPDATE renewals SET retired = ?
         WHERE kind = ? AND account = ? AND region = ? AND id = ?",
    )
    .bind(retired_text(retirement))
    .bind_item(renewed)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

#[derive(sqlx::FromRow)]
struct Row {
    account: String,
    region: String,
    id: String,
    new_account: String,
    new_region: String,
    new_id: String,
    renewed_at: String,
    renewed_by: String,
    retired: String,
}

impl Row {
    fn renewed(&self, kind: ResourceKind) -> ResourceRef {
        ResourceRef {
            kind,
            account: self.account.clone(),
            region: self.region.clone(),
            id: self.id.clone(),
        }
    }

    fn successor(&self, kind: ResourceKind) -> ResourceRef {
        ResourceRef {
            kind,
            account: self.new_account.clone(),
            region: self.new_region.clone(),
            id: self.new_id.clone(),
        }
    }
}

const COLUMNS: &str =
    "account, region, id, new_account, new_region, new_id, renewed_at, renewed_by, retired";

/// The item `item` renews and the item that renews it.
pub async fn of(pool: &SqlitePool, item: &ResourceRef) -> SqlResult<RenewalLinks> {
    let mut conn = pool.acquire().await?;
    let renewed_by: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM renewals WHERE kind = ? AND account = ? AND region = ? AND id = ?"
    ))
    .bind_item(item)
    .fetch_optional(&mut *conn)
    .await?;
    let renews: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM renewals
         WHERE kind = ? AND new_account = ? AND new_region = ? AND new_id = ?"
    ))
    .bind_item(item)
    .fetch_optional(&mut *conn)
    .await?;
    let mut links = RenewalLinks::default();
    if let Some(row) = renewed_by {
        let other = linked(&mut conn, row.successor(item.kind)).await?;
        links.renewed_by = Some(link_of(row, other));
    }
    if let Some(row) = renews {
        let other = linked(&mut conn, row.renewed(item.kind)).await?;
        links.renews = Some(link_of(row, other));
    }
    Ok(links)
}

/// Whether the cache holds `item` as still in AWS.
pub async fn still_in_aws(pool: &SqlitePool, item: &ResourceRef) -> SqlResult<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM resources
         WHERE kind = ? AND account = ? AND region = ? AND id = ? AND gone_at IS NULL",
    )
    .bind_item(item)
    .fetch_optional(pool)
    .await?;
    Ok(found.is_some())
}

/// The item that renews `item`, if a link says so.
pub async fn successor_of(pool: &SqlitePool, item: &ResourceRef) -> SqlResult<Option<ResourceRef>> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM renewals WHERE kind = ? AND account = ? AND region = ? AND id = ?"
    ))
    .bind_item(item)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|row| row.successor(item.kind)))
}

fn link_of(row: Row, other: LinkedItem) -> RenewalLink {
    RenewalLink {
        other,
        retired: match row.retired.as_str() {
            "expire" => Retirement::LeftToExpire,
            "delete" => Retirement::Deleted,
            _ => Retirement::Undecided,
        },
        renewed_at: row.renewed_at,
        renewed_by: row.renewed_by,
    }
}

fn retired_text(retirement: Retirement) -> &'static str {
    match retirement {
        Retirement::Undecided => "",
        Retirement::LeftToExpire => "expire",
        Retirement::Deleted => "delete",
    }
}

/// `item` as the cache holds it now (its name, its expiry, whether AWS still has it).
async fn linked(conn: &mut SqliteConnection, item: ResourceRef) -> SqlResult<LinkedItem> {
    let cached: Option<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT name, expires_at, gone_at FROM resources
         WHERE kind = ? AND account = ? AND region = ? AND id = ?",
    )
    .bind_item(&item)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match cached {
        Some((name, expires_at, gone_at)) => LinkedItem {
            name,
            expires_at,
            present: gone_at.is_none(),
            item,
        },
        None => LinkedItem {
            name: item.id.clone(),
            expires_at: None,
            present: false,
            item,
        },
    })
}
