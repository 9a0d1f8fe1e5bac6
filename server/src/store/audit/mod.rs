//! The audit trail: an append-only, hash-chained table.
//!
//! Each row's hash covers its canonical form, which ends with the previous row's hash; the
//! first row links to [`GENESIS`]. Editing, deleting or reordering a row breaks the link at that
//! row or the next; with the audit key ([`seal`]) the hash is an HMAC, so a rewrite cannot be
//! resealed without the key. Removing the newest rows leaves a shorter chain that still links:
//! an [`Anchor`](app::model::Anchor) kept elsewhere catches that.

mod chain;
mod query;
pub mod seal;
mod summary;

pub use app::model::GENESIS;
pub use chain::{check_anchor, head_check, verify, verify_chunk, HeadCheck, VERIFY_CHUNK_ROWS};
pub use query::{detail, export_rows, item_history, newest_row_of_request, page, ExportRow};
pub use seal::{AuditKey, Seal};

use crate::store::sql::SqlResult;
use app::model::{AuditEntry, ItemState, Outcome, Recorded};
use serde_json::Value;
use sqlx::SqliteConnection;

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
    /// trustdesk's id of the HTTP request that wrote the row; empty for none.
    pub http_request_id: String,
    /// The AWS item before the change (trustdesk's cached copy) and after it (AWS's answer).
    pub before: Recorded,
    pub after: Recorded,
}

#[derive(sqlx::FromRow)]
pub(crate) struct StoredRow {
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
    scheme: String,
    state_before: Option<String>,
    state_after: Option<String>,
    http_request_id: Option<String>,
}

impl StoredRow {
    fn canonical(&self) -> seal::Canonical<'_> {
        seal::Canonical {
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
            state_before: self.state_before.as_deref(),
            state_after: self.state_after.as_deref(),
            http_request_id: self.http_request_id.as_deref(),
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
            summary: summary::summarise(&self.params),
            params: self.params,
            message: self.message,
            request_id: self.request_id,
            http_request_id: self.http_request_id.unwrap_or_default(),
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

/// A state as stored: NULL when not recorded, the JSON `null` when there was no item.
fn stored_state(state: &Recorded) -> Option<String> {
    match state {
        Recorded::NotRecorded => None,
        Recorded::Absent => Some("null".into()),
        Recorded::Present(item) => {
            let mut value = serde_json::to_value(item).unwrap_or(Value::Null);
            redact(&mut value);
            Some(value.to_string())
        }
    }
}

/// A stored state read back; one that no longer parses reads as not recorded.
fn read_state(stored: Option<&str>) -> Recorded {
    match stored {
        None => Recorded::NotRecorded,
        Some("null") => Recorded::Absent,
        Some(json) => serde_json::from_str::<ItemState>(json)
            .map(Recorded::Present)
            .unwrap_or(Recorded::NotRecorded),
    }
}

/// Refused by [`append`]: the newest row is keyed and this process has no key, so its row
/// would break the chain.
#[derive(Debug, thiserror::Error)]
#[error("the newest audit row ({0}) is sealed with the audit key and trustdesk was started without it (audit_key_file), so no row was written")]
pub struct KeyMissing(pub i64);

/// Appends a row inside the caller's transaction, which must hold the write lock
/// ([`super::Db::begin_write`]) so no other row can slip in between. `seal` is the database's
/// ([`super::Db::seal`]).
pub async fn append(
    conn: &mut SqliteConnection,
    seal: &Seal,
    mut row: NewAuditRow,
    at: &str,
) -> SqlResult<AuditEntry> {
    let last: Option<(i64, String, String)> =
        sqlx::query_as("SELECT id, hash, scheme FROM audit_log ORDER BY id DESC LIMIT 1")
            .fetch_optional(&mut *conn)
            .await?;
    let (id, prev_hash) = match last {
        Some((id, _, scheme)) if scheme == seal::KEYED && !seal.is_keyed() => {
            return Err(sqlx::Error::Configuration(Box::new(KeyMissing(id))));
        }
        Some((id, hash, _)) => (id + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    redact(&mut row.params);
    let params = if row.params.is_null() {
        "{}".to_string()
    } else {
        row.params.to_string()
    };
    let outcome = row.outcome.unwrap_or(Outcome::Ok).as_str();
    let state_before = stored_state(&row.before);
    let state_after = stored_state(&row.after);
    let http_request_id = Some(row.http_request_id.as_str()).filter(|id| !id.is_empty());
    let scheme = seal.scheme();
    let hash = seal.seal(&seal::Canonical {
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
        state_before: state_before.as_deref(),
        state_after: state_after.as_deref(),
        http_request_id,
        prev_hash: &prev_hash,
    });
    sqlx::query(
        "INSERT INTO audit_log (id, at, actor, client_ip, action, target_kind, target_id, account, region,
                                params, outcome, message, request_id, prev_hash, hash, scheme,
                                state_before, state_after, http_request_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    .bind(scheme)
    .bind(&state_before)
    .bind(&state_after)
    .bind(http_request_id)
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
        summary: summary::summarise(&params),
        params,
        outcome: row.outcome.unwrap_or(Outcome::Ok),
        message: row.message,
        request_id: row.request_id,
        http_request_id: row.http_request_id,
        hash,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::Db;
    use serde_json::json;

    pub(crate) async fn db_with_rows(n: usize, seal: &Seal) -> (tempfile::TempDir, Db) {
        let (dir, db) = crate::store::temp_db().await;
        append_rows(&db, n, seal).await;
        (dir, db)
    }

    pub(crate) async fn append_rows(db: &Db, n: usize, seal: &Seal) {
        for i in 0..n {
            let mut tx = db.begin_write().await.unwrap();
            append(
                &mut tx,
                seal,
                NewAuditRow {
                    actor: if i % 2 == 0 { "alice" } else { "bob" }.into(),
                    action: format!("test.{}", i % 3),
                    params: json!({"n": i, "password": "hunter2hunter2"}),
                    ..Default::default()
                },
                &crate::store::now(),
            )
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }
    }

    #[tokio::test]
    async fn secrets_are_redacted_before_hashing_and_storing() {
        let (_dir, db) = db_with_rows(1, &Seal::plain()).await;
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

    #[test]
    fn states_round_trip_and_tell_absent_from_not_recorded() {
        let item = ItemState {
            name: "n".into(),
            status: "s".into(),
            expires_at: None,
            tags: vec![],
            fields: vec![],
            read_at: "t".into(),
        };
        for state in [
            Recorded::NotRecorded,
            Recorded::Absent,
            Recorded::Present(item),
        ] {
            assert_eq!(read_state(stored_state(&state).as_deref()), state);
        }
    }

    #[tokio::test]
    async fn without_the_key_no_row_follows_a_keyed_one() {
        let key = AuditKey::from_bytes(vec![3; 32]).unwrap();
        let (_dir, db) = db_with_rows(2, &Seal::keyed(key)).await;
        let mut tx = db.begin_write().await.unwrap();
        let refused = append(
            &mut tx,
            &Seal::plain(),
            NewAuditRow::default(),
            &crate::store::now(),
        )
        .await
        .unwrap_err();
        assert!(refused.to_string().contains("row (2)"), "{refused}");
    }
}
