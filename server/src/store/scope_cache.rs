//! The cache of one scope (a kind in one account and region) as a sync compares it with what
//! AWS listed: what is cached there, items AWS stopped listing, and when the scope was read.

use app::model::{Field, ResourceKind, Tag};
use sqlx::SqliteConnection;

use super::sql::{Bind, SqlResult};

/// A cached item as a sync compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cached {
    pub id: String,
    pub name: String,
    pub expires_at: Option<String>,
    pub tags: Vec<Tag>,
    pub fields: Vec<Field>,
    pub last_seen: String,
    pub gone_at: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    expires_at: Option<String>,
    tags: String,
    fields: String,
    last_seen: String,
    gone_at: Option<String>,
}

/// Every cached item of the scope, removed ones included. A scope, not a whole kind: a sync
/// holds one account and region of one kind at a time.
pub async fn items(
    conn: &mut SqliteConnection,
    kind: ResourceKind,
    account: &str,
    region: &str,
) -> SqlResult<Vec<Cached>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, expires_at, tags, fields, last_seen, gone_at FROM resources
         WHERE kind = ? AND account = ? AND region = ?",
    )
    .bind_scope(kind.as_str(), account, region)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| Cached {
            id: row.id,
            name: row.name,
            expires_at: row.expires_at,
            tags: serde_json::from_str(&row.tags).unwrap_or_default(),
            fields: serde_json::from_str(&row.fields).unwrap_or_default(),
            last_seen: row.last_seen,
            gone_at: row.gone_at,
        })
        .collect())
}

/// Marks an item as no longer listed by AWS, from `at` on; its tags leave the tag filters of
/// the present items with it.
pub async fn mark_gone(
    conn: &mut SqliteConnection,
    kind: ResourceKind,
    account: &str,
    region: &str,
    id: &str,
    at: &str,
) -> SqlResult<()> {
    sqlx::query(
        "UPDATE resources SET gone_at = ? WHERE kind = ? AND account = ? AND region = ? AND id = ?",
    )
    .bind(at)
    .bind_scope(kind.as_str(), account, region)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE resource_tags SET gone = 1 WHERE kind = ? AND account = ? AND region = ? AND id = ?",
    )
    .bind_scope(kind.as_str(), account, region)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Forgets removed items marked gone before `before`; answers how many.
pub async fn purge_gone(conn: &mut SqliteConnection, before: &str) -> SqlResult<u64> {
    let purged = sqlx::query("DELETE FROM resources WHERE gone_at IS NOT NULL AND gone_at < ?")
        .bind(before)
        .execute(&mut *conn)
        .await?;
    Ok(purged.rows_affected())
}

/// Records that the scope was read from AWS at `at`.
pub async fn mark_read(
    conn: &mut SqliteConnection,
    kind: ResourceKind,
    account: &str,
    region: &str,
    at: &str,
) -> SqlResult<()> {
    sqlx::query(
        "INSERT INTO resource_syncs (kind, account, region, synced_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (kind, account, region) DO UPDATE SET synced_at = excluded.synced_at",
    )
    .bind_scope(kind.as_str(), account, region)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
