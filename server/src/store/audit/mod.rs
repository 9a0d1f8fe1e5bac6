//! The audit trail: an append-only, hash-chained table.
//!
//! Each row's hash is SHA-256 over the JSON of its fields in a fixed order, ending with the
//! previous row's hash; the first row links to [`GENESIS`]. Editing, deleting or reordering a
//! row breaks the link at that row or the next.

use app::model::{AuditEntry, AuditPage, BrokenLink, ChainReport, Outcome, AUDIT_PAGE_SIZE};
use futures_util::TryStreamExt;
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{SqliteConnection, SqlitePool};

pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Keys whose values never reach the audit table, whatever a caller passes.
const SECRET_KEYS: [&str; 8] = [
    "password",
    "password_confirm",
    "secret",
    "client_secret",
    "token",
    "jwt",
    "license_token",
    "smtp_password",
];

/// A row to append; id, time and hashes are filled in by [`append`].
#[derive(Debug, Clone, Default)]
pub struct NewAuditRow {
    pub actor: String,
    pub client_ip: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub account: String,
    pub region: String,
    pub params: Value,
    pub outcome: Option<Outcome>,
    pub message: String,
    pub request_id: String,
}

#[derive(Serialize)]
struct Canonical<'a> {
    id: i64,
    at: &'a str,
    actor: &'a str,
    client_ip: &'a str,
    action: &'a str,
    target_kind: &'a str,
    target_id: &'a str,
    account: &'a str,
    region: &'a str,
    params: &'a str,
    outcome: &'a str,
    message: &'a str,
    request_id: &'a str,
    prev_hash: &'a str,
}

impl Canonical<'_> {
    fn hash(&self) -> String {
        let json = serde_json::to_vec(self).expect("plain strings always serialise");
        hex::encode(Sha256::digest(json))
    }
}

#[derive(sqlx::FromRow)]
struct StoredRow {
    id: i64,
    at: String,
    actor: String,
    client_ip: String,
    action: String,
    target_kind: String,
    target_id: String,
    account: String,
    region: String,
    params: String,
    outcome: String,
    message: String,
    request_id: String,
    prev_hash: String,
    hash: String,
}

impl StoredRow {
    fn canonical(&self) -> Canonical<'_> {
        Canonical {
            id: self.id,
            at: &self.at,
            actor: &self.actor,
            client_ip: &self.client_ip,
            action: &self.action,
            target_kind: &self.target_kind,
            target_id: &self.target_id,
            account: &self.account,
            region: &self.region,
            params: &self.params,
            outcome: &self.outcome,
            message: &self.message,
            request_id: &self.request_id,
            prev_hash: &self.prev_hash,
        }
    }

    fn entry(self) -> AuditEntry {
        AuditEntry {
            outcome: Outcome::parse(&self.outcome).unwrap_or(Outcome::Error),
            id: self.id,
            at: self.at,
            actor: self.actor,
            client_ip: self.client_ip,
            action: self.action,
            target_kind: self.target_kind,
            target_id: self.target_id,
            account: self.account,
            region: self.region,
            params: self.params,
            message: self.message,
            request_id: self.request_id,
            hash: self.hash,
        }
    }
}

/// Replaces the value of every secret-named key, at any depth, with `"[redacted]"`.
pub fn redact(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if SECRET_KEYS.contains(&key.to_ascii_lowercase().as_str()) {
                    *inner = Value::String("[redacted]".into());
                } else {
                    redact(inner);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// Appends a row inside the caller's transaction, which must hold the write lock
/// ([`super::Db::begin_write`]) so no other row can slip in between.
pub async fn append(
    conn: &mut SqliteConnection,
    mut row: NewAuditRow,
    at: &str,
) -> Result<AuditEntry, sqlx::Error> {
    let last: Option<(i64, String)> =
        sqlx::query_as("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (id, prev_hash) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    redact(&mut row.params);
    let params = if row.params.is_null() {
        "{}".to_string()
    } else {
        row.params.to_string()
    };
    let outcome = row.outcome.unwrap_or(Outcome::Ok).as_str();
    let hash = Canonical {
        id,
        at,
        actor: &row.actor,
        client_ip: &row.client_ip,
        action: &row.action,
        target_kind: &row.target_kind,
        target_id: &row.target_id,
        account: &row.account,
        region: &row.region,
        params: &params,
        outcome,
        message: &row.message,
        request_id: &row.request_id,
        prev_hash: &prev_hash,
    }
    .hash();
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, client_ip, action, target_kind, target_id, account, region,
                                params, outcome, message, request_id, prev_hash, hash)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(at)
    .bind(&row.actor)
    .bind(&row.client_ip)
    .bind(&row.action)
    .bind(&row.target_kind)
    .bind(&row.target_id)
    .bind(&row.account)
    .bind(&row.region)
    .bind(&params)
    .bind(outcome)
    .bind(&row.message)
    .bind(&row.request_id)
    .bind(&prev_hash)
    .bind(&hash)
    .execute(&mut *conn)
    .await?;
    Ok(AuditEntry {
        id,
        at: at.to_string(),
        actor: row.actor,
        client_ip: row.client_ip,
        action: row.action,
        target_kind: row.target_kind,
        target_id: row.target_id,
        account: row.account,
        region: row.region,
        params,
        outcome: row.outcome.unwrap_or(Outcome::Ok),
        message: row.message,
        request_id: row.request_id,
        hash,
    })
}

/// Newest first; `page` is 1-based and clamped to the last page.
pub async fn page(pool: &SqlitePool, page: u32) -> Result<AuditPage, sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(pool)
        .await?;
    let total = total as u64;
    let total_pages = total.div_ceil(u64::from(AUDIT_PAGE_SIZE)).max(1) as u32;
    let page = page.clamp(1, total_pages);
    let rows: Vec<StoredRow> =
        sqlx::query_as("SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?")
            .bind(i64::from(AUDIT_PAGE_SIZE))
            .bind(i64::from((page - 1) * AUDIT_PAGE_SIZE))
            .fetch_all(pool)
            .await?;
    Ok(AuditPage {
        entries: rows.into_iter().map(StoredRow::entry).collect(),
        page,
        total_pages,
        total_entries: total,
    })
}

/// Walks the chain oldest first and names the first row that does not match.
pub async fn verify(pool: &SqlitePool) -> Result<ChainReport, sqlx::Error> {
    let mut rows =
        sqlx::query_as::<_, StoredRow>("SELECT * FROM audit_log ORDER BY id").fetch(pool);
    let mut expected_prev = GENESIS.to_string();
    let mut expected_id: Option<i64> = None;
    let mut checked = 0u64;
    while let Some(row) = rows.try_next().await? {
        checked += 1;
        let broken = |reason: String| ChainReport {
            rows_checked: checked,
            first_broken: Some(BrokenLink { id: row.id, reason }),
        };
        if let Some(expected) = expected_id {
            if row.id != expected {
                return Ok(broken(format!("row {expected} is missing before it")));
            }
        }
        if row.prev_hash != expected_prev {
            return Ok(broken("its link to the previous row does not match (a row before it was changed or deleted)".into()));
        }
        if row.canonical().hash() != row.hash {
            return Ok(broken(
                "its contents do not match its hash (the row was changed)".into(),
            ));
        }
        expected_prev = row.hash.clone();
        expected_id = Some(row.id + 1);
    }
    Ok(ChainReport {
        rows_checked: checked,
        first_broken: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Db;
    use serde_json::json;

    async fn db_with_rows(n: usize) -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("a.db")).await.unwrap();
        for i in 0..n {
            let mut tx = db.begin_write().await.unwrap();
            append(
                &mut tx,
                NewAuditRow {
                    actor: "alice".into(),
                    action: format!("test.{i}"),
                    params: json!({"n": i, "password": "hunter2hunter2"}),
                    ..Default::default()
                },
                &crate::store::now(),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
        (dir, db)
    }

    #[tokio::test]
    async fn an_untouched_chain_verifies() {
        let (_dir, db) = db_with_rows(5).await;
        let report = verify(db.pool()).await.unwrap();
        assert_eq!(
            report,
            ChainReport {
                rows_checked: 5,
                first_broken: None
            }
        );
    }

    #[tokio::test]
    async fn an_edited_row_is_named() {
        let (_dir, db) = db_with_rows(5).await;
        sqlx::query("UPDATE audit_log SET actor = 'mallory' WHERE id = 3")
            .execute(db.pool())
            .await
            .unwrap();
        let broken = verify(db.pool()).await.unwrap().first_broken.unwrap();
        assert_eq!(broken.id, 3);
    }

    #[tokio::test]
    async fn a_deleted_row_is_named_by_its_successor() {
        let (_dir, db) = db_with_rows(5).await;
        sqlx::query("DELETE FROM audit_log WHERE id = 2")
            .execute(db.pool())
            .await
            .unwrap();
        let broken = verify(db.pool()).await.unwrap().first_broken.unwrap();
        assert_eq!(broken.id, 3);
        assert!(broken.reason.contains("row 2 is missing"));
    }

    #[tokio::test]
    async fn secrets_are_redacted_before_hashing_and_storing() {
        let (_dir, db) = db_with_rows(1).await;
        let params: String = sqlx::query_scalar("SELECT params FROM audit_log")
            .fetch_one(db.pool())
            .await
            .unwrap();
        assert!(!params.contains("hunter2"), "{params}");
        assert!(params.contains("[redacted]"));
    }

    #[test]
    fn redaction_reaches_nested_values() {
        let mut v = json!({"oidc": {"client_secret": "s3cret", "issuer": "https://x"}, "list": [{"token": "t"}]});
        redact(&mut v);
        assert_eq!(v["oidc"]["client_secret"], "[redacted]");
        assert_eq!(v["oidc"]["issuer"], "https://x");
        assert_eq!(v["list"][0]["token"], "[redacted]");
    }

    #[tokio::test]
    async fn pages_are_newest_first() {
        let (_dir, db) = db_with_rows(AUDIT_PAGE_SIZE as usize + 3).await;
        let first = page(db.pool(), 1).await.unwrap();
        assert_eq!(first.total_pages, 2);
        assert_eq!(first.entries[0].id, i64::from(AUDIT_PAGE_SIZE) + 3);
        let second = page(db.pool(), 2).await.unwrap();
        assert_eq!(second.entries.len(), 3);
        assert_eq!(second.entries.last().unwrap().id, 1);
        assert_eq!(
            page(db.pool(), 99).await.unwrap().page,
            2,
            "clamped to the last page"
        );
    }
}
