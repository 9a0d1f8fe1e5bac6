//! One-time setup links. Only the SHA-256 of a token is stored, so reading the database does not
//! give anyone the link.

use super::sql::SqlResult;
use sqlx::SqliteConnection;

pub fn hash_token(token: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Replaces any unused link with a new one.
pub async fn issue(
    conn: &mut SqliteConnection,
    token_hash: &str,
    now: &str,
    expires_at: &str,
) -> SqlResult<()> {
    sqlx::query("DELETE FROM setup_tokens WHERE used_at IS NULL")
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES (?, ?, ?)")
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn is_usable(
    conn: &mut SqliteConnection,
    token_hash: &str,
    now: &str,
) -> SqlResult<bool> {
    let found: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM setup_tokens WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
    )
    .bind(token_hash)
    .bind(now)
    .fetch_optional(conn)
    .await?;
    Ok(found.is_some())
}

/// Marks the link used; false if it was not usable (expired, used or unknown).
pub async fn consume(conn: &mut SqliteConnection, token_hash: &str, now: &str) -> SqlResult<bool> {
    let result = sqlx::query(
        "UPDATE setup_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
    )
    .bind(now)
    .bind(token_hash)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}
