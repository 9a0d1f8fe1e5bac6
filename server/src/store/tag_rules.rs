//! `tag_rules`: each rule stored whole as JSON, in the order admins added them.

use super::sql::SqlResult;
use app::model::compliance::TagRule;
use sqlx::{SqliteConnection, SqlitePool};

pub async fn list(pool: &SqlitePool) -> SqlResult<Vec<TagRule>> {
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, rule FROM tag_rules ORDER BY id")
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, json)| match serde_json::from_str::<TagRule>(&json) {
            Ok(rule) => Some(TagRule { id, ..rule }),
            Err(error) => {
                tracing::error!(%error, rule = id, "a stored tag rule does not parse; it is left out");
                None
            }
        })
        .collect())
}

pub async fn insert(
    conn: &mut SqliteConnection,
    rule: &TagRule,
    by: &str,
    at: &str,
) -> SqlResult<i64> {
    let json = serde_json::to_string(rule).expect("a rule always serialises");
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO tag_rules (rule, created_by, created_at) VALUES (?, ?, ?) RETURNING id",
    )
    .bind(json)
    .bind(by)
    .bind(at)
    .fetch_one(&mut *conn)
    .await?;
    Ok(id)
}

/// The rule removed, if there was one with that id.
pub async fn delete(conn: &mut SqliteConnection, id: i64) -> SqlResult<Option<TagRule>> {
    let row: Option<(String,)> =
        sqlx::query_as("DELETE FROM tag_rules WHERE id = ? RETURNING rule")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.and_then(|(json,)| serde_json::from_str(&json).ok()))
}

/// Whether a tag rule exists, or ever did: one was added or removed, as the audit trail says.
pub async fn ever_kept(conn: &mut SqliteConnection) -> SqlResult<bool> {
    let (kept,): (bool,) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM tag_rules) OR EXISTS (SELECT 1 FROM audit_log \
         WHERE action IN ('tag_rule.add', 'tag_rule.delete') AND outcome = 'ok')",
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(kept)
}
