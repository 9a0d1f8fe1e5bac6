//! `share_links` and their `share_views`: links are found by the SHA-256 of their token, never
//! by the token; every view is recorded and the newest views of each link are kept.

use super::sql::SqlResult;
use app::model::share::{ShareLinkSummary, ShareScope, ShareState, ShareViewRecord};
use sha2::{Digest, Sha256};
use sqlx::{SqliteConnection, SqlitePool};

/// Views kept per link; older ones are pruned as new ones arrive (the count goes on).
pub const VIEWS_KEPT: i64 = 1000;

pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A stored link, as a share request resolves it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LinkRecord {
    pub id: i64,
    pub label: String,
    pub scope: String,
    pub include_tags: bool,
    pub created_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub revoked_by: Option<String>,
    pub views: i64,
    pub last_viewed_at: Option<String>,
}

impl LinkRecord {
    /// The scope it was made with; a row that does not parse shows nothing.
    pub fn scope(&self) -> Option<ShareScope> {
        serde_json::from_str(&self.scope).ok()
    }

    /// Stored timestamps are fixed-width RFC 3339 in UTC, so they compare as text.
    pub fn state(&self, now: &str) -> ShareState {
        if self.revoked_at.is_some() {
            ShareState::Revoked
        } else if self.expires_at.as_str() <= now {
            ShareState::Expired
        } else {
            ShareState::Active
        }
    }
}

pub struct NewLink<'a> {
    pub token_hash: &'a str,
    pub label: &'a str,
    pub scope: &'a ShareScope,
    pub include_tags: bool,
    pub created_by: &'a str,
    pub created_at: &'a str,
    pub expires_at: &'a str,
}

pub async fn insert(conn: &mut SqliteConnection, link: NewLink<'_>) -> SqlResult<i64> {
    let scope = serde_json::to_string(link.scope).expect("a scope always serialises");
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO share_links (token_hash, label, scope, include_tags, created_by, created_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(link.token_hash)
    .bind(link.label)
    .bind(scope)
    .bind(link.include_tags)
    .bind(link.created_by)
    .bind(link.created_at)
    .bind(link.expires_at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

const LINK_COLUMNS: &str = "id, label, scope, include_tags, created_by, created_at, expires_at, \
                            revoked_at, revoked_by, views, last_viewed_at";

/// The link whose token hashes to `token_hash`: one lookup on a unique index, the same work
/// whether or not it exists.
pub async fn find(pool: &SqlitePool, token_hash: &str) -> SqlResult<Option<LinkRecord>> {
    sqlx::query_as(&format!(
        "SELECT {LINK_COLUMNS} FROM share_links WHERE token_hash = ?"
    ))
    .bind(token_hash)
    .fetch_optional(pool)
    .await
}

pub async fn get(conn: &mut SqliteConnection, id: i64) -> SqlResult<Option<LinkRecord>> {
    sqlx::query_as(&format!(
        "SELECT {LINK_COLUMNS} FROM share_links WHERE id = ?"
    ))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
}

/// Every link, newest first, with how many addresses viewed it.
pub async fn list(pool: &SqlitePool, now: &str) -> SqlResult<Vec<ShareLinkSummary>> {
    #[derive(sqlx::FromRow)]
    struct Listed {
        #[sqlx(flatten)]
        link: LinkRecord,
        addresses: i64,
    }
    let rows: Vec<Listed> = sqlx::query_as(&format!(
        "SELECT {LINK_COLUMNS}, \
           (SELECT COUNT(DISTINCT client_ip) FROM share_views v WHERE v.link_id = l.id) AS addresses \
         FROM share_links l ORDER BY id DESC"
    ))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|Listed { link, addresses }| {
            let scope = link.scope();
            ShareLinkSummary {
                id: link.id,
                state: link.state(now),
                scope: scope
                    .as_ref()
                    .map(ShareScope::describe)
                    .unwrap_or_else(|| "(unreadable scope: shows nothing)".into()),
                scope_path: scope
                    .as_ref()
                    .map(ShareScope::console_path)
                    .unwrap_or_else(|| "/".into()),
                label: link.label,
                include_tags: link.include_tags,
                created_by: link.created_by,
                created_at: link.created_at,
                expires_at: link.expires_at,
                revoked_at: link.revoked_at,
                revoked_by: link.revoked_by,
                views: link.views,
                last_viewed_at: link.last_viewed_at,
                addresses,
            }
        })
        .collect())
}

/// The newest views of one link.
pub async fn views(pool: &SqlitePool, link_id: i64, limit: i64) -> SqlResult<Vec<ShareViewRecord>> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT at, client_ip, user_agent, what FROM share_views WHERE link_id = ? ORDER BY id DESC LIMIT ?",
    )
    .bind(link_id)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(at, client_ip, user_agent, what)| ShareViewRecord {
            at,
            client_ip,
            user_agent,
            what,
        })
        .collect())
}

/// Revokes one link that is not revoked yet; false if there is none such.
pub async fn revoke(conn: &mut SqliteConnection, id: i64, by: &str, at: &str) -> SqlResult<bool> {
    let done = sqlx::query(
        "UPDATE share_links SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL",
    )
    .bind(at)
    .bind(by)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes every link still working; answers how many.
pub async fn revoke_all(conn: &mut SqliteConnection, by: &str, at: &str) -> SqlResult<u64> {
    let done = sqlx::query(
        "UPDATE share_links SET revoked_at = ?1, revoked_by = ?2 WHERE revoked_at IS NULL AND expires_at > ?1",
    )
    .bind(at)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

pub struct View<'a> {
    pub link_id: i64,
    pub at: &'a str,
    pub client_ip: &'a str,
    pub user_agent: &'a str,
    pub what: &'a str,
}

/// Records a view, counts it, and prunes the link's views beyond [`VIEWS_KEPT`].
pub async fn record_view(conn: &mut SqliteConnection, view: View<'_>) -> SqlResult<()> {
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO share_views (link_id, at, client_ip, user_agent, what) VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(view.link_id)
    .bind(view.at)
    .bind(view.client_ip)
    .bind(view.user_agent)
    .bind(view.what)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE share_links SET views = views + 1, last_viewed_at = ? WHERE id = ?")
        .bind(view.at)
        .bind(view.link_id)
        .execute(&mut *conn)
        .await?;
    if id % 100 == 0 {
        sqlx::query(
            "DELETE FROM share_views WHERE link_id = ?1 AND id <= \
               (SELECT id FROM share_views WHERE link_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
        )
        .bind(view.link_id)
        .bind(VIEWS_KEPT)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn views_are_counted_and_pruned_to_the_newest() {
        let (_dir, db) = crate::store::temp_db().await;
        let scope = ShareScope::Expiry {
            account: String::new(),
            expires: String::new(),
        };
        let mut conn = db.pool().acquire().await.unwrap();
        let id = insert(
            &mut conn,
            NewLink {
                token_hash: &hash_token("t"),
                label: "auditor",
                scope: &scope,
                include_tags: false,
                created_by: "admin",
                created_at: "2026-12-01T00:00:00.000Z",
                expires_at: "2026-12-08T00:00:00.000Z",
            },
        )
        .await
        .unwrap();
        let total = VIEWS_KEPT + 250;
        for i in 0..total {
            record_view(
                &mut conn,
                View {
                    link_id: id,
                    at: "2026-12-02T00:00:00.000Z",
                    client_ip: if i % 2 == 0 { "10.0.0.1" } else { "10.0.0.2" },
                    user_agent: "test",
                    what: "page",
                },
            )
            .await
            .unwrap();
        }
        let link = find(db.pool(), &hash_token("t")).await.unwrap().unwrap();
        assert_eq!(link.views, total, "every view is counted");
        let kept: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM share_views")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert!(
            (VIEWS_KEPT..VIEWS_KEPT + 100).contains(&kept),
            "kept {kept} rows"
        );
        let listed = list(db.pool(), "2026-12-03T00:00:00.000Z").await.unwrap();
        assert_eq!(listed[0].addresses, 2);
        assert_eq!(listed[0].state, ShareState::Active);
        assert!(
            find(db.pool(), "t").await.unwrap().is_none(),
            "found by hash only"
        );
    }
}
