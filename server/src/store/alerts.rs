//! `alert_rules`, `alert_notices`, `alert_silences` and `alert_link_uses`.

use app::model::alerts::{AlertRules, Silence};
use app::model::{ResourceKind, ResourceRef};
use sqlx::{SqliteConnection, SqlitePool};

use super::sql::{Bind, SqlResult, COUNTED_EXPIRING};

/// The rules; the defaults until an admin saves some.
pub async fn rules(pool: &SqlitePool) -> SqlResult<AlertRules> {
    let stored: Option<(String,)> = sqlx::query_as("SELECT rules FROM alert_rules WHERE id = 1")
        .fetch_optional(pool)
        .await?;
    Ok(stored
        .and_then(|(json,)| serde_json::from_str(&json).ok())
        .unwrap_or_default())
}

/// Whether alert rules were ever saved (else [`rules`] gives the defaults).
pub async fn rules_saved(conn: &mut SqliteConnection) -> SqlResult<bool> {
    let saved: Option<i64> = sqlx::query_scalar("SELECT id FROM alert_rules WHERE id = 1")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(saved.is_some())
}

pub async fn save_rules(
    conn: &mut SqliteConnection,
    rules: &AlertRules,
    by: &str,
    now: &str,
) -> SqlResult<()> {
    sqlx::query(
        "INSERT INTO alert_rules (id, rules, updated_at, updated_by) VALUES (1, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at,
           updated_by = excluded.updated_by",
    )
    .bind(serde_json::to_string(rules).unwrap_or_default())
    .bind(now)
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A dated item an alert run considers.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Due {
    pub kind: String,
    pub account: String,
    pub region: String,
    pub id: String,
    pub name: String,
    pub expires_at: String,
    pub tags: String,
}

impl Due {
    pub fn item(&self) -> Option<ResourceRef> {
        Some(ResourceRef {
            kind: ResourceKind::parse(&self.kind)?,
            account: self.account.clone(),
            region: self.region.clone(),
            id: self.id.clone(),
        })
    }
}

/// That the alert silence `s` holds for the resources row `r` at `?1`: it is of the row's
/// current expiry, and an acknowledgement or a snooze not yet over.
pub(super) const SILENCE_HOLDS: &str =
    "s.kind = r.kind AND s.account = r.account AND s.region = r.region AND s.id = r.id
     AND s.expires_at = r.expires_at
     AND (s.state = 'ack' OR (s.state = 'snooze' AND s.until > ?1))";

/// Items still in AWS that expire before `horizon`, without a silence that holds at `now`.
pub async fn due(conn: &mut SqliteConnection, now: &str, horizon: &str) -> SqlResult<Vec<Due>> {
    sqlx::query_as(&format!(
        "SELECT r.kind, r.account, r.region, r.id, r.name, r.expires_at, r.tags FROM resources r
         WHERE {COUNTED_EXPIRING} AND r.expires_at < ?2
           AND NOT EXISTS (SELECT 1 FROM alert_silences s WHERE {SILENCE_HOLDS})
         ORDER BY r.expires_at, r.kind, r.id"
    ))
    .bind(now)
    .bind(horizon)
    .fetch_all(&mut *conn)
    .await
}

/// The thresholds already noticed for this item's expiry and this recipient.
pub async fn noticed(
    conn: &mut SqliteConnection,
    item: &Due,
    recipient: &str,
) -> SqlResult<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT threshold FROM alert_notices WHERE kind = ? AND account = ? AND region = ? AND id = ?
           AND expires_at = ? AND recipient = ?",
    )
    .bind_scope(&item.kind, &item.account, &item.region)
    .bind(&item.id)
    .bind(&item.expires_at)
    .bind(recipient)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(t,)| t).collect())
}

#[allow(clippy::too_many_arguments)]
pub async fn record_notice(
    conn: &mut SqliteConnection,
    item: &Due,
    threshold: i64,
    recipient: &str,
    outbox_id: i64,
    now: &str,
) -> SqlResult<()> {
    sqlx::query(
        "INSERT OR IGNORE INTO alert_notices
           (kind, account, region, id, expires_at, threshold, recipient, outbox_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind_scope(&item.kind, &item.account, &item.region)
    .bind(&item.id)
    .bind(&item.expires_at)
    .bind(threshold)
    .bind(recipient)
    .bind(outbox_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Acknowledges (`until` None) or snoozes an item at its current expiry.
pub async fn silence(
    conn: &mut SqliteConnection,
    item: &ResourceRef,
    expires_at: &str,
    until: Option<&str>,
    by: &str,
    now: &str,
) -> SqlResult<()> {
    sqlx::query(
        "INSERT INTO alert_silences (kind, account, region, id, expires_at, state, until, by, at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (kind, account, region, id) DO UPDATE SET expires_at = excluded.expires_at,
           state = excluded.state, until = excluded.until, by = excluded.by, at = excluded.at",
    )
    .bind_item(item)
    .bind(expires_at)
    .bind(if until.is_some() { "snooze" } else { "ack" })
    .bind(until)
    .bind(by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn clear_silence(conn: &mut SqliteConnection, item: &ResourceRef) -> SqlResult<bool> {
    let done = sqlx::query(
        "DELETE FROM alert_silences WHERE kind = ? AND account = ? AND region = ? AND id = ?",
    )
    .bind_item(item)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// The item's silence while it holds: for its current expiry, and for a snooze until it ends.
pub async fn silence_of(
    pool: &SqlitePool,
    item: &ResourceRef,
    expires_at: &str,
    now: &str,
) -> SqlResult<Option<Silence>> {
    let row: Option<(String, Option<String>, String, String)> = sqlx::query_as(
        "SELECT state, until, by, at FROM alert_silences
         WHERE kind = ? AND account = ? AND region = ? AND id = ? AND expires_at = ?
           AND (state = 'ack' OR until > ?)",
    )
    .bind_item(item)
    .bind(expires_at)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(state, until, by, at)| Silence {
        state,
        until,
        by,
        at,
    }))
}

/// Marks an emailed link's nonce used; false when it was used before.
pub async fn use_link(conn: &mut SqliteConnection, nonce: &str, now: &str) -> SqlResult<bool> {
    let done = sqlx::query("INSERT OR IGNORE INTO alert_link_uses (nonce, used_at) VALUES (?, ?)")
        .bind(nonce)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn link_used(pool: &SqlitePool, nonce: &str) -> SqlResult<bool> {
    let found: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM alert_link_uses WHERE nonce = ?")
        .bind(nonce)
        .fetch_optional(pool)
        .await?;
    Ok(found.is_some())
}
