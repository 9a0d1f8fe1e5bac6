//! The `resources` cache and `resource_syncs`: what the inventories read.

use app::model::{AwsItem, Field, ResourceKind, ResourceRef, Tag};
use sqlx::{SqliteConnection, SqlitePool};

#[derive(sqlx::FromRow)]
struct Row {
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
    fn into_resource(self) -> Option<AwsItem> {
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

const COLUMNS: &str =
    "kind, account, region, id, account_id, name, status, expires_at, tags, fields, last_seen";

pub async fn upsert(conn: &mut SqliteConnection, resource: &AwsItem) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO resources (kind, account, region, id, account_id, name, status, expires_at, tags, fields, last_seen)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, account, region, id) DO UPDATE SET
           account_id = excluded.account_id, name = excluded.name, status = excluded.status,
           expires_at = excluded.expires_at, tags = excluded.tags, fields = excluded.fields,
           last_seen = excluded.last_seen",
    )
    .bind(resource.item.kind.as_str())
    .bind(&resource.item.account)
    .bind(&resource.item.region)
    .bind(&resource.item.id)
    .bind(&resource.account_id)
    .bind(&resource.name)
    .bind(&resource.status)
    .bind(&resource.expires_at)
    .bind(serde_json::to_string(&resource.tags).unwrap_or_else(|_| "[]".into()))
    .bind(serde_json::to_string(&resource.fields).unwrap_or_else(|_| "[]".into()))
    .bind(&resource.last_seen)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn delete(conn: &mut SqliteConnection, item: &ResourceRef) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM resources WHERE kind = ? AND account = ? AND region = ? AND id = ?")
        .bind(item.kind.as_str())
        .bind(&item.account)
        .bind(&item.region)
        .bind(&item.id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces what the cache holds for one kind in one account and region with what AWS listed.
pub async fn replace_scope(
    conn: &mut SqliteConnection,
    kind: ResourceKind,
    account: &str,
    region: &str,
    items: &[AwsItem],
    synced_at: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM resources WHERE kind = ? AND account = ? AND region = ?")
        .bind(kind.as_str())
        .bind(account)
        .bind(region)
        .execute(&mut *conn)
        .await?;
    for item in items {
        upsert(conn, item).await?;
    }
    sqlx::query(
        "INSERT INTO resource_syncs (kind, account, region, synced_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, account, region) DO UPDATE SET synced_at = excluded.synced_at",
    )
    .bind(kind.as_str())
    .bind(account)
    .bind(region)
    .bind(synced_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn list(pool: &SqlitePool, kind: ResourceKind) -> Result<Vec<AwsItem>, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM resources WHERE kind = ? ORDER BY account, region, id"
    ))
    .bind(kind.as_str())
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().filter_map(Row::into_resource).collect())
}

pub async fn get(pool: &SqlitePool, item: &ResourceRef) -> Result<Option<AwsItem>, sqlx::Error> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM resources WHERE kind = ? AND account = ? AND region = ? AND id = ?"
    ))
    .bind(item.kind.as_str())
    .bind(&item.account)
    .bind(&item.region)
    .bind(&item.id)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(Row::into_resource))
}

/// `(account, region, synced_at)` for one kind.
pub async fn syncs(
    pool: &SqlitePool,
    kind: ResourceKind,
) -> Result<Vec<(String, String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT account, region, synced_at FROM resource_syncs WHERE kind = ?")
        .bind(kind.as_str())
        .fetch_all(pool)
        .await
}
