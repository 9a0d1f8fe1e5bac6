//! The cache's counts for monitoring: one grouped scan of `resources` (by its kind prefix of
//! the primary key) and one count of the outbox's waiting mail.

use super::sql::SqlResult;
use sqlx::SqlitePool;

/// One kind's cached items (removed ones left out) and how many expire soon.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KindCounts {
    pub kind: String,
    pub items: i64,
    pub expiring_7d: i64,
    pub expiring_30d: i64,
}

/// Counts per kind as of `now`; the bounds are RFC 3339 timestamps, as `expires_at` is stored.
pub async fn kinds(
    pool: &SqlitePool,
    now: &str,
    in_7_days: &str,
    in_30_days: &str,
) -> SqlResult<Vec<KindCounts>> {
    sqlx::query_as(
        "SELECT kind, COUNT(*) AS items,
                COALESCE(SUM(expires_at >= ?1 AND expires_at < ?2), 0) AS expiring_7d,
                COALESCE(SUM(expires_at >= ?1 AND expires_at < ?3), 0) AS expiring_30d
         FROM resources WHERE gone_at IS NULL GROUP BY kind ORDER BY kind",
    )
    .bind(now)
    .bind(in_7_days)
    .bind(in_30_days)
    .fetch_all(pool)
    .await
}

/// Mails not yet sent nor given up on.
pub async fn outbox_waiting(pool: &SqlitePool) -> SqlResult<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')")
        .fetch_one(pool)
        .await
}
