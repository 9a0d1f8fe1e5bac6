//! The session table's one-time change to digested ids (see `web::session_ids`).

use super::sql::SqlResult;
use super::Db;

/// Drops the sessions stored under clear ids, once: at the first start of a version that
/// stores digests. Answers how many were dropped.
pub async fn drop_clear_ids_once(db: &Db, now: &str) -> SqlResult<u64> {
    let mut tx = db.begin_write().await?;
    let done: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM session_ids_digested")
        .fetch_one(&mut *tx)
        .await?;
    if done > 0 {
        return Ok(0);
    }
    let dropped = sqlx::query("DELETE FROM tower_sessions")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    sqlx::query("INSERT INTO session_ids_digested (done_at) VALUES (?)")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(dropped)
}
